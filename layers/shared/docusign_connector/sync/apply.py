"""Applying what DocuSign reports (Connect events, the reconciler's list of changes) to the
envelope table: idempotent, monotonic, with history, archive on completion and a published
`Envelope Status Changed` event for every status change."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..actions.changes import (
    MAX_WRITE_ATTEMPTS,
    ConcurrentWriters,
    abandoned,
    new_notice_id,
    publish_due,
    status_notice,
)
from ..actions.senders import client_for
from ..container import Services, get_services
from ..documents import FORMDATA_FILE, signed_prefix
from ..domain import Deadline, EnvelopeRecord, EnvelopeStatus
from .confirm import confirm_connect_event
from .merge import Snapshot, merge
from .messages import ConnectEvent
from .notices import bounce_notices

logger = Logger(child=True)


@dataclass
class Outcome:
    envelope_id: str
    applied: bool  # the table changed
    old_status: str | None
    new_status: str | None
    archived: bool = False
    skipped: str | None = None  # why nothing was done


def same_record(a: EnvelopeRecord | None, b: EnvelopeRecord) -> bool:
    if a is None:
        return False
    return replace(b, last_synced_at=a.last_synced_at, source=a.source) == a


def apply_snapshot(
    snapshot: Snapshot,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
    claim: Callable[[Snapshot], bool] | None = None,
) -> Outcome:
    """Apply one report to the table (retrying when another writer got there first), keep
    it in the history, publish a status change, archive the documents on completion. An
    envelope the table does not know is taken only when `claim` (if given) allows it."""
    services = services or get_services()
    store = services.store
    for _ in range(MAX_WRITE_ATTEMPTS):
        previous, marks = store.get_for_update(snapshot.envelope_id)
        if previous is None and claim is not None and not claim(snapshot):
            return Outcome(snapshot.envelope_id, False, None, None, skipped="not this connection's")
        if previous is not None and previous.connection != snapshot.connection:
            logger.warning(
                "report about another connection's envelope ignored",
                extra={"envelope_id": snapshot.envelope_id, "connection": snapshot.connection},
            )
            return Outcome(
                snapshot.envelope_id,
                False,
                previous.status,
                previous.status,
                skipped="other connection",
            )
        record, newest = merge(previous, marks.event_at, snapshot)
        if record is None:
            return Outcome(snapshot.envelope_id, False, None, None, skipped="nothing to apply")
        old_status = previous.status if previous else None
        pending = dict(marks.pending_notices)
        mine: list[str] = []
        applied = not same_record(previous, record)
        if applied:
            if record.status != old_status:
                notice_id = new_notice_id()
                pending[notice_id] = status_notice(
                    record, old_status, source=snapshot.source, event=snapshot.event
                )
                if record.status == EnvelopeStatus.COMPLETED:
                    # Written by the archive that follows this notice.
                    pending[notice_id]["formDataS3Key"] = (
                        signed_prefix(record.connection, record.envelope_id) + FORMDATA_FILE
                    )
                mine.append(notice_id)
            for bounce in bounce_notices(previous, record, snapshot):
                notice_id = new_notice_id()
                pending[notice_id] = bounce
                mine.append(notice_id)
            if store.apply_event(record, marks, event_at=newest, pending_notices=pending) is None:
                continue  # someone else wrote it since we read it: read again
        break
    else:
        raise ConcurrentWriters(f"envelope {snapshot.envelope_id}: too many concurrent writers")

    _keep_in_history(services, snapshot, record)
    # Our own notices, and any another writer left behind long ago (it stopped before
    # publishing); theirs while fresh are theirs to publish.
    due = mine + abandoned(marks.pending_notices)
    # A refusal raises: the message is retried, and the notices, still pending on the item,
    # are published then.
    publish_due(services, record.envelope_id, {notice_id: pending[notice_id] for notice_id in due})
    archived = False
    if record.status == EnvelopeStatus.COMPLETED and not record.documents_archived:
        archive_documents(
            services, record, snapshot.summary, deadline, with_tabs=snapshot.with_tabs
        )
        archived = True
    if applied:
        logger.info(
            "envelope updated",
            extra={
                "envelope_id": record.envelope_id,
                "event": snapshot.event,
                "old_status": old_status,
                "new_status": record.status,
                "source": snapshot.source,
            },
        )
    return Outcome(record.envelope_id, applied, old_status, record.status, archived)


def _keep_in_history(services: Services, snapshot: Snapshot, record: EnvelopeRecord) -> None:
    when = clock.normalize(snapshot.at) if snapshot.at else None
    if snapshot.source == "reconcile":
        # The reconciler reports states, not events: only a state the history lacks.
        if any(h.status == record.status for h in services.store.history(record.envelope_id)):
            return
        when = record.status_changed_date_time or when
    status = snapshot.status or record.status
    name = email = None
    if snapshot.recipient_id and snapshot.event.startswith("recipient-"):
        # A recipient event tells the recipient's status, not the envelope's.
        status = snapshot.event.removeprefix("recipient-")
        name, email = _recipient_named(snapshot.summary, snapshot.recipient_id)
    services.store.add_history(
        record.envelope_id,
        snapshot.event,
        status,
        when or clock.now_iso(),
        snapshot.source,
        snapshot.recipient_id,
        name,
        email,
    )


def _recipient_named(
    summary: dict[str, Any] | None, recipient_id: str
) -> tuple[str | None, str | None]:
    """The name and e-mail of a recipient in DocuSign's envelope JSON, if it is there."""
    groups = (summary or {}).get("recipients") or {}
    for members in groups.values() if isinstance(groups, dict) else []:
        for member in members if isinstance(members, list) else []:
            if isinstance(member, dict) and str(member.get("recipientId")) == recipient_id:
                return member.get("name"), member.get("email")
    return None, None


