"""After the send, against moto and the DocuSign emulator: correcting a recipient, resending,
a bounce end to end, form data, document formats and the one-call completion archive."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
import requests

from tests.integration.helpers import (
    documents,
    docusign_direct,
    docusign_requests,
    envelope_creates,
    send,
    simple_body,
    status,
)
from tests.integration.test_connect import apply_batch, queued
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(autouse=True)
def background_environment(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """What EventsFunction and CallbackFunction have in their environment (the bus, the
    callback queue), as template.yaml sets it."""
    from docusign_connector.container import reset_services

    stack.use_environment_of(monkeypatch, "EventsFunction", "CallbackFunction")
    yield
    reset_services()


TWO_SIGNERS = [
    {"email": "ana@example.com", "name": "Ana"},
    {"email": "bo@example.com", "name": "Bo"},
]


@pytest.fixture(scope="module")
def later(connections: Any) -> Any:
    return connections.create("after-send")


def sent(**overrides: Any) -> str:
    result = send("after-send", simple_body(**overrides))
    assert result.status == 201, result.body
    return str(result.body["envelopeId"])


def correct(envelope_id: str, recipient_id: str, body: Any) -> ApiResult:
    return invoke(
        "correct_recipient",
        api_event(
            "correct_recipient",
            path_parameters={
                "connection": "after-send",
                "envelopeId": envelope_id,
                "recipientId": recipient_id,
            },
            body=body,
        ),
    )


def resend(envelope_id: str, body: Any = None) -> ApiResult:
    event = api_event(
        "resend_envelope",
        path_parameters={"connection": "after-send", "envelopeId": envelope_id},
        body=body,
    )
    if body is None:
        event["body"] = None
    return invoke("resend_envelope", event)


def form_data(envelope_id: str) -> ApiResult:
    return invoke(
        "get_form_data",
        api_event(
            "get_form_data",
            path_parameters={"connection": "after-send", "envelopeId": envelope_id},
        ),
    )


def control(emulator: Any, path: str, body: dict[str, Any]) -> None:
    response = requests.post(f"{emulator.url}/_emulator{path}", json=body, timeout=10)
    assert response.status_code in (200, 201), response.text


def puts(emulator: Any) -> list[dict[str, Any]]:
    return docusign_requests(emulator, "PUT")


def body_of(entry: dict[str, Any]) -> Any:
    return json.loads(entry["body"])


# ------------------------------------------------------------------------------ correction


def test_correcting_a_signer_who_has_not_signed(later: Any, emulator: Any) -> None:
    envelope_id = sent(signers=TWO_SIGNERS)
    emulator.state.clear_requests()
    result = correct(envelope_id, "2", {"email": "bo.new@example.com", "name": "Bo New"})
    assert result.status == 200, result.body
    [put] = puts(emulator)
    assert put["path"].endswith(f"/envelopes/{envelope_id}/recipients")
    assert put["query"] == {"resend_envelope": "true"} or "resend_envelope=true" in str(put)
    assert body_of(put) == {
        "signers": [{"recipientId": "2", "email": "bo.new@example.com", "name": "Bo New"}]
    }
    bo = next(r for r in result.body["recipients"] if r["recipientId"] == "2")
    assert (bo["email"], bo["name"], bo["status"]) == ("bo.new@example.com", "Bo New", "sent")
    assert len(docusign_requests(emulator)) == 1  # the table knew the recipient's group
    raw = emulator.state.envelopes[envelope_id]["recipients"]["signers"][1]
    assert raw["email"] == "bo.new@example.com"


def test_a_signer_who_has_signed_is_a_409_with_docusigns_reason(later: Any, emulator: Any) -> None:
    envelope_id = sent(signers=TWO_SIGNERS)
    emulator.state.sign(envelope_id, "1")
    result = correct(envelope_id, "1", {"email": "ana.new@example.com"})
    assert result.status == 409, result.body
    error = result.body["error"]
    assert error["code"] == "RECIPIENT_NOT_CORRECTABLE"
    assert error["details"] == [
        {
            "docusignErrorCode": "RECIPIENT_UPDATE_FAILED",
            "message": "The recipient could not be updated.  Recipient not in state that "
            "allows correction.",
        }
    ]
    signers = emulator.state.envelopes[envelope_id]["recipients"]["signers"]
    assert signers[0]["email"] == "ana@example.com"
    assert signers[0]["signedDateTime"]  # the signature made is kept


def test_a_finished_envelope_is_a_409(later: Any, emulator: Any) -> None:
    envelope_id = sent()
    emulator.state.complete(envelope_id)
    result = correct(envelope_id, "1", {"name": "Someone"})
    assert result.status == 409, result.body
    assert result.body["error"]["code"] == "INVALID_STATE"
    assert "Envelope status is not one of" in result.body["error"]["message"]


@pytest.mark.parametrize(
    ("recipient_id", "body", "status_code", "code"),
    [
        ("1", {}, 400, "NOTHING_TO_CORRECT"),
        ("1", {"email": "not-an-address"}, 400, "INVALID_EMAIL"),
        ("1", {"authentication": {"sms": "555"}}, 400, "INVALID_PHONE_NUMBER"),
        ("x1", {"name": "A"}, 404, "RECIPIENT_NOT_FOUND"),
        ("9", {"name": "A"}, 404, "RECIPIENT_NOT_FOUND"),
    ],
)
def test_bad_corrections_send_nothing(
    later: Any, emulator: Any, recipient_id: str, body: Any, status_code: int, code: str
) -> None:
    envelope_id = sent()
    emulator.state.clear_requests()
    result = correct(envelope_id, recipient_id, body)
    assert result.status == status_code, result.body
    assert result.body["error"]["code"] == code
    assert puts(emulator) == []


# ---------------------------------------------------------------------------------- resend


def test_resend_all_and_one(later: Any, emulator: Any) -> None:
    envelope_id = sent(signers=TWO_SIGNERS)
    emulator.state.clear_requests()
    assert resend(envelope_id).status == 200
    [put] = puts(emulator)
    assert put["path"].endswith(f"/envelopes/{envelope_id}")
    assert body_of(put) == {}
    emulator.state.clear_requests()
    result = resend(envelope_id, {"recipientIds": ["2"]})
    assert result.status == 200, result.body
    [put] = puts(emulator)
    assert put["path"].endswith("/recipients")
    assert body_of(put) == {"signers": [{"recipientId": "2"}]}
    resent = [
        e["recipientId"]
        for e in emulator.state.events
        if e["envelopeId"] == envelope_id and e["event"] == "recipient-resent"
    ]
    assert resent == ["1", "2", "2"]


def test_resending_a_finished_envelope_is_a_409(later: Any, emulator: Any) -> None:
    envelope_id = sent()
    emulator.state.complete(envelope_id)
    # Connect tells the table it is completed.
    apply_batch([connect_message(later, envelope_id, "envelope-completed", None)])
    emulator.state.clear_requests()
    result = resend(envelope_id)
    assert result.status == 409
    assert result.body["error"]["code"] == "INVALID_STATE"
    assert puts(emulator) == []


# ---------------------------------------------------------------------------------- bounce


@pytest.fixture(scope="module")
def bounces(stack: Any) -> str:
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="connector-test-bounces")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = stack.resources["ConnectorEventBus"]
    events.put_rule(
        Name="bounces",
        EventBusName=bus,
        EventPattern=json.dumps({"detail-type": ["Recipient Email Bounced"]}),
    )
    events.put_targets(Rule="bounces", EventBusName=bus, Targets=[{"Id": "q", "Arn": arn}])
    return url


def connect_message(later: Any, envelope_id: str, event: str, recipient_id: str | None) -> str:
    """The Connect message DocuSign sends for this event, its summary as DocuSign has it."""
    base, headers = docusign_direct(later)
    summary = requests.get(
        f"{base}/envelopes/{envelope_id}",
        params={"include": "recipients,custom_fields"},
        headers=headers,
        timeout=10,
    ).json()
    payload = {
        "event": event,
        "apiVersion": "v2.1",
        "uri": f"/restapi/v2.1/accounts/{later.account_id}/envelopes/{envelope_id}",
        "retryCount": 0,
        "configurationId": 10001,
        "generatedDateTime": summary["lastModifiedDateTime"],
        "data": {
            "accountId": later.account_id,
            "userId": later.user_id,
            "envelopeId": envelope_id,
            "recipientId": recipient_id,
            "envelopeSummary": summary,
        },
    }
    return queued(later.name, payload)


def test_a_bounce_end_to_end(later: Any, emulator: Any, stack: Any, bounces: str) -> None:
    reply = "smtp; 550 5.1.1 <gone@example.com>: Recipient address rejected"
    control(emulator, "/bounces", {"email": "gone@example.com", "reason": reply})
    envelope_id = sent(
        signers=[{"email": "gone@example.com", "name": "Gone"}], customFields={"caseId": "B-1"}
    )
    assert apply_batch([connect_message(later, envelope_id, "recipient-autoresponded", "1")]) == {
        "batchItemFailures": []
    }
    result = status("after-send", envelope_id, {"include": "history"})
    [recipient] = result.body["recipients"]
    assert recipient["status"] == "autoresponded"
    assert recipient["autoRespondedReason"] == reply
    assert result.body["status"] == "sent"
    assert "recipient-autoresponded" in [h["event"] for h in result.body["history"]]
    messages = stack.client("sqs").receive_message(QueueUrl=bounces, MaxNumberOfMessages=10)
    [event] = [json.loads(m["Body"]) for m in messages["Messages"]]
    assert event["source"] == "docusign-connector"
    detail = event["detail"]
    assert len(detail.pop("eventId")) == 32
    assert detail == {
        "connection": "after-send",
        "envelopeId": envelope_id,
        "recipientId": "1",
        "email": "gone@example.com",
        "name": "Gone",
        "reason": reply,
        "customFields": {"caseId": "B-1"},
        "emailSubject": "Please sign",
        "source": "connect",
        "event": "recipient-autoresponded",
    }
    # The workflow corrects the address: the bounce is over.
    fixed = correct(envelope_id, "1", {"email": "here@example.com"})
    assert fixed.status == 200, fixed.body
    [recipient] = fixed.body["recipients"]
    assert (recipient["status"], recipient.get("autoRespondedReason")) == ("sent", None)


def bounced(stack: Any, queue_url: str) -> list[dict[str, Any]]:
    """The bounce events published since the last call (taken off the test queue)."""
    sqs = stack.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"])["detail"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_events_from_before_a_correction_change_nothing(
    later: Any, emulator: Any, stack: Any, bounces: str
) -> None:
    """The old address bounced and was corrected: that bounce delivered again, or any report
    of the old address, leaves the corrected recipient as it is and publishes nothing. A
    bounce of the new address is a bounce, published for the new address."""
    bounced(stack, bounces)
    control(emulator, "/bounces", {"email": "old-box@example.com", "reason": "550 gone"})
    envelope_id = sent(signers=[{"email": "old-box@example.com", "name": "Ola"}])
    old_bounce = connect_message(later, envelope_id, "recipient-autoresponded", "1")
    assert apply_batch([old_bounce]) == {"batchItemFailures": []}
    assert [b["email"] for b in bounced(stack, bounces)] == ["old-box@example.com"]

    fixed = correct(envelope_id, "1", {"email": "new-box@example.com"})
    assert fixed.status == 200, fixed.body
    # The same message delivered again (Connect retries), and a late one about the old
    # address with a later time: neither is about the recipient as it is now.
    late = json.loads(old_bounce)
    late["generatedDateTime"] = "2099-01-01T00:00:00.0000000Z"
    assert apply_batch([old_bounce, json.dumps(late)]) == {"batchItemFailures": []}

    [recipient] = status("after-send", envelope_id).body["recipients"]
    assert (recipient["email"], recipient["status"]) == ("new-box@example.com", "sent")
    assert bounced(stack, bounces) == []

    # The new address bounces too: DocuSign reports it (after the correction), and it counts.
    control(emulator, "/bounces", {"email": "new-box@example.com", "reason": "550 also gone"})
    assert resend(envelope_id, {"recipientIds": ["1"]}).status == 200
    new_bounce = connect_message(later, envelope_id, "recipient-autoresponded", "1")
    assert apply_batch([new_bounce]) == {"batchItemFailures": []}
    [recipient] = status("after-send", envelope_id).body["recipients"]
    assert (recipient["email"], recipient["status"]) == ("new-box@example.com", "autoresponded")
    assert [(b["email"], b["reason"]) for b in bounced(stack, bounces)] == [
        ("new-box@example.com", "550 also gone")
    ]


# ------------------------------------------------------------------------------- form data


FIELDS_BODY = {
    "recipients": {
        "signers": [
            {
                "email": "ana@example.com",
                "name": "Ana",
                "recipientId": "1",
                "routingOrder": "1",
                "tabs": {
                    "signHereTabs": [
                        {"documentId": "1", "pageNumber": "1", "xPosition": "10", "yPosition": "10"}
                    ],
                    "textTabs": [
                        {
                            "tabLabel": "company",
                            "documentId": "1",
                            "pageNumber": "1",
                            "xPosition": "10",
                            "yPosition": "50",
                        }
                    ],
                    "checkboxTabs": [
                        {
                            "tabLabel": "agree",
                            "documentId": "1",
                            "pageNumber": "1",
                            "xPosition": "10",
                            "yPosition": "90",
                        }
                    ],
                },
            }
        ]
    }
}


def envelope_with_fields(later: Any, emulator: Any) -> str:
    """Straight to DocuSign: an envelope whose signer has fields (sending fields through the
    connector is another route's business)."""
    from tests.integration.helpers import b64, sample_pdf

    base, headers = docusign_direct(later)
    definition = {
        "emailSubject": "Please fill in",
        "status": "sent",
        "documents": [{"documentId": "1", "name": "form.pdf", "documentBase64": b64(sample_pdf())}],
        **FIELDS_BODY,
    }
    response = requests.post(f"{base}/envelopes", json=definition, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    envelope_id = str(response.json()["envelopeId"])
    control(
        emulator,
        f"/envelopes/{envelope_id}/recipients/1/values",
        {"values": {"company": "ACME", "agree": "true"}},
    )
    return envelope_id


def test_form_data_has_each_fields_label_type_value_and_recipient(
    later: Any, emulator: Any
) -> None:
    envelope_id = envelope_with_fields(later, emulator)
    emulator.state.clear_requests()
    result = form_data(envelope_id)
    assert result.status == 200, result.body
    assert result.body == {
        "envelopeId": envelope_id,
        "status": "sent",
        "fields": [
            {
                "recipientId": "1",
                "recipientEmail": "ana@example.com",
                "recipientName": "Ana",
                "label": "company",
                "type": "text",
                "value": "ACME",
            },
            {
                "recipientId": "1",
                "recipientEmail": "ana@example.com",
                "recipientName": "Ana",
                "label": "agree",
                "type": "checkbox",
                "value": "X",
            },
        ],
    }
    paths = [r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator)]
    # Sent outside the connector: the envelope is read once first (its sender decides whether
    # this connection may track it), then tracked; later reads need the two calls alone.
    assert paths == [envelope_id, "form_data", "recipients"]
    emulator.state.clear_requests()
    assert form_data(envelope_id).body == result.body
    paths = [r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator)]
    assert paths == ["form_data", "recipients"]


