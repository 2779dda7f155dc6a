"""The merge rule of envelope reports, without a table: whatever order the reports arrive in,
the envelope ends as the newest report says, and nothing goes back."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from docusign_connector.domain import EnvelopeRecord
from docusign_connector.sync.merge import Snapshot, merge, sortable_time

ENVELOPE = "4b7c2e91-6d3a-4f58-9b1e-0c8d7a6f5e42"


def report(
    event: str,
    second: int,
    status: str | None,
    signers: list[str] | None,
    recipient_id: str | None = None,
) -> Snapshot:
    summary: dict[str, Any] | None = None
    if status is not None:
        summary = {
            "envelopeId": ENVELOPE,
            "status": status,
            "statusChangedDateTime": f"2026-11-22T10:00:{second:02d}.0000000Z",
        }
        if signers is not None:
            summary["recipients"] = {
                "signers": [
                    {
                        "recipientId": str(i),
                        "email": f"s{i}@example.com",
                        "name": f"S{i}",
                        "routingOrder": str(i),
                        "status": s,
                    }
                    for i, s in enumerate(signers, start=1)
                ]
            }
    return Snapshot(
        connection="acme",
        envelope_id=ENVELOPE,
        event=event,
        at=sortable_time(f"2026-11-22T10:00:{second:02d}.0000000Z"),
        summary=summary,
        recipient_id=recipient_id,
    )


# A two-signer envelope, as Connect reports it (one report per event, in time order).
LIFE = [
    report("envelope-sent", 1, "sent", ["sent", "created"]),
    report("recipient-sent", 1, "sent", ["sent", "created"], "1"),
    report("recipient-delivered", 2, "sent", ["delivered", "created"], "1"),
    report("recipient-completed", 3, "sent", ["completed", "sent"], "1"),
    report("recipient-sent", 3, "sent", ["completed", "sent"], "2"),
    report("recipient-completed", 5, None, None, "2"),  # without a summary
    report("envelope-delivered", 5, "delivered", ["completed", "completed"]),
    report("envelope-completed", 5, "completed", ["completed", "completed"]),
]


def apply_all(reports: list[Snapshot]) -> EnvelopeRecord:
    return fold(reports)[0]


def fold(reports: list[Snapshot]) -> tuple[EnvelopeRecord, str | None]:
    record: EnvelopeRecord | None = None
    newest: str | None = None
    for snapshot in reports:
        record, newest = merge(record, newest, snapshot)
    assert record is not None
    return record, newest


def test_in_order_the_envelope_ends_completed():
    record = apply_all(LIFE)
    assert record.status == "completed"
    assert [(r.email, r.status) for r in record.recipients] == [
        ("s1@example.com", "completed"),
        ("s2@example.com", "completed"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.permutations(LIFE))
def test_any_order_ends_the_same(order: list[Snapshot]) -> None:
    record = apply_all(order)
    assert record.status == "completed"
    assert record.status_changed_date_time == "2026-11-22T10:00:05.000Z"
    assert [(r.email, r.status) for r in record.recipients] == [
        ("s1@example.com", "completed"),
        ("s2@example.com", "completed"),
    ]


@settings(max_examples=100, deadline=None)
@given(st.permutations(LIFE), st.integers(min_value=1, max_value=len(LIFE)))
def test_a_report_applied_twice_changes_nothing(order: list[Snapshot], cut: int) -> None:
    once, newest = fold(order[:cut])
    again, newest_again = merge(once, newest, order[cut - 1])
    assert again is not None
    assert replace(again, last_synced_at=once.last_synced_at) == once
    assert newest_again == newest


def test_a_finished_envelope_does_not_reopen_even_with_a_later_clock():
    record = apply_all(
        [report("envelope-voided", 4, "voided", None), report("envelope-sent", 9, "sent", None)]
    )
    assert record.status == "voided"
