"""The documents in as few DocuSign calls as DocuSign allows.

Archiving a completed envelope takes DocuSign's archive ZIP (every document and the
certificate, one call instead of n + 1), streamed to a temporary file under /tmp with a size
bound and unpacked member by member into the same `signed/{c}/{id}/` keys as single downloads:
memory stays bounded whatever the size of the documents. Where DocuSign refuses the archive
(an account setting), or its answer is larger than an envelope can be, is not a ZIP, or holds
members larger than DocuSign's documents can be (`archive`: 64 MiB each, 256 MiB in all),
nothing of it is kept and each document is downloaded on its own, within the same bounds.

The other formats of GET …/documents: `combined` (one PDF, with or without the certificate)
and `archive` (the ZIP itself), each one call, each falling back to `separate` when DocuSign
refuses it. A finished envelope's package never changes again: once stored, its size and
SHA-256 are kept beside it (`….json`) and later requests are answered from S3 without a
DocuSign call.
"""

from __future__ import annotations

import base64
import json
import posixpath
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any

from aws_lambda_powertools import Logger

from ..adapters.docusign import after_send
from ..adapters.docusign.client import DocuSignClient
from ..adapters.packages import put_stream
from ..container import Services
from ..documents import safe_file_name, signed_prefix
from ..domain import Deadline, EnvelopeRecord, StoredDocument
from ..errors import BadRequest, PayloadTooLarge, Unprocessable
from ..models.queries import DocumentsQuery
from ..models.responses import DocumentOut, DocumentsResponse
from .archive import (
    MAX_DOCUMENT_BYTES,
    MAX_ENVELOPE_BYTES,
    TooLargeFromDocuSign,
    bounded,
    download_documents,
)
from .senders import client_for
from .status import sync_envelope

logger = Logger(child=True)

CHUNK_BYTES = 64 * 1024
MAX_INLINE_BYTES = 5_500_000  # as for separate documents: Lambda answers are capped at 6 MB
# No larger than all of an envelope's documents can be (see `archive`); it fits in Lambda's
# default 512 MB of ephemeral storage with room for everything else.
MAX_ARCHIVE_BYTES = MAX_ENVELOPE_BYTES
TEMP_DIR = tempfile.gettempdir()
SUMMARY_NAMES = ("summary.pdf", "certificate.pdf", "certificate of completion.pdf")

SEPARATE, COMBINED, ARCHIVE = "separate", "combined", "archive"
CONTENT_TYPES = {COMBINED: "application/pdf", ARCHIVE: "application/zip"}

# What DocuSign answers when an account setting refuses a download (the code is not
# documented): a 4xx refusal, mapped to these.
REFUSALS = (BadRequest, Unprocessable)


def _spool(chunks: Iterator[bytes], file: IO[bytes], limit: int) -> int:
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"the archive is larger than {limit} bytes", code="ARCHIVE_TOO_LARGE"
            )
        file.write(chunk)
    file.flush()
    file.seek(0)
    return size


def _download_name(name: str) -> str:
    """The name DocuSign gives a document in its downloads: its name as a .pdf."""
    stem, extension = posixpath.splitext(name)
    return (stem if stem and len(extension) <= 6 else name) + ".pdf"


def _match_members(
    members: list[zipfile.ZipInfo], listed: list[dict[str, Any]]
) -> tuple[list[tuple[dict[str, Any], zipfile.ZipInfo]], zipfile.ZipInfo | None]:
    """Which ZIP member is which listed document, and which is the certificate. By name
    first (DocuSign names each member after its document), then by position."""
    remaining = list(members)
    summary = next(
        (m for m in remaining if posixpath.basename(m.filename).lower() in SUMMARY_NAMES), None
    )
    if summary is None and len(remaining) == len(listed) + 1:
        summary = remaining[-1]
    if summary is not None:
        remaining.remove(summary)
    pairs: list[tuple[dict[str, Any], zipfile.ZipInfo]] = []
    unmatched: list[dict[str, Any]] = []
    for entry in listed:
        wanted = _download_name(str(entry.get("name") or "")).lower()
        member = next(
            (m for m in remaining if posixpath.basename(m.filename).lower() == wanted), None
        )
        if member is None:
            unmatched.append(entry)
            continue
        remaining.remove(member)
        pairs.append((entry, member))
    pairs.extend(zip(unmatched, remaining, strict=False))
    return pairs, summary


