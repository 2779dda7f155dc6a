"""Delivering callbacks to the caller's URL: resolve the name, refuse addresses the connector
must not reach, then connect to the address that was checked (so a second DNS answer cannot
swap in another one), with the URL's host in the Host header and in TLS (SNI and the
certificate check), the whole delivery within a wall-clock bound. Also the record of
deliveries made, so a message delivered twice by SQS is posted once, and the slots that keep
one connection's deliveries in flight few."""

from __future__ import annotations

import contextlib
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..addresses import address_refusal
from ..callback_urls import (
    CallbackTarget,
    loopback_allowed,
    parse_callback_url,
    refused,
)
from ..errors import BadRequest, ConnectionMisconfigured
from .aws import aws_errors, error_code

CONNECT_TIMEOUT_SECONDS = 5.0
# The most one delivery may take by the wall clock, from connecting to the answer's status
# line (never more than the invocation has left; see sync.callbacks).
DELIVERY_SECONDS = 10.0
MAX_RESPONSE_BYTES = 4096
DELIVERY_SK_PREFIX = "CALLBACK#"
# Deliveries of one connection under way at once, in all containers together: a receiver
# that is slow holds at most these, never the function's whole concurrency.
MAX_IN_FLIGHT_PER_CONNECTION = 4
SLOT_MARGIN_SECONDS = 5


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
    """POSTs a signed body to one checked address and reads the status line of the answer,
    all within `seconds` by the wall clock: a receiver that answers one byte at a time (each
    in time for a per-read timeout) is cut at the bound, whichever step it drags out — the
    connection, TLS, the request or the answer. `clock` is injectable; a timer closes the
    socket at the bound too, so a read blocked in the kernel ends as well."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock

    def post(
        self,
        target: CallbackTarget,
        address: str,
        body: bytes,
        headers: dict[str, str],
        *,
        seconds: float = DELIVERY_SECONDS,
    ) -> CallbackAnswer:
        """One POST; no answer within `seconds` (or no connection) raises
        `CallbackUnreachable`."""
        ends_at = self._clock() + seconds
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default_port else f"{target.host}:{target.port}"
        lines = [f"POST {target.path} HTTP/1.1", f"Host: {host}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
        request = "\r\n".join(lines).encode("latin-1") + body
        try:
            sock = socket.create_connection(
                (address, target.port), timeout=max(0.001, min(CONNECT_TIMEOUT_SECONDS, seconds))
            )
        except OSError as exc:
            raise CallbackUnreachable(type(exc).__name__) from exc
        # The socket in use (TLS wraps the first): what the timer shuts at the bound.
        current: list[socket.socket] = [sock]
        fired = threading.Event()

        def cut_off() -> None:
            fired.set()
            _shut(current[-1])

        cut = threading.Timer(max(0.0, seconds), cut_off)
        cut.daemon = True
        cut.start()
        try:
            if target.scheme == "https":
                self._left(ends_at, sock, seconds)
                context = ssl.create_default_context()
                current.append(context.wrap_socket(sock, server_hostname=target.host))
            self._left(ends_at, current[-1], seconds)
            current[-1].sendall(request)
            status_line = self._status_line(current[-1], ends_at, seconds)
        except (OSError, ssl.SSLError) as exc:
            if fired.is_set():
                raise CallbackUnreachable(self._late(seconds)) from exc
            raise CallbackUnreachable(type(exc).__name__) from exc
        finally:
            cut.cancel()
            for opened in reversed(current):
                opened.close()
        if fired.is_set():  # the timer ended the answer, not the receiver
            raise CallbackUnreachable(self._late(seconds))
        return CallbackAnswer(_status(status_line), status_line.decode("latin-1", "replace"))

    @staticmethod
    def _late(seconds: float) -> str:
        return f"no answer within the delivery bound of {seconds:g} s"

    def _left(self, ends_at: float, connection: socket.socket, seconds: float) -> float:
        """The time left, which the next socket operation may take at most."""
        left = ends_at - self._clock()
        if left <= 0:
            raise CallbackUnreachable(self._late(seconds))
        connection.settimeout(left)
        return left

    def _status_line(self, connection: socket.socket, ends_at: float, seconds: float) -> bytes:
        received = b""
        while b"\r\n" not in received:
            self._left(ends_at, connection, seconds)
            chunk = connection.recv(1024)
            if not chunk:
                break
            received += chunk
            if len(received) > MAX_RESPONSE_BYTES:
                break
        return received.split(b"\r\n", 1)[0]


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _status(line: bytes) -> int:
    """The status code of an HTTP/1.x status line (0 when it is not one: not a 2xx)."""
    parts = line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        return 0
    return int(parts[1])


class CallbackUnreachable(Exception):
    """The receiver could not be reached, or did not answer within the delivery bound."""


class InFlightSlots:
    """At most MAX_IN_FLIGHT_PER_CONNECTION deliveries of one connection at a time, across
    every container: one item per slot beside the envelopes, taken with a conditional write and
    held for the delivery bound at most (a container that stops mid-delivery frees it then)."""

    def __init__(self, table: Any, clock: Callable[[], float] = time.time) -> None:
        self.table = table
        self._clock = clock

    def take(self, connection: str, holder: str, seconds: float) -> int | None:
        """A free slot's number, now held by `holder` until `seconds` from now; None when
        every slot is busy."""
        from boto3.dynamodb.conditions import Attr
        from botocore.exceptions import ClientError

        now = self._clock()
        for slot in random.sample(
            range(MAX_IN_FLIGHT_PER_CONNECTION), MAX_IN_FLIGHT_PER_CONNECTION
        ):
            with aws_errors("DynamoDB"):
                try:
                    self.table.put_item(
                        Item={
                            **self._key(connection, slot),
                            "holder": holder,
                            "until": int(now + seconds + SLOT_MARGIN_SECONDS),
                        },
                        ConditionExpression=Attr("pk").not_exists() | Attr("until").lt(int(now)),
                    )
                except ClientError as exc:
                    if error_code(exc) == "ConditionalCheckFailedException":
                        continue
                    raise
            return slot
        return None

    def give_back(self, connection: str, slot: int, holder: str) -> None:
        from boto3.dynamodb.conditions import Attr
        from botocore.exceptions import ClientError

        with aws_errors("DynamoDB"):
            try:
                self.table.put_item(
                    Item={**self._key(connection, slot), "holder": "", "until": 0},
                    ConditionExpression=Attr("holder").eq(holder),
                )
            except ClientError as exc:
                if error_code(exc) != "ConditionalCheckFailedException":
                    raise  # (taken over after the lease ran out: not ours to free)

    @staticmethod
    def _key(connection: str, slot: int) -> dict[str, str]:
        return {"pk": f"CALLBACKS#{connection}", "sk": f"SLOT#{slot}"}


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
