"""Checks of the fields' placements against the documents, before anything reaches DocuSign.

DocuSign refuses a whole envelope whose anchor text is in no document
(`ANCHOR_TAB_STRING_NOT_FOUND`) and places a tab beyond the page where nobody can sign it; here
both are a 400 that names the field. Only PDFs are read (their pages, page sizes and text):
other formats are converted by DocuSign, so their pages are unknown until then and their
fields are not checked. The PDF reader (pypdf) is imported only when a send has fields, so
sends without them pay nothing for it.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..adapters.bucket import InboxDocument
from ..adapters.docusign.body import DocumentSource
from ..documents import InlineDocument
from ..errors import BadRequest
from ..models.fields import Anchor, FieldIn, Position

if TYPE_CHECKING:
    from ..models.requests import SendEnvelopeRequest

_WHITESPACE = re.compile(r"\s+")


@dataclass
class PdfFacts:
    """What the checks need of one PDF: each page's size in points, and its text."""

    page_sizes: list[tuple[float, float]]
    text: str
    squeezed: str = field(init=False)

    def __post_init__(self) -> None:
        self.squeezed = _WHITESPACE.sub("", self.text).lower()

    def contains(self, anchor: str) -> bool:
        # Text extraction may break a line or add spaces where the PDF has none: compare
        # without whitespace too, so that a string DocuSign would find is never refused.
        # DocuSign ignores case unless a tab says anchorCaseSensitive (the connector never
        # does): OpenAPI spec, tab property anchorCaseSensitive, "The default value is false".
        return anchor in self.text or _WHITESPACE.sub("", anchor).lower() in self.squeezed


def source_bytes(source: DocumentSource) -> bytes:
    """A document's bytes: decoded from the request, or read from the inbox object."""
    if isinstance(source, InlineDocument):
        return base64.b64decode(source.text)
    assert isinstance(source, InboxDocument)
    body = source.store.open(source.key, source.version_id)
    try:
        return bytes(body.read())
    finally:
        body.close()


def read_pdf(content: bytes) -> PdfFacts | None:
    """The pages and text of a PDF, or None when it is not one or cannot be read."""
    if not content.lstrip()[:1024].startswith(b"%PDF"):
        return None
    from pypdf import PdfReader  # imported only by sends that have fields
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content))
        sizes = []
        texts = []
        for page in reader.pages:
            box = page.mediabox
            # A page turned by /Rotate shows its MediaBox sideways.
            turned = int(page.get("/Rotate") or 0) % 180 == 90
            width, height = float(box.width), float(box.height)
            sizes.append((height, width) if turned else (width, height))
            texts.append(page.extract_text() or "")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return PdfFacts(sizes, "\n".join(texts))


def _placements(
    fields: list[FieldIn], owner: str
) -> Iterator[tuple[str, Anchor | None, Position | None, FieldIn]]:
    for index, item in enumerate(fields):
        where = f"{owner}.fields[{index}]"
        yield where, item.anchor, item.position, item
        if item.type == "radioGroup":
            for number, option in enumerate(item.options or []):
                if option.anchor is not None or option.position is not None:
                    yield f"{where}.options[{number}]", option.anchor, option.position, item


def _refuse(message: str, code: str, where: str) -> BadRequest:
    return BadRequest(f"{message} ({where})", code=code, details=[{"field": where}])


def check_placements(request: SendEnvelopeRequest, read_document: Callable[[int], bytes]) -> None:
    """Every anchor is in some readable PDF's text (unless it may be missing); every position
    names an existing document and page and lies on the page. `read_document(i)` gives the
    bytes of the i-th document (1-based), read only when a field needs them."""
    owners = [(f"signers[{i}]", s.fields) for i, s in enumerate(request.signers)]
    owners += [(f"inPersonSigners[{i}]", p.fields) for i, p in enumerate(request.in_person_signers)]
    placed = [p for owner, fields in owners if fields for p in _placements(fields, owner)]
    if not placed:
        return
    facts: dict[int, PdfFacts | None] = {}

    def pdf(number: int) -> PdfFacts | None:
        if number not in facts:
            facts[number] = read_pdf(read_document(number))
        return facts[number]

    count = len(request.documents)
    for where, anchor, position, item in placed:
        if position is not None:
            if position.document_id > count:
                raise _refuse(
                    f"documentId {position.document_id} does not exist: the envelope has "
                    f"{count} document(s), numbered from 1 in the order given",
                    "FIELD_DOCUMENT_NOT_FOUND",
                    where,
                )
            facts_of = pdf(position.document_id)
            if facts_of is None:
                continue
            pages = len(facts_of.page_sizes)
            if position.page > pages:
                raise _refuse(
                    f"page {position.page} is beyond document {position.document_id}, which "
                    f"has {pages} page(s)",
                    "FIELD_PAGE_OUT_OF_RANGE",
                    where,
                )
            width, height = facts_of.page_sizes[position.page - 1]
            right = position.x + (item.width or 0)
            bottom = position.y + (item.height or 0)
            if position.x >= width or position.y >= height or right > width or bottom > height:
                raise _refuse(
                    f"position x={position.x:g}, y={position.y:g} is off page {position.page} "
                    f"of document {position.document_id}, which is {width:g} x {height:g} "
                    "points (x and y are points from the top-left corner)",
                    "FIELD_POSITION_OFF_PAGE",
                    where,
                )
        elif anchor is not None and not anchor.ignore_if_missing:
            # Any document that is not a readable PDF might hold the text: then say nothing.
            readable = [pdf(n) for n in range(1, count + 1)]
            if all(readable) and not any(f.contains(anchor.text) for f in readable if f):
                raise _refuse(
                    f"anchor text {anchor.text!r} is in none of the documents; fix the text, "
                    "or set ignoreIfMissing to send without this field",
                    "ANCHOR_NOT_FOUND",
                    where,
                )
