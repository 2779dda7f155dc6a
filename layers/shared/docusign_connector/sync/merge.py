"""The pure merge of what DocuSign reports (Connect events, the reconciler's list of changes)
into an envelope's record; `sync.apply` writes the result.

Every report is a *snapshot*: the envelope (or one recipient) as DocuSign saw it at a moment.
Snapshots are ordered by that moment, then by how far the envelope had got (status rank), then
by how far its recipients had got; a snapshot that is not newer than the one applied changes
nothing. A finished envelope (completed, declined, voided) never goes back, whatever the
clocks say, and a recipient's status never goes back either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from .. import clock
from ..domain import (
    RECIPIENT_RANK,
    STATUS_RANK,
    EnvelopeRecord,
    EnvelopeStatus,
    RecipientState,
)
from ..mapping import record_from_envelope
from .messages import ConnectEvent

ENVELOPE_EVENT_STATUS = {
    "envelope-created": "created",
    "envelope-sent": "sent",
    "envelope-resent": "sent",
    "envelope-delivered": "delivered",
    "envelope-corrected": "correct",
    "envelope-completed": "completed",
    "envelope-declined": "declined",
    "envelope-voided": "voided",
}
RECIPIENT_EVENT_STATUS = {
    "recipient-sent": "sent",
    "recipient-resent": "sent",
    "recipient-delivered": "delivered",
    "recipient-completed": "completed",
    "recipient-declined": "declined",
    "recipient-autoresponded": "autoresponded",
    "recipient-authenticationfailed": "authenticationfailed",
}


def sortable_time(value: str | None) -> str | None:
    """A DocuSign date as fixed-width UTC text with microseconds (`clock.sortable`)."""
    return clock.sortable(value)


@dataclass(frozen=True)
class Snapshot:
    """One report about an envelope, whoever made it."""

    connection: str
    envelope_id: str
    event: str  # e.g. envelope-completed, recipient-sent; `envelope-{status}` for the reconciler
    at: str | None  # sortable_time of the moment DocuSign described
    summary: dict[str, Any] | None  # DocuSign's envelope JSON at that moment, if it came
    recipient_id: str | None = None
    source: str = "connect"
    # The summary came from a GET with `include=…,tabs`: its recipients carry all their tabs.
    with_tabs: bool = False

    @classmethod
    def from_connect(cls, event: ConnectEvent) -> Snapshot:
        summary = event.summary
        at = sortable_time(event.generated_date_time)
        if at is None and summary:
            # No generatedDateTime (DocuSign's sample leaves it empty): the summary's own dates.
            at = _latest(summary.get("statusChangedDateTime"), summary.get("lastModifiedDateTime"))
        return cls(
            connection=event.connection,
            envelope_id=event.envelope_id,
            event=event.event,
            at=at,
            summary=summary,
            recipient_id=event.recipient_id,
            source="connect",
        )

    @classmethod
    def from_listing(cls, connection: str, envelope: dict[str, Any]) -> Snapshot:
        """An envelope from "list status changes": as of its latest change."""
        status = str(envelope.get("status") or "").lower()
        return cls(
            connection=connection,
            envelope_id=str(envelope.get("envelopeId") or "").lower(),
            event=f"envelope-{status}",
            at=_latest(envelope.get("statusChangedDateTime"), envelope.get("lastModifiedDateTime")),
            summary=envelope,
            source="reconcile",
        )

    @property
    def status(self) -> str | None:
        if self.summary and self.summary.get("status"):
            return str(self.summary["status"]).lower()
        return ENVELOPE_EVENT_STATUS.get(self.event)


def _latest(*values: Any) -> str | None:
    times = [t for t in (sortable_time(str(v)) for v in values if v) if t]
    return max(times) if times else None


def reported_recipient(snapshot: Snapshot, recipient_id: str | None) -> dict[str, Any] | None:
    """The recipient as the report's summary has it (DocuSign's JSON), if it is there."""
    groups = (snapshot.summary or {}).get("recipients")
    for members in groups.values() if isinstance(groups, dict) else []:
        for member in members if isinstance(members, list) else []:
            if isinstance(member, dict) and str(member.get("recipientId")) == str(recipient_id):
                return member
    return None


def reported_address(snapshot: Snapshot, recipient_id: str | None) -> str | None:
    """The e-mail address the report names for this recipient, if it names one."""
    email = (reported_recipient(snapshot, recipient_id) or {}).get("email")
    return str(email).strip() if email else None


def corrected_since(recipient: RecipientState, at: str | None) -> bool:
    """Whether the recipient was corrected at or after the moment `at` (a sortable time)
    describes: what a report of that moment says of the recipient is stale."""
    corrected = sortable_time(recipient.corrected_at)
    return corrected is not None and (at is None or at <= corrected)


def _stale_for(recipient: RecipientState, snapshot: Snapshot) -> bool:
    """Whether what `snapshot` says of this recipient is about it before its correction: a
    report of an earlier moment, or a Connect message naming another address than the one it
    was corrected to (DocuSign's own answers, a GET or the listing, are taken as they are)."""
    if corrected_since(recipient, snapshot.at):
        return True
    if not recipient.corrected_at or snapshot.source != "connect":
        return False
    named = reported_address(snapshot, recipient.recipient_id)
    return bool(named and recipient.email and named.lower() != recipient.email.lower())


def _respect_corrections(
    incoming: list[RecipientState], previous: list[RecipientState], snapshot: Snapshot
) -> list[RecipientState]:
    """A report about a recipient before its last correction changes nothing of it."""
    stale = {r.recipient_id: r for r in previous if r.recipient_id and _stale_for(r, snapshot)}
    return [stale.get(r.recipient_id or "", r) for r in incoming]


def _rank(recipient: RecipientState) -> int:
    return RECIPIENT_RANK.get((recipient.status or "").lower(), 0)


def _recipient_progress(recipients: Iterable[RecipientState]) -> int:
    return sum(_rank(r) for r in recipients)


def _key(
    at: str | None, status: str | None, recipients: Iterable[RecipientState]
) -> tuple[str, int, int]:
    return (at or "", STATUS_RANK.get(status or "", 0), _recipient_progress(recipients))


def _union_recipients(
    base: list[RecipientState], other: list[RecipientState]
) -> list[RecipientState]:
    """`base`, with what only `other` knows filled in (recipients, names, e-mails), and with
    each recipient at the furthest status either list reports: a status never goes back."""
    others = {r.recipient_id: r for r in other if r.recipient_id}
    merged = []
    for recipient in base:
        known = others.get(recipient.recipient_id) if recipient.recipient_id else None
        if known is not None:
            ahead = known if _rank(known) > _rank(recipient) else recipient
            recipient = replace(
                recipient,
                email=recipient.email or known.email,
                name=recipient.name or known.name,
                routing_order=recipient.routing_order or known.routing_order,
                status=ahead.status,
                signed_date_time=ahead.signed_date_time or recipient.signed_date_time,
                declined_reason=ahead.declined_reason or recipient.declined_reason,
                corrected_at=recipient.corrected_at or known.corrected_at,
            )
        merged.append(recipient)
    seen = {r.recipient_id for r in merged}
    merged.extend(r for r in other if r.recipient_id and r.recipient_id not in seen)
    return merged


def _fill_in(previous: EnvelopeRecord, older: EnvelopeRecord) -> EnvelopeRecord:
    """An older report does not change the status, but what only it knows is kept."""
    recipients = _union_recipients(previous.recipients, older.recipients)
    return replace(
        previous,
        recipients=recipients,
        email_subject=previous.email_subject or older.email_subject,
        custom_fields=previous.custom_fields or older.custom_fields,
        sent_date_time=previous.sent_date_time or older.sent_date_time,
        transaction_id=previous.transaction_id or older.transaction_id,
    )


def _raise_recipient(
    recipients: list[RecipientState], recipient_id: str, status: str, when: str | None
) -> list[RecipientState]:
    """One recipient's status from a recipient event that brought no envelope summary."""
    out = list(recipients)
    for index, recipient in enumerate(out):
        if recipient.recipient_id == recipient_id:
            # A bounce is news at the same rank as `sent` (and a resend, news after a bounce).
            sideways = status != recipient.status and RECIPIENT_RANK.get(status, 0) == _rank(
                recipient
            )
            if RECIPIENT_RANK.get(status, 0) > _rank(recipient) or sideways:
                out[index] = replace(
                    recipient,
                    status=status,
                    signed_date_time=when if status == "completed" else recipient.signed_date_time,
                )
            return out
    out.append(
        RecipientState(
            type="signer",
            recipient_id=recipient_id,
            status=status,
            signed_date_time=when if status == "completed" else None,
        )
    )
    return out


def merge(
    previous: EnvelopeRecord | None, stored_at: str | None, snapshot: Snapshot
) -> tuple[EnvelopeRecord | None, str | None]:
    """The record after `snapshot` (None when it cannot make one) and the moment of the newest
    snapshot applied so far."""
    status = snapshot.status
    stored_at = stored_at or (
        sortable_time(previous.status_changed_date_time) if previous else None
    )
    when_ms = clock.normalize(snapshot.at) if snapshot.at else None
    if previous is None:
        if snapshot.summary is not None and status:
            record = record_from_envelope(
                {"envelopeId": snapshot.envelope_id, **snapshot.summary},
                snapshot.connection,
                None,
                snapshot.source,
            )
        else:
            record = EnvelopeRecord(
                envelope_id=snapshot.envelope_id,
                connection=snapshot.connection,
                # A recipient event means the envelope went out; a report with a status
                # (even an older one) will say more.
                status=status or "sent",
                source=snapshot.source,
                status_changed_date_time=when_ms if status else None,
                created_at=clock.now_iso(),
                last_synced_at=clock.now_iso(),
            )
        if not status:
            return _apply_recipient_event(record, snapshot, when_ms), None
        record.status_changed_date_time = record.status_changed_date_time or when_ms
        return _apply_recipient_event(record, snapshot, when_ms), snapshot.at

    record = previous
    newest = stored_at
    if status and snapshot.at:
        incoming = (
            record_from_envelope(
                {"envelopeId": snapshot.envelope_id, **snapshot.summary},
                snapshot.connection,
                previous,
                snapshot.source,
            )
            if snapshot.summary is not None
            else None
        )
        incoming_recipients = incoming.recipients if incoming else previous.recipients
        newer = _key(snapshot.at, status, incoming_recipients) > _key(
            stored_at, previous.status, previous.recipients
        )
        # A finished envelope stays finished, whatever the clocks say.
        final = previous.terminal and status != previous.status
        if newer and not final:
            if incoming is None:
                incoming = replace(
                    previous,
                    status=status,
                    source=snapshot.source,
                    status_changed_date_time=when_ms,
                    last_synced_at=clock.now_iso(),
                )
                if status == EnvelopeStatus.COMPLETED:
                    incoming.completed_date_time = incoming.completed_date_time or when_ms
            incoming.recipients = _respect_corrections(
                _union_recipients(incoming.recipients, previous.recipients),
                previous.recipients,
                snapshot,
            )
            incoming.created_at = previous.created_at
            if not incoming.status_changed_date_time:
                incoming.status_changed_date_time = when_ms
            record = incoming
            newest = snapshot.at
        elif incoming is not None:
            record = _fill_in(previous, incoming)
    return _apply_recipient_event(record, snapshot, when_ms), newest


def _apply_recipient_event(
    record: EnvelopeRecord, snapshot: Snapshot, when: str | None
) -> EnvelopeRecord:
    """A recipient event raises its recipient (never lowers it), old or not — unless it is
    about the recipient before its last correction: older than the correction, or naming an
    address the recipient no longer has."""
    if not snapshot.recipient_id or not snapshot.event.startswith("recipient-"):
        return record
    current = next((r for r in record.recipients if r.recipient_id == snapshot.recipient_id), None)
    if current is not None and _stale_for(current, snapshot):
        return record
    status = None
    if snapshot.summary:
        reported = record_from_envelope(
            {"envelopeId": snapshot.envelope_id, **snapshot.summary},
            record.connection,
            None,
            snapshot.source,
        )
        status = next(
            (r.status for r in reported.recipients if r.recipient_id == snapshot.recipient_id),
            None,
        )
    status = (status or RECIPIENT_EVENT_STATUS.get(snapshot.event) or "").lower()
    if not status:
        return record
    raised = _raise_recipient(record.recipients, snapshot.recipient_id, status, when)
    return record if raised == record.recipients else replace(record, recipients=raised)
