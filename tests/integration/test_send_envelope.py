"""Send: the exact envelope definition DocuSign receives, and bad input refused before any
DocuSign call or write."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest

from local.emulator import make_docx
from tests.integration.helpers import (
    b64,
    envelope_creates,
    item_count,
    sample_pdf,
    send,
    simple_body,
)
from tests.support.lambda_events import api_event, invoke, load_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def acme(connections: Any) -> Any:
    return connections.create("acme")


@pytest.fixture(autouse=True)
def _clean_log(emulator: Any) -> None:
    emulator.state.clear_requests()


def table_items(stack: Any) -> list[dict[str, Any]]:
    return stack.client("dynamodb").scan(TableName=stack.table)["Items"]


def test_send_nested_form_sends_the_exact_envelope_definition(
    acme: Any, emulator: Any, stack: Any
) -> None:
    event = api_event("send_envelope_nested", path_parameters={"connection": "acme"})
    request = __import__("json").loads(event["body"])
    result = invoke("send_envelope", event)

    assert result.status == 201, result.body
    assert set(result.body) == {"envelopeId", "status", "sentDateTime", "connection"}
    assert result.body["status"] == "sent"
    assert result.body["connection"] == "acme"
    creates = envelope_creates(emulator)
    assert len(creates) == 1
    sent = creates[0]["json"]
    assert sent == {
        "emailSubject": "Please sign the NDA",
        "emailBlurb": "Our standard NDA, as discussed.",
        "status": "sent",
        "documents": [
            {
                "documentId": "1",
                "name": "nda.pdf",
                "fileExtension": "pdf",
                "documentBase64": request["documents"][0]["contentBase64"],
            }
        ],
        "recipients": {
            "signers": [
                {
                    "email": "ana@example.com",
                    "name": "Ana",
                    "recipientId": "1",
                    "routingOrder": "1",
                },
                {"email": "bo@example.com", "name": "Bo", "recipientId": "2", "routingOrder": "2"},
            ],
            "carbonCopies": [
                {
                    "email": "legal@example.com",
                    "name": "Legal",
                    "recipientId": "3",
                    "routingOrder": "1",
                },
            ],
        },
        "notification": {
            "useAccountDefaults": "false",
            "reminders": {
                "reminderEnabled": "true",
                "reminderDelay": "2",
                "reminderFrequency": "3",
            },
            "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"},
        },
        "customFields": {
            "textCustomFields": [
                {"name": "caseId", "value": "QF-1042", "show": "false", "required": "false"}
            ]
        },
        "transactionId": hashlib.sha256(b"acme\x1fqf-1042-send-1").hexdigest()[:32],
    }
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    assert envelope["status"] == "sent"
    items = [
        i
        for i in table_items(stack)
        if i["sk"]["S"] == "STATE" and i["envelope_id"]["S"] == result.body["envelopeId"]
    ]
    assert len(items) == 1
    assert items[0]["connection"]["S"] == "acme"


def test_flat_form_means_the_same_as_nested(acme: Any, emulator: Any) -> None:
    event = api_event("send_envelope_flat", path_parameters={"connection": "acme"})
    result = invoke("send_envelope", event)
    assert result.status == 201, result.body
    sent = envelope_creates(emulator)[0]["json"]
    assert [(s["email"], s["routingOrder"]) for s in sent["recipients"]["signers"]] == [
        ("ana@example.com", "1"),
        ("bo@example.com", "2"),
        ("cy@example.com", "3"),  # no order: after every ordered signer
    ]
    assert sent["recipients"]["carbonCopies"] == [
        {"email": "legal@example.com", "name": "Legal", "recipientId": "4", "routingOrder": "1"}
    ]
    assert sent["notification"] == {
        "useAccountDefaults": "false",
        "reminders": {"reminderEnabled": "true", "reminderDelay": "1", "reminderFrequency": "2"},
        "expirations": {"expireEnabled": "true", "expireAfter": "15", "expireWarn": "3"},
    }


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([None, None, None], ["1", "1", "1"]),  # nobody ordered: all at once
        ([2, 1, 0], ["2", "1", "3"]),  # order 0 = after the ordered ones
        ([1, None, 1], ["1", "2", "1"]),  # equal orders sign in parallel
        ([3, 5, None], ["3", "5", "6"]),
    ],
)
def test_signing_order_rule(
    acme: Any, emulator: Any, orders: list[Any], expected: list[str]
) -> None:
    signers = [
        {"email": f"s{i}@example.com", "name": f"S{i}", "signingOrder": order}
        for i, order in enumerate(orders)
    ]
    assert send("acme", simple_body(signers=signers)).status == 201
    sent = envelope_creates(emulator)[0]["json"]
    assert [s["routingOrder"] for s in sent["recipients"]["signers"]] == expected


def test_document_from_the_inbox_is_streamed_with_its_extension(
    acme: Any, emulator: Any, stack: Any
) -> None:
    docx = make_docx(["word document body"] * 5000, compress=False)
    stack.client("s3").put_object(Bucket=stack.bucket, Key="inbox/acme/annex.docx", Body=docx)
    body = simple_body(
        documents=[
            {"name": "nda.pdf", "contentBase64": b64(sample_pdf("NDA"))},
            {"name": "annex.docx", "s3Key": "inbox/acme/annex.docx"},
        ]
    )
    result = send("acme", body)
    assert result.status == 201, result.body
    sent = envelope_creates(emulator)[0]["json"]
    assert [(d["documentId"], d["name"], d["fileExtension"]) for d in sent["documents"]] == [
        ("1", "nda.pdf", "pdf"),
        ("2", "annex.docx", "docx"),
    ]
    assert base64.b64decode(sent["documents"][1]["documentBase64"]) == docx
    assert base64.b64decode(sent["documents"][0]["documentBase64"]) == sample_pdf("NDA")


def test_custom_fields_and_draft_status(acme: Any, emulator: Any) -> None:
    result = send("acme", simple_body(status="created", customFields={"caseId": 1042}))
    assert result.status == 201
    assert result.body["status"] == "created"
    assert result.body["sentDateTime"] is None
    sent = envelope_creates(emulator)[0]["json"]
    assert sent["status"] == "created"
    assert sent["customFields"]["textCustomFields"][0]["value"] == "1042"


BAD_INPUTS = [
    pytest.param(
        {
            "signers": None,
            "signersEmails": ["a@example.com", "b@example.com"],
            "signersNames": ["A"],
        },
        400,
        "SIGNERS_LENGTH_MISMATCH",
        id="mismatched-signer-lists",
    ),
    pytest.param(
        {
            "signers": None,
            "signersEmails": ["a@example.com"],
            "signersNames": ["A"],
            "signatureOrder": [1, 2],
        },
        400,
        "SIGNATURE_ORDER_LENGTH_MISMATCH",
        id="mismatched-order-list",
    ),
    pytest.param(
        {"ccEmails": ["c@example.com"], "ccNames": []},
        400,
        "CC_LENGTH_MISMATCH",
        id="mismatched-cc-lists",
    ),
    pytest.param({"emailSubject": None}, 400, "EMAIL_SUBJECT_REQUIRED", id="missing-subject"),
    pytest.param({"emailSubject": "   "}, 400, "EMAIL_SUBJECT_REQUIRED", id="blank-subject"),
    pytest.param({"emailSubject": "x" * 101}, 400, "EMAIL_SUBJECT_TOO_LONG", id="subject-over-100"),
    pytest.param({"signers": []}, 400, "SIGNER_REQUIRED", id="no-signer"),
    pytest.param(
        {"signers": [{"email": "not-an-email", "name": "X"}]},
        400,
        "INVALID_EMAIL",
        id="invalid-email",
    ),
    pytest.param(
        {"signers": [{"email": "a@example.com", "name": ""}]},
        400,
        "RECIPIENT_NAME_REQUIRED",
        id="signer-without-name",
    ),
    pytest.param({"documents": []}, 400, "DOCUMENT_REQUIRED", id="no-document"),
    pytest.param(
        {"documents": [{"name": "a.pdf", "contentBase64": ""}]},
        400,
        "DOCUMENT_EMPTY",
        id="empty-document",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "contentBase64": "@@not base64@@"}]},
        400,
        "DOCUMENT_NOT_BASE64",
        id="undecodable-document",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "contentBase64": "QUJD="}]},
        400,
        "DOCUMENT_NOT_BASE64",
        id="bad-padding",
    ),
    pytest.param(
        {"documents": [{"name": "notes", "contentBase64": b64(b"plain text")}]},
        400,
        "DOCUMENT_EXTENSION_REQUIRED",
        id="non-pdf-without-extension",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "s3Key": "inbox/other/a.pdf"}]},
        403,
        "S3_KEY_OUTSIDE_INBOX",
        id="s3key-other-connection",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "s3Key": "signed/acme/x/a.pdf"}]},
        403,
        "S3_KEY_OUTSIDE_INBOX",
        id="s3key-outside-inbox",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "s3Key": "inbox/acme/../other/a.pdf"}]},
        403,
        "S3_KEY_OUTSIDE_INBOX",
        id="s3key-dot-dot",
    ),
    pytest.param(
        {"documents": [{"name": "a.pdf", "s3Key": "inbox/acme/missing.pdf"}]},
        400,
        "S3_OBJECT_NOT_FOUND",
        id="s3key-missing",
    ),
    pytest.param(
        {"expiration": {"enabled": True, "validityDays": 5, "noticeDaysBefore": 5}},
        400,
        "EXPIRATION_NOTICE_TOO_LATE",
        id="notice-after-expiry",
    ),
    pytest.param({"unexpected": 1}, 400, "UNKNOWN_FIELD", id="unknown-field"),
    pytest.param({"status": "completed"}, 400, "INVALID_STATUS", id="bad-status"),
]


@pytest.mark.parametrize(("changes", "status", "code"), BAD_INPUTS)
def test_bad_input_is_refused_before_anything_is_sent(
    acme: Any, emulator: Any, stack: Any, changes: dict[str, Any], status: int, code: str
) -> None:
    before = item_count(stack, [stack.table])
    body = {k: v for k, v in simple_body(**changes).items() if v is not None}
    result = send("acme", body)
    assert result.status == status, result.body
    assert result.body["error"]["code"] == code
    assert result.body["error"]["message"]
    assert isinstance(result.body["error"]["details"], list)
    assert envelope_creates(emulator) == []
    assert item_count(stack, [stack.table]) == before


def test_malformed_json_is_a_400(acme: Any, emulator: Any) -> None:
    event = api_event(
        "send_envelope_nested", path_parameters={"connection": "acme"}, raw_body="{not json"
    )
    result = invoke("send_envelope", event)
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_JSON"
    assert envelope_creates(emulator) == []


def test_unknown_connection_is_a_404(emulator: Any) -> None:
    result = send("nobody", simple_body())
    assert result.status == 404
    assert result.body["error"]["code"] == "CONNECTION_NOT_FOUND"
    assert envelope_creates(emulator) == []


def test_invalid_connection_name_is_a_400(emulator: Any) -> None:
    result = send("Bad_Name", simple_body())
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_CONNECTION_NAME"


def test_the_sample_event_file_is_a_valid_send() -> None:
    event = load_event("send_envelope_s3")
    assert event["httpMethod"] == "POST"
    assert event["pathParameters"] == {"connection": "demo"}
    assert sample_pdf().startswith(b"%PDF-")


def test_idempotency_key_sends_once(acme: Any, emulator: Any) -> None:
    headers = {"Idempotency-Key": "case-77-send"}
    first = send("acme", simple_body(), headers)
    second = send("acme", simple_body(), headers)
    assert first.status == 201 and second.status == 201
    assert second.body == first.body
    assert len(envelope_creates(emulator)) == 1
    other = send("acme", simple_body(emailSubject="Another subject"), headers)
    assert other.status == 409
    assert other.body["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(envelope_creates(emulator)) == 1
    # Another key is another send.
    assert send("acme", simple_body(), {"Idempotency-Key": "case-78-send"}).status == 201
    assert len(envelope_creates(emulator)) == 2


def test_request_body_over_the_lambda_limit_is_a_413(acme: Any, emulator: Any) -> None:
    big = b64(b"%PDF-1.4 " + b"x" * (5 * 1024 * 1024))
    result = send("acme", simple_body(documents=[{"name": "big.pdf", "contentBase64": big}]))
    assert result.status == 413
    assert result.body["error"]["code"] == "REQUEST_TOO_LARGE"
    assert envelope_creates(emulator) == []


def test_request_body_that_is_not_an_object_is_a_400(acme: Any, emulator: Any) -> None:
    event = api_event(
        "send_envelope_nested", path_parameters={"connection": "acme"}, raw_body="[1, 2]"
    )
    result = invoke("send_envelope", event)
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_JSON"
    assert envelope_creates(emulator) == []


ACCOUNT_SETTINGS = {
    "reminders": {"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "3"},
    "expirations": {"expireEnabled": "true", "expireAfter": "45", "expireWarn": "5"},
}


def test_without_reminders_or_expiration_the_accounts_settings_apply(
    acme: Any, emulator: Any
) -> None:
    emulator.state.set_account_notification(
        acme.account_id, ACCOUNT_SETTINGS["reminders"], ACCOUNT_SETTINGS["expirations"]
    )
    result = send("acme", simple_body())
    assert result.status == 201, result.body
    creates = envelope_creates(emulator)
    assert len(creates) == 1
    assert creates[0]["json"]["notification"] == {"useAccountDefaults": "true"}
    applied = emulator.state.envelopes[result.body["envelopeId"]]["notification"]
    assert applied == {"useAccountDefaults": "true", **ACCOUNT_SETTINGS}


def test_reminders_alone_keep_the_system_expiry_stated(acme: Any, emulator: Any) -> None:
    emulator.state.set_account_notification(
        acme.account_id, ACCOUNT_SETTINGS["reminders"], ACCOUNT_SETTINGS["expirations"]
    )
    body = simple_body(reminders={"enabled": True, "firstReminderDays": 1, "intervalDays": 4})
    result = send("acme", body)
    assert result.status == 201, result.body
    sent = envelope_creates(emulator)[0]["json"]["notification"]
    assert sent == {
        "useAccountDefaults": "false",
        "reminders": {"reminderEnabled": "true", "reminderDelay": "1", "reminderFrequency": "4"},
        "expirations": {"expireEnabled": "true", "expireAfter": "120", "expireWarn": "0"},
    }
    applied = emulator.state.envelopes[result.body["envelopeId"]]["notification"]
    assert applied["expirations"]["expireAfter"] == "120"
    assert applied["reminders"]["reminderFrequency"] == "4"


def test_expiration_alone_sends_no_reminders(acme: Any, emulator: Any) -> None:
    body = simple_body(expiration={"enabled": True, "validityDays": 20})
    result = send("acme", body)
    assert result.status == 201, result.body
    sent = envelope_creates(emulator)[0]["json"]["notification"]
    assert sent == {
        "useAccountDefaults": "false",
        "reminders": {"reminderEnabled": "false", "reminderDelay": "0", "reminderFrequency": "0"},
        "expirations": {"expireEnabled": "true", "expireAfter": "20", "expireWarn": "0"},
    }


def test_a_document_docusign_cannot_convert_is_a_400_naming_its_code(
    acme: Any, emulator: Any
) -> None:
    before = len(emulator.state.envelopes)
    body = simple_body(
        documents=[{"name": "terms.docx", "contentBase64": b64(b"not a word document")}]
    )
    result = send("acme", body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "FORMAT_CONVERSION_ERROR"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "FORMAT_CONVERSION_ERROR"
    assert len(envelope_creates(emulator)) == 1
    assert len(emulator.state.envelopes) == before