def archive_documents(
    services: Services,
    record: EnvelopeRecord,
    summary: dict[str, Any] | None,
    deadline: Deadline = None,
    *,
    with_tabs: bool = False,
) -> int:
    """Download the signed documents and the Summary into S3 once, for good; streamed."""
    # Loaded on a completion only: most events never archive, and these bring the
    # response models (pydantic) that the events function otherwise does without.
    from ..actions.formdata import archive_completed_form_data
    from ..actions.packages import archive_from_zip

    client = client_for(services, record.connection, record, deadline)  # as its sender
    listed = (summary or {}).get("envelopeDocuments")
    if not (isinstance(listed, list) and any(d.get("documentId") for d in listed)):
        listed = None
    documents, method = archive_from_zip(services, client, record, listed)
    # When the confirming GET brought the recipients with their tabs, the fields' kinds need
    # no call of their own.
    recipients = (summary or {}).get("recipients") if with_tabs else None
    formdata = archive_completed_form_data(
        services, client, record, recipients if isinstance(recipients, dict) else None
    )
    services.store.record_archive(record.envelope_id, documents, clock.now_iso())
    logger.info(
        "documents archived",
        extra={
            "envelope_id": record.envelope_id,
            "documents": len(documents),
            "method": method,
            "formdata_key": formdata,
            "docusign_calls": client.calls,
        },
    )
    return len(documents)


def apply_connect_message(
    body: str, *, deadline: Deadline = None, services: Services | None = None
) -> Outcome:
    """One queued Connect message; a malformed one raises ValueError (it is poison)."""
    message = json.loads(body)  # a ValueError (poison) when it is not JSON
    if not isinstance(message, dict):
        raise ValueError("the message is not a JSON object")
    event = ConnectEvent.from_message(message)
    services = services or get_services()
    confirmation = confirm_connect_event(services, event, deadline)
    if confirmation.snapshot is None:
        return Outcome(event.envelope_id, False, None, None, skipped=confirmation.skipped)
    return apply_snapshot(confirmation.snapshot, deadline=deadline, services=services)
