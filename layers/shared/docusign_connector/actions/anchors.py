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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from ..adapters.bucket import InboxDocument
from ..adapters.docusign.body import MAX_REQUEST_BYTES, DocumentSource
from ..documents import InlineDocument
from ..errors import BadRequest, PayloadTooLarge
from ..models.fields import Anchor, FieldIn, Position
from .pdf_facts import PdfBudget, PdfDocument, PdfTooComplex, PdfUnreadable, open_pdf

if TYPE_CHECKING:
    from ..models.requests import SendEnvelopeRequest

logger = Logger(child=True)

# The most raw bytes of one document DocuSign can take: its base64 must fit in one request.
MAX_DOCUMENT_BYTES = MAX_REQUEST_BYTES // 4 * 3


def source_bytes(source: DocumentSource) -> bytes:
    """A document's bytes: decoded from the request, or read from the inbox object, never more
    than DocuSign could take (the caller checked the sizes first; an object that grew since is
    refused rather than read whole)."""
    if isinstance(source, InlineDocument):
        return base64.b64decode(source.text)
    assert isinstance(source, InboxDocument)
    body = source.store.open(source.key, source.version_id)
    try:
        data = bytes(body.read(min(source.raw_size, MAX_DOCUMENT_BYTES) + 1))
    finally:
        body.close()
    if len(data) > min(source.raw_size, MAX_DOCUMENT_BYTES):
        raise PayloadTooLarge(
            f"document {source.key!r} changed while it was read, or is larger than one "
            "DocuSign request can carry (about 25 MB of files)",
            code="ENVELOPE_TOO_LARGE",
        )
    return data


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


@contextmanager
def _about(number: int) -> Iterator[None]:
    """Names the document a bound was reached in."""
    try:
        yield
    except PdfTooComplex as exc:
        exc.document = exc.document or number
        raise


def _too_complex(exc: PdfTooComplex, where: str) -> BadRequest:
    number = exc.document
    return BadRequest(
        f"document {number} is too complex to check {where} against: {exc.description}. "
        "An anchor with ignoreIfMissing: true is not looked for in the documents",
        code="DOCUMENT_TOO_COMPLEX",
        details=[{"field": where, "documentId": number, "bound": exc.bound, "limit": exc.limit}],
    )


class _Documents:
    """The send's documents as PDFs, each opened once, when a field first needs it."""

    def __init__(self, read_document: Callable[[int], bytes], budget: PdfBudget) -> None:
        self._read = read_document
        self.budget = budget
        self._opened: dict[int, PdfDocument | None] = {}

    def get(self, number: int) -> PdfDocument | None:
        if number not in self._opened:
            with _about(number):
                self._opened[number] = open_pdf(self._read(number), self.budget)
        return self._opened[number]

    def forget(self, number: int) -> None:
        """The document turned out broken part way: it is unreadable from now on."""
        self._opened[number] = None


def _check_position(
    documents: _Documents, count: int, where: str, position: Position, item: FieldIn
) -> None:
    if position.document_id > count:
        raise _refuse(
            f"documentId {position.document_id} does not exist: the envelope has "
            f"{count} document(s), numbered from 1 in the order given",
            "FIELD_DOCUMENT_NOT_FOUND",
            where,
        )
    document = documents.get(position.document_id)
    if document is None:
        return
    pages = document.page_count
    if position.page > pages:
        raise _refuse(
            f"page {position.page} is beyond document {position.document_id}, which "
            f"has {pages} page(s)",
            "FIELD_PAGE_OUT_OF_RANGE",
            where,
        )
    try:
        with _about(position.document_id):
            width, height = document.page_size(position.page)
    except PdfUnreadable:
        documents.forget(position.document_id)
        return
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


def _anchor_missing(documents: _Documents, count: int, anchor: Anchor) -> bool:
    """True when every document is a readable PDF and none holds the anchor's text. Any
    other document (a .docx, a broken PDF) might hold it: then nothing is refused, and no
    text is read at all."""
    opened = [documents.get(n) for n in range(1, count + 1)]
    if not all(opened):
        return False
    for number, document in enumerate(opened, start=1):
        assert document is not None
        try:
            with _about(number):
                if document.contains(anchor.text):
                    return False
        except PdfUnreadable:
            documents.forget(number)
            return False
    return True


def check_placements(
    request: SendEnvelopeRequest,
    read_document: Callable[[int], bytes],
    *,
    budget: PdfBudget | None = None,
) -> None:
    """Every anchor is in some readable PDF's text (unless it may be missing); every position
    names an existing document and page and lies on the page. `read_document(i)` gives the
    bytes of the i-th document (1-based), read only when a field needs them; all reading is
    bounded by `budget` (see `pdf_facts`): a bound reached is a 400 DOCUMENT_TOO_COMPLEX."""
    owners = [(f"signers[{i}]", s.fields) for i, s in enumerate(request.signers)]
    owners += [(f"inPersonSigners[{i}]", p.fields) for i, p in enumerate(request.in_person_signers)]
    placed = [p for owner, fields in owners if fields for p in _placements(fields, owner)]
    if not placed:
        return
    documents = _Documents(read_document, budget or PdfBudget())
    count = len(request.documents)
    for where, anchor, position, item in placed:
        try:
            if position is not None:
                _check_position(documents, count, where, position, item)
            elif (
                anchor is not None
                and not anchor.ignore_if_missing
                and _anchor_missing(documents, count, anchor)
            ):
                raise _refuse(
                    f"anchor text {anchor.text!r} is in none of the documents; fix the "
                    "text, or set ignoreIfMissing to send without this field",
                    "ANCHOR_NOT_FOUND",
                    where,
                )
        except PdfTooComplex as exc:
            logger.warning(
                "document too complex for the fields check",
                extra={
                    "document": exc.document,
                    "bound": exc.bound,
                    "work": asdict(documents.budget.work),
                },
            )
            raise _too_complex(exc, where) from None
    if documents.budget.work.documents:
        logger.info("fields checked", extra={"work": asdict(documents.budget.work)})
