"""Request and response models of the HTTP API (camelCase on the wire).

Validation problems raise PydanticCustomError with an UPPER_SNAKE type: `http` uses that type
as the error code the caller sees, so every rule has a stable, documented code.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

CONNECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
ENVELOPE_ID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
# Deliberately strict: one @, no spaces, a dotted domain. DocuSign rejects what this rejects.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)

MAX_EMAIL_SUBJECT = 100  # DocuSign rejects longer subjects (envelopeDefinition.emailSubject)
MAX_EMAIL_BLURB = 10_000
MAX_RECIPIENT_FIELD = 100  # signer/carbonCopy email and name
MAX_RECIPIENTS = 100  # DocuSign's per-envelope recipient limit
MAX_ROUTING_ORDER = 998  # unordered signers go one step after the highest order
MAX_DAYS = 999
MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_FIELD_TEXT = 100
MAX_VOID_REASON = 200


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        # Built on first use: a function only pays for the models it actually uses.
        defer_build=True,
    )


class OutModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, defer_build=True)

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


def _email(value: str) -> str:
    if len(value) > MAX_RECIPIENT_FIELD or not _EMAIL.match(value):
        raise PydanticCustomError(
            "INVALID_EMAIL", "'{value}' is not a valid e-mail address", {"value": value[:120]}
        )
    return value


def _name(value: str) -> str:
    if not value:
        raise PydanticCustomError("RECIPIENT_NAME_REQUIRED", "every recipient needs a name")
    if len(value) > MAX_RECIPIENT_FIELD:
        raise PydanticCustomError(
            "RECIPIENT_NAME_TOO_LONG", "recipient names are limited to 100 characters"
        )
    return value


Email = Annotated[str, AfterValidator(_email)]
Name = Annotated[str, AfterValidator(_name)]


def _order(value: Any) -> Any:
    # BPM tools send "" or null for "no order"; both mean the same as 0.
    if value is None or value == "":
        return None
    return value


SigningOrder = Annotated[
    Annotated[int, Field(ge=0, le=MAX_ROUTING_ORDER)] | None, BeforeValidator(_order)
]
Days = Annotated[int, Field(ge=0, le=MAX_DAYS)]
PositiveDays = Annotated[int, Field(ge=1, le=MAX_DAYS)]


class Signer(ApiModel):
    email: Email
    name: Name
    signing_order: SigningOrder = None
    # Set for a signer who signs inside the caller's application (embedded signing).
    client_user_id: Annotated[str | None, Field(min_length=1, max_length=100)] = None


class CarbonCopy(ApiModel):
    email: Email
    name: Name
    signing_order: SigningOrder = None


class TemplateRole(ApiModel):
    role_name: Annotated[str, Field(min_length=1, max_length=100)]
    email: Email
    name: Name
    signing_order: SigningOrder = None


class DocumentIn(ApiModel):
    name: Annotated[str, Field(min_length=1, max_length=255)]
    content_base64: str | None = None
    s3_key: Annotated[str | None, Field(max_length=1024)] = None

    @model_validator(mode="after")
    def _one_source(self) -> DocumentIn:
        if bool(self.content_base64) == bool(self.s3_key):
            if self.content_base64 == "":
                raise PydanticCustomError(
                    "DOCUMENT_EMPTY", "document '{name}' is empty", {"name": self.name}
                )
            raise PydanticCustomError(
                "DOCUMENT_SOURCE_REQUIRED",
                "document '{name}' needs exactly one of contentBase64 or s3Key",
                {"name": self.name},
            )
        return self


class Expiration(ApiModel):
    enabled: bool = True
    validity_days: PositiveDays | None = None
    notice_days_before: Days | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Expiration:
        if self.enabled and self.validity_days is None:
            raise PydanticCustomError(
                "EXPIRATION_DAYS_REQUIRED", "expiration is enabled but validityDays is missing"
            )
        if (
            self.enabled
            and self.notice_days_before is not None
            and self.validity_days is not None
            and self.notice_days_before >= self.validity_days
        ):
            raise PydanticCustomError(
                "EXPIRATION_NOTICE_TOO_LATE",
                "noticeDaysBefore ({notice}) must be less than validityDays ({days})",
                {"notice": self.notice_days_before, "days": self.validity_days},
            )
        return self


class Reminders(ApiModel):
    enabled: bool = True
    first_reminder_days: Days | None = None
    interval_days: PositiveDays | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Reminders:
        if self.enabled and self.first_reminder_days is None and self.interval_days is None:
            raise PydanticCustomError(
                "REMINDER_DAYS_REQUIRED",
                "reminders are enabled but neither firstReminderDays nor intervalDays is given",
            )
        return self


def _custom_fields(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_CUSTOM_FIELDS:
        raise PydanticCustomError("TOO_MANY_CUSTOM_FIELDS", "at most 100 custom fields")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or item is None or isinstance(item, dict | list):
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD",
                "custom field '{key}' must be a string or a number",
                {"key": str(key)[:100]},
            )
        # Trimmed like every other text field: a blank name would reach DocuSign unnamed.
        name, text = str(key).strip(), str(item).strip()
        if not name or len(name) > MAX_CUSTOM_FIELD_TEXT or len(text) > MAX_CUSTOM_FIELD_TEXT:
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD",
                "custom field names and values must be 1-100 characters ('{key}')",
                {"key": name[:100]},
            )
        if name in out:
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD", "custom field '{key}' is given twice", {"key": name}
            )
        out[name] = text
    return out


CustomFields = Annotated[dict[str, str], BeforeValidator(_custom_fields)]

_FLAT_SIGNER_LISTS = ("signersEmails", "signersNames", "signatureOrder")
_FLAT_CC_LISTS = ("ccEmails", "ccNames")
_FLAT_SCALARS = (
    "enableExpiration",
    "validityDays",
    "expirationNoticeDays",
    "enableReminder",
    "firstReminderDays",
    "reminderIntervalDays",
)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {})


def _as_list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise PydanticCustomError("INVALID_LIST", "{key} must be a list", {"key": key})
    return value


def _check_lengths(data: dict[str, Any], first: str, second: str, code: str) -> None:
    a, b = _as_list(data, first), _as_list(data, second)
    if len(a) != len(b):
        raise PydanticCustomError(
            code,
            "{first} has {a} items but {second} has {b}; the lists are parallel and must be "
            "the same length",
            {"first": first, "a": len(a), "second": second, "b": len(b)},
        )


def _from_flat_form(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the flat form used by BPM tools into the nested form (same meaning)."""
    flat_keys = [k for k in (*_FLAT_SIGNER_LISTS, *_FLAT_CC_LISTS, *_FLAT_SCALARS) if k in data]
    if not flat_keys:
        return data
    data = dict(data)
    if any(_present(data.get(k)) for k in _FLAT_SIGNER_LISTS) and _present(data.get("signers")):
        raise PydanticCustomError(
            "CONFLICTING_SIGNER_FORMS",
            "give signers either as signers or as signersEmails/signersNames, not both",
        )
    if any(_present(data.get(k)) for k in _FLAT_CC_LISTS) and _present(data.get("carbonCopies")):
        raise PydanticCustomError(
            "CONFLICTING_CC_FORMS",
            "give CC recipients either as carbonCopies or as ccEmails/ccNames, not both",
        )
    _check_lengths(data, "signersEmails", "signersNames", "SIGNERS_LENGTH_MISMATCH")
    if _present(data.get("signatureOrder")):
        _check_lengths(data, "signersEmails", "signatureOrder", "SIGNATURE_ORDER_LENGTH_MISMATCH")
    _check_lengths(data, "ccEmails", "ccNames", "CC_LENGTH_MISMATCH")

    emails, names = _as_list(data, "signersEmails"), _as_list(data, "signersNames")
    orders = _as_list(data, "signatureOrder") or [None] * len(emails)
    if emails:
        data["signers"] = [
            {"email": e, "name": n, "signingOrder": o}
            for e, n, o in zip(emails, names, orders, strict=True)
        ]
    cc_emails, cc_names = _as_list(data, "ccEmails"), _as_list(data, "ccNames")
    if cc_emails:
        data["carbonCopies"] = [
            {"email": e, "name": n} for e, n in zip(cc_emails, cc_names, strict=True)
        ]
    if "enableExpiration" in data and "expiration" not in data:
        data["expiration"] = {
            "enabled": data.get("enableExpiration"),
            "validityDays": data.get("validityDays"),
            "noticeDaysBefore": data.get("expirationNoticeDays"),
        }
    if "enableReminder" in data and "reminders" not in data:
        data["reminders"] = {
            "enabled": data.get("enableReminder"),
            "firstReminderDays": data.get("firstReminderDays"),
            "intervalDays": data.get("reminderIntervalDays"),
        }
    for key in flat_keys:
        data.pop(key, None)
    return data