def _member_chunks(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> Iterator[bytes]:
    with archive.open(member) as stream:
        while chunk := stream.read(CHUNK_BYTES):
            yield chunk


class ArchiveNotUsable(Exception):
    """DocuSign's archive answer is not a ZIP, or not one DocuSign could have made."""


# What unpacking a damaged or hostile ZIP raises (never an AWS failure: those are retried).
_ZIP_FAILURES = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not have
    RuntimeError,  # an encrypted member
    TooLargeFromDocuSign,
)


def _unpack(
    services: Services,
    record: EnvelopeRecord,
    spooled: IO[bytes],
    contents: list[dict[str, Any]],
) -> list[StoredDocument]:
    """Each listed document and the Summary from the ZIP into S3, member by member; a member
    (or all of them) larger than DocuSign's documents can be is not unpacked at all."""
    envelope_id = record.envelope_id
    try:
        with zipfile.ZipFile(spooled) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            pairs, summary = _match_members(members, contents)
            used = [member for _, member in pairs] + ([summary] if summary else [])
            largest = max((m.file_size for m in used), default=0)
            if largest > MAX_DOCUMENT_BYTES or sum(m.file_size for m in used) > MAX_ENVELOPE_BYTES:
                raise ArchiveNotUsable(
                    f"its members would unpack to {sum(m.file_size for m in used)} bytes "
                    f"(the largest {largest}), more than DocuSign's documents can be"
                )

            def chunks(member: zipfile.ZipInfo) -> Iterator[bytes]:
                return bounded(
                    _member_chunks(archive, member), MAX_DOCUMENT_BYTES, member.filename[:100]
                )

            stored = [
                services.documents.put_signed(
                    record.connection,
                    envelope_id,
                    str(entry["documentId"]),
                    str(entry.get("name") or f"document-{entry['documentId']}"),
                    chunks(member),
                )
                for entry, member in pairs
            ]
            if summary is not None:
                stored.append(
                    services.documents.put_signed(
                        record.connection,
                        envelope_id,
                        "certificate",
                        "Summary",
                        chunks(summary),
                        kind="summary",
                    )
                )
            return stored
    except _ZIP_FAILURES as failure:
        raise ArchiveNotUsable(f"{type(failure).__name__}: {str(failure)[:200]}") from None


def archive_from_zip(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    listed: list[dict[str, Any]] | None,
    *,
    limit: int = MAX_ARCHIVE_BYTES,
) -> tuple[list[StoredDocument], str]:
    """The signed documents and the Summary in S3, and how they were taken (`archive`, or
    `separate` when DocuSign refused the archive, or it was larger than an envelope can be,
    or it was not a ZIP DocuSign could have made)."""
    envelope_id = record.envelope_id
    if listed is None:
        listed = client.list_documents(envelope_id)
    contents = [
        d
        for d in listed
        if d.get("documentId")
        and str(d.get("type") or "content") == "content"
        and d.get("documentId") != "certificate"
    ]
    with tempfile.TemporaryFile(dir=TEMP_DIR, prefix="archive-") as spooled:
        try:
            with after_send.open_download(client, envelope_id, ARCHIVE) as response:
                size = _spool(response.iter_content(CHUNK_BYTES), spooled, limit)
        except (*REFUSALS, PayloadTooLarge) as refusal:
            logger.warning(
                "archive download not possible; downloading each document",
                extra={"envelope_id": envelope_id, "reason": refusal.code},
            )
            return download_documents(services, client, record, listed), SEPARATE
        try:
            stored = _unpack(services, record, spooled, contents)
        except ArchiveNotUsable as problem:
            logger.warning(
                "archive not usable; downloading each document",
                extra={"envelope_id": envelope_id, "reason": str(problem)},
            )
            return download_documents(services, client, record, listed), SEPARATE
    logger.info(
        "archive unpacked",
        extra={"envelope_id": envelope_id, "archive_bytes": size, "documents": len(stored)},
    )
    return stored, ARCHIVE


