"""DocuSign Connect: verifying webhook signatures and reading JSON SIM messages.

DocuSign signs every message with each active HMAC key of the account: header
`X-DocuSign-Signature-N` is the base64 HMAC-SHA256 of the raw body under key N. A message is
genuine when any header matches any key of the connection; every comparison is constant-time.

The webhook only verifies and enqueues (DocuSign waits 100 s at most and retries what fails);
the events are applied later, from the queue, by `envelope_events`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger

from . import clock
from .errors import BadRequest, ConnectorError
from .models import CONNECTION_NAME, ENVELOPE_ID

logger = Logger(child=True)

SIGNATURE_HEADER = re.compile(r"^x-docusign-signature-(\d{1,3})$", re.IGNORECASE)
# SQS takes 256 KiB per message; what is left over is for our own envelope around the event.
MAX_QUEUED_BYTES = 250_000
_SUMMARY_FIELDS = (
    "envelopeId",
    "status",
    "emailSubject",
    "transactionId",
    "createdDateTime",
    "sentDateTime",
    "deliveredDateTime",
    "completedDateTime",
    "declinedDateTime",
    "voidedDateTime",
    "voidedReason",
    "statusChangedDateTime",
    "lastModifiedDateTime",
    "customFields",
)
_RECIPIENT_FIELDS = (
    "recipientId",
    "email",
    "name",
    "routingOrder",
    "status",
    "signedDateTime",
    "deliveredDateTime",
    "declinedDateTime",
    "declinedReason",
    "roleName",
)
_DOCUMENT_FIELDS = ("documentId", "name", "type", "order")


class InvalidSignature(ConnectorError):
    """No `X-DocuSign-Signature-N` header matches a key of the connection."""

    status_code = 401
    code = "INVALID_SIGNATURE"


def compute_signature(key: str, body: bytes) -> str:
    """DocuSign's signature: base64 of HMAC-SHA256(key as UTF-8, raw body)."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def signatures_from(headers: Mapping[str, str]) -> list[str]:
    """Every `X-DocuSign-Signature-N` value, in N order (header names in any case)."""
    found: list[tuple[int, str]] = []
    for name, value in headers.items():
        match = SIGNATURE_HEADER.match(str(name))
        if match and value:
            found.append((int(match.group(1)), str(value).strip()))
    return [value for _, value in sorted(found)]


def signature_is_valid(body: bytes, signatures: Iterable[str], keys: Iterable[str]) -> bool:
    """True when any signature matches any key. Every pair is compared, in constant time,
    so the time taken says nothing about which key or header came close."""
    expected = [compute_signature(key, body).encode() for key in keys]
    valid = False
    for signature in signatures:
        given = signature.encode("utf-8", "replace")
        for candidate in expected:
            valid |= hmac.compare_digest(candidate, given)
    return valid


def verify_message(body: bytes | None, headers: Mapping[str, str], keys: Iterable[str]) -> None:
    """Raise InvalidSignature unless the message is signed with one of `keys`."""
    keys = [k for k in keys if k]
    signatures = signatures_from(headers)
    if not body or not keys or not signatures or not signature_is_valid(body, signatures, keys):
        raise InvalidSignature(
            "the message has no valid X-DocuSign-Signature header for this connection",
        )


# ------------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class ConnectEvent:
    """One Connect message as the events queue carries it (only what the connector uses)."""

    connection: str
    event: str
    envelope_id: str
    generated_date_time: str | None
    recipient_id: str | None
    account_id: str | None
    summary: dict[str, Any] | None

    @property
    def is_recipient_event(self) -> bool:
        return self.event.startswith("recipient-")

    def to_message(self) -> dict[str, Any]:
        return {
            "connection": self.connection,
            "event": self.event,
            "envelopeId": self.envelope_id,
            "generatedDateTime": self.generated_date_time,
            "recipientId": self.recipient_id,
            "accountId": self.account_id,
            "envelopeSummary": self.summary,
        }

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> ConnectEvent:
        """The queued form back; anything malformed is a ValueError (a poison message)."""
        connection = message.get("connection")
        event = message.get("event")
        envelope_id = message.get("envelopeId")
        if not isinstance(connection, str) or not CONNECTION_NAME.match(connection):
            raise ValueError("the message names no valid connection")
        if not isinstance(event, str) or not event:
            raise ValueError("the message has no event name")
        if not isinstance(envelope_id, str) or not ENVELOPE_ID.match(envelope_id):
            raise ValueError("the message has no valid envelope id")
        summary = message.get("envelopeSummary")
        return cls(
            connection=connection,
            event=event,
            envelope_id=envelope_id.lower(),
            generated_date_time=_text(message.get("generatedDateTime")),
            recipient_id=_text(message.get("recipientId")),
            account_id=_text(message.get("accountId")),
            summary=summary if isinstance(summary, dict) else None,
        )


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _compact_summary(summary: Any) -> dict[str, Any] | None:
    """The part of `envelopeSummary` the connector uses: no document bytes, no tabs."""
    if not isinstance(summary, dict):
        return None
    compact = {k: summary[k] for k in _SUMMARY_FIELDS if k in summary}
    groups = summary.get("recipients")
    if isinstance(groups, dict):
        compact["recipients"] = {
            group: [
                {k: r[k] for k in _RECIPIENT_FIELDS if k in r}
                for r in members
                if isinstance(r, dict)
            ]
            for group, members in groups.items()
            if isinstance(members, list)
        }
    documents = summary.get("envelopeDocuments")
    if isinstance(documents, list):
        compact["envelopeDocuments"] = [
            {k: d[k] for k in _DOCUMENT_FIELDS if k in d} for d in documents if isinstance(d, dict)
        ]
    return compact


