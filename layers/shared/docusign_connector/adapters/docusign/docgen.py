"""The eSignature REST v2.1 calls of document generation (DocGen): a draft's sender fields
read and filled, the draft sent, drafts deleted (moved to the recycle bin)."""

from __future__ import annotations

from typing import Any

from ...errors import Conflict
from .client import DocuSignClient
from .errors import json_body
from .transport import segment


def get_docgen_form_fields(client: DocuSignClient, envelope_id: str) -> list[dict[str, Any]]:
    """DocumentGeneration:getEnvelopeDocGenFormFields: each DocGen document of a draft with
    its sender fields (`{}`, so an empty list, when it has none)."""
    response = client.transport.send("GET", f"/envelopes/{segment(envelope_id)}/docGenFormFields")
    entries = json_body(response).get("docGenFormFields") or []
    return [e for e in entries if isinstance(e, dict)]


def update_docgen_form_fields(
    client: DocuSignClient, envelope_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """DocumentGeneration:updateEnvelopeDocGenFormFields on a draft: the values by name."""
    response = client.transport.send(
        "PUT", f"/envelopes/{segment(envelope_id)}/docGenFormFields", json_body=body
    )
    return json_body(response)


def send_draft(client: DocuSignClient, envelope_id: str) -> dict[str, Any]:
    """Envelopes:update with status sent: a draft goes out."""
    try:
        response = client.transport.send(
            "PUT", f"/envelopes/{segment(envelope_id)}", json_body={"status": "sent"}
        )
    except Conflict:
        if not client.transport.retried_unsettled:
            raise
        # An earlier attempt may have sent it before its answer was lost: if so, this
        # refusal (no longer a draft) is our own success.
        envelope = client.get_envelope(envelope_id, include="")
        if str(envelope.get("status") or "").lower() not in ("sent", "delivered"):
            raise
        return {"envelopeId": envelope_id}
    return json_body(response)


def delete_drafts(client: DocuSignClient, envelope_ids: list[str]) -> None:
    """Delete drafts: DocuSign deletes an envelope by moving it to the recycle bin
    (Folders:moveEnvelopes to `recyclebin`)."""
    client.transport.send(
        "PUT", "/folders/recyclebin", json_body={"envelopeIds": list(envelope_ids)}
    )
