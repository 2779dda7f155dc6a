"""The PDF DocuSign works from for each document: a PDF upload as it is, any other file
converted to PDF ("Envelope and Template Documents": DocuSign converts every document it
accepts to PDF).

The emulator converts the formats whose text it can read, so that the converted PDF carries
the document's words in reading order and anchor strings are found in it as DocuSign finds
them in its own conversion: plain text (`txt`, `csv`), HTML (`htm`, `html`: the text of the
body, a line per block element) and Word's Office Open XML (`docx`, `docm`, `dotx`, `dotm`: a
line per paragraph of `word/document.xml`). Layout, fonts and images are not reproduced.

Any other accepted format becomes a one-page stand-in. A picture holds no text, so nothing is
found in it; for the rest (legacy Office files, RTF, spreadsheets, …) the emulator cannot know
the text, and anchor tabs in an envelope with such a document are refused ("not supported by
this emulator") rather than placed where DocuSign would not place them.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from .errors import DocuSignError
from .pdf import make_pdf

OFFICE_OPEN_XML = frozenset({"docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "pptx", "pptm"})
WORD_OPEN_XML = frozenset({"docx", "docm", "dotx", "dotm"})
TEXT_FORMATS = frozenset({"txt", "csv"})
HTML_FORMATS = frozenset({"htm", "html"})
# Pictures hold no text DocuSign could anchor to ("The API user cannot use a text string in an
# Image PDF", Rules for Anchor tagging): searching them finds nothing, faithfully.
IMAGE_FORMATS = frozenset({"bmp", "gif", "jpg", "jpeg", "png", "tif", "tiff"})
# The converted text is bounded: a document of more lines than this is cut (the emulator is a
# test double; DocuSign's own limits are on bytes and pages, not lines).
MAX_CONVERTED_LINES = 20_000

_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)
_HIDDEN_TAGS = frozenset({"head", "script", "style", "template", "title"})
_SPACES = re.compile(r"[ \t\r\f\v]+")


# How anchor strings are searched in a converted document.
SEARCH_PDF = "pdf"  # in the text of the PDF
SEARCH_NOTHING = "nothing"  # a picture: there is no text to find
SEARCH_UNKNOWN = "unknown"  # the emulator cannot read this format's text


@dataclass
class ConvertedDocument:
    pdf: bytes
    pages: list[dict[str, str]]
    anchor_search: str = SEARCH_PDF


def _conversion_error(document: dict[str, Any], why: str) -> DocuSignError:
    return DocuSignError(
        400,
        "FORMAT_CONVERSION_ERROR",
        f"The data could not be converted. Document {document['documentId']} "
        f"({document['name']}) {why}",
    )


def _decode_text(content: bytes) -> str:
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(encoding, "replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", "replace")


class _HtmlText(HTMLParser):
    """The visible text of an HTML document, a line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._current: list[str] = []
        self._hidden = 0
        self._pre = 0

    def _break(self) -> None:
        text = "".join(self._current)
        if not self._pre:
            text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
        if text:
            self.lines.extend(text.split("\n"))
        self._current = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag in _BLOCK_TAGS:
            self._break()
            if tag == "pre":
                self._pre += 1

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        if tag in _BLOCK_TAGS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self._break()
            if tag == "pre":
                self._pre = max(0, self._pre - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._break()


def html_lines(content: bytes) -> list[str]:
    parser = _HtmlText()
    parser.feed(_decode_text(content))
    parser.close()
    return parser.lines


def text_lines(content: bytes) -> list[str]:
    return [line.expandtabs(4).rstrip() for line in _decode_text(content).splitlines()]


def word_lines(document: dict[str, Any], content: bytes) -> list[str]:
    """A line per paragraph of the body of a Word Open XML package (`word/document.xml`)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            body = package.read("word/document.xml")
        root = ElementTree.fromstring(body)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
        raise _conversion_error(document, "is not a Word document (word/document.xml).") from exc
    lines = []
    for paragraph in root.iter(f"{_WORD_NS}p"):
        parts: list[str] = []
        for node in paragraph.iter():
            if node.tag == f"{_WORD_NS}t":
                parts.append(node.text or "")
            elif node.tag == f"{_WORD_NS}tab":
                parts.append(" ")
            elif node.tag in (f"{_WORD_NS}br", f"{_WORD_NS}cr"):
                parts.append("\n")
        lines.extend("".join(parts).split("\n"))
    return lines


def _pages_of(pdf: bytes) -> list[dict[str, str]]:
    reader = PdfReader(io.BytesIO(pdf))
    return [
        {
            "width": str(round(float(page.mediabox.width))),
            "height": str(round(float(page.mediabox.height))),
        }
        for page in reader.pages
    ]


def _read_pdf(document: dict[str, Any], content: bytes) -> ConvertedDocument:
    name = document["name"]
    try:
        pages = _pages_of(content)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise DocuSignError(
            400,
            "UNABLE_TO_LOAD_DOCUMENT",
            f"Unable to load the document. Document {document['documentId']} ({name}) "
            f"is not a valid PDF: {exc}",
        ) from exc
    if not pages:
        raise DocuSignError(
            400,
            "UNABLE_TO_LOAD_DOCUMENT",
            f"Unable to load the document. Document {document['documentId']} ({name}) "
            "has no pages.",
        )
    return ConvertedDocument(content, pages)


def convert(document: dict[str, Any], content: bytes) -> ConvertedDocument:
    """The PDF DocuSign works from for `document` (its `documentId`, `name`,
    `fileExtension`) with bytes `content`."""
    if content.startswith(b"%PDF"):
        return _read_pdf(document, content)
    extension = str(document.get("fileExtension") or "").lower().lstrip(".")
    if extension in OFFICE_OPEN_XML and not content.startswith(b"PK\x03\x04"):
        # A .docx/.xlsx/.pptx is a ZIP package; anything else cannot be converted.
        raise _conversion_error(document, f"is not a valid .{extension} file.")
    lines: list[str] | None = None
    if extension in TEXT_FORMATS:
        lines = text_lines(content)
    elif extension in HTML_FORMATS:
        lines = html_lines(content)
    elif extension in WORD_OPEN_XML:
        lines = word_lines(document, content)
    if lines is not None:
        pdf = make_pdf(document["name"], lines[:MAX_CONVERTED_LINES] or [""], heading=False)
        return ConvertedDocument(pdf, _pages_of(pdf))
    stand_in = make_pdf(
        document["name"],
        [
            f"Converted from {extension} to PDF.",
            f"Original file: {document['name']}",
            f"Original size: {len(content)} bytes",
        ],
    )
    search = SEARCH_NOTHING if extension in IMAGE_FORMATS else SEARCH_UNKNOWN
    return ConvertedDocument(stand_in, _pages_of(stand_in), search)


def make_docx(paragraphs: list[str], *, compress: bool = True) -> bytes:
    """A minimal Word document (Office Open XML) with one paragraph per string: what tests
    send as a .docx that DocuSign (and the emulator) can convert."""
    body = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'
        for text in paragraphs
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{_WORD_NS[1:-1]}"><w:body>{body}</w:body></w:document>'
    )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    relationships = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    out = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", method) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", relationships)
        package.writestr("word/document.xml", document)
    return out.getvalue()