def test_form_data_of_another_connections_envelope_is_a_404(later: Any, emulator: Any) -> None:
    envelope_id = sent()
    emulator.state.clear_requests()
    result = invoke(
        "get_form_data",
        api_event(
            "get_form_data",
            path_parameters={"connection": "after-send", "envelopeId": "not-an-id"},
        ),
    )
    assert result.status == 404
    assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
    assert docusign_requests(emulator) == []
    assert envelope_id


def test_completion_archives_one_zip_call_and_the_form_data(
    later: Any, emulator: Any, stack: Any
) -> None:
    envelope_id = envelope_with_fields(later, emulator)
    status("after-send", envelope_id)  # tracked
    emulator.state.complete(envelope_id)
    message = connect_message(later, envelope_id, "envelope-completed", None)
    emulator.state.clear_requests()
    assert apply_batch([message]) == {"batchItemFailures": []}
    # One download: the archive ZIP (the document list came with the envelope).
    downloads = [r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator, "GET")]
    assert [p for p in downloads if p in ("archive", "1", "certificate", "combined")] == ["archive"]
    # The fields and their values came with the confirming GET (recipients with their tabs):
    # two calls in all — the confirmation and the archive —, none for the recipients or the
    # form data.
    assert [p for p in downloads if p in ("recipients", "form_data")] == []
    assert len(docusign_requests(emulator)) == 2, [
        (r["path"].rsplit("/", 2)[-2:], r.get("query")) for r in docusign_requests(emulator)
    ]
    s3 = stack.client("s3")
    prefix = f"signed/after-send/{envelope_id}/"
    keys = sorted(
        o["Key"] for o in s3.list_objects_v2(Bucket=stack.bucket, Prefix=prefix)["Contents"]
    )
    assert keys == [prefix + "1-form.pdf", prefix + "formdata.json", prefix + "summary.pdf"]
    archived = json.loads(
        s3.get_object(Bucket=stack.bucket, Key=prefix + "formdata.json")["Body"].read()
    )
    assert [(f["label"], f["type"], f["value"]) for f in archived["fields"]] == [
        ("company", "text", "ACME"),
        ("agree", "checkbox", "X"),
    ]
    body = documents("after-send", envelope_id).body
    assert [d["documentId"] for d in body["documents"]] == ["1"]
    assert body["summary"]["documentId"] == "certificate"


