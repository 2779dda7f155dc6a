"""Send documents for signature (or save a draft): once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.callbacks import check_callback_target
from ..adapters.docusign.body import MAX_REQUEST_BYTES, DocumentSource, request_size
from ..container import Services, get_services
from ..documents import InlineDocument
from ..domain import Deadline, EnvelopeStatus
from ..errors import BadRequest, PayloadTooLarge
from ..mapping import record_from_envelope
from ..models.requests import SendEnvelopeRequest
from ..models.responses import SendEnvelopeResponse
from .definition import PreparedDocument, envelope_definition, file_extension

logger = Logger(child=True)


def transaction_id_for(connection: str, idempotency_key: str | None) -> str:
    """DocuSign's transactionId: derived from the caller's Idempotency-Key when there is one,
    so a send whose answer was lost can be found again."""
    if idempotency_key:
        digest = hashlib.sha256(f"{connection}\x1f{idempotency_key}".encode()).hexdigest()
        return digest[:32]
    return uuid.uuid4().hex


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


def _recipients_as_sent(definition: dict[str, Any], status: str) -> dict[str, Any]:
    """The definition's recipients as DocuSign reports them right after the send: those of
    the first routing order have been sent the envelope, the others wait."""
    groups = definition.get("recipients") or {}
    signers = list(groups.get("signers", [])) + list(definition.get("templateRoles", []))
    copies = list(groups.get("carbonCopies", []))
    first = min((int(r["routingOrder"]) for r in signers + copies), default=1)

    def as_sent(entry: dict[str, Any]) -> dict[str, Any]:
        current = status == EnvelopeStatus.SENT and int(entry["routingOrder"]) == first
        return {
            "email": entry["email"],
            "name": entry["name"],
            "routingOrder": entry["routingOrder"],
            "recipientId": entry.get("recipientId"),
            "status": "sent" if current else "created",
        }

    return {
        "signers": [as_sent(r) for r in signers],
        "carbonCopies": [as_sent(r) for r in copies],
    }


def send_envelope(
    connection_name: str,
    request: SendEnvelopeRequest,
    *,
    idempotency_key: str | None = None,
    deadline: Deadline = None,
    services: Services | None = None,
) -> SendEnvelopeResponse:
    """Send once per Idempotency-Key: the same key and body return the first answer; the same
    key with another body is a 409; a send still under way with that key is a 409 too."""
    services = services or get_services()
    if not idempotency_key:
        return _send(connection_name, request, None, deadline, services)
    answer = services.idempotency.run_once(
        f"{connection_name}\x1f{idempotency_key}",
        request.model_dump(mode="json", by_alias=True),
        lambda: _send(connection_name, request, idempotency_key, deadline, services).dump(),
        deadline=deadline,
    )
    return SendEnvelopeResponse.model_validate(answer)


def _send(
    connection_name: str,
    request: SendEnvelopeRequest,
    idempotency_key: str | None,
    deadline: Deadline,
    services: Services,
) -> SendEnvelopeResponse:
    connection = services.connections.get(connection_name)
    if request.callback_url is not None:
        check_callback_target(request.callback_url, connection.callback_secret, connection_name)
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
    first_attempt = idempotency_key is None or services.store.claim_transaction(transaction_id)
    summary = client.create_envelope(definition, sources, look_up_first=not first_attempt)
    status = str(summary.get("status") or request.status).lower()
    status_time = clock.normalize(summary.get("statusDateTime")) or clock.now_iso()
    record = record_from_envelope(
        {
            "envelopeId": str(summary["envelopeId"]),
            "status": status,
            "statusChangedDateTime": status_time,
            "sentDateTime": status_time if status == EnvelopeStatus.SENT else None,
            "emailSubject": request.email_subject,
            "customFields": definition.get("customFields"),
            "recipients": _recipients_as_sent(definition, status),
            "transactionId": transaction_id,
        },
        connection_name,
        None,
        "connector",
    )
    record.callback_url = request.callback_url
    services.store.create(record)
    services.store.add_history(
        record.envelope_id, f"envelope-{status}", status, status_time, "connector"
    )
    logger.info(
        "envelope created",
        extra={
            "connection": connection_name,
            "envelope_id": record.envelope_id,
            "status": status,
            "documents": len(sources),
            "docusign_calls": client.calls,
        },
    )
    return SendEnvelopeResponse(
        envelope_id=record.envelope_id,
        status=status,
        sent_date_time=record.sent_date_time,
        connection=connection_name,
    )
