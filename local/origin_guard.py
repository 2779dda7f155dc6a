"""The local servers answer only the machine they run on.

Listening on 127.0.0.1 keeps other machines out, not other web sites: a page in the
developer's browser can post to http://127.0.0.1:3000, and a name of the attacker's that now
resolves to 127.0.0.1 (DNS rebinding) lets it read the answers too. So, as DNS-rebinding
defences do, a request whose Host is not a loopback name or address, or whose Origin is not
the server's own, is refused with a 403 before anything runs. Requests without an Origin
(the AWS CLI, boto3, curl, the tests) are what the local stack is for and pass.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1 (the stack's process does not load the connector's
    layer, so this is its own)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_and_port(value: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit("//" + value)
        return (parts.hostname or "").lower(), parts.port
    except ValueError:
        return None


def refusal(environ: Mapping[str, Any], port: int) -> str | None:
    """Why this request is refused (naming the header), or None when it may go on."""
    host = _host_and_port(str(environ.get("HTTP_HOST") or ""))
    if host is None or not is_loopback(host[0]):
        return "the Host header is not this machine's loopback address"
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return None
    try:
        parts = urlsplit(str(origin))
        origin_port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the Origin header is not this server's"
    if parts.scheme != "http" or not is_loopback((parts.hostname or "").lower()):
        return "the Origin header is not this server's"
    if origin_port != port:
        return "the Origin header is not this server's"
    return None
