"""The connector's bucket: inbox documents streamed out to DocuSign, signed documents streamed in.
The only module that talks to S3."""

from __future__ import annotations

import base64
import hashlib
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..documents import RAW_CHUNK, base64_length, check_inbox_key, safe_file_name, signed_prefix
from ..domain import StoredDocument
from ..errors import BadRequest
from .aws import aws_errors, error_code

URL_TTL_SECONDS = 3600


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


class HashingReader:
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
        with aws_errors("S3"):
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
            except ClientError as exc:
                if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
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
        with aws_errors("S3"):
            return self.client.get_object(**kwargs)["Body"]

    def head_bytes(self, key: str, version_id: str | None, count: int = 1024) -> bytes:
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Range": f"bytes=0-{count - 1}",
        }
        if version_id:
            kwargs["VersionId"] = version_id
        with aws_errors("S3"):
            return bytes(self.client.get_object(**kwargs)["Body"].read())

    def read(self, key: str) -> bytes:
        body = self.open(key)
        try:
            with aws_errors("S3"):
                return bytes(body.read())
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
        reader = HashingReader(chunks)
        with aws_errors("S3"):
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
            params["ResponseContentDisposition"] = content_disposition(file_name)
        with aws_errors("S3"):
            return str(
                self.client.generate_presigned_url(
                    "get_object", Params=params, ExpiresIn=URL_TTL_SECONDS
                )
            )

    # -- the inbox's manifests and results ----------------------------------------------------

    def read_object(
        self, key: str, version_id: str | None, max_bytes: int
    ) -> tuple[bytes | None, str | None, str | None]:
        """An object's bytes (None when larger than `max_bytes`), version id and ETag."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        with aws_errors("S3"):
            obj = self.client.get_object(**kwargs)
            body = obj["Body"]
            try:
                data = None
                if int(obj.get("ContentLength", 0)) <= max_bytes:
                    data = bytes(body.read())
            finally:
                body.close()
        return data, obj.get("VersionId"), obj.get("ETag")

    def put_json(self, key: str, content: bytes) -> None:
        with aws_errors("S3"):
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=content, ContentType="application/json"
            )

    def put_bytes(self, key: str, content: bytes, content_type: str) -> None:
        with aws_errors("S3"):
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=content, ContentType=content_type
            )

    def read_if_present(self, key: str) -> bytes | None:
        """A small object of ours (a progress file, a partial result), None when missing."""
        from botocore.exceptions import ClientError

        with aws_errors("S3"):
            try:
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            except ClientError as exc:
                if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise
            try:
                return bytes(body.read())
            finally:
                body.close()

    def open_version(
        self, key: str, version_id: str | None, *, if_match: str | None = None
    ) -> tuple[Any, str | None, str | None, int]:
        """A streamed object with the identity of the version read (version id, ETag) and its
        size, known before a byte of it is read. `if_match`: only that ETag (a second read of an
        object S3 gave no version id for)."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if version_id:
            kwargs["VersionId"] = version_id
        elif if_match:
            kwargs["IfMatch"] = if_match
        with aws_errors("S3"):
            obj = self.client.get_object(**kwargs)
        size = int(obj.get("ContentLength", 0))
        return obj["Body"], obj.get("VersionId"), obj.get("ETag"), size

    def tag(self, key: str, version_id: str | None, tags: dict[str, str]) -> None:
        kwargs: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Tagging": {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]},
        }
        if version_id:
            kwargs["VersionId"] = version_id
        with aws_errors("S3"):
            self.client.put_object_tagging(**kwargs)


def content_disposition(file_name: str) -> str:
    ascii_name = file_name.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name)}"
