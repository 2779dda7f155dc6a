"""PDFs built object by object, for the fields check's tests and benchmark: ordinary ones, and
the hostile shapes a caller could send (shared or compressed-to-nothing content streams,
deep or looping page trees and references, huge page counts, many tiny streams, inline
images, form XObjects drawn again and again, looping cross-reference tables).

Each builder returns the bytes of a whole file with a correct cross-reference table, so a
reader parses it the way it parses any PDF; what makes it hostile is its structure alone.
"""

from __future__ import annotations

import io
import zlib

FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R >>"
LETTER = "[0 0 612 792]"
FONT_RESOURCES = "<< /Font << /F1 3 0 R >> >>"
# One line of text: a few operators, as a word processor writes them.
TEXT_LINE = b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n"


def pdf_file(objects: dict[int, bytes], *, trailer_extra: str = "") -> bytes:
    """A PDF of these numbered objects (object 1 the catalog), with its xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        if number in offsets:
            out.write(b"%010d 00000 n \n" % offsets[number])
        else:
            out.write(b"0000000000 65535 f \n")
    out.write(
        f"trailer\n<< /Size {size} /Root 1 0 R {trailer_extra}>>\n"
        f"startxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def stream(data: bytes, *, compress: bool = True, entries: str = "") -> bytes:
    """A stream object's body, Flate-compressed unless told otherwise."""
    if compress:
        data = zlib.compress(data, 9)
        entries += " /Filter /FlateDecode"
    return b"<< /Length %d %s >>\nstream\n" % (len(data), entries.encode()) + data + b"\nendstream"


def page(contents: str | None, *, parent: int = 2, entries: str = "") -> bytes:
    body = f"/Type /Page /Parent {parent} 0 R /MediaBox {LETTER} /Resources {FONT_RESOURCES}"
    if contents:
        body += f" /Contents {contents}"
    return f"<< {body} {entries} >>".encode()


def pages_node(kids: list[int], count: int, *, parent: int | None = None) -> bytes:
    up = f" /Parent {parent} 0 R" if parent else ""
    refs = " ".join(f"{k} 0 R" for k in kids)
    return f"<< /Type /Pages /Kids [{refs}] /Count {count}{up} >>".encode()


def text_content(lines: list[str]) -> bytes:
    y = 720
    parts = []
    for line in lines:
        parts.append(TEXT_LINE % (y, line.encode("latin-1")))
        y -= 14
    return b"".join(parts)


def ordinary(
    pages: int = 20, *, lines: int = 40, anchor: str = "/sig1/", anchor_page: int | None = None
) -> bytes:
    """A plain text document: each page its own content stream; the anchor on page
    `anchor_page` (the last by default)."""
    objects = {1: CATALOG, 3: FONT}
    kids = []
    for number in range(pages):
        text = [
            f"Clause {number + 1}.{n}: the parties agree to the terms below." for n in range(lines)
        ]
        if number + 1 == (anchor_page or pages):
            text.append(f"Signature: {anchor}")
        objects[100 + number] = stream(text_content(text))
        objects[10_000 + number] = page(f"{100 + number} 0 R")
        kids.append(10_000 + number)
    objects[2] = pages_node(kids, pages)
    return pdf_file(objects)


