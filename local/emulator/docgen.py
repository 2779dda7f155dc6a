"""DocumentGeneration: `GET/PUT …/envelopes/{envelopeId}/docGenFormFields`, and deleting a
draft by moving it to the recycle bin (`PUT …/folders/recyclebin`)."""

from __future__ import annotations

from flask import current_app, jsonify, request

from . import docgen_fields, rest
from .errors import DocuSignError, invalid_request_body
from .state import EmulatorState


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


@rest.bp.get("/envelopes/<envelope_id>/docGenFormFields")
def get_docgen_form_fields(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        return jsonify(docgen_fields.render(envelope))


@rest.bp.put("/envelopes/<envelope_id>/docGenFormFields")
def update_docgen_form_fields(account_id: str, envelope_id: str):
    body = rest.json_body()
    keep = str(request.args.get("update_docgen_formfields_only") or "").lower() == "true"
    st = state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        docgen_fields.apply_values(envelope, body, keep_document_ids=keep)
        envelope["lastModifiedDateTime"] = st.timestamp()
        return jsonify(docgen_fields.render(envelope))


@rest.bp.put("/folders/<folder_id>")
def move_envelopes(account_id: str, folder_id: str):
    """Folders:moveEnvelopes, for the recycle bin only: deleting a draft."""
    if folder_id.lower() != "recyclebin":
        raise DocuSignError(
            400,
            "INVALID_REQUEST_PARAMETER",
            "The request contained at least one invalid parameter. This emulator moves "
            "envelopes to the recycle bin only.",
        )
    body = rest.json_body()
    ids = body.get("envelopeIds") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids:
        raise invalid_request_body("'envelopeIds' must list the envelopes to move.")
    st = state()
    with st.lock:
        envelopes = [st.get_envelope(account_id, str(i)) for i in ids]
        for envelope in envelopes:
            if envelope["status"] in ("sent", "delivered"):
                # DocuSign: an in-process envelope moved to the recycle bin is voided.
                st.void(envelope, "Deleted by the sender.")
            envelope["folder"] = "recyclebin"
            envelope["lastModifiedDateTime"] = st.timestamp()
    return jsonify({})
