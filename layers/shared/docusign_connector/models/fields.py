"""Request models for where recipients sign and fill in (fields), how they prove who they are
(authentication), their own notification e-mail, and the recipient kinds beyond signers and
carbon copies (in-person signers, certified deliveries). camelCase on the wire; each rule
raises an UPPER_SNAKE code that the caller sees.

`Field` is our own shape of DocuSign's tabs: one list, a `type` per field, and a placement
that is either an anchor (text in the document) or a position (document, page, x and y in
points from the page's top-left corner). `actions.tabs` maps it to DocuSign's `tabs` object.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from .text import CONTROL_CHARACTERS, Line

FieldType = Literal[
    "signHere",
    "initialHere",
    "dateSigned",
    "fullName",
    "email",
    "company",
    "title",
    "text",
    "number",
    "date",
    "checkbox",
    "radioGroup",
    "list",
    "approve",
    "decline",
    "note",
]
# Kinds whose value DocuSign fills in itself (or that carry no value at all).
VALUELESS_TYPES = frozenset({"signHere", "initialHere", "dateSigned", "approve", "decline"})
OPTION_TYPES = frozenset({"radioGroup", "list"})
# DocuSign's enumerated font sizes (tab `fontSize`: Size7 … Size72).
FONT_SIZES = frozenset({7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24, 26, 28, 36, 48, 72})
AnchorUnits = Literal["points", "pixels", "inches", "mms", "cms"]

MAX_LABEL = 500  # tabLabel
MAX_VALUE = 4000
MAX_ANCHOR_TEXT = 200
MAX_FIELDS = 500
MAX_OPTIONS = 100
MAX_ACCESS_CODE = 50  # signer.accessCode
ACCESS_CODE_FORBIDDEN = frozenset("<>&#")
MAX_EMAIL_NOTIFICATION_SUBJECT = 100
MAX_EMAIL_NOTIFICATION_BODY = 10_000
# Points: DocuSign places at 72 dpi, so its "pixels" are points. Larger than any page.
MAX_COORDINATE = 14_400
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
# `supportedLanguage` codes as DocuSign lists them (en, fr, pt_BR, zh_CN, …); the account's
# exact list comes from Accounts::listSupportedLanguages, so only the shape is checked here.
_LANGUAGE = re.compile(r"[a-z]{2}(?:_[A-Z]{2})?")


class FieldsModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        defer_build=True,
    )


Coordinate = Annotated[float, Field(ge=0, le=MAX_COORDINATE)]
Offset = Annotated[float, Field(ge=-MAX_COORDINATE, le=MAX_COORDINATE)]


class Anchor(FieldsModel):
    """Placed relative to each occurrence of `text` in the documents."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_ANCHOR_TEXT)]
    x_offset: Offset = 0
    y_offset: Offset = 0
    units: AnchorUnits | None = None
    ignore_if_missing: bool = False

    @model_validator(mode="after")
    def _units_with_offsets(self) -> Anchor:
        if (self.x_offset or self.y_offset) and self.units is None:
            raise PydanticCustomError(
                "ANCHOR_UNITS_REQUIRED",
                "anchor '{text}' has an offset but no units (points, pixels, inches, mms or cms)",
                {"text": self.text[:60]},
            )
        return self


class Position(FieldsModel):
    """Placed at x/y points from the top-left corner of one page of one document."""

    document_id: Annotated[int, Field(ge=1, le=1000)] = 1
    page: Annotated[int, Field(ge=1, le=10_000)] = 1
    x: Coordinate
    y: Coordinate


def _option(value: Any) -> Any:
    # A plain string is the common case: ["Yes", "No"].
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"value": str(value)}
    return value


class Option(FieldsModel):
    """A radio button of a radio group, or an item of a list. A radio without a placement of
    its own sits below the previous one (20 points lower)."""

    value: Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
    text: Annotated[str | None, Field(max_length=MAX_LABEL)] = None
    selected: bool = False
    anchor: Anchor | None = None
    position: Position | None = None