class SendEnvelopeRequest(ApiModel):
    """Body of POST /connections/{c}/envelopes, nested form (the flat form is folded into it)."""

    email_subject: Annotated[str, Field(min_length=1, max_length=MAX_EMAIL_SUBJECT)]
    email_blurb: Annotated[str | None, Field(max_length=MAX_EMAIL_BLURB)] = None
    documents: list[DocumentIn] = Field(default_factory=list)
    signers: list[Signer] = Field(default_factory=list)
    carbon_copies: list[CarbonCopy] = Field(default_factory=list)
    expiration: Expiration | None = None
    reminders: Reminders | None = None
    custom_fields: CustomFields = Field(default_factory=dict)
    template_id: Annotated[str | None, Field(max_length=100)] = None
    template_roles: list[TemplateRole] = Field(default_factory=list)
    status: Literal["sent", "created"] = "sent"

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = _from_flat_form(data)
            for key in ("signers", "carbonCopies", "documents", "templateRoles"):
                if key in data and data[key] is None:
                    data[key] = []
        return data

    @model_validator(mode="after")
    def _rules(self) -> SendEnvelopeRequest:
        if self.template_id:
            if self.documents:
                raise PydanticCustomError(
                    "TEMPLATE_WITH_DOCUMENTS",
                    "send either documents or a templateId, not both",
                )
            if self.signers or self.carbon_copies:
                raise PydanticCustomError(
                    "TEMPLATE_NEEDS_ROLES",
                    "with a templateId, recipients are given as templateRoles",
                )
            if not self.template_roles:
                raise PydanticCustomError(
                    "SIGNER_REQUIRED", "at least one template role (a signer) is required"
                )
        else:
            if self.template_roles:
                raise PydanticCustomError("TEMPLATE_ID_REQUIRED", "templateRoles need a templateId")
            if not self.signers:
                raise PydanticCustomError("SIGNER_REQUIRED", "at least one signer is required")
            if not self.documents:
                raise PydanticCustomError("DOCUMENT_REQUIRED", "at least one document is required")
        count = len(self.signers) + len(self.carbon_copies) + len(self.template_roles)
        if count > MAX_RECIPIENTS:
            raise PydanticCustomError(
                "TOO_MANY_RECIPIENTS", "DocuSign allows at most 100 recipients per envelope"
            )
        return self


