"""What a Connect message may change on its own, and what DocuSign must confirm first.

A valid HMAC signature proves only that the sender holds one of the connection's Connect keys
(DocuSign, or whoever obtained a key). So a message alone never makes a change that cannot be
undone: a final status (completed, declined, voided) is archived, published and refused to
void for good, and an envelope first seen through Connect becomes the connection's for good.
Both are confirmed with DocuSign first: one GET under the connection's own credentials, the
same GET the archive would need anyway. A message about another DocuSign account, or about an
envelope the connection's user did not send, is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from aws_lambda_powertools import Logger

from ..actions.ownership import envelope_sender, may_own
from ..actions.senders import client_as
from ..container import Services
from ..domain import TERMINAL_STATUSES, Deadline
from ..errors import NotFound
from .merge import Snapshot
from .messages import ConnectEvent

logger = Logger(child=True)

# The confirming GET also lists the documents and the recipients' tabs, which the archive of a
# completed envelope uses (the documents, and the kind of each field of the form data).
CONFIRM_INCLUDE = "recipients,tabs,custom_fields,documents"


@dataclass(frozen=True)
class Confirmation:
    snapshot: Snapshot | None  # what to apply; None when the message is dropped
    skipped: str | None = None


def _drop(event: ConnectEvent, reason: str) -> Confirmation:
    logger.warning(
        "Connect message dropped",
        extra={"connection": event.connection, "envelope_id": event.envelope_id, "why": reason},
    )
    return Confirmation(None, reason)


def _same_id(a: Any, b: Any) -> bool:
    return str(a or "").strip().lower() == str(b or "").strip().lower()


def confirm_connect_event(
    services: Services, event: ConnectEvent, deadline: Deadline = None
) -> Confirmation:
    """The snapshot to apply for this message: the message itself when it changes nothing
    for good, otherwise what DocuSign confirms."""
    snapshot = Snapshot.from_connect(event)
    record = services.store.get(event.envelope_id)
    if record is not None and record.connection != event.connection:
        return _drop(event, "other connection")
    connection = services.connections.get(event.connection)
    account = services.tokens.account(connection)
    if event.account_id and not _same_id(event.account_id, account.account_id):
        return _drop(event, "other account")
    claims_final = snapshot.status in TERMINAL_STATUSES
    if record is not None and (not claims_final or record.status == snapshot.status):
        return Confirmation(snapshot)  # reversible: later events and the reconciler correct it
    # Asked as the envelope's sender (DESIGN §12): the record's, or for an envelope first seen
    # the one the message names, when the connection may send as them.
    sender = record.sender_user_id if record is not None else None
    if record is None and may_own(services, event.connection, event.summary):
        sender = envelope_sender(event.summary)
    client = client_as(services, event.connection, sender, deadline)
    try:
        envelope = client.get_envelope(event.envelope_id, include=CONFIRM_INCLUDE)
    except NotFound:
        return _drop(event, "not an envelope of this connection's account")
    if record is None and not may_own(services, event.connection, envelope):
        # Connections sharing a DocuSign account each track only their own user's envelopes.
        return _drop(event, "another user's envelope")
    status = str(envelope.get("status") or "").lower()
    if claims_final and status != snapshot.status:
        logger.warning(
            "Connect message claims a final status DocuSign does not confirm",
            extra={
                "connection": event.connection,
                "envelope_id": event.envelope_id,
                "claimed": snapshot.status,
                "docusign": status,
            },
        )
        return Confirmation(
            replace(
                Snapshot.from_listing(event.connection, envelope),
                source="docusign",
                with_tabs=True,
            )
        )
    if claims_final:
        return Confirmation(replace(snapshot, summary=envelope, with_tabs=True))
    return Confirmation(snapshot)
