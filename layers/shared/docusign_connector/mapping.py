"""DocuSign's envelope JSON (an envelope, a Connect summary, a list-status-changes entry) as the
connector's record: the one mapping used by sends, syncs, Connect events and the reconciler."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import clock
from .domain import RECIPIENT_TYPES, EnvelopeRecord, RecipientState


def _order(value: Any) -> int | None:
    text = str(value or "")
    return int(text) if text.isdigit() else None


def recipients_from(groups: Any) -> list[RecipientState]:
    """Every recipient of DocuSign's `recipients` object, in group order."""
    recipients: list[RecipientState] = []
    if not isinstance(groups, dict):
        return recipients
    for group, kind in RECIPIENT_TYPES.items():
        for entry in groups.get(group) or []:
            if not isinstance(entry, dict):
                continue
            recipients.append(
                RecipientState(
                    type=kind,
                    email=entry.get("email"),
                    name=entry.get("name"),
                    routing_order=_order(entry.get("routingOrder")),
                    status=entry.get("status"),
                    signed_date_time=clock.normalize(entry.get("signedDateTime")),
                    declined_reason=entry.get("declinedReason"),
                    recipient_id=entry.get("recipientId"),
                    auto_responded_reason=entry.get("autoRespondedReason"),
                )
            )
    return recipients


def keep_corrections(
    recipients: list[RecipientState], previous: list[RecipientState]
) -> list[RecipientState]:
    """`recipients` (as DocuSign reports them) with the moment of each one's last correction,
    which only the connector knows."""
    corrected = {r.recipient_id: r.corrected_at for r in previous if r.corrected_at}
    return [
        replace(r, corrected_at=corrected.get(r.recipient_id)) if not r.corrected_at else r
        for r in recipients
    ]


def custom_fields_from(envelope: dict[str, Any]) -> dict[str, str]:
    fields = (envelope.get("customFields") or {}).get("textCustomFields") or []
    return {str(f.get("name")): str(f.get("value", "")) for f in fields if f.get("name")}


def record_from_envelope(
    envelope: dict[str, Any], connection: str, previous: EnvelopeRecord | None, source: str
) -> EnvelopeRecord:
    """The record DocuSign's envelope describes; what it does not say is kept from `previous`."""
    recipients = recipients_from(envelope.get("recipients"))
    if previous is not None:
        recipients = keep_corrections(recipients, previous.recipients)
    custom_fields = custom_fields_from(envelope)
    status = str(envelope.get("status") or "").lower()
    return EnvelopeRecord(
        envelope_id=str(envelope.get("envelopeId") or (previous.envelope_id if previous else "")),
        connection=connection,
        status=status,
        source=source,
        email_subject=envelope.get("emailSubject")
        or (previous.email_subject if previous else None),
        status_changed_date_time=clock.normalize(
            envelope.get("statusChangedDateTime") or envelope.get("statusDateTime")
        ),
        sent_date_time=clock.normalize(envelope.get("sentDateTime")),
        completed_date_time=clock.normalize(envelope.get("completedDateTime")),
        voided_date_time=clock.normalize(envelope.get("voidedDateTime")),
        voided_reason=envelope.get("voidedReason"),
        custom_fields=custom_fields or (previous.custom_fields if previous else {}),
        recipients=recipients or (previous.recipients if previous else []),
        transaction_id=envelope.get("transactionId")
        or (previous.transaction_id if previous else None),
        created_at=previous.created_at if previous else clock.now_iso(),
        last_synced_at=clock.now_iso(),
        documents=previous.documents if previous else [],
        documents_archived=previous.documents_archived if previous else False,
        documents_fetched_at=previous.documents_fetched_at if previous else None,
        callback_url=previous.callback_url if previous else None,
        created_by=previous.created_by if previous else None,
        sender_user_id=_sender(envelope, "userId")
        or (previous.sender_user_id if previous else None),
        sender_email=_sender(envelope, "email") or (previous.sender_email if previous else None),
    )


def _sender(envelope: dict[str, Any], key: str) -> str | None:
    """The envelope's sender as DocuSign names it (`sender.userId`, `sender.email`)."""
    sender = envelope.get("sender")
    value = sender.get(key) if isinstance(sender, dict) else None
    return str(value).strip().lower() or None if value else None
