"""Embedded views: `POST …/views/recipient` and `POST …/views/sender`, and the small web pages
their URLs open (signing, and preparing/sending a draft)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for
from markupsafe import escape

from . import documents as docs
from . import focused_view, rest, signing, visibility
from .errors import DocuSignError, invalid_parameter, invalid_request_body
from .state import NOTIFY_ONLY_KINDS, EmulatorState
from .tabs import apply_values

pages = Blueprint("signing", __name__)

VIEW_TOKEN_TTL = timedelta(minutes=5)
MAX_RETURN_URL = 470
AUTHENTICATION_METHODS = {
    m.lower()
    for m in (
        "Biometric",
        "Email",
        "HTTPBasicAuth",
        "Kerberos",
        "KnowledgeBasedAuth",
        "None",
        "PaperDocuments",
        "Password",
        "RSASecureID",
        "SingleSignOn_CASiteminder",
        "SingleSignOn_InfoCard",
        "SingleSignOn_MicrosoftActiveDirectory",
        "SingleSignOn_Other",
        "SingleSignOn_Passport",
        "SingleSignOn_SAML",
        "Smartcard",
        "SSLMutualAuth",
        "X509Certificate",
    )
}
UNKNOWN_RECIPIENT = DocuSignError(
    400,
    "UNKNOWN_ENVELOPE_RECIPIENT",
    "The recipient you have identified is not a valid recipient of the specified envelope. "
    "Envelope recipient could not be determined. 'clientUserId', 'email', or 'userName' in "
    "request and envelope may not match.",
)


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def _view_body(definition: str) -> dict[str, Any]:
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body(f"The body must be a JSON object ({definition}).")
    rest.check_body(definition, body)
    return body


def _return_url(body: dict[str, Any]) -> str:
    url = (body.get("returnUrl") or "").strip()
    if not url:
        raise invalid_parameter("A value for 'returnUrl' must be specified.")
    return url[:MAX_RETURN_URL]


def issue_view_token(st: EmulatorState, kind: str, **data: Any) -> str:
    """A single-use token for a signing ("recipient") or sending ("sender") page."""
    token = secrets.token_urlsafe(32)
    with st.lock:
        st.view_tokens[token] = {
            "kind": kind,
            "expires_at": st.now() + VIEW_TOKEN_TTL,
            "used": False,
            **data,
        }
    return token


def _names_recipient(recipient: dict[str, Any], user_name: str, email: str) -> bool:
    """Whether `userName` and `email` of a view request name this recipient. An in-person
    signer's view is asked for by its host, whose name and e-mail must match exactly
    (DocuSign's in-person signing how-to: {HOST_NAME}, {HOST_EMAIL} "must exactly match
    (case-sensitive)"); other recipients by their own name and e-mail."""
    if recipient.get("_kind") == "inPersonSigners":
        return (
            str(recipient.get("hostName") or "").strip() == user_name
            and str(recipient.get("hostEmail") or "").strip() == email
        )
    return (recipient.get("email") or "").lower() == email.lower() and (
        recipient.get("name") or ""
    ).strip() == user_name


def _match_recipient(envelope: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    user_id = body.get("userId")
    email = (body.get("email") or "").strip()
    user_name = (body.get("userName") or "").strip()
    if not user_id and not (email and user_name):
        raise UNKNOWN_RECIPIENT
    client_user_id = body.get("clientUserId") or None
    recipient_id = body.get("recipientId")
    for kind, members in envelope["recipients"].items():
        if not isinstance(members, list) or kind in NOTIFY_ONLY_KINDS:
            continue
        for recipient in members:
            if recipient_id and recipient["recipientId"] != str(recipient_id):
                continue
            if (recipient.get("clientUserId") or None) != client_user_id:
                continue
            if user_id and recipient.get("userId") != user_id:
                continue
            if not user_id and not _names_recipient(recipient, user_name, email):
                continue
            return recipient
    raise UNKNOWN_RECIPIENT


@rest.bp.post("/envelopes/<envelope_id>/views/recipient")
def create_recipient_view(account_id: str, envelope_id: str):
    body = _view_body("recipientViewRequest")
    return_url = _return_url(body)
    method = (body.get("authenticationMethod") or "").strip()
    if not method:
        raise invalid_parameter("A value for 'authenticationMethod' must be specified.")
    if method.lower() not in AUTHENTICATION_METHODS:
        raise invalid_parameter(f"'{method}' is not a valid authenticationMethod.")
    ping = body.get("pingFrequency")
    if ping not in (None, "") and (not str(ping).isdigit() or not 60 <= int(ping) <= 1200):
        raise invalid_parameter("'pingFrequency' must be between 60 and 1200 seconds.")
    frame_ancestors = focused_view.check_focused_view(body, request.host_url.rstrip("/").lower())
    st = state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        if envelope["status"] in ("created", "voided"):
            raise DocuSignError(
                400,
                "ENVELOPE_INVALID_STATUS",
                "Invalid envelope status. Envelope status is not one of: Sent, Delivered, "
                f"Completed. Envelope status is {envelope['status']}.",
            )
        recipient = _match_recipient(envelope, body)
        if recipient["status"] == "created":
            raise DocuSignError(
                400,
                "RECIPIENT_NOT_IN_SEQUENCE",
                "The token for an out of sequence recipient can not be generated.",
            )
        token = issue_view_token(
            st,
            "recipient",
            envelope_id=envelope_id,
            recipient_id=recipient["recipientId"],
            return_url=return_url,
            frame_ancestors=frame_ancestors,
        )
    return jsonify({"url": f"{request.host_url}Signing/MTRedeem/v1/{token}?slt={token[:8]}"}), 201


@rest.bp.post("/envelopes/<envelope_id>/views/sender")
def create_sender_view(account_id: str, envelope_id: str):
    body = rest.json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (returnUrlRequest).")
    # Older clients send returnUrlRequest; newer ones envelopeViewRequest with settings.
    rest.check_body("returnUrlRequest", {"returnUrl": body.get("returnUrl")})
    return_url = _return_url(body)
    st = state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        if envelope["status"] != "created":
            raise DocuSignError(
                400,
                "ENVELOPE_INVALID_STATUS",
                "Invalid envelope status. Envelope status is not one of: Created. "
                f"Envelope status is {envelope['status']}.",
            )
        token = issue_view_token(st, "sender", envelope_id=envelope_id, return_url=return_url)
    return jsonify({"url": f"{request.host_url}Sending/MTRedeem/v1/{token}?send=1"}), 201


# ----------------------------------------------------------------------- pages

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0; background: #f4f4f6; }}
header {{ background: #1e1e3f; color: #fff; padding: .8rem 1.5rem; }}
main {{ max-width: 60rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem;
        border-radius: 8px; box-shadow: 0 1px 4px rgba(0,0,0,.15); }}
iframe {{ width: 100%; height: 32rem; border: 1px solid #ccc; margin-bottom: 1rem; }}
button {{ font-size: 1rem; padding: .5rem 1.2rem; margin: .3rem .5rem .3rem 0; cursor: pointer; }}
.primary {{ background: #ffc820; border: 1px solid #c99a00; }}
textarea {{ width: 100%; min-height: 4rem; }}
</style></head><body><header>DocuSign emulator</header><main>{body}</main></body></html>"""


def _html(title: str, body: str, status: int = 200) -> Response:
    return Response(
        _PAGE.format(title=escape(title), body=body),
        status=status,
        content_type="text/html; charset=utf-8",
    )


def _back_to(return_url: str, event: str):
    parts = urlsplit(return_url)
    query = parts.query + ("&" if parts.query else "") + urlencode({"event": event})
    return redirect(urlunsplit(parts._replace(query=query)), code=302)


def _session(session_id: str, kind: str) -> dict[str, Any] | None:
    st = state()
    with st.lock:
        session = st.view_sessions.get(session_id)
    if session is None or session["kind"] != kind:
        return None
    return session


def _redeem(token: str, kind: str):
    """Use a single-use view token: a session id, or an answer when the token is no good."""
    st = state()
    with st.lock:
        record = st.view_tokens.get(token)
        if record is None or record["kind"] != kind:
            return None, _html("Link not valid", "<h1>This link is not valid.</h1>", 404)
        envelope = st.envelopes.get(record["envelope_id"])
        if record["used"] or record["expires_at"] <= st.now():
            return None, _back_to(record["return_url"], "ttl_expired")
        record["used"] = True
        if envelope is not None:
            st.get_envelope(None, envelope["envelopeId"])  # applies expiry
        if envelope is None or envelope["status"] == "voided":
            return None, _back_to(record["return_url"], "ttl_expired")
        session_id = secrets.token_urlsafe(24)
        st.view_sessions[session_id] = dict(record)
        return session_id, None


def _document_frames(
    envelope: dict[str, Any],
    session_id: str,
    endpoint: str,
    recipient: dict[str, Any] | None = None,
) -> str:
    """The documents of the page, those the recipient may see when it is a signing page."""
    frames = []
    documents = docs.downloadable(envelope)
    if recipient is not None:
        documents = visibility.visible_documents(envelope, recipient, documents)
    for document in documents:
        src = url_for(endpoint, session_id=session_id, document_id=document["documentId"])
        frames.append(
            f"<h3>{escape(document['name'])}</h3>"
            f'<iframe src="{src}" title="{escape(document["name"])}"></iframe>'
        )
    return "".join(frames)


@pages.get("/Signing/MTRedeem/v1/<token>")
def signing_page(token: str):
    session_id, answer = _redeem(token, "recipient")
    if answer is not None:
        return answer
    return _framed(session_id, _signing_view(session_id))


def _framed(session_id: str, page: Response) -> Response:
    """A focused view's pages may be framed by its frameAncestors only."""
    session = _session(session_id, "recipient") or {}
    if session.get("frame_ancestors"):
        page.headers["Content-Security-Policy"] = focused_view.content_security_policy(
            session["frame_ancestors"]
        )
    return page


@pages.get("/Signing/session/<session_id>")
def signing_session_page(session_id: str):
    if _session(session_id, "recipient") is None:
        return _html("Not found", "<h1>Session not found.</h1>", 404)
    return _framed(session_id, _signing_view(session_id))


def _pending_check(session: dict[str, Any], recipient: dict[str, Any]) -> str | None:
    passed = session.setdefault("passed_checks", [])
    return next((c for c in signing.checks_needed(recipient) if c not in passed), None)


@pages.post("/Signing/session/<session_id>/identify")
def signing_identify(session_id: str):
    """The access code (or SMS/phone code) the recipient entered."""
    session = _session(session_id, "recipient")
    if session is None:
        return _html("Not found", "<h1>Session not found.</h1>", 404)
    st = state()
    with st.lock:
        envelope = st.envelopes[session["envelope_id"]]
        recipient = st.find_recipient(envelope, session["recipient_id"])
        check = _pending_check(session, recipient)
        if check is not None:
            passed = signing.verify(recipient, check, request.form.get("code", ""))
            signing.record(recipient, check, passed, st.timestamp())
            if not passed:
                action = url_for("signing.signing_identify", session_id=session_id)
                wrong = "That code is not correct. Try again."
                return _html(
                    "Verify your identity",
                    signing.identity_form(recipient, check, action, wrong),
                    401,
                )
            session["passed_checks"].append(check)
    return redirect(url_for("signing.signing_session_page", session_id=session_id), code=303)


def _signing_view(session_id: str):
    st = state()
    with st.lock:
        session = st.view_sessions[session_id]
        envelope = st.envelopes[session["envelope_id"]]
        recipient = st.find_recipient(envelope, session["recipient_id"])
        check = _pending_check(session, recipient)
        if check is not None:
            action = url_for("signing.signing_identify", session_id=session_id)
            return _html(
                "Verify your identity", signing.identity_form(recipient, check, action, "")
            )
        if recipient["status"] == "sent" and envelope["status"] in ("sent", "delivered"):
            st.mark_delivered(envelope["envelopeId"], recipient["recipientId"])
        can_act = recipient["status"] in ("sent", "delivered") and envelope["status"] in (
            "sent",
            "delivered",
        )
        frames = _document_frames(envelope, session_id, "signing.session_document", recipient)
        title = envelope["emailSubject"] or "Documents"
        blurb = envelope.get("emailBlurb") or ""
        name = recipient.get("name") or recipient.get("signerName") or ""
        fields = signing.fields_html(recipient, editable=can_act)
        problem = session.pop("problem", "")
    action = url_for("signing.signing_action", session_id=session_id)
    if problem:
        frames = f'<p class="error" role="alert">{escape(problem)}</p>' + frames
    if can_act:
        controls = (
            f'<form method="post" action="{action}">{fields}'
            '<button class="primary" name="action" value="sign">Sign and finish</button>'
            '<button name="action" value="finish_later">Finish later</button>'
            "<details><summary>Decline to sign</summary>"
            '<p><label>Reason <textarea name="reason"></textarea></label></p>'
            '<button name="action" value="decline">Decline</button></details></form>'
        )
    else:
        controls = (
            f'<form method="post" action="{action}">'
            '<button class="primary" name="action" value="close">Close</button></form>'
        )
    body = (
        f"<h1>{escape(title)}</h1><p>Hello {escape(name)}.</p>"
        + (f"<p>{escape(blurb)}</p>" if blurb else "")
        + frames
        + controls
    )
    return _html(title, body)


@pages.get("/Signing/session/<session_id>/documents/<document_id>")
def session_document(session_id: str, document_id: str):
    return _session_document(session_id, document_id, "recipient")


@pages.get("/Sending/session/<session_id>/documents/<document_id>")
def sending_document(session_id: str, document_id: str):
    return _session_document(session_id, document_id, "sender")


def _session_document(session_id: str, document_id: str, kind: str):
    session = _session(session_id, kind)
    if session is None:
        return _html("Not found", "<h1>Session not found.</h1>", 404)
    st = state()
    with st.lock:
        envelope = st.envelopes[session["envelope_id"]]
        candidates = envelope["documents"]
        if kind == "recipient":
            recipient = st.find_recipient(envelope, session["recipient_id"])
            candidates = visibility.visible_documents(envelope, recipient, candidates)
        document = next((d for d in candidates if d["documentId"] == document_id), None)
        if document is None:
            return _html("Not found", "<h1>Document not found.</h1>", 404)
        content = docs.document_pdf(envelope, document)
        filename = docs.download_name(document["name"])
    response = Response(content, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@pages.post("/Signing/session/<session_id>")
def signing_action(session_id: str):
    session = _session(session_id, "recipient")
    if session is None:
        return _html("Not found", "<h1>Session not found.</h1>", 404)
    action = request.form.get("action", "")
    st = state()
    try:
        if action == "sign":
            with st.lock:
                envelope = st.envelopes[session["envelope_id"]]
                recipient = st.find_recipient(envelope, session["recipient_id"])
                if _pending_check(session, recipient) is not None:
                    return _html("Not allowed", "<h1>Verify your identity first.</h1>", 403)
                missing = apply_values(recipient, request.form.to_dict())
                if missing:
                    # DocuSign does not let a signer finish while a required field is empty.
                    session["problem"] = "Fill in the required fields: " + ", ".join(missing)
                    return redirect(
                        url_for("signing.signing_session_page", session_id=session_id), code=303
                    )
            st.sign(session["envelope_id"], session["recipient_id"])
            event = "signing_complete"
        elif action == "decline":
            reason = request.form.get("reason", "").strip() or "Declined in the signing page"
            st.decline(session["envelope_id"], session["recipient_id"], reason)
            event = "decline"
        elif action == "finish_later":
            event = "cancel"
        else:
            event = "viewing_complete"
    except DocuSignError as error:
        return _html(
            "Cannot continue",
            f"<h1>Cannot continue</h1><p>{escape(error.error_code)}: {escape(error.message)}</p>",
            400,
        )
    with st.lock:
        st.view_sessions.pop(session_id, None)
    return _back_to(session["return_url"], event)


@pages.get("/Sending/MTRedeem/v1/<token>")
def sending_page(token: str):
    session_id, answer = _redeem(token, "sender")
    if answer is not None:
        return answer
    st = state()
    with st.lock:
        session = st.view_sessions[session_id]
        envelope = st.envelopes[session["envelope_id"]]
        rows = "".join(
            f"<li>{escape(r.get('name') or '')} &lt;{escape(r.get('email') or '')}&gt; - "
            f"{escape(r['recipientType'])}, routing order {escape(r['routingOrder'])}</li>"
            for r in st.iter_recipients(envelope)
        )
        frames = _document_frames(envelope, session_id, "signing.sending_document")
        subject = envelope["emailSubject"]
    action = url_for("signing.sending_action", session_id=session_id)
    body = (
        "<h1>Prepare and send</h1>"
        f'<form method="post" action="{action}">'
        f'<p><label>Subject <input name="emailSubject" value="{escape(subject)}" size="60" '
        'maxlength="100"></label></p>'
        f"<h2>Recipients</h2><ul>{rows or '<li>None yet</li>'}</ul><h2>Documents</h2>{frames}"
        '<button class="primary" name="action" value="send">Send</button>'
        '<button name="action" value="save">Save and close</button>'
        '<button name="action" value="cancel">Cancel</button></form>'
    )
    return _html("Prepare and send", body)


@pages.post("/Sending/session/<session_id>")
def sending_action(session_id: str):
    session = _session(session_id, "sender")
    if session is None:
        return _html("Not found", "<h1>Session not found.</h1>", 404)
    action = request.form.get("action", "")
    st = state()
    with st.lock:
        envelope = st.envelopes[session["envelope_id"]]
        if action in ("send", "save") and envelope["status"] == "created":
            subject = request.form.get("emailSubject")
            if subject is not None:
                envelope["emailSubject"] = subject.strip()[:100]
                envelope["lastModifiedDateTime"] = st.timestamp()
        if action == "send":
            complete = (
                envelope["emailSubject"].strip()
                and envelope["documents"]
                and envelope["recipients"]["recipientCount"] != "0"
            )
            if envelope["status"] != "created" or not complete:
                return _html(
                    "Cannot send",
                    "<h1>Cannot send</h1><p>The Envelope is not Complete. A Complete Envelope "
                    "Requires Documents, Recipients, Tabs, and a Subject Line.</p>",
                    400,
                )
            st.send(envelope)
            event = "Send"
        elif action == "save":
            event = "Save"
        else:
            event = "Cancel"
        st.view_sessions.pop(session_id, None)
    return _back_to(session["return_url"], event)
