"""The S3 inbox: manifests in, results and tags out, nothing sent twice, nothing lost."""

from __future__ import annotations

import copy
import json
import time
import uuid
from typing import Any
from urllib.parse import unquote_plus

import pytest

from tests.integration.helpers import envelope_creates, sample_pdf
from tests.support.lambda_events import invoke_raw, load_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def inbox_conn(connections: Any) -> Any:
    return connections.create("inbox-co")


@pytest.fixture(autouse=True)
def _clean(emulator: Any) -> None:
    emulator.state.clear_requests()


def put(stack: Any, key: str, data: bytes) -> str | None:
    response = stack.client("s3").put_object(Bucket=stack.bucket, Key=key, Body=data)
    return response.get("VersionId")


def sqs_event(stack: Any, *objects: tuple[str, str | None]) -> dict[str, Any]:
    """The real-shaped SQS event of events/, pointing at these manifests."""
    event = load_event("process_inbox_manifest")
    template = event["Records"][0]
    records = []
    for i, (key, version) in enumerate(objects):
        record = copy.deepcopy(template)
        body = json.loads(record["body"])
        s3 = body["Records"][0]["s3"]
        s3["bucket"]["name"] = stack.bucket
        s3["object"]["key"] = key.replace("/", "%2F") if i % 2 else key  # both encodings
        s3["object"]["versionId"] = version
        record["body"] = json.dumps(body)
        record["messageId"] = f"message-{i}"
        records.append(record)
    event["Records"] = records
    return event


def result_of(stack: Any, key: str) -> dict[str, Any]:
    relative = key.split("/", 2)[2]
    connection = key.split("/")[1]
    obj = stack.client("s3").get_object(
        Bucket=stack.bucket, Key=f"outbox/{connection}/{relative}.result.json"
    )
    return json.loads(obj["Body"].read())


def tags_of(stack: Any, key: str) -> dict[str, str]:
    tags = stack.client("s3").get_object_tagging(Bucket=stack.bucket, Key=key)["TagSet"]
    return {t["Key"]: t["Value"] for t in tags}


def manifest(**changes: Any) -> dict[str, Any]:
    # The same bytes are the same send under any key of the connection: each manifest of a
    # test is content of its own.
    body: dict[str, Any] = {
        "emailSubject": f"Contract from the inbox {uuid.uuid4().hex[:8]}",
        "documents": [{"name": "contract.pdf", "s3Key": "inbox/inbox-co/docs/contract.pdf"}],
        "signers": [{"email": "ana@example.com", "name": "Ana"}],
    }
    body.update(changes)
    return body


def test_manifest_sends_one_envelope_and_writes_the_result(
    inbox_conn: Any, emulator: Any, stack: Any
) -> None:
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/qf-1.json"
    version = put(stack, key, json.dumps(manifest()).encode())
    out = invoke_raw("process_inbox", sqs_event(stack, (key, version)))
    assert out == {"batchItemFailures": []}
    creates = envelope_creates(emulator)
    assert len(creates) == 1
    result = result_of(stack, key)
    assert result["manifest"] == key
    assert result["status"] == "sent"
    assert result["envelopeId"] in emulator.state.envelopes
    assert tags_of(stack, key)["docusign-envelope-id"] == result["envelopeId"]

    # S3 delivers the same notification again: nothing is sent twice.
    out = invoke_raw("process_inbox", sqs_event(stack, (key, version)))
    assert out == {"batchItemFailures": []}
    assert len(envelope_creates(emulator)) == 1
    assert result_of(stack, key)["envelopeId"] == result["envelopeId"]


def test_batch_manifest_with_one_bad_envelope(inbox_conn: Any, emulator: Any, stack: Any) -> None:
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/batch-7.json"
    body = {"envelopes": [manifest(), manifest(emailSubject="x" * 101), manifest()]}
    version = put(stack, key, json.dumps(body).encode())
    assert invoke_raw("process_inbox", sqs_event(stack, (key, version))) == {
        "batchItemFailures": []
    }
    result = result_of(stack, key)
    assert [("envelopeId" in e, e.get("error", {}).get("code")) for e in result["envelopes"]] == [
        (True, None),
        (False, "EMAIL_SUBJECT_TOO_LONG"),
        (True, None),
    ]
    assert len(envelope_creates(emulator)) == 2


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "INVALID_JSON"),
        (json.dumps(manifest(signers=[])).encode(), "SIGNER_REQUIRED"),
        (
            json.dumps(
                manifest(documents=[{"name": "x.pdf", "s3Key": "inbox/other/x.pdf"}])
            ).encode(),
            "S3_KEY_OUTSIDE_INBOX",
        ),
        (json.dumps({"envelopes": []}).encode(), "INVALID_MANIFEST"),
    ],
)
def test_bad_manifest_gets_an_error_result_and_never_blocks_the_queue(
    inbox_conn: Any, emulator: Any, stack: Any, data: bytes, code: str
) -> None:
    key = f"inbox/inbox-co/bad-{code.lower()}.json"
    version = put(stack, key, data)
    good_key = "inbox/inbox-co/good-after-bad.json"
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    good_version = put(stack, good_key, json.dumps(manifest()).encode())
    out = invoke_raw("process_inbox", sqs_event(stack, (key, version), (good_key, good_version)))
    assert out == {"batchItemFailures": []}
    assert result_of(stack, key)["error"]["code"] == code
    assert tags_of(stack, key)["docusign-result"] == "error"
    assert "envelopeId" in result_of(stack, good_key)


