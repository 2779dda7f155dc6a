"""DocuSign Connect end to end: the webhook, the events queue, EventsFunction and the
reconciler, against moto and the DocuSign emulator."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from typing import Any

import pytest

from local.emulator.connect import sign_body
from local.template import load_template
from tests.conftest import REGION, ROOT
from tests.support.lambda_events import ApiResult, invoke, load_event

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

TEMPLATE = load_template(ROOT / "template.yaml")
KEY_OLD, KEY_NEW = "connect-key-2025-rotated-out", "connect-key-2026-current"
ENVELOPE = "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42"
# The DocuSign account of the `hooked` connection, which its Connect messages name.
ACCOUNT = "c4a7e2d9-3f18-4b6c-a05e-9d2b7f61c843"


@pytest.fixture(autouse=True)
def connect_environment(stack: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables the template gives the Connect functions (queue, event bus…)."""
    from docusign_connector.container import reset_services

    stack.use_environment_of(
        monkeypatch, "DocuSignWebhookFunction", "EventsFunction", "ReconcileFunction"
    )
    yield
    reset_services()


@pytest.fixture(scope="module")
def hooked(connections: Any) -> Any:
    return connections.create(
        "hooked", secret_overrides={"connectHmacKeys": [KEY_OLD, KEY_NEW]}, account_id=ACCOUNT
    )


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
            "accountId": ACCOUNT,
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
    # The sample's signatures and account are its own; the test gives its own.
    kept = {
        k: v
        for k, v in event["headers"].items()
        if not k.startswith(("X-DocuSign-Sig", "X-DocuSign-AccountId"))
    }
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


# ------------------------------------------------------------------------------- events


@pytest.fixture(scope="module")
def status_changes(stack: Any) -> str:
    """A queue subscribed to the connector's bus, as a downstream system would subscribe."""
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="connector-test-status-changes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = stack.resources["ConnectorEventBus"]
    events.put_rule(
        Name="status-changes",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["docusign-connector"], "detail-type": ["Envelope Status Changed"]}
        ),
    )
    events.put_targets(
        Rule="status-changes", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}]
    )
    return url


def published(stack: Any, url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for item in messages:
            event = json.loads(item["Body"])
            assert event["source"] == "docusign-connector"
            assert event["detail-type"] == "Envelope Status Changed"
            found.append(event["detail"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=item["ReceiptHandle"])


def queued(connection: str, payload: dict[str, Any]) -> str:
    """The queue message the webhook makes of a Connect message."""
    from docusign_connector.sync.messages import parse_message

    event = parse_message(connection, json.dumps(payload).encode())
    assert event is not None
    return json.dumps(event.to_message())


def apply_batch(bodies: list[str]) -> dict[str, Any]:
    """EventsFunction on one SQS batch, as Lambda calls it."""
    from functions.process_events import app
    from tests.support.lambda_events import FakeLambdaContext

    event = {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:ConnectEventsQueue",
                "awsRegion": REGION,
            }
            for index, body in enumerate(bodies)
        ]
    }
    return app.lambda_handler(event, FakeLambdaContext("events"))


def raw_item(stack: Any, envelope_id: str) -> dict[str, Any]:
    table = stack.client("dynamodb")
    return table.get_item(
        TableName=stack.table, Key={"pk": {"S": f"ENV#{envelope_id}"}, "sk": {"S": "STATE"}}
    ).get("Item", {})


def history(envelope_id: str) -> list[dict[str, Any]]:
    from docusign_connector.container import get_services

    return get_services().store.history(envelope_id)


def new_id(connection: Any, emulator: Any, status: str = "sent") -> str:
    """The id of an envelope that exists at DocuSign, sent by the connection's user, that
    the connector does not track yet."""
    import uuid

    from tests.integration.helpers import seed_envelope

    envelope_id = str(uuid.uuid4())
    seed_envelope(emulator, connection.account_id, connection.user_id, envelope_id, status=status)
    return envelope_id


def at(second: int) -> str:
    return f"2026-11-22T10:00:{second:02d}.1234567Z"


