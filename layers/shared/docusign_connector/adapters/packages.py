"""Streaming a download other than a signed PDF (a combined PDF, DocuSign's archive ZIP) into
the connector's bucket, hashed and counted on the way."""

from __future__ import annotations

from collections.abc import Iterator

from .aws import aws_errors
from .bucket import DocumentStore, HashingReader


def put_stream(
    store: DocumentStore,
    key: str,
    chunks: Iterator[bytes],
    *,
    content_type: str,
    metadata: dict[str, str],
) -> tuple[int, str]:
    """Upload the chunks (multipart when large; never all in memory): (size, sha256 hex)."""
    reader = HashingReader(chunks)
    with aws_errors("S3"):
        store.client.upload_fileobj(
            reader,
            store.bucket,
            key,
            ExtraArgs={"ContentType": content_type, "Metadata": metadata},
        )
    return reader.size, reader.sha256.hexdigest()
