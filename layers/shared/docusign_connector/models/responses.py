"""Response models of the HTTP API (camelCase on the wire)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class OutModel(BaseModel):
    # from_attributes: an answer is built straight from a record whose fields it shares.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, defer_build=True, from_attributes=True
    )

    def dump(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


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
    recipient_id: str | None = None  # DocuSign's recipientId: the one to correct or resend to
    auto_responded_reason: str | None = None  # status autoresponded: why the e-mail bounced


class HistoryEntry(OutModel):
    event: str
    # The envelope's status, or for a recipient event the recipient's.
    status: str | None = None
    date_time: str
    source: str
    recipient_id: str | None = None
    recipient_name: str | None = None
    recipient_email: str | None = None
    by: str | None = None  # the API caller whose request caused it


class SenderOut(OutModel):
    """The DocuSign user the envelope comes from (null: the connection's own user, until
    DocuSign names it)."""

    user_id: str | None = None
    email: str | None = None


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
    created_by: str | None = None  # the API caller who sent it
    sender: SenderOut | None = None
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
    created_by: str | None = None
    sender: SenderOut | None = None


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
    summary: DocumentOut | None  # None for combined and archive (it is inside them)
    format: str = "separate"  # the format served
    requested_format: str = "separate"  # differs from `format` when DocuSign refused it

    def dump(self) -> dict[str, Any]:
        body = super().dump()
        if body["summary"] is None:
            body.pop("summary")
        for item in [*body["documents"], *([body["summary"]] if "summary" in body else [])]:
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
    # who must open the URL (signed in as themselves): the connection's user, or `?user=`
    user_id: str | None = None
    user_email: str | None = None


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


class TemplateFieldOut(OutModel):
    """A field of a template role: what a workflow maps its data to (by label)."""

    label: str
    type: str
    required: bool
    locked: bool = False
    value: str | None = None
    options: list[str] | None = None


class TemplateRoleDetailOut(TemplateRoleOut):
    fields: list[TemplateFieldOut] = Field(default_factory=list)


class TemplateDocumentOut(OutModel):
    document_id: str
    name: str | None = None
    pages: int | None = None


class TemplateResponse(OutModel):
    """GET /connections/{c}/templates/{templateId}."""

    connection: str
    template_id: str
    name: str | None = None
    description: str | None = None
    email_subject: str | None = None
    last_modified: str | None = None
    roles: list[TemplateRoleDetailOut] = Field(default_factory=list)
    documents: list[TemplateDocumentOut] = Field(default_factory=list)
