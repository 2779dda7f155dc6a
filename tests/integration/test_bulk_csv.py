"""Bulk sends from inbox CSV files, and a backlog larger than the DocuSign quota: every row
sent once, bad rows reported, nothing dead-lettered while the budget makes the work wait."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from local.emulator.dates import parse_datetime
from tests.conftest import REGION, ROOT, STACK_NAME
from tests.integration.helpers import envelope_creates, forget_rate_budgets, sample_pdf
from tests.support.lambda_events import invoke_raw, load_event

pytestmark = [pytest.mark.integration]

CONNECTION = "bulk-co"
HEADER = "emailSubject,signersEmails,signersNames,documentS3Keys,customField.employee"


@pytest.fixture(scope="module")
def bulk_conn(connections: Any, emulator: Any) -> Any:
    """The per-row path: this connection's account has no Bulk Send (its plan lacks it;
    test_bulk_send.py covers the bulk path)."""
    registered = connections.create(CONNECTION)
    emulator.state.account_settings[registered.account_id] = {"allowBulkSend": "false"}
    return registered


@pytest.fixture
def inbox_function(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """ProcessInboxFunction's own environment (its queue, background call class)."""
    from docusign_connector.container import reset_services
    from local.function_specs import function_environment
    from local.template import load_template

    environment = function_environment(
        load_template(ROOT / "template.yaml"),
        "ProcessInboxFunction",
        stack.resources,
        stack_name=STACK_NAME,
        region=REGION,
    )
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    reset_services()
    yield environment
    reset_services()


@pytest.fixture(autouse=True)
def _clean(emulator: Any, stack: Any) -> Iterator[None]:
    emulator.state.clear_requests()
    yield
    emulator.state.set_rate_limits(hourly_limit=3000, burst_limit=500)
    forget_rate_budgets(stack)


def put(stack: Any, key: str, data: bytes) -> str | None:
    return stack.client("s3").put_object(Bucket=stack.bucket, Key=key, Body=data).get("VersionId")


def notification(stack: Any, key: str, version: str | None) -> str:
    body = json.loads(load_event("process_inbox_manifest")["Records"][0]["body"])
    s3 = body["Records"][0]["s3"]
    s3["bucket"]["name"] = stack.bucket
    s3["object"]["key"] = key
    s3["object"]["versionId"] = version
    return json.dumps(body)


def sqs_event(*bodies: str) -> dict[str, Any]:
    event = load_event("process_inbox_manifest")
    template = event["Records"][0]
    records = []
    for i, body in enumerate(bodies):
        record = copy.deepcopy(template)
        record["body"] = body
        record["messageId"] = f"message-{i}"
        records.append(record)
    event["Records"] = records
    return event


def read_outbox(stack: Any, key: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    s3 = stack.client("s3")
    relative = key.split("/", 2)[2]
    base = f"outbox/{CONNECTION}/{relative}"
    result = s3.get_object(Bucket=stack.bucket, Key=f"{base}.result.csv")["Body"].read()
    progress = s3.get_object(Bucket=stack.bucket, Key=f"{base}.progress.json")["Body"].read()
    return list(csv.DictReader(io.StringIO(result.decode()))), json.loads(progress)


def rows_csv(count: int, *, bad: set[int] = frozenset(), prefix: str = "") -> bytes:  # type: ignore[assignment]
    lines = ["\ufeff" + HEADER]
    for i in range(1, count + 1):
        email = "not-an-email" if i in bad else f"person{i}@example.com"
        lines.append(
            f'"{prefix}Policy, row {i}",{email},"Person {i}",inbox/{CONNECTION}/policy.pdf,E{i}'
        )
        if i % 7 == 0:
            lines.append("")  # blank lines are not rows
    return ("\r\n".join(lines) + "\r\n").encode()


def test_csv_sends_one_envelope_per_row_and_a_bad_row_stops_nothing(
    bulk_conn: Any, emulator: Any, stack: Any, inbox_function: dict[str, str]
) -> None:
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    key = f"inbox/{CONNECTION}/attest/q1.csv"
    version = put(stack, key, rows_csv(30, bad={4, 17}))
    body = notification(stack, key, version)

    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}

    creates = envelope_creates(emulator)
    assert len(creates) == 28
    assert creates[0]["json"]["emailSubject"] == "Policy, row 1"
    results, progress = read_outbox(stack, key)
    assert [int(r["row"]) for r in results] == list(range(1, 31))
    errors = {int(r["row"]): r["errorCode"] for r in results if r["errorCode"]}
    assert errors == {4: "INVALID_EMAIL", 17: "INVALID_EMAIL"}
    assert all(r["envelopeId"] in emulator.state.envelopes for r in results if not r["errorCode"])
    assert progress["state"] == "done" and progress["rowsDone"] == 30
    assert (progress["sent"], progress["failed"]) == (28, 2)
    tags = stack.client("s3").get_object_tagging(Bucket=stack.bucket, Key=key)["TagSet"]
    assert {"Key": "docusign-result", "Value": "partial"} in tags

    # The same notification again: nothing is sent twice, the result stays.
    assert invoke_raw("process_inbox", sqs_event(body)) == {"batchItemFailures": []}
    assert len(envelope_creates(emulator)) == 28
    assert read_outbox(stack, key)[0] == results


