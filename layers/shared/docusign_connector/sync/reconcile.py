"""The polling fallback: for each connection, one "what changed since the last run" call to
DocuSign, applied through the same logic as Connect events.

Envelopes stay correct where Connect is not set up, and whatever Connect failed to deliver is
caught within one schedule period. DocuSign is never asked envelope by envelope. Windows
overlap by a few minutes, so a change made while a run was under way is not missed; applying
a change twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..actions.ownership import may_own
from ..adapters.docusign.client import MAX_PAGE_SIZE
from ..container import Services, get_services
from ..domain import Deadline
from ..errors import ConnectorError
from ..ids import is_envelope_id
from .apply import apply_snapshot
from .merge import Snapshot

logger = Logger(child=True)

OVERLAP = timedelta(minutes=5)
# The first run of a connection looks this far back.
FIRST_RUN_LOOKBACK = timedelta(days=1)
# Leave this much of the invocation for the connections still to do.
MIN_SECONDS_PER_CONNECTION = 10.0
PAGE_SIZE = MAX_PAGE_SIZE
# An envelope whose change could not be applied holds the connection's mark back (so later
# runs list it again) for this long after the change; then it is reported and let go.
RETRY_FAILED_FOR = timedelta(days=1)


@dataclass
class ConnectionRun:
    connection: str
    from_date: str | None = None
    changed: int = 0  # envelopes DocuSign listed
    applied: int = 0  # of which the table did not know the change yet
    archived: int = 0
    failed: int = 0  # envelopes whose change could not be applied (tried again next run)
    abandoned: int = 0  # of which failed for longer than RETRY_FAILED_FOR (no longer held)
    error: str | None = None

    def dump(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "fromDate": self.from_date,
            "changed": self.changed,
            "applied": self.applied,
            "archived": self.archived,
            "failed": self.failed,
            "abandoned": self.abandoned,
            "error": self.error,
        }


@dataclass
class ReconcileRun:
    connections: list[ConnectionRun] = field(default_factory=list)

    def dump(self) -> dict[str, Any]:
        return {"connections": [c.dump() for c in self.connections]}


def reconcile_connection(
    name: str, *, services: Services | None = None, deadline: Deadline = None
) -> ConnectionRun:
    """One list-status-changes call (paged) since the last run, minus the overlap."""
    services = services or get_services()
    run = ConnectionRun(name)
    started = clock.now()
    last = clock.parse(services.store.reconciled_until(name))
    since = (last - OVERLAP) if last else (started - FIRST_RUN_LOOKBACK)
    run.from_date = clock.iso(since)
    connection = services.connections.get(name)
    client = services.client(connection, deadline)
    # Every page of the run asks about the same window, ending when the run began (rounded up
    # to the millisecond, so a change in the run's first millisecond is not left out).
    to_date = clock.iso(started + timedelta(milliseconds=1))
    envelopes, _ = client.list_status_changes(run.from_date, to_date=to_date, page_size=PAGE_SIZE)
    run.changed = len(envelopes)
    mark = started
    for envelope in envelopes:
        snapshot = Snapshot.from_listing(name, envelope)
        if not is_envelope_id(snapshot.envelope_id) or not snapshot.status:
            continue
        try:
            outcome = apply_snapshot(
                snapshot,
                services=services,
                deadline=deadline,
                # An envelope the table does not know is this connection's only if its user
                # sent it.
                claim=lambda listed: may_own(services, name, listed.summary),
            )
        except Exception as exc:  # one envelope (its archive, a write) never stops the others
            mark = min(mark, _held_for(run, snapshot, started, exc))
            continue
        run.applied += int(outcome.applied)
        run.archived += int(outcome.archived)
    # The mark moves up to the run's start, or to the change of the earliest envelope that
    # failed (the next run lists it again): a failed run is covered again next time.
    services.store.mark_reconciled(name, clock.iso(mark))
    return run


def _held_for(
    run: ConnectionRun, snapshot: Snapshot, started: datetime, exc: Exception
) -> datetime:
    """Count and log an envelope whose change failed; the moment the connection's mark may
    move to so that the next run lists it again (`started` once it failed for too long)."""
    run.failed += 1
    changed = clock.parse(snapshot.at) or started
    extra = {
        "connection": run.connection,
        "envelope_id": snapshot.envelope_id,
        "event": snapshot.event,
        "code": exc.code if isinstance(exc, ConnectorError) else type(exc).__name__,
    }
    if started - changed > RETRY_FAILED_FOR:
        run.abandoned += 1
        logger.error("reconcile gave up on an envelope's change", extra=extra)
        return started
    logger.warning(
        "reconcile could not apply an envelope's change",
        extra=extra,
        exc_info=not isinstance(exc, ConnectorError),
    )
    # Its change time, less a moment: the next window (which starts OVERLAP earlier) holds it.
    return changed - timedelta(milliseconds=1)


def reconcile_all(
    *,
    services: Services | None = None,
    deadline: Deadline = None,
    names: list[str] | None = None,
) -> ReconcileRun:
    """Every connection in turn; one connection's failure does not stop the others."""
    services = services or get_services()
    result = ReconcileRun()
    for name in names if names is not None else services.connections.names():
        if deadline is not None and deadline() < MIN_SECONDS_PER_CONNECTION:
            result.connections.append(ConnectionRun(name, error="not reached in this run"))
            continue
        try:
            run = reconcile_connection(name, services=services, deadline=deadline)
        except ConnectorError as exc:
            logger.warning(
                "reconcile failed for a connection",
                extra={"connection": name, "code": exc.code, "error": exc.message},
            )
            run = ConnectionRun(name, error=exc.code)
        except Exception:
            logger.exception("reconcile failed for a connection", extra={"connection": name})
            run = ConnectionRun(name, error="INTERNAL_ERROR")
        logger.info("connection reconciled", extra=run.dump())
        result.connections.append(run)
    return result