def test_a_refused_archive_falls_back_to_each_document(
    later: Any, emulator: Any, stack: Any
) -> None:
    envelope_id = sent()
    emulator.state.complete(envelope_id)
    control(emulator, "/download-refusals", {"documentIds": ["archive"]})
    try:
        emulator.state.clear_requests()
        assert apply_batch([connect_message(later, envelope_id, "envelope-completed", None)]) == {
            "batchItemFailures": []
        }
    finally:
        control(emulator, "/download-refusals", {"documentIds": []})
    downloads = [
        r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator, "GET", "/documents/")
    ]
    assert downloads == ["archive", "1", "certificate"]
    body = documents("after-send", envelope_id).body
    assert body["documents"][0]["sizeBytes"] > 0


def override_download(emulator: Any, document_id: str, content: bytes | None) -> None:
    import base64

    body: dict[str, Any] = {"documentId": document_id}
    if content is not None:
        body["contentBase64"] = base64.b64encode(content).decode()
        body["contentType"] = "application/zip"
    control(emulator, "/download-overrides", body)


def zip_bomb(member: str, size: int) -> bytes:
    """A ZIP whose one member inflates to `size` bytes of zeros (about a thousandth of that
    compressed)."""
    out = BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w", force_zip64=True) as stream,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(size // len(block)):
            stream.write(block)
    return out.getvalue()