def test_a_bad_header_is_the_file_s_error_and_nothing_is_sent(
    bulk_conn: Any, emulator: Any, stack: Any, inbox_function: dict[str, str]
) -> None:
    key = f"inbox/{CONNECTION}/bad-header.csv"
    version = put(stack, key, b"emailSubject,signerEmail\nA,a@example.com\n")
    assert invoke_raw("process_inbox", sqs_event(notification(stack, key, version))) == {
        "batchItemFailures": []
    }
    assert envelope_creates(emulator) == []
    results, progress = read_outbox(stack, key)
    assert results == []
    assert progress["error"]["code"] == "INVALID_CSV_HEADER"


def drain_inbox(stack: Any, environment: dict[str, str], until: float) -> dict[str, int]:
    """What Lambda's event source mapping does: receive, invoke, delete what succeeded."""
    sqs = stack.client("sqs")
    url = environment["INBOX_QUEUE_URL"]
    counts = {"invocations": 0, "failed": 0}
    while time.monotonic() < until:
        received = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=5, WaitTimeSeconds=1, VisibilityTimeout=30
        ).get("Messages", [])
        if not received:
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesDelayed",
                ],
            )["Attributes"]
            if not any(int(v) for v in attributes.values()):
                return counts
            continue
        event = sqs_event(*(m["Body"] for m in received))
        for record, message in zip(event["Records"], received, strict=True):
            record["messageId"] = message["MessageId"]
        answer = invoke_raw("process_inbox", event)
        counts["invocations"] += 1
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        counts["failed"] += len(failed)
        for message in received:
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the inbox backlog did not drain in time")


