"""The envelope request body, streamed: document bytes go from their source (the caller's base64
or an S3 object) to DocuSign in chunks, so sending a large file needs little more memory than
one chunk."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any, Protocol

MAX_REQUEST_BYTES = 35_651_584  # DocuSign's limit on one HTTP request body


class DocumentSource(Protocol):
    """Where the bytes of one document come from, as base64 text produced in chunks."""

    @property
    def base64_length(self) -> int: ...

    def iter_base64(self) -> Iterator[bytes]: ...


class StreamingEnvelopeBody:
    """A file-like request body: the envelope JSON with each document's base64 spliced in.

    It has a length (so requests sends Content-Length, not chunked encoding) and is read in
    pieces, so the whole body never sits in memory.
    """

    def __init__(self, definition: dict[str, Any], sources: list[DocumentSource]) -> None:
        marker = f"@@document-{uuid.uuid4().hex}-"
        patched, count = _with_markers(definition, marker)
        if count != len(sources):
            raise ValueError("one source is needed per document")
        text = json.dumps(patched, separators=(",", ":"), ensure_ascii=False)
        self._parts: list[bytes | DocumentSource] = []
        rest = text
        for i, source in enumerate(sources):
            before, rest = rest.split(f"{marker}{i}@@", 1)
            self._parts.append(before.encode())
            self._parts.append(source)
        self._parts.append(rest.encode())
        self._length = sum(len(p) if isinstance(p, bytes) else p.base64_length for p in self._parts)
        self._chunks = self._generate()
        self._buffer = b""

    def __len__(self) -> int:
        return self._length

    def _generate(self) -> Iterator[bytes]:
        for part in self._parts:
            if isinstance(part, bytes):
                yield part
            else:
                yield from part.iter_base64()

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            yield self._buffer
            self._buffer = b""
        yield from self._chunks

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data = self._buffer + b"".join(self._chunks)
            self._buffer = b""
            return data
        while len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _with_markers(definition: dict[str, Any], marker: str) -> tuple[dict[str, Any], int]:
    """The definition with a marker for each document's base64: the root's documents, then
    each composite template's `document` and its inline templates' documents, in order."""
    count = 0

    def mark(doc: dict[str, Any]) -> dict[str, Any]:
        nonlocal count
        count += 1
        return {**doc, "documentBase64": f"{marker}{count - 1}@@"}

    patched = dict(definition)
    if not definition.get("compositeTemplates"):
        patched["documents"] = [mark(doc) for doc in definition.get("documents") or []]
    composites = []
    for composite in definition.get("compositeTemplates") or []:
        copy = dict(composite)
        if composite.get("document"):
            copy["document"] = mark(composite["document"])
        copy["inlineTemplates"] = [
            {**inline, "documents": [mark(doc) for doc in inline["documents"]]}
            if inline.get("documents")
            else inline
            for inline in composite.get("inlineTemplates") or []
        ]
        composites.append(copy)
    if composites:
        patched["compositeTemplates"] = composites
    return patched, count


def request_size(definition: dict[str, Any], sources: list[DocumentSource]) -> int:
    return len(StreamingEnvelopeBody(definition, sources))
