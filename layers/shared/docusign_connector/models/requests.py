"""Request models of the HTTP API (camelCase on the wire).

Validation problems raise PydanticCustomError with an UPPER_SNAKE type: `api.http` uses that
type as the error code the caller sees, so every rule has a stable, documented code.
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

from ..ids import is_template_id
from .custom_fields import CustomFields
from .docgen import DocGenValues
from .fields import (
    Authentication,
    EmailNotification,
    Fields,
    TemplateFieldValue,
    refuse_fields,
)
from .flat_form import MAX_DAYS, flat_sender, from_flat_form
from .templates_in import TemplateGuid, check_templates, template_document_count
from .text import Line, Paragraphs, single_line

# Deliberately strict: one @, no spaces, a dotted domain. DocuSign rejects what this rejects.
_EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)

MAX_EMAIL_SUBJECT = 100  # DocuSign rejects longer subjects (envelopeDefinition.emailSubject)
MAX_EMAIL_BLURB = 10_000
MAX_RECIPIENT_FIELD = 100  # signer/carbonCopy email and name
MAX_RECIPIENTS = 100  # DocuSign's per-envelope recipient limit
MAX_ROUTING_ORDER = 998  # unordered signers go one step after the highest order
MAX_VOID_REASON = 200
# Each document from S3 costs two S3 calls before the send (its size, then its bytes streamed
# to DocuSign); 50 keeps a send well inside API Gateway's 29 seconds and DocuSign's 25 MB.
MAX_DOCUMENTS = 50


class ApiModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_strip_whitespace=True,
        # Built on first use: a function only pays for the models it actually uses.
        defer_build=True,
    )


def _email(value: str) -> str:
    if len(value) > MAX_RECIPIENT_FIELD or not _EMAIL.fullmatch(value):
        raise PydanticCustomError(
            "INVALID_EMAIL", "'{value}' is not a valid e-mail address", {"value": value[:120]}
        )
    return value


def _name(value: str) -> str:
    single_line(value)
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
    client_user_id: Annotated[Line | None, Field(min_length=1, max_length=100)] = None
    fields: Fields = Field(default_factory=list)
    authentication: Authentication | None = None
    email_notification: EmailNotification | None = None


class CarbonCopy(ApiModel):
    email: Email
    name: Name
    signing_order: SigningOrder = None
    email_notification: EmailNotification | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_fields(cls, data: Any) -> Any:
        return refuse_fields(data, "carbon copies")


class InPersonSigner(ApiModel):
    """Signs on the host's device, in the host's presence (DocuSign's inPersonSigners)."""

    host_name: Name
    host_email: Email
    signer_name: Name
    signer_email: Email | None = None
    signing_order: SigningOrder = None
    fields: Fields = Field(default_factory=list)
    email_notification: EmailNotification | None = None


class CertifiedDelivery(ApiModel):
    """Must open and view the documents; signs nothing ("needs to view")."""

    email: Email
    name: Name
    signing_order: SigningOrder = None
    email_notification: EmailNotification | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_fields(cls, data: Any) -> Any:
        return refuse_fields(data, "certified deliveries")


def _template_id(value: str | None) -> str | None:
    if value is not None and not is_template_id(value):
        raise PydanticCustomError(
            "INVALID_TEMPLATE_ID", "templateId must be a DocuSign template id (a GUID)"
        )
    return value


class CompositeRole(ApiModel):
    """A role of one of `templates`: sent as a signer (DocuSign's compositeTemplates), so it
    takes any authentication a signer takes."""

    role_name: Annotated[Line, Field(min_length=1, max_length=100)]
    email: Email
    name: Name
    signing_order: SigningOrder = None
    # Values for the role's fields in the template, by label.
    fields: list[TemplateFieldValue] = Field(default_factory=list)
    authentication: Authentication | None = None
    email_notification: EmailNotification | None = None


# A role of the one `templateId`, sent as DocuSign's templateRole (no docstring: it would
# become the role's description in the published documents).
class TemplateRole(CompositeRole):
    @model_validator(mode="after")
    def _access_code_only(self) -> TemplateRole:
        # DocuSign's templateRole has `accessCode` but no ID check (SMS, phone) properties:
        # sent anyway they would be dropped, and the recipient would sign without the check.
        if self.authentication is not None and self.authentication.method != "accessCode":
            raise PydanticCustomError(
                "TEMPLATE_ROLE_AUTHENTICATION",
                "a template role takes an access code only; SMS, phone and idv "
                "authentication need signers (send documents, or templates as `templates`, "
                "sent as compositeTemplates)",
            )
        return self


class DocumentIn(ApiModel):
    name: Annotated[Line, Field(min_length=1, max_length=255)]
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


class TemplateIn(ApiModel):
    """One of `templates`: a server template, its roles, and optionally the caller's document
    that replaces the template's documents."""

    template_id: TemplateGuid
    roles: Annotated[list[CompositeRole], Field(min_length=1)]
    document: DocumentIn | None = None


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


def _user_id(value: str) -> str:
    if not is_template_id(value):  # DocuSign's user ids are GUIDs, as template ids are
        raise PydanticCustomError("INVALID_USER_ID", "userId must be a DocuSign user id (a GUID)")
    return value.lower()


class SenderIn(ApiModel):
    """Whom the envelope comes from (DESIGN §12): a user of the connection's DocuSign account,
    by e-mail or by user id; the connection's own user when absent."""

    email: Email | None = None
    user_id: Annotated[str | None, AfterValidator(_user_id)] = None

    @model_validator(mode="after")
    def _one(self) -> SenderIn:
        if (self.email is None) == (self.user_id is None):
            raise PydanticCustomError(
                "SENDER_ONE_OF", "a sender is named by its email or by its userId, one of them"
            )
        return self


class SendEnvelopeRequest(ApiModel):
    """Body of POST /connections/{c}/envelopes, nested form (the flat form is folded into it)."""

    email_subject: Annotated[Line, Field(min_length=1, max_length=MAX_EMAIL_SUBJECT)]
    email_blurb: Annotated[Paragraphs | None, Field(max_length=MAX_EMAIL_BLURB)] = None
    documents: list[DocumentIn] = Field(default_factory=list)
    signers: list[Signer] = Field(default_factory=list)
    carbon_copies: list[CarbonCopy] = Field(default_factory=list)
    in_person_signers: list[InPersonSigner] = Field(default_factory=list)
    certified_deliveries: list[CertifiedDelivery] = Field(default_factory=list)
    expiration: Expiration | None = None
    reminders: Reminders | None = None
    custom_fields: CustomFields = Field(default_factory=dict)
    # DocuSign's template ids are GUIDs; anything else never reaches a DocuSign URL.
    template_id: Annotated[
        str | None, AfterValidator(_template_id), Field(json_schema_extra={"format": "uuid"})
    ] = None
    template_roles: list[TemplateRole] = Field(default_factory=list)
    # A DocGen template's sender fields by name (GET …/templates/{id}/docgen-fields).
    doc_gen_fields: DocGenValues | None = None
    # Several templates in one envelope (DocuSign's compositeTemplates); see models.templates_in.
    templates: list[TemplateIn] = Field(default_factory=list)
    status: Literal["sent", "created"] = "sent"
    # Told of every status change and bounce (https; see README, Callbacks).
    callback_url: Annotated[str | None, Field(min_length=1, max_length=2000)] = None
    sender: SenderIn | None = None  # sent as this user (the connection's allowedSenders)

    @model_validator(mode="before")
    @classmethod
    def _flat_form(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = flat_sender(from_flat_form(data))
            for key in (
                "signers",
                "carbonCopies",
                "documents",
                "templateRoles",
                "inPersonSigners",
                "certifiedDeliveries",
                "templates",
            ):
                if key in data and data[key] is None:
                    data[key] = []
        return data

    @model_validator(mode="after")
    def _rules(self) -> SendEnvelopeRequest:
        if self.templates:
            check_templates(self)
            if self.doc_gen_fields is not None:
                raise PydanticCustomError(
                    "DOCGEN_NEEDS_ONE_TEMPLATE",
                    "docGenFields fill the DocGen template of a templateId, not templates",
                )
        elif self.template_id:
            if self.documents:
                raise PydanticCustomError(
                    "TEMPLATE_WITH_DOCUMENTS",
                    "send either documents or a templateId, not both",
                )
            if (
                self.signers
                or self.carbon_copies
                or self.in_person_signers
                or self.certified_deliveries
            ):
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
            if self.doc_gen_fields is not None:
                raise PydanticCustomError(
                    "TEMPLATE_ID_REQUIRED",
                    "docGenFields fill a DocGen template: add its templateId",
                )
            if not self.signers and not self.in_person_signers:
                raise PydanticCustomError("SIGNER_REQUIRED", "at least one signer is required")
            if not self.documents:
                raise PydanticCustomError("DOCUMENT_REQUIRED", "at least one document is required")
        if len(self.documents) + template_document_count(self) > MAX_DOCUMENTS:
            raise PydanticCustomError(
                "TOO_MANY_DOCUMENTS",
                "at most {limit} documents per envelope",
                {"limit": MAX_DOCUMENTS},
            )
        count = (
            len({(r.email.lower(), r.name) for t in self.templates for r in t.roles})
            + len(self.signers)
            + len(self.carbon_copies)
            + len(self.template_roles)
            + len(self.in_person_signers)
            + len(self.certified_deliveries)
        )
        if count > MAX_RECIPIENTS:
            raise PydanticCustomError(
                "TOO_MANY_RECIPIENTS", "DocuSign allows at most 100 recipients per envelope"
            )
        return self


class VoidEnvelopeRequest(ApiModel):
    reason: Annotated[Line, Field(min_length=1, max_length=MAX_VOID_REASON)]
