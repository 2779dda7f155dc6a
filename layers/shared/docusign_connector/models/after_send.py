"""Models of the routes used after the send: correcting a recipient, resending, form data."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic_core import PydanticCustomError

from ..ids import RECIPIENT_ID
from .fields import Authentication
from .requests import ApiModel, Email, Name
from .responses import OutModel


def _recipient_id(value: str) -> str:
    if not RECIPIENT_ID.fullmatch(value):
        raise PydanticCustomError(
            "INVALID_RECIPIENT_ID", "recipient ids are DocuSign's recipientId numbers"
        )
    return value


RecipientId = Annotated[str, AfterValidator(_recipient_id)]


def is_recipient_id(value: object) -> bool:
    return isinstance(value, str) and RECIPIENT_ID.fullmatch(value) is not None


class CorrectRecipientRequest(ApiModel):
    """Body of PATCH …/recipients/{recipientId}: what to correct (at least one)."""

    email: Email | None = None
    name: Name | None = None
    authentication: Authentication | None = None

    @model_validator(mode="after")
    def _something(self) -> CorrectRecipientRequest:
        if self.email is None and self.name is None and self.authentication is None:
            raise PydanticCustomError(
                "NOTHING_TO_CORRECT", "give the recipient's new email, name or authentication"
            )
        return self


class ResendEnvelopeRequest(ApiModel):
    """Body of POST …/resend: every current recipient, or only these."""

    recipient_ids: Annotated[list[RecipientId] | None, Field(min_length=1, max_length=100)] = None


class FormField(OutModel):
    recipient_id: str | None = None
    recipient_email: str | None = None
    recipient_name: str | None = None
    label: str
    type: str | None = None  # DocuSign's tab kind in camelCase (text, checkbox, …)
    value: str | None = None


class FormDataResponse(OutModel):
    envelope_id: str
    status: str | None = None
    fields: list[FormField]

    @classmethod
    def from_docusign(
        cls, envelope_id: str, form_data: dict[str, Any], kinds: dict[tuple[str, str], str]
    ) -> FormDataResponse:
        """DocuSign's form data, each field with its recipient and (from the recipients'
        tabs, `kinds`: (recipientId, label) → kind) its type."""
        fields = []
        for recipient in form_data.get("recipientFormData") or []:
            if not isinstance(recipient, dict):
                continue
            recipient_id = str(recipient.get("recipientId") or "") or None
            for item in recipient.get("formData") or []:
                if not isinstance(item, dict):
                    continue
                label = str(item.get("name") or "")
                fields.append(
                    FormField(
                        recipient_id=recipient_id,
                        recipient_email=recipient.get("email"),
                        recipient_name=recipient.get("name"),
                        label=label,
                        type=kinds.get((recipient_id or "", label)),
                        value=item.get("value"),
                    )
                )
        return cls(envelope_id=envelope_id, status=form_data.get("status"), fields=fields)
