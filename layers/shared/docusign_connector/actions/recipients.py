"""After the send: correcting a recipient who has not signed (resent to that recipient only,
signatures already made kept) and resending notifications."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aws_lambda_powertools import Logger

from .. import clock
from ..adapters.docusign import after_send
from ..adapters.docusign.client import DocuSignClient
from ..container import Services, get_services
from ..domain import RECIPIENT_TYPES, Deadline, EnvelopeRecord, RecipientState, RecipientStatus
from ..errors import Conflict, NotFound
from ..models.after_send import CorrectRecipientRequest, ResendEnvelopeRequest, is_recipient_id
from ..models.responses import EnvelopeStatusResponse
from .authentication import (
    AccountWorkflows,
    forget_workflows,
    recipient_authentication,
    refuse_unavailable_authentication,
    workflows_for,
)
from .changes import update_envelope
from .senders import client_for
from .status import owned_record, status_response, sync_envelope, tracked_with_client

logger = Logger(child=True)

GROUP_OF_TYPE = {kind: group for group, kind in RECIPIENT_TYPES.items()}


def recipient_not_found(recipient_id: str) -> NotFound:
    return NotFound(
        f"recipient {recipient_id[:20]!r} is not a recipient of this envelope",
        code="RECIPIENT_NOT_FOUND",
    )


def _refuse_finished(record: EnvelopeRecord) -> None:
    """A finished envelope has no one left to notify or correct: DocuSign would refuse the
    call (ENVELOPE_INVALID_STATUS), so it is not made."""
    if record.terminal:
        raise Conflict(
            f"the envelope is {record.status}: its recipients can no longer be corrected or "
            "notified",
            code="INVALID_STATE",
            details=[{"status": record.status}],
        )


def _tracked(
    services: Services, connection: str, envelope_id: str, deadline: Deadline
) -> tuple[EnvelopeRecord, DocuSignClient]:
    """The table's record, fetched from DocuSign once when the envelope is not tracked yet
    (its recipients' groups are needed to address them), and a client acting as its sender.
    A finished envelope is a 409 before any call that would change it."""
    record = owned_record(services, connection, envelope_id)
    if record is not None:
        _refuse_finished(record)
    if record is None or not record.recipients:
        client = client_for(services, connection, record, deadline)
        record = sync_envelope(services, client, connection, envelope_id.lower(), record)[0]
        _refuse_finished(record)
    return record, client_for(services, connection, record, deadline)


def _find(record: EnvelopeRecord, recipient_id: str) -> RecipientState:
    for recipient in record.recipients:
        if recipient.recipient_id == recipient_id:
            return recipient
    raise recipient_not_found(recipient_id)


def _correction(
    recipient_id: str, request: CorrectRecipientRequest, workflows: AccountWorkflows | None
) -> dict[str, Any]:
    """DocuSign's recipient object with only what changes: an e-mail given is mailed. The
    authentication comes from the builder the send uses."""
    entry: dict[str, Any] = {"recipientId": recipient_id}
    if request.email is not None:
        entry["email"] = request.email
    if request.name is not None:
        entry["name"] = request.name
    entry.update(recipient_authentication(request.authentication, workflows))
    return entry


def correct_recipient(
    connection_name: str,
    envelope_id: str,
    recipient_id: str,
    request: CorrectRecipientRequest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> EnvelopeStatusResponse:
    """Correct a recipient's e-mail, name or authentication and mail them again. One who has
    signed, or a finished envelope, is a 409 with DocuSign's reason."""
    services = services or get_services()
    if not is_recipient_id(recipient_id):
        raise recipient_not_found(recipient_id)
    record, client = _tracked(services, connection_name, envelope_id, deadline)
    recipient = _find(record, recipient_id)
    group = GROUP_OF_TYPE.get(recipient.type, "signers")
    auths = [request.authentication]
    # Taken before DocuSign is asked: whatever DocuSign reports of an earlier moment is about
    # the recipient as it was (a late or redelivered bounce of the old address).
    corrected_at = clock.now_iso()
    workflows = workflows_for(services, connection_name, client, auths)
    with refuse_unavailable_authentication(
        auths, lambda: forget_workflows(services, connection_name)
    ):
        after_send.update_recipients(
            client, record.envelope_id, {group: [_correction(recipient_id, request, workflows)]}
        )

    def corrected(current: EnvelopeRecord | None) -> EnvelopeRecord | None:
        # Applied to what the table holds now: a status Connect wrote meanwhile stays.
        if current is None:
            return None
        recipients = []
        for one in current.recipients:
            if one.recipient_id == recipient_id:
                one = replace(
                    one,
                    email=request.email or one.email,
                    name=request.name or one.name,
                    corrected_at=corrected_at,
                )
                if request.email is not None:
                    # DocuSign mails the new address: the bounce, if any, is over.
                    one = replace(one, status=RecipientStatus.SENT, auto_responded_reason=None)
            recipients.append(one)
        return replace(current, recipients=recipients)

    record = (
        update_envelope(
            services,
            record.envelope_id,
            corrected,
            event="recipient-corrected",
            source="connector",
            at=None,
        )
        or record
    )
    services.store.add_history(
        record.envelope_id,
        "recipient-corrected",
        record.status,
        clock.now_iso(),
        "connector",
        recipient_id,
    )
    logger.info(
        "recipient corrected",
        extra={
            "envelope_id": record.envelope_id,
            "recipient_id": recipient_id,
            "fields": sorted(request.model_dump(exclude_none=True)),
            "docusign_calls": client.calls,
        },
    )
    return status_response(record, None)


def resend_envelope(
    connection_name: str,
    envelope_id: str,
    request: ResendEnvelopeRequest | None = None,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> EnvelopeStatusResponse:
    """Mail the current recipients again now, or only the recipients named."""
    services = services or get_services()
    wanted = request.recipient_ids if request is not None else None
    if not wanted:
        # Not tracked yet: resent only if it is this connection's to track (one GET first).
        record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
        _refuse_finished(record)
        after_send.resend_envelope(client, record.envelope_id)
    else:
        record, client = _tracked(services, connection_name, envelope_id, deadline)
        groups: dict[str, list[dict[str, Any]]] = {}
        for recipient_id in dict.fromkeys(wanted):
            recipient = _find(record, recipient_id)
            group = GROUP_OF_TYPE.get(recipient.type, "signers")
            groups.setdefault(group, []).append({"recipientId": recipient_id})
        after_send.update_recipients(client, record.envelope_id, groups)
    services.store.add_history(
        record.envelope_id, "envelope-resent", record.status, clock.now_iso(), "connector"
    )
    logger.info(
        "envelope resent",
        extra={
            "envelope_id": record.envelope_id,
            "recipients": list(wanted or []),
            "docusign_calls": client.calls,
        },
    )
    return status_response(record, None)
