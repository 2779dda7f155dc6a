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