def stored_objects(stack: Any, envelope_id: str) -> dict[str, int]:
    listing = stack.client("s3").list_objects_v2(
        Bucket=stack.bucket, Prefix=f"signed/after-send/{envelope_id}/"
    )
    return {o["Key"].rsplit("/", 1)[-1]: o["Size"] for o in listing.get("Contents", [])}


@pytest.mark.parametrize(
    "answer",
    [
        pytest.param(lambda: b"<html><body>Service Unavailable</body></html>", id="not-a-zip"),
        pytest.param(lambda: b"PK\x03\x04 truncated", id="broken-zip"),
        pytest.param(lambda: zip_bomb("agreement.pdf", 200 * 1024 * 1024), id="200-MB-member"),
    ],
)
def test_an_archive_docusign_could_not_have_made_falls_back_to_each_document(
    later: Any, emulator: Any, stack: Any, answer: Callable[[], bytes]
) -> None:
    """Not a ZIP, a broken one, or a 200 KB ZIP that would unpack to a 200 MB "signed PDF":
    the completion is still applied (no retry, no dead letter), nothing of the archive is
    kept, and the documents are DocuSign's own, one call each."""
    envelope_id = sent()
    emulator.state.complete(envelope_id)
    override_download(emulator, "archive", answer())
    try:
        emulator.state.clear_requests()
        message = connect_message(later, envelope_id, "envelope-completed", None)
        assert apply_batch([message]) == {"batchItemFailures": []}
    finally:
        override_download(emulator, "archive", None)
    downloads = [
        r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator, "GET", "/documents/")
    ]
    assert downloads == ["archive", "1", "certificate"]
    envelope = emulator.state.envelopes[envelope_id]
    from local.emulator import documents as emulator_documents

    expected = len(emulator_documents.document_pdf(envelope, envelope["documents"][0]))
    sizes = stored_objects(stack, envelope_id)
    assert max(sizes.values()) < 1024 * 1024
    body = documents("after-send", envelope_id).body
    assert body["documents"][0]["sizeBytes"] == expected
    assert body["summary"]["sizeBytes"] > 0


