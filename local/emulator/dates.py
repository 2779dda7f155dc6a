"""DocuSign's date format: ISO 8601 UTC with seven fractional digits and a Z."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def format_datetime(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def parse_datetime(text: str) -> datetime:
    """Parse the date forms callers send in query strings (ISO 8601 with or without an offset,
    a date alone, DocuSign's seven-digit fractions). Naive values are taken as UTC."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python accepts at most six fractional digits.
    if "." in value:
        head, _, tail = value.partition(".")
        digits = ""
        while tail and tail[0].isdigit():
            digits, tail = digits + tail[0], tail[1:]
        value = f"{head}.{digits[:6].ljust(6, '0')}{tail}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def next_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