def parse_message(connection: str, body: bytes) -> ConnectEvent | None:
    """A verified JSON SIM message as a ConnectEvent; None for messages about something
    other than an envelope (templates, clickwraps), which the connector does not track."""
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest(
            "the message is not JSON: configure Connect to send JSON (SIM) messages",
            code="UNSUPPORTED_CONNECT_FORMAT",
        ) from None
    if not isinstance(message, dict):
        raise BadRequest("the message must be a JSON object", code="UNSUPPORTED_CONNECT_FORMAT")
    event = str(message.get("event") or "")
    raw_data = message.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    envelope_id = str(data.get("envelopeId") or "")
    if not event.startswith(("envelope-", "recipient-")) or not ENVELOPE_ID.match(envelope_id):
        return None
    return ConnectEvent(
        connection=connection,
        event=event,
        envelope_id=envelope_id.lower(),
        generated_date_time=_text(message.get("generatedDateTime")),
        recipient_id=_text(data.get("recipientId")),
        account_id=_text(data.get("accountId")),
        summary=_compact_summary(data.get("envelopeSummary")),
    )


# ------------------------------------------------------------------------------- webhook


@lru_cache(maxsize=1)
def events_queue_url() -> str:
    from .config import _require

    return _require("CONNECT_EVENTS_QUEUE_URL")


@lru_cache(maxsize=1)
def _sqs() -> Any:
    import boto3

    return boto3.client("sqs")


# Names of connections that do not exist, remembered for a minute: a flood of requests for
# made-up names does not become as many Secrets Manager calls.
UNKNOWN_CONNECTION_SECONDS = 60.0
_MAX_UNKNOWN = 1000
_unknown_connections: dict[str, float] = {}


def _known_unknown(name: str) -> bool:
    until = _unknown_connections.get(name)
    return until is not None and until > time.monotonic()


def _remember_unknown(name: str) -> None:
    if len(_unknown_connections) >= _MAX_UNKNOWN:
        _unknown_connections.clear()
    _unknown_connections[name] = time.monotonic() + UNKNOWN_CONNECTION_SECONDS


@dataclass(frozen=True)
class WebhookResult:
    queued: bool
    event: str | None
    envelope_id: str | None

    def dump(self) -> dict[str, Any]:
        return {
            "received": True,
            "queued": self.queued,
            "event": self.event,
            "envelopeId": self.envelope_id,
        }


def accept_webhook(
    connection_name: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    services: Any = None,
    sqs: Any = None,
) -> WebhookResult:
    """Verify a Connect message and queue it for EventsFunction.

    An unknown connection, a connection without HMAC keys and a bad signature all look the
    same to the caller (401): the listener is public and says nothing about what exists.
    """
    from .errors import NotFound
    from .service import get_services

    services = services or get_services()
    if not CONNECTION_NAME.match(connection_name or "") or _known_unknown(connection_name):
        raise InvalidSignature("the message has no valid X-DocuSign-Signature header")
    try:
        connection = services.connections.get(connection_name)
    except NotFound:
        _remember_unknown(connection_name)
        logger.warning(
            "Connect message for an unknown connection", extra={"connection": connection_name}
        )
        raise InvalidSignature(
            "the message has no valid X-DocuSign-Signature header for this connection"
        ) from None
    if not connection.connect_hmac_keys:
        logger.warning(
            "connection has no Connect HMAC keys; message refused",
            extra={"connection": connection_name},
        )
    verify_message(body, headers, connection.connect_hmac_keys)
    assert body is not None
    event = parse_message(connection_name, body)
    if event is None:
        logger.info("Connect message ignored (not about an envelope)")
        return WebhookResult(queued=False, event=None, envelope_id=None)
    text = json.dumps(event.to_message(), separators=(",", ":"))
    if len(text.encode()) > MAX_QUEUED_BYTES:
        # Only a huge recipient list gets here; the reconciler will bring the status.
        minimal = ConnectEvent(**{**event.__dict__, "summary": None})
        text = json.dumps(minimal.to_message(), separators=(",", ":"))
    (sqs or _sqs()).send_message(
        QueueUrl=events_queue_url(),
        MessageBody=text,
        MessageAttributes={
            "connection": {"DataType": "String", "StringValue": connection_name},
            "event": {"DataType": "String", "StringValue": event.event},
        },
    )
    logger.info(
        "Connect message queued",
        extra={
            "connection": connection_name,
            "event": event.event,
            "envelope_id": event.envelope_id,
            "received_at": clock.now_iso(),
        },
    )
    return WebhookResult(queued=True, event=event.event, envelope_id=event.envelope_id)


def reset_clients() -> None:
    """Forget cached clients and settings (tests)."""
    events_queue_url.cache_clear()
    _sqs.cache_clear()
    _unknown_connections.clear()
