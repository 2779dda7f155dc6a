"""The connector's actions on envelopes: send, status, signed documents, void."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from aws_lambda_powertools import Logger

from . import clock
from .connections import validate_connection_name
from .definition import PreparedDocument, envelope_definition, file_extension
from .documents import InlineDocument
from .docusign import MAX_REQUEST_BYTES, DocumentSource, DocuSignClient, request_size
from .errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from .models import (
    ENVELOPE_ID,
    DocumentOut,
    DocumentsResponse,
    EnvelopeStatusResponse,
    EnvelopeSummaryOut,
    HistoryEntry,
    ListEnvelopesResponse,
    RecipientOut,
    SendEnvelopeRequest,
    SendEnvelopeResponse,
    VoidEnvelopeResponse,
)
from .service import Services, get_services
from .store import (
    EnvelopeRecord,
    InvalidPageToken,
    RecipientState,
    StoredDocument,
    claim_transaction,
    list_envelopes,
)

logger = Logger(child=True)

# Lambda answers are capped at 6 MB; keep room for the JSON around the documents.
MAX_INLINE_RESPONSE_BYTES = 5_500_000
_VOIDABLE = {"sent", "delivered"}
_RECIPIENT_TYPES = {
    "signers": "signer",
    "carbonCopies": "carbonCopy",
    "agents": "agent",
    "editors": "editor",
    "intermediaries": "intermediary",
    "certifiedDeliveries": "certifiedDelivery",
    "inPersonSigners": "inPersonSigner",
    "witnesses": "witness",
    "seals": "seal",
    "notaries": "notary",
}

Deadline = Callable[[], float] | None


def _not_found(envelope_id: str) -> NotFound:
    return NotFound(
        f"envelope {envelope_id!r} was not found for this connection", code="ENVELOPE_NOT_FOUND"
    )


def transaction_id_for(connection: str, idempotency_key: str | None) -> str:
    """DocuSign's transactionId: derived from the caller's Idempotency-Key when there is one,
    so a send whose answer was lost can be found again."""
    if idempotency_key:
        digest = hashlib.sha256(f"{connection}\x1f{idempotency_key}".encode()).hexdigest()
        return digest[:32]
    return uuid.uuid4().hex


# ----------------------------------------------------------------------------------- send


def _prepare_documents(
    services: Services, connection: str, request: SendEnvelopeRequest
) -> tuple[list[PreparedDocument], list[DocumentSource]]:
    prepared: list[PreparedDocument] = []
    sources: list[DocumentSource] = []
    for document in request.documents:
        if document.content_base64 is not None:
            inline = InlineDocument.from_base64(document.name, document.content_base64)
            extension = file_extension(document.name, None, inline.head)
            sources.append(inline)
        else:
            assert document.s3_key is not None
            stored = services.documents.inbox_document(connection, document.s3_key)
            try:
                extension = file_extension(document.name, document.s3_key, None)
            except BadRequest:
                head = services.documents.head_bytes(stored.key, stored.version_id)
                extension = file_extension(document.name, document.s3_key, head)
            sources.append(stored)
        prepared.append(PreparedDocument(name=document.name, file_extension=extension))
    return prepared, sources


def _initial_recipients(definition: dict[str, Any], status: str) -> list[RecipientState]:
    recipients: list[RecipientState] = []
    groups = definition.get("recipients") or {}
    entries = [("signer", r) for r in groups.get("signers", [])]
    entries += [("carbonCopy", r) for r in groups.get("carbonCopies", [])]
    entries += [("signer", r) for r in definition.get("templateRoles", [])]
    first = min((int(r["routingOrder"]) for _, r in entries), default=1)
    for kind, entry in entries:
        order = int(entry["routingOrder"])
        current = status == "sent" and order == first
        recipients.append(
            RecipientState(
                type=kind,
                email=entry["email"],
                name=entry["name"],
                routing_order=order,
                status="sent" if current else "created",
                recipient_id=entry.get("recipientId"),
            )
        )
    return recipients


IDEMPOTENCY_SECONDS = 7 * 24 * 3600  # as long as DocuSign keeps a transactionId


def send_envelope(
    connection_name: str,
    request: SendEnvelopeRequest,
    *,
    idempotency_key: str | None = None,
    deadline: Deadline = None,
    lambda_context: Any = None,
    services: Services | None = None,
) -> SendEnvelopeResponse:
    """Send once per Idempotency-Key: the same key and body return the first answer; the same
    key with another body is a 409; a send still under way with that key is a 409 too."""
    services = services or get_services()
    if not idempotency_key:
        return _send_envelope(connection_name, request, None, deadline, services)
    from aws_lambda_powertools.utilities.idempotency import (
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body",
        expires_after_seconds=IDEMPOTENCY_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    if lambda_context is not None:
        # An in-progress record then expires with this invocation, not after an hour.
        config.register_lambda_context(lambda_context)

    @idempotent_function(
        data_keyword_argument="claim", persistence_store=services.store.idempotency, config=config
    )
    def once(claim: dict[str, Any]) -> dict[str, Any]:
        return _send_envelope(connection_name, request, idempotency_key, deadline, services).dump()

    claim = {
        "key": f"{connection_name}\x1f{idempotency_key}",
        "body": request.model_dump(mode="json", by_alias=True),
    }
    try:
        return SendEnvelopeResponse.model_validate(once(claim=claim))
    except IdempotencyValidationError:
        raise Conflict(
            "this Idempotency-Key was already used with a different request body",
            code="IDEMPOTENCY_KEY_REUSED",
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "a send with this Idempotency-Key is still in progress; retry shortly",
            code="IDEMPOTENCY_IN_PROGRESS",
            headers={"Retry-After": "2"},
        ) from None


def _send_envelope(
    connection_name: str,
    request: SendEnvelopeRequest,
    idempotency_key: str | None,
    deadline: Deadline,
    services: Services,
) -> SendEnvelopeResponse:
    connection = services.connections.get(connection_name)
    prepared, sources = _prepare_documents(services, connection_name, request)
    transaction_id = transaction_id_for(connection_name, idempotency_key)
    definition = envelope_definition(request, prepared, transaction_id)
    if sources and request_size(definition, sources) > MAX_REQUEST_BYTES:
        raise PayloadTooLarge(
            "the documents are too large for one DocuSign request (about 25 MB of files at "
            "most); send fewer or smaller documents",
            code="ENVELOPE_TOO_LARGE",
        )
    client = services.client(connection, deadline)
    # A keyed send that an earlier attempt already posted (its answer lost, its container
    # gone) is looked up by transactionId first, whichever container retries it.
    first_attempt = idempotency_key is None or claim_transaction(services.store, transaction_id)
    summary = client.create_envelope(definition, sources, look_up_first=not first_attempt)
    envelope_id = str(summary["envelopeId"])
    status = str(summary.get("status") or request.status).lower()
    status_time = clock.normalize(summary.get("statusDateTime")) or clock.now_iso()
    record = EnvelopeRecord(
        envelope_id=envelope_id,
        connection=connection_name,
        status=status,
        source="connector",
        email_subject=request.email_subject,
        status_changed_date_time=status_time,
        sent_date_time=status_time if status == "sent" else None,
        custom_fields=dict(request.custom_fields),
        recipients=_initial_recipients(definition, status),
        transaction_id=transaction_id,
        created_at=clock.now_iso(),
        last_synced_at=clock.now_iso(),
    )
    services.store.create(record)
    services.store.add_history(envelope_id, f"envelope-{status}", status, status_time, "connector")
    logger.info(
        "envelope created",
        extra={
            "connection": connection_name,
            "envelope_id": envelope_id,
            "status": status,
            "documents": len(sources),
            "docusign_calls": client.calls,
        },
    )
    return SendEnvelopeResponse(
        envelope_id=envelope_id,
        status=status,
        sent_date_time=record.sent_date_time,
        connection=connection_name,
    )


# --------------------------------------------------------------------------------- status


def owned_record(services: Services, connection: str, envelope_id: str) -> EnvelopeRecord | None:
    if not ENVELOPE_ID.match(envelope_id):
        raise _not_found(envelope_id)
    record = services.store.get(envelope_id.lower())
    if record is not None and record.connection != connection:
        # Another connection's envelope: indistinguishable from one that does not exist.
        raise _not_found(envelope_id)
    return record


def record_from_envelope(
    envelope: dict[str, Any], connection: str, previous: EnvelopeRecord | None, source: str
) -> EnvelopeRecord:
    recipients: list[RecipientState] = []
    groups = envelope.get("recipients") or {}
    for group, kind in _RECIPIENT_TYPES.items():
        for entry in groups.get(group) or []:
            order = entry.get("routingOrder")
            recipients.append(
                RecipientState(
                    type=kind,
                    email=entry.get("email"),
                    name=entry.get("name"),
                    routing_order=int(order) if str(order or "").isdigit() else None,
                    status=entry.get("status"),
                    signed_date_time=clock.normalize(entry.get("signedDateTime")),
                    declined_reason=entry.get("declinedReason"),
                    recipient_id=entry.get("recipientId"),
                )
            )
    custom_fields = {
        str(f.get("name")): str(f.get("value", ""))
        for f in (envelope.get("customFields") or {}).get("textCustomFields") or []
        if f.get("name")
    }
    status = str(envelope.get("status") or "").lower()
    return EnvelopeRecord(
        envelope_id=str(envelope.get("envelopeId") or (previous.envelope_id if previous else "")),
        connection=connection,
        status=status,
        source=source,
        email_subject=envelope.get("emailSubject")
        or (previous.email_subject if previous else None),
        status_changed_date_time=clock.normalize(
            envelope.get("statusChangedDateTime") or envelope.get("statusDateTime")
        ),
        sent_date_time=clock.normalize(envelope.get("sentDateTime")),
        completed_date_time=clock.normalize(envelope.get("completedDateTime")),
        voided_date_time=clock.normalize(envelope.get("voidedDateTime")),
        voided_reason=envelope.get("voidedReason"),
        custom_fields=custom_fields or (previous.custom_fields if previous else {}),
        recipients=recipients or (previous.recipients if previous else []),
        transaction_id=envelope.get("transactionId")
        or (previous.transaction_id if previous else None),
        created_at=previous.created_at if previous else clock.now_iso(),
        last_synced_at=clock.now_iso(),
        documents=previous.documents if previous else [],
        documents_archived=previous.documents_archived if previous else False,
        documents_fetched_at=previous.documents_fetched_at if previous else None,
    )


def _sync(
    services: Services,
    client: DocuSignClient,
    connection: str,
    envelope_id: str,
    previous: EnvelopeRecord | None,
    include: str = "recipients,custom_fields",
) -> tuple[EnvelopeRecord, dict[str, Any]]:
    envelope = client.get_envelope(envelope_id, include=include)
    fetched = record_from_envelope(envelope, connection, previous, "docusign")
    # A Connect event may have recorded a later, final status meanwhile: the table wins then.
    record = services.store.save(fetched)
    if record is fetched and (previous is None or previous.status != record.status):
        services.store.add_history(
            record.envelope_id,
            f"envelope-{record.status}",
            record.status,
            record.status_changed_date_time,
            "docusign",
        )
    return record, envelope


def _is_fresh(services: Services, record: EnvelopeRecord) -> bool:
    if record.terminal:
        return True
    age = clock.age_seconds(record.last_synced_at)
    return age is not None and age < services.settings.status_max_age_seconds


def _current_record(
    services: Services, connection_name: str, envelope_id: str, deadline: Deadline
) -> EnvelopeRecord:
    """The envelope as the table knows it, refreshed from DocuSign at most once per
    STATUS_MAX_AGE_SECONDS (DocuSign's polling rule); untracked envelopes are fetched once
    and tracked from then on."""
    record = owned_record(services, connection_name, envelope_id)
    if record is not None and _is_fresh(services, record):
        return record
    connection = services.connections.get(connection_name)
    client = services.client(connection, deadline)
    return _sync(services, client, connection_name, envelope_id.lower(), record)[0]


def status_response(
    record: EnvelopeRecord, history: list[dict[str, Any]] | None
) -> EnvelopeStatusResponse:
    recipients = sorted(
        record.recipients,
        key=lambda r: (
            r.routing_order or 0,
            r.type != "signer",
            int(r.recipient_id or 0) if str(r.recipient_id or "").isdigit() else 0,
        ),
    )
    return EnvelopeStatusResponse(
        envelope_id=record.envelope_id,
        status=record.status,
        status_changed_date_time=record.status_changed_date_time,
        sent_date_time=record.sent_date_time,
        completed_date_time=record.completed_date_time,
        voided_reason=record.voided_reason,
        email_subject=record.email_subject,
        custom_fields=record.custom_fields,
        recipients=[
            RecipientOut(
                email=r.email,
                name=r.name,
                type=r.type,
                routing_order=r.routing_order,
                status=r.status,
                signed_date_time=r.signed_date_time,
                declined_reason=r.declined_reason,
            )
            for r in recipients
        ],
        last_synced_date_time=record.last_synced_at,
        source=record.source,
        history=[HistoryEntry(**_history_fields(h)) for h in history]
        if history is not None
        else None,
    )


def _history_fields(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "event": entry["event"],
        "status": entry.get("status"),
        "date_time": entry["dateTime"],
        "source": entry["source"],
    }


def get_envelope_status(
    connection_name: str,
    envelope_id: str,
    *,
    include_history: bool = False,
    deadline: Deadline = None,
    services: Services | None = None,
) -> EnvelopeStatusResponse:
    services = services or get_services()
    record = _current_record(services, connection_name, envelope_id, deadline)
    history = services.store.history(record.envelope_id) if include_history else None
    return status_response(record, history)


# ------------------------------------------------------------------------------ documents


def _download_documents(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    listed: list[dict[str, Any]] | None,
) -> list[StoredDocument]:
    """Each document and the certificate (Summary); the list comes with the envelope."""
    envelope_id = record.envelope_id
    if listed is None:
        listed = client.list_documents(envelope_id)
    stored: list[StoredDocument] = []
    for entry in listed:
        document_id = str(entry.get("documentId") or "")
        kind = str(entry.get("type") or "content")
        if not document_id or kind != "content" or document_id == "certificate":
            continue
        with client.open_document(envelope_id, document_id) as response:
            stored.append(
                services.documents.put_signed(
                    record.connection,
                    envelope_id,
                    document_id,
                    str(entry.get("name") or f"document-{document_id}"),
                    response.iter_content(64 * 1024),
                )
            )
    with client.open_document(envelope_id, "certificate") as response:
        stored.append(
            services.documents.put_signed(
                record.connection,
                envelope_id,
                "certificate",
                "Summary",
                response.iter_content(64 * 1024),
                kind="summary",
            )
        )
    return stored


def _display_name(name: str, escape_non_ascii: bool) -> str:
    if not escape_non_ascii:
        return name
    return "".join(c if ord(c) < 128 else quote(c) for c in name)


def get_signed_documents(
    connection_name: str,
    envelope_id: str,
    *,
    include_content: bool = False,
    escape_non_ascii: bool = False,
    deadline: Deadline = None,
    services: Services | None = None,
) -> DocumentsResponse:
    services = services or get_services()
    record = owned_record(services, connection_name, envelope_id)
    snapshot_age = clock.age_seconds(record.documents_fetched_at) if record else None
    reuse = (
        record is not None
        and record.documents
        and (
            record.documents_archived
            or (
                not record.terminal
                and snapshot_age is not None
                and snapshot_age < services.settings.status_max_age_seconds
            )
        )
    )
    if not reuse:
        connection = services.connections.get(connection_name)
        client = services.client(connection, deadline)
        # One GET gives the current status and the document list: n + 2 calls in all.
        record, envelope = _sync(
            services,
            client,
            connection_name,
            envelope_id.lower(),
            record,
            include="recipients,custom_fields,documents",
        )
        listed = envelope.get("envelopeDocuments")
        record.documents = _download_documents(
            services, client, record, listed if isinstance(listed, list) else None
        )
        record.documents_fetched_at = clock.now_iso()
        # A finished envelope's documents never change again: download them once, ever.
        record.documents_archived = record.terminal
        # (if a Connect event finished the envelope meanwhile, the table keeps its newer state)
        services.store.save(record)
        logger.info(
            "documents downloaded",
            extra={
                "envelope_id": record.envelope_id,
                "docusign_calls": client.calls,
                "archived": record.documents_archived,
            },
        )
    assert record is not None
    if include_content:
        total = sum(4 * ((d.size_bytes + 2) // 3) for d in record.documents)
        if total > MAX_INLINE_RESPONSE_BYTES:
            raise PayloadTooLarge(
                "the documents are too large to return inline; download them from the "
                "pre-signed URLs (call again without include=content)",
                code="RESPONSE_TOO_LARGE",
            )

    def out(document: StoredDocument) -> DocumentOut:
        name = _display_name(document.name, escape_non_ascii)
        content = None
        if include_content:
            content = base64.b64encode(services.documents.read(document.s3_key)).decode()
        return DocumentOut(
            document_id=document.document_id,
            name=name,
            content_type=document.content_type,
            size_bytes=document.size_bytes,
            sha256=document.sha256,
            url=services.documents.presigned_url(document.s3_key, document.name),
            s3_key=document.s3_key,
            content_base64=content,
        )

    contents = [d for d in record.documents if d.kind == "content"]
    summary = next(d for d in record.documents if d.kind == "summary")
    return DocumentsResponse(
        envelope_id=record.envelope_id,
        status=record.status,
        documents=[out(d) for d in contents],
        summary=out(summary),
    )


# ----------------------------------------------------------------------------------- void


def void_envelope(
    connection_name: str,
    envelope_id: str,
    reason: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> VoidEnvelopeResponse:
    services = services or get_services()
    record = owned_record(services, connection_name, envelope_id)
    envelope_id = envelope_id.lower()
    if record is not None and record.status not in _VOIDABLE and _is_fresh(services, record):
        raise Conflict(
            f"envelope {envelope_id} is {record.status}; only envelopes in the 'Sent' or "
            "'Delivered' states may be voided",
            code="INVALID_STATE",
            details=[{"status": record.status}],
        )
    connection = services.connections.get(connection_name)
    client = services.client(connection, deadline)
    client.void_envelope(envelope_id, reason)
    voided_at = clock.now_iso()
    if record is None:
        record = EnvelopeRecord(
            envelope_id=envelope_id,
            connection=connection_name,
            status="voided",
            source="connector",
            created_at=voided_at,
        )
    record.status = "voided"
    record.source = "connector"
    record.voided_reason = reason
    record.voided_date_time = voided_at
    record.status_changed_date_time = voided_at
    record.last_synced_at = voided_at
    services.store.save(record)
    services.store.add_history(envelope_id, "envelope-voided", "voided", voided_at, "connector")
    return VoidEnvelopeResponse(
        envelope_id=envelope_id,
        status="voided",
        voided_reason=reason,
        voided_date_time=voided_at,
        connection=connection_name,
    )


# ----------------------------------------------------------------------------------- list

KNOWN_STATUSES = frozenset(
    {
        "created",
        "sent",
        "delivered",
        "signed",
        "completed",
        "declined",
        "voided",
        "correct",
        "processing",
    }
)
MAX_PAGE = 100


def list_tracked_envelopes(
    connection_name: str,
    *,
    status: str | None = None,
    changed_from: str | None = None,
    changed_to: str | None = None,
    limit: str | None = None,
    next_token: str | None = None,
    services: Services | None = None,
) -> ListEnvelopesResponse:
    """The connection's tracked envelopes from the table (no DocuSign call), newest change
    first, optionally filtered by status and by the date of the last status change."""
    services = services or get_services()
    validate_connection_name(connection_name)
    statuses = {s.strip().lower() for s in (status or "").split(",") if s.strip()}
    unknown = sorted(statuses - KNOWN_STATUSES)
    if unknown:
        raise BadRequest(
            f"unknown status {', '.join(unknown)}; use {', '.join(sorted(KNOWN_STATUSES))}",
            code="INVALID_STATUS",
        )
    bounds: list[str | None] = []
    for name, value in (("from", changed_from), ("to", changed_to)):
        if value:
            moment = clock.parse(value)
            if moment is None:
                raise BadRequest(f"{name} must be an ISO 8601 date", code="INVALID_DATE")
            bounds.append(clock.iso(moment))
        else:
            bounds.append(None)
    try:
        size = int(limit) if limit else 50
    except ValueError:
        raise BadRequest("limit must be a number", code="INVALID_LIMIT") from None
    if not 1 <= size <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}", code="INVALID_LIMIT")
    try:
        records, token = list_envelopes(
            services.store,
            connection_name,
            statuses=statuses or None,
            changed_from=bounds[0],
            changed_to=bounds[1],
            limit=size,
            next_token=next_token,
        )
    except InvalidPageToken:
        raise BadRequest(
            "nextToken is not one this API gave out", code="INVALID_NEXT_TOKEN"
        ) from None
    return ListEnvelopesResponse(
        connection=connection_name,
        envelopes=[
            EnvelopeSummaryOut(
                envelope_id=r.envelope_id,
                status=r.status,
                status_changed_date_time=r.status_changed_date_time,
                sent_date_time=r.sent_date_time,
                completed_date_time=r.completed_date_time,
                email_subject=r.email_subject,
                custom_fields=r.custom_fields,
                last_synced_date_time=r.last_synced_at,
            )
            for r in records
        ],
        next_token=token,
    )