def test_a_backlog_three_times_the_quota_is_all_sent_and_nothing_dead_lettered(
    bulk_conn: Any, emulator: Any, stack: Any, inbox_function: dict[str, str]
) -> None:
    quota, window = 10, 3
    emulator.state.set_rate_limits(hourly_limit=quota, burst_limit=1000, window_seconds=window)
    put(stack, f"inbox/{CONNECTION}/policy.pdf", sample_pdf("Policy"))
    key = f"inbox/{CONNECTION}/backlog.csv"
    version = put(stack, key, rows_csv(3 * quota, prefix="Backlog "))
    sqs = stack.client("sqs")
    sqs.purge_queue(QueueUrl=os.environ["INBOX_QUEUE_URL"])
    sqs.send_message(
        QueueUrl=os.environ["INBOX_QUEUE_URL"], MessageBody=notification(stack, key, version)
    )

    counts = drain_inbox(stack, inbox_function, until=time.monotonic() + 90)

    creates = envelope_creates(emulator)
    sent = [c for c in creates if c["status"] == 201]
    subjects = [c["json"]["emailSubject"] for c in sent]
    assert len(sent) == 3 * quota
    assert len(set(subjects)) == 3 * quota  # no row twice
    # It waited for the windows: never more creates in one than the quota, so at least three.
    # (Whether it waited inside an invocation or back in the queue depends on how long the rows
    # take: on a busy machine one invocation can outlast a three-second window.)
    windows = Counter(int(parse_datetime(c["time"]).timestamp() // window) for c in sent)
    assert len(windows) >= 3 and max(windows.values()) <= quota
    # The budget kept the connector under the quota but at a window's edge: DocuSign's reset is
    # a whole second, so with three-second windows a create can arrive just before the
    # emulator's window turns (at most one per window); each was sent again, once.
    refused = [c for c in creates if c["status"] == 429]
    assert len(refused) <= len(windows)
    assert counts["failed"] == 0
    dead_letter = stack.resources["InboxDeadLetterQueue"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=dead_letter, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    results, progress = read_outbox(stack, key)
    assert progress["state"] == "done" and progress["sent"] == 3 * quota
    assert len({r["envelopeId"] for r in results}) == 3 * quota


def order_template(registered: Any) -> str:
    """A template in the connection's account: a Customer who signs (with a required, locked
    `orderNo` field) and a Sales CC."""
    from tests.integration.helpers import create_template

    at = {"documentId": "1", "pageNumber": "1", "xPosition": "100"}
    order_no = {**at, "yPosition": "100", "tabLabel": "orderNo", "required": "true"}
    customer = {
        "roleName": "Customer",
        "recipientId": "1",
        "routingOrder": "1",
        "tabs": {
            "signHereTabs": [{**at, "yPosition": "600"}],
            "textTabs": [{**order_no, "locked": "true"}],
        },
    }
    return create_template(
        registered,
        "Bulk order",
        {
            "signers": [customer],
            "carbonCopies": [{"roleName": "Sales", "recipientId": "2", "routingOrder": "2"}],
        },
    )


def test_csv_rows_can_send_a_template_with_field_values_and_access_codes(
    bulk_conn: Any, emulator: Any, stack: Any, inbox_function: dict[str, str]
) -> None:
    template = order_template(bulk_conn)
    text = (
        "emailSubject,templateId,roleNames,signersEmails,signersNames,signersAccessCodes,"
        "field.orderNo,field2.orderNo\n"
        f"Order 1,{template},Customer;Sales,cy@example.com;sal@example.com,Cy;Sal,8841;,4711,\n"
        # The Sales role has no orderNo field: refused before DocuSign is called.
        f"Order 2,{template},Customer;Sales,di@example.com;sal@example.com,Di;Sal,,4712,9\n"
        f"Order 3,{template},Customer;Sales,ed@example.com;sal@example.com,Ed;Sal,,4713,\n"
    )
    key = f"inbox/{CONNECTION}/orders.csv"
    version = put(stack, key, text.encode())

    assert invoke_raw("process_inbox", sqs_event(notification(stack, key, version))) == {
        "batchItemFailures": []
    }

    (create, third) = envelope_creates(emulator)
    roles = create["json"]["templateRoles"]
    assert create["json"]["templateId"] == template
    assert [(r["roleName"], r["email"]) for r in roles] == [
        ("Customer", "cy@example.com"),
        ("Sales", "sal@example.com"),
    ]
    assert roles[0]["accessCode"] == "8841" and "accessCode" not in roles[1]
    assert roles[0]["tabs"] == {"textTabs": [{"tabLabel": "orderNo", "value": "4711"}]}
    assert third["json"]["templateRoles"][0]["tabs"]["textTabs"][0]["value"] == "4713"
    results, progress = read_outbox(stack, key)
    errors = {int(r["row"]): r["errorCode"] for r in results if r["errorCode"]}
    assert errors == {2: "TEMPLATE_FIELD_NOT_FOUND"}
    assert (progress["sent"], progress["failed"]) == (2, 1)
    # One read of the template for the whole file, not one per row.
    reads = [r for r in emulator.state.requests if f"/templates/{template}" in r["path"]]
    assert len(reads) == 1
    stored = stack.client("s3").get_object(
        Bucket=stack.bucket, Key=f"outbox/{CONNECTION}/orders.csv.result.csv"
    )
    assert b"8841" not in stored["Body"].read()
