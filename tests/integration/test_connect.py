"""DocuSign Connect end to end: the webhook, the events queue, EventsFunction and the
reconciler, against moto and the DocuSign emulator."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest

from local.emulator.connect import sign_body
from local.template import function_environment, load_template
from tests.conftest import REGION, ROOT, STACK_NAME
from tests.support.lambda_events import ApiResult, invoke, load_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

TEMPLATE = load_template(ROOT / "template.yaml")
KEY_OLD, KEY_NEW = "connect-key-2025-rotated-out", "connect-key-2026-current"
ENVELOPE = "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42"


@pytest.fixture(autouse=True)
def connect_environment(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the template gives the Connect functions (queue, event bus…)."""
    from docusign_connector import connect

    for function_id in ("DocuSignWebhookFunction",):
        environment = function_environment(
            TEMPLATE, function_id, stack.resources, stack_name=STACK_NAME, region=REGION
        )
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
    connect.reset_clients()
    yield
    connect.reset_clients()


@pytest.fixture(scope="module")
def hooked(connections: Any) -> Any:
    return connections.create("hooked", secret_overrides={"connectHmacKeys": [KEY_OLD, KEY_NEW]})


def drain(stack: Any, queue: str = "ConnectEventsQueue") -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    url = stack.resources[queue]
    bodies = []
    while True:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def message(
    event: str = "envelope-sent", envelope_id: str = ENVELOPE, **summary: Any
) -> dict[str, Any]:
    generated = summary.pop("generated", "2026-11-22T10:01:13.1030000Z")
    return {
        "event": event,
        "apiVersion": "v2.1",
        "uri": f"/restapi/v2.1/accounts/a/envelopes/{envelope_id}",
        "retryCount": 0,
        "configurationId": 10001,
        "generatedDateTime": generated,
        "data": {
            "accountId": "c4a7e2d9-3f18-4b6c-a05e-9d2b7f61c843",
            "userId": "5b1e9c47-0a2d-4e83-b6f4-71c9d2e8a305",
            "envelopeId": envelope_id,
            "envelopeSummary": {
                "envelopeId": envelope_id,
                "status": summary.pop("status", event.split("-", 1)[1]),
                "emailSubject": "Please sign",
                "statusChangedDateTime": generated,
                **summary,
            },
        },
    }


def webhook_event(
    connection: str, body: bytes, headers: dict[str, str], *, as_base64: bool = False
) -> dict[str, Any]:
    event = copy.deepcopy(load_event("docusign_webhook_envelope_completed"))
    kept = {k: v for k, v in event["headers"].items() if not k.startswith("X-DocuSign-Sig")}
    event["headers"] = {**kept, **headers}
    event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event["pathParameters"] = {"connection": connection}
    event["path"] = f"/webhooks/docusign/{connection}"
    event["body"] = base64.b64encode(body).decode() if as_base64 else body.decode()
    event["isBase64Encoded"] = as_base64
    return event


def post_webhook(
    connection: str,
    payload: dict[str, Any] | bytes,
    keys: list[str],
    *,
    as_base64: bool = False,
    headers: dict[str, str] | None = None,
) -> ApiResult:
    body = (
        payload
        if isinstance(payload, bytes)
        else json.dumps(payload, separators=(",", ":")).encode()
    )
    signed = sign_body(body, keys) if headers is None else headers
    return invoke("docusign_webhook", webhook_event(connection, body, signed, as_base64=as_base64))


# ------------------------------------------------------------------------------ webhook


def test_valid_signature_with_the_second_key_is_queued(hooked: Any, stack: Any) -> None:
    drain(stack)
    result = post_webhook("hooked", message(), [KEY_NEW])
    assert result.status == 200, result.body
    assert result.body == {
        "received": True,
        "queued": True,
        "event": "envelope-sent",
        "envelopeId": ENVELOPE,
    }
    (queued,) = drain(stack)
    assert queued["connection"] == "hooked"
    assert queued["event"] == "envelope-sent"
    assert queued["envelopeId"] == ENVELOPE
    assert queued["envelopeSummary"]["status"] == "sent"


def test_base64_body_from_api_gateway_is_verified_on_its_bytes(hooked: Any, stack: Any) -> None:
    drain(stack)
    result = post_webhook("hooked", message(), [KEY_OLD], as_base64=True)
    assert result.status == 200, result.body
    assert len(drain(stack)) == 1


@pytest.mark.parametrize(
    "case",
    ["wrong key", "missing header", "modified body", "unknown connection", "invalid name"],
)
def test_messages_without_a_valid_signature_are_401_and_not_queued(
    case: str, hooked: Any, stack: Any
) -> None:
    drain(stack)
    body = json.dumps(message(), separators=(",", ":")).encode()
    connection, headers = "hooked", sign_body(body, [KEY_NEW])
    if case == "wrong key":
        headers = sign_body(body, ["an attacker's guess"])
    elif case == "missing header":
        headers = {}
    elif case == "modified body":
        body = body.replace(b"envelope-sent", b"envelope-voided")
    elif case == "unknown connection":
        connection = "nobody-here"
    else:
        connection = "Not_A_Name"
    result = invoke("docusign_webhook", webhook_event(connection, body, headers))
    assert result.status == 401
    assert result.body["error"]["code"] == "INVALID_SIGNATURE"
    assert drain(stack) == []


def test_connection_without_hmac_keys_accepts_nothing(connections: Any, stack: Any) -> None:
    connections.create("keyless")
    drain(stack)
    result = post_webhook("keyless", message(), [KEY_NEW])
    assert result.status == 401
    assert drain(stack) == []


def test_signed_messages_that_are_not_json_sim_are_refused(hooked: Any, stack: Any) -> None:
    drain(stack)
    result = post_webhook("hooked", b"<DocuSignEnvelopeInformation/>", [KEY_NEW])
    assert result.status == 400
    assert result.body["error"]["code"] == "UNSUPPORTED_CONNECT_FORMAT"
    ignored = post_webhook("hooked", {"event": "template-created", "data": {}}, [KEY_NEW])
    assert ignored.status == 200 and ignored.body["queued"] is False
    assert drain(stack) == []


def test_queued_message_leaves_document_bytes_out(hooked: Any, stack: Any) -> None:
    drain(stack)
    payload = message(
        envelopeDocuments=[{"documentId": "1", "name": "a.pdf", "PDFBytes": "JVBERi0" * 50000}]
    )
    result = post_webhook("hooked", payload, [KEY_NEW])
    assert result.status == 200
    (queued,) = drain(stack)
    assert queued["envelopeSummary"]["envelopeDocuments"] == [{"documentId": "1", "name": "a.pdf"}]