def _repeated(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def shared_content(
    pages: int = 20, content_bytes: int = 1_000_000, *, direct_resources: bool = False
) -> bytes:
    """Every page draws the same 1 MB content stream, which compresses to about 1 KB. With
    `direct_resources`, each page has its own (equal) resources dictionary, so the pages do
    not look shared."""
    objects = {
        1: CATALOG,
        3: FONT,
        4: stream(_repeated(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n", content_bytes)),
    }
    kids = []
    for number in range(pages):
        resources = FONT_RESOURCES if direct_resources else "5 0 R"
        objects[10 + number] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox {LETTER} /Resources {resources} "
            "/Contents 4 0 R >>"
        ).encode()
        kids.append(10 + number)
    objects[5] = FONT_RESOURCES.encode()
    objects[2] = pages_node(kids, pages)
    return pdf_file(objects)


def heavy_pages(pages: int = 10, content_bytes: int = 500_000) -> bytes:
    """Pages that each draw a content stream of their own, as large as a reader's parse limit
    lets one stream be (each compresses to about 1 KB): the most work per byte of file."""
    objects = {1: CATALOG, 3: FONT}
    kids = []
    for number in range(pages):
        unit = b"BT /F1 12 Tf 72 %d Td (p%d) Tj ET\n" % (700 - number, number)
        objects[100 + number] = stream(_repeated(unit, content_bytes))
        objects[10_000 + number] = page(f"{100 + number} 0 R")
        kids.append(10_000 + number)
    objects[2] = pages_node(kids, pages)
    return pdf_file(objects)


def decompression_bomb(decoded_bytes: int = 200_000_000) -> bytes:
    """One page whose content stream inflates to `decoded_bytes` (about 1,000 times its size)."""
    compressor = zlib.compressobj(9)
    unit = b"0 0 m\n" * 10_000
    parts = [compressor.compress(unit) for _ in range(max(1, decoded_bytes // len(unit)))]
    data = b"".join(parts) + compressor.flush()
    body = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return pdf_file({1: CATALOG, 2: pages_node([10], 1), 3: FONT, 4: body, 10: page("4 0 R")})


def deep_page_tree(depth: int = 5_000) -> bytes:
    """Page tree nodes nested `depth` deep above a single page."""
    objects = {1: CATALOG, 3: FONT, 4: stream(text_content(["deep"]))}
    for level in range(depth):
        number = 2 if level == 0 else 100 + level
        parent = None if level == 0 else (2 if level == 1 else 100 + level - 1)
        objects[number] = pages_node([100 + level + 1], 1, parent=parent)
    objects[100 + depth] = page("4 0 R", parent=100 + depth - 1 if depth > 1 else 2)
    return pdf_file(objects)


def looping_page_tree() -> bytes:
    """A page tree node whose kid is its own parent."""
    return pdf_file(
        {
            1: CATALOG,
            2: pages_node([5, 10], 2),
            3: FONT,
            4: stream(text_content(["loop"])),
            5: pages_node([6], 1, parent=2),
            6: pages_node([5], 1, parent=5),
            10: page("4 0 R"),
        }
    )


def looping_references() -> bytes:
    """Objects that only refer to each other: the contents, the page size and the rotation."""
    return pdf_file(
        {
            1: CATALOG,
            2: pages_node([10], 1),
            3: FONT,
            5: b"6 0 R",
            6: b"5 0 R",
            7: b"8 0 R",
            8: b"7 0 R",
            10: b"<< /Type /Page /Parent 2 0 R /MediaBox 7 0 R /Rotate 8 0 R "
            + f"/Resources {FONT_RESOURCES} /Contents 5 0 R >>".encode(),
        }
    )


def huge_page_count(pages: int = 100_000, *, per_node: int = 1_000) -> bytes:
    """`pages` pages sharing one small content stream, in nodes of `per_node` kids."""
    objects = {1: CATALOG, 3: FONT, 4: stream(text_content(["one of many pages"]))}
    nodes = []
    number = 1_000
    for first in range(0, pages, per_node):
        node = number
        number += 1
        kids = []
        for _ in range(min(per_node, pages - first)):
            objects[number] = f"<< /Type /Page /Parent {node} 0 R /Contents 4 0 R >>".encode()
            kids.append(number)
            number += 1
        objects[node] = (
            f"<< /Type /Pages /Parent 2 0 R /Kids [{' '.join(f'{k} 0 R' for k in kids)}] "
            f"/Count {len(kids)} >>"
        ).encode()
        nodes.append(node)
    objects[2] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{n} 0 R' for n in nodes)}] /Count {pages} "
        f"/MediaBox {LETTER} /Resources {FONT_RESOURCES} >>"
    ).encode()
    return pdf_file(objects)


def many_tiny_streams(streams: int = 9_000, *, pages: int = 1) -> bytes:
    """Pages whose contents are arrays of tiny streams (`streams` in all)."""
    objects = {1: CATALOG, 3: FONT}
    per_page = max(1, streams // pages)
    kids = []
    number = 100
    for index in range(pages):
        refs = []
        for _ in range(per_page):
            objects[number] = stream(b"BT /F1 9 Tf (a) Tj ET\n" * 20)
            refs.append(f"{number} 0 R")
            number += 1
        objects[50_000 + index] = page("[" + " ".join(refs) + "]")
        kids.append(50_000 + index)
    objects[2] = pages_node(kids, pages)
    return pdf_file(objects)


def inline_images(images: int = 40, image_bytes: int = 500_000) -> bytes:
    """One page of many large inline images (BI … ID … EI) around one line of text."""
    body = b"".join(
        b"q 10 0 0 10 0 0 cm BI /W %d /H 1 /BPC 8 /CS /G ID " % image_bytes
        + _repeated(b"\x00E\x01I ", image_bytes)
        + b" EI Q\n"
        for _ in range(images)
    )
    body += text_content(["after the images"])
    return pdf_file(
        {1: CATALOG, 2: pages_node([10], 1), 3: FONT, 4: stream(body), 10: page("4 0 R")}
    )


def form_fanout(invocations: int = 5_000, form_bytes: int = 200_000) -> bytes:
    """A page that draws one large form XObject `invocations` times."""
    form = stream(
        _repeated(b"BT /F1 12 Tf 72 720 Td (f) Tj ET\n", form_bytes),
        entries=f"/Type /XObject /Subtype /Form /BBox {LETTER} /Resources {FONT_RESOURCES}",
    )
    content = b"q /X1 Do Q\n" * invocations
    resources = "<< /Font << /F1 3 0 R >> /XObject << /X1 5 0 R >> >>"
    return pdf_file(
        {
            1: CATALOG,
            2: pages_node([10], 1),
            3: FONT,
            4: stream(content),
            5: form,
            10: f"<< /Type /Page /Parent 2 0 R /MediaBox {LETTER} /Resources {resources} "
            "/Contents 4 0 R >>".encode(),
        }
    )


def text_in_form(text: str = "/sig1/") -> bytes:
    """An ordinary page whose only text is inside a form XObject (as stamping tools write)."""
    form = stream(
        text_content([f"Signature: {text}"]),
        entries=f"/Type /XObject /Subtype /Form /BBox {LETTER} /Resources {FONT_RESOURCES}",
    )
    resources = "<< /Font << /F1 3 0 R >> /XObject << /X1 5 0 R >> >>"
    return pdf_file(
        {
            1: CATALOG,
            2: pages_node([10], 1),
            3: FONT,
            4: stream(b"q /X1 Do Q\n"),
            5: form,
            10: f"<< /Type /Page /Parent 2 0 R /MediaBox {LETTER} /Resources {resources} "
            "/Contents 4 0 R >>".encode(),
        }
    )


def xref_loop() -> bytes:
    """A cross-reference table whose /Prev points back at itself."""
    plain = pdf_file(
        {
            1: CATALOG,
            2: pages_node([10], 1),
            3: FONT,
            4: stream(text_content(["x"])),
            10: page("4 0 R"),
        }
    )
    start = int(plain.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    return plain.replace(b">>\nstartxref", b"/Prev %d >>\nstartxref" % start)


# The hostile shapes, by name, as the tests and the benchmark run them.
HOSTILE = {
    "shared content stream": shared_content,
    "shared content, pages made to look apart": lambda: shared_content(direct_resources=True),
    "pages of large content streams": heavy_pages,
    "decompression bomb": decompression_bomb,
    "deep page tree": deep_page_tree,
    "looping page tree": looping_page_tree,
    "looping references": looping_references,
    "huge page count": huge_page_count,
    "many tiny streams": many_tiny_streams,
    "inline images": inline_images,
    "form drawn again and again": form_fanout,
    "looping xref": xref_loop,
}
