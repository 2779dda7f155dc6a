"""Control endpoints under `/_emulator/` for tests and the local stack. Not part of DocuSign."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from . import connect, docgen_fields, templates
from .errors import DocuSignError
from .state import EmulatorState
from .validation import build_template

bp = Blueprint("control", __name__, url_prefix="/_emulator")


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def _json() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def serialise_request(entry: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in entry.items() if k != "body"}
    body: bytes = entry.get("body") or b""
    try:
        out["body"] = body.decode("utf-8")
        out["bodyEncoding"] = "text"
    except UnicodeDecodeError:
        out["body"] = base64.b64encode(body).decode()
        out["bodyEncoding"] = "base64"
    return out


def serialise_envelope(envelope: dict[str, Any]) -> Any:
    """The raw record as JSON: document bytes are summarised, not dumped."""

    def convert(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: convert(v) for k, v in value.items()}
        if isinstance(value, list):
            return [convert(v) for v in value]
        if isinstance(value, bytes):
            return {"sizeBytes": len(value), "sha256": hashlib.sha256(value).hexdigest()}
        return value

    return convert(envelope)


@bp.get("/health")
def health():
    return jsonify({"status": "ok"})


@bp.post("/integrations")
def register_integration() -> ResponseReturnValue:
    body = _json()
    missing = [f for f in ("integrationKey", "publicKeyPem", "userId") if not body.get(f)]
    if missing:
        return jsonify({"error": f"missing fields: {', '.join(missing)}"}), 400
    kwargs: dict[str, Any] = {}
    if body.get("userName"):
        kwargs["user_name"] = body["userName"]
    if body.get("userEmail"):
        kwargs["user_email"] = body["userEmail"]
    if body.get("accounts") is not None:
        kwargs["accounts"] = [
            {
                "account_id": a.get("account_id") or a.get("accountId"),
                "account_name": a.get("account_name") or a.get("accountName"),
                "is_default": a.get("is_default", a.get("isDefault", False)),
                "base_uri": a.get("base_uri", a.get("baseUri")),
            }
            for a in body["accounts"]
        ]
    if "consented" in body:
        kwargs["consented"] = bool(body["consented"])
    st = state()
    try:
        st.register_integration(
            body["integrationKey"], body["publicKeyPem"], body["userId"], **kwargs
        )
    except ValueError as exc:
        return jsonify({"error": f"publicKeyPem: {exc}"}), 400
    return (
        jsonify(
            {
                "integrationKey": body["integrationKey"],
                "userId": body["userId"],
                "accounts": st.user_accounts(body["userId"], request.host_url),
            }
        ),
        201,
    )


@bp.post("/integrations/<integration_key>/consent")
def set_consent(integration_key: str):
    st = state()
    if integration_key not in st.integrations:
        return jsonify({"error": "unknown integration key"}), 404
    st.set_consent(integration_key, bool(_json().get("consented", True)))
    return jsonify(
        {
            "integrationKey": integration_key,
            "consented": st.integrations[integration_key]["consented"],
        }
    )


@bp.put("/accounts/<account_id>/notification")
def set_account_notification(account_id: str):
    """The account's Reminders and Expiration settings: `{"reminders": {…}, "expirations":
    {…}}` in DocuSign's notification shape."""
    body = _json()
    st = state()
    if account_id not in st.accounts:
        return jsonify({"error": "unknown account"}), 404
    st.set_account_notification(
        account_id, dict(body.get("reminders") or {}), dict(body.get("expirations") or {})
    )
    return jsonify(st.accounts[account_id]["notification"])


@bp.get("/requests")
def list_requests():
    st = state()
    with st.lock:
        entries = [serialise_request(e) for e in st.requests]
    return jsonify({"requests": entries})


@bp.delete("/requests")
def clear_requests():
    state().clear_requests()
    return "", 204


@bp.delete("/tokens")
def revoke_tokens():
    """Invalidate every access token issued so far (as a password reset or revoked consent
    would); the next REST call answers 401."""
    state().revoke_tokens()
    return "", 204


@bp.get("/token-requests")
def token_requests():
    st = state()
    with st.lock:
        return jsonify(dict(st.token_requests))


@bp.post("/clock")
def advance_clock():
    seconds = float(_json().get("advanceSeconds") or 0)
    st = state()
    st.advance_clock(seconds)
    return jsonify({"now": st.timestamp()})


@bp.post("/rate-limits")
def set_rate_limits():
    body = _json()
    st = state()
    window = body.get("windowSeconds")
    st.set_rate_limits(
        hourly_limit=int(body["hourlyLimit"]) if body.get("hourlyLimit") else None,
        burst_limit=int(body["burstLimit"]) if body.get("burstLimit") else None,
        window_seconds=float(window) if window else None,
    )
    return jsonify(
        {
            "hourlyLimit": st.hourly_limit,
            "burstLimit": st.burst_limit,
            "windowSeconds": st.rate_window_seconds,
        }
    )


@bp.get("/envelopes")
def list_envelopes():
    st = state()
    with st.lock:
        return jsonify(
            {
                "envelopes": [
                    {
                        "envelopeId": e["envelopeId"],
                        "accountId": e["accountId"],
                        "status": e["status"],
                        "emailSubject": e["emailSubject"],
                        "transactionId": e.get("transactionId"),
                        "folder": e.get("folder"),
                    }
                    for e in st.envelopes.values()
                ]
            }
        )


@bp.get("/envelopes/<envelope_id>")
def raw_envelope(envelope_id: str):
    st = state()
    with st.lock:
        envelope = st.get_envelope(None, envelope_id)
        return jsonify(json.loads(json.dumps(serialise_envelope(envelope))))


@bp.post("/envelopes/<envelope_id>/recipients/<recipient_id>/deliver")
def deliver(envelope_id: str, recipient_id: str):
    envelope = state().mark_delivered(envelope_id, recipient_id)
    return jsonify({"envelopeId": envelope_id, "status": envelope["status"]})


@bp.post("/envelopes/<envelope_id>/recipients/<recipient_id>/sign")
def sign(envelope_id: str, recipient_id: str):
    envelope = state().sign(envelope_id, recipient_id)
    return jsonify({"envelopeId": envelope_id, "status": envelope["status"]})


@bp.post("/envelopes/<envelope_id>/recipients/<recipient_id>/decline")
def decline(envelope_id: str, recipient_id: str):
    reason = str(_json().get("reason") or "").strip()
    if not reason:
        raise DocuSignError(400, "INVALID_REQUEST_PARAMETER", "A decline reason is required.")
    envelope = state().decline(envelope_id, recipient_id, reason)
    return jsonify({"envelopeId": envelope_id, "status": envelope["status"]})


@bp.post("/envelopes/<envelope_id>/complete")
def complete(envelope_id: str):
    envelope = state().complete(envelope_id)
    return jsonify({"envelopeId": envelope_id, "status": envelope["status"]})


@bp.get("/events")
def events():
    st = state()
    with st.lock:
        return jsonify({"events": list(st.events)})


@bp.post("/faults")
def add_fault():
    body = _json()
    try:
        fault = state().faults.add(
            str(body.get("kind", "")),
            count=int(body.get("count", 1)),
            path=body.get("path"),
            method=body.get("method"),
            latency_seconds=float(body.get("latencySeconds") or 0),
        )
    except (ValueError, TypeError, re.error) as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(fault), 201


@bp.get("/faults")
def list_faults():
    return jsonify({"faults": state().faults.list()})


@bp.delete("/faults")
def clear_faults():
    state().faults.clear()
    return "", 204


# --------------------------------------------------------------------- Connect


@bp.post("/connect")
def add_connect_configuration():
    body = _json()
    st = state()
    missing = [f for f in ("accountId", "url") if not body.get(f)]
    if missing:
        return jsonify({"error": f"missing fields: {', '.join(missing)}"}), 400
    try:
        config = connect.add_configuration(
            st,
            account_id=str(body["accountId"]),
            url=str(body["url"]),
            hmac_keys=[str(k) for k in body.get("hmacKeys") or []],
            events=[str(e) for e in body.get("events") or []],
            include_documents=bool(body.get("includeDocuments")),
            include_data=body.get("includeData"),
            name=str(body.get("name") or ""),
        )
    except ValueError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify(connect.describe(config)), 201


@bp.get("/connect")
def list_connect_configurations():
    st = state()
    with st.lock:
        return jsonify(
            {"configurations": [connect.describe(c) for c in st.connect_configs.values()]}
        )


@bp.delete("/connect")
def clear_connect_configurations():
    st = state()
    with st.lock:
        st.connect_configs.clear()
    return "", 204


@bp.delete("/connect/<int:configuration_id>")
def delete_connect_configuration(configuration_id: int):
    st = state()
    with st.lock:
        if st.connect_configs.pop(configuration_id, None) is None:
            return jsonify({"error": "unknown configuration"}), 404
    return "", 204


@bp.post("/connect/keys")
def set_connect_keys():
    body = _json()
    if not body.get("accountId"):
        return jsonify({"error": "missing fields: accountId"}), 400
    st = state()
    with st.lock:
        st.connect_hmac_keys[str(body["accountId"])] = [str(k) for k in body.get("keys") or []]
        count = len(st.connect_hmac_keys[str(body["accountId"])])
    return jsonify({"accountId": body["accountId"], "keyCount": count})


@bp.get("/connect/deliveries")
def connect_deliveries():
    st = state()
    with st.lock:
        return jsonify(
            {"deliveries": [connect.describe_delivery(d) for d in st.connect_deliveries]}
        )


@bp.post("/connect/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int):
    """Deliver an earlier message again, identical: what a listener sees when DocuSign
    delivers twice."""
    copy = connect.ensure_publisher(state()).redeliver(delivery_id)
    if copy is None:
        return jsonify({"error": "unknown delivery"}), 404
    return jsonify(connect.describe_delivery(copy)), 201


@bp.post("/connect/retry")
def connect_retry():
    publisher = connect.ensure_publisher(state())
    return jsonify({"retried": publisher.retry_now()})


# ------------------------------------------------------------------- templates


@bp.post("/templates")
def add_template():
    """Register a server template for an account: the body is DocuSign's envelopeTemplate
    (name, emailSubject, documents, recipients with roleName) plus `accountId`."""
    body = _json()
    account_id = str(body.pop("accountId", "") or "")
    # A DocGen document declares its sender fields (DocuSign reads them from the DOCX).
    docgen = {
        str(d.get("documentId")): d.pop("docGenFormFields")
        for d in body.get("documents") or []
        if isinstance(d, dict) and "docGenFormFields" in d
    }
    st = state()
    with st.lock:
        if account_id not in st.accounts:
            return jsonify({"error": "accountId must name a registered account"}), 400
        owner_id = next(
            (
                u["user_id"]
                for u in st.users.values()
                if any(m["account_id"] == account_id for m in u["accounts"])
            ),
            None,
        )
        owner = st.users[owner_id] if owner_id else {"name": "", "email": "", "user_id": ""}
    record = build_template(
        body,
        account_id,
        {
            "userName": owner["name"],
            "userId": owner["user_id"],
            "accountId": account_id,
            "email": owner["email"],
        },
        strict_types=st.strict_types,
    )
    for document in record["documents"]:
        if document["documentId"] in docgen:
            try:
                fields = docgen_fields.check_definitions(document, docgen[document["documentId"]])
            except ValueError as exc:
                return jsonify({"error": str(exc)}), 400
            document["_docGen"] = fields
    template = templates.add_template(st, record)
    return jsonify({"templateId": template["templateId"], "name": template["name"]}), 201


@bp.get("/polling-violations")
def polling_violations():
    st = state()
    with st.lock:
        return jsonify({"violations": list(st.polling_violations)})