def signers(*statuses: str) -> dict[str, Any]:
    return {
        "signers": [
            {
                "recipientId": str(index),
                "email": f"s{index}@example.com",
                "name": f"Signer {index}",
                "routingOrder": "1",
                "status": status,
            }
            for index, status in enumerate(statuses, start=1)
        ]
    }


def test_event_for_an_untracked_envelope_is_tracked_and_published(
    hooked: Any, emulator: Any, stack: Any, status_changes: str
) -> None:
    published(stack, status_changes)
    envelope_id = new_id(hooked, emulator)
    payload = message(
        "envelope-sent",
        envelope_id,
        generated=at(1),
        recipients=signers("sent"),
        customFields={"textCustomFields": [{"name": "caseId", "value": "QF-7"}]},
    )
    assert apply_batch([queued("hooked", payload)]) == {"batchItemFailures": []}
    result = invoke_status("hooked", envelope_id)
    assert result["status"] == "sent"
    assert result["source"] == "connect"
    assert result["customFields"] == {"caseId": "QF-7"}
    assert result["recipients"][0]["status"] == "sent"
    (notice,) = published(stack, status_changes)
    # The notice's id, the same however often it is published (callbacks de-duplicate on it).
    assert re.fullmatch(r"[0-9a-f]{32}", notice.pop("eventId"))
    assert notice == {
        "connection": "hooked",
        "envelopeId": envelope_id,
        "oldStatus": None,
        "newStatus": "sent",
        "statusChangedDateTime": "2026-11-22T10:00:01.123Z",
        "customFields": {"caseId": "QF-7"},
        "emailSubject": "Please sign",
        "source": "connect",
        "event": "envelope-sent",
    }


def invoke_status(connection: str, envelope_id: str) -> dict[str, Any]:
    from tests.integration.helpers import status

    result = status(connection, envelope_id, {"include": "history"})
    assert result.status == 200, result.body
    return dict(result.body)


def test_duplicate_delivery_changes_nothing(
    hooked: Any, emulator: Any, stack: Any, status_changes: str
) -> None:
    envelope_id = new_id(hooked, emulator)
    sent = queued("hooked", message("envelope-sent", envelope_id, generated=at(1)))
    delivered = queued(
        "hooked",
        message(
            "recipient-delivered",
            envelope_id,
            generated=at(2),
            status="sent",
            recipients=signers("delivered"),
        ),
    )
    apply_batch([sent, delivered])
    published(stack, status_changes)
    before, history_before = raw_item(stack, envelope_id), history(envelope_id)

    assert apply_batch([sent, delivered, sent]) == {"batchItemFailures": []}
    # DocuSign's own retry (retryCount 1, so other bytes and signature) is the same event.
    retried = message("envelope-sent", envelope_id, generated=at(1)) | {"retryCount": 1}
    drain(stack)
    assert post_webhook("hooked", retried, [KEY_NEW]).status == 200
    (requeued,) = drain(stack)
    assert apply_batch([json.dumps(requeued)]) == {"batchItemFailures": []}

    assert raw_item(stack, envelope_id) == before
    assert history(envelope_id) == history_before
    assert published(stack, status_changes) == []


def test_out_of_order_delivery_keeps_the_newer_status(
    hooked: Any, emulator: Any, stack: Any, status_changes: str
) -> None:
    published(stack, status_changes)
    envelope_id = new_id(hooked, emulator)
    newer = queued("hooked", message("envelope-delivered", envelope_id, generated=at(5)))
    older = queued("hooked", message("envelope-sent", envelope_id, generated=at(3)))
    apply_batch([newer])
    apply_batch([older])
    result = invoke_status("hooked", envelope_id)
    assert result["status"] == "delivered"
    assert result["statusChangedDateTime"] == "2026-11-22T10:00:05.123Z"
    # both events are in the history, oldest first
    assert [h["event"] for h in result["history"]] == ["envelope-sent", "envelope-delivered"]
    assert [n["newStatus"] for n in published(stack, status_changes)] == ["delivered"]