class FieldIn(FieldsModel):
    """One field of a recipient (a DocuSign tab)."""

    type: FieldType
    label: Annotated[str | None, Field(min_length=1, max_length=MAX_LABEL)] = None
    required: bool | None = None
    locked: bool | None = None
    value: Annotated[str | None, Field(max_length=MAX_VALUE)] = None
    anchor: Anchor | None = None
    position: Position | None = None
    width: Annotated[int | None, Field(ge=1, le=MAX_COORDINATE)] = None
    height: Annotated[int | None, Field(ge=1, le=MAX_COORDINATE)] = None
    font_size: int | None = None
    options: list[Annotated[Option, BeforeValidator(_option)]] | None = None

    @model_validator(mode="before")
    @classmethod
    def _value_as_text(cls, data: Any) -> Any:
        return value_as_text(data)

    @model_validator(mode="after")
    def _rules(self) -> FieldIn:
        where = self.label or self.type
        if (self.anchor is None) == (self.position is None):
            raise PydanticCustomError(
                "FIELD_PLACEMENT_REQUIRED",
                "field '{field}' needs exactly one of anchor or position",
                {"field": where},
            )
        if self.type in OPTION_TYPES:
            if not self.options:
                raise PydanticCustomError(
                    "FIELD_OPTIONS_REQUIRED",
                    "{type} field '{field}' needs options",
                    {"type": self.type, "field": where},
                )
            if len(self.options) > MAX_OPTIONS:
                raise PydanticCustomError(
                    "TOO_MANY_OPTIONS",
                    "field '{field}' has more than 100 options",
                    {"field": where},
                )
            values = [o.value for o in self.options]
            if len(set(values)) != len(values):
                raise PydanticCustomError(
                    "DUPLICATE_OPTION", "field '{field}' has an option twice", {"field": where}
                )
            if self.value is not None and self.value not in values:
                raise PydanticCustomError(
                    "FIELD_VALUE_NOT_AN_OPTION",
                    "the value of field '{field}' is not one of its options",
                    {"field": where},
                )
        elif self.options is not None:
            raise PydanticCustomError(
                "FIELD_OPTIONS_NOT_ALLOWED",
                "only radioGroup and list fields have options (field '{field}')",
                {"field": where},
            )
        if self.type == "radioGroup" and not self.label:
            raise PydanticCustomError(
                "FIELD_LABEL_REQUIRED", "a radioGroup field needs a label (its group name)"
            )
        if self.type != "list":
            for option in self.options or []:
                if option.anchor is not None and option.position is not None:
                    raise PydanticCustomError(
                        "FIELD_PLACEMENT_REQUIRED",
                        "option '{value}' of field '{field}' has both an anchor and a position",
                        {"value": option.value, "field": where},
                    )
        if self.value is not None and self.type in VALUELESS_TYPES:
            raise PydanticCustomError(
                "FIELD_VALUE_NOT_ALLOWED",
                "{type} fields take no value (field '{field}')",
                {"type": self.type, "field": where},
            )
        if self.type == "checkbox" and self.value not in (None, "true", "false"):
            raise PydanticCustomError(
                "INVALID_FIELD_VALUE",
                "a checkbox value is true or false (field '{field}')",
                {"field": where},
            )
        if self.type == "number" and self.value not in (None, ""):
            try:
                float(self.value or "")
            except ValueError:
                raise PydanticCustomError(
                    "INVALID_FIELD_VALUE",
                    "the value of number field '{field}' is not a number",
                    {"field": where},
                ) from None
        if self.font_size is not None and self.font_size not in FONT_SIZES:
            raise PydanticCustomError(
                "INVALID_FONT_SIZE",
                "fontSize must be one of {sizes}",
                {"sizes": ", ".join(str(s) for s in sorted(FONT_SIZES))},
            )
        return self


Fields = Annotated[list[FieldIn], Field(max_length=MAX_FIELDS)]


def _e164(value: str) -> str:
    if not _E164.fullmatch(value):
        raise PydanticCustomError(
            "INVALID_PHONE_NUMBER",
            "phone numbers are in E.164 form: + country code and number, digits only "
            "(e.g. +15551234567)",
        )
    return value


def _access_code(value: str) -> str:
    if ACCESS_CODE_FORBIDDEN & set(value):
        raise PydanticCustomError(
            "INVALID_ACCESS_CODE", "an access code cannot hold < > & or # (DocuSign's rule)"
        )
    return value


# DocuSign's rule for `accessCode`, one rule wherever a code is given (a send, the flat form, a
# CSV row, a manifest, a correction): 50 characters or less, none of `<`, `>`, `&` and `#`
# ("How to require access code authentication for a recipient"; spec, `accessCodeFormat`:
# "The string cannot contain the special characters '<', '>', '&', or '#'"). An account's own
# access code format (a minimum length, letters or digits required) is DocuSign's to enforce:
# the connector cannot see it without a call of its own.
AccessCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_ACCESS_CODE,
        json_schema_extra={"pattern": "^[^<>&#]*$"},
    ),
    AfterValidator(_access_code),
]


_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
MAX_WORKFLOW_NAME = 100


