"""Query-string models: what list and read routes accept, parsed once and typed.

Each rule raises PydanticCustomError with its error code, as the body models do.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from .. import clock
from ..domain import EnvelopeStatus

MAX_LIST_PAGE = 100
MAX_TEMPLATE_PAGE = 100
MAX_TEMPLATE_SEARCH = 48  # DocuSign's limit on search_text
MAX_PAGE_TOKEN = 2048
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


class QueryModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",  # API Gateway passes every query parameter; unknown ones mean nothing
        str_strip_whitespace=True,
        defer_build=True,
    )


def _parts(value: Any) -> set[str]:
    return {part.strip() for part in str(value or "").split(",") if part.strip()}


def _statuses(value: Any) -> frozenset[str]:
    statuses = {s.lower() for s in _parts(value)}
    known = {s.value for s in EnvelopeStatus}
    unknown = sorted(statuses - known)
    if unknown:
        raise PydanticCustomError(
            "INVALID_STATUS",
            "unknown status {unknown}; use {known}",
            {"unknown": ", ".join(unknown)[:200], "known": ", ".join(sorted(known))},
        )
    return frozenset(statuses)


def _date(value: Any) -> str | None:
    if value in (None, ""):
        return None
    moment = clock.parse(str(value))
    if moment is None:
        raise PydanticCustomError("INVALID_DATE", "dates must be ISO 8601 (e.g. 2026-01-31T12:00Z)")
    return clock.iso(moment)


def _flag(name: str, code: str) -> Any:
    def parse(value: Any) -> bool:
        text = str(value).strip().lower() if value is not None else ""
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise PydanticCustomError(
            code, "query parameter {name} must be true or false", {"name": name}
        )

    return BeforeValidator(parse)


def _number(code: str, message: str) -> Any:
    def parse(value: Any) -> Any:
        if value in (None, ""):
            return None
        text = str(value).strip()
        if not text.lstrip("-").isdigit():
            raise PydanticCustomError(code, message)
        return int(text)

    return BeforeValidator(parse)


def _page_token(value: Any) -> Any:
    # Tokens this API hands out are short; anything longer was not made here.
    if value is not None and len(str(value)) > MAX_PAGE_TOKEN:
        raise PydanticCustomError("INVALID_NEXT_TOKEN", "nextToken is not one this API gave out")
    return value


class ListEnvelopesQuery(QueryModel):
    """GET /connections/{c}/envelopes"""

    status: Annotated[frozenset[str], BeforeValidator(_statuses)] = frozenset()
    changed_from: Annotated[str | None, BeforeValidator(_date)] = Field(None, alias="from")
    changed_to: Annotated[str | None, BeforeValidator(_date)] = Field(None, alias="to")
    limit: Annotated[
        int | None, _number("INVALID_LIMIT", f"limit must be a number from 1 to {MAX_LIST_PAGE}")
    ] = None
    next_token: Annotated[str | None, BeforeValidator(_page_token)] = None

    @property
    def page_size(self) -> int:
        return self.limit or 50

    @model_validator(mode="after")
    def _limit_in_range(self) -> ListEnvelopesQuery:
        if self.limit is not None and not 1 <= self.limit <= MAX_LIST_PAGE:
            raise PydanticCustomError(
                "INVALID_LIMIT", f"limit must be a number from 1 to {MAX_LIST_PAGE}"
            )
        return self


_PAGING = "count must be 1-100 and start at least 0"


class TemplatesQuery(QueryModel):
    """GET /connections/{c}/templates"""

    search: str | None = None
    count: Annotated[int | None, _number("INVALID_PAGING", _PAGING)] = None
    start: Annotated[int | None, _number("INVALID_PAGING", _PAGING)] = None

    @model_validator(mode="after")
    def _in_range(self) -> TemplatesQuery:
        if self.search and len(self.search) > MAX_TEMPLATE_SEARCH:
            raise PydanticCustomError(
                "SEARCH_TOO_LONG", f"search is limited to {MAX_TEMPLATE_SEARCH} characters"
            )
        if self.count is not None and not 1 <= self.count <= MAX_TEMPLATE_PAGE:
            raise PydanticCustomError("INVALID_PAGING", _PAGING)
        if self.start is not None and self.start < 0:
            raise PydanticCustomError("INVALID_PAGING", _PAGING)
        return self


class StatusQuery(QueryModel):
    """GET /connections/{c}/envelopes/{id}"""

    include: Annotated[set[str], BeforeValidator(_parts)] = Field(default_factory=set)

    @property
    def history(self) -> bool:
        return "history" in self.include


DOCUMENT_FORMATS = ("separate", "combined", "archive")


def _document_format(value: Any) -> str:
    text = str(value or "separate").strip().lower()
    if text not in DOCUMENT_FORMATS:
        raise PydanticCustomError(
            "INVALID_FORMAT", "format must be one of separate, combined or archive"
        )
    return text


class DocumentsQuery(QueryModel):
    """GET /connections/{c}/envelopes/{id}/documents"""

    include: Annotated[set[str], BeforeValidator(_parts)] = Field(default_factory=set)
    escape_non_ascii_filenames: Annotated[
        bool, _flag("escapeNonAsciiFilenames", "INVALID_ESCAPE_NON_ASCII_FILENAMES")
    ] = False
    # separate (each PDF and the Summary), combined (one PDF) or archive (DocuSign's ZIP).
    format: Annotated[str, BeforeValidator(_document_format)] = "separate"
    certificate: Annotated[bool, _flag("certificate", "INVALID_CERTIFICATE")] = True

    @property
    def content(self) -> bool:
        return "content" in self.include


class UserQuery(QueryModel):
    """`?user=`: one user of the connection's account (an allowed sender, DESIGN §12), by
    e-mail or by user id."""

    user: Annotated[str | None, Field(max_length=254)] = None

    def sender(self) -> Any:
        """The user as a SenderIn (its rules: a valid e-mail, or a GUID), or None."""
        if not self.user:
            return None
        from pydantic import ValidationError

        from .requests import SenderIn

        named = {"email": self.user} if "@" in self.user else {"userId": self.user}
        try:
            return SenderIn.model_validate(named)
        except ValidationError as exc:
            from .validation import validation_error

            raise validation_error(exc) from None
