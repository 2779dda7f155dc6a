"""An envelope's audit events: who did what, when and from where, from DocuSign's audit log
of the envelope (one call, as the envelope's sender)."""

from __future__ import annotations

from ..adapters.docusign import after_send
from ..container import Services, get_services
from ..domain import Deadline
from ..models.audit_events import AuditEventOut, AuditEventsResponse
from .status import tracked_with_client


def get_audit_events(
    connection_name: str,
    envelope_id: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> AuditEventsResponse:
    services = services or get_services()
    record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
    events = after_send.list_audit_events(client, record.envelope_id)
    return AuditEventsResponse(
        envelope_id=record.envelope_id,
        connection=connection_name,
        events=[AuditEventOut.from_fields(fields) for fields in events],
    )
