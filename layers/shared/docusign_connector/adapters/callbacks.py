"""Delivering callbacks to the caller's URL: resolve the name, refuse addresses the connector
must not reach, then connect to the address that was checked (so a second DNS answer cannot
swap in another one), with the URL's host in the Host header and in TLS (SNI and the
certificate check). Also the record of deliveries made, so a message delivered twice by SQS
is posted once."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import urllib3

from ..addresses import address_refusal
from ..callback_urls import (
    CallbackTarget,
    loopback_allowed,
    parse_callback_url,
    refused,
)
from ..errors import BadRequest, ConnectionMisconfigured
from .aws import aws_errors

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
MAX_RESPONSE_BYTES = 4096
DELIVERY_SK_PREFIX = "CALLBACK#"


def resolve_allowed(target: CallbackTarget, *, allow_loopback: bool) -> str:
    """The address to connect to: every address the name resolves to must be allowed (one
    refused address refuses the URL), and the first is used."""
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise BadRequest(
            f"callbackUrl host {target.host!r} does not resolve", code="CALLBACK_URL_UNRESOLVED"
        ) from None
    addresses = [str(answer[4][0]) for answer in answers]
    if not addresses:
        raise BadRequest(
            f"callbackUrl host {target.host!r} does not resolve", code="CALLBACK_URL_UNRESOLVED"
        )
    for address in addresses:
        reason = address_refusal(address, allow_loopback=allow_loopback)
        if reason is not None:
            raise refused(f"callbackUrl resolves to {reason}")
    return addresses[0]


@dataclass(frozen=True)
class CallbackAnswer:
    status: int
    body: str


class CallbackSender:
    """POSTs a signed body to one checked address; one pool per target, reused."""

    def __init__(self) -> None:
        self._pools: dict[tuple[str, str, int, str], Any] = {}

    def _pool(self, target: CallbackTarget, address: str) -> Any:
        key = (target.scheme, target.host, target.port, address)
        pool = self._pools.get(key)
        if pool is None:
            timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS)
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    address,
                    target.port,
                    timeout=timeout,
                    retries=False,
                    server_hostname=target.host,
                    assert_hostname=target.host,
                    cert_reqs="CERT_REQUIRED",
                )
            else:
                pool = urllib3.HTTPConnectionPool(
                    address, target.port, timeout=timeout, retries=False
                )
            self._pools[key] = pool
        return pool

    def post(
        self, target: CallbackTarget, address: str, body: bytes, headers: dict[str, str]
    ) -> CallbackAnswer:
        """One POST; a connection failure or timeout raises `CallbackUnreachable`."""
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default_port else f"{target.host}:{target.port}"
        try:
            response = self._pool(target, address).urlopen(
                "POST",
                target.path,
                body=body,
                headers={**headers, "Host": host},
                redirect=False,
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise CallbackUnreachable(f"{type(exc).__name__}") from exc
        try:
            text = response.read(MAX_RESPONSE_BYTES, decode_content=True)
        finally:
            response.release_conn()
        return CallbackAnswer(response.status, text.decode("utf-8", "replace"))


class CallbackUnreachable(Exception):
    """The receiver could not be reached (connection refused, timeout, TLS failure)."""


class DeliveryLog:
    """Which callback events were delivered: one item per event beside its envelope."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def delivered(self, envelope_id: str, event_id: str) -> bool:
        with aws_errors("DynamoDB"):
            item = self.table.get_item(
                Key={"pk": f"ENV#{envelope_id}", "sk": DELIVERY_SK_PREFIX + event_id},
                ConsistentRead=True,
            ).get("Item")
        return item is not None

    def record(self, envelope_id: str, event_id: str, at: str, status: int) -> None:
        with aws_errors("DynamoDB"):
            self.table.put_item(
                Item={
                    "pk": f"ENV#{envelope_id}",
                    "sk": DELIVERY_SK_PREFIX + event_id,
                    "deliveredAt": at,
                    "status": status,
                }
            )


def check_callback_target(url: str, secret: str | None, connection_name: str) -> None:
    """At send: a callbackUrl the connector will deliver to, and a secret to sign with."""
    if not secret:
        raise ConnectionMisconfigured(
            f"connection {connection_name!r} has no callback secret to sign callbacks with; "
            "store one with `python -m admin put NAME --callback-secret …` (see README, "
            "Callbacks)",
            code="CALLBACK_SECRET_MISSING",
        )
    allow_loopback = loopback_allowed()
    resolve_allowed(
        parse_callback_url(url, allow_loopback=allow_loopback), allow_loopback=allow_loopback
    )
