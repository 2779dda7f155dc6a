"""Every status change is published once, whoever caused it: a void the connector made, a
status the connector found when it asked DocuSign, and the Connect message DocuSign sends
about it afterwards (which then publishes nothing more). Watched where a downstream system
sees them: a queue subscribed to the connector's bus, and the callback queue the template's
rule feeds."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.integration.helpers import docusign_direct, send, simple_body, status, void
from tests.integration.test_after_send import background_environment, connect_message  # noqa: F401
from tests.integration.test_connect import apply_batch

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def publishing(connections: Any) -> Any:
    return connections.create(
        "publishing", secret_overrides={"callbackSecret": "callback-secret-of-publishing"}
    )


@pytest.fixture(autouse=True)
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLBACK_ALLOW_LOOPBACK", "true")


@pytest.fixture(scope="module")
def bus_watch(stack: Any) -> str:
    """A queue subscribed to every status change on the connector's bus."""
    sqs, events = stack.client("sqs"), stack.client("events")
    url = sqs.create_queue(QueueName="connector-test-published-changes")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    bus = stack.resources["ConnectorEventBus"]
    events.put_rule(
        Name="published-changes",
        EventBusName=bus,
        EventPattern=json.dumps(
            {"source": ["docusign-connector"], "detail-type": ["Envelope Status Changed"]}
        ),
    )
    events.put_targets(
        Rule="published-changes", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}]
    )
    return url


def _drain(stack: Any, url: str) -> list[dict[str, Any]]:
    sqs = stack.client("sqs")
    found = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def published(stack: Any, url: str, envelope_id: str) -> list[dict[str, Any]]:
    """The status changes of this envelope published on the bus since the last look."""
    return [e["detail"] for e in _drain(stack, url) if e["detail"]["envelopeId"] == envelope_id]


def callbacks_queued(stack: Any, envelope_id: str) -> list[dict[str, Any]]:
    """The bus events of this envelope the rule put on the callback queue since the last look."""
    events = _drain(stack, stack.resources["CallbackQueue"])
    return [e for e in events if e["detail"]["envelopeId"] == envelope_id]


def test_a_void_made_through_the_connector_is_published_once(
    publishing: Any, emulator: Any, stack: Any, bus_watch: str
) -> None:
    sent = send("publishing", simple_body(callbackUrl="http://127.0.0.1:9/hook"))
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    published(stack, bus_watch, envelope_id)
    callbacks_queued(stack, envelope_id)

    voided = void("publishing", envelope_id, {"reason": "Sent to the wrong customer"})
    assert voided.status == 200, voided.body

    (change,) = published(stack, bus_watch, envelope_id)
    event_id = change.pop("eventId")
    assert len(event_id) == 32
    assert change == {
        "connection": "publishing",
        "envelopeId": envelope_id,
        "oldStatus": "sent",
        "newStatus": "voided",
        "statusChangedDateTime": voided.body["voidedDateTime"],
        "customFields": {},
        "emailSubject": "Please sign",
        "source": "connector",
        "event": "envelope-voided",
    }
    (callback,) = callbacks_queued(stack, envelope_id)
    assert callback["detail-type"] == "Envelope Status Changed"
    assert callback["detail"]["eventId"] == event_id
    last = status("publishing", envelope_id, {"include": "history"}).body["history"][-1]
    assert (last["event"], last["status"], last["dateTime"], last["source"]) == (
        "envelope-voided",
        "voided",
        voided.body["voidedDateTime"],
        "connector",
    )

    # DocuSign's own message about the void comes later: it publishes nothing more.
    message = connect_message(publishing, envelope_id, "envelope-voided", None)
    assert apply_batch([message]) == {"batchItemFailures": []}
    assert apply_batch([message]) == {"batchItemFailures": []}  # and redelivered
    assert published(stack, bus_watch, envelope_id) == []
    assert callbacks_queued(stack, envelope_id) == []
    assert status("publishing", envelope_id).body["status"] == "voided"


def test_connect_first_then_the_void_s_own_write_publishes_once_too(
    publishing: Any, emulator: Any, stack: Any, bus_watch: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DocuSign's message is applied before the void action writes (Connect is fast, the
    action's answer slow): still one notice, Connect's."""
    from docusign_connector.adapters.docusign.client import DocuSignClient

    envelope_id = send("publishing", simple_body()).body["envelopeId"]
    published(stack, bus_watch, envelope_id)
    original = DocuSignClient.void_envelope

    def void_then_connect(client: DocuSignClient, target: str, reason: str) -> Any:
        answer = original(client, target, reason)
        message = connect_message(publishing, target, "envelope-voided", None)
        assert apply_batch([message]) == {"batchItemFailures": []}
        return answer

    monkeypatch.setattr(DocuSignClient, "void_envelope", void_then_connect)
    assert void("publishing", envelope_id, {"reason": "Duplicate"}).status == 200
    (change,) = published(stack, bus_watch, envelope_id)
    assert (change["oldStatus"], change["newStatus"], change["source"]) == (
        "sent",
        "voided",
        "connect",
    )


def _complete(emulator: Any, registered: Any, envelope_id: str) -> None:
    emulator.state.complete(envelope_id)


def _send_draft(emulator: Any, registered: Any, envelope_id: str) -> None:
    # What the sender view's Send button does at DocuSign.
    base, headers = docusign_direct(registered)
    answer = requests.put(
        f"{base}/envelopes/{envelope_id}", json={"status": "sent"}, headers=headers, timeout=10
    )
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("draft", "act", "old", "new"),
    [(False, _complete, "sent", "completed"), (True, _send_draft, "created", "sent")],
    ids=["completed", "draft-sent"],
)
def test_a_change_the_connector_finds_when_it_asks_docusign_is_published_once(
    publishing: Any,
    emulator: Any,
    stack: Any,
    bus_watch: str,
    monkeypatch: pytest.MonkeyPatch,
    draft: bool,
    act: Any,
    old: str,
    new: str,
) -> None:
    """No Connect message came (yet): a status GET finds the change. It is published then,
    and neither Connect's message nor the reconciler publish it again."""
    from docusign_connector.sync.reconcile import reconcile_connection

    monkeypatch.setenv("STATUS_MAX_AGE_SECONDS", "0")  # no status in the table is fresh
    body = simple_body(**({"status": "created"} if draft else {}))
    envelope_id = send("publishing", body).body["envelopeId"]
    published(stack, bus_watch, envelope_id)
    act(emulator, publishing, envelope_id)

    found = status("publishing", envelope_id)
    assert found.body["status"] == new
    (change,) = published(stack, bus_watch, envelope_id)
    assert (change["oldStatus"], change["newStatus"]) == (old, new)
    assert (change["source"], change["event"]) == ("docusign", f"envelope-{new}")

    message = connect_message(publishing, envelope_id, f"envelope-{new}", None)
    assert apply_batch([message]) == {"batchItemFailures": []}
    reconcile_connection("publishing")
    assert published(stack, bus_watch, envelope_id) == []
