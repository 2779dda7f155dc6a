"""Pure logic of the shared layer: signing order, models, connection parsing, error codes,
streamed envelope bodies, dates."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from pydantic import ValidationError

from docusign_connector import clock
from docusign_connector.actions.definition import (
    envelope_definition,
    file_extension,
    routing_orders,
)
from docusign_connector.adapters.docusign.body import StreamingEnvelopeBody
from docusign_connector.adapters.docusign.errors import DocuSignApiError, to_connector_error
from docusign_connector.connections import normalize_base_url, parse_connection
from docusign_connector.documents import InlineDocument, base64_length, check_inbox_key
from docusign_connector.errors import (
    BadRequest,
    Conflict,
    ConnectionMisconfigured,
    Forbidden,
    NotFound,
    Throttled,
    Unprocessable,
    UpstreamUnavailable,
)
from docusign_connector.models.requests import SendEnvelopeRequest
from docusign_connector.models.validation import error_code_for

TEMPLATE_ID = "8c5b2b0e-5d5c-4e0b-9d59-0f8f2f1e6a11"


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([], []),
        ([None], [1]),
        ([0, 0], [1, 1]),
        ([1, 2, 3], [1, 2, 3]),
        ([2, None, 1], [2, 3, 1]),
        ([1, 1, None, 0], [1, 1, 2, 2]),
    ],
)
def test_routing_orders(orders: list[int | None], expected: list[int]) -> None:
    assert routing_orders(orders) == expected


def base_request(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "emailSubject": "Sign",
        "documents": [{"name": "a.pdf", "contentBase64": "JVBERi0x"}],
        "signers": [{"email": "a@example.com", "name": "A"}],
    }
    body.update(changes)
    return body


def error_types(body: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        SendEnvelopeRequest.model_validate(body)
    return [e["type"] for e in caught.value.errors()]


def test_flat_form_with_nulls_in_the_order_list() -> None:
    request = SendEnvelopeRequest.model_validate(
        base_request(
            signers=None,
            signersEmails=["a@example.com", "b@example.com"],
            signersNames=["A", "B"],
            signatureOrder=[None, "2"],
        )
    )
    assert [(s.email, s.signing_order) for s in request.signers] == [
        ("a@example.com", None),
        ("b@example.com", 2),
    ]


def test_both_forms_at_once_are_refused() -> None:
    assert error_types(base_request(signersEmails=["b@example.com"], signersNames=["B"])) == [
        "CONFLICTING_SIGNER_FORMS"
    ]


def test_flat_expiration_and_reminders() -> None:
    request = SendEnvelopeRequest.model_validate(
        base_request(
            enableExpiration=True, validityDays=10, expirationNoticeDays=2, enableReminder=False
        )
    )
    assert request.expiration is not None and request.expiration.validity_days == 10
    assert request.reminders is not None and request.reminders.enabled is False
    definition = envelope_definition(request, [], None)
    assert definition["notification"] == {
        "useAccountDefaults": "false",
        "reminders": {"reminderEnabled": "false"},
        "expirations": {"expireEnabled": "true", "expireAfter": "10", "expireWarn": "2"},
    }


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"expiration": {"enabled": True}}, "EXPIRATION_DAYS_REQUIRED"),
        ({"reminders": {"enabled": True}}, "REMINDER_DAYS_REQUIRED"),
        ({"templateId": TEMPLATE_ID}, "TEMPLATE_WITH_DOCUMENTS"),
        ({"templateId": "../envelopes/x"}, "INVALID_TEMPLATE_ID"),
        (
            {"templateRoles": [{"roleName": "r", "email": "a@example.com", "name": "A"}]},
            "TEMPLATE_ID_REQUIRED",
        ),
        ({"customFields": {"k": {"nested": 1}}}, "INVALID_CUSTOM_FIELD"),
        ({"customFields": {"k": "v" * 101}}, "INVALID_CUSTOM_FIELD"),
        (
            {"signers": [{"email": f"s{i}@example.com", "name": "S"} for i in range(101)]},
            "TOO_MANY_RECIPIENTS",
        ),
        (
            {"documents": [{"name": "a.pdf", "contentBase64": "JVBE", "s3Key": "inbox/x/a"}]},
            "DOCUMENT_SOURCE_REQUIRED",
        ),
    ],
)
def test_model_rules(changes: dict[str, Any], code: str) -> None:
    assert code in error_types(base_request(**changes))


def test_template_send() -> None:
    request = SendEnvelopeRequest.model_validate(
        {
            "emailSubject": "Sign",
            "templateId": TEMPLATE_ID,
            "templateRoles": [{"roleName": "Client", "email": "a@example.com", "name": "A"}],
        }
    )
    definition = envelope_definition(request, [], "tx")
    assert definition == {
        "emailSubject": "Sign",
        "status": "sent",
        "templateId": TEMPLATE_ID,
        "templateRoles": [
            {"roleName": "Client", "name": "A", "email": "a@example.com", "routingOrder": "1"}
        ],
        "transactionId": "tx",
    }


@pytest.mark.parametrize(
    "email",
    [
        "a@b",
        "a b@example.com",
        "@example.com",
        "a@@example.com",
        "a@example..com",
        "x" * 95 + "@example.com",
    ],
)
def test_invalid_emails(email: str) -> None:
    assert "INVALID_EMAIL" in error_types(base_request(signers=[{"email": email, "name": "A"}]))


def test_file_extension_rules() -> None:
    assert file_extension("Contract.DOCX", None, None) == "docx"
    assert file_extension("scan", "inbox/x/scan.pdf", None) == "pdf"
    assert file_extension("scan", None, b"%PDF-1.7 ...") == "pdf"
    with pytest.raises(BadRequest) as caught:
        file_extension("notes", None, b"hello")
    assert caught.value.code == "DOCUMENT_EXTENSION_REQUIRED"


@pytest.mark.parametrize(
    "key",
    [
        "inbox/acme",
        "inbox/acme/",
        "inbox/other/a.pdf",
        "/inbox/acme/a.pdf",
        "inbox/acme/../other/a.pdf",
        "inbox/acme/./a.pdf",
        "inbox/acme\\a.pdf",
        "outbox/acme/a.pdf",
    ],
)
def test_inbox_confinement(key: str) -> None:
    with pytest.raises(Forbidden):
        check_inbox_key("acme", key)


def test_inbox_key_accepted() -> None:
    assert check_inbox_key("acme", "inbox/acme/2026/a.pdf") == "inbox/acme/2026/a.pdf"


def test_inline_document_is_canonicalised() -> None:
    raw = b"%PDF-1.4 hello"
    text = base64.b64encode(raw).decode()
    spaced = "\n".join(text[i : i + 4] for i in range(0, len(text), 4))
    document = InlineDocument.from_base64("a.pdf", spaced)
    assert document.text == text.encode()
    assert document.raw_size == len(raw)


def test_streamed_body_is_the_json_with_documents_spliced_in() -> None:
    first = InlineDocument.from_base64("a.pdf", base64.b64encode(b"%PDF-1 one").decode())
    second = InlineDocument.from_base64("b.txt", base64.b64encode(b"two" * 100_000).decode())
    definition = {"emailSubject": "S", "documents": [{"documentId": "1"}, {"documentId": "2"}]}
    body = StreamingEnvelopeBody(definition, [first, second])
    pieces = []
    while chunk := body.read(7919):
        pieces.append(chunk)
    data = b"".join(pieces)
    assert len(data) == len(body)
    parsed = json.loads(data)
    assert base64.b64decode(parsed["documents"][1]["documentBase64"]) == b"two" * 100_000
    assert parsed["documents"][0]["documentId"] == "1"


def test_base64_length() -> None:
    for size in range(0, 20):
        assert base64_length(size) == len(base64.b64encode(b"x" * size))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("account-d.docusign.com", "https://account-d.docusign.com"),
        ("https://Demo.DocuSign.net/", "https://demo.docusign.net"),
        ("http://127.0.0.1:8400", "http://127.0.0.1:8400"),
        ("http://localhost:8400/", "http://localhost:8400"),
        ("http://[::1]:8400", "http://[::1]:8400"),
    ],
)
def test_base_urls(value: str, expected: str) -> None:
    assert normalize_base_url(value, "authServer") == expected


@pytest.mark.parametrize(
    "value",
    [
        "http://demo.docusign.net",
        "ftp://x.example.com",
        "https://user:pw@x.com",
        "https://x.com/?a=1",
    ],
)
def test_bad_base_urls(value: str) -> None:
    with pytest.raises(ConnectionMisconfigured):
        normalize_base_url(value, "authServer")


def test_parse_connection_defaults(rsa_private_pem: str) -> None:
    connection = parse_connection(
        "acme", json.dumps({"integrationKey": "ik", "userId": "u", "privateKey": rsa_private_pem})
    )
    assert connection.auth_server == "https://account-d.docusign.com"
    assert connection.audience == "account-d.docusign.com"
    assert connection.scopes == ("signature", "impersonation")
    assert "privateKey" not in repr(connection) and "PRIVATE" not in repr(connection)


def test_escaped_newlines_in_a_pasted_key_are_accepted(rsa_private_pem: str) -> None:
    pasted = rsa_private_pem.replace("\n", "\\n")
    connection = parse_connection(
        "acme", {"integrationKey": "ik", "userId": "u", "privateKey": pasted}
    )
    assert connection.integration_key == "ik"


@pytest.fixture(scope="module")
def rsa_private_pem() -> str:
    from tests.conftest import rsa_key_pair

    return rsa_key_pair()[0]


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "ENVELOPE_DOES_NOT_EXIST", NotFound),
        (400, "USER_NOT_ENVELOPE_SENDER_OR_RECIPIENT", NotFound),
        (404, "", NotFound),
        (400, "ENVELOPE_CANNOT_VOID_INVALID_STATE", Conflict),
        (429, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", Throttled),
        (400, "Burst_Envelope_Polling_Limit_Exceeded", Throttled),
        (503, "", UpstreamUnavailable),
        (400, "INVALID_REQUEST_PARAMETER", Unprocessable),
        (400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", BadRequest),
    ],
)
def test_docusign_errors_map_by_code(status: int, code: str, expected: type) -> None:
    error = to_connector_error(DocuSignApiError(status, code, "m"))
    assert type(error) is expected
    assert error.details[0]["docusignErrorCode"] == code


def test_throttled_carries_retry_after() -> None:
    error = to_connector_error(DocuSignApiError(429, "BURST_APIINVOCATION_LIMIT_EXCEEDED", "m"))
    assert error.status_code == 429
    assert int(error.headers["Retry-After"]) >= 1


@pytest.mark.parametrize(
    ("error", "code"),
    [
        ({"type": "missing", "loc": ("body", "emailSubject")}, "EMAIL_SUBJECT_REQUIRED"),
        ({"type": "string_too_long", "loc": ("body", "emailSubject")}, "EMAIL_SUBJECT_TOO_LONG"),
        ({"type": "SIGNERS_LENGTH_MISMATCH", "loc": ("body",)}, "SIGNERS_LENGTH_MISMATCH"),
        ({"type": "json_invalid", "loc": ("body", 1)}, "INVALID_JSON"),
        (
            {"type": "int_parsing", "loc": ("body", "signers", 0, "signingOrder")},
            "INVALID_SIGNING_ORDER",
        ),
        ({"type": "extra_forbidden", "loc": ("body", "x")}, "UNKNOWN_FIELD"),
    ],
)
def test_validation_error_codes(error: dict[str, Any], code: str) -> None:
    assert error_code_for(error) == code


def test_dates() -> None:
    assert clock.normalize("2016-10-05T01:04:58.7770000Z") == "2016-10-05T01:04:58.777Z"
    assert clock.normalize("2016-10-05T03:04:58+02:00") == "2016-10-05T01:04:58.000Z"
    assert clock.normalize("garbage") is None
    assert clock.normalize(None) is None


def test_flat_form_signature_anchors_become_sign_here_fields() -> None:
    request = SendEnvelopeRequest.model_validate(
        base_request(
            signers=None,
            signersEmails=["a@example.com", "b@example.com", "c@example.com"],
            signersNames=["A", "B", "C"],
            signersAnchors=["/sig1/", None, ""],
        )
    )
    first, second, third = request.signers
    assert [(f.type, f.anchor.text if f.anchor else None) for f in first.fields] == [
        ("signHere", "/sig1/")
    ]
    assert second.fields == [] and third.fields == []
    assert error_types(
        base_request(
            signers=None,
            signersEmails=["a@example.com"],
            signersNames=["A"],
            signersAnchors=["/sig1/", "/sig2/"],
        )
    ) == ["SIGNER_ANCHORS_LENGTH_MISMATCH"]
