"""After the send: correcting recipients (`PUT …/recipients`), the envelope's form data
(`GET …/form_data`), and the control switches that make mail bounce and downloads refused.

Sources are cited in local/emulator/README.md ("After the send").
"""

from __future__ import annotations

import base64
import uuid
from typing import Any

from flask import jsonify, request

from . import control, rest
from .errors import DocuSignError, invalid_request_body
from .state import RECIPIENT_KINDS
from .tabs import check_recipient_authentication

# DocuSign: "Envelope status is not one of: Created, Sent, Delivered, Correct."
CORRECTABLE_ENVELOPE_STATUSES = frozenset({"created", "sent", "delivered", "correct"})
# A recipient who has acted can no longer be corrected.
ACTED_STATUSES = frozenset({"completed", "signed", "declined"})
# What a sent envelope's recipient may still have changed (DocuSign's list, the ones the
# emulator keeps).
CORRECTABLE_FIELDS = (
    "email",
    "name",
    "accessCode",
    "phoneAuthentication",
    "smsAuthentication",
    "identityVerification",
    "idCheckConfigurationName",
    "requireIdLookup",
    "note",
    "emailNotification",
    "suppressEmails",
)
NOT_CORRECTABLE = {
    "errorCode": "RECIPIENT_UPDATE_FAILED",
    "message": "The recipient could not be updated.  Recipient not in state that allows "
    "correction.",
}
UNKNOWN_RECIPIENT = {
    "errorCode": "UNKNOWN_ENVELOPE_RECIPIENT",
    "message": "The recipient you have identified is not a valid recipient of the specified "
    "envelope.",
}
# Tabs that carry no typed value of their own, left out of the form data.
VALUELESS_TABS = frozenset({"signHereTabs", "initialHereTabs", "approveTabs", "declineTabs"})


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _correct(envelope: dict[str, Any], entry: dict[str, Any], resend: bool) -> dict[str, Any]:
    st = rest.state()
    recipient_id = str(entry.get("recipientId") or "")
    recipient = next(
        (r for r in st.iter_recipients(envelope) if r["recipientId"] == recipient_id), None
    )
    if recipient is None:
        return {"recipientId": recipient_id, "errorDetails": UNKNOWN_RECIPIENT}
    result: dict[str, Any] = {
        "recipientId": recipient_id,
        "recipientIdGuid": recipient["recipientIdGuid"],
    }
    if recipient["status"] in ACTED_STATUSES:
        result["errorDetails"] = NOT_CORRECTABLE
        return result
    corrected = {**recipient, **{f: entry[f] for f in CORRECTABLE_FIELDS if f in entry}}
    check_recipient_authentication(corrected, st.accounts.get(envelope["accountId"]) or {})
    for field in CORRECTABLE_FIELDS:
        if field in entry:
            recipient[field] = entry[field]
    envelope["lastModifiedDateTime"] = st.timestamp()
    # A new e-mail address is always mailed (DocuSign treats any given address as new); a
    # forced resend mails the others whose turn it is.
    if "email" in entry or resend:
        st.resend_to(envelope, recipient)
    result["errorDetails"] = {"errorCode": "SUCCESS", "message": ""}
    return result


@rest.bp.put("/envelopes/<envelope_id>/recipients")
def correct_recipients(account_id: str, envelope_id: str):
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (recipients).")
    resend = _true(request.args.get("resend_envelope"))
    st = rest.state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        if envelope["status"] not in CORRECTABLE_ENVELOPE_STATUSES:
            raise DocuSignError(
                400,
                "ENVELOPE_INVALID_STATUS",
                "Invalid envelope status. Envelope status is not one of: Created, Sent, "
                "Delivered, Correct.",
            )
        results = [
            _correct(envelope, entry, resend)
            for kind in RECIPIENT_KINDS
            for entry in body.get(kind) or []
            if isinstance(entry, dict)
        ]
        return jsonify({"recipientUpdateResults": results})


def _form_items(recipient: dict[str, Any]) -> list[dict[str, str]]:
    items = []
    tabs = recipient.get("tabs") or {}
    for group, members in tabs.items():
        if group in VALUELESS_TABS or not isinstance(members, list):
            continue
        for tab in members:
            if not isinstance(tab, dict):
                continue
            if group == "radioGroupTabs":
                # A radio group has no tabLabel: its name is its groupName, its value the
                # selected radio's.
                chosen = [
                    r.get("value") for r in tab.get("radios") or [] if _true(r.get("selected"))
                ]
                items.append(
                    {
                        "name": str(tab.get("groupName") or ""),
                        "value": str(chosen[0] if chosen else ""),
                    }
                )
                continue
            value = tab.get("value")
            if value is None and "selected" in tab:
                value = "X" if _true(tab.get("selected")) else ""
            name = tab.get("tabLabel") or tab.get("name") or ""
            items.append({"name": str(name), "value": str(value or "")})
    return items


