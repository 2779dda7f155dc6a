"""Document generation (DocGen): the values a send gives a template's sender fields, and the
fields a DocGen template declares."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .responses import OutModel
from .text import Paragraphs, single_line

# DocuSign: at most 1,000 sender fields per DOCX file (document generation concept guide).
MAX_DOCGEN_FIELDS = 1000
# A field's value: a bound of ours (DocuSign documents none for one value).
MAX_DOCGEN_VALUE = 4000

MAX_DOCGEN_NAME = 200
DocGenValue = Annotated[Paragraphs, Field(max_length=MAX_DOCGEN_VALUE)]


def _names(values: dict[str, str]) -> dict[str, str]:
    for name in values:
        if not name or len(name) > MAX_DOCGEN_NAME or single_line(name) != name:
            raise PydanticCustomError(
                "DOCGEN_FIELD_NAME_INVALID",
                "a docGenFields name is 1 to {limit} characters of one line",
                {"limit": MAX_DOCGEN_NAME},
            )
    return values


DocGenValues = Annotated[
    dict[str, DocGenValue], Field(max_length=MAX_DOCGEN_FIELDS), AfterValidator(_names)
]

DocGenFieldType = Literal["TextBox", "Date", "Number", "Select", "TableRow"]


class DocGenOptionOut(OutModel):
    value: str
    label: str | None = None


class DocGenFieldOut(OutModel):
    """One sender field: `name` is the key a send's docGenFields takes."""

    name: str
    label: str | None = None
    type: str
    required: bool = False
    options: list[DocGenOptionOut] = Field(default_factory=list)
    columns: list[str] = Field(default_factory=list)
    document_id: str | None = None


class DocGenFieldsResponse(OutModel):
    """GET /connections/{c}/templates/{templateId}/docgen-fields."""

    connection: str
    template_id: str
    fields: list[DocGenFieldOut] = Field(default_factory=list)
    docusign_calls: int
