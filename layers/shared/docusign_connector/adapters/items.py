"""How envelope records are kept as DynamoDB items, and the page tokens of listings.

One item per envelope (`pk = ENV#{id}`, `sk = STATE`): the record's fields under their Python
names, plus `statusChangedAt` (sort key of the ByConnection index), and what Connect events keep
(`version`, `eventAt`, `pendingNotices`). One item per history entry (`sk = HIST#…`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from ..domain import EnvelopeRecord, HistoryItem, RecipientState, StoredDocument

STATE_SK = "STATE"
HISTORY_PREFIX = "HIST#"
RECORD_FIELDS = frozenset(EnvelopeRecord.__dataclass_fields__)


def envelope_key(envelope_id: str) -> dict[str, str]:
    return {"pk": f"ENV#{envelope_id}", "sk": STATE_SK}


def drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_none(v) for v in value]
    return value


def plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; the records hold ints."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return int(value)
    return value


def to_item(record: EnvelopeRecord) -> dict[str, Any]:
    item: dict[str, Any] = drop_none(asdict(record))
    item.update(envelope_key(record.envelope_id))
    # Sort key of the ByConnection index; the envelope id keeps equal times apart.
    item["statusChangedAt"] = (
        f"{record.status_changed_date_time or record.created_at or ''}#{record.envelope_id}"
    )
    return item


def from_item(item: dict[str, Any]) -> EnvelopeRecord:
    data = {k: v for k, v in item.items() if k in RECORD_FIELDS}
    data["recipients"] = [RecipientState(**plain(r)) for r in item.get("recipients", []) or []]
    data["documents"] = [StoredDocument(**plain(d)) for d in item.get("documents", []) or []]
    data["custom_fields"] = {str(k): str(v) for k, v in (item.get("custom_fields") or {}).items()}
    return EnvelopeRecord(**plain(data))


def history_item(
    envelope_id: str,
    event: str,
    status: str | None,
    date_time: str,
    source: str,
    recipient_id: str | None = None,
    recipient_name: str | None = None,
    recipient_email: str | None = None,
    by: str | None = None,
) -> dict[str, Any]:
    suffix = f"#{recipient_id}" if recipient_id else ""
    return drop_none(
        {
            "pk": f"ENV#{envelope_id}",
            "sk": f"{HISTORY_PREFIX}{date_time}#{event}{suffix}",
            "event": event,
            "status": status,
            "dateTime": date_time,
            "source": source,
            "recipientId": recipient_id,
            "recipientName": recipient_name,
            "recipientEmail": recipient_email,
            "by": by,
        }
    )


def from_history_item(item: dict[str, Any]) -> HistoryItem:
    return HistoryItem(
        event=str(item["event"]),
        status=item.get("status"),
        date_time=str(item["dateTime"]),
        source=str(item["source"]),
        recipient_id=item.get("recipientId"),
        recipient_name=item.get("recipientName"),
        recipient_email=item.get("recipientEmail"),
        by=item.get("by"),
    )


def index_key(record: EnvelopeRecord) -> dict[str, Any]:
    """Where a listing stopped: the ByConnection index key of its last record."""
    item = to_item(record)
    return {k: item[k] for k in ("pk", "sk", "connection", "statusChangedAt")}


def page_token(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode()


def page_key(token: str) -> dict[str, Any] | None:
    """The index key a token stands for; None for anything this store did not hand out."""
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(key, dict) or set(key) != {"pk", "sk", "connection", "statusChangedAt"}:
        return None
    if not all(isinstance(v, str) for v in key.values()):
        return None
    return key