def test_equal_times_order_by_progress_and_a_finished_envelope_stays_finished(
    hooked: Any, emulator: Any, stack: Any
) -> None:
    envelope_id = new_id(hooked, emulator, "declined")
    first = apply_batch(
        [queued("hooked", message("envelope-declined", envelope_id, generated=at(7)))]
    )
    assert first == {"batchItemFailures": []}
    # same moment, less progress: ignored
    apply_batch([queued("hooked", message("envelope-delivered", envelope_id, generated=at(7)))])
    # a later clock cannot reopen a finished envelope either
    apply_batch([queued("hooked", message("envelope-sent", envelope_id, generated=at(9)))])
    assert invoke_status("hooked", envelope_id)["status"] == "declined"


def test_recipient_event_without_a_summary_raises_only_its_recipient(
    hooked: Any, emulator: Any
) -> None:
    envelope_id = new_id(hooked, emulator)
    apply_batch(
        [
            queued(
                "hooked",
                message(
                    "envelope-sent",
                    envelope_id,
                    generated=at(1),
                    recipients=signers("sent", "sent"),
                ),
            )
        ]
    )
    bare = message("recipient-completed", envelope_id, generated=at(2))
    del bare["data"]["envelopeSummary"]
    bare["data"]["recipientId"] = "2"
    apply_batch([queued("hooked", bare)])
    result = invoke_status("hooked", envelope_id)
    assert [r["status"] for r in result["recipients"]] == ["sent", "completed"]
    assert result["status"] == "sent"


def test_burst_of_200_events_for_50_envelopes_loses_no_update(
    hooked: Any, emulator: Any, stack: Any, status_changes: str
) -> None:
    """Four events per envelope, shuffled and applied by eight concurrent workers (as
    concurrent Lambda invocations would): every envelope ends with every update."""
    import random
    from concurrent.futures import ThreadPoolExecutor

    from docusign_connector.config import get_settings
    from docusign_connector.container import Services
    from docusign_connector.sync.apply import apply_connect_message

    published(stack, status_changes)
    envelopes = [new_id(hooked, emulator) for _ in range(50)]
    bodies = []
    for envelope_id in envelopes:
        bodies.append(
            queued(
                "hooked",
                message(
                    "envelope-sent",
                    envelope_id,
                    generated=at(1),
                    recipients=signers("sent", "sent", "sent"),
                ),
            )
        )
        for second, recipient in ((2, "1"), (3, "2")):
            bare = message("recipient-completed", envelope_id, generated=at(second))
            del bare["data"]["envelopeSummary"]
            bare["data"]["recipientId"] = recipient
            bodies.append(queued("hooked", bare))
        delivered = message("envelope-delivered", envelope_id, generated=at(4))
        del delivered["data"]["envelopeSummary"]
        bodies.append(queued("hooked", delivered))
    assert len(bodies) == 200
    random.Random(5).shuffle(bodies)

    settings = get_settings()

    def worker(share: list[str]) -> int:
        services = Services.build(settings)
        for body in share:
            apply_connect_message(body, services=services)
        return len(share)

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert sum(pool.map(worker, [bodies[i::8] for i in range(8)])) == 200

    notices = published(stack, status_changes)
    for envelope_id in envelopes:
        result = invoke_status("hooked", envelope_id)
        assert result["status"] == "delivered", envelope_id
        assert [(r["email"], r["status"]) for r in result["recipients"]] == [
            ("s1@example.com", "completed"),
            ("s2@example.com", "completed"),
            ("s3@example.com", "sent"),
        ], envelope_id
        assert len(result["history"]) == 4, result["history"]
        mine = [n for n in notices if n["envelopeId"] == envelope_id]
        assert mine and mine[-1]["newStatus"] == "delivered"
        assert len({(n["oldStatus"], n["newStatus"]) for n in mine}) == len(mine)


