"""The fields check reads only what a field needs, each stream once, within bounds: hostile
PDFs get an answer (refused as too complex, or checked) after bounded work, counted by the
budget's `work` — never by a clock on the wall."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from docusign_connector.actions.anchors import check_placements
from docusign_connector.actions.pdf_facts import PdfBudget, PdfLimits, PdfWork
from docusign_connector.errors import BadRequest
from docusign_connector.models.requests import SendEnvelopeRequest
from tests.support import pdf_builders as pdfs

ANCHOR = [{"type": "signHere", "anchor": {"text": "/sig1/"}}]
POSITION = [{"type": "signHere", "position": {"documentId": 1, "page": 1, "x": 72, "y": 72}}]
LIMITS = PdfLimits()


def request(fields: list[dict[str, Any]], documents: int = 1) -> SendEnvelopeRequest:
    return SendEnvelopeRequest.model_validate(
        {
            "emailSubject": "Please sign",
            "documents": [
                {"name": f"d{n}.pdf", "contentBase64": base64.b64encode(b"%PDF-").decode()}
                for n in range(documents)
            ],
            "signers": [{"email": "ana@example.com", "name": "Ana", "fields": fields}],
        }
    )


def check(
    content: bytes | list[bytes], fields: list[dict[str, Any]], budget: PdfBudget | None = None
) -> tuple[str, PdfWork, dict[str, Any] | None]:
    """('ok' or the error code, the work done, the error's details)."""
    contents = content if isinstance(content, list) else [content]
    # A clock that stands still: these tests are about work, not about this machine's speed
    # (the time bound has tests of its own, with a clock that moves).
    budget = budget or PdfBudget(clock=lambda: 0.0)
    read: list[int] = []

    def read_document(number: int) -> bytes:
        read.append(number)
        return contents[number - 1]

    try:
        check_placements(request(fields, len(contents)), read_document, budget=budget)
    except BadRequest as refusal:
        return refusal.code, budget.work, (refusal.details or [None])[0]
    return "ok", budget.work, None


def within_bounds(work: PdfWork, limits: PdfLimits = LIMITS) -> None:
    """Nothing may exceed its bound by more than the one step that found it exceeded."""
    assert work.pages <= 2 * limits.max_pages
    assert work.streams <= limits.max_streams + 1
    assert work.decoded_bytes <= limits.max_decoded_bytes + limits.max_stream_bytes
    assert work.operations <= limits.max_operations + 1


# What the fields check answers for each hostile shape when a field is an anchor: a bound
# reached (DOCUMENT_TOO_COMPLEX), the anchor looked for and not found, or a file no reader
# can make sense of (not refused: DocuSign checks it).
HOSTILE_ANSWERS = {
    "shared content stream": "DOCUMENT_TOO_COMPLEX",
    "shared content, pages made to look apart": "DOCUMENT_TOO_COMPLEX",
    "pages of large content streams": "DOCUMENT_TOO_COMPLEX",
    "decompression bomb": "DOCUMENT_TOO_COMPLEX",
    "deep page tree": "DOCUMENT_TOO_COMPLEX",
    "looping page tree": "ok",
    "looping references": "ok",
    "huge page count": "DOCUMENT_TOO_COMPLEX",
    "many tiny streams": "DOCUMENT_TOO_COMPLEX",
    "inline images": "DOCUMENT_TOO_COMPLEX",
    "form drawn again and again": "ANCHOR_NOT_FOUND",
    "looping xref": "ANCHOR_NOT_FOUND",
}


@pytest.fixture(scope="module")
def hostile() -> dict[str, bytes]:
    return {name: build() for name, build in pdfs.HOSTILE.items()}


def test_every_hostile_shape_has_its_answer() -> None:
    assert set(HOSTILE_ANSWERS) == set(pdfs.HOSTILE)


@pytest.mark.parametrize("shape", sorted(pdfs.HOSTILE))
def test_a_hostile_pdf_gets_an_answer_after_bounded_work(
    hostile: dict[str, bytes], shape: str
) -> None:
    # The default bounds, but a quarter of the operators: the same answers, sooner.
    limits = PdfLimits(max_operations=LIMITS.max_operations // 4)
    code, work, details = check(hostile[shape], ANCHOR, PdfBudget(limits, clock=lambda: 0.0))
    assert code == HOSTILE_ANSWERS[shape], (code, details, work)
    within_bounds(work, limits)
    if code == "DOCUMENT_TOO_COMPLEX":
        assert details is not None
        assert details["field"] == "signers[0].fields[0]" and details["documentId"] == 1
        assert details["bound"]


@pytest.mark.parametrize("shape", sorted(pdfs.HOSTILE))
def test_a_position_reads_the_page_tree_and_one_page_size_only(
    hostile: dict[str, bytes], shape: str
) -> None:
    code, work, _ = check(hostile[shape], POSITION)
    assert code in ("ok", "DOCUMENT_TOO_COMPLEX")
    assert (work.text_pages, work.streams, work.decoded_bytes, work.operations) == (0, 0, 0, 0)
    assert work.page_sizes <= 1


def test_the_shared_stream_pdf_of_the_attack_checks_a_position_at_once() -> None:
    """20 pages drawing one 1 MB content stream: a position needs the page tree only."""
    code, work, _ = check(pdfs.shared_content(pages=20, content_bytes=1_000_000), POSITION)
    assert code == "ok"
    assert (work.pages, work.page_sizes, work.text_pages, work.decoded_bytes) == (20, 1, 0, 0)


@pytest.mark.parametrize("direct_resources", [False, True])
def test_a_content_stream_shared_by_pages_is_read_once(direct_resources: bool) -> None:
    content = pdfs.shared_content(
        pages=20, content_bytes=300_000, direct_resources=direct_resources
    )
    code, work, _ = check(content, ANCHOR)
    assert code == "ANCHOR_NOT_FOUND"
    assert work.text_pages == 1 and work.streams == 1
    assert 290_000 < work.decoded_bytes <= 300_000
    assert work.pages == 20


def test_a_form_drawn_many_times_is_read_once() -> None:
    code, work, _ = check(pdfs.form_fanout(invocations=5_000, form_bytes=100_000), ANCHOR)
    assert code == "ANCHOR_NOT_FOUND"
    assert work.streams == 2  # the page's contents and the form, once each
    one_form = 100_000 // len(b"BT /F1 12 Tf 72 720 Td (f) Tj ET\n") * 5
    assert work.operations < one_form + 5_000 * 4 + 10


def test_text_inside_a_form_is_found() -> None:
    assert check(pdfs.text_in_form("/sig1/"), ANCHOR)[0] == "ok"
    assert check(pdfs.text_in_form("/other/"), ANCHOR)[0] == "ANCHOR_NOT_FOUND"


def test_reading_stops_at_the_page_that_holds_the_anchor() -> None:
    document = pdfs.ordinary(pages=20, anchor_page=3)
    code, work, _ = check(document, ANCHOR)
    assert code == "ok"
    assert work.text_pages == 3


def test_an_anchor_in_the_second_document_reads_the_first_whole() -> None:
    first = pdfs.ordinary(pages=5, anchor="/other/")
    second = pdfs.ordinary(pages=5, anchor="/sig1/", anchor_page=1)
    code, work, _ = check([first, second], ANCHOR)
    assert code == "ok"
    assert work.documents == 2 and work.text_pages == 5 + 1


def test_no_text_is_read_when_a_document_is_not_a_pdf() -> None:
    """A .docx might hold the anchor: nothing can be refused, so nothing is read."""
    code, work, _ = check([pdfs.ordinary(pages=5, anchor="/x/"), b"PK\x03\x04 docx"], ANCHOR)
    assert code == "ok"
    assert work.text_pages == 0


def test_a_missing_anchor_in_an_ordinary_pdf_is_refused_after_reading_it_once() -> None:
    fields = [*ANCHOR, {"type": "dateSigned", "anchor": {"text": "/nowhere/"}}]
    code, work, details = check(pdfs.ordinary(pages=20), fields)
    assert code == "ANCHOR_NOT_FOUND" and details == {"field": "signers[0].fields[1]"}
    assert work.text_pages == 20 and work.streams == 20


def fake_clock(step: float) -> Callable[[], float]:
    ticks = itertools.count()
    return lambda: next(ticks) * step


def test_the_time_bound_stops_reading_part_way() -> None:
    """Each look at the clock moves it half a second: the time bound stops the reading of a
    200-page document after a few pages, not at its end."""
    budget = PdfBudget(clock=fake_clock(0.5))
    code, work, details = check(pdfs.ordinary(pages=200), ANCHOR, budget)
    assert code == "DOCUMENT_TOO_COMPLEX"
    assert (
        details is not None
        and details["bound"] == "seconds"
        and details["limit"] == LIMITS.max_seconds
    )
    assert 0 < work.text_pages < 20


def test_the_time_bound_is_inside_the_invocations_remaining_time() -> None:
    assert PdfBudget(deadline=lambda: 100.0).seconds == LIMITS.max_seconds
    assert PdfBudget(deadline=lambda: 4.0).seconds == 2.0
    assert PdfBudget(deadline=lambda: -1.0).seconds == 0.0


def test_the_operations_bound_counts_every_operator_run() -> None:
    budget = PdfBudget(PdfLimits(max_operations=1_000), clock=lambda: 0.0)
    code, work, details = check(pdfs.ordinary(pages=20), ANCHOR, budget)
    assert code == "DOCUMENT_TOO_COMPLEX" and details is not None
    assert details["bound"] == "operations"
    assert work.operations == 1_001


def test_the_page_bound() -> None:
    budget = PdfBudget(PdfLimits(max_pages=10), clock=lambda: 0.0)
    code, work, details = check(pdfs.ordinary(pages=11), POSITION, budget)
    assert code == "DOCUMENT_TOO_COMPLEX" and details is not None
    assert details["bound"] in ("pages", "readerLimit")
    assert work.text_pages == 0


def test_the_decoded_bytes_bound() -> None:
    budget = PdfBudget(PdfLimits(max_decoded_bytes=50_000), clock=lambda: 0.0)
    code, work, details = check(pdfs.ordinary(pages=20), ANCHOR, budget)
    assert code == "DOCUMENT_TOO_COMPLEX" and details is not None
    assert details["bound"] in ("decodedBytes", "readerLimit")
    assert work.decoded_bytes <= 50_000 + 5_000