class VoidEnvelopeRequest(ApiModel):
    reason: Annotated[str, Field(min_length=1, max_length=MAX_VOID_REASON)]


def _return_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise PydanticCustomError("INVALID_RETURN_URL", "returnUrl must be an absolute URL")
    return value


ReturnUrl = Annotated[str, Field(min_length=1, max_length=470), AfterValidator(_return_url)]


class RecipientViewRequest(ApiModel):
    """Embedded signing for a signer sent with a clientUserId."""

    return_url: ReturnUrl
    client_user_id: Annotated[str, Field(min_length=1, max_length=100)]
    email: Email
    name: Name
    recipient_id: Annotated[str | None, Field(max_length=100)] = None
    authentication_method: Annotated[str, Field(min_length=1, max_length=50)] = "None"


class SenderViewRequest(ApiModel):
    return_url: ReturnUrl


# ----------------------------------------------------------------------------- responses


class SendEnvelopeResponse(OutModel):
    envelope_id: str
    status: str
    sent_date_time: str | None = None
    connection: str


class RecipientOut(OutModel):
    email: str | None = None
    name: str | None = None
    type: str
    routing_order: int | None = None
    status: str | None = None
    signed_date_time: str | None = None
    declined_reason: str | None = None


class HistoryEntry(OutModel):
    event: str
    status: str | None = None
    date_time: str
    source: str


class EnvelopeStatusResponse(OutModel):
    envelope_id: str
    status: str
    status_changed_date_time: str | None = None
    sent_date_time: str | None = None
    completed_date_time: str | None = None
    voided_reason: str | None = None
    email_subject: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    recipients: list[RecipientOut] = Field(default_factory=list)
    last_synced_date_time: str | None = None
    source: str
    history: list[HistoryEntry] | None = None

    def dump(self) -> dict[str, Any]:
        body = super().dump()
        if self.history is None:
            body.pop("history")
        return body


class EnvelopeSummaryOut(OutModel):
    envelope_id: str
    status: str
    status_changed_date_time: str | None = None
    sent_date_time: str | None = None
    completed_date_time: str | None = None
    email_subject: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)
    last_synced_date_time: str | None = None


class ListEnvelopesResponse(OutModel):
    connection: str
    envelopes: list[EnvelopeSummaryOut]
    next_token: str | None = None


class DocumentOut(OutModel):
    document_id: str
    name: str
    content_type: str = "application/pdf"
    size_bytes: int
    sha256: str
    url: str
    s3_key: str
    content_base64: str | None = None


class DocumentsResponse(OutModel):
    envelope_id: str
    status: str
    documents: list[DocumentOut]
    summary: DocumentOut

    def dump(self) -> dict[str, Any]:
        body = super().dump()
        for item in [*body["documents"], body["summary"]]:
            if item.get("contentBase64") is None:
                item.pop("contentBase64", None)
        return body


class VoidEnvelopeResponse(OutModel):
    envelope_id: str
    status: str
    voided_reason: str
    voided_date_time: str | None = None
    connection: str


class ViewResponse(OutModel):
    envelope_id: str
    url: str
    connection: str


class TemplateRoleOut(OutModel):
    role_name: str
    type: str
    routing_order: int | None = None


class TemplateOut(OutModel):
    template_id: str
    name: str | None = None
    description: str | None = None
    email_subject: str | None = None
    last_modified: str | None = None
    roles: list[TemplateRoleOut] = Field(default_factory=list)


class TemplatesResponse(OutModel):
    connection: str
    templates: list[TemplateOut]
    total: int
    next_start: int | None = None


class ConsentResponse(OutModel):
    connection: str
    consent_url: str
    integration_key: str
    auth_server: str
    scopes: list[str]


class VerifyResponse(OutModel):
    connection: str
    ok: bool
    account_id: str
    account_name: str | None = None
    base_uri: str
    user_id: str
    user_name: str | None = None
    auth_server: str
    token_expires_in: int
