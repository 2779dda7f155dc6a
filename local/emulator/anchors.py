"""Auto-place (anchor) tabs: where in an envelope's documents an `anchorString` is found.

DocuSign searches every document of the envelope and places a tab "at every location where
a specified text string ... is found" (Auto-Place (Anchor Tagging) Tabs; the SOAP guide's
AnchorTab: "all documents in the envelope are searched"). How a string matches (DocuSign's
definitions of the tab properties in its OpenAPI spec):

- `anchorCaseSensitive` (default false): case is ignored unless it is "true"; accented
  letters stay distinct from unaccented ones.
- `anchorMatchWholeWord` (default false): when "true", a match may not be part of a longer
  word; letters and digits make words, punctuation and dashes separate them.
- `anchorAllowWhiteSpaceInCharacters` (default true): one extra whitespace character may
  follow any non-whitespace character of the anchor ("DocuSign" matches "Docu Sign"), and a
  whitespace in the anchor matches a run of them ("Docu Sign" matches "Docu   Sign").
- a single-character anchor found twice in a row gets one tab ("i" in "skiing").
- `anchorHorizontalAlignment` `right` puts the tab at the match's last character instead of
  its first.

A document's text is read from its PDF (the upload, or the emulator's conversion) with each
run of text at its position; characters are taken to be half the font size wide.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

from .conversion import SEARCH_PDF
from .errors import invalid_parameter

PIXELS_PER_UNIT = {"pixels": 1.0, "inches": 72.0, "mms": 72 / 25.4, "cms": 72 / 2.54}
# A run whose baseline is this many points from the previous one starts a new line.
SAME_LINE_POINTS = 2.0


def _true(value: Any, default: bool = False) -> bool:
    if value is None or str(value).strip() == "":
        return default
    return str(value).strip().lower() == "true"


@dataclass(frozen=True)
class PageText:
    """One page's text, with where each character starts (points, y from the top)."""

    number: int
    text: str
    xs: list[float]
    ys: list[float]


@dataclass
class Spot:
    document_id: str
    page: int
    x: float
    y: float


@lru_cache(maxsize=64)
def _page_texts(pdf: bytes) -> tuple[PageText, ...]:
    """Each page's text, read once per PDF (an envelope's tabs all search the same ones)."""
    pages: list[PageText] = []
    try:
        reader = PdfReader(io.BytesIO(pdf))
        for number, page in enumerate(reader.pages, start=1):
            height = float(page.mediabox.height)
            runs: list[tuple[str, float, float, float]] = []

            def visit(text: str, cm: Any, tm: Any, _font: Any, size: Any, _runs=runs) -> None:
                if not text:
                    return
                scale = abs(float(tm[0]) * float(cm[0])) or 1.0
                x = float(tm[4]) * float(cm[0]) + float(tm[5]) * float(cm[2]) + float(cm[4])
                y = float(tm[4]) * float(cm[1]) + float(tm[5]) * float(cm[3]) + float(cm[5])
                _runs.append((text, x, y, 0.5 * float(size or 11) * scale))

            page.extract_text(visitor_text=visit)
            chars: list[str] = []
            xs: list[float] = []
            ys: list[float] = []
            previous_y: float | None = None
            for text, x, y, width in runs:
                top = height - y
                new_line = previous_y is not None and abs(y - previous_y) > SAME_LINE_POINTS
                if new_line and chars and chars[-1] != "\n":
                    chars.append("\n")
                    xs.append(x)
                    ys.append(top)
                previous_y = y
                for offset, char in enumerate(text):
                    chars.append(char)
                    xs.append(x + offset * width)
                    ys.append(top)
            pages.append(PageText(number, "".join(chars), xs, ys))
    except (PdfReadError, ValueError, KeyError, TypeError, ZeroDivisionError):
        return ()
    return tuple(pages)


def document_pages(document: dict[str, Any]) -> tuple[PageText, ...]:
    """The searchable text of a document: none for a picture or an unreadable format."""
    if document.get("_anchorSearch", SEARCH_PDF) != SEARCH_PDF:
        return ()
    return _page_texts(document.get("_pdf") or b"")


def _fold(text: str) -> str:
    """Lower case, character for character (so that indexes stay those of the text)."""
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def anchor_pattern(anchor: str, tab: dict[str, Any]) -> re.Pattern[str]:
    allow_spaces = _true(tab.get("anchorAllowWhiteSpaceInCharacters"), default=True)
    parts = []
    for index, char in enumerate(anchor):
        if char.isspace():
            parts.append(r"\s+" if allow_spaces else r"\s")
            continue
        parts.append(re.escape(char))
        following = anchor[index + 1] if index + 1 < len(anchor) else ""
        if allow_spaces and following and not following.isspace():
            parts.append(r"\s?")
    return re.compile("".join(parts))


def _whole_word(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else ""
    after = text[end] if end < len(text) else ""
    return not (before.isalnum() or after.isalnum())


def find_anchor(tab: dict[str, Any], documents: list[dict[str, Any]]) -> list[Spot]:
    """Every place `tab`'s anchorString is found, document by document, page by page."""
    anchor = str(tab.get("anchorString") or "")
    sensitive = _true(tab.get("anchorCaseSensitive"))
    whole_word = _true(tab.get("anchorMatchWholeWord"))
    right = str(tab.get("anchorHorizontalAlignment") or "left").lower() == "right"
    needle = anchor if sensitive else _fold(anchor)
    pattern = anchor_pattern(needle, tab)
    spots = []
    for document in documents:
        for page in document_pages(document):
            haystack = page.text if sensitive else _fold(page.text)
            previous_end = -1
            for match in pattern.finditer(haystack):
                start, end = match.span()
                if whole_word and not _whole_word(haystack, start, end):
                    continue
                if len(anchor.strip()) == 1 and start == previous_end:
                    previous_end = end  # "i" in "skiing": one tab for the pair
                    continue
                previous_end = end
                at = end - 1 if right else start
                spots.append(
                    Spot(str(document["documentId"]), page.number, page.xs[at], page.ys[at])
                )
    return spots


def offset_spot(tab: dict[str, Any], spot: Spot, label: str) -> tuple[str, str]:
    """The tab's xPosition and yPosition at `spot`, moved by its anchor offsets."""
    units = str(tab.get("anchorUnits") or "pixels").lower()
    scale = PIXELS_PER_UNIT.get(units)
    if scale is None:
        raise invalid_parameter(f"anchorUnits '{units}' is not valid for tab {label}.")
    try:
        dx = float(tab.get("anchorXOffset") or 0) * scale
        dy = float(tab.get("anchorYOffset") or 0) * scale
    except ValueError:
        raise invalid_parameter(f"The anchor offsets of tab {label} are not numbers.") from None
    return str(round(spot.x + dx)), str(round(spot.y + dy))
