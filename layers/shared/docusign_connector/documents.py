"""Documents as the connector handles them: where they live in the bucket, which inbox keys a
caller may name, and documents sent inline as base64.

Layout of the connector's bucket: `inbox/{connection}/…` (documents to send),
`outbox/{connection}/…` (inbox results), `signed/{connection}/{envelopeId}/…` (signed PDFs).
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import BadRequest, Forbidden

RAW_CHUNK = 3 * 64 * 1024  # a multiple of 3, so each chunk's base64 can simply be joined
# Beside the signed PDFs: every field's value, archived on completion.
FORMDATA_FILE = "formdata.json"
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


def signed_file_name(name: str) -> str:
    """DocuSign returns every signed document as a PDF: its name says so (`annex.docx` →
    `annex.pdf`), so that nobody opens a PDF as a Word file."""
    stem, extension = posixpath.splitext(name)
    if extension.lower() == ".pdf":
        return name
    return f"{stem or name}.pdf"
