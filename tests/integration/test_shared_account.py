"""Connections that share one DocuSign account: an envelope the table does not know is
tracked only by the connection whose user sent it, on every path (each API route, Connect,
the reconciler). Any other connection gets the 404 of an envelope that does not exist, nothing
is written, and nothing is sent to DocuSign beyond the one GET that names the sender."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.helpers import docusign_requests, seed_envelope
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

VIEW = {
    "returnUrl": "https://workflow.example.com/back",
    "clientUserId": "c-1",
    "email": "s1@example.com",
    "name": "Signer 1",
}


@pytest.fixture(scope="module")
def shared(connections: Any) -> dict[str, Any]:
    """`owner` and `neighbour`: two users of one DocuSign account, a connection each."""
    owner = connections.create("share-owner")
    neighbour = connections.create("share-neighbour", account_id=owner.account_id)
    assert neighbour.user_id != owner.user_id
    return {"owner": owner, "neighbour": neighbour}


@pytest.fixture
def envelope_id(shared: dict[str, Any], emulator: Any) -> str:
    """An envelope the owner's user sent at DocuSign, outside the connector."""
    owner = shared["owner"]
    envelope_id = str(uuid.uuid4())
    seed_envelope(emulator, owner.account_id, owner.user_id, envelope_id)
    emulator.state.clear_requests()
    return envelope_id


@pytest.fixture
def reconcile_environment(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from docusign_connector.container import reset_services

    stack.use_environment_of(monkeypatch, "ReconcileFunction")
    reset_services()
    yield
    reset_services()


def call(function: str, connection: str, envelope_id: str, **event: Any) -> ApiResult:
    parameters = {"connection": connection, "envelopeId": envelope_id}
    parameters.update(event.pop("path_parameters", {}))
    built = api_event(function, path_parameters=parameters, **event)
    if function == "resend_envelope" and "body" not in event:
        built["body"] = None
    return invoke(function, built)


ROUTES = {
    "status": lambda c, e: call("get_envelope", c, e),
    "history": lambda c, e: call("get_envelope", c, e, query={"include": "history"}),
    "documents": lambda c, e: call("get_documents", c, e),
    "combined": lambda c, e: call("get_documents", c, e, query={"format": "combined"}),
    "archive": lambda c, e: call("get_documents", c, e, query={"format": "archive"}),
    "form data": lambda c, e: call("get_form_data", c, e),
    "void": lambda c, e: call("void_envelope", c, e, body={"reason": "not mine"}),
    "recipient view": lambda c, e: call("recipient_view", c, e, body=VIEW),
    "sender view": lambda c, e: call(
        "sender_view", c, e, body={"returnUrl": "https://workflow.example.com/back"}
    ),
    "resend": lambda c, e: call("resend_envelope", c, e),
    "resend one": lambda c, e: call("resend_envelope", c, e, body={"recipientIds": ["1"]}),
    "correct": lambda c, e: call(
        "correct_recipient",
        c,
        e,
        path_parameters={"recipientId": "1"},
        body={"email": "new@example.com"},
    ),
}


def tracked(envelope_id: str) -> Any:
    from docusign_connector.container import get_services

    return get_services().store.get(envelope_id)


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_neighbour_asking_first_gets_a_404_and_takes_nothing(
    shared: dict[str, Any], envelope_id: str, emulator: Any, route: str
) -> None:
    before = dict(emulator.state.envelopes[envelope_id])

    answer = ROUTES[route]("share-neighbour", envelope_id)

    assert answer.status == 404, answer.body
    assert answer.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
    assert tracked(envelope_id) is None
    # DocuSign was asked who sent it (one GET), and nothing else.
    asked = docusign_requests(emulator)
    assert [(r["method"], r["path"].rsplit("/", 1)[-1]) for r in asked] == [("GET", envelope_id)]
    assert emulator.state.envelopes[envelope_id]["status"] == before["status"] == "sent"
    assert emulator.state.envelopes[envelope_id]["recipients"] == before["recipients"]

    # The owner's connection then has it, and the neighbour's answer has not changed.
    mine = call("get_envelope", "share-owner", envelope_id)
    assert mine.status == 200, mine.body
    assert tracked(envelope_id).connection == "share-owner"
    again = ROUTES[route]("share-neighbour", envelope_id)
    assert (again.status, again.body) == (answer.status, answer.body)


def test_the_owner_asking_first_tracks_it(shared: dict[str, Any], envelope_id: str) -> None:
    answer = call("get_envelope", "share-owner", envelope_id)
    assert answer.status == 200, answer.body
    assert tracked(envelope_id).connection == "share-owner"
    assert call("get_envelope", "share-neighbour", envelope_id).status == 404


def test_the_neighbours_reconciler_leaves_it_to_the_owner(
    shared: dict[str, Any], envelope_id: str, emulator: Any, reconcile_environment: None
) -> None:
    from docusign_connector.sync.reconcile import reconcile_connection

    run = reconcile_connection("share-neighbour")
    assert run.error is None and run.changed >= 1
    assert tracked(envelope_id) is None
    # Listed without a GET of its own: DocuSign's listing names each envelope's sender.
    assert [r for r in docusign_requests(emulator) if r["path"].endswith(envelope_id)] == []

    run = reconcile_connection("share-owner")
    assert run.error is None
    assert tracked(envelope_id).connection == "share-owner"


def test_an_envelope_whose_sender_is_not_named_is_not_taken(
    shared: dict[str, Any], envelope_id: str, emulator: Any
) -> None:
    """An answer that does not say who sent the envelope claims nothing, even for its owner."""
    emulator.state.envelopes[envelope_id]["sender"]["userId"] = ""
    answer = call("get_envelope", "share-owner", envelope_id)
    assert answer.status == 404
    assert tracked(envelope_id) is None
