"""A small PDF 1.4 writer: Helvetica text on Letter pages.

Enough to produce real, valid PDFs for the emulator (converted documents, signature pages,
the Certificate of Completion) and sample documents for tests. Text is encoded with
WinAnsiEncoding; characters outside it are replaced by "?".
"""

from __future__ import annotations

import textwrap

PAGE_WIDTH = 612
PAGE_HEIGHT = 792
MARGIN = 72
BODY_FONT_SIZE = 11
TITLE_FONT_SIZE = 16
LEADING = 15
FIELD_FONT_SIZE = 10
WRAP_COLUMNS = 90
LINES_PER_PAGE = (PAGE_HEIGHT - 2 * MARGIN - 2 * LEADING) // LEADING


def _pdf_string(text: str) -> bytes:
    """A PDF literal string, WinAnsi-encoded, with the delimiters escaped."""
    raw = text.encode("cp1252", errors="replace")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    escaped = escaped.replace(b"\r", b"\\r").replace(b"\n", b"\\n")
    return b"(" + escaped + b")"


def _wrap(lines: list[str]) -> list[str]:
    wrapped: list[str] = []
    for line in lines:
        if not line:
            wrapped.append("")
            continue
        wrapped.extend(
            textwrap.wrap(line, WRAP_COLUMNS, break_long_words=True, replace_whitespace=False)
            or [""]
        )
    return wrapped


def _page_content(title: str | None, lines: list[str]) -> bytes:
    ops = [b"BT"]
    y = PAGE_HEIGHT - MARGIN
    if title is not None:
        ops.append(b"/F1 %d Tf" % TITLE_FONT_SIZE)
        ops.append(b"1 0 0 1 %d %d Tm" % (MARGIN, y))
        ops.append(_pdf_string(title) + b" Tj")
        y -= 2 * LEADING
    ops.append(b"/F1 %d Tf" % BODY_FONT_SIZE)
    for line in lines:
        ops.append(b"1 0 0 1 %d %d Tm" % (MARGIN, y))
        ops.append(_pdf_string(line) + b" Tj")
        y -= LEADING
    ops.append(b"ET")
    return b"\n".join(ops) + b"\n"


def _number(value: float) -> bytes:
    return (b"%.2f" % value).rstrip(b"0").rstrip(b".")


def make_pdf(title: str, lines: list[str], *, heading: bool = True) -> bytes:
    """Return a PDF whose first page starts with `title`, followed by `lines` (wrapped and
    paginated as needed). The result opens in any reader and its text can be extracted.
    With `heading=False` the pages hold `lines` only (`title` is the document's Title)."""
    body = _wrap(list(lines))
    first_capacity = LINES_PER_PAGE - 2 if heading else LINES_PER_PAGE
    chunks = [body[:first_capacity]]
    rest = body[first_capacity:]
    while rest:
        chunks.append(rest[:LINES_PER_PAGE])
        rest = rest[LINES_PER_PAGE:]
    pages = [
        (
            _page_content(title if index == 0 and heading else None, chunk),
            float(PAGE_WIDTH),
            float(PAGE_HEIGHT),
        )
        for index, chunk in enumerate(chunks)
    ]
    return _write(pages, title)


def make_overlay(width: float, height: float, texts: list[tuple[float, float, str]]) -> bytes:
    """One transparent page of `width` x `height` points with each text drawn with its top
    left corner at (x, y) points from the page's top-left corner (DocuSign's tab position)."""
    ops = [b"BT", b"/F1 %d Tf" % FIELD_FONT_SIZE]
    for x, y, text in texts:
        baseline = height - y - FIELD_FONT_SIZE
        ops.append(b"1 0 0 1 %s %s Tm" % (_number(x), _number(baseline)))
        ops.append(_pdf_string(text) + b" Tj")
    ops.append(b"ET")
    return _write([(b"\n".join(ops) + b"\n", width, height)], "Fields")


def _write(pages: list[tuple[bytes, float, float]], title: str) -> bytes:
    """A PDF of `pages` (content stream, width, height) with Helvetica as /F1."""
    # Object numbers: 1 catalog, 2 page tree, 3 font, 4 info, then (page, content) pairs.
    objects: dict[int, bytes] = {}
    page_numbers = []
    for index, (stream, width, height) in enumerate(pages):
        page_no = 5 + 2 * index
        content_no = page_no + 1
        page_numbers.append(page_no)
        objects[content_no] = b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream"
        objects[page_no] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (_number(width), _number(height), content_no)
        )
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R >>"
    kids = b" ".join(b"%d 0 R" % n for n in page_numbers)
    objects[2] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_numbers))
    objects[3] = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    objects[4] = b"<< /Title " + _pdf_string(title) + b" /Producer (DocuSign emulator) >>"

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    count = max(objects)
    for number in range(1, count + 1):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (count + 1)
    out += b"0000000000 65535 f \n"
    for number in range(1, count + 1):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 4 0 R >>\n" % (count + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
