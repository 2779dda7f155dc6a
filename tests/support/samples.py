"""The sample event (events/<name>.json) each function of the template is invoked with."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parents[2] / "events"

SAMPLE_EVENT = {
    "SendEnvelopeFunction": "send_envelope_nested",
    "GetEnvelopeFunction": "get_envelope",
    "GetDocumentsFunction": "get_documents",
    "VoidEnvelopeFunction": "void_envelope",
    "GetConsentFunction": "get_consent",
    "VerifyConnectionFunction": "verify_connection",
    "ProcessInboxFunction": "process_inbox_manifest",
    "DocuSignWebhookFunction": "docusign_webhook_envelope_completed",
    "EventsFunction": "process_events_envelope_completed",
    "ReconcileFunction": "reconcile_schedule",
    "ListEnvelopesFunction": "list_envelopes",
    "RecipientViewFunction": "recipient_view",
    "SenderViewFunction": "sender_view",
    "ListTemplatesFunction": "list_templates",
    "GetTemplateFunction": "get_template",
    "GetOpenApiFunction": "get_openapi",
    "CorrectRecipientFunction": "correct_recipient",
    "ResendEnvelopeFunction": "resend_envelope",
    "GetFormDataFunction": "get_form_data",
    "CallbackFunction": "deliver_callbacks_status_changed",
}


def sample_event(function_id: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / f"{SAMPLE_EVENT[function_id]}.json").read_text())
    return event


def check_answer(function_id: str, payload: Any, *, all_handled: bool = True) -> None:
    """What a function's answer to its sample event must look like: an API function's proxy
    response below 500 (errors in the one shape), a batch report without failures, or the
    reconciler's run."""
    if isinstance(payload, dict) and "statusCode" in payload:
        assert payload["statusCode"] < 500, payload
        body = json.loads(payload["body"])
        assert payload["statusCode"] < 400 or set(body) == {"error"}, body
    elif function_id in ("ProcessInboxFunction", "EventsFunction", "CallbackFunction"):
        assert set(payload) == {"batchItemFailures"}, payload
        # Against the local stack the samples are made for, every message is handled.
        assert not all_handled or payload["batchItemFailures"] == [], payload
    else:
        # Other tests' connections share the process's moto; the sample's is `demo`.
        assert function_id == "ReconcileFunction", function_id
        runs = {run["connection"]: run for run in payload["connections"]}
        assert runs["demo"]["error"] is None, payload
