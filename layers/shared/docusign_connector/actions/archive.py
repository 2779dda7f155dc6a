"""Signed documents and the Summary, streamed from DocuSign into the connector's bucket, each
no larger than a document DocuSign could have taken.

DocuSign's documented limits ("eSignature API rules and resource limits",
https://developers.docusign.com/docs/esign-rest-api/esign101/rules-and-limits/, and "From the
Trenches: Chunked uploads", https://www.docusign.com/blog/developers/the-trenches-chunked-uploads):
an envelope holds at most 200 MB of documents, and the largest single document reaches it as a
chunked upload of at most 52,428,800 bytes (its `maxTotalSize`). Signing adds to a
PDF (DocuSign does not say how much), so a signed document may be up to MAX_DOCUMENT_BYTES and
all of an envelope's MAX_ENVELOPE_BYTES; anything larger did not come from DocuSign as it
documents itself, and is refused rather than stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..adapters.docusign.client import DocuSignClient
from ..container import Services
from ..documents import signed_file_name
from ..domain import EnvelopeRecord, StoredDocument
from ..errors import UpstreamError

CHUNK_BYTES = 64 * 1024
CERTIFICATE = "certificate"
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
MAX_ENVELOPE_BYTES = 256 * 1024 * 1024


class TooLargeFromDocuSign(UpstreamError):
    """DocuSign's answer is larger than any document (or envelope) DocuSign takes."""


def bounded(chunks: Iterator[bytes], limit: int, what: str) -> Iterator[bytes]:
    """The chunks, refused (`TooLargeFromDocuSign`) as soon as they pass `limit` bytes."""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLargeFromDocuSign(
                f"{what} from DocuSign is larger than {limit} bytes, more than DocuSign "
                "documents an envelope's documents can be; it is not stored",
                code="DOCUSIGN_ANSWER_TOO_LARGE",
            )
        yield chunk


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
                    bounded(
                        response.iter_content(CHUNK_BYTES),
                        MAX_DOCUMENT_BYTES,
                        f"document {document_id}",
                    ),
                )
            )
    with client.open_document(envelope_id, CERTIFICATE) as response:
        stored.append(
            services.documents.put_signed(
                record.connection,
                envelope_id,
                CERTIFICATE,
                "Summary.pdf",
                bounded(response.iter_content(CHUNK_BYTES), MAX_DOCUMENT_BYTES, "the Summary"),
                kind="summary",
            )
        )
    return stored
