"""Sending as the workflow's user (DESIGN §12): whom a connection may send as, who a named
sender is, and the DocuSign client that acts as an envelope's sender.

With JWT Grant, acting as another user of the account is a token whose `sub` is that user:
DocuSign grants it once that user consented to the integration key, or an organisation
administrator consented for every user of the organisation's claimed domains
("Obtain and revoke consent"; "JWT Grant implementation and best practices"); without it the
token request answers `consent_required`, and that user must open the consent URL.

- A connection sends as its own user, and as the users its secret's `allowedSenders` names
  (e-mails or user ids, or "*" for every active user of its account); a caller whose record
  names senders may use only those. Anyone else is a 403 `SENDER_NOT_ALLOWED` before any
  DocuSign call when the name given is not listed as given; a lookup is made only when the
  list names the other kind of identifier.
- An e-mail is resolved with DocuSign's Users API (Users:list with `email`, `userStatus`
  Active), a user id checked with Users:get, each answer kept ten minutes per connection: no
  such user is a 400 `SENDER_NOT_FOUND`, a user not Active a 400 `SENDER_INACTIVE`.
- The envelope records its sender; every later call on it uses that user's token, since
  DocuSign lets only the sender (or an administrator) act on it. Tokens and userinfo are kept
  per connection and user: the sender's connection differs from the connection's only in its
  `sub`, so it has a fingerprint, and so a token cache entry, of its own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..adapters.docusign.client import DocuSignClient
from ..audit import caller_senders
from ..connections import ANY_SENDER, Connection
from ..container import Services
from ..domain import Deadline, EnvelopeRecord
from ..errors import BadRequest, Forbidden

if TYPE_CHECKING:
    from ..models.requests import SenderIn

USER_CACHE_SECONDS = 600
ACTIVE = "active"


@dataclass(frozen=True)
class Sender:
    user_id: str  # lower-cased
    email: str | None
    name: str | None


def own_user_id(connection: Connection) -> str:
    return connection.user_id.strip().lower()


def acting_connection(
    services: Services, connection: Connection, user_id: str | None
) -> Connection:
    """The connection acting as `user_id` (its own user when None or the same)."""
    if not user_id or user_id.lower() == own_user_id(connection):
        return connection
    account = services.tokens.account(connection)
    return connection.as_user(user_id.lower(), account.account_id, account.base_uri)


def client_as(
    services: Services, connection_name: str, user_id: str | None, deadline: Deadline = None
) -> DocuSignClient:
    connection = services.connections.get(connection_name)
    return services.client(acting_connection(services, connection, user_id), deadline)


def client_for(
    services: Services,
    connection_name: str,
    record: EnvelopeRecord | None,
    deadline: Deadline = None,
) -> DocuSignClient:
    """The client that acts on this envelope: as its sender."""
    return client_as(services, connection_name, record.sender_user_id if record else None, deadline)


def _listed(identifiers: tuple[str, ...], sender: Sender) -> bool:
    if ANY_SENDER in identifiers:
        return True
    return sender.user_id in identifiers or (sender.email or "").lower() in identifiers


def may_send_as(connection: Connection, sender: Sender) -> bool:
    """Whether the connection (and the request's caller) may send as this user."""
    if sender.user_id == own_user_id(connection):
        return _caller_allows(sender)
    return _listed(connection.allowed_senders, sender) and _caller_allows(sender)


def _caller_allows(sender: Sender) -> bool:
    limit = caller_senders()
    return limit is None or _listed(limit, sender)


def _refused(named: str) -> Forbidden:
    return Forbidden(
        f"this connection (or this caller) may not send as {named}: name the user in the "
        "connection's allowedSenders (and the caller's senders)",
        code="SENDER_NOT_ALLOWED",
    )


def _could_be_allowed(connection: Connection, requested: SenderIn) -> bool:
    """Before any lookup: False when no list the request must pass could name this user."""
    named = (requested.email or requested.user_id or "").lower()
    for identifiers in (connection.allowed_senders, caller_senders()):
        if identifiers is None or ANY_SENDER in identifiers or named in identifiers:
            continue
        other_kind = any(("@" in i) != ("@" in named) for i in identifiers)
        if not other_kind:
            return False
    return True


def resolve_sender(
    services: Services,
    connection_name: str,
    requested: SenderIn | None,
    deadline: Deadline = None,
) -> Sender | None:
    """The user a send names, checked: allowed, known, active. None: the connection's own."""
    if requested is None:
        return None
    connection = services.connections.get(connection_name)
    if requested.user_id and requested.user_id == own_user_id(connection):
        return None
    if not _could_be_allowed(connection, requested):
        raise _refused(requested.email or requested.user_id or "")
    sender = _look_up(services, connection, requested, deadline)
    if sender.user_id == own_user_id(connection):
        return None
    if not may_send_as(connection, sender):
        raise _refused(requested.email or requested.user_id or "")
    return sender


def _look_up(
    services: Services, connection: Connection, requested: SenderIn, deadline: Deadline
) -> Sender:
    key = (connection.fingerprint, (requested.email or requested.user_id or "").lower())
    with services.lock:
        known = services.senders.get(key)
    if known is not None and time.monotonic() - known[0] < USER_CACHE_SECONDS:
        user = known[1]
    else:
        client = services.client(connection, deadline)
        user = _user(client, requested)
        with services.lock:
            services.senders[key] = (time.monotonic(), user)
    if user is None:
        raise BadRequest(
            f"{requested.email or requested.user_id} is not a user of this DocuSign account",
            code="SENDER_NOT_FOUND",
        )
    if str(user.get("userStatus") or "").lower() != ACTIVE:
        raise BadRequest(
            f"{requested.email or requested.user_id} is not an active user of this DocuSign "
            f"account (status {user.get('userStatus') or 'unknown'})",
            code="SENDER_INACTIVE",
        )
    return Sender(
        user_id=str(user["userId"]).lower(),
        email=str(user.get("email") or "") or None,
        name=str(user.get("userName") or "") or None,
    )


def _user(client: DocuSignClient, requested: SenderIn) -> dict[str, Any] | None:
    if requested.user_id:
        user = client.get_user(requested.user_id)
        return user if user and user.get("userId") else None
    assert requested.email is not None
    wanted = requested.email.lower()
    users = client.find_users(wanted)
    matching = [u for u in users if str(u.get("email") or "").lower() == wanted]
    # an address may have been a user before: the active one is the one to send as
    active = [u for u in matching if str(u.get("userStatus") or "").lower() == ACTIVE]
    chosen = active or matching
    return chosen[0] if chosen else None
