"""eSignature REST API v2.1: `/restapi/v2.1/accounts/{accountId}/…`."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, g, jsonify, request

from . import docgen_fields, references, schema, visibility, workflow
from . import documents as docs
from .dates import format_datetime, parse_datetime
from .errors import DocuSignError, invalid_parameter, invalid_request_body, not_supported
from .state import RECIPIENT_KINDS, EmulatorState
from .tabs import check_authentication
from .validation import MAX_EMAIL_BLURB, MAX_EMAIL_SUBJECT, MAX_REQUEST_BYTES, build_envelope

bp = Blueprint("rest", __name__, url_prefix="/restapi/v2.1/accounts/<account_id>")

AUTH_FAILED = DocuSignError(
    401,
    "USER_AUTHENTICATION_FAILED",
    "One or both of Username and Password are invalid. Invalid access token",
)
NOT_A_MEMBER = DocuSignError(
    400,
    "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT",
    "The specified User is not a member of the specified Account.",
)
ENVELOPE_INCOMPLETE = DocuSignError(
    400,
    "ENVELOPE_IS_INCOMPLETE",
    "The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, Tabs, "
    "and a Subject Line.",
)
LIST_FILTER_REQUIRED = (
    "Query parameter 'from_date' must be set to a valid DateTime, or 'envelope_ids' or "
    "'transaction_ids' must be specified."
)
LIST_STATUSES = frozenset(
    {
        "completed",
        "created",
        "declined",
        "deleted",
        "delivered",
        "processing",
        "sent",
        "signed",
        "timedout",
        "voided",
    }
)


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@bp.before_request
def authenticate() -> None:
    """Every call needs a live token of a user who belongs to the account in the path."""
    account_id = state().account_guid((request.view_args or {}).get("account_id", ""))
    if request.view_args is not None and "account_id" in request.view_args:
        request.view_args["account_id"] = account_id  # every view sees the GUID
    g.rest_account_id = account_id
    token = bearer_token()
    record = state().token_record(token) if token else None
    if record is None:
        raise AUTH_FAILED
    if not state().user_belongs_to(record["user_id"], account_id):
        raise NOT_A_MEMBER
    g.user_id = record["user_id"]
    envelope_id = (request.view_args or {}).get("envelope_id")
    if envelope_id:
        from .membership import check_envelope_access

        with state().lock:
            check_envelope_access(state(), record["user_id"], account_id, envelope_id)
    if request.method == "GET" and envelope_id:
        g.polling_violation = state().note_envelope_get(
            record["integration_key"], envelope_id, request.path
        )
    g.rate = state().consume_rate(account_id)
    if g.rate["exceeded"] == "hourly":
        raise DocuSignError(
            429,
            "HOURLY_APIINVOCATION_LIMIT_EXCEEDED",
            "The maximum number of hourly API invocations has been exceeded",
        )
    if g.rate["exceeded"] == "burst":
        raise DocuSignError(
            429,
            "BURST_APIINVOCATION_LIMIT_EXCEEDED",
            "The maximum number of burst API invocations has been exceeded",
        )


def raw_body() -> bytes:
    """The request body (as read by read_limited_body when it had to read it itself)."""
    kept = g.get("raw_body")
    return kept if kept is not None else request.get_data(cache=True)


def json_body() -> Any:
    raw = raw_body()
    if not raw.strip():
        raise invalid_request_body("The request body is empty.")
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise invalid_request_body(f"Invalid JSON: {exc}") from exc


def check_body(definition_name: str, body: Any) -> None:
    """Check a request body against DocuSign's definition, in the state's type mode, and keep
    what the request log reports: properties DocuSign ignores, scalars read as text."""
    coerced: list[str] = []
    g.ignored_properties = schema.check_body(
        definition_name, body, strict=state().strict_types, coerced=coerced
    )
    g.coerced_properties = coerced


def include_set(param: str = "include") -> set[str]:
    return {v.strip().lower() for v in request.args.get(param, "").split(",") if v.strip()}


def _true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


# ------------------------------------------------------------------- rendering


def set_workflow_status(st: EmulatorState, envelope: dict[str, Any], requested: str) -> None:
    """Resume a paused workflow (`in_progress`); pausing one under way is not supported."""
    if requested.strip().lower() != "in_progress":
        raise not_supported(
            f"Setting workflowStatus to '{requested}' is",
            "an envelope is paused only by a pause_before step of its workflow",
        )
    if workflow.unpause(envelope, st.now()):
        st.continue_routing(envelope)


def render_recipient(recipient: dict[str, Any], include_tabs: bool) -> dict[str, Any]:
    out = {k: v for k, v in recipient.items() if not k.startswith("_") and v is not None}
    if not include_tabs:
        out.pop("tabs", None)
    # The access code is the sender's secret: DocuSign does not hand it back.
    out.pop("accessCode", None)
    out.setdefault("deliveryMethod", "email")
    if recipient["_kind"] == "signers":
        out.setdefault("creationReason", "sender")
    out.setdefault("requireIdLookup", "false")
    out["completedCount"] = "1" if recipient["status"] == "completed" else "0"
    return out


def render_recipients(envelope: dict[str, Any], include_tabs: bool = False) -> dict[str, Any]:
    recipients = envelope["recipients"]
    out: dict[str, Any] = {
        kind: [render_recipient(r, include_tabs) for r in recipients.get(kind, [])]
        for kind in RECIPIENT_KINDS
    }
    out["recipientCount"] = recipients["recipientCount"]
    out["currentRoutingOrder"] = recipients["currentRoutingOrder"]
    return out


def render_custom_fields(envelope: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(envelope["customFields"]))


def render_documents(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    envelope_id = envelope["envelopeId"]
    rendered = []
    for document in sorted(envelope["documents"], key=lambda d: int(d["order"])):
        rendered.append(
            {
                "documentId": document["documentId"],
                "documentIdGuid": document["documentIdGuid"],
                "name": document["name"],
                "type": "content",
                "uri": f"/envelopes/{envelope_id}/documents/{document['documentId']}",
                "order": document["order"],
                "pages": _pages(document["documentIdGuid"], document["_pages"]),
                "display": document["display"],
                "includeInDownload": document["includeInDownload"],
                "signerMustAcknowledge": document["signerMustAcknowledge"],
                "templateRequired": "false",
                "authoritativeCopy": "false",
                "availableDocumentTypes": [{"type": "electronic", "isDefault": "true"}],
                "containsPdfFormFields": "false",
                "sizeBytes": str(len(document["_pdf"])),
            }
        )
    certificate_guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"certificate:{envelope_id}"))
    rendered.append(
        {
            "documentId": "certificate",
            "documentIdGuid": certificate_guid,
            "name": "Summary",
            "type": "summary",
            "uri": f"/envelopes/{envelope_id}/documents/certificate",
            "order": "999",
            "pages": _pages(certificate_guid, [{"width": "612", "height": "792"}]),
            "display": "inline",
            "includeInDownload": "true",
            "signerMustAcknowledge": "no_interaction",
            "templateRequired": "false",
            "authoritativeCopy": "false",
            "availableDocumentTypes": [{"type": "electronic", "isDefault": "true"}],
        }
    )
    return rendered


def _pages(guid: str, pages: list[dict[str, str]]) -> list[dict[str, str]]:
    return [
        {
            "pageId": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{guid}:{index}")),
            "sequence": str(index + 1),
            "height": page["height"],
            "width": page["width"],
            "dpi": "72",
        }
        for index, page in enumerate(pages)
    ]


DATE_FIELDS = (
    "createdDateTime",
    "lastModifiedDateTime",
    "initialSentDateTime",
    "sentDateTime",
    "deliveredDateTime",
    "completedDateTime",
    "declinedDateTime",
    "voidedDateTime",
    "statusChangedDateTime",
)


def render_envelope(envelope: dict[str, Any], include: set[str]) -> dict[str, Any]:
    envelope_id = envelope["envelopeId"]
    base = f"/envelopes/{envelope_id}"
    expirations = envelope["notification"]["expirations"]
    out: dict[str, Any] = {
        "envelopeId": envelope_id,
        "status": envelope["status"],
        "emailSubject": envelope["emailSubject"],
        "envelopeUri": base,
        "documentsUri": f"{base}/documents",
        "documentsCombinedUri": f"{base}/documents/combined",
        "certificateUri": f"{base}/documents/certificate",
        "recipientsUri": f"{base}/recipients",
        "attachmentsUri": f"{base}/attachments",
        "customFieldsUri": f"{base}/custom_fields",
        "notificationUri": f"{base}/notification",
        "templatesUri": f"{base}/templates",
        "signingLocation": envelope["signingLocation"],
        "enableWetSign": "true",
        "allowMarkup": "false",
        "allowReassign": "true",
        "allowComments": "true",
        "allowViewHistory": "true",
        "autoNavigation": "true",
        "envelopeIdStamping": "true",
        "is21CFRPart11": "false",
        "isSignatureProviderEnvelope": "false",
        "signerCanSignOnMobile": "true",
        "hasComments": "false",
        "hasFormDataChanged": "false",
        "isDynamicEnvelope": "false",
        "envelopeLocation": "current_site",
        "purgeState": "unpurged",
        "expireEnabled": expirations["expireEnabled"],
        "expireAfter": expirations["expireAfter"],
        "sender": {
            "userName": envelope["sender"]["userName"],
            "userId": envelope["sender"]["userId"],
            "accountId": envelope["accountId"],
            "email": envelope["sender"]["email"],
        },
    }
    if envelope.get("emailBlurb"):
        out["emailBlurb"] = envelope["emailBlurb"]
    for field in DATE_FIELDS:
        if envelope.get(field):
            out[field] = envelope[field]
    if envelope.get("expireDateTime"):
        out["expireDateTime"] = envelope["expireDateTime"]
    if envelope.get("voidedReason"):
        out["voidedReason"] = envelope["voidedReason"]
    if envelope.get("transactionId"):
        out["transactionId"] = envelope["transactionId"]
    if envelope.get("brandId"):
        out["brandId"] = envelope["brandId"]
    # As in DocuSign's Connect envelopeSummary, which mirrors this object.
    out["notification"] = json.loads(json.dumps(envelope["notification"]))
    if "recipients" in include or "tabs" in include:
        out["recipients"] = render_recipients(envelope, include_tabs="tabs" in include)
    if "custom_fields" in include:
        out["customFields"] = render_custom_fields(envelope)
    if "documents" in include:
        out["envelopeDocuments"] = render_documents(envelope)
    return out


def sender_of(user_id: str, account_id: str) -> dict[str, str]:
    user = state().users[user_id]
    return {
        "userName": user["name"],
        "userId": user_id,
        "accountId": account_id,
        "email": user["email"],
    }


# ------------------------------------------------------------------- envelopes


def read_limited_body() -> None:
    """Refuse request bodies over DocuSign's request size limit (after draining them, so the
    caller reads our answer instead of a reset connection). Bodies sent without a length
    (chunked) are read here, up to the limit."""
    length = request.content_length
    if length is not None and length <= MAX_REQUEST_BYTES:
        return
    stream = request.stream
    kept = bytearray()
    total = 0
    while chunk := stream.read(1 << 20):
        total += len(chunk)
        if total <= MAX_REQUEST_BYTES:
            kept += chunk
    if total > MAX_REQUEST_BYTES or (length or 0) > MAX_REQUEST_BYTES:
        g.body_too_large = True
        raise DocuSignError(
            413,
            "REQUEST_ENTITY_TOO_LARGE",
            f"The request body is {max(total, length or 0)} bytes; the maximum request size is "
            f"{MAX_REQUEST_BYTES} bytes.",
        )
    g.raw_body = bytes(kept)


def _account_template(account_id: str, template_id: str) -> dict[str, Any]:
    with state().lock:
        template = state().templates.get(template_id)
    if template is None or template["accountId"] != account_id:
        raise DocuSignError(400, "TEMPLATE_ID_INVALID", "Invalid template ID.")
    return template


@bp.post("/envelopes")
def create_envelope(account_id: str):
    read_limited_body()
    definition = json_body()
    template = None
    if isinstance(definition, dict) and definition.get("templateId"):
        with state().lock:
            template = state().templates.get(str(definition["templateId"]))
        if template is None or template["accountId"] != account_id:
            raise DocuSignError(400, "TEMPLATE_ID_INVALID", "Invalid template ID.")
    with state().lock:
        account_notification = state().accounts[account_id].get("notification")
    record = build_envelope(
        definition,
        account_id,
        sender_of(g.user_id, account_id),
        template=template,
        account_notification=account_notification,
        strict_types=state().strict_types,
        now=state().now(),
        find_template=lambda template_id: _account_template(account_id, template_id),
    )
    check_authentication(record["recipients"], state().accounts.get(account_id) or {})
    if record["status"] == "sent":
        docgen_fields.refuse_unfilled(record)
    with state().lock:
        settings = {**DEFAULT_ACCOUNT_SETTINGS, **state().account_settings.get(account_id, {})}
        account = state().accounts.setdefault(account_id, {"account_id": account_id})
        references.check_envelope_references(account, record)
    visibility.check_allowed(definition, settings)
    g.ignored_properties = record["_ignoredProperties"]
    g.coerced_properties = record["_coercedProperties"]
    envelope = state().add_envelope(record)
    body = {
        "envelopeId": envelope["envelopeId"],
        "uri": f"/envelopes/{envelope['envelopeId']}",
        "statusDateTime": envelope["statusChangedDateTime"],
        "status": envelope["status"],
    }
    return jsonify(body), 201


@bp.get("/envelopes/<envelope_id>")
def get_envelope(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        return jsonify(render_envelope(envelope, include_set()))


@bp.put("/envelopes/<envelope_id>")
def update_envelope(account_id: str, envelope_id: str):
    body = json_body()
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (envelope).")
    check_body("envelope", body)
    st = state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        status = (body.get("status") or "").strip().lower()
        given_workflow = body.get("workflow")
        if isinstance(given_workflow, dict) and given_workflow.get("workflowStatus"):
            # DocuSign's unpause how-to: Envelopes:update with workflowStatus in_progress.
            set_workflow_status(st, envelope, str(given_workflow["workflowStatus"]))
        if status == "voided":
            reason = (body.get("voidedReason") or "").strip()
            if not reason:
                raise invalid_parameter(
                    "Value for 'voidedReason' must be specified when voiding an envelope."
                )
            st.void(envelope, reason)
        elif status in ("sent", ""):
            if envelope["status"] == "created":
                for field, limit in (
                    ("emailSubject", MAX_EMAIL_SUBJECT),
                    ("emailBlurb", MAX_EMAIL_BLURB),
                ):
                    if len(body.get(field) or "") > limit:
                        raise invalid_parameter(f"{field} is longer than {limit} characters.")
                for field in ("emailSubject", "emailBlurb"):
                    if field in body:
                        envelope[field] = body[field] or ""
                envelope["lastModifiedDateTime"] = st.timestamp()
            elif status == "sent" or "emailSubject" in body or "emailBlurb" in body:
                raise DocuSignError(
                    400,
                    "ENVELOPE_INVALID_STATUS",
                    "Invalid envelope status. Envelope status is not one of: Created. "
                    f"Envelope status is {envelope['status']}.",
                )
            if status == "sent":
                if (
                    not envelope["emailSubject"].strip()
                    or not envelope["documents"]
                    or envelope["recipients"]["recipientCount"] == "0"
                ):
                    raise ENVELOPE_INCOMPLETE
                docgen_fields.refuse_unfilled(envelope)
                st.send(envelope)
            if _true(request.args.get("resend_envelope")) and envelope["status"] in (
                "sent",
                "delivered",
            ):
                st.emit("envelope-resent", envelope)
                current = envelope["recipients"]["currentRoutingOrder"]
                for recipient in st.iter_recipients(envelope):
                    if recipient["routingOrder"] == current:
                        st.resend_to(envelope, recipient)
        else:
            raise DocuSignError(
                400,
                "ENVELOPE_INVALID_STATUS",
                f"Invalid envelope status. '{body.get('status')}' cannot be set by an update.",
            )
        return jsonify({"envelopeId": envelope_id})


@bp.get("/envelopes/<envelope_id>/recipients")
def list_recipients(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        return jsonify(render_recipients(envelope, _true(request.args.get("include_tabs"))))


@bp.get("/envelopes/<envelope_id>/custom_fields")
def list_custom_fields(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        return jsonify(render_custom_fields(envelope))


@bp.get("/envelopes/<envelope_id>/notification")
def get_notification(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        return jsonify(json.loads(json.dumps(envelope["notification"])))


def _as_recipient(envelope: dict[str, Any]) -> dict[str, Any] | None:
    """The recipient named by `recipient_id` ("Allows the sender to retrieve the documents as
    one of the recipients that they control"), if any."""
    recipient_id = request.args.get("recipient_id")
    if not recipient_id:
        return None
    return state().find_recipient(envelope, recipient_id)


def _documents_seen(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    """The downloadable documents, as the `recipient_id` of the request sees them."""
    recipient = _as_recipient(envelope)
    documents = docs.downloadable(envelope)
    if recipient is None:
        return documents
    return visibility.visible_documents(envelope, recipient, documents)


@bp.get("/envelopes/<envelope_id>/documents")
def list_documents(account_id: str, envelope_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        listed = render_documents(envelope)
        recipient = _as_recipient(envelope)
        if recipient is not None:
            seen = {
                d["documentId"]
                for d in visibility.visible_documents(envelope, recipient, envelope["documents"])
            }
            listed = [d for d in listed if d["type"] != "content" or d["documentId"] in seen]
        return jsonify({"envelopeId": envelope_id, "envelopeDocuments": listed})


def _content_disposition(filename: str, document_id: str) -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    value = f'file; filename="{ascii_name}"; documentid="{document_id}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename)}"
    return value


@bp.get("/envelopes/<envelope_id>/documents/<document_id>")
def get_document(account_id: str, envelope_id: str, document_id: str):
    with state().lock:
        envelope = state().get_envelope(account_id, envelope_id)
        content_type = "application/pdf"
        refusal = state().refused_downloads.get(document_id)
        if refusal is not None:
            raise DocuSignError(400, *refusal)
        override = state().download_overrides.get(document_id)
        if override is not None:
            content, content_type = override
            filename = f"{document_id}.bin"
        elif document_id == "certificate":
            content, filename = docs.certificate_pdf(envelope), "Summary.pdf"
        elif document_id in ("combined", "portfolio"):
            content = docs.combined_pdf(
                envelope, _true(request.args.get("certificate")), _documents_seen(envelope)
            )
            filename = f"{document_id}.pdf"
        elif document_id == "archive":
            content = docs.archive_zip(envelope, _documents_seen(envelope))
            filename = "archive.zip"
            content_type = "application/zip"
        else:
            candidates = envelope["documents"]
            recipient = _as_recipient(envelope)
            if recipient is not None:
                candidates = visibility.visible_documents(envelope, recipient, candidates)
            document = next((d for d in candidates if d["documentId"] == document_id), None)
            if document is None:
                raise DocuSignError(
                    404,
                    "DOCUMENT_DOES_NOT_EXIST",
                    "The document specified was not found.",
                )
            content = docs.document_pdf(envelope, document)
            filename = docs.download_name(document["name"])
    if request.headers.get("Content-Transfer-Encoding", "").lower() == "base64":
        content = base64.b64encode(content)
    response = Response(content, status=200, content_type=content_type)
    response.headers["Content-Disposition"] = _content_disposition(filename, document_id)
    return response


# ---------------------------------------------------------------- status lists


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _list_status_changes(account_id: str, args: dict[str, str], body: dict[str, Any]):
    envelope_ids = _split(args.get("envelope_ids"))
    transaction_ids = _split(args.get("transaction_ids"))
    if args.get("envelope_ids") == "request_body":
        envelope_ids = list(body.get("envelopeIds") or [])
    if args.get("transaction_ids") == "request_body":
        transaction_ids = list(body.get("transactionIds") or [])
    from_date = to_date = None
    if args.get("from_date"):
        try:
            from_date = parse_datetime(args["from_date"])
        except ValueError as exc:
            raise invalid_parameter(LIST_FILTER_REQUIRED) from exc
    if not (from_date or envelope_ids or transaction_ids):
        raise invalid_parameter(LIST_FILTER_REQUIRED)
    if args.get("to_date"):
        try:
            to_date = parse_datetime(args["to_date"])
        except ValueError as exc:
            raise invalid_parameter("Query parameter 'to_date' must be a valid DateTime.") from exc
    statuses = {s.lower() for s in _split(args.get("status"))}
    if statuses - LIST_STATUSES - {"any"}:
        raise invalid_parameter(f"Invalid 'status' value: {args.get('status')}.")
    from_to_status = (args.get("from_to_status") or "changed").lower()
    include = {v.lower() for v in _split(args.get("include"))}
    st = state()
    try:
        # DocuSign returns at most 1,000 envelopes per call, also when asked for more.
        count = min(int(args.get("count") or st.list_page_cap), st.list_page_cap)
        start = int(args.get("start_position") or 0)
    except ValueError as exc:
        raise invalid_parameter("'count' and 'start_position' must be integers.") from exc
    if count < 0 or start < 0:
        raise invalid_parameter("'count' and 'start_position' must not be negative.")
    low = format_datetime(from_date) if from_date else None
    high = format_datetime(to_date) if to_date else None
    date_field = {
        "changed": "statusChangedDateTime",
        "created": "createdDateTime",
        "sent": "sentDateTime",
        "delivered": "deliveredDateTime",
        "completed": "completedDateTime",
        "declined": "declinedDateTime",
        "voided": "voidedDateTime",
    }.get(from_to_status, "statusChangedDateTime")
    with st.lock:
        matched = []
        for envelope_id in list(st.envelopes):
            envelope = st.envelopes[envelope_id]
            if envelope["accountId"] != account_id:
                continue
            st.get_envelope(account_id, envelope_id)  # applies expiry
            if envelope_ids and envelope_id not in envelope_ids:
                continue
            if transaction_ids and envelope.get("transactionId") not in transaction_ids:
                continue
            if statuses and "any" not in statuses and envelope["status"] not in statuses:
                continue
            if "any" in statuses and envelope["status"] == "created":
                continue  # DocuSign: status=any leaves drafts out, by design
            if low is not None:
                moment = envelope.get(date_field)
                if not moment or moment < low or (high is not None and moment > high):
                    continue
            matched.append(envelope)
        matched.sort(key=lambda e: e["statusChangedDateTime"])
        page = matched[start : start + count]
        result: dict[str, Any] = {
            "resultSetSize": str(len(page)),
            "totalSetSize": str(len(matched)),
            "startPosition": str(start),
            "endPosition": str(start + len(page) - 1 if page else start),
            "envelopes": [render_envelope(e, include) for e in page],
        }
        if transaction_ids:
            result["envelopeTransactionStatuses"] = [
                {
                    "envelopeId": e["envelopeId"],
                    "status": e["status"],
                    "transactionId": e["transactionId"],
                }
                for e in matched
            ]
        if page and start + len(page) < len(matched):
            # The same request with the next start position (DocuSign's words); the form
            # relative to /restapi/v2.1 is our choice, DocuSign shows no literal value.
            next_args = dict(args)
            next_args["start_position"] = str(start + len(page))
            query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in next_args.items())
            result["nextUri"] = f"/accounts/{account_id}/envelopes?{query}"
        result["lastQueriedDateTime"] = st.timestamp()
        return jsonify(result)


@bp.get("/envelopes")
def list_status_changes(account_id: str):
    return _list_status_changes(account_id, request.args.to_dict(), {})


@bp.put("/envelopes/status")
def list_status(account_id: str):
    body = json_body() if request.get_data(cache=True).strip() else None
    if body is None:
        raise invalid_request_body("A request body is required (at least {}).")
    if not isinstance(body, dict):
        raise invalid_request_body("The body must be a JSON object (envelopeIdsRequest).")
    return _list_status_changes(account_id, request.args.to_dict(), body)


AUDIT_ACTIONS = {
    "envelope-created": "Registered",
    "envelope-sent": "Sent Invitations",
    "envelope-resent": "Resent Invitations",
    "recipient-delivered": "Viewed",
    "recipient-completed": "Signed",
    "recipient-declined": "Declined",
    "envelope-completed": "Completed",
    "envelope-voided": "Voided",
    "envelope-declined": "Declined",
}


@bp.get("/envelopes/<envelope_id>/audit_events")
def list_audit_events(account_id: str, envelope_id: str):
    """The envelope's history as DocuSign's audit events (field names as in its SOAP twin)."""
    st = state()
    with st.lock:
        envelope = st.get_envelope(account_id, envelope_id)
        recipients = {r["recipientId"]: r for r in st.iter_recipients(envelope)}
        sender = envelope["sender"]
        audit = []
        for event in st.events:
            if event["envelopeId"] != envelope_id or event["event"] not in AUDIT_ACTIONS:
                continue
            recipient = recipients.get(event.get("recipientId") or "")
            if recipient is not None and recipient["_kind"] == "carbonCopies":
                continue  # a copy was delivered; nobody acted
            actor = recipient if recipient and event["event"] != "recipient-sent" else None
            user_name = actor.get("name", "") if actor else sender["userName"]
            message = AUDIT_ACTIONS[event["event"]]
            if recipient is not None:
                message += f" by {recipient.get('name', '')} ({recipient.get('email', '')})"
            fields = {
                "logTime": event["generatedDateTime"],
                "Source": "API" if actor is None else "Web",
                "UserName": user_name,
                "UserId": "" if actor else sender["userId"],
                "Action": AUDIT_ACTIONS[event["event"]],
                "Message": message,
                "EnvelopeStatus": event.get("envelopeStatus") or "",
                "ClientIPAddress": "127.0.0.1",
                "Information": "",
                "GeoLocation": "",
                "Language": "english (us)",
            }
            audit.append({"eventFields": [{"name": k, "value": v} for k, v in fields.items()]})
        return jsonify({"auditEvents": audit})


# Settings an account reports (`accountSettingsInformation`, values as strings); the ones the
# connector's calls depend on, at what a new account has.
DEFAULT_ACCOUNT_SETTINGS = {
    "allowDocumentVisibility": "true",
    "allowEnvelopeCustomFields": "true",
    "enableSequentialSigningAPI": "true",
    "allowReminders": "true",
    "allowConnectHttpListenerConfigs": "false",
}


@bp.get("/settings")
def get_account_settings(account_id: str):
    st = state()
    with st.lock:
        return jsonify({**DEFAULT_ACCOUNT_SETTINGS, **st.account_settings.get(account_id, {})})


@bp.get("/identity_verification")
def list_identity_verification(account_id: str):
    """IdentityVerifications:list (`accountIdentityVerificationResponse`)."""
    st = state()
    with st.lock:
        workflows = st.accounts[account_id].get("identityVerification") or []
        return jsonify({"identityVerification": [dict(w) for w in workflows]})