def package_key(record: EnvelopeRecord, file_format: str, certificate: bool) -> str:
    suffix = "-with-certificate" if file_format == COMBINED and certificate else ""
    extension = "zip" if file_format == ARCHIVE else "pdf"
    name = safe_file_name(f"{file_format}{suffix}.{extension}")
    return signed_prefix(record.connection, record.envelope_id) + name


def _package(key: str, file_format: str, size: int, digest: str) -> StoredDocument:
    return StoredDocument(
        document_id=file_format,
        name=posixpath.basename(key),
        s3_key=key,
        size_bytes=size,
        sha256=digest,
        content_type=CONTENT_TYPES[file_format],
        kind=file_format,
    )


def kept_package(
    services: Services, record: EnvelopeRecord, file_format: str, certificate: bool
) -> StoredDocument | None:
    """The package stored for this finished envelope earlier, if any (None while it may still
    change: an unfinished envelope's package is taken from DocuSign each time)."""
    if not record.terminal:
        return None
    key = package_key(record, file_format, certificate)
    raw = services.documents.read_if_present(key + ".json")
    if not raw:
        return None
    try:
        kept = json.loads(raw)
        return _package(key, file_format, int(kept["sizeBytes"]), str(kept["sha256"]))
    except (ValueError, TypeError, KeyError):
        return None  # unreadable: taken from DocuSign again, and kept anew


def store_package(
    services: Services,
    client: DocuSignClient,
    record: EnvelopeRecord,
    file_format: str,
    certificate: bool,
) -> StoredDocument | None:
    """The combined PDF or the archive ZIP, streamed into S3 in one DocuSign call; None when
    DocuSign refuses that format (the caller falls back to separate documents)."""
    params = (
        {"certificate": "true" if certificate else "false"} if file_format == COMBINED else None
    )
    key = package_key(record, file_format, certificate)
    try:
        with after_send.open_download(client, record.envelope_id, file_format, params) as response:
            size, digest = put_stream(
                services.documents,
                key,
                bounded(response.iter_content(CHUNK_BYTES), MAX_ENVELOPE_BYTES, file_format),
                content_type=CONTENT_TYPES[file_format],
                metadata={"envelope-id": record.envelope_id, "document-id": file_format},
            )
    except REFUSALS as refusal:
        logger.warning(
            "download format refused by DocuSign",
            extra={
                "envelope_id": record.envelope_id,
                "format": file_format,
                "reason": refusal.code,
            },
        )
        return None
    if record.terminal:
        kept = json.dumps({"sizeBytes": size, "sha256": digest}).encode()
        services.documents.put_bytes(key + ".json", kept, "application/json")
    return _package(key, file_format, size, digest)


def fetch_package(
    services: Services,
    connection_name: str,
    envelope_id: str,
    record: EnvelopeRecord | None,
    query: DocumentsQuery,
    deadline: Deadline,
) -> DocumentsResponse | None:
    """GET …/documents?format=combined|archive: the one file, or None when DocuSign refused
    the format (the caller serves the separate documents and says so)."""
    stored = kept_package(services, record, query.format, query.certificate) if record else None
    if record is None or stored is None:
        client = client_for(services, connection_name, record, deadline)
        if record is None:
            record = sync_envelope(services, client, connection_name, envelope_id.lower(), None)[0]
            client = client_for(services, connection_name, record, deadline)
        stored = store_package(services, client, record, query.format, query.certificate)
    if stored is None:
        return None
    content = None
    if query.content:
        if 4 * ((stored.size_bytes + 2) // 3) > MAX_INLINE_BYTES:
            raise PayloadTooLarge(
                "the file is too large to return inline; download it from the pre-signed URL "
                "(call again without include=content)",
                code="RESPONSE_TOO_LARGE",
            )
        content = base64.b64encode(services.documents.read(stored.s3_key)).decode()
    document = DocumentOut(
        document_id=stored.document_id,
        name=stored.name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        url=services.documents.presigned_url(stored.s3_key, stored.name),
        s3_key=stored.s3_key,
        content_base64=content,
    )
    return DocumentsResponse(
        envelope_id=record.envelope_id,
        status=record.status,
        documents=[document],
        summary=None,
        format=query.format,
        requested_format=query.format,
    )
