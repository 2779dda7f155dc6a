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
(`sync.confirm`) and the reconciler (`sync.reconcile`) all ask `may_own`. A later send-as
feature extends `senders_of` to the connection's allowed senders.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..container import Services


def envelope_sender(envelope: Mapping[str, Any] | None) -> str | None:
    """The DocuSign user id of the envelope's sender, lower-cased; None when not named."""
    sender = (envelope or {}).get("sender")
    user_id = sender.get("userId") if isinstance(sender, Mapping) else None
    text = str(user_id or "").strip().lower()
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
    return sender is not None and sender in senders_of(services, connection_name)
