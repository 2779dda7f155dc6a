"""Inbox CSV files through DocuSign's Bulk Send, at the DocuSign boundary: the exact requests
the emulator receives on the bulk path and on the per-row path, a retried file and a crash
after the send call sending nothing twice, an account without Bulk Send, a file over 1,000
rows (two lists and batches), and each row's own result line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.helpers import (
    docusign_requests,
    envelope_creates,
    forget_rate_budgets,
    sample_pdf,
)
from tests.integration.test_bulk_csv import (
    inbox_function,  # noqa: F401  (fixture)
    notification,
    put,
    sqs_event,
)
from tests.support.lambda_events import invoke_raw

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("inbox_function")]

CONNECTION = "bulk-send-co"
HEADER = "emailSubject,signersEmails,signersNames,documentS3Keys,customField.employee"


@pytest.fixture(scope="module")
def registered(connections: Any, emulator: Any) -> Iterator[Any]:
    registered = connections.create(CONNECTION)
    yield registered
    # A thousand envelopes left in the shared emulator would be every later reconcile's work.
    state = emulator.state
    with state.lock:
        for envelope_id in [
            e
            for e, envelope in state.envelopes.items()
            if envelope["accountId"] == registered.account_id
        ]:
            del state.envelopes[envelope_id]


@pytest.fixture
def bulk_conn(registered: Any, emulator: Any, stack: Any) -> Iterator[Any]:
    """A connection whose account has Bulk Send (the emulator's default)."""
    emulator.state.clear_requests()
    yield registered
    emulator.state.account_settings.pop(registered.account_id, None)
    emulator.state.bulk_send_step = 1000
    emulator.state.faults.clear()
    forget_rate_budgets(stack)


def rows_csv(count: int, *, bad: frozenset[int] = frozenset()) -> bytes:
    lines = [HEADER]
    for i in range(1, count + 1):
        email = "not-an-email" if i in bad else f"person{i}@example.com"
        lines.append(f'"Policy, row {i}",{email},"Person {i}",inbox/{CONNECTION}/policy.pdf,E{i}')
    return ("\r\n".join(lines) + "\r\n").encode()


def read_outbox(stack: Any, key: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    s3 = stack.client("s3")
    base = key.replace("inbox/", "outbox/", 1)
    result = s3.get_object(Bucket=stack.bucket, Key=f"{base}.result.csv")["Body"].read()
    progress = s3.get_object(Bucket=stack.bucket, Key=f"{base}.progress.json")["Body"].read()
    return list(csv.DictReader(io.StringIO(result.decode()))), json.loads(progress)


def bulk_calls(emulator: Any, method: str, ending: str) -> list[dict[str, Any]]:
    return [r for r in docusign_requests(emulator, method) if r["path"].endswith(ending)]


def send_calls(emulator: Any) -> list[dict[str, Any]]:
    return [
        r
        for r in docusign_requests(emulator, "POST")
        if "/bulk_send_lists/" in r["path"] and r["path"].endswith("/send")
    ]


def drop_file(stack: Any, name: str, rows: int, **options: Any) -> tuple[str, str]:
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    key = f"inbox/{CONNECTION}/{name}"
    version = put(stack, key, rows_csv(rows, **options))
    return key, notification(stack, key, version)


def test_a_uniform_csv_is_one_list_one_draft_and_one_send(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    key, body = drop_file(stack, "bulk/q1.csv", 30, bad=frozenset({4, 17}))

    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}

    # What DocuSign received: the settings once, one list of the 28 good rows, one draft that
    # names the list, one send of that draft — and no envelope create per row.
    assert len(bulk_calls(emulator, "GET", "/settings")) == 1
    [listed] = bulk_calls(emulator, "POST", "/bulk_send_lists")
    copies = listed["json"]["bulkCopies"]
    assert len(copies) == 28
    first = copies[0]
    assert first["emailSubject"] == "Policy, row 1"
    assert first["recipients"] == [
        {"recipientId": "1", "email": "person1@example.com", "name": "Person 1"}
    ]
    assert first["customFields"] == [
        {"name": "employee", "value": "E1"},
        {"name": "inboxRow", "value": "1"},
    ]
    assert [c["customFields"][1]["value"] for c in copies][:5] == ["1", "2", "3", "5", "6"]
    [sent] = send_calls(emulator)
    list_id = sent["path"].split("/bulk_send_lists/")[1].split("/")[0]
    assert emulator.state.bulk["lists"][list_id]["bulkCopies"] == copies
    [draft] = envelope_creates(emulator)
    assert draft["json"]["status"] == "created"
    fields = {f["name"]: f["value"] for f in draft["json"]["customFields"]["textCustomFields"]}
    assert set(fields) == {"employee", "inboxRow", "mailingListId"}
    assert fields["mailingListId"] == list_id
    batch = next(
        b for b in emulator.state.bulk["batches"].values() if b["mailingListId"] == list_id
    )
    assert sent["json"]["envelopeOrTemplateId"] == batch["draftId"]
    assert emulator.state.envelopes[batch["draftId"]]["status"] == "created"

    # Each row its own line: the envelope made from its copy, or its error.
    results, progress = read_outbox(stack, key)
    assert [int(r["row"]) for r in results] == list(range(1, 31))
    errors = {int(r["row"]): r["errorCode"] for r in results if r["errorCode"]}
    assert errors == {4: "INVALID_EMAIL", 17: "INVALID_EMAIL"}
    for line in results:
        if line["errorCode"]:
            continue
        envelope = emulator.state.envelopes[line["envelopeId"]]
        assert envelope["status"] == "sent" and line["status"] == "sent"
        [signer] = envelope["recipients"]["signers"]
        assert signer["email"] == f"person{line['row']}@example.com"
    assert progress["path"] == "bulk" and progress["state"] == "done"
    assert (progress["sent"], progress["failed"]) == (28, 2)

    # Tracked like any other envelope: in the table, with its history.
    from docusign_connector.container import get_services

    store = get_services().store
    tracked = store.get(results[0]["envelopeId"])
    assert tracked is not None and tracked.connection == CONNECTION
    assert tracked.status == "sent"
    assert [h.event for h in store.history(tracked.envelope_id)] == ["envelope-sent"]

    # The same file again: not one more DocuSign write.
    emulator.state.clear_requests()
    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}
    assert docusign_requests(emulator, "POST") == []
    assert read_outbox(stack, key)[0] == results


def test_a_crash_after_the_send_call_never_sends_the_batch_twice(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    key, body = drop_file(stack, "bulk/crash.csv", 8)
    # DocuSign queues the batch, and the answer is lost on the way back.
    emulator.state.faults.add("drop_after_commit", count=1, path="/send$", method="POST")

    first = invoke_raw("process_inbox", sqs_event(body))
    assert len(first["batchItemFailures"]) == 1  # SQS delivers the message again

    batches_before = len(emulator.state.bulk["batches"])
    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}

    # The retry found the queued batch by its name instead of sending it again.
    assert len(send_calls(emulator)) == 1
    assert len(emulator.state.bulk["batches"]) == batches_before
    assert len(bulk_calls(emulator, "POST", "/bulk_send_lists")) == 1
    results, progress = read_outbox(stack, key)
    assert len({r["envelopeId"] for r in results}) == 8
    assert progress["path"] == "bulk" and progress["sent"] == 8
    assert all(emulator.state.envelopes[r["envelopeId"]]["status"] == "sent" for r in results)


def test_a_batch_still_queued_waits_in_the_queue_and_resumes(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    from local.emulator.bulk_send import process_bulk_sends

    key, body = drop_file(stack, "bulk/queued.csv", 6)
    emulator.state.bulk_send_step = 0  # DocuSign keeps the batch queued for now

    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}
    results, progress = read_outbox(stack, key)
    assert results == [] and progress["state"] == "in-progress" and progress["path"] == "bulk"

    process_bulk_sends(emulator.state)
    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}
    assert len(send_calls(emulator)) == 1
    results, progress = read_outbox(stack, key)
    assert progress["state"] == "done" and len(results) == 6


