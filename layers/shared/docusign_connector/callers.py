"""Callers of the API (DESIGN §11): who they are, what they may do, and their keys. Pure: the
table lives in adapters.callers, the check of a request in api.authorizer.

A caller has a name, the connections it may use (a list, or every one: "*") and permissions
there: `send`, `read`, `manage`, `admin`. It authenticates with an API key, or with an OAuth 2.0
access token whose scopes name what the token may do (a subset of what the caller may do).

API keys are `dsc_<key id>_<secret>`: the key id finds the key's record without a scan, the
secret is 256 random bits. Only a SHA-256 of the whole key is kept: a key this long cannot be
guessed from its hash, so a slow password hash would add latency to every authorization and no
safety. Hashes are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

from .errors import BadRequest

PERMISSIONS = ("send", "read", "manage", "admin")
EVERY_CONNECTION = "*"

CALLER_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
KEY_PREFIX = "dsc_"
_KEY = re.compile(r"dsc_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
# A scope: `send`, `demo:send` or `*:send`, after the issuer's prefix (e.g. a Cognito
# resource server's `docusign-connector/`) is taken off.
_SCOPE = re.compile(r"(?:(\*|[a-z0-9][a-z0-9-]{0,62}):)?(send|read|manage|admin)")

ACTIVE = "active"
REVOKED = "revoked"


def validate_caller_name(name: object) -> str:
    if not isinstance(name, str) or CALLER_NAME.fullmatch(name) is None:
        raise BadRequest(
            "caller names are 1-63 characters: lowercase letters, digits, '.', '_' and '-', "
            "starting with a letter or digit",
            code="INVALID_CALLER_NAME",
        )
    return name


@dataclass(frozen=True)
class Grants:
    """What may be done where: connection ("*" for every one) → permissions."""

    by_connection: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, connections: Iterable[str], permissions: Iterable[str]) -> Grants:
        allowed = frozenset(permissions)
        return cls({connection: allowed for connection in connections if allowed})

    def allows(self, connection: str, permission: str) -> bool:
        for granted in (connection, EVERY_CONNECTION):
            if permission in self.by_connection.get(granted, ()):
                return True
        return False

    def within(self, other: Grants) -> Grants:
        """What both allow: a token's scopes never give more than its caller has."""
        result: dict[str, set[str]] = {}
        for connection, permissions in self.by_connection.items():
            for permission in permissions:
                if connection == EVERY_CONNECTION:
                    # every connection the other allows this permission on
                    for theirs, their_permissions in other.by_connection.items():
                        if permission in their_permissions:
                            result.setdefault(theirs, set()).add(permission)
                elif other.allows(connection, permission):
                    result.setdefault(connection, set()).add(permission)
        return Grants({c: frozenset(p) for c, p in result.items()})

    def is_empty(self) -> bool:
        return not any(self.by_connection.values())

    def as_scopes(self) -> list[str]:
        """`connection:permission` for each grant, sorted (logs, the authorizer's context)."""
        return sorted(f"{c}:{p}" for c, ps in self.by_connection.items() for p in ps)


def scope_grants(scopes: Iterable[str], prefix: str = "") -> Grants:
    """The grants of a token's scopes. A bare permission (`send`) holds on every connection
    its caller may use; scopes of other resource servers or of no known form are ignored."""
    granted: dict[str, set[str]] = {}
    for scope in scopes:
        if prefix:
            if not scope.startswith(prefix):
                continue
            scope = scope[len(prefix) :]
        matched = _SCOPE.fullmatch(scope)
        if matched is None:
            continue
        connection = matched.group(1) or EVERY_CONNECTION
        granted.setdefault(connection, set()).add(matched.group(2))
    return Grants({c: frozenset(p) for c, p in granted.items()})


@dataclass(frozen=True)
class Caller:
    """A caller as the table keeps it."""

    name: str
    connections: tuple[str, ...]  # ("*",) for every connection
    permissions: tuple[str, ...]
    status: str = ACTIVE
    key_ids: tuple[str, ...] = ()  # oldest first
    oauth_clients: tuple[str, ...] = ()  # "issuer#subject" of its OAuth clients
    # DocuSign users (e-mails or user ids, lower-cased) it may send as; empty: whoever its
    # connections allow (DESIGN §12)
    senders: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def grants(self) -> Grants:
        return Grants.of(self.connections, self.permissions)


def parse_connections(value: str) -> tuple[str, ...]:
    """`a,b` or `*` (every connection) from the operators' tool."""
    from .ids import validate_connection_name

    names = [part.strip() for part in value.split(",") if part.strip()]
    if names == [EVERY_CONNECTION]:
        return (EVERY_CONNECTION,)
    if not names or EVERY_CONNECTION in names:
        raise BadRequest(
            "--connections is a comma-separated list of connection names, or * for all",
            code="INVALID_CONNECTIONS",
        )
    return tuple(sorted({validate_connection_name(name) for name in names}))


def parse_senders(value: str) -> tuple[str, ...]:
    """`a@example.com,GUID` from the operators' tool."""
    from .connections import parse_sender_entries

    return parse_sender_entries([v for v in value.split(",") if v.strip()], "--senders")


def parse_permissions(value: str) -> tuple[str, ...]:
    names = [part.strip() for part in value.split(",") if part.strip()]
    unknown = sorted(set(names) - set(PERMISSIONS))
    if not names or unknown:
        raise BadRequest(
            f"--permissions is a comma-separated list of {', '.join(PERMISSIONS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            code="INVALID_PERMISSIONS",
        )
    return tuple(p for p in PERMISSIONS if p in names)


# ---------------------------------------------------------------------------- API keys


@dataclass(frozen=True)
class NewKey:
    key_id: str
    key: str  # shown once, never stored
    key_hash: str


def new_api_key() -> NewKey:
    key_id = secrets.token_hex(8)
    key = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    return NewKey(key_id, key, hash_key(key))


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_id_of(presented: str) -> str | None:
    """The key id of something shaped like one of our API keys, else None."""
    matched = _KEY.fullmatch(presented)
    return matched.group(1) if matched else None


def key_matches(presented: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(presented), stored_hash)
