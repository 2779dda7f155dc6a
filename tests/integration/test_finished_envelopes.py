"""A finished envelope (completed, declined, voided) has no recipient left to correct or to
notify: every after-send action that would change it answers 409 before any DocuSign call, as
DocuSign would refuse the call anyway."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import send, simple_body
from tests.integration.test_after_send import background_environment, connect_message  # noqa: F401
from tests.integration.test_connect import apply_batch
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "finishing"
TWO_SIGNERS = [
    {"email": "ana@example.com", "name": "Ana"},
    {"email": "bo@example.com", "name": "Bo"},
]


@pytest.fixture(scope="module")
def finishing(connections: Any) -> Any:
    return connections.create(CONNECTION)


def _path(envelope_id: str, **more: str) -> dict[str, str]:
    return {"connection": CONNECTION, "envelopeId": envelope_id, **more}


def resend_named(envelope_id: str) -> ApiResult:
    event = api_event(
        "resend_envelope", path_parameters=_path(envelope_id), body={"recipientIds": ["2"]}
    )
    return invoke("resend_envelope", event)


def resend_everyone(envelope_id: str) -> ApiResult:
    event = api_event("resend_envelope", path_parameters=_path(envelope_id))
    event["body"] = None
    return invoke("resend_envelope", event)


def correct_name(envelope_id: str) -> ApiResult:
    event = api_event(
        "correct_recipient",
        path_parameters=_path(envelope_id, recipientId="2"),
        body={"name": "Bo Lima"},
    )
    return invoke("correct_recipient", event)


def correct_authentication(envelope_id: str) -> ApiResult:
    event = api_event(
        "correct_recipient",
        path_parameters=_path(envelope_id, recipientId="2"),
        body={"authentication": {"sms": "+15551234567"}},
    )
    return invoke("correct_recipient", event)


def _finish(emulator: Any, envelope_id: str, status: str) -> str:
    state = emulator.state
    if status == "completed":
        state.complete(envelope_id)
    elif status == "declined":
        state.decline(envelope_id, "1", "Wrong amount")
    else:
        state.void(state.get_envelope(None, envelope_id), "Sent by mistake")
    return f"envelope-{status}"


@pytest.mark.parametrize(
    "action",
    [resend_named, resend_everyone, correct_name, correct_authentication],
    ids=["resend-named", "resend-everyone", "correct-name", "correct-authentication"],
)
@pytest.mark.parametrize("status", ["completed", "declined", "voided"])
def test_a_finished_envelope_is_a_409_before_any_docusign_call(
    finishing: Any, emulator: Any, status: str, action: Any
) -> None:
    envelope_id = send(CONNECTION, simple_body(signers=TWO_SIGNERS)).body["envelopeId"]
    event = _finish(emulator, envelope_id, status)
    # Connect tells the table (the message is confirmed with one GET, made here).
    assert apply_batch([connect_message(finishing, envelope_id, event, None)]) == {
        "batchItemFailures": []
    }
    emulator.state.clear_requests()

    result = action(envelope_id)

    assert result.status == 409, result.body
    assert result.body["error"]["code"] == "INVALID_STATE"
    assert result.body["error"]["details"] == [{"status": status}]
    assert list(emulator.state.requests) == []  # not one call, not even for a token
    recipients = emulator.state.envelopes[envelope_id]["recipients"]["signers"]
    assert recipients[1]["name"] == "Bo"
