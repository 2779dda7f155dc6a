"""What the connector publishes on its bus besides status changes: a bounced e-mail
(`Recipient Email Bounced`). Notices go out through the item's outbox (`actions.changes`),
each with its `eventId` (the notice's id: the same however often it is published)."""

from __future__ import annotations

from typing import Any

from .. import clock
from ..actions.changes import EMAIL_BOUNCED
from ..domain import EnvelopeRecord, RecipientStatus
from .merge import Snapshot, reported_address


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
