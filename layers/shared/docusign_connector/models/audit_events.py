"""An envelope's audit events (`GET …/envelopes/{id}/audit`): DocuSign's name/value lists
shaped plainly — who, what, when, where."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .. import clock
from .responses import OutModel

# DocuSign's field names (Envelopes:listAuditEvents; the SOAP EnvelopeAuditEvents twin).
KNOWN_FIELDS = (
    "logTime",
    "Source",
    "UserName",
    "UserId",
    "Action",
    "Message",
    "EnvelopeStatus",
    "ClientIPAddress",
    "Information",
    "GeoLocation",
    "Language",
)


class AuditActorOut(OutModel):
    name: str | None = None
    user_id: str | None = None  # a DocuSign user of the account (the sender), else none


class AuditEventOut(OutModel):
    date_time: str | None = None  # when (ISO 8601 UTC)
    action: str | None = None  # what: Registered, Sent Invitations, Viewed, Signed, …
    message: str | None = None
    envelope_status: str | None = None
    by: AuditActorOut  # who
    ip_address: str | None = None  # where
    geo_location: str | None = None
    client: str | None = None  # through what: DocuSign's Source (API, Web, …)
    information: str | None = None
    language: str | None = None
    # Every field as DocuSign gave it, the ones above included (DocuSign may add more).
    fields: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def from_fields(cls, event_fields: list[dict[str, Any]]) -> AuditEventOut:
        fields = {
            str(f.get("name")): str(f.get("value") if f.get("value") is not None else "")
            for f in event_fields
            if f.get("name")
        }

        def text(name: str) -> str | None:
            return fields.get(name) or None

        return cls(
            date_time=clock.normalize(fields.get("logTime")),
            action=text("Action"),
            message=text("Message"),
            envelope_status=(text("EnvelopeStatus") or "").lower() or None,
            by=AuditActorOut(name=text("UserName"), user_id=text("UserId")),
            ip_address=text("ClientIPAddress"),
            geo_location=text("GeoLocation"),
            client=text("Source"),
            information=text("Information"),
            language=text("Language"),
            fields=fields,
        )


class AuditEventsResponse(OutModel):
    envelope_id: str
    connection: str
    events: list[AuditEventOut]
