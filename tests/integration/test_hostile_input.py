"""Identifiers with a trailing newline (`%0A` decoded by API Gateway) never pass as valid:
every pattern matches the whole string, so the ownership check holds and DocuSign is never
called with `<id>\\n`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.helpers import docusign_requests, send, simple_body, status, void
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def owner(connections: Any) -> Any:
    return connections.create("newline-owner")


@pytest.fixture(scope="module")
def other(connections: Any) -> Any:
    return connections.create("newline-other")


def test_envelope_id_with_a_trailing_newline_is_a_404_without_a_docusign_call(
    owner: Any, other: Any, emulator: Any
) -> None:
    sent = send("newline-owner", simple_body())
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    emulator.state.clear_requests()

    for connection in ("newline-other", "newline-owner"):
        looked = status(connection, envelope_id + "\n")
        assert looked.status == 404, looked.body
        assert looked.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
        voided = void(connection, envelope_id + "\n", {"reason": "no"})
        assert voided.status == 404, voided.body
        assert voided.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
        for route in ("get_documents", "recipient_view"):
            result = invoke(
                route,
                api_event(
                    route,
                    path_parameters={"connection": connection, "envelopeId": envelope_id + "\n"},
                ),
            )
            assert result.status == 404, (route, result.body)
    assert docusign_requests(emulator) == []
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"


def test_connection_name_with_a_trailing_newline_is_refused(owner: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = send("newline-owner\n", simple_body())
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "INVALID_CONNECTION_NAME"
    assert docusign_requests(emulator) == []


# ------------------------------------------------- the webhook tells nothing about connections


def _webhook(connection: str, body: bytes, headers: dict[str, str]) -> Any:
    from tests.integration.test_connect import webhook_event

    return invoke("docusign_webhook", webhook_event(connection, body, headers))


def test_the_webhook_refuses_unknown_and_known_connections_alike(
    connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same 401 body, and the same HMAC work, whether the connection exists or not."""
    import hmac

    from tests.integration.test_connect import connect_environment  # noqa: F401

    connections.create("hook-known", secret_overrides={"connectHmacKeys": ["the-real-key"]})
    body = b'{"event":"envelope-sent","data":{}}'
    headers = {"X-DocuSign-Signature-1": "bm90IGEgc2lnbmF0dXJl"}
    compared: list[int] = []
    real_compare = hmac.compare_digest

    def counting(a: Any, b: Any) -> bool:
        compared.append(1)
        return real_compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    answers = []
    work = []
    for connection in ("hook-known", "hook-unknown", "hook-unknown", "not a name\n"):
        compared.clear()
        result = _webhook(connection, body, headers)
        answers.append((result.status, result.body))
        work.append(len(compared))
    assert {status for status, _ in answers} == {401}
    assert len({json.dumps(body, sort_keys=True) for _, body in answers}) == 1
    assert answers[0][1]["error"]["code"] == "INVALID_SIGNATURE"
    assert all(count >= 1 for count in work), work


# --------------------------------------- a secret pasted into the wrong field is never echoed


