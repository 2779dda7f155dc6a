"""One envelope whose change cannot be applied (its archive fails) never makes the reconcile of
the whole connection fail: the others are applied, the failure is counted and logged, and the
connection's mark stays before that envelope's change, so the next run lists and applies it;
a change that keeps failing for a day is reported and let go."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest

from tests.integration.helpers import send, simple_body

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "reconcile-failures"


@pytest.fixture(scope="module")
def reconciled(connections: Any) -> Any:
    return connections.create(CONNECTION)


@pytest.fixture(autouse=True)
def reconcile_environment(stack: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    from docusign_connector.container import reset_services

    stack.use_environment_of(monkeypatch, "ReconcileFunction")
    yield
    reset_services()


def _stored(envelope_id: str) -> Any:
    from docusign_connector.container import get_services

    record = get_services().store.get(envelope_id)
    assert record is not None
    return record


def test_one_envelope_s_failed_archive_does_not_stop_the_others(
    reconciled: Any, emulator: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from docusign_connector.container import get_services
    from docusign_connector.sync.reconcile import reconcile_connection

    ids = [send(CONNECTION, simple_body()).body["envelopeId"] for _ in range(3)]
    for envelope_id in ids:
        emulator.state.complete(envelope_id)
    broken = ids[1]
    emulator.state.faults.add(kind="500", count=1000, path=rf".*/envelopes/{broken}/documents.*")
    try:
        with caplog.at_level(logging.WARNING):
            run = reconcile_connection(CONNECTION)
    finally:
        emulator.state.faults.clear()

    assert run.error is None
    assert (run.changed, run.failed, run.abandoned) == (3, 1, 0)
    assert [_stored(i).documents_archived for i in ids] == [True, False, True]
    assert [_stored(i).status for i in ids] == ["completed", "completed", "completed"]
    assert any(
        r.message == "reconcile could not apply an envelope's change"
        and getattr(r, "envelope_id", None) == broken
        for r in caplog.records
    )
    # The mark stays before the failed envelope's change: the next run lists it again.
    from docusign_connector import clock

    mark = clock.parse(get_services().store.reconciled_until(CONNECTION))
    completed = clock.parse(emulator.state.envelopes[broken]["statusChangedDateTime"])
    assert mark is not None and completed is not None and mark < completed

    again = reconcile_connection(CONNECTION)

    assert (again.error, again.failed) == (None, 0)
    assert _stored(broken).documents_archived is True


def test_a_change_that_fails_for_a_day_is_reported_and_let_go(
    reconciled: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docusign_connector import clock
    from docusign_connector.container import get_services
    from docusign_connector.sync.reconcile import RETRY_FAILED_FOR, reconcile_connection

    envelope_id = send(CONNECTION, simple_body()).body["envelopeId"]
    emulator.state.complete(envelope_id)
    real_now = clock.now
    later = real_now() + RETRY_FAILED_FOR + timedelta(minutes=1)
    # The run happens a day after the change (the mark of an earlier run, held back since).
    get_services().store.mark_reconciled(CONNECTION, clock.iso(real_now() - timedelta(hours=1)))
    monkeypatch.setattr(clock, "now", lambda: later)
    emulator.state.faults.add(
        kind="500", count=1000, path=rf".*/envelopes/{envelope_id}/documents.*"
    )
    try:
        run = reconcile_connection(CONNECTION)
    finally:
        emulator.state.faults.clear()
    assert (run.failed, run.abandoned) == (1, 1)
    assert get_services().store.reconciled_until(CONNECTION) == clock.iso(later)
