"""Reminder and expiration day counts outside DocuSign's range (1-999 days to expire, 0-999 to
warn or wait for the first reminder, 1-999 between reminders) are a 400 naming the field,
whether or not the enable flag is given, and nothing reaches DocuSign."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import b64, envelope_creates, sample_pdf, send

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "notification-days"


@pytest.fixture(scope="module")
def days_conn(connections: Any) -> Any:
    return connections.create(CONNECTION)


def flat(**numbers: Any) -> dict[str, Any]:
    return {
        "emailSubject": "Days",
        "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
        "signersEmails": ["ana@example.com"],
        "signersNames": ["Ana"],
        **numbers,
    }


def nested(**blocks: Any) -> dict[str, Any]:
    return {
        "emailSubject": "Days",
        "documents": [{"name": "a.pdf", "contentBase64": b64(sample_pdf())}],
        "signers": [{"email": "ana@example.com", "name": "Ana"}],
        **blocks,
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (flat(validityDays=-5), "INVALID_VALIDITY_DAYS"),
        (flat(validityDays=-5, enableExpiration=False), "INVALID_VALIDITY_DAYS"),
        (flat(validityDays=-5, enableExpiration=True), "INVALID_VALIDITY_DAYS"),
        (flat(validityDays=1000), "INVALID_VALIDITY_DAYS"),
        (flat(validityDays="thirty"), "INVALID_VALIDITY_DAYS"),
        (flat(expirationNoticeDays=-1), "INVALID_NOTICE_DAYS_BEFORE"),
        (flat(firstReminderDays=-2), "INVALID_FIRST_REMINDER_DAYS"),
        (flat(reminderIntervalDays=0), "INVALID_INTERVAL_DAYS"),
        (flat(reminderIntervalDays=1000, enableReminder=False), "INVALID_INTERVAL_DAYS"),
        (nested(expiration={"enabled": False, "validityDays": -5}), "INVALID_VALIDITY_DAYS"),
        (
            nested(reminders={"enabled": False, "firstReminderDays": -1}),
            "INVALID_FIRST_REMINDER_DAYS",
        ),
    ],
)
def test_days_out_of_range_are_refused_whatever_the_flag(
    days_conn: Any, emulator: Any, body: dict[str, Any], code: str
) -> None:
    emulator.state.clear_requests()
    result = send(CONNECTION, body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert envelope_creates(emulator) == []


def test_days_in_range_without_their_flag_are_not_applied(days_conn: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = send(CONNECTION, flat(validityDays=30, firstReminderDays="2"))
    assert result.status == 201, result.body
    (create,) = envelope_creates(emulator)
    assert create["json"]["notification"] == {"useAccountDefaults": "true"}