@rest.bp.get("/envelopes/<envelope_id>/form_data")
def get_form_data(account_id: str, envelope_id: str):
    st = rest.state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        recipients = []
        everything: list[dict[str, str]] = []
        for recipient in st.iter_recipients(envelope):
            items = _form_items(recipient)
            everything.extend(items)
            entry = {
                "formData": items,
                "recipientId": recipient["recipientId"],
                "name": recipient.get("name") or "",
                "email": recipient.get("email") or "",
            }
            for field, key in (
                ("sentDateTime", "SentTime"),
                ("deliveredDateTime", "DeliveredTime"),
                ("signedDateTime", "SignedTime"),
                ("declinedDateTime", "DeclinedTime"),
            ):
                if recipient.get(field):
                    entry[key] = recipient[field]
            recipients.append(entry)
        return jsonify(
            {
                "formData": everything,
                "recipientFormData": recipients,
                "envelopeId": envelope_id,
                "status": envelope["status"],
                "emailSubject": envelope.get("emailSubject") or "",
                "sentDateTime": envelope.get("sentDateTime") or "",
            }
        )


# ------------------------------------------------------------------ control switches


@control.bp.post("/bounces")
def add_bounce():
    """Mail to `email` bounces from now on, with `reason` as the receiving system's reply."""
    body = _json()
    email = str(body.get("email") or "").strip().lower()
    if not email:
        raise DocuSignError(400, "INVALID_REQUEST_PARAMETER", "An e-mail address is required.")
    reason = str(body.get("reason") or "smtp; 550 5.1.1 The email account does not exist.")
    control.state().bouncing_addresses[email] = reason
    return jsonify({"email": email, "reason": reason}), 201


@control.bp.post("/download-refusals")
def refuse_downloads():
    """An account setting refuses these download keywords (`combined`, `archive`, …)."""
    body = _json()
    kinds = [str(k) for k in body.get("documentIds") or []]
    code = str(body.get("errorCode") or "INVALID_REQUEST_PARAMETER")
    message = str(body.get("message") or "This download is not allowed for the account.")
    refused = control.state().refused_downloads
    refused.clear()
    refused.update({kind: (code, message) for kind in kinds})
    return jsonify({"documentIds": kinds, "errorCode": code})


@control.bp.post("/download-overrides")
def override_download():
    """A fault, not DocuSign's: the download `documentId` (`archive`, `combined`, a document
    id) answers `contentBase64` with `contentType` from now on; without content, as before."""
    body = _json()
    document_id = str(body.get("documentId") or "")
    overrides = control.state().download_overrides
    if body.get("contentBase64") is None:
        overrides.pop(document_id, None)
        return jsonify({"documentId": document_id, "overridden": False})
    content = base64.b64decode(str(body["contentBase64"]))
    overrides[document_id] = (content, str(body.get("contentType") or "application/octet-stream"))
    return jsonify({"documentId": document_id, "overridden": True, "bytes": len(content)})


@control.bp.post("/envelopes/<envelope_id>/recipients/<recipient_id>/values")
def fill_values(envelope_id: str, recipient_id: str):
    """The recipient types values into their fields (by tab label) before signing."""
    values = _json().get("values") or {}
    st = control.state()
    with st.lock:
        envelope = st.get_envelope(None, envelope_id)
        recipient = st.find_recipient(envelope, recipient_id)
        filled = 0
        for group, members in (recipient.get("tabs") or {}).items():
            for tab in members if isinstance(members, list) else []:
                if not isinstance(tab, dict):
                    continue
                if group == "radioGroupTabs":
                    if tab.get("groupName") in values:
                        chosen = str(values[tab["groupName"]])
                        for radio in tab.get("radios") or []:
                            radio["selected"] = "true" if radio.get("value") == chosen else "false"
                        filled += 1
                    continue
                label = tab.get("tabLabel")
                if label in values:
                    if group == "checkboxTabs":
                        tab["selected"] = str(values[label]).lower()
                    else:
                        tab["value"] = str(values[label])
                    filled += 1
        return jsonify({"filled": filled})


@control.bp.post("/envelopes/<envelope_id>/documents")
def seed_document(envelope_id: str):
    """Add a document (the raw PDF body) to an envelope without DocuSign's 25 MB request
    limit: benchmarks build envelopes larger than one request may carry."""
    st = control.state()
    content = request.get_data()
    with st.lock:
        envelope = st.get_envelope(None, envelope_id)
        document_id = str(len(envelope["documents"]) + 1)
        envelope["documents"].append(
            {
                "documentId": document_id,
                "documentIdGuid": str(uuid.uuid4()),
                "name": request.args.get("name") or f"document-{document_id}.pdf",
                "order": document_id,
                "display": "inline",
                "includeInDownload": "true",
                "signerMustAcknowledge": "no_interaction",
                "_pdf": content,
                "_pages": [{"width": "612", "height": "792"}],
            }
        )
        return jsonify({"documentId": document_id, "sizeBytes": len(content)}), 201


# ------------------------------------------------------------------ a callback receiver


@control.bp.post("/callbacks")
def capture_callback():
    """A test receiver for the connector's callbacks (not DocuSign's): send with
    `"callbackUrl": "http://127.0.0.1:8400/_emulator/callbacks"` in the local stack."""
    st = control.state()
    entry = {
        "headers": {k: v for k, v in request.headers.items() if k.lower().startswith("x-")},
        "body": request.get_data(as_text=True),
        "receivedAt": st.timestamp(),
    }
    with st.lock:
        st.callbacks_received.append(entry)
    return jsonify({"received": True})


@control.bp.get("/callbacks")
def list_callbacks():
    return jsonify({"callbacks": list(control.state().callbacks_received)})
