"""Signed documents and the Summary, streamed from DocuSign into the connector's bucket."""

from __future__ import annotations

from typing import Any

from ..adapters.docusign.client import DocuSignClient
from ..container import Services
from ..documents import signed_file_name
from ..domain import EnvelopeRecord, StoredDocument

CHUNK_BYTES = 64 * 1024
CERTIFICATE = "certificate"


def download_documents(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    listed: list[dict[str, Any]] | None,
) -> list[StoredDocument]:
    """Each document and the certificate (Summary); `listed` is DocuSign's document list when
    it came with the envelope (else it is asked for)."""
    envelope_id = record.envelope_id
    if listed is None:
        listed = client.list_documents(envelope_id)
    stored: list[StoredDocument] = []
    for entry in listed:
        document_id = str(entry.get("documentId") or "")
        kind = str(entry.get("type") or "content")
        if not document_id or kind != "content" or document_id == CERTIFICATE:
            continue
        with client.open_document(envelope_id, document_id) as response:
            stored.append(
                services.documents.put_signed(
                    record.connection,
                    envelope_id,
                    document_id,
                    signed_file_name(str(entry.get("name") or f"document-{document_id}")),
                    response.iter_content(CHUNK_BYTES),
                )
            )
    with client.open_document(envelope_id, CERTIFICATE) as response:
        stored.append(
            services.documents.put_signed(
                record.connection,
                envelope_id,
                CERTIFICATE,
                "Summary.pdf",
                response.iter_content(CHUNK_BYTES),
                kind="summary",
            )
        )
    return stored
