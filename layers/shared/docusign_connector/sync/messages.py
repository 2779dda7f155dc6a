"""Connect's JSON SIM messages: what the webhook queues, and the queued form that
EventsFunction reads."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import BadRequest
from ..ids import is_connection_name, is_envelope_id

_SUMMARY_FIELDS = (
    "envelopeId",
    "status",
    "emailSubject",
    "transactionId",
    "createdDateTime",
    "sentDateTime",
    "deliveredDateTime",
    "completedDateTime",
    "declinedDateTime",
    "voidedDateTime",
    "voidedReason",
    "statusChangedDateTime",
    "lastModifiedDateTime",
    "customFields",
)
_RECIPIENT_FIELDS = (
    "recipientId",
    "email",
    "name",
    "routingOrder",
    "status",
    "signedDateTime",
    "deliveredDateTime",
    "declinedDateTime",
    "declinedReason",
    "autoRespondedReason",
    "roleName",
)
_DOCUMENT_FIELDS = ("documentId", "name", "type", "order")


@dataclass(frozen=True)
class ConnectEvent:
    """One Connect message as the events queue carries it (only what the connector uses)."""

    connection: str
    event: str
    envelope_id: str
    generated_date_time: str | None
    recipient_id: str | None
    account_id: str | None
    summary: dict[str, Any] | None

    def to_message(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "event": self.event,
            "envelopeId": self.envelope_id,
            "generatedDateTime": self.generated_date_time,
            "recipientId": self.recipient_id,
            "accountId": self.account_id,
            "envelopeSummary": self.summary,
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> ConnectEvent:
        """The queued form back; anything malformed is a ValueError (a poison message)."""
        connection = message.get("connection")
        event = message.get("event")
        envelope_id = message.get("envelopeId")
        if not isinstance(connection, str) or not is_connection_name(connection):
            raise ValueError("the message names no valid connection")
        if not isinstance(event, str) or not event:
            raise ValueError("the message has no event name")
        if not isinstance(envelope_id, str) or not is_envelope_id(envelope_id):
            raise ValueError("the message has no valid envelope id")
        summary = message.get("envelopeSummary")
        return cls(
            connection=connection,
            event=event,
            envelope_id=envelope_id.lower(),
            generated_date_time=_text(message.get("generatedDateTime")),
            recipient_id=_text(message.get("recipientId")),
            account_id=_text(message.get("accountId")),
            summary=summary if isinstance(summary, dict) else None,
        )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _compact_summary(summary: Any) -> dict[str, Any] | None:
    """The part of `envelopeSummary` the connector uses: no document bytes, no tabs."""
    if not isinstance(summary, dict):
        return None
    compact = {k: summary[k] for k in _SUMMARY_FIELDS if k in summary}
    groups = summary.get("recipients")
    if isinstance(groups, dict):
        compact["recipients"] = {
            group: [
                {k: r[k] for k in _RECIPIENT_FIELDS if k in r}
                for r in members
                if isinstance(r, dict)
            ]
            for group, members in groups.items()
            if isinstance(members, list)
        }
    documents = summary.get("envelopeDocuments")
    if isinstance(documents, list):
        compact["envelopeDocuments"] = [
            {k: d[k] for k in _DOCUMENT_FIELDS if k in d} for d in documents if isinstance(d, dict)
        ]
    return compact


def parse_message(connection: str, body: bytes) -> ConnectEvent | None:
    """A verified JSON SIM message as a ConnectEvent; None for messages about something
    other than an envelope (templates, clickwraps), which the connector does not track."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest(
            "the message is not JSON: configure Connect to send JSON (SIM) messages",
            code="UNSUPPORTED_CONNECT_FORMAT",
        ) from None
    if not isinstance(message, dict):
        raise BadRequest("the message must be a JSON object", code="UNSUPPORTED_CONNECT_FORMAT")
    event = str(message.get("event") or "")
    raw_data = message.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    envelope_id = str(data.get("envelopeId") or "")
    if not event.startswith(("envelope-", "recipient-")) or not is_envelope_id(envelope_id):
        return None
    return ConnectEvent(
        connection=connection,
        event=event,
        envelope_id=envelope_id.lower(),
        generated_date_time=_text(message.get("generatedDateTime")),
        recipient_id=_text(data.get("recipientId")),
        account_id=_text(data.get("accountId")),
        summary=_compact_summary(data.get("envelopeSummary")),
    )
