"""`GET/PUT/DELETE …/envelopes/{envelopeId}/workflow`: an envelope's workflow definition
(Envelopes: getEnvelopeWorkflowDefinition, updateEnvelopeWorkflowDefinition,
deleteEnvelopeWorkflowDefinition). The rules themselves are in workflow.py."""

from __future__ import annotations

from flask import jsonify

from . import rest, workflow
from .errors import invalid_request_body, not_supported


@rest.bp.get("/envelopes/<envelope_id>/workflow")
def get_workflow(account_id: str, envelope_id: str):
    st = rest.state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        return jsonify(workflow.render(envelope))


@rest.bp.put("/envelopes/<envelope_id>/workflow")
def update_workflow(account_id: str, envelope_id: str):
    """Resume a paused workflow (`workflowStatus: in_progress`), or give a draft a new
    workflow. DocuSign also lets a sent envelope's pending delays be changed (the envelope
    going back to a draft); the emulator refuses that as not supported."""
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (workflow).")
    rest.check_body("workflow", body)
    st = rest.state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        if body.get("workflowSteps") is not None or body.get("scheduledSending") is not None:
            if envelope["status"] != "created":
                raise not_supported(
                    "Changing the workflow of a sent envelope is",
                    "only a draft's workflow can be replaced, or a paused one resumed",
                )
            envelope["workflow"] = workflow.check_workflow(body, st.now())
        elif body.get("workflowStatus"):
            rest.set_workflow_status(st, envelope, str(body["workflowStatus"]))
        return jsonify(workflow.render(envelope))


@rest.bp.delete("/envelopes/<envelope_id>/workflow")
def delete_workflow(account_id: str, envelope_id: str):
    st = rest.state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        if envelope["status"] != "created":
            raise not_supported(
                "Deleting the workflow of a sent envelope is", "only a draft's can be deleted"
            )
        envelope["workflow"] = None
        return "", 200
