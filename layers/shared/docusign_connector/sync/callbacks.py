"""Callbacks to the caller: every status change and bounce published on the connector's bus
is POSTed to the envelope's `callbackUrl`, signed with the connection's `callbackSecret`.

The bus sends the events to the callback queue (an EventBridge rule); each message is one
EventBridge event. Delivery is at least once: a failed POST raises and SQS delivers the message
again after a backoff (see `backoff_seconds`), for about a day, then to the dead-letter queue.
Each payload carries the `eventId` of its notice (the same on every delivery), and a delivery
that succeeded is recorded, so a message SQS hands out twice is posted once.

Verifying a callback (what the receiver does):

    expected = "v1=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                                hashlib.sha256).hexdigest()
    hmac.compare_digest(expected, request.headers["X-Connector-Signature"])
    # and reject a timestamp older than five minutes; de-duplicate on body["eventId"]
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.callbacks import CallbackUnreachable, DeliveryLog, resolve_allowed
from ..callback_urls import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    loopback_allowed,
    parse_callback_url,
    signature,
)
from ..container import Services, get_services
from ..errors import BadRequest

logger = Logger(child=True)

# Redelivery waits: 1, 2, 4 … minutes, then two hours between tries; with the queue's
# maxReceiveCount of 19 the last try is about 24 hours after the first.
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 7200
MAX_RECEIVES = 19
CALLBACK_DETAIL_TYPES = ("Envelope Status Changed", "Recipient Email Bounced")


def backoff_seconds(receive_count: int) -> int:
    """How long SQS keeps a message hidden after its `receive_count`-th failed delivery."""
    exponent = max(0, receive_count - 1)
    if exponent >= 12:
        return MAX_BACKOFF_SECONDS
    return min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2**exponent)


class CallbackFailed(Exception):
    """The receiver did not take the callback (an error status or no answer): retried."""


@dataclass
class Delivery:
    event_id: str
    envelope_id: str
    outcome: str  # delivered | duplicate | no-callback | refused
    status: int | None = None


def callback_payload(event: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(eventId, envelopeId, the JSON the receiver gets) of one EventBridge event."""
    detail = event.get("detail")
    if not isinstance(detail, dict):
        raise ValueError("the event has no detail")
    event_id = str(detail.get("eventId") or event.get("id") or "")
    envelope_id = str(detail.get("envelopeId") or "")
    if not event_id or not envelope_id:
        raise ValueError("the event names no envelope or event id")
    payload = {
        "eventId": event_id,
        "eventType": str(event.get("detail-type") or ""),
        "time": event.get("time"),
        **{k: v for k, v in detail.items() if k != "eventId"},
    }
    return event_id, envelope_id, payload


def deliver_callback(body: str, *, services: Services | None = None) -> Delivery:
    """Deliver one queued bus event to its envelope's callbackUrl. Raises `CallbackFailed`
    (retry later) when the receiver does not answer 2xx; a malformed message raises
    ValueError (poison)."""
    services = services or get_services()
    event = json.loads(body)
    if not isinstance(event, dict):
        raise ValueError("the message is not a JSON object")
    event_id, envelope_id, payload = callback_payload(event)
    record = services.store.get(envelope_id)
    if record is None or not record.callback_url:
        return Delivery(event_id, envelope_id, "no-callback")
    log = DeliveryLog(services.store.table)
    if log.delivered(envelope_id, event_id):
        return Delivery(event_id, envelope_id, "duplicate")
    # The connection's callback secret alone: this function never reads its credentials.
    secret = services.connections.callback_secret(record.connection)
    if not secret:
        raise CallbackFailed(f"connection {record.connection!r} has no callback secret")
    allow_loopback = loopback_allowed()
    try:
        target = parse_callback_url(record.callback_url, allow_loopback=allow_loopback)
        # Checked again at each delivery: what the name resolves to may have changed.
        address = resolve_allowed(target, allow_loopback=allow_loopback)
    except BadRequest as refusal:
        logger.error(
            "callback refused",
            extra={"envelope_id": envelope_id, "event_id": event_id, "reason": refusal.message},
        )
        return Delivery(event_id, envelope_id, "refused")
    content = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "docusign-connector-callbacks",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, content),
    }
    try:
        answer = services.callbacks.post(target, address, content, headers)
    except CallbackUnreachable as exc:
        raise CallbackFailed(f"the callback receiver could not be reached: {exc}") from exc
    if not 200 <= answer.status < 300:
        raise CallbackFailed(f"the callback receiver answered {answer.status}")
    log.record(envelope_id, event_id, clock.now_iso(), answer.status)
    logger.info(
        "callback delivered",
        extra={"envelope_id": envelope_id, "event_id": event_id, "status": answer.status},
    )
    return Delivery(event_id, envelope_id, "delivered", answer.status)