def test_poison_message_goes_to_the_dead_letter_queue_without_blocking_the_others(
    hooked: Any, emulator: Any, stack: Any
) -> None:
    """Through the real queues, drained as Lambda's event source mapping drains them."""
    from functions.process_events import app
    from local.emulator.tests.helpers import wait_for
    from local.pollers import EventSourcePoller
    from tests.support.lambda_events import FakeLambdaContext

    sqs = stack.client("sqs")
    queue, dead = (
        stack.resources["ConnectEventsQueue"],
        stack.resources["ConnectEventsDeadLetterQueue"],
    )
    drain(stack)
    drain(stack, "ConnectEventsDeadLetterQueue")
    redrive = json.loads(
        sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    assert redrive["deadLetterTargetArn"].endswith(dead.rsplit("/", 1)[-1])
    # Seconds instead of the deployed 12 minutes, so the retries happen while we wait.
    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "1"})
    envelopes = [new_id(hooked, emulator) for _ in range(5)]
    try:
        sqs.send_message(QueueUrl=queue, MessageBody="{not json")
        for envelope_id in envelopes:
            sqs.send_message(
                QueueUrl=queue,
                MessageBody=queued(
                    "hooked", message("envelope-sent", envelope_id, generated=at(1))
                ),
            )
        poller = EventSourcePoller(
            TEMPLATE,
            {"ConnectEventsQueue": queue},
            lambda function_id, event: app.lambda_handler(event, FakeLambdaContext("events")),
            stack.endpoint_url,
            region=REGION,
            log=lambda line: None,
        )
        with poller:
            dead_letters = wait_for(
                lambda: sqs.receive_message(QueueUrl=dead, WaitTimeSeconds=0).get("Messages"),
                timeout=30,
            )
    finally:
        sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "720"})
    assert [m["Body"] for m in dead_letters] == ["{not json"]
    for envelope_id in envelopes:
        assert invoke_status("hooked", envelope_id)["status"] == "sent"


def test_after_envelope_completed_the_documents_action_makes_no_docusign_call(
    hooked: Any, stack: Any, emulator: Any, status_changes: str
) -> None:
    """The emulator's own Connect messages, signed with the account's key, through the
    webhook and the queue: the completed envelope is archived, then served from S3."""
    from docusign_connector.container import get_services
    from local.emulator.connect import add_configuration
    from local.emulator.tests.helpers import Listener, wait_for
    from tests.integration.helpers import documents, docusign_requests, send, simple_body

    listener = Listener()
    config = add_configuration(
        emulator.state,
        account_id=hooked.account_id,
        url=listener.url,
        hmac_keys=[KEY_NEW],
        events=["envelope-sent", "envelope-delivered", "envelope-completed", "recipient-completed"],
    )
    try:
        drain(stack)
        published(stack, status_changes)
        sent = send("hooked", simple_body(customFields={"caseId": "QF-1042"}))
        assert sent.status == 201, sent.body
        envelope_id = sent.body["envelopeId"]
        emulator.state.complete(envelope_id)
        wait_for(lambda: any(b"envelope-completed" in r["body"] for r in listener.received))
    finally:
        emulator.state.connect_configs.pop(config["configurationId"], None)
        listener.stop()

    for delivery in listener.received:
        headers = {k: v for k, v in delivery["headers"].items() if k.lower().startswith("x-")}
        result = invoke("docusign_webhook", webhook_event("hooked", delivery["body"], headers))
        assert result.status == 200, result.body
    bodies = [json.dumps(body) for body in drain(stack)]
    assert len(bodies) == len(listener.received) >= 3
    assert get_services().events_queue.url == stack.resources["ConnectEventsQueue"]
    assert apply_batch(bodies) == {"batchItemFailures": []}

    record = invoke_status("hooked", envelope_id)
    assert record["status"] == "completed"
    assert record["recipients"][0]["status"] == "completed"
    changes = [(n["oldStatus"], n["newStatus"]) for n in published(stack, status_changes)]
    assert changes == [("sent", "delivered"), ("delivered", "completed")]

    emulator.state.clear_requests()
    result = documents("hooked", envelope_id)
    assert result.status == 200, result.body
    assert docusign_requests(emulator) == []
    assert result.body["status"] == "completed"
    assert result.body["summary"]["s3Key"] == f"signed/hooked/{envelope_id}/summary.pdf"
    s3 = stack.client("s3")
    for document in [*result.body["documents"], result.body["summary"]]:
        body = s3.get_object(Bucket=stack.bucket, Key=document["s3Key"])["Body"].read()
        assert body.startswith(b"%PDF")
        assert hashlib.sha256(body).hexdigest() == document["sha256"]