# --------------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    ("query", "keyword", "content_type"),
    [
        ({"format": "combined"}, "combined", "application/pdf"),
        ({"format": "combined", "certificate": "false"}, "combined", "application/pdf"),
        ({"format": "archive"}, "archive", "application/zip"),
    ],
)
def test_each_format_is_one_docusign_call(
    later: Any, emulator: Any, stack: Any, query: dict[str, str], keyword: str, content_type: str
) -> None:
    envelope_id = sent()
    status("after-send", envelope_id)
    emulator.state.clear_requests()
    result = documents("after-send", envelope_id, query)
    assert result.status == 200, result.body
    [download] = docusign_requests(emulator)
    assert download["path"].endswith(f"/documents/{keyword}")
    if keyword == "combined":
        assert query.get("certificate", "true") in str(download)
    assert (result.body["format"], result.body["requestedFormat"]) == (keyword, keyword)
    [document] = result.body["documents"]
    assert document["contentType"] == content_type
    assert "summary" not in result.body
    content = stack.client("s3").get_object(Bucket=stack.bucket, Key=document["s3Key"])["Body"]
    data = content.read()
    assert len(data) == document["sizeBytes"]
    if keyword == "archive":
        assert zipfile.ZipFile(BytesIO(data)).namelist() == ["agreement.pdf", "Summary.pdf"]
    else:
        assert data.startswith(b"%PDF")


