"""Advanced Recipient Routing: pausing before a routing order and resuming, delayed routing
and scheduled sending, on the emulator's clock; conditional recipients refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from local.emulator.dates import format_datetime
from local.emulator.tests.helpers import b64

pytestmark = pytest.mark.integration


def two_signers(workflow: dict[str, Any] | None, status: str = "sent") -> dict[str, Any]:
    definition: dict[str, Any] = {
        "emailSubject": "Workflow",
        "status": status,
        "documents": [
            {
                "documentId": "1",
                "name": "Welcome",
                "fileExtension": "txt",
                "documentBase64": b64(b"Welcome aboard."),
            }
        ],
        "recipients": {
            "signers": [
                {
                    "email": f"s{n}@example.com",
                    "name": f"Signer {n}",
                    "recipientId": str(n),
                    "routingOrder": str(n),
                    "tabs": {
                        "signHereTabs": [
                            {"documentId": "1", "pageNumber": "1", "xPosition": str(100 * n)}
                        ]
                    },
                }
                for n in (1, 2)
            ]
        },
    }
    if workflow is not None:
        definition["workflow"] = workflow
    return definition


PAUSE = {
    "workflowSteps": [{"action": "pause_before", "triggerOnItem": "routing_order", "itemId": "2"}]
}


@pytest.fixture(autouse=True)
def tokens_outlive_the_clock(api, emulator):
    """These tests move the emulator's clock by hours: the test's token must not expire."""
    for record in emulator.state.tokens.values():
        record["expires_at"] += timedelta(days=60)


def statuses(emulator, envelope_id: str) -> list[str]:
    envelope = emulator.state.get_envelope(None, envelope_id)
    return [s["status"] for s in envelope["recipients"]["signers"]]


def sent_events(emulator, envelope_id: str) -> list[str]:
    return [
        e["recipientId"]
        for e in emulator.state.events
        if e["envelopeId"] == envelope_id and e["event"] == "recipient-sent"
    ]


def sign(api, envelope_id: str, recipient_id: str) -> None:
    response = api.control("POST", f"/envelopes/{envelope_id}/recipients/{recipient_id}/sign")
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("resume_with", ["envelopes_update", "workflow_update"])
def test_a_paused_workflow_waits_before_its_routing_order_until_resumed(api, emulator, resume_with):
    envelope_id = api.create(two_signers(PAUSE))
    assert statuses(emulator, envelope_id) == ["sent", "created"]
    sign(api, envelope_id, "1")
    assert statuses(emulator, envelope_id) == ["completed", "created"]
    assert sent_events(emulator, envelope_id) == ["1"]
    workflow = api.get(f"/envelopes/{envelope_id}/workflow").json()
    assert workflow["workflowStatus"] == "paused"
    [step] = workflow["workflowSteps"]
    assert (step["status"], step["itemId"], workflow["currentWorkflowStepId"]) == (
        "paused",
        "2",
        step["workflowStepId"],
    )
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"
    # The signing page of the next signer cannot be had while paused.
    refused = api.control("POST", f"/envelopes/{envelope_id}/recipients/2/sign")
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "RECIPIENT_NOT_IN_SEQUENCE"

    if resume_with == "envelopes_update":  # DocuSign's unpause how-to
        response = api.put(
            f"/envelopes/{envelope_id}",
            params={"resend_envelope": "true"},
            json={"workflow": {"workflowStatus": "in_progress"}},
        )
    else:
        response = api.put(
            f"/envelopes/{envelope_id}/workflow", json={"workflowStatus": "in_progress"}
        )
    assert response.status_code == 200, response.text
    assert statuses(emulator, envelope_id) == ["completed", "sent"]
    assert sent_events(emulator, envelope_id) == ["1", "2"]
    workflow = api.get(f"/envelopes/{envelope_id}/workflow").json()
    assert workflow["workflowStatus"] == "in_progress"
    assert workflow["workflowSteps"][0]["status"] == "completed"
    sign(api, envelope_id, "2")
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "completed"


def test_delayed_routing_sends_the_next_step_when_the_delay_has_run_out(api, emulator):
    delayed = {
        "workflowSteps": [
            {
                "action": "pause_before",
                "triggerOnItem": "routing_order",
                "itemId": "2",
                "delayedRouting": {"rules": [{"delay": "0.02:00:00"}]},
            }
        ]
    }
    envelope_id = api.create(two_signers(delayed))
    sign(api, envelope_id, "1")
    signed_at = emulator.state.now()
    assert statuses(emulator, envelope_id) == ["completed", "created"]
    step = api.get(f"/envelopes/{envelope_id}/workflow").json()["workflowSteps"][0]
    assert step["status"] == "in_progress"
    assert step["delayedRouting"]["status"] == "started"
    resume = step["delayedRouting"]["resumeDate"]
    assert resume[:16] == format_datetime(signed_at + timedelta(hours=2))[:16]
    emulator.state.advance_clock(3600)
    assert statuses(emulator, envelope_id) == ["completed", "created"]
    emulator.state.advance_clock(3601)
    assert statuses(emulator, envelope_id) == ["completed", "sent"]
    assert sent_events(emulator, envelope_id) == ["1", "2"]
    step = api.get(f"/envelopes/{envelope_id}/workflow").json()["workflowSteps"][0]
    assert (step["status"], step["delayedRouting"]["status"]) == ("completed", "completed")


@pytest.mark.parametrize("rule", ["delay", "resumeDate"])
def test_scheduled_sending_holds_the_first_step_until_its_time(api, emulator, rule):
    given = (
        {"delay": "1.00:00:00"}
        if rule == "delay"
        else {"resumeDate": format_datetime(emulator.state.now() + timedelta(days=1))}
    )
    envelope_id = api.create(two_signers({"scheduledSending": {"rules": [given]}}))
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"
    assert statuses(emulator, envelope_id) == ["created", "created"]
    assert sent_events(emulator, envelope_id) == []
    scheduled = api.get(f"/envelopes/{envelope_id}/workflow").json()["scheduledSending"]
    assert scheduled["status"] == "started" and scheduled["resumeDate"]
    emulator.state.advance_clock(23 * 3600)
    assert statuses(emulator, envelope_id) == ["created", "created"]
    emulator.state.advance_clock(3600 + 5)
    assert statuses(emulator, envelope_id) == ["sent", "created"]
    assert sent_events(emulator, envelope_id) == ["1"]
    scheduled = api.get(f"/envelopes/{envelope_id}/workflow").json()["scheduledSending"]
    assert scheduled["status"] == "completed"


def test_a_draft_s_schedule_starts_when_it_is_sent(api, emulator):
    draft = two_signers({"scheduledSending": {"rules": [{"delay": "0.01:00:00"}]}}, "created")
    envelope_id = api.create(draft)
    emulator.state.advance_clock(2 * 3600)
    assert api.put(f"/envelopes/{envelope_id}", json={"status": "sent"}).status_code == 200
    assert statuses(emulator, envelope_id) == ["created", "created"]
    emulator.state.advance_clock(3601)
    assert statuses(emulator, envelope_id) == ["sent", "created"]


@pytest.mark.parametrize(
    ("workflow", "expected"),
    [
        (
            {"scheduledSending": {"rules": [{"delay": "1.00:00:00"}, {"delay": "2.00:00:00"}]}},
            "one rule",
        ),
        ({"scheduledSending": {"rules": [{"delay": "31.00:00:00"}]}}, "30 days"),
        ({"scheduledSending": {"rules": [{"resumeDate": "2001-01-01T00:00:00Z"}]}}, "future"),
        ({"scheduledSending": {"rules": [{"delay": "soon"}]}}, "d.hh:mm:ss"),
        (
            {
                "workflowSteps": [
                    {"action": "pause_after", "triggerOnItem": "routing_order", "itemId": "2"}
                ]
            },
            "pause_before",
        ),
        (
            {"workflowSteps": [{"action": "pause_before", "triggerOnItem": "tab", "itemId": "2"}]},
            "routing_order",
        ),
    ],
)
def test_a_workflow_docusign_would_not_take_is_refused(api, emulator, workflow, expected):
    response = api.post("/envelopes", json=two_signers(workflow))
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    assert expected in response.json()["message"]
    assert emulator.state.envelopes == {}


def test_conditional_recipients_are_refused_as_not_supported(api, emulator):
    step = {
        "action": "pause_before",
        "triggerOnItem": "routing_order",
        "itemId": "2",
        "recipientRouting": {
            "rules": {
                "conditionalRecipients": [
                    {"recipientId": "2", "order": "0", "conditions": [], "recipientGroup": {}}
                ]
            }
        },
    }
    response = api.post("/envelopes", json=two_signers({"workflowSteps": [step]}))
    assert response.status_code == 400
    assert "not supported by this emulator" in response.json()["message"]
    assert emulator.state.envelopes == {}


def test_a_draft_s_workflow_can_be_replaced_and_deleted_a_sent_one_not(api, emulator):
    draft_id = api.create(two_signers(None, "created"))
    replaced = api.put(f"/envelopes/{draft_id}/workflow", json=PAUSE)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["workflowSteps"][0]["itemId"] == "2"
    assert api.request("DELETE", f"/envelopes/{draft_id}/workflow").status_code == 200
    assert api.get(f"/envelopes/{draft_id}/workflow").json()["workflowSteps"] == []

    sent_id = api.create(two_signers(PAUSE))
    for response in (
        api.put(
            f"/envelopes/{sent_id}/workflow",
            json={"scheduledSending": {"rules": [{"delay": "0.01:00:00"}]}},
        ),
        api.request("DELETE", f"/envelopes/{sent_id}/workflow"),
        api.put(f"/envelopes/{sent_id}/workflow", json={"workflowStatus": "paused"}),
    ):
        assert response.status_code == 400
        assert "not supported by this emulator" in response.json()["message"]
    assert emulator.state.envelopes[sent_id]["workflow"]["workflowSteps"][0]["status"] == "pending"
