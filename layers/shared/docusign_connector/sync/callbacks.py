"""Callbacks to the caller: every status change and bounce published on the connector's bus
is POSTed to the envelope's `callbackUrl`, signed with the connection's `callbackSecret`.

The bus sends the events to the callback queue (an EventBridge rule); each message is one
EventBridge event. Delivery is at least once: a failed POST raises and SQS delivers the message
again after a backoff (see `backoff_seconds`), for about a day, then to the dead-letter queue.
Each payload carries the `eventId` of its notice (the same on every delivery), and a delivery
that succeeded is recorded, so a message SQS hands out twice is posted once.

Each delivery is bounded by the wall clock (DELIVERY_SECONDS, and never more than the
invocation has left less INVOCATION_MARGIN_SECONDS): a receiver that drips its answer is cut
there, and the delivery counts as failed. At most MAX_IN_FLIGHT_PER_CONNECTION deliveries of
one connection run at once (slots in the table); a delivery that finds them all taken, or too
little of the invocation left, is not attempted: the message goes back on the queue, delayed,
with its failed tries so far (`priorFailures`), so waiting never counts as failing.

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
from ..adapters.callbacks import (
    DELIVERY_SECONDS,
    CallbackUnreachable,
    DeliveryLog,
    InFlightSlots,
    resolve_allowed,
)
from ..callback_urls import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    loopback_allowed,
    parse_callback_url,
    signature,
)
from ..container import Services, get_services
from ..domain import Deadline
from ..errors import BadRequest

logger = Logger(child=True)

# Redelivery waits: 1, 2, 4 … minutes, then two hours between tries; with the queue's
# maxReceiveCount of 19 the last try is about 24 hours after the first.
FIRST_BACKOFF_SECONDS = 60
MAX_BACKOFF_SECONDS = 7200
MAX_RECEIVES = 19
CALLBACK_DETAIL_TYPES = ("Envelope Status Changed", "Recipient Email Bounced")
# Left of the invocation after the last delivery, for the batch's answer to Lambda.
INVOCATION_MARGIN_SECONDS = 3.0
# Less time than this for a delivery: it is not attempted in this invocation.
MIN_DELIVERY_SECONDS = 2.0
# A delivery that was not attempted comes back this much later.
DEFER_SECONDS = 30
PRIOR_FAILURES_ATTRIBUTE = "priorFailures"


def backoff_seconds(receive_count: int) -> int:
    """How long SQS keeps a message hidden after its `receive_count`-th failed delivery."""
    exponent = max(0, receive_count - 1)
    if exponent >= 12:
        return MAX_BACKOFF_SECONDS
    return min(MAX_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2**exponent)


class CallbackFailed(Exception):
    """The receiver did not take the callback (an error status or no answer): retried."""


class CallbackDeferred(Exception):
    """The delivery was not attempted (its connection's slots are taken, or the invocation
    has too little time left): queued again, not a failure."""


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


def delivery_seconds(deadline: Deadline) -> float:
    """How long the next delivery may take: its bound, inside the invocation's time."""
    seconds = DELIVERY_SECONDS
    if deadline is not None:
        seconds = min(seconds, deadline() - INVOCATION_MARGIN_SECONDS)
    return seconds


def deliver_callback(
    body: str,
    *,
    services: Services | None = None,
    deadline: Deadline = None,
    slow_connections: set[str] | None = None,
) -> Delivery:
    """Deliver one queued bus event to its envelope's callbackUrl. Raises `CallbackFailed`
    (retry later) when the receiver does not answer 2xx in time, `CallbackDeferred` when the
    delivery is not attempted now; a malformed message raises ValueError (poison).
    `slow_connections` (the invocation's) names connections whose receiver was cut already:
    their other messages wait rather than spend the invocation's time."""
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
    seconds = delivery_seconds(deadline)
    if seconds < MIN_DELIVERY_SECONDS:
        raise CallbackDeferred("too little of the invocation is left for a delivery")
    if slow_connections is not None and record.connection in slow_connections:
        raise CallbackDeferred("this connection's receiver did not answer in time just now")
    slots = InFlightSlots(services.store.table)
    slot = slots.take(record.connection, event_id, seconds)
    if slot is None:
        raise CallbackDeferred("the connection has its most deliveries in flight")
    try:
        answer = services.callbacks.post(target, address, content, headers, seconds=seconds)
    except CallbackUnreachable as exc:
        if slow_connections is not None:
            slow_connections.add(record.connection)
        raise CallbackFailed(f"the callback receiver could not be reached: {exc}") from exc
    finally:
        slots.give_back(record.connection, slot, event_id)
    if not 200 <= answer.status < 300:
        raise CallbackFailed(f"the callback receiver answered {answer.status}")
    log.record(envelope_id, event_id, clock.now_iso(), answer.status)
    logger.info(
        "callback delivered",
        extra={"envelope_id": envelope_id, "event_id": event_id, "status": answer.status},
    )
    return Delivery(event_id, envelope_id, "delivered", answer.status)


def deliver_or_requeue(
    body: str,
    *,
    receipt_handle: str,
    receive_count: int,
    prior_failures: int = 0,
    deadline: Deadline = None,
    slow_connections: set[str] | None = None,
    services: Services | None = None,
) -> Delivery:
    """One message of the callback queue: delivered; or, not attempted now, sent again later
    with its failed tries (outcome `deferred`); or failed, hidden for its backoff and raised
    again (`CallbackFailed`) so that SQS retries it, then dead-letters it."""
    services = services or get_services()
    try:
        return deliver_callback(
            body, services=services, deadline=deadline, slow_connections=slow_connections
        )
    except CallbackDeferred as deferred:
        failures = prior_failures + receive_count - 1
        services.callback_queue.send(
            body, {PRIOR_FAILURES_ATTRIBUTE: str(failures)}, delay_seconds=DEFER_SECONDS
        )
        logger.info(
            "callback not attempted now; queued again",
            extra={"reason": str(deferred), "prior_failures": failures},
        )
        return Delivery("", "", "deferred")
    except CallbackFailed as failure:
        wait = backoff_seconds(prior_failures + receive_count)
        logger.warning(
            "callback not delivered; retried later",
            extra={"reason": str(failure), "receive_count": receive_count, "retry_in": wait},
        )
        services.callback_queue.hide(receipt_handle, wait)
        raise
