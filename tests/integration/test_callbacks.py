"""Callbacks to the caller: signed, retried after a 500, never to private addresses, one
effect when SQS delivers a message twice. The bus → rule → callback queue path is the one
template.yaml declares (created in moto by the local stack's resource builder)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.integration.helpers import envelope_creates, send, simple_body
from tests.integration.test_after_send import background_environment, connect_message  # noqa: F401
from tests.integration.test_connect import apply_batch

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

SECRET = "callback-secret-for-tests"


class Receiver:
    """A caller's callback endpoint: records each POST, answers the queued statuses."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body})
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/docusign?x=1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def receiver() -> Any:
    server = Receiver()
    yield server
    server.server.shutdown()


@pytest.fixture(scope="module")
def calling(connections: Any) -> Any:
    return connections.create("calling", secret_overrides={"callbackSecret": SECRET})


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_ALLOW_LOOPBACK", "true")


@pytest.fixture(autouse=True)
def empty_callback_queue(stack: Any) -> None:
    """Other tests' envelopes reach the callback queue through the bus rule too: each test
    here starts with it empty, whatever ran before."""
    sqs, url = stack.client("sqs"), stack.resources["CallbackQueue"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What the README tells a receiver to do."""
    timestamp = headers["X-Connector-Timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest("v1=" + expected.hexdigest(), headers["X-Connector-Signature"])


def queued_callbacks(stack: Any) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    messages = sqs.receive_message(
        QueueUrl=stack.resources["CallbackQueue"],
        MaxNumberOfMessages=10,
        AttributeNames=["ApproximateReceiveCount"],
    ).get("Messages", [])
    return messages


def deliver(messages: list[dict[str, Any]], receive_count: int = 1) -> dict[str, Any]:
    from functions.deliver_callbacks import app
    from tests.support.lambda_events import FakeLambdaContext

    event = {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": {"ApproximateReceiveCount": str(receive_count)},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:CallbackQueue",
                "awsRegion": "us-east-1",
            }
            for m in messages
        ]
    }
    return app.lambda_handler(event, FakeLambdaContext("callbacks"))


def sent_with_callback(url: str) -> str:
    result = send("calling", simple_body(callbackUrl=url, customFields={"caseId": "C-9"}))
    assert result.status == 201, result.body
    return str(result.body["envelopeId"])


def test_a_status_change_is_posted_signed_retried_after_a_500_and_posted_once(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver
) -> None:
    queued_callbacks(stack)  # start empty
    envelope_id = sent_with_callback(receiver.url)
    emulator.state.mark_delivered(envelope_id, "1")
    assert apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)]) == {
        "batchItemFailures": []
    }
    [message] = queued_callbacks(stack)
    receiver.received.clear()
    receiver.answers[:] = [500]
    # First try: the receiver answers 500, the message fails and waits its backoff.
    first = deliver([message])
    assert first == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert queued_callbacks(stack) == []  # hidden for its backoff, not redelivered at once
    # Second try (SQS delivers it again): 200.
    assert deliver([message], receive_count=2) == {"batchItemFailures": []}
    # SQS hands the same message out once more: no second effect.
    assert deliver([message], receive_count=3) == {"batchItemFailures": []}
    assert len(receiver.received) == 2
    bodies = [r["body"] for r in receiver.received]
    assert bodies[0] != b"" and json.loads(bodies[0])["eventId"] == json.loads(bodies[1])["eventId"]
    delivered = receiver.received[1]
    assert verify(SECRET, delivered["headers"], delivered["body"])
    assert not verify("another-secret", delivered["headers"], delivered["body"])
    assert delivered["headers"]["Content-Type"] == "application/json"
    payload = json.loads(delivered["body"])
    assert len(payload.pop("eventId")) == 32
    assert payload.pop("time")
    assert payload == {
        "eventType": "Envelope Status Changed",
        "connection": "calling",
        "envelopeId": envelope_id,
        "oldStatus": "sent",
        "newStatus": "delivered",
        "statusChangedDateTime": payload["statusChangedDateTime"],
        "customFields": {"caseId": "C-9"},
        "emailSubject": "Please sign",
        "source": "connect",
        "event": "envelope-delivered",
    }


def test_a_bounce_is_posted_too(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver
) -> None:
    queued_callbacks(stack)
    emulator.state.bouncing_addresses["lost@example.com"] = "smtp; 550 no such user"
    envelope_id = str(
        send(
            "calling",
            simple_body(
                callbackUrl=receiver.url, signers=[{"email": "lost@example.com", "name": "L"}]
            ),
        ).body["envelopeId"]
    )
    apply_batch([connect_message(calling, envelope_id, "recipient-autoresponded", "1")])
    receiver.received.clear()
    assert deliver(queued_callbacks(stack)) == {"batchItemFailures": []}
    [posted] = [json.loads(r["body"]) for r in receiver.received]
    assert posted["eventType"] == "Recipient Email Bounced"
    assert (posted["recipientId"], posted["reason"]) == ("1", "smtp; 550 no such user")


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hook",
        "https://192.168.1.20/hook",
        "https://[fd00:ec2::254]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://100.64.1.1/hook",
        "http://example.com/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
    ],
)
def test_private_addresses_and_plain_http_are_refused_at_send(
    calling: Any, emulator: Any, url: str
) -> None:
    emulator.state.clear_requests()
    result = send("calling", simple_body(callbackUrl=url))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "CALLBACK_URL_NOT_ALLOWED"
    assert envelope_creates(emulator) == []


def test_loopback_is_refused_outside_the_local_stack(
    calling: Any, emulator: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CALLBACK_ALLOW_LOOPBACK", "false")
    emulator.state.clear_requests()
    result = send("calling", simple_body(callbackUrl=receiver.url.replace("http:", "https:")))
    assert result.status == 400
    assert result.body["error"]["code"] == "CALLBACK_URL_NOT_ALLOWED"
    assert envelope_creates(emulator) == []


def test_a_connection_without_a_callback_secret_cannot_take_a_callback_url(
    connections: Any, emulator: Any, receiver: Receiver
) -> None:
    connections.create("no-secret")
    emulator.state.clear_requests()
    result = send("no-secret", simple_body(callbackUrl=receiver.url))
    assert result.status == 422
    assert result.body["error"]["code"] == "CALLBACK_SECRET_MISSING"
    assert envelope_creates(emulator) == []


def test_a_callback_key_left_in_the_credentials_secret_is_not_used(
    connections: Any, emulator: Any, receiver: Receiver, stack: Any
) -> None:
    """Connections from before the callback key had its own secret: the callback function
    cannot read the credentials, so such a key signs nothing; the send says how to move it."""
    import boto3

    registered = connections.create("legacy-callbacks")
    boto3.client("secretsmanager").put_secret_value(
        SecretId=f"{stack.environment['CONNECTIONS_SECRET_PREFIX']}/legacy-callbacks",
        SecretString=json.dumps({**registered.secret, "callbackSecret": SECRET}),
    )
    emulator.state.clear_requests()
    result = send("legacy-callbacks", simple_body(callbackUrl=receiver.url))
    assert result.status == 422
    assert result.body["error"]["code"] == "CALLBACK_SECRET_MISSING"
    assert "python -m admin put" in result.body["error"]["message"]
    assert envelope_creates(emulator) == []


def test_delivering_never_reads_the_connection_s_credentials(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docusign_connector.adapters.secrets import ConnectionRepository
    from docusign_connector.container import reset_services

    queued_callbacks(stack)
    envelope_id = sent_with_callback(receiver.url)
    emulator.state.mark_delivered(envelope_id, "1")
    apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)])
    receiver.received.clear()
    reset_services()  # a new callback container: nothing cached

    def no_credentials(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the callback function read a connection's credentials")

    monkeypatch.setattr(ConnectionRepository, "get", no_credentials)
    assert deliver(queued_callbacks(stack)) == {"batchItemFailures": []}
    [posted] = receiver.received
    assert verify(SECRET, posted["headers"], posted["body"])


def test_an_address_that_became_private_is_refused_at_delivery(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver
) -> None:
    from docusign_connector.container import get_services

    queued_callbacks(stack)
    envelope_id = sent_with_callback(receiver.url)
    # What the name resolves to changed since the send: now a private address.
    store = get_services().store
    record = store.get(envelope_id)
    assert record is not None
    record.callback_url = "https://10.1.2.3/hook"
    store.save(record)
    emulator.state.mark_delivered(envelope_id, "1")
    apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)])
    receiver.received.clear()
    assert deliver(queued_callbacks(stack)) == {"batchItemFailures": []}  # dropped, not retried
    assert receiver.received == []


# ------------------------------------------------------------- slow receivers, in flight


class DrippingReceiver:
    """A receiver that reads the request, then answers its status line one byte at a time,
    `interval` seconds apart: each byte in time for any per-read timeout, the answer never."""

    def __init__(self, interval: float = 0.05) -> None:
        import socket

        self.interval = interval
        self.requests: list[bytes] = []
        self.bytes_sent = 0
        self.cut = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/drip"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        import time

        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    request += chunk
                self.requests.append(request)
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n":
                        time.sleep(self.interval)
                        conn.sendall(bytes([byte]))
                        self.bytes_sent += 1
                except OSError:
                    self.cut.set()  # the connector closed the connection
                    continue

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def dripping() -> Any:
    server = DrippingReceiver()
    yield server
    server.close()


def recording_queue() -> Any:
    """The callback queue, remembering what the function sends to it and hides on it."""
    from docusign_connector.adapters.queue import Queue

    class RecordingQueue(Queue):
        def __init__(self) -> None:
            super().__init__("CALLBACK_QUEUE_URL")
            self.sent: list[tuple[str, dict[str, str] | None, float]] = []
            self.hidden: list[int] = []

        def send(
            self, body: str, attributes: dict[str, str] | None = None, delay_seconds: float = 0
        ) -> int:
            self.sent.append((body, attributes, delay_seconds))
            return super().send(body, attributes, delay_seconds)

        def hide(self, receipt_handle: str, seconds: int) -> None:
            self.hidden.append(seconds)
            super().hide(receipt_handle, seconds)

    return RecordingQueue()


def ticking_clock(step: float) -> Any:
    """A monotonic clock that moves `step` seconds each time it is read."""
    import itertools

    ticks = itertools.count()
    return lambda: next(ticks) * step


def test_a_receiver_that_drips_its_answer_is_cut_at_the_delivery_bound_and_retried(
    calling: Any, emulator: Any, stack: Any, dripping: DrippingReceiver
) -> None:
    """The clock the delivery is timed by moves 1.5 s per look: the 10 s bound is reached
    after a handful of the receiver's bytes, the delivery fails, nothing is recorded as
    delivered, and the message waits its backoff (then is tried again, as designed)."""
    from docusign_connector.adapters.callbacks import DELIVERY_SECONDS, CallbackSender, DeliveryLog
    from docusign_connector.container import get_services

    queued_callbacks(stack)
    envelope_id = sent_with_callback(dripping.url)
    emulator.state.mark_delivered(envelope_id, "1")
    assert apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)]) == {
        "batchItemFailures": []
    }
    [message] = queued_callbacks(stack)
    services = get_services()
    services.callbacks = CallbackSender(clock=ticking_clock(1.5))
    services.callback_queue = queue = recording_queue()

    answer = deliver([message])

    assert answer == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    assert len(dripping.requests) == 1 and b"X-Connector-Signature" in dripping.requests[0]
    # Cut within the status line: the bound, not the receiver, ended the delivery.
    assert dripping.cut.wait(5)
    assert 0 < dripping.bytes_sent < len(b"HTTP/1.1 200 OK\r\n")
    assert dripping.bytes_sent <= DELIVERY_SECONDS / 1.5
    event_id = json.loads(message["Body"])["detail"]["eventId"]
    assert not DeliveryLog(services.store.table).delivered(envelope_id, event_id)
    assert queued_callbacks(stack) == []  # hidden for its backoff, not handed out at once
    assert queue.hidden == [60] and queue.sent == []


def test_the_delivery_bound_holds_by_the_wall_clock_too() -> None:
    """A receiver that never answers: the real clock's bound ends the delivery."""
    import socket

    from docusign_connector.adapters.callbacks import CallbackSender, CallbackUnreachable
    from docusign_connector.callback_urls import parse_callback_url

    silent = socket.create_server(("127.0.0.1", 0))
    try:
        target = parse_callback_url(
            f"http://127.0.0.1:{silent.getsockname()[1]}/hook", allow_loopback=True
        )
        with pytest.raises(CallbackUnreachable):
            CallbackSender().post(target, "127.0.0.1", b"{}", {}, seconds=0.3)
    finally:
        silent.close()


def test_a_connection_at_its_cap_of_deliveries_in_flight_waits_without_failing(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver
) -> None:
    """Every slot of the connection is held (by deliveries elsewhere): the message is not
    attempted, nothing fails, and it is queued again, delayed, with its failed tries so far;
    delivered once a slot is free. A slot whose holder stopped frees itself after its lease."""
    from docusign_connector.adapters.callbacks import MAX_IN_FLIGHT_PER_CONNECTION, InFlightSlots
    from docusign_connector.container import get_services
    from docusign_connector.sync.callbacks import DEFER_SECONDS, PRIOR_FAILURES_ATTRIBUTE

    queued_callbacks(stack)
    envelope_id = sent_with_callback(receiver.url)
    emulator.state.mark_delivered(envelope_id, "1")
    assert apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)]) == {
        "batchItemFailures": []
    }
    [message] = queued_callbacks(stack)
    receiver.received.clear()
    services = get_services()
    queue = recording_queue()
    services.callback_queue = queue
    slots = InFlightSlots(services.store.table)
    cap = MAX_IN_FLIGHT_PER_CONNECTION
    held = [slots.take("calling", f"elsewhere-{n}", 60) for n in range(cap)]
    assert sorted(s for s in held if s is not None) == list(range(cap))
    assert slots.take("calling", "one-more", 60) is None
    try:
        # Its third receive: two tries failed before.
        assert deliver([message], receive_count=3) == {"batchItemFailures": []}
    finally:
        for number, slot in enumerate(held):
            slots.give_back("calling", int(slot or 0), f"elsewhere-{number}")
    assert receiver.received == []
    assert queue.sent == [(message["Body"], {PRIOR_FAILURES_ATTRIBUTE: "2"}, DEFER_SECONDS)]

    # The message queued again, now that a slot is free: delivered.
    assert deliver_with_prior_failures(message, 2) == {"batchItemFailures": []}
    assert len(receiver.received) == 1

    # Slots held by containers that stopped (their leases long run out) are taken over.
    stopped = InFlightSlots(services.store.table, clock=lambda: 1_000.0)
    assert all(stopped.take("calling", f"stopped-{n}", 1) is not None for n in range(cap))
    assert slots.take("calling", "now", 10) is not None


