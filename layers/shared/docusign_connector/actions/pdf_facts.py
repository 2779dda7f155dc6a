"""What the fields check reads from a PDF, and the bounds it reads within.

A PDF is a program more than a picture: a few kilobytes can inflate to hundreds of megabytes,
point every page at one huge content stream, nest page trees or form XObjects without end. So
only what a field needs is read — the page tree and one page's size for a position, the text
only for an anchor, page by page until the anchor is found — and every document of one send
is read through one `PdfBudget`:

- at most `max_pages` pages per document (the page tree `max_page_tree_depth` deep at most;
  DocuSign publishes no page limit: these are the connector's);
- each content stream, form XObject and font stream decoded once (pages and forms that share
  one are read once), `max_streams` of them and `max_decoded_bytes` of decoded bytes in all,
  no single stream beyond `max_stream_bytes`;
- at most `max_operations` content-stream operators run for text, no stream parsed into more
  than `max_parse_units` tokens;
- at most `max_seconds`, and never more than half the invocation's remaining time.

A bound reached raises `PdfTooComplex` (the send is refused with a 400 naming the document);
a file that is not a readable PDF is None, as before. `PdfBudget.work` counts what was done.
pypdf is imported only here and only when a send has fields that need a document.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..domain import Deadline

_WHITESPACE = re.compile(r"\s+")
# Whatever pypdf raises for a file it cannot make sense of (a broken file is "unreadable").
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


@dataclass(frozen=True)
class PdfLimits:
    max_pages: int = 2_000
    max_page_tree_depth: int = 32
    max_streams: int = 2_000
    max_decoded_bytes: int = 32 * 1024 * 1024
    max_stream_bytes: int = 16 * 1024 * 1024
    max_operations: int = 200_000
    max_parse_units: int = 200_000
    # The backstop for work the operator count does not see (parsing, fonts); the operators
    # bound the work itself.
    max_seconds: float = 5.0
    # The fields check may use at most this share of the invocation's remaining time.
    share_of_remaining_time: float = 0.5


@dataclass
class PdfWork:
    """What reading the documents of one send cost."""

    documents: int = 0  # documents opened
    pages: int = 0  # pages in them (their page trees were walked)
    page_sizes: int = 0  # pages whose size was read
    text_pages: int = 0  # pages whose text was extracted
    streams: int = 0  # streams decoded (content, forms, fonts), each once
    decoded_bytes: int = 0  # their bytes once decoded
    operations: int = 0  # content-stream operators run for text


class PdfTooComplex(Exception):
    """A bound was reached: `bound` names it, `limit` is its value."""

    def __init__(self, bound: str, limit: float | None, description: str) -> None:
        super().__init__(description)
        self.bound = bound
        self.limit = limit
        self.description = description
        self.document = 0  # which document of the send (1-based), once known


class PdfUnreadable(Exception):
    """The file is broken (a PDF reader cannot make sense of it)."""


@contextmanager
def translated() -> Iterator[None]:
    """pypdf's refusals as this module's: a limit of its own reached is `PdfTooComplex`, any
    other failure `PdfUnreadable`."""
    from pypdf.errors import LimitReachedError, PyPdfError

    try:
        yield
    except LimitReachedError as exc:
        raise PdfTooComplex("readerLimit", None, f"it exceeds a reading limit ({exc})") from None
    except (PyPdfError, *_UNREADABLE):
        raise PdfUnreadable() from None


class PdfBudget:
    """The bounds for all the documents of one send, and the work done so far. `clock` is
    injectable so that tests can make time pass."""

    def __init__(
        self,
        limits: PdfLimits | None = None,
        *,
        deadline: Deadline = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or PdfLimits()
        self.work = PdfWork()
        self._clock = clock
        seconds = self.limits.max_seconds
        if deadline is not None:
            seconds = min(seconds, max(0.0, deadline()) * self.limits.share_of_remaining_time)
        self.seconds = seconds
        self._ends_at = clock() + seconds

    def check_time(self) -> None:
        if self._clock() > self._ends_at:
            raise PdfTooComplex(
                "seconds", self.seconds, f"reading it takes longer than {self.seconds:g} s"
            )

    def stream_decoded(self, size: int) -> None:
        work, limits = self.work, self.limits
        work.streams += 1
        work.decoded_bytes += size
        if work.streams > limits.max_streams:
            raise PdfTooComplex(
                "streams", limits.max_streams, f"it has more than {limits.max_streams} streams"
            )
        if work.decoded_bytes > limits.max_decoded_bytes:
            raise PdfTooComplex(
                "decodedBytes",
                limits.max_decoded_bytes,
                f"its streams decode to more than {limits.max_decoded_bytes} bytes",
            )

    def remaining_stream_bytes(self) -> int:
        left = self.limits.max_decoded_bytes - self.work.decoded_bytes
        return max(1, min(self.limits.max_stream_bytes, left))

    def operator_run(self, *_: Any) -> None:
        """pypdf's `visitor_operand_before`: called for every operator of the text."""
        self.work.operations += 1
        if self.work.operations > self.limits.max_operations:
            raise PdfTooComplex(
                "operations",
                self.limits.max_operations,
                f"its text takes more than {self.limits.max_operations} operations",
            )
        self.check_time()

    @contextmanager
    def pypdf_limits(self) -> Iterator[None]:
        """pypdf's own limits, set to this budget's, for everything it reads meanwhile (it
        reads objects lazily: every call into a document is made inside this)."""
        from pypdf import apply_configuration

        limits = self.limits
        per_stream = self.remaining_stream_bytes()
        with apply_configuration(
            maximum_declared_stream_length=limits.max_stream_bytes,
            array_based_stream_maximum_output_length=per_stream,
            zlib_maximum_output_length=per_stream,
            lzw_maximum_output_length=per_stream,
            run_length_maximum_output_length=per_stream,
            brotli_maximum_output_length=per_stream,
            jbig2_maximum_output_length=per_stream,
            image_maximum_buffer_size=per_stream,
            stream_parsing_work_maximum_count=limits.max_parse_units,
            page_tree_maximum_entries=2 * limits.max_pages,
            page_tree_maximum_depth=limits.max_page_tree_depth,
            page_tree_maximum_page_entries=64 * limits.max_pages,
            # Form XObjects are read once each by this module, not once per use by pypdf.
            xform_maximum_invocations_per_extraction=0,
        ):
            yield


