"""The document store on S3: inbox sources for sending, signed documents archived per envelope.

Layout of the connector's bucket: `inbox/{connection}/…` (documents to send),
`outbox/{connection}/…` (inbox results), `signed/{connection}/{envelopeId}/…` (signed PDFs).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import BadRequest, Forbidden
from .store import StoredDocument

RAW_CHUNK = 3 * 64 * 1024  # a multiple of 3, so each chunk's base64 can simply be joined
URL_TTL_SECONDS = 3600
PDF_MAGIC = b"%PDF-"
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+", re.UNICODE)
_BASE64_WHITESPACE = re.compile(rb"\s+")


def base64_length(raw_size: int) -> int:
    return 4 * ((raw_size + 2) // 3)


@dataclass
class InlineDocument:
    """A document the caller sent as base64 in the request."""

    text: bytes  # canonical base64, no whitespace
    raw_size: int
    head: bytes

    @classmethod
    def from_base64(cls, name: str, content: str) -> InlineDocument:
        text = _BASE64_WHITESPACE.sub(b"", content.encode("ascii", "replace"))
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(
                f"document {name!r}: contentBase64 is not valid base64",
                code="DOCUMENT_NOT_BASE64",
            ) from None
        if not raw:
            raise BadRequest(f"document {name!r} is empty", code="DOCUMENT_EMPTY")
        # Re-encode so DocuSign always receives canonical, padded base64.
        canonical = base64.b64encode(raw)
        return cls(text=canonical, raw_size=len(raw), head=raw[:1024])

    @property
    def base64_length(self) -> int:
        return len(self.text)

    def iter_base64(self) -> Iterator[bytes]:
        step = 4 * 64 * 1024
        for start in range(0, len(self.text), step):
            yield self.text[start : start + step]


@dataclass
class InboxDocument:
    """A document uploaded to the connection's S3 inbox, streamed when the envelope is sent."""

    store: DocumentStore
    key: str
    version_id: str | None
    raw_size: int

    @property
    def base64_length(self) -> int:
        return base64_length(self.raw_size)

    def iter_base64(self) -> Iterator[bytes]:
        body = self.store.open(self.key, self.version_id)
        try:
            pending = b""
            while True:
                chunk = body.read(RAW_CHUNK)
                if not chunk:
                    break
                pending += chunk
                usable = len(pending) - len(pending) % 3
                if usable:
                    yield base64.b64encode(pending[:usable])
                    pending = pending[usable:]
            if pending:
                yield base64.b64encode(pending)
        finally:
            body.close()


class _HashingReader:
    """Wraps a stream of chunks as a file-like object, hashing and counting what passes."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        self.sha256.update(data)
        self.size += len(data)
        return data


def inbox_prefix(connection: str) -> str:
    return f"inbox/{connection}/"


def signed_prefix(connection: str, envelope_id: str) -> str:
    return f"signed/{connection}/{envelope_id}/"


def check_inbox_key(connection: str, key: str) -> str:
    """Only objects under the connection's own inbox may be sent (no `..`, no other prefix)."""
    normalized = posixpath.normpath(key) if key else ""
    if (
        not key
        or key != normalized
        or key.startswith("/")
        or "\\" in key
        or not key.startswith(inbox_prefix(connection))
        or len(key) <= len(inbox_prefix(connection))
    ):
        raise Forbidden(
            f"s3Key must name an object under {inbox_prefix(connection)} of the connector's bucket",
            code="S3_KEY_OUTSIDE_INBOX",
            details=[{"s3Key": key[:300]}],
        )
    return key


def safe_file_name(name: str) -> str:
    stem = posixpath.basename(name.replace("\\", "/")) or "document"
    cleaned = _UNSAFE_NAME.sub("_", stem).strip(" .") or "document"
    return cleaned[:120]


class DocumentStore:
    def __init__(self, bucket: str, client: Any = None) -> None:
        self.bucket = bucket
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client("s3", config=Config(signature_version="s3v4"))
        return self._client

    def inbox_document(self, connection: str, key: str) -> InboxDocument:
        from botocore.exceptions import ClientError

        check_inbox_key(connection, key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise BadRequest(
                    f"there is no object {key!r} in the connector's bucket",
                    code="S3_OBJECT_NOT_FOUND",
                ) from None
            raise
        size = int(head.get("ContentLength", 0))
        if size == 0:
            raise BadRequest(f"document {key!r} is empty", code="DOCUMENT_EMPTY")
        return InboxDocument(self, key, head.get("VersionId"), size)

    def open(self, key: str, version_id: str | None = None) -> Any:
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        return self.client.get_object(**kwargs)["Body"]

    def head_bytes(self, key: str, version_id: str | None, count: int = 1024) -> bytes:
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Range": f"bytes=0-{count - 1}",
        }
        if version_id:
            kwargs["VersionId"] = version_id
        return self.client.get_object(**kwargs)["Body"].read()

    def read(self, key: str) -> bytes:
        body = self.open(key)
        try:
            return body.read()
        finally:
            body.close()

    def put_signed(
        self,
        connection: str,
        envelope_id: str,
        document_id: str,
        name: str,
        chunks: Iterator[bytes],
        *,
        kind: str = "content",
    ) -> StoredDocument:
        """Stream a signed document into the archive, computing its size and SHA-256."""
        file_name = (
            "summary.pdf"
            if kind == "summary"
            else (
                f"{safe_file_name(document_id)}-{posixpath.splitext(safe_file_name(name))[0]}.pdf"
            )
        )
        key = signed_prefix(connection, envelope_id) + file_name
        reader = _HashingReader(chunks)
        self.client.upload_fileobj(
            reader,
            self.bucket,
            key,
            ExtraArgs={
                "ContentType": "application/pdf",
                "Metadata": {"envelope-id": envelope_id, "document-id": document_id},
            },
        )
        return StoredDocument(
            document_id=document_id,
            name=name,
            s3_key=key,
            size_bytes=reader.size,
            sha256=reader.sha256.hexdigest(),
            kind=kind,
        )

    def presigned_url(self, key: str, file_name: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if file_name:
            params["ResponseContentDisposition"] = _content_disposition(file_name)
        return str(
            self.client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=URL_TTL_SECONDS
            )
        )


def _content_disposition(file_name: str) -> str:
    from urllib.parse import quote

    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"


def is_pdf(head: bytes) -> bool:
    return PDF_MAGIC in head[:1024]