def test_an_account_without_bulk_send_keeps_one_create_per_row(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    emulator.state.account_settings[bulk_conn.account_id] = {"allowBulkSend": "false"}
    key, body = drop_file(stack, "bulk/plain.csv", 6)

    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}

    assert len(bulk_calls(emulator, "GET", "/settings")) == 1
    assert [r for r in docusign_requests(emulator) if "/bulk_send" in r["path"]] == []
    creates = envelope_creates(emulator)
    assert [c["json"]["status"] for c in creates] == ["sent"] * 6
    results, progress = read_outbox(stack, key)
    assert progress["path"] == "per-row" and progress["sent"] == 6
    signers = [emulator.state.envelopes[r["envelopeId"]]["recipients"]["signers"] for r in results]
    assert [s[0]["email"] for s in signers] == [f"person{i}@example.com" for i in range(1, 7)]


def test_rows_that_differ_in_more_than_recipients_go_one_by_one(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    put(stack, f"inbox/{CONNECTION}/other.pdf", sample_pdf("Other"))
    text = "emailSubject,signersEmails,signersNames,documentS3Keys\n" + "".join(
        f"Row {i},p{i}@example.com,P {i},inbox/{CONNECTION}/{'other' if i == 3 else 'policy'}.pdf\n"
        for i in range(1, 7)
    )
    key = f"inbox/{CONNECTION}/bulk/mixed.csv"
    version = put(stack, key, text.encode())

    assert invoke_raw("process_inbox", sqs_event(notification(stack, key, version))) == {
        "batchItemFailures": []
    }
    assert len(envelope_creates(emulator)) == 6
    assert read_outbox(stack, key)[1]["path"] == "per-row"


def test_a_file_over_1000_rows_is_two_lists_and_two_batches(
    bulk_conn: Any, emulator: Any, stack: Any
) -> None:
    key, body = drop_file(stack, "bulk/large.csv", 1001)

    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}

    lists = bulk_calls(emulator, "POST", "/bulk_send_lists")
    assert [len(r["json"]["bulkCopies"]) for r in lists] == [1000, 1]
    assert len(send_calls(emulator)) == 2
    assert len(envelope_creates(emulator)) == 2  # one draft per batch
    results, progress = read_outbox(stack, key)
    assert len(results) == 1001 and progress["sent"] == 1001
    assert len({r["envelopeId"] for r in results}) == 1001
    # A few calls for a thousand envelopes, not a thousand creates.
    assert len(docusign_requests(emulator)) <= 16