def _identity(value: Any, depth: int = 0) -> Any:
    """Which object this is: its reference when indirect; a direct dictionary or array by
    what it holds (so that equal resources written out on every page still count as one);
    anything else by value."""
    reference = getattr(value, "indirect_reference", None)
    if reference is None and hasattr(value, "idnum"):
        reference = value
    if reference is not None:
        return ("ref", reference.idnum, reference.generation)
    if depth > 3:
        return ("obj", id(value))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((str(k), _identity(v, depth + 1)) for k, v in value.items())))
    if isinstance(value, list):
        return ("list", tuple(_identity(v, depth + 1) for v in value))
    if isinstance(value, (str, int, float, bytes)) or value is None:
        return ("value", value)
    return ("obj", id(value))


class PdfDocument:
    """One PDF of the send, read as far as its fields need. Its methods raise
    `PdfTooComplex` when a bound is reached and `PdfUnreadable` when the file is broken."""

    def __init__(self, reader: Any, budget: PdfBudget) -> None:
        self._reader = reader
        self._budget = budget
        limits = budget.limits
        with budget.pypdf_limits():
            self._pages = reader.pages
            count = len(self._pages)
        budget.work.documents += 1
        budget.work.pages += count
        if count > limits.max_pages:
            raise PdfTooComplex(
                "pages", limits.max_pages, f"it has more than {limits.max_pages} pages"
            )
        self.page_count = count
        self._next_page = 0
        self._read_groups: set[Any] = set()
        self._seen_streams: set[Any] = set()
        self._text: list[str] = []
        self._tail = ""  # the end of the text read so far, for anchors across a page break
        self._squeezed_tail = ""

    def page_size(self, number: int) -> tuple[float, float]:
        """Width and height of page `number` (1-based) as shown: a page turned by /Rotate
        shows its MediaBox sideways."""
        self._budget.check_time()
        self._budget.work.page_sizes += 1
        with translated(), self._budget.pypdf_limits():
            page = self._pages[number - 1]
            box = page.mediabox
            turned = int(page.get("/Rotate") or 0) % 180 == 90
            width, height = float(box.width), float(box.height)
        return (height, width) if turned else (width, height)

    def contains(self, anchor: str) -> bool:
        """Whether the text holds `anchor` (also with the whitespace left out: extraction may
        break a line or add spaces where the PDF has none; and in any case, as DocuSign
        matches unless a tab says anchorCaseSensitive, which the connector never sends —
        OpenAPI spec, tab property anchorCaseSensitive, "The default value is false"), reading
        pages only until it is found."""
        squeezed = _WHITESPACE.sub("", anchor).lower()
        text = "".join(self._text)
        if anchor in text or squeezed in _WHITESPACE.sub("", text).lower():
            return True
        while self._next_page < self.page_count:
            with translated():
                page_text = self._read_next_page()
            if not page_text:
                continue
            window = self._tail + "\n" + page_text
            squeezed_window = self._squeezed_tail + _WHITESPACE.sub("", page_text).lower()
            keep = 4 * len(anchor) + 64
            self._tail = window[-keep:]
            self._squeezed_tail = squeezed_window[-keep:]
            if anchor in window or (squeezed and squeezed in squeezed_window):
                return True
        return False

    def _read_next_page(self) -> str:
        """The new text of the next page: nothing when it draws what an earlier page drew."""
        budget = self._budget
        budget.check_time()
        index = self._next_page
        self._next_page += 1
        with budget.pypdf_limits():
            page = self._pages[index]
            group = (_identity(page.get("/Contents")), _identity(page.get("/Resources")))
            if group in self._read_groups:
                return ""
            self._read_groups.add(group)
            forms = self._decode_streams(page)
        budget.work.text_pages += 1
        parts = []
        with budget.pypdf_limits():
            parts.append(page.extract_text(visitor_operand_before=budget.operator_run) or "")
            for form in forms:
                budget.check_time()
                text = page.extract_xform_text(form, visitor_operand_before=budget.operator_run)
                parts.append(text or "")
        text = "\n".join(p for p in parts if p)
        self._text.append(text)
        return text

    def _decode_streams(self, page: Any) -> list[Any]:
        """Decode, once each and counted, every stream reading this page's text may touch:
        its contents, the fonts' streams and the form XObjects its resources reach (nested
        ones too). Returns the forms not read before, whose text is read once each."""
        contents = page.get("/Contents")
        if contents is not None:
            contents = contents.get_object()
            for item in contents if isinstance(contents, list) else [contents]:
                self._decode(item)
        forms: list[Any] = []
        self._walk_resources(page.get("/Resources"), forms, depth=0)
        return forms

    def _decode(self, value: Any) -> Any | None:
        """The stream behind `value`, decoded once (its bytes counted); None when it is not a
        stream or was decoded before."""
        key = _identity(value)
        if key in self._seen_streams:
            return None
        self._seen_streams.add(key)
        stream: Any = value.get_object() if value is not None else None
        if not hasattr(stream, "get_data"):
            return None
        self._budget.check_time()
        with self._budget.pypdf_limits():
            data = stream.get_data()
        self._budget.stream_decoded(len(data))
        return stream

    def _walk_resources(self, resources: Any, forms: list[Any], depth: int) -> None:
        if resources is None or depth > self._budget.limits.max_page_tree_depth:
            return
        resources = resources.get_object()
        if not isinstance(resources, dict):
            return
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else {}
        for font in fonts.values() if isinstance(fonts, dict) else []:
            self._decode_font(font.get_object())
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        for value in xobjects.values() if isinstance(xobjects, dict) else []:
            target = value.get_object()
            if not isinstance(target, dict) or target.get("/Subtype") != "/Form":
                continue  # images carry no text
            form = self._decode(value)
            if form is not None:
                forms.append(form)
                self._walk_resources(form.get("/Resources"), forms, depth + 1)

    def _decode_font(self, font: Any) -> None:
        if not isinstance(font, dict):
            return
        for key in ("/ToUnicode", "/Encoding"):
            if key in font:
                self._decode(font[key])
        descendants = font.get("/DescendantFonts")
        descendants = descendants.get_object() if descendants is not None else []
        for descendant in descendants if isinstance(descendants, list) else []:
            self._decode_font(descendant.get_object())
        descriptor = font.get("/FontDescriptor")
        descriptor = descriptor.get_object() if descriptor is not None else None
        if isinstance(descriptor, dict):
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in descriptor:
                    self._decode(descriptor[key])


def open_pdf(content: bytes, budget: PdfBudget) -> PdfDocument | None:
    """The document, or None when it is not a PDF or cannot be read. Reads its page tree only."""
    if not content.lstrip()[:1024].startswith(b"%PDF"):
        return None
    from pypdf import PdfReader  # imported only by sends that have fields

    # What pypdf says of a broken or hostile file is this module's to report, once.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    budget.check_time()
    try:
        with translated(), budget.pypdf_limits():
            reader = PdfReader(io.BytesIO(content))
        with translated():
            return PdfDocument(reader, budget)
    except PdfUnreadable:
        return None