# ------------------------------------------------------------------------------ reconcile


@pytest.fixture(scope="module")
def quiet(connections: Any) -> Any:
    """A connection whose account has no Connect configuration at all."""
    return connections.create("quiet-account")


def test_reconciler_catches_a_change_that_no_event_reported(
    quiet: Any, stack: Any, emulator: Any, status_changes: str
) -> None:
    import re

    from docusign_connector.sync.reconcile import reconcile_connection
    from tests.integration.helpers import documents, docusign_requests, send, simple_body

    published(stack, status_changes)
    changed = send("quiet-account", simple_body(customFields={"caseId": "QF-9"})).body["envelopeId"]
    unchanged = send("quiet-account", simple_body()).body["envelopeId"]
    emulator.state.complete(changed)  # no Connect: nobody tells the connector
    emulator.state.clear_requests()

    run = reconcile_connection("quiet-account")

    assert run.error is None and run.changed == 2
    requests = docusign_requests(emulator)
    listings = [r for r in requests if r["method"] == "GET" and r["path"].endswith("/envelopes")]
    assert len(listings) == 1  # one call for the connection ...
    assert listings[0]["query"]["from_date"] == run.from_date
    # ... and never one per envelope (only the archive of the completed one follows)
    assert not [r for r in requests if re.search(r"/envelopes/[0-9a-f-]{36}$", r["path"])]
    record = invoke_status("quiet-account", changed)
    assert record["status"] == "completed"
    assert record["source"] == "reconcile"
    assert record["history"][-1]["event"] == "envelope-completed"
    assert record["history"][-1]["source"] == "reconcile"
    assert invoke_status("quiet-account", unchanged)["status"] == "sent"
    (notice,) = published(stack, status_changes)
    assert (notice["envelopeId"], notice["oldStatus"], notice["newStatus"]) == (
        changed,
        "sent",
        "completed",
    )
    assert notice["customFields"] == {"caseId": "QF-9"}

    emulator.state.clear_requests()
    assert documents("quiet-account", changed).status == 200
    assert docusign_requests(emulator) == []  # archived by the reconciler

    # The next run starts from this one (minus the overlap), and applies nothing twice.
    again = reconcile_connection("quiet-account")
    assert again.from_date > run.from_date
    assert again.applied == 0
    assert published(stack, status_changes) == []


