"""One identity of a file's content for every inbox path, whatever the upload: the SHA-256 of
its bytes. The same CSV or manifest bytes uploaded again as a multipart upload (any part size),
with server-side encryption, or copied under another key send nothing again; the inbox's
idempotency keys never meet the API's; retries begun under the keys of before keep them; a
CSV over MAX_CSV_BYTES is refused by its size, one with an endless line before it is read."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
import requests

from tests.integration.helpers import (
    docusign_direct,
    envelope_creates,
    sample_pdf,
    send,
    simple_body,
)
from tests.integration.test_bulk_csv import (  # noqa: F401
    CONNECTION,
    bulk_conn,
    inbox_function,
    notification,
    put,
    read_outbox,
    sqs_event,
)
from tests.support.lambda_events import invoke_raw

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("bulk_conn", "inbox_function")]


@pytest.fixture(autouse=True)
def _clean(emulator: Any) -> None:
    emulator.state.clear_requests()


MIB = 1024 * 1024
HEADER = "emailSubject,signersEmails,signersNames,documentS3Keys,signersAccessCodes"


def csv_bytes(rows: list[str], *, padding_lines: int = 0) -> bytes:
    """A CSV of these rows; `padding_lines` blank lines of 100,000 spaces make it large
    enough for parts of 5 MiB (S3's smallest) without more rows to send."""
    lines = [HEADER, *rows, *([" " * 100_000] * padding_lines)]
    return ("\r\n".join(lines) + "\r\n").encode()


def three_rows(tag: str) -> list[str]:
    return [
        f"{tag} row {i},person{i}@example.com,Person {i},inbox/{CONNECTION}/policy.pdf,"
        for i in (1, 2, 3)
    ]


def multipart(stack: Any, key: str, data: bytes, part_size: int, **extra: Any) -> str | None:
    s3 = stack.client("s3")
    upload = s3.create_multipart_upload(Bucket=stack.bucket, Key=key, **extra)
    parts = []
    for number, start in enumerate(range(0, len(data), part_size), start=1):
        answer = s3.upload_part(
            Bucket=stack.bucket,
            Key=key,
            UploadId=upload["UploadId"],
            PartNumber=number,
            Body=data[start : start + part_size],
        )
        parts.append({"PartNumber": number, "ETag": answer["ETag"]})
    done = s3.complete_multipart_upload(
        Bucket=stack.bucket,
        Key=key,
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": parts},
    )
    return done.get("VersionId")


def etag(stack: Any, key: str) -> str:
    return str(stack.client("s3").head_object(Bucket=stack.bucket, Key=key)["ETag"])


def process(stack: Any, key: str, version: str | None) -> None:
    answer = invoke_raw("process_inbox", sqs_event(notification(stack, key, version)))
    assert answer == {"batchItemFailures": []}


def envelopes_of(results: list[dict[str, str]]) -> list[str]:
    return [r["envelopeId"] for r in results]


def test_the_same_csv_bytes_are_one_send_however_they_are_uploaded(
    emulator: Any, stack: Any
) -> None:
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    data = csv_bytes(three_rows(uuid.uuid4().hex), padding_lines=60)  # about 6 MB
    assert len(data) > 5 * MIB
    first = f"inbox/{CONNECTION}/identity/q1.csv"
    process(stack, first, put(stack, first, data))
    sent, _ = read_outbox(stack, first)
    assert len(envelope_creates(emulator)) == 3

    uploads = [
        # the same key: multipart, in parts of S3's smallest size and of another size
        (first, lambda key: multipart(stack, key, data, 5 * MIB)),
        (first, lambda key: multipart(stack, key, data, 5 * MIB + 12345)),
        # server-side encryption with KMS (S3's ETag is then no MD5 either)
        (first, lambda key: put_encrypted(stack, key, data)),
        # another name in the connection's inbox: a copy, and a multipart upload
        (f"inbox/{CONNECTION}/identity/copy-of-q1.csv", lambda key: copy(stack, first, key)),
        (f"inbox/{CONNECTION}/elsewhere/q1.csv", lambda key: multipart(stack, key, data, 6 * MIB)),
    ]
    etags = {etag(stack, first)}
    for key, upload in uploads:
        version = upload(key)
        etags.add(etag(stack, key))
        process(stack, key, version)
        results, progress = read_outbox(stack, key)
        assert envelopes_of(results) == envelopes_of(sent), key
        assert progress["state"] == "done" and progress["version"] == (
            "sha256:" + hashlib.sha256(data).hexdigest()
        )
    assert len(etags) >= 4  # the uploads really had other ETags
    assert len(envelope_creates(emulator)) == 3  # ... and DocuSign got nothing more


def put_encrypted(stack: Any, key: str, data: bytes) -> str | None:
    kms = stack.client("kms")
    key_id = kms.create_key(Description="inbox test")["KeyMetadata"]["KeyId"]
    answer = stack.client("s3").put_object(
        Bucket=stack.bucket, Key=key, Body=data, ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id
    )
    return answer.get("VersionId")


def copy(stack: Any, source: str, key: str) -> str | None:
    answer = stack.client("s3").copy_object(
        Bucket=stack.bucket, Key=key, CopySource={"Bucket": stack.bucket, "Key": source}
    )
    return answer.get("VersionId")


def manifest_bytes() -> bytes:
    return json.dumps(
        {
            "emailSubject": f"Manifest {uuid.uuid4().hex[:8]}",
            "documents": [{"name": "policy.pdf", "s3Key": f"inbox/{CONNECTION}/policy.pdf"}],
            "signers": [{"email": "ana@example.com", "name": "Ana"}],
        }
    ).encode()


def manifest_result(stack: Any, key: str) -> dict[str, Any]:
    relative = key.split("/", 2)[2]
    obj = stack.client("s3").get_object(
        Bucket=stack.bucket, Key=f"outbox/{CONNECTION}/{relative}.result.json"
    )
    return dict(json.loads(obj["Body"].read()))


def test_the_same_manifest_bytes_are_one_send_under_any_key(emulator: Any, stack: Any) -> None:
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    data = manifest_bytes()
    first = f"inbox/{CONNECTION}/cases/c-1.json"
    process(stack, first, put(stack, first, data))
    envelope_id = manifest_result(stack, first)["envelopeId"]
    process(stack, first, multipart(stack, first, data, 5 * MIB))
    assert manifest_result(stack, first)["envelopeId"] == envelope_id
    other = f"inbox/{CONNECTION}/cases/c-1-copy.json"
    process(stack, other, copy(stack, first, other))
    assert manifest_result(stack, other)["envelopeId"] == envelope_id
    assert len(envelope_creates(emulator)) == 1


def test_an_api_idempotency_key_never_meets_an_inbox_send(emulator: Any, stack: Any) -> None:
    """A caller who names the inbox's key (or what it was before) in Idempotency-Key gets an
    envelope of its own, never the manifest's."""
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    data = manifest_bytes()
    key = f"inbox/{CONNECTION}/cases/api-meets-inbox.json"
    process(stack, key, put(stack, key, data))
    manifest_envelope = manifest_result(stack, key)["envelopeId"]
    digest = hashlib.sha256(data).hexdigest()
    for header in (
        f"s3:{key}:sha256:{digest}:single",
        f"manifest:sha256:{digest}:single",
        f"inbox\x00{CONNECTION}\x1fmanifest:sha256:{digest}:single",
    ):
        answer = send(CONNECTION, simple_body(), {"Idempotency-Key": header})
        assert answer.status == 201, answer.body
        assert answer.body["envelopeId"] != manifest_envelope
    assert len(envelope_creates(emulator)) == 4


def test_a_manifest_retried_from_before_keeps_its_key_and_its_envelope(
    emulator: Any, stack: Any, request: pytest.FixtureRequest
) -> None:
    """An inbox send begun before the namespaces were separated (its key named the S3 key,
    in the API's namespace), whose create DocuSign committed but whose answer was lost: the
    retry after the upgrade finds that envelope by its transactionId, and sends nothing."""
    from docusign_connector.actions.send import transaction_id_for
    from docusign_connector.container import get_services

    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    data = manifest_bytes()
    key = f"inbox/{CONNECTION}/cases/from-before.json"
    version = put(stack, key, data)
    old_key = f"s3:{key}:sha256:{hashlib.sha256(data).hexdigest()}:single"
    transaction_id = transaction_id_for(CONNECTION, old_key)
    get_services().store.claim_transaction(transaction_id)
    committed = seed_with_transaction(request.getfixturevalue("bulk_conn"), transaction_id)
    emulator.state.clear_requests()

    process(stack, key, version)

    assert manifest_result(stack, key)["envelopeId"] == committed
    assert envelope_creates(emulator) == []


def seed_with_transaction(registered: Any, transaction_id: str) -> str:
    from tests.integration.helpers import b64

    base, headers = docusign_direct(registered)
    created = requests.post(
        f"{base}/envelopes",
        headers=headers,
        json={
            "emailSubject": "Committed before the upgrade",
            "status": "sent",
            "transactionId": transaction_id,
            "documents": [
                {"documentId": "1", "name": "p.pdf", "documentBase64": b64(sample_pdf())}
            ],
            "recipients": {
                "signers": [{"recipientId": "1", "email": "ana@example.com", "name": "Ana"}]
            },
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    return str(created.json()["envelopeId"])


def test_a_csv_run_begun_before_the_upgrade_continues_with_its_keys(
    emulator: Any, stack: Any, request: pytest.FixtureRequest
) -> None:
    """Its progress file names the ETag the rows were keyed on: row 1 is done, row 2 was
    created at DocuSign but not yet written down; only row 3 is sent."""
    from docusign_connector.actions.send import transaction_id_for
    from docusign_connector.container import get_services

    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    key = f"inbox/{CONNECTION}/identity/begun-before.csv"
    version = put(stack, key, csv_bytes(three_rows(uuid.uuid4().hex)))
    old_version = etag(stack, key).strip('"')
    base = f"outbox/{CONNECTION}/identity/begun-before.csv"
    row1 = seed_with_transaction(request.getfixturevalue("bulk_conn"), "row-1-of-before")
    s3 = stack.client("s3")
    s3.put_object(
        Bucket=stack.bucket,
        Key=f"{base}.result.csv",
        Body=f"row,envelopeId,status,errorCode,errorMessage\r\n1,{row1},sent,,\r\n".encode(),
    )
    s3.put_object(
        Bucket=stack.bucket,
        Key=f"{base}.progress.json",
        Body=json.dumps(
            {"version": old_version, "state": "in-progress", "rowsDone": 1, "sent": 1}
        ).encode(),
    )
    row2_transaction = transaction_id_for(CONNECTION, f"s3:{key}:{old_version}:row2")
    get_services().store.claim_transaction(row2_transaction)
    row2 = seed_with_transaction(request.getfixturevalue("bulk_conn"), row2_transaction)
    emulator.state.clear_requests()

    process(stack, key, version)

    results, progress = read_outbox(stack, key)
    assert envelopes_of(results)[:2] == [row1, row2]
    assert len(envelope_creates(emulator)) == 1  # row 3 only
    assert progress["state"] == "done" and progress["version"] == old_version


def test_a_csv_over_the_limit_is_refused_by_its_size_before_it_is_read(
    emulator: Any,
    stack: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from docusign_connector.actions import bulk
    from docusign_connector.adapters.bucket import DocumentStore

    monkeypatch.setattr(bulk, "MAX_CSV_BYTES", 10_000)
    read: list[int] = []
    original = DocumentStore.open_version

    def watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        body, *rest = original(self, *args, **kwargs)
        real = body.iter_chunks

        def chunks(*a: Any, **k: Any) -> Any:
            for chunk in real(*a, **k):
                read.append(len(chunk))
                yield chunk

        body.iter_chunks = chunks
        return (body, *rest)

    monkeypatch.setattr(DocumentStore, "open_version", watched)
    key = f"inbox/{CONNECTION}/identity/too-large.csv"
    data = csv_bytes(three_rows(uuid.uuid4().hex), padding_lines=1)
    assert len(data) > 10_000

    process(stack, key, put(stack, key, data))

    results, progress = read_outbox(stack, key)
    assert results == []
    assert progress["state"] == "done"
    assert progress["error"]["code"] == "CSV_TOO_LARGE"
    assert read == []  # not one byte of it was read
    assert envelope_creates(emulator) == []


def test_an_endless_line_is_the_file_s_error_and_the_rows_before_it_keep_theirs(
    emulator: Any, stack: Any
) -> None:
    from docusign_connector.models.csv_rows import MAX_LINE_CHARS

    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    key = f"inbox/{CONNECTION}/identity/endless.csv"
    good = three_rows(uuid.uuid4().hex)[:1]
    data = csv_bytes([*good, "x" * (MAX_LINE_CHARS + 10), *good])
    process(stack, key, put(stack, key, data))
    results, progress = read_outbox(stack, key)
    assert [r["row"] for r in results] == ["1"]
    assert progress["error"]["code"] == "CSV_LINE_TOO_LONG"
    assert "line 3" in progress["error"]["message"]
    assert len(envelope_creates(emulator)) == 1


def test_csv_rows_follow_the_api_s_rules(emulator: Any, stack: Any) -> None:
    """Access codes by DocuSign's rule and a row with fewer names than e-mails, as in the
    flat form: the row's error, the others sent."""
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    tag = uuid.uuid4().hex
    doc = f"inbox/{CONNECTION}/policy.pdf"
    rows = [
        f"{tag} one-char code,a@example.com,A,{doc},7",
        f"{tag} bad code,b@example.com,B,{doc},a<b",
        f"{tag} long code,c@example.com,C,{doc},{'x' * 51}",
        f"{tag} names,d@example.com;e@example.com,D,{doc},",
    ]
    key = f"inbox/{CONNECTION}/identity/rules.csv"
    process(stack, key, put(stack, key, csv_bytes(rows)))
    results, _ = read_outbox(stack, key)
    assert [r["errorCode"] for r in results] == [
        "",
        "INVALID_ACCESS_CODE",
        "ACCESS_CODE_TOO_LONG",
        "SIGNERS_LENGTH_MISMATCH",
    ]
    assert "signersEmails has 2 items but signersNames has 1" in results[3]["errorMessage"]
    (create,) = envelope_creates(emulator)
    assert create["json"]["recipients"]["signers"][0]["accessCode"] == "7"