class IdentityVerification(FieldsModel):
    """One of the account's ID verification workflows (`GET …/identity-verification`), by
    its id or by its name; a name is resolved from the account's list before sending."""

    workflow_id: Annotated[str | None, Field(json_schema_extra={"format": "uuid"})] = None
    workflow_name: Annotated[Line | None, Field(min_length=1, max_length=MAX_WORKFLOW_NAME)] = None

    @model_validator(mode="after")
    def _one(self) -> IdentityVerification:
        if (self.workflow_id is None) == (self.workflow_name is None):
            raise PydanticCustomError(
                "IDV_WORKFLOW_REQUIRED", "idv takes exactly one of workflowId or workflowName"
            )
        if self.workflow_id is not None:
            if not _GUID.fullmatch(self.workflow_id):
                raise PydanticCustomError(
                    "INVALID_IDV_WORKFLOW_ID",
                    "idv.workflowId must be a DocuSign workflow id (a GUID)",
                )
            self.workflow_id = self.workflow_id.lower()
        return self


class Authentication(FieldsModel):
    """How a signer proves who they are, beyond the e-mail link: exactly one method."""

    # The same model at the send and in a correction (PATCH …/recipients/{id}).
    access_code: Annotated[AccessCode | None, Field(repr=False)] = None
    sms: str | None = None
    phone: str | None = None
    idv: IdentityVerification | None = None

    @model_validator(mode="after")
    def _one_method(self) -> Authentication:
        given = [v for v in (self.access_code, self.sms, self.phone, self.idv) if v is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "AUTHENTICATION_METHOD_REQUIRED",
                "authentication takes exactly one of accessCode, sms, phone or idv",
            )
        for number in (self.sms, self.phone):
            if number is not None:
                _e164(number)
        return self

    def __repr__(self) -> str:
        # An access code never reaches a log line, not even through a repr.
        return f"Authentication(method={self.method!r})"

    __str__ = __repr__

    @property
    def method(self) -> str:
        if self.access_code is not None:
            return "accessCode"
        if self.idv is not None:
            return "idv"
        return "sms" if self.sms is not None else "phone"


class EmailNotification(FieldsModel):
    """The recipient's own notification e-mail (DocuSign's recipient `emailNotification`)."""

    subject: Annotated[
        str | None, Field(min_length=1, max_length=MAX_EMAIL_NOTIFICATION_SUBJECT)
    ] = None
    body: Annotated[str | None, Field(max_length=MAX_EMAIL_NOTIFICATION_BODY)] = None
    language: str | None = None

    @model_validator(mode="after")
    def _rules(self) -> EmailNotification:
        if self.subject is not None and CONTROL_CHARACTERS.search(self.subject):
            raise PydanticCustomError(
                "INVALID_EMAIL_SUBJECT", "an e-mail subject cannot hold control characters"
            )
        if self.language is not None and not _LANGUAGE.fullmatch(self.language):
            raise PydanticCustomError(
                "INVALID_EMAIL_LANGUAGE",
                "'{language}' is not an e-mail language DocuSign supports (e.g. en, es, fr, "
                "de, pt_BR)",
                {"language": self.language[:20]},
            )
        if self.subject is None and self.body is None and self.language is None:
            raise PydanticCustomError(
                "EMAIL_NOTIFICATION_EMPTY",
                "emailNotification needs a subject, a body or a language",
            )
        return self


class TemplateFieldValue(FieldsModel):
    """A value for a template's field, found by its label."""

    label: Annotated[str, Field(min_length=1, max_length=MAX_LABEL)]
    value: Annotated[str, Field(max_length=MAX_VALUE)]

    @model_validator(mode="before")
    @classmethod
    def _value_as_text(cls, data: Any) -> Any:
        return value_as_text(data)


def value_as_text(data: Any) -> Any:
    """Workflows map numbers and booleans straight into a field's `value`; DocuSign takes
    strings (`true`/`false` for booleans)."""
    if isinstance(data, dict) and isinstance(data.get("value"), bool | int | float):
        data = dict(data)
        value = data["value"]
        data["value"] = str(value).lower() if isinstance(value, bool) else str(value)
    return data


def refuse_fields(data: Any, kind: str) -> Any:
    """A recipient kind that cannot have fields gets a code of its own, not 'unknown field'."""
    if isinstance(data, dict) and data.get("fields"):
        raise PydanticCustomError(
            "FIELDS_NOT_ALLOWED",
            "{kind} cannot have fields: only signers and in-person signers sign or fill in",
            {"kind": kind},
        )
    if isinstance(data, dict) and "fields" in data:
        data = {k: v for k, v in data.items() if k != "fields"}
    return data