def test_reconcile_function_goes_through_every_connection_and_survives_failures(
    quiet: Any, connections: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docusign_connector.adapters.secrets import ConnectionRepository
    from docusign_connector.container import get_services
    from functions.reconcile import app
    from tests.support.lambda_events import FakeLambdaContext

    connections.create("no-consent-yet", consented=False)
    listed = ConnectionRepository("docusign-connector/connections").names()
    assert {"quiet-account", "no-consent-yet"} <= set(listed)
    monkeypatch.setattr(
        get_services().connections, "names", lambda: ["no-consent-yet", "quiet-account"]
    )
    result = app.lambda_handler({"source": "aws.events"}, FakeLambdaContext("reconcile"))
    failed, done = result["connections"]
    assert failed["connection"] == "no-consent-yet" and failed["error"] == "CONSENT_REQUIRED"
    assert done["connection"] == "quiet-account" and done["error"] is None


# ------------------------------------------------------------------- connections tool


def test_connections_tool_registers_the_webhook_and_rotates_hmac_keys(
    connections: Any, emulator: Any, stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from admin.connections import main

    tool = connections.create("tool-connect", secret_overrides={"connectHmacKeys": ["key-2025"]})
    # DocuSign makes the account's keys; the operator copies the new one into the connection.
    emulator.state.connect_hmac_keys[tool.account_id] = ["key-2025", "key-2026"]
    api_url = "https://abc123defg.execute-api.us-east-1.amazonaws.com/v1"

    def run(*argv: str) -> tuple[int, dict[str, Any]]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, json.loads(out.out if code == 0 else out.err)

    def stored_keys() -> list[str]:
        manager = stack.client("secretsmanager")
        credentials = manager.get_secret_value(
            SecretId="docusign-connector/connections/tool-connect"
        )
        # The keys live only in the Connect secret, which the webhook can read.
        assert "connectHmacKeys" not in json.loads(credentials["SecretString"])
        secret = manager.get_secret_value(
            SecretId="docusign-connector/connections/tool-connect/connect"
        )
        assert set(json.loads(secret["SecretString"])) == {"connectHmacKeys"}
        return list(json.loads(secret["SecretString"])["connectHmacKeys"])

    code, first = run("connect", "tool-connect", "--api-url", api_url, "--hmac-key", "key-2026")
    try:
        assert code == 0, first
        assert first["created"] is True
        assert first["webhookUrl"] == f"{api_url}/webhooks/docusign/tool-connect"
        assert first["connectHmacKeys"] == 2
        assert stored_keys() == ["key-2025", "key-2026"]  # both accepted during the rotation
        mine = [
            c for c in emulator.state.connect_configs.values() if c["url"] == first["webhookUrl"]
        ]
        (config,) = mine
        assert config["accountId"] == tool.account_id
        assert config["hmacKeys"] == ["key-2025", "key-2026"]  # includeHMAC was asked for
        assert (
            "envelope-completed" in config["events"] and "recipient-completed" in config["events"]
        )
        assert set(config["includeData"]) == {"custom_fields", "recipients"}
        assert "key-2026" not in json.dumps(first)  # keys are never printed
        # Only the connection's own user: another connection of the account gets nothing.
        (posted,) = [
            r["json"]
            for r in emulator.state.requests
            if r["method"] == "POST"
            and r["path"].endswith("/connect")
            and r["json"]["urlToPublishTo"] == first["webhookUrl"]
        ]
        assert posted["allUsers"] == "false" and posted["userIds"] == [tool.user_id]

        code, again = run("connect", "tool-connect", "--api-url", api_url)
        assert code == 0 and again["created"] is False
        assert again["connectId"] == first["connectId"]
        assert len(emulator.state.connect_configs) >= 1
        assert (
            sum(c["url"] == first["webhookUrl"] for c in emulator.state.connect_configs.values())
            == 1
        )

        code, retired = run(
            "connect",
            "tool-connect",
            "--api-url",
            api_url,
            "--hmac-key",
            "key-2026",
            "--retire-old-keys",
        )
        assert code == 0 and retired["connectHmacKeys"] == 1
        assert stored_keys() == ["key-2026"]

        code, refused = run("connect", "tool-connect", "--webhook-url", "http://example.com/hook")
        assert code == 1 and refused["error"]["code"] == "INVALID_WEBHOOK_URL"
    finally:
        for config_id, config in list(emulator.state.connect_configs.items()):
            if config["accountId"] == tool.account_id:
                emulator.state.connect_configs.pop(config_id)


def test_connect_follows_the_connection_s_allowed_senders(
    connections: Any, emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """DESIGN §12: the Connect configuration's users are the connection's own and its allowed
    senders' (e-mails looked up); "*" is every user's; a change is applied to it."""
    from admin.connections import main
    from local.emulator.membership import add_user

    tool = connections.create(
        "senders-connect",
        secret_overrides={"connectHmacKeys": ["k1"], "allowedSenders": ["ana@sales.example"]},
    )
    ana = add_user(emulator.state, tool.account_id, name="Ana", email="ana@sales.example")
    api_url = "https://abc123defg.execute-api.us-east-1.amazonaws.com/v1"

    def run(*argv: str) -> dict[str, Any]:
        code = main(list(argv))
        out = capsys.readouterr()
        assert code == 0, out.err
        answer: dict[str, Any] = json.loads(out.out)
        return answer

    try:
        first = run("connect", "senders-connect", "--api-url", api_url)
        assert first["users"] == [tool.user_id, ana]
        (config,) = [
            c for c in emulator.state.connect_configs.values() if c["accountId"] == tool.account_id
        ]
        assert config["userIds"] == [tool.user_id, ana]
        run("put", "senders-connect", "--allowed-senders", "*")
        again = run("connect", "senders-connect", "--api-url", api_url)
        assert again["created"] is False and again["users"] == "all"
        assert config["userIds"] is None  # updated in place: allUsers true
        (update,) = [
            r
            for r in emulator.state.requests
            if r["method"] == "PUT" and r["path"].endswith("/connect")
        ]
        assert update["json"]["allUsers"] == "true"
    finally:
        for config_id, config in list(emulator.state.connect_configs.items()):
            if config["accountId"] == tool.account_id:
                emulator.state.connect_configs.pop(config_id)


# ------------------------------------------------------------------------- local stack


@pytest.fixture
def restore_environment() -> Any:
    import os

    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


def test_local_stack_a_signature_shows_up_in_the_status_within_seconds(
    restore_environment: Any,
) -> None:
    """The whole loop on loopback: emulator -> Connect -> local API webhook -> SQS ->
    EventsFunction -> table; then the documents come from S3 with no DocuSign call."""
    import time

    import boto3
    import requests

    from local.stack import DEMO_CONNECTION, LocalStack, StackConfig
    from tests.integration.helpers import b64, sample_pdf

    with LocalStack(StackConfig(api_port=0, aws_port=0, emulator_port=0, lambda_port=0)) as local:
        description = local.describe()
        assert description["connect"]["webhookUrl"] == (
            f"{description['api']['url']}/v1/webhooks/docusign/{DEMO_CONNECTION}"
        )
        base = f"{description['api']['url']}/v1/connections/{DEMO_CONNECTION}"
        caller = requests.Session()
        caller.headers.update(local.api_headers)
        sent = caller.post(
            f"{base}/envelopes",
            json={
                "emailSubject": "Connect end to end",
                "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
                "signers": [{"email": "ana@example.com", "name": "Ana"}],
            },
            timeout=30,
        )
        assert sent.status_code == 201, sent.text
        envelope_id = sent.json()["envelopeId"]
        local.emulator.state.sign(envelope_id, "1")

        deadline = time.monotonic() + 20
        while True:
            status = caller.get(
                f"{base}/envelopes/{envelope_id}", params={"include": "history"}, timeout=30
            ).json()
            if status["status"] == "completed" and any(
                h["event"] == "envelope-completed" for h in status["history"]
            ):
                break
            assert time.monotonic() < deadline, status
            time.sleep(0.2)
        assert status["source"] == "connect"
        assert status["recipients"][0]["status"] == "completed"
        # Every message was accepted (the emulator marks one delivered once it has our 200).
        deliveries = local.emulator.state.connect_deliveries
        while not all(d["status"] == "delivered" for d in deliveries):
            assert time.monotonic() < deadline + 10, deliveries
            time.sleep(0.1)
        assert len(deliveries) >= 4

        # The archive is made right after the status is written: wait for it too.
        table = boto3.client(
            "dynamodb", endpoint_url=description["aws"]["endpointUrl"], region_name=REGION
        )
        key = {"pk": {"S": f"ENV#{envelope_id}"}, "sk": {"S": "STATE"}}
        while (
            not table.get_item(
                TableName=description["resources"]["EnvelopeTable"], Key=key, ConsistentRead=True
            )["Item"]
            .get("documents_archived", {})
            .get("BOOL")
        ):
            assert time.monotonic() < deadline + 10
            time.sleep(0.2)
        local.emulator.state.clear_requests()
        documents = caller.get(f"{base}/envelopes/{envelope_id}/documents", timeout=30)
        assert documents.status_code == 200, documents.text
        assert [r for r in local.emulator.state.requests if "/restapi/" in r["path"]] == []


def test_made_up_connection_names_do_not_reach_secrets_manager_each_time(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docusign_connector.container import get_services

    services = get_services()
    asked = []
    real_get = services.connections.connect_keys

    def counting_get(name: str, **kwargs: Any) -> Any:
        asked.append(name)
        return real_get(name, **kwargs)

    # The webhook reads only the Connect secret of a connection.
    monkeypatch.setattr(services.connections, "connect_keys", counting_get)
    for _ in range(3):
        result = post_webhook("made-up-name", message(), [KEY_NEW])
        assert result.status == 401
    assert asked == ["made-up-name"]
    assert drain(stack) == []


def test_reconcile_pages_one_window_and_never_steps_over_an_envelope(
    connections: Any, stack: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page 1 is read, then an envelope on it changes again (it leaves the window): the
    positions move by one. The run must still see the envelope that moved onto page 1."""
    from docusign_connector.sync import reconcile
    from tests.integration.helpers import docusign_requests, send, simple_body

    connections.create("paged-account")
    first, second, late, last = (
        send("paged-account", simple_body()).body["envelopeId"] for _ in range(4)
    )
    emulator.state.complete(late)  # changed before the run: listed last
    emulator.state.clear_requests()
    monkeypatch.setattr(reconcile, "PAGE_SIZE", 3)
    original_log = emulator.state.log_request

    def change_after_first_page(entry: dict[str, Any]) -> None:
        original_log(entry)
        query = entry.get("query") or {}
        if entry["path"].endswith("/envelopes") and query.get("start_position") == "0":
            envelope = emulator.state.envelopes[first]
            if envelope["status"] == "sent":
                emulator.state.void(envelope, "changed while the run was paging")

    monkeypatch.setattr(emulator.state, "log_request", change_after_first_page)

    run = reconcile.reconcile_connection("paged-account")

    assert run.error is None
    # the envelope that moved onto the page already read was seen, once
    assert invoke_status("paged-account", late)["status"] == "completed"
    assert run.changed == 4
    listings = [
        r["query"]
        for r in docusign_requests(emulator)
        if r["method"] == "GET" and r["path"].endswith("/envelopes")
    ]
    assert len(listings) >= 2
    assert {q["count"] for q in listings} == {"3"}
    assert len({q["to_date"] for q in listings}) == 1  # one window for every page
    assert {q["from_date"] for q in listings} == {run.from_date}
    assert invoke_status("paged-account", last)["status"] == "sent"
    assert invoke_status("paged-account", second)["status"] == "sent"


def test_history_lists_events_as_docusign_generated_them_and_names_recipients(
    hooked: Any, stack: Any, emulator: Any
) -> None:
    envelope_id = new_id(hooked, emulator)
    signed = message(
        "recipient-completed",
        envelope_id,
        generated=at(7),
        status="delivered",
        recipients=signers("completed"),
    )
    signed["data"]["recipientId"] = "1"
    # completed arrives first, delivered at the same instant: DocuSign made delivered first
    completed = message("envelope-completed", envelope_id, generated=at(8))
    delivered = message("envelope-delivered", envelope_id, generated=at(8))
    apply_batch([queued("hooked", message("envelope-sent", envelope_id, generated=at(1)))])
    apply_batch([queued("hooked", signed)])
    emulator.state.complete(envelope_id)  # DocuSign confirms the completion
    apply_batch([queued("hooked", completed)])
    apply_batch([queued("hooked", delivered)])

    history_entries = invoke_status("hooked", envelope_id)["history"]
    assert [(h["event"], h["status"]) for h in history_entries] == [
        ("envelope-sent", "sent"),
        ("recipient-completed", "completed"),
        ("envelope-delivered", "delivered"),
        ("envelope-completed", "completed"),
    ]
    recipient_event = history_entries[1]
    assert (
        recipient_event["recipientId"],
        recipient_event["recipientName"],
        recipient_event["recipientEmail"],
    ) == ("1", "Signer 1", "s1@example.com")


def test_account_header_fills_in_or_contradicts_the_messages_account(
    hooked: Any, stack: Any
) -> None:
    drain(stack)
    bare = message()
    del bare["data"]["accountId"]
    body = json.dumps(bare).encode()
    headers = {**sign_body(body, [KEY_NEW]), "X-DocuSign-AccountId": ACCOUNT}
    result = invoke("docusign_webhook", webhook_event("hooked", body, headers))
    assert result.status == 200, result.body
    (queued_message,) = drain(stack)
    assert queued_message["accountId"] == ACCOUNT

    body = json.dumps(message()).encode()
    other = "0f9e8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
    headers = {**sign_body(body, [KEY_NEW]), "X-DocuSign-AccountId": other}
    refused = invoke("docusign_webhook", webhook_event("hooked", body, headers))
    assert refused.status == 400
    assert refused.body["error"]["code"] == "ACCOUNT_MISMATCH"
    assert drain(stack) == []