@pytest.mark.parametrize("query", [{"format": "combined"}, {"format": "archive"}])
def test_a_finished_envelope_s_package_is_taken_from_docusign_once(
    later: Any, emulator: Any, query: dict[str, str]
) -> None:
    envelope_id = sent()
    # While the envelope is out, each request takes the package from DocuSign: it changes.
    for _ in range(2):
        assert documents("after-send", envelope_id, query).status == 200
    keyword = query["format"]
    downloads = [r for r in docusign_requests(emulator) if r["path"].endswith(f"/{keyword}")]
    assert len(downloads) == 2

    emulator.state.complete(envelope_id)
    apply_batch([connect_message(later, envelope_id, "envelope-completed", None)])
    emulator.state.clear_requests()
    first = documents("after-send", envelope_id, query)
    again = documents("after-send", envelope_id, query)
    assert first.status == again.status == 200, (first.body, again.body)
    # Finished, it never changes again: one download, then S3 answers alone.
    assert [r["path"].rsplit("/", 1)[-1] for r in docusign_requests(emulator)] == [keyword]
    [kept], [served] = first.body["documents"], again.body["documents"]
    assert (served["sha256"], served["sizeBytes"], served["s3Key"]) == (
        kept["sha256"],
        kept["sizeBytes"],
        kept["s3Key"],
    )
    assert again.body["status"] == "completed"


def test_a_refused_format_falls_back_to_separate_and_says_so(later: Any, emulator: Any) -> None:
    envelope_id = sent()
    control(
        emulator,
        "/download-refusals",
        {"documentIds": ["combined"], "errorCode": "COMBINED_PDF_DOWNLOAD_NOT_ALLOWED"},
    )
    try:
        result = documents("after-send", envelope_id, {"format": "combined"})
    finally:
        control(emulator, "/download-refusals", {"documentIds": []})
    assert result.status == 200, result.body
    assert (result.body["format"], result.body["requestedFormat"]) == ("separate", "combined")
    assert [d["documentId"] for d in result.body["documents"]] == ["1"]
    assert result.body["summary"]["documentId"] == "certificate"


def test_an_unknown_format_is_a_400_without_a_call(later: Any, emulator: Any) -> None:
    envelope_id = sent()
    emulator.state.clear_requests()
    result = documents("after-send", envelope_id, {"format": "zip"})
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_FORMAT"
    assert docusign_requests(emulator) == []
    assert envelope_creates(emulator) == []
