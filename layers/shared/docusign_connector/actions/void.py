"""Cancel (void) an envelope, with a reason."""

from __future__ import annotations

from .. import clock
from ..container import Services, get_services
from ..domain import VOIDABLE_STATUSES, Deadline, EnvelopeStatus
from ..errors import Conflict
from ..models.requests import VoidEnvelopeRequest
from ..models.responses import VoidEnvelopeResponse
from .status import is_fresh, owned_record, tracked_record


def void_envelope(
    connection_name: str,
    envelope_id: str,
    request: VoidEnvelopeRequest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> VoidEnvelopeResponse:
    services = services or get_services()
    record = owned_record(services, connection_name, envelope_id)
    envelope_id = envelope_id.lower()
    connection = services.connections.get(connection_name)
    client = services.client(connection, deadline)
    if record is None:
        # Not tracked yet: voided only if it is this connection's to track (one GET first).
        record = tracked_record(services, client, connection_name, envelope_id)
    if record.status not in VOIDABLE_STATUSES and is_fresh(services, record):
        raise Conflict(
            f"envelope {envelope_id} is {record.status}; only envelopes in the 'Sent' or "
            "'Delivered' states may be voided",
            code="INVALID_STATE",
            details=[{"status": record.status}],
        )
    client.void_envelope(envelope_id, request.reason)
    voided_at = clock.now_iso()
    record.status = EnvelopeStatus.VOIDED
    record.source = "connector"
    record.voided_reason = request.reason
    record.voided_date_time = voided_at
    record.status_changed_date_time = voided_at
    record.last_synced_at = voided_at
    services.store.save(record)
    services.store.add_history(envelope_id, "envelope-voided", "voided", voided_at, "connector")
    return VoidEnvelopeResponse(
        envelope_id=envelope_id,
        status=EnvelopeStatus.VOIDED,
        voided_reason=request.reason,
        voided_date_time=voided_at,
        connection=connection_name,
    )
