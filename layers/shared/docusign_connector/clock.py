"""Dates as the API shows them: ISO 8601, UTC, millisecond precision, `Z` suffix."""

from __future__ import annotations

import re
from datetime import UTC, datetime

_FRACTION = re.compile(r"\.(\d+)")


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def now_iso() -> str:
    return iso(now())


def parse(value: str | None) -> datetime | None:
    """Parse DocuSign's dates (7 fractional digits, `Z` or an offset) and our own."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def normalize(value: str | None) -> str | None:
    moment = parse(value)
    return iso(moment) if moment else None


def sortable(value: str | None) -> str | None:
    """A date as fixed-width UTC text with microseconds, so that text order is time order
    (DocuSign writes 7 fractional digits, our records 3)."""
    moment = parse(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def age_seconds(value: str | None) -> float | None:
    moment = parse(value)
    return (now() - moment).total_seconds() if moment else None
