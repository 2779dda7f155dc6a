"""Which callback URLs and addresses the connector will deliver to, and how a callback is
signed. Pure: resolving names and connecting is `adapters.callbacks`.

A callback goes to https only (http to a loopback address when the local stack allows it), and
never to a private, link-local, site-local, shared, reserved or cloud metadata address
(`addresses`, the one guard the views' `returnUrl` uses too): otherwise a caller could make the
connector reach into the network it runs in. The URL's host is checked as written (every
numeric form of an address), and what a name resolves to at each delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from urllib.parse import urlsplit

from .addresses import host_refusal
from .connections import is_loopback
from .errors import BadRequest

MAX_CALLBACK_URL = 2000
# Set only by the local stack (and tests): its test receivers listen on 127.0.0.1 over http.
ALLOW_LOOPBACK_VARIABLE = "CALLBACK_ALLOW_LOOPBACK"
TIMESTAMP_HEADER = "X-Connector-Timestamp"
SIGNATURE_HEADER = "X-Connector-Signature"


@dataclass(frozen=True)
class CallbackTarget:
    url: str
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line


def loopback_allowed() -> bool:
    return os.environ.get(ALLOW_LOOPBACK_VARIABLE, "").strip().lower() == "true"


def refused(message: str) -> BadRequest:
    return BadRequest(message, code="CALLBACK_URL_NOT_ALLOWED")


def parse_callback_url(url: str, *, allow_loopback: bool | None = None) -> CallbackTarget:
    """The parts of a callback URL the connector accepts; a 400 for any other."""
    allow_loopback = loopback_allowed() if allow_loopback is None else allow_loopback
    if len(url) > MAX_CALLBACK_URL or any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise refused("callbackUrl must be an absolute https URL of at most 2000 characters")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise refused("callbackUrl has an invalid port") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host or parts.username or parts.password:
        raise refused("callbackUrl must be an absolute https URL without credentials")
    if parts.scheme == "http" and not (allow_loopback and is_loopback(host)):
        raise refused("callbackUrl must use https")
    reason = host_refusal(host, allow_loopback=allow_loopback)
    if reason is not None:
        raise refused(f"callbackUrl points at {reason}")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    default_port = 443 if parts.scheme == "https" else 80
    return CallbackTarget(url, parts.scheme, host, port or default_port, path)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """`v1=` and the hex HMAC-SHA256 of `timestamp.body` under the connection's secret."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()
