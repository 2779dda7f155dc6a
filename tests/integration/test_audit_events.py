"""An envelope's audit events: DocuSign's audit log (one GET of `…/audit_events`, as the
envelope's sender) shaped as who, what, when and where, through the envelope's life."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import docusign_requests, send, simple_body
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "auditing"


@pytest.fixture(scope="module")
def auditing(connections: Any) -> Any:
    connections.create("auditing-other")
    return connections.create(CONNECTION)


def audit(envelope_id: str, connection: str = CONNECTION) -> ApiResult:
    return invoke(
        "get_audit_events",
        api_event(
            "get_audit_events",
            path_parameters={"connection": connection, "envelopeId": envelope_id},
        ),
    )


def test_the_audit_events_follow_the_envelope_s_life(auditing: Any, emulator: Any) -> None:
    body = simple_body(
        signers=[
            {"email": "ana@example.com", "name": "Ana", "signingOrder": 1},
            {"email": "bo@example.com", "name": "Bo", "signingOrder": 2},
        ]
    )
    sent = send(CONNECTION, body)
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    emulator.state.sign(envelope_id, "1")
    emulator.state.sign(envelope_id, "2")
    emulator.state.clear_requests()

    result = audit(envelope_id)

    assert result.status == 200, result.body
    (call,) = docusign_requests(emulator)
    assert call["method"] == "GET"
    assert call["path"].endswith(f"/envelopes/{envelope_id}/audit_events")
    events = result.body["events"]
    assert [(e["action"], e["by"]["name"]) for e in events] == [
        ("Registered", "Test Sender"),
        ("Sent Invitations", "Test Sender"),
        ("Viewed", "Ana"),
        ("Signed", "Ana"),
        ("Viewed", "Bo"),  # the signing page opened before Bo signed
        ("Signed", "Bo"),
        ("Completed", "Test Sender"),
    ]
    registered, *_, signed_by_bo, completed = events
    assert registered["by"]["userId"] == auditing.user_id
    assert registered["client"] == "API" and signed_by_bo["client"] == "Web"
    assert signed_by_bo["by"]["userId"] is None
    assert signed_by_bo["message"] == "Signed by Bo (bo@example.com)"
    assert completed["envelopeStatus"] == "completed"
    for event in events:
        assert event["ipAddress"] == "127.0.0.1"
        assert event["dateTime"].endswith("Z")
        assert event["fields"]["Action"] == event["action"]
    times = [e["dateTime"] for e in events]
    assert times == sorted(times)
    assert result.body["envelopeId"] == envelope_id
    assert result.body["connection"] == CONNECTION


def test_another_connection_s_envelope_is_a_404_and_docusign_is_not_asked(
    auditing: Any, emulator: Any
) -> None:
    envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
    emulator.state.clear_requests()
    result = audit(envelope_id, "auditing-other")
    assert result.status == 404, result.body
    assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
    assert [r for r in docusign_requests(emulator) if r["path"].endswith("/audit_events")] == []


def test_a_malformed_envelope_id_is_refused_before_anything(auditing: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = audit("not-an-envelope")
    assert result.status in (400, 404), result.body
    assert docusign_requests(emulator) == []
