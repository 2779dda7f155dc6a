"""What the connector publishes on its bus besides status changes: a bounced e-mail
(`Recipient Email Bounced`), and how the outbox's notices are put on the bus, each with its
`eventId` (the notice's id: the same however often it is published)."""

from __future__ import annotations

from typing import Any

from .. import clock
from ..adapters.bus import EventBus
from ..domain import EnvelopeRecord, RecipientStatus
from .merge import Snapshot, reported_address

STATUS_CHANGED = "Envelope Status Changed"
EMAIL_BOUNCED = "Recipient Email Bounced"
# Kept on the notice in the outbox, never published.
_INTERNAL_KEYS = ("queuedAt", "detailType")


def bounce_notices(
    previous: EnvelopeRecord | None, record: EnvelopeRecord, snapshot: Snapshot
) -> list[dict[str, Any]]:
    """A notice for each recipient whose mail has just bounced (status `autoresponded`), for
    the address the report names (never a corrected one it does not name)."""
    before = {r.recipient_id: r.status for r in (previous.recipients if previous else [])}
    notices = []
    for recipient in record.recipients:
        if recipient.status != RecipientStatus.AUTORESPONDED:
            continue
        if before.get(recipient.recipient_id) == RecipientStatus.AUTORESPONDED:
            continue
        named = reported_address(snapshot, recipient.recipient_id)
        if named and recipient.email and named.lower() != recipient.email.lower():
            continue
        notices.append(
            {
                "detailType": EMAIL_BOUNCED,
                "connection": record.connection,
                "envelopeId": record.envelope_id,
                "recipientId": recipient.recipient_id,
                "email": named or recipient.email,
                "name": recipient.name,
                "reason": recipient.auto_responded_reason,
                "customFields": dict(record.custom_fields),
                "emailSubject": record.email_subject,
                "source": snapshot.source,
                "event": snapshot.event,
                "queuedAt": clock.now_iso(),
            }
        )
    return notices


def publish_notices(bus: EventBus, notices: dict[str, dict[str, Any]]) -> None:
    """Publish notices by id, grouped by their detail type."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for notice_id, notice in notices.items():
        detail = {"eventId": notice_id}
        detail.update({k: v for k, v in notice.items() if k not in _INTERNAL_KEYS})
        by_type.setdefault(str(notice.get("detailType") or STATUS_CHANGED), []).append(detail)
    for detail_type, details in by_type.items():
        bus.publish(detail_type, details)
