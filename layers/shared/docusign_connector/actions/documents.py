"""The signed documents and the Summary of an envelope, as pre-signed URLs (and, on request,
inline). A finished envelope is downloaded from DocuSign once, ever; later calls are served
from S3."""

from __future__ import annotations

import base64
from urllib.parse import quote

from aws_lambda_powertools import Logger

from .. import clock
from ..container import Services, get_services
from ..domain import Deadline, EnvelopeRecord, StoredDocument
from ..errors import PayloadTooLarge
from ..models.queries import DocumentsQuery
from ..models.responses import DocumentOut, DocumentsResponse
from .archive import download_documents
from .packages import SEPARATE, fetch_package
from .senders import client_for
from .status import owned_record, sync_envelope

logger = Logger(child=True)

# Lambda answers are capped at 6 MB; keep room for the JSON around the documents.
MAX_INLINE_RESPONSE_BYTES = 5_500_000


def _display_name(name: str, escape_non_ascii: bool) -> str:
    if not escape_non_ascii:
        return name
    return "".join(c if ord(c) < 128 else quote(c) for c in name)


def _reusable(services: Services, record: EnvelopeRecord | None) -> bool:
    """Whether the table's copy of the documents can be served without asking DocuSign."""
    if record is None or not record.documents:
        return False
    if record.documents_archived:
        return True
    age = clock.age_seconds(record.documents_fetched_at)
    return (
        not record.terminal and age is not None and age < services.settings.status_max_age_seconds
    )


def _refresh(
    services: Services,
    connection_name: str,
    envelope_id: str,
    record: EnvelopeRecord | None,
    deadline: Deadline,
) -> EnvelopeRecord:
    client = client_for(services, connection_name, record, deadline)
    # One GET gives the current status and the document list: n + 2 calls in all.
    first_seen = record is None
    record, envelope = sync_envelope(
        services,
        client,
        connection_name,
        envelope_id.lower(),
        record,
        include="recipients,custom_fields,documents",
    )
    if first_seen:  # from now on as its sender, whom DocuSign lets read it
        client = client_for(services, connection_name, record, deadline)
    listed = envelope.get("envelopeDocuments")
    record.documents = download_documents(
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
    return record


def get_signed_documents(
    connection_name: str,
    envelope_id: str,
    query: DocumentsQuery | None = None,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> DocumentsResponse:
    services = services or get_services()
    query = query or DocumentsQuery()
    record = owned_record(services, connection_name, envelope_id)
    if query.format != SEPARATE:
        packaged = fetch_package(services, connection_name, envelope_id, record, query, deadline)
        if packaged is not None:
            return packaged
        record = owned_record(services, connection_name, envelope_id)
    if record is None or not _reusable(services, record):
        record = _refresh(services, connection_name, envelope_id, record, deadline)
    if query.content:
        total = sum(4 * ((d.size_bytes + 2) // 3) for d in record.documents)
        if total > MAX_INLINE_RESPONSE_BYTES:
            raise PayloadTooLarge(
                "the documents are too large to return inline; download them from the "
                "pre-signed URLs (call again without include=content)",
                code="RESPONSE_TOO_LARGE",
            )

    def out(document: StoredDocument) -> DocumentOut:
        content = None
        if query.content:
            content = base64.b64encode(services.documents.read(document.s3_key)).decode()
        return DocumentOut(
            document_id=document.document_id,
            name=_display_name(document.name, query.escape_non_ascii_filenames),
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
        requested_format=query.format,
    )
