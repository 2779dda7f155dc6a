"""Cancel (void) an envelope, with a reason."""

from __future__ import annotations

from dataclasses import replace

from .. import clock
from ..container import Services, get_services
from ..domain import VOIDABLE_STATUSES, Deadline, EnvelopeRecord, EnvelopeStatus
from ..errors import Conflict
from ..models.requests import VoidEnvelopeRequest
from ..models.responses import VoidEnvelopeResponse
from .changes import update_envelope
from .status import is_fresh, tracked_with_client

VOIDED_EVENT = "envelope-voided"


def void_envelope(
    connection_name: str,
    envelope_id: str,
    request: VoidEnvelopeRequest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> VoidEnvelopeResponse:
    services = services or get_services()
    # Not tracked yet: voided only if it is this connection's to track (one GET first); as its
    # sender, whom DocuSign lets void it.
    record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
    envelope_id = envelope_id.lower()
    if record.status not in VOIDABLE_STATUSES and is_fresh(services, record):
        raise Conflict(
            f"envelope {envelope_id} is {record.status}; only envelopes in the 'Sent' or "
            "'Delivered' states may be voided",
            code="INVALID_STATE",
            details=[{"status": record.status}],
        )
    client.void_envelope(envelope_id, request.reason)
    voided_at = clock.now_iso()

    def voided(current: EnvelopeRecord | None) -> EnvelopeRecord | None:
        if current is not None and current.status == EnvelopeStatus.VOIDED:
            return None  # Connect told it first, with DocuSign's own dates
        # DocuSign has voided it: whatever else the table held meanwhile, this is final.
        base = current or EnvelopeRecord(
            envelope_id=envelope_id,
            connection=connection_name,
            status=EnvelopeStatus.VOIDED,
            source="connector",
            created_at=voided_at,
        )
        return replace(
            base,
            status=EnvelopeStatus.VOIDED,
            source="connector",
            voided_reason=request.reason,
            voided_date_time=voided_at,
            status_changed_date_time=voided_at,
            last_synced_at=voided_at,
        )

    # Published like a change DocuSign reports (once: Connect's `envelope-voided` for it
    # then finds the envelope voided already, and publishes nothing more).
    update_envelope(
        services, envelope_id, voided, event=VOIDED_EVENT, source="connector", at=voided_at
    )
    return VoidEnvelopeResponse(
        envelope_id=envelope_id,
        status=EnvelopeStatus.VOIDED,
        voided_reason=request.reason,
        voided_date_time=voided_at,
        connection=connection_name,
    )
