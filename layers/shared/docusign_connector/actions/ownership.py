"""Which connection may track an envelope the table does not know yet: the one whose DocuSign
user sent it. Connections can share a DocuSign account, and DocuSign lets a user see
envelopes of the account it did not send (an administrator, a recipient, a shared folder); the
first connection to ask must not take another user's envelope for good.

DocuSign names the sender on every answer the connector reads about an envelope: the
envelope's `sender` (`userInfo`: `userId`, `userName`, `email`, `accountId`) in a GET of the
envelope, in each entry of list-status-changes (`envelopesInformation.envelopes[]` are
`envelope` objects) and in Connect's `envelopeSummary` — DocuSign's OpenAPI spec, definitions
`envelope.sender` and `userInfo.userId`, and its sample JSON SIM message. An answer that does
not name the sender proves nothing, so it claims nothing.

This is the one decision: the API's reads and actions (through `actions.status`), Connect
(`sync.confirm`) and the reconciler (`sync.reconcile`) all ask `may_own`. With send-as
(DESIGN §12) a connection's users are its own and the ones its `allowedSenders` names (by
user id or e-mail; "*" for every user of the account, so two connections allowing "*" on one
account both claim what neither sent — give each its own list where that matters).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..connections import ANY_SENDER
from ..container import Services


def envelope_sender(envelope: Mapping[str, Any] | None, key: str = "userId") -> str | None:
    """The envelope's sender's user id (or `key`: email), lower-cased; None when not named."""
    sender = (envelope or {}).get("sender")
    value = sender.get(key) if isinstance(sender, Mapping) else None
    text = str(value or "").strip().lower()
    return text or None


def senders_of(services: Services, connection_name: str) -> frozenset[str]:
    """The DocuSign users whose envelopes this connection may track: its own user, as
    DocuSign's userinfo names it (read once per container, as every DocuSign call needs)."""
    connection = services.connections.get(connection_name)
    account = services.tokens.account(connection)
    return frozenset({account.user_id.strip().lower()})


def may_own(services: Services, connection_name: str, envelope: Mapping[str, Any] | None) -> bool:
    """Whether this connection may track an envelope the table does not know: only when
    DocuSign names one of the connection's users as its sender."""
    sender = envelope_sender(envelope)
    if sender is None:
        return False
    if sender in senders_of(services, connection_name):
        return True
    allowed = services.connections.get(connection_name).allowed_senders
    email = envelope_sender(envelope, "email")
    return ANY_SENDER in allowed or sender in allowed or (email is not None and email in allowed)