@pytest.mark.parametrize("field", ["accountId", "baseUri", "authServer"])
def test_a_private_key_pasted_in_a_field_is_never_quoted(
    connections: Any, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.integration.test_connections import verify

    conn = connections.create(f"pasted-{field.lower()}")
    secret = {**conn.secret, field: conn.private_key_pem}
    connections.put_secret(f"pasted-{field.lower()}", secret)

    result = verify(f"pasted-{field.lower()}")

    assert result.status == 422, result.body
    text = json.dumps(result.body) + caplog.text
    assert "PRIVATE KEY" not in text
    assert not any(line in text for line in conn.private_key_pem.strip().splitlines()[1:-1])
    assert field in result.body["error"]["message"]


# ---------------------------------------------------------- input built to break the parser


def _deep(levels: int) -> bytes:
    return ("[" * levels + "]" * levels).encode()


def test_deeply_nested_json_is_a_400_on_the_api_and_the_webhook(owner: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    event = api_event("send_envelope_nested", path_parameters={"connection": "newline-owner"})
    event["body"] = '{"emailSubject": ' + "[" * 50_000 + "]" * 50_000 + "}"
    result = invoke("send_envelope", event)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "INVALID_JSON"

    connections_key = "deep-key"
    from tests.integration.test_connect import sign_body

    body = b'{"event": "envelope-sent", "data": ' + _deep(50_000) + b"}"
    hooked = _webhook_with_key(connections_key, body, sign_body)
    assert hooked.status == 400, hooked.body
    assert hooked.body["error"]["code"] == "UNSUPPORTED_CONNECT_FORMAT"
    assert docusign_requests(emulator) == []


def _webhook_with_key(key: str, body: bytes, sign_body: Any) -> Any:
    from docusign_connector.container import get_services

    services = get_services()
    services.connections.connect_keys = lambda name, fresh=False: (key,)  # type: ignore[method-assign]
    return _webhook("newline-owner", body, sign_body(body, [key]))


def test_a_hand_made_next_token_is_a_400(owner: Any) -> None:
    import base64

    forged = [
        base64.urlsafe_b64encode(b'{"pk": 1}').decode(),
        base64.urlsafe_b64encode(b"[1, 2, 3]").decode(),
        base64.urlsafe_b64encode(_deep(50_000)).decode(),
        base64.urlsafe_b64encode(
            json.dumps(
                {
                    "pk": "ENV#x",
                    "sk": "STATE",
                    "connection": "newline-other",
                    "statusChangedAt": "x",
                }
            ).encode()
        ).decode(),
        "%%%not-base64%%%",
    ]
    for token in forged:
        result = invoke(
            "list_envelopes",
            api_event(
                "list_envelopes",
                path_parameters={"connection": "newline-owner"},
                query={"nextToken": token},
            ),
        )
        assert result.status == 400, (token[:40], result.body)
        assert result.body["error"]["code"] == "INVALID_NEXT_TOKEN"


# ----------------------------------------------------- text that would reach e-mail headers


@pytest.mark.parametrize(
    "change",
    [
        {"emailSubject": "Please sign\r\nBcc: everyone@example.com"},
        {"signers": [{"email": "ana@example.com", "name": "Ana\nBcc: x@example.com"}]},
        {"customFields": {"case\r\nid": "1"}},
        {"customFields": {"caseId": "1\x002"}},
        {"documents": [{"name": "nda\r\n.pdf", "contentBase64": "JVBERi0xLjQK"}]},
        {"emailBlurb": "Hello\x00there"},
    ],
    ids=["subject", "signer-name", "custom-field-name", "custom-field-value", "file", "blurb"],
)
def test_control_characters_are_refused_before_anything_is_sent(
    owner: Any, emulator: Any, change: dict[str, Any]
) -> None:
    emulator.state.clear_requests()
    result = send("newline-owner", simple_body(**change))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "CONTROL_CHARACTERS"
    assert docusign_requests(emulator) == []


def test_a_message_body_keeps_its_line_breaks(owner: Any, emulator: Any) -> None:
    result = send("newline-owner", simple_body(emailBlurb="Hello,\r\n\tplease sign.\nThanks"))
    assert result.status == 201, result.body


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        ("https://app.example.com/done", True),
        ("http://127.0.0.1:8080/done", True),
        ("http://localhost/done", True),
        ("http://app.example.com/done", False),
        ("https://user:secret@app.example.com/done", False),
        ("https://169.254.169.254/latest/meta-data", False),
        ("https://[fe80::1]/x", False),
        ("https://metadata.google.internal/computeMetadata", False),
        ("javascript:alert(1)", False),
    ],
)
def test_return_url_rules(owner: Any, emulator: Any, url: str, accepted: bool) -> None:
    from docusign_connector.models.views import SenderViewRequest

    try:
        SenderViewRequest.model_validate({"returnUrl": url})
    except Exception as error:
        assert not accepted, error
        assert "INVALID_RETURN_URL" in str(error)
    else:
        assert accepted, url


def test_at_most_50_documents_per_envelope(owner: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    documents = [{"name": f"d{i}.pdf", "s3Key": f"inbox/newline-owner/d{i}.pdf"} for i in range(51)]
    result = send("newline-owner", simple_body(documents=documents))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "TOO_MANY_DOCUMENTS"
    assert docusign_requests(emulator) == []
