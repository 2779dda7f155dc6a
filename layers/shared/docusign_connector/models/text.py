"""Text that reaches an e-mail, a header or a file name holds no control characters: a CR/LF
could forge a header line, a NUL cut the text short. Multi-line text (a message body) keeps its
line breaks and tabs and loses only the rest."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CODE = "CONTROL_CHARACTERS"


def single_line(value: str) -> str:
    if CONTROL_CHARACTERS.search(value):
        raise PydanticCustomError(
            CODE, "text here must not hold control characters (CR, LF, NUL, tab …)"
        )
    return value


def multi_line(value: str) -> str:
    if CONTROL_CHARACTERS_BUT_LINE_BREAKS.search(value):
        raise PydanticCustomError(
            CODE, "text here must not hold control characters other than line breaks and tabs"
        )
    return value


# A subject, a name, a file name, a label: one line of plain text.
Line = Annotated[str, AfterValidator(single_line)]
# A message body.
Paragraphs = Annotated[str, AfterValidator(multi_line)]
