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
from .status import owned_record, status_response, sync_envelope, tracked_record

logger = Logger(child=True)

GROUP_OF_TYPE = {kind: group for group, kind in RECIPIENT_TYPES.items()}


def recipient_not_found(recipient_id: str) -> NotFound:
    return NotFound(
        f"recipient {recipient_id[:20]!r} is not a recipient of this envelope",
        code="RECIPIENT_NOT_FOUND",
    )


def _tracked(
    services: Services, client: DocuSignClient, connection: str, envelope_id: str
) -> EnvelopeRecord:
    """The table's record, fetched from DocuSign once when the envelope is not tracked yet
    (its recipients' groups are needed to address them)."""
    record = owned_record(services, connection, envelope_id)
    if record is None or not record.recipients:
        record = sync_envelope(services, client, connection, envelope_id.lower(), record)[0]
    return record


def _find(record: EnvelopeRecord, recipient_id: str) -> RecipientState:
    for recipient in record.recipients:
        if recipient.recipient_id == recipient_id:
            return recipient
    raise recipient_not_found(recipient_id)


def _correction(recipient_id: str, request: CorrectRecipientRequest) -> dict[str, Any]:
    """DocuSign's recipient object with only what changes: an e-mail given is mailed."""
    entry: dict[str, Any] = {"recipientId": recipient_id}
    if request.email is not None:
        entry["email"] = request.email
    if request.name is not None:
        entry["name"] = request.name
    auth = request.authentication
    if auth is not None and auth.access_code is not None:
        entry["accessCode"] = auth.access_code
    elif auth is not None and auth.sms is not None:
        entry["idCheckConfigurationName"] = "SMS Auth $"
        entry["smsAuthentication"] = {"senderProvidedNumbers": [auth.sms]}
    elif auth is not None and auth.phone is not None:
        entry["idCheckConfigurationName"] = "Phone Auth $"
        entry["phoneAuthentication"] = {
            "recipMayProvideNumber": "false",
            "senderProvidedNumbers": [auth.phone],
        }
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
    connection = services.connections.get(connection_name)
    client = services.client(connection, deadline)
    record = _tracked(services, client, connection_name, envelope_id)
    recipient = _find(record, recipient_id)
    group = GROUP_OF_TYPE.get(recipient.type, "signers")
    # Taken before DocuSign is asked: whatever DocuSign reports of an earlier moment is about
    # the recipient as it was (a late or redelivered bounce of the old address).
    corrected_at = clock.now_iso()
    after_send.update_recipients(
        client, record.envelope_id, {group: [_correction(recipient_id, request)]}
    )
    corrected = replace(
        recipient,
        email=request.email or recipient.email,
        name=request.name or recipient.name,
        corrected_at=corrected_at,
    )
    if request.email is not None:
        # DocuSign mails the new address: the bounce, if any, is over.
        corrected = replace(corrected, status=RecipientStatus.SENT, auto_responded_reason=None)
    record.recipients = [corrected if r is recipient else r for r in record.recipients]
    record = services.store.save(record)
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
    connection = services.connections.get(connection_name)
    client = services.client(connection, deadline)
    if not wanted:
        # Not tracked yet: resent only if it is this connection's to track (one GET first).
        record = tracked_record(services, client, connection_name, envelope_id)
        if record.terminal:
            raise Conflict(
                f"the envelope is {record.status}: there is no one left to notify",
                code="INVALID_STATE",
            )
        after_send.resend_envelope(client, record.envelope_id)
    else:
        record = _tracked(services, client, connection_name, envelope_id)
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