def deliver_with_prior_failures(message: dict[str, Any], failures: int) -> dict[str, Any]:
    from docusign_connector.sync.callbacks import PRIOR_FAILURES_ATTRIBUTE
    from functions.deliver_callbacks import app
    from tests.support.lambda_events import FakeLambdaContext

    record = {
        "messageId": message["MessageId"] + "-again",
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            PRIOR_FAILURES_ATTRIBUTE: {"stringValue": str(failures), "dataType": "String"}
        },
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:CallbackQueue",
        "awsRegion": "us-east-1",
    }
    return app.lambda_handler({"Records": [record]}, FakeLambdaContext("callbacks"))


def test_a_delivery_is_not_started_without_the_time_for_it(
    calling: Any, emulator: Any, stack: Any, receiver: Receiver
) -> None:
    """Less of the invocation left than a delivery needs: queued again, not attempted."""
    from functions.deliver_callbacks import app
    from tests.support.lambda_events import FakeLambdaContext

    queued_callbacks(stack)
    envelope_id = sent_with_callback(receiver.url)
    emulator.state.mark_delivered(envelope_id, "1")
    assert apply_batch([connect_message(calling, envelope_id, "envelope-delivered", None)]) == {
        "batchItemFailures": []
    }
    [message] = queued_callbacks(stack)
    receiver.received.clear()
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:CallbackQueue",
        "awsRegion": "us-east-1",
    }
    context = FakeLambdaContext("callbacks", remaining_ms=4_000)
    assert app.lambda_handler({"Records": [record]}, context) == {"batchItemFailures": []}
    assert receiver.received == []
