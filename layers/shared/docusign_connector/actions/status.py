"""An envelope's status: from the table when it is fresh, otherwise from DocuSign (at most once
per STATUS_MAX_AGE_SECONDS, DocuSign's polling rule); envelopes the table does not know are
fetched once and tracked from then on — by the connection whose user sent them only (see
`ownership`): any other connection gets the 404 of an envelope that does not exist, and
nothing is written."""

from __future__ import annotations

from typing import Any

from .. import clock
from ..adapters.docusign.client import DocuSignClient
from ..container import Services, get_services
from ..domain import Deadline, EnvelopeRecord, HistoryItem
from ..errors import NotFound
from ..ids import is_envelope_id
from ..mapping import record_from_envelope
from ..models.queries import StatusQuery
from ..models.responses import EnvelopeStatusResponse, HistoryEntry, RecipientOut, SenderOut
from .changes import update_envelope
from .ownership import may_own
from .senders import client_for

ENVELOPE_INCLUDE = "recipients,custom_fields"


def envelope_not_found(envelope_id: str) -> NotFound:
    return NotFound(
        f"envelope {envelope_id[:64]!r} was not found for this connection",
        code="ENVELOPE_NOT_FOUND",
    )


def owned_record(services: Services, connection: str, envelope_id: str) -> EnvelopeRecord | None:
    """The table's record of an envelope of this connection (None when untracked). Another
    connection's envelope is indistinguishable from one that does not exist."""
    if not is_envelope_id(envelope_id):
        raise envelope_not_found(envelope_id)
    record = services.store.get(envelope_id.lower())
    if record is not None and record.connection != connection:
        raise envelope_not_found(envelope_id)
    return record


def sync_envelope(
    services: Services,
    client: DocuSignClient,
    connection: str,
    envelope_id: str,
    previous: EnvelopeRecord | None,
    include: str = ENVELOPE_INCLUDE,
) -> tuple[EnvelopeRecord, dict[str, Any]]:
    """The envelope as DocuSign has it now, written to the table (and DocuSign's JSON). A
    status that changed is published, as when Connect reports it (`actions.changes`). An
    envelope the table does not know (`previous` None) is taken only when this connection may
    own it; otherwise it is not found, and nothing is written."""
    envelope = client.get_envelope(envelope_id, include=include)
    if previous is None and not may_own(services, connection, envelope):
        raise envelope_not_found(envelope_id)
    status = str(envelope.get("status") or "").lower()

    def refreshed(current: EnvelopeRecord | None) -> EnvelopeRecord | None:
        # A Connect event may have recorded a later, final status meanwhile: the table wins.
        if current is not None and current.terminal and current.status != status:
            return None
        return record_from_envelope(envelope, connection, current or previous, "docusign")

    record = update_envelope(
        services,
        envelope_id,
        refreshed,
        event=f"envelope-{status}",
        source="docusign",
        at=_latest(envelope.get("statusChangedDateTime"), envelope.get("lastModifiedDateTime")),
    )
    assert record is not None  # `refreshed` writes whenever the table has nothing
    return record, envelope


def _latest(*values: Any) -> str | None:
    return max(filter(None, (clock.sortable(str(v)) for v in values if v)), default=None)


def tracked_record(
    services: Services,
    client: DocuSignClient,
    connection: str,
    envelope_id: str,
    include: str = ENVELOPE_INCLUDE,
) -> EnvelopeRecord:
    """The record of this connection's envelope: the table's, or, for an envelope the table
    does not know, DocuSign's (one GET) once this connection may own it. What acts on an
    envelope (void, views, resend, form data) asks this first."""
    record = owned_record(services, connection, envelope_id)
    if record is None:
        record = sync_envelope(services, client, connection, envelope_id.lower(), None, include)[0]
    return record


def tracked_with_client(
    services: Services,
    connection_name: str,
    envelope_id: str,
    deadline: Deadline,
    include: str = ENVELOPE_INCLUDE,
) -> tuple[EnvelopeRecord, DocuSignClient]:
    """The envelope's record (as `tracked_record`) and a client acting as its sender, which
    is what DocuSign lets act on it (DESIGN §12)."""
    record = owned_record(services, connection_name, envelope_id)
    if record is None:
        first_look = client_for(services, connection_name, None, deadline)
        record = tracked_record(services, first_look, connection_name, envelope_id, include)
    return record, client_for(services, connection_name, record, deadline)


def is_fresh(services: Services, record: EnvelopeRecord) -> bool:
    if record.terminal:
        return True
    age = clock.age_seconds(record.last_synced_at)
    return age is not None and age < services.settings.status_max_age_seconds


def current_record(
    services: Services, connection_name: str, envelope_id: str, deadline: Deadline
) -> EnvelopeRecord:
    record = owned_record(services, connection_name, envelope_id)
    if record is not None and is_fresh(services, record):
        return record
    client = client_for(services, connection_name, record, deadline)
    return sync_envelope(services, client, connection_name, envelope_id.lower(), record)[0]


def sender_out(record: EnvelopeRecord) -> SenderOut | None:
    if not record.sender_user_id and not record.sender_email:
        return None
    return SenderOut(user_id=record.sender_user_id, email=record.sender_email)


def status_response(
    record: EnvelopeRecord, history: list[HistoryItem] | None
) -> EnvelopeStatusResponse:
    recipients = sorted(
        record.recipients,
        key=lambda r: (
            r.routing_order or 0,
            r.type != "signer",
            int(r.recipient_id or 0) if str(r.recipient_id or "").isdigit() else 0,
        ),
    )
    return EnvelopeStatusResponse(
        envelope_id=record.envelope_id,
        status=record.status,
        status_changed_date_time=record.status_changed_date_time,
        sent_date_time=record.sent_date_time,
        completed_date_time=record.completed_date_time,
        voided_reason=record.voided_reason,
        email_subject=record.email_subject,
        custom_fields=record.custom_fields,
        recipients=[RecipientOut.model_validate(r) for r in recipients],
        last_synced_date_time=record.last_synced_at,
        source=record.source,
        created_by=record.created_by,
        sender=sender_out(record),
        history=[HistoryEntry.model_validate(h) for h in history] if history is not None else None,
    )


def get_envelope_status(
    connection_name: str,
    envelope_id: str,
    query: StatusQuery | None = None,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> EnvelopeStatusResponse:
    services = services or get_services()
    record = current_record(services, connection_name, envelope_id, deadline)
    wants_history = query is not None and query.history
    history = services.store.history(record.envelope_id) if wants_history else None
    return status_response(record, history)
