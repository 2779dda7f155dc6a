"""The connector's records and the statuses they move through.

Statuses are DocuSign's, lower-cased. An envelope goes created → sent → delivered → signed →
completed, or ends declined or voided; `correct` is DocuSign's status while a sender corrects it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Seconds left in the current invocation (the Lambda's remaining time); None outside Lambda.
Deadline = Callable[[], float] | None


class EnvelopeStatus(StrEnum):
    CREATED = "created"
    SENT = "sent"
    DELIVERED = "delivered"
    SIGNED = "signed"
    COMPLETED = "completed"
    DECLINED = "declined"
    VOIDED = "voided"
    CORRECT = "correct"
    PROCESSING = "processing"


class RecipientStatus(StrEnum):
    CREATED = "created"
    SENT = "sent"
    AUTORESPONDED = "autoresponded"
    AUTHENTICATION_FAILED = "authenticationfailed"
    FAX_PENDING = "faxpending"
    DELIVERED = "delivered"
    SIGNED = "signed"
    COMPLETED = "completed"
    DECLINED = "declined"


# A final status never changes again.
TERMINAL_STATUSES = frozenset(
    {EnvelopeStatus.COMPLETED, EnvelopeStatus.DECLINED, EnvelopeStatus.VOIDED}
)
# DocuSign voids only envelopes in these states (ENVELOPE_CANNOT_VOID_INVALID_STATE otherwise).
VOIDABLE_STATUSES = frozenset({EnvelopeStatus.SENT, EnvelopeStatus.DELIVERED})

# How far an envelope has got: a report of a lower rank at the same moment is older.
STATUS_RANK: dict[str, int] = {
    EnvelopeStatus.CREATED: 1,
    EnvelopeStatus.CORRECT: 2,
    EnvelopeStatus.SENT: 2,
    EnvelopeStatus.DELIVERED: 3,
    EnvelopeStatus.SIGNED: 4,
    EnvelopeStatus.COMPLETED: 5,
    EnvelopeStatus.DECLINED: 5,
    EnvelopeStatus.VOIDED: 5,
}
# How far a recipient has got; a recipient's status never goes back.
RECIPIENT_RANK: dict[str, int] = {
    RecipientStatus.CREATED: 1,
    RecipientStatus.SENT: 2,
    RecipientStatus.AUTORESPONDED: 2,
    RecipientStatus.AUTHENTICATION_FAILED: 2,
    RecipientStatus.FAX_PENDING: 2,
    RecipientStatus.DELIVERED: 3,
    RecipientStatus.SIGNED: 4,
    RecipientStatus.COMPLETED: 5,
    RecipientStatus.DECLINED: 5,
}

# DocuSign's recipient groups (envelope `recipients` object) and the type of one member.
RECIPIENT_TYPES: dict[str, str] = {
    "signers": "signer",
    "carbonCopies": "carbonCopy",
    "agents": "agent",
    "editors": "editor",
    "intermediaries": "intermediary",
    "certifiedDeliveries": "certifiedDelivery",
    "inPersonSigners": "inPersonSigner",
    "witnesses": "witness",
    "seals": "seal",
    "notaries": "notary",
}


@dataclass
class RecipientState:
    type: str
    email: str | None = None
    name: str | None = None
    routing_order: int | None = None
    status: str | None = None
    signed_date_time: str | None = None
    declined_reason: str | None = None
    recipient_id: str | None = None
    auto_responded_reason: str | None = None  # why the mail to this recipient bounced
    # When the connector last corrected this recipient (just before asking DocuSign): what a
    # report of an earlier moment says of the recipient is about the old address, and stale.
    corrected_at: str | None = None


@dataclass
class StoredDocument:
    document_id: str
    name: str
    s3_key: str
    size_bytes: int
    sha256: str
    content_type: str = "application/pdf"
    kind: str = "content"  # content | summary


@dataclass
class EnvelopeRecord:
    envelope_id: str
    connection: str
    status: str
    source: str  # who last told us the status: connector | docusign | connect | reconcile
    email_subject: str | None = None
    status_changed_date_time: str | None = None
    sent_date_time: str | None = None
    completed_date_time: str | None = None
    voided_date_time: str | None = None
    voided_reason: str | None = None
    custom_fields: dict[str, str] = field(default_factory=dict)
    recipients: list[RecipientState] = field(default_factory=list)
    transaction_id: str | None = None
    created_at: str | None = None
    last_synced_at: str | None = None
    documents: list[StoredDocument] = field(default_factory=list)
    documents_archived: bool = False
    documents_fetched_at: str | None = None
    callback_url: str | None = None  # the caller's, told of every status change and bounce
    created_by: str | None = None  # the API caller who sent it (DESIGN §11), if one did
    # The DocuSign user it comes from (DESIGN §12), lower-cased; every call on it acts as them.
    sender_user_id: str | None = None
    sender_email: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True)
class HistoryItem:
    """One entry of an envelope's history."""

    event: str
    status: str | None
    date_time: str
    source: str
    recipient_id: str | None = None
    recipient_name: str | None = None
    recipient_email: str | None = None
    by: str | None = None  # the API caller whose request caused it, if one did


# The order in which DocuSign generates the events of one moment: an envelope is delivered
# before it is completed, a recipient acts before the envelope's status follows.
EVENT_SEQUENCE = (
    "envelope-created",
    "envelope-sent",
    "envelope-resent",
    "recipient-sent",
    "recipient-resent",
    "recipient-autoresponded",
    "recipient-delivered",
    "envelope-delivered",
    "recipient-completed",
    "recipient-declined",
    "envelope-completed",
    "envelope-declined",
    "envelope-voided",
)


def event_rank(event: str) -> int:
    return EVENT_SEQUENCE.index(event) if event in EVENT_SEQUENCE else len(EVENT_SEQUENCE)


def deadline_of(lambda_context: Any) -> Deadline:
    """The invocation's remaining time, from a Lambda context (None without one)."""
    if lambda_context is None:
        return None
    return lambda: float(lambda_context.get_remaining_time_in_millis()) / 1000
