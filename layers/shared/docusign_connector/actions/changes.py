"""Every status change of an envelope is published once, whoever made it: DocuSign (a Connect
event, the reconciler's listing, `sync.apply`), the connector itself (a void), or an answer
DocuSign gave when the connector asked (a status refresh).

The mechanism is one outbox on the envelope's item: a write that changes the status adds a
notice to `pendingNotices` in the same conditional write (optimistic, on the item's version),
the writer then publishes it on the bus and clears it. A writer that stopped in between leaves
the notice behind; the next one to write the item publishes it once it is older than
ABANDONED_NOTICE_SECONDS. A notice's id is its `eventId`: the same however often it goes out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.bus import EventBus
from ..container import Services
from ..domain import EnvelopeRecord
from ..errors import ConnectorError

logger = Logger(child=True)

STATUS_CHANGED = "Envelope Status Changed"
EMAIL_BOUNCED = "Recipient Email Bounced"
# Kept on the notice in the outbox, never published.
INTERNAL_KEYS = ("queuedAt", "detailType")
MAX_WRITE_ATTEMPTS = 25
# A status change its writer has not published after this long, it never will (it failed).
ABANDONED_NOTICE_SECONDS = 120


class ConcurrentWriters(RuntimeError):
    """The item kept changing under the writer: too many writers at once."""


def new_notice_id() -> str:
    return uuid.uuid4().hex


def status_notice(
    record: EnvelopeRecord, old_status: str | None, *, source: str, event: str
) -> dict[str, Any]:
    """The `Envelope Status Changed` detail of a change to `record.status`."""
    return {
        "connection": record.connection,
        "envelopeId": record.envelope_id,
        "oldStatus": old_status,
        "newStatus": record.status,
        "statusChangedDateTime": record.status_changed_date_time,
        "customFields": dict(record.custom_fields),
        "emailSubject": record.email_subject,
        "source": source,
        "event": event,
        "queuedAt": clock.now_iso(),
    }


def abandoned(pending: dict[str, dict[str, Any]]) -> list[str]:
    """The notices another writer left behind long ago (it stopped before publishing)."""
    return [
        notice_id
        for notice_id, notice in pending.items()
        if (clock.age_seconds(notice.get("queuedAt")) or 0) > ABANDONED_NOTICE_SECONDS
    ]


def publish_notices(bus: EventBus, notices: dict[str, dict[str, Any]]) -> None:
    """Publish notices by id, grouped by their detail type."""
    by_type: dict[str, list[dict[str, Any]]] = {}
    for notice_id, notice in notices.items():
        detail = {"eventId": notice_id}
        detail.update({k: v for k, v in notice.items() if k not in INTERNAL_KEYS})
        by_type.setdefault(str(notice.get("detailType") or STATUS_CHANGED), []).append(detail)
    for detail_type, details in by_type.items():
        bus.publish(detail_type, details)


def publish_due(services: Services, envelope_id: str, notices: dict[str, dict[str, Any]]) -> None:
    """Put `notices` on the bus, then forget them on the item. A refusal raises, and the
    notices stay pending on the item for a later writer (or a retry) to publish."""
    if not notices:
        return
    publish_notices(services.bus, notices)
    services.store.clear_notices(envelope_id, list(notices))


def update_envelope(
    services: Services,
    envelope_id: str,
    change: Callable[[EnvelopeRecord | None], EnvelopeRecord | None],
    *,
    event: str,
    source: str,
    at: str | None,
) -> EnvelopeRecord | None:
    """Write what the connector itself changed or learned about an envelope, and publish
    the status change if there is one.

    `change` gets the item's current record (None when untracked) and returns the record to
    write (None: nothing to write). It is called again when another writer got there first, so
    it must work from what it is given. `at` is the moment the change describes: a later
    report about an earlier moment cannot undo it. The history gets `event` when the status
    changed. Returns what the table holds afterwards.
    """
    store = services.store
    for _ in range(MAX_WRITE_ATTEMPTS):
        previous, marks = store.get_for_update(envelope_id)
        record = change(previous)
        if record is None:
            return previous
        if previous is not None and previous.connection != record.connection:
            logger.warning(
                "change to another connection's envelope not written",
                extra={"envelope_id": envelope_id, "connection": record.connection},
            )
            return previous
        old_status = previous.status if previous else None
        pending = dict(marks.pending_notices)
        mine: list[str] = []
        if record.status != old_status:
            notice_id = new_notice_id()
            pending[notice_id] = status_notice(record, old_status, source=source, event=event)
            mine.append(notice_id)
        newest = max(filter(None, (marks.event_at, clock.sortable(at))), default=None)
        if store.apply_event(record, marks, event_at=newest, pending_notices=pending) is not None:
            break
    else:
        raise ConcurrentWriters(f"envelope {envelope_id}: too many concurrent writers")
    if mine:
        store.add_history(
            envelope_id, event, record.status, record.status_changed_date_time, source
        )
    due = {notice_id: pending[notice_id] for notice_id in mine + abandoned(marks.pending_notices)}
    try:
        publish_due(services, envelope_id, due)
    except ConnectorError as exc:
        # What the caller asked for is done (DocuSign has it, the table too); the notice stays
        # on the item and the next writer publishes it (the reconciler's next run at the
        # latest, since the change is in its window).
        logger.warning(
            "status change not published yet",
            extra={"envelope_id": envelope_id, "code": exc.code, "notices": list(due)},
        )
    return record