def test_passing_trouble_is_retried_by_sqs(
    inbox_conn: Any, emulator: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/while-docusign-is-down.json"
    version = put(stack, key, json.dumps(manifest()).encode())
    before = len(emulator.state.envelopes)
    emulator.state.faults.add(kind="503", count=10, path=r".*/envelopes$", method="POST")
    try:
        out = invoke_raw("process_inbox", sqs_event(stack, (key, version)))
    finally:
        emulator.state.faults.clear()
    assert out == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert len(emulator.state.envelopes) == before
    # DocuSign may still commit a create it answered 5xx to: a retry soon after only looks.
    creates = len(envelope_creates(emulator))
    soon = invoke_raw("process_inbox", sqs_event(stack, (key, version)))
    assert soon == {"batchItemFailures": [{"itemIdentifier": "message-0"}]}
    assert len(envelope_creates(emulator)) == creates
    # The retry after the settle window (the queue's visibility timeout is longer), once
    # DocuSign is back, sends exactly one envelope.
    from datetime import timedelta

    from docusign_connector import clock
    from docusign_connector.actions.send import CREATE_SETTLE_SECONDS

    real_now = clock.now
    monkeypatch.setattr(
        clock, "now", lambda: real_now() + timedelta(seconds=CREATE_SETTLE_SECONDS + 1)
    )
    assert invoke_raw("process_inbox", sqs_event(stack, (key, version))) == {
        "batchItemFailures": []
    }
    assert len(emulator.state.envelopes) == before + 1


def test_s3_notification_reaches_the_inbox_queue(inbox_conn: Any, stack: Any) -> None:
    """The bucket's notification configuration, created from the template, really delivers."""
    sqs = stack.client("sqs")
    queue = stack.resources["InboxQueue"]
    key = "inbox/inbox-co/notified.json"
    put(stack, key, json.dumps(manifest()).encode())
    put(stack, "inbox/inbox-co/docs/not-a-manifest.pdf", sample_pdf())
    keys: list[str] = []
    deadline = time.time() + 5
    while time.time() < deadline and key not in keys:
        for message in sqs.receive_message(
            QueueUrl=queue, WaitTimeSeconds=1, MaxNumberOfMessages=10
        ).get("Messages", []):
            for record in json.loads(message["Body"]).get("Records", []):
                keys.append(unquote_plus(record["s3"]["object"]["key"]))
    assert key in keys
    assert not any(k.endswith(".pdf") for k in keys)


def test_a_corrected_manifest_under_the_same_name_is_sent_again(
    inbox_conn: Any, emulator: Any, stack: Any
) -> None:
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/corrected.json"
    first_version = put(stack, key, json.dumps(manifest()).encode())
    invoke_raw("process_inbox", sqs_event(stack, (key, first_version)))
    first = result_of(stack, key)
    second_version = put(stack, key, json.dumps(manifest(emailSubject="Corrected")).encode())
    assert second_version != first_version
    invoke_raw("process_inbox", sqs_event(stack, (key, None)))  # notification without version
    second = result_of(stack, key)
    assert "envelopeId" in second and second["envelopeId"] != first["envelopeId"]
    assert len(envelope_creates(emulator)) == 2


def test_the_same_bytes_uploaded_again_are_the_same_send(
    inbox_conn: Any, emulator: Any, stack: Any
) -> None:
    """An upload tool's retry or a sync job run again: a new S3 version with the same bytes."""
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/uploaded-twice.json"
    content = json.dumps(manifest()).encode()
    first_version = put(stack, key, content)
    invoke_raw("process_inbox", sqs_event(stack, (key, first_version)))
    first = result_of(stack, key)
    second_version = put(stack, key, content)
    assert second_version != first_version

    assert invoke_raw("process_inbox", sqs_event(stack, (key, second_version))) == {
        "batchItemFailures": []
    }

    assert len(envelope_creates(emulator)) == 1
    assert result_of(stack, key)["envelopeId"] == first["envelopeId"]


def test_a_deliberate_resend_gives_the_manifest_a_new_send_id(
    inbox_conn: Any, emulator: Any, stack: Any
) -> None:
    put(stack, "inbox/inbox-co/docs/contract.pdf", sample_pdf("Contract"))
    key = "inbox/inbox-co/resent.json"
    first_version = put(stack, key, json.dumps(manifest(sendId="2026-11-01")).encode())
    invoke_raw("process_inbox", sqs_event(stack, (key, first_version)))
    first = result_of(stack, key)
    again = put(stack, key, json.dumps(manifest(sendId="2026-11-02")).encode())
    invoke_raw("process_inbox", sqs_event(stack, (key, again)))
    second = result_of(stack, key)
    assert "envelopeId" in first and "envelopeId" in second
    assert second["envelopeId"] != first["envelopeId"]
    assert len(envelope_creates(emulator)) == 2
    # sendId is the connector's, never DocuSign's
    assert all("sendId" not in json.dumps(r["json"]) for r in envelope_creates(emulator))

    bad = put(stack, key, json.dumps(manifest(sendId="x\nthen")).encode())
    invoke_raw("process_inbox", sqs_event(stack, (key, bad)))
    assert result_of(stack, key)["error"]["code"] == "INVALID_MANIFEST"
    assert len(envelope_creates(emulator)) == 2


def test_a_manifest_nested_too_deep_gets_an_error_result_not_a_dead_letter(
    inbox_conn: Any, stack: Any, emulator: Any
) -> None:
    key = "inbox/inbox-co/deep.json"
    version = put(stack, key, b'{"envelopes": ' + b"[" * 50_000 + b"]" * 50_000 + b"}")

    answer = invoke_raw("process_inbox", sqs_event(stack, (key, version)))

    assert answer == {"batchItemFailures": []}
    result = result_of(stack, key)
    assert result["error"]["code"] == "INVALID_JSON"
    assert envelope_creates(emulator) == []
