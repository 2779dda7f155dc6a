"""The Connect listener: verify a message's HMAC signatures, then queue it.

DocuSign signs every message with each active HMAC key of the account: header
`X-DocuSign-Signature-N` is the base64 HMAC-SHA256 of the raw body under key N. A message is
genuine when any header matches any key of the connection; every comparison is constant-time.

The webhook only verifies and enqueues (DocuSign waits 100 s at most and retries what fails);
the events are applied later, from the queue, by `sync.apply`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from ..container import Services, get_services
from ..errors import BadRequest, ConnectorError, NotFound
from ..ids import is_connection_name
from .messages import ConnectEvent, parse_message

logger = Logger(child=True)

SIGNATURE_HEADER = re.compile(r"x-docusign-signature-(\d{1,3})", re.IGNORECASE)
# SQS takes 256 KiB per message; what is left over is for our own envelope around the event.
MAX_QUEUED_BYTES = 250_000


# One answer for every refusal, whatever the reason (unknown connection, no keys, a wrong
# signature): the public listener says nothing about which connections exist.
REFUSAL = "the message has no valid X-DocuSign-Signature header"
# Compared against when the connection is unknown, so that a refusal costs the same HMAC work
# (and time) whether or not the connection exists. Never a key of any connection.
_DECOY_KEY = secrets.token_urlsafe(32)


class InvalidSignature(ConnectorError):
    """No `X-DocuSign-Signature-N` header matches a key of the connection."""

    status_code = 401
    code = "INVALID_SIGNATURE"

    def __init__(self) -> None:
        super().__init__(REFUSAL)


def compute_signature(key: str, body: bytes) -> str:
    """DocuSign's signature: base64 of HMAC-SHA256(key as UTF-8, raw body)."""
    return base64.b64encode(hmac.new(key.encode("utf-8"), body, hashlib.sha256).digest()).decode()


def signatures_from(headers: Mapping[str, str]) -> list[str]:
    """Every `X-DocuSign-Signature-N` value, in N order (header names in any case)."""
    found: list[tuple[int, str]] = []
    for name, value in headers.items():
        match = SIGNATURE_HEADER.fullmatch(str(name))
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
    # Every key is tried, even when nothing can match, so the time says nothing either.
    valid = signature_is_valid(body or b"", signatures, keys or [_DECOY_KEY])
    if not body or not keys or not signatures or not valid:
        raise InvalidSignature()


# Names of connections that do not exist, remembered for a minute: a flood of requests for
# made-up names does not become as many Secrets Manager calls.
UNKNOWN_CONNECTION_SECONDS = 60.0
MAX_UNKNOWN_CONNECTIONS = 1000


def _known_unknown(services: Services, name: str) -> bool:
    until = services.unknown_connections.get(name)
    return until is not None and until > time.monotonic()


def _remember_unknown(services: Services, name: str) -> None:
    with services.lock:
        if len(services.unknown_connections) >= MAX_UNKNOWN_CONNECTIONS:
            services.unknown_connections.clear()
        services.unknown_connections[name] = time.monotonic() + UNKNOWN_CONNECTION_SECONDS


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


def _with_header_account(event: ConnectEvent, headers: Mapping[str, str]) -> ConnectEvent:
    """The account the message is about: `data.accountId`, else DocuSign's
    `X-DocuSign-AccountId` header; a message whose two disagree is refused."""
    header = next(
        (str(v).strip() for k, v in headers.items() if str(k).lower() == "x-docusign-accountid"),
        "",
    )
    if not header:
        return event
    if event.account_id is None:
        return replace(event, account_id=header)
    if event.account_id.lower() != header.lower():
        raise BadRequest(
            "the message's data.accountId and X-DocuSign-AccountId header name different accounts",
            code="ACCOUNT_MISMATCH",
        )
    return event


def accept_webhook(
    connection_name: str,
    body: bytes | None,
    headers: Mapping[str, str],
    *,
    services: Services | None = None,
) -> WebhookResult:
    """Verify a Connect message and queue it for EventsFunction.

    An unknown connection, a connection without HMAC keys and a bad signature all look the
    same to the caller (401): the listener is public and says nothing about what exists.
    """
    services = services or get_services()
    keys: tuple[str, ...] = ()
    if is_connection_name(connection_name) and not _known_unknown(services, connection_name):
        try:
            # Only the Connect secret: the webhook can read no other (see adapters.secrets).
            keys = services.connections.connect_keys(connection_name)
        except NotFound:
            _remember_unknown(services, connection_name)
            logger.warning(
                "Connect message for an unknown connection",
                extra={"connection": connection_name[:63]},
            )
            verify_message(body, headers, ())
        if not keys:
            logger.warning(
                "connection has no Connect HMAC keys; message refused",
                extra={"connection": connection_name},
            )
    else:
        verify_message(body, headers, ())
    verify_message(body, headers, keys)
    assert body is not None
    event = parse_message(connection_name, body)
    if event is None:
        logger.info("Connect message ignored (not about an envelope)")
        return WebhookResult(queued=False, event=None, envelope_id=None)
    event = _with_header_account(event, headers)
    text = json.dumps(event.to_message(), separators=(",", ":"))
    if len(text.encode()) > MAX_QUEUED_BYTES:
        # Only a huge recipient list gets here; the reconciler will bring the status.
        minimal = ConnectEvent(**{**event.__dict__, "summary": None})
        text = json.dumps(minimal.to_message(), separators=(",", ":"))
    services.events_queue.send(text, {"connection": connection_name, "event": event.event})
    logger.info(
        "Connect message queued",
        extra={
            "connection": connection_name,
            "event": event.event,
            "envelope_id": event.envelope_id,
        },
    )
    return WebhookResult(queued=True, event=event.event, envelope_id=event.envelope_id)
