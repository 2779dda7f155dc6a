"""The connection's tracked envelopes, from the table (no DocuSign call)."""

from __future__ import annotations

from ..container import Services, get_services
from ..ids import validate_connection_name
from ..models.queries import ListEnvelopesQuery
from ..models.responses import EnvelopeSummaryOut, ListEnvelopesResponse
from .status import sender_out


def list_tracked_envelopes(
    connection_name: str,
    query: ListEnvelopesQuery | None = None,
    *,
    services: Services | None = None,
) -> ListEnvelopesResponse:
    """Newest change first, optionally filtered by status and by the date of the last change."""
    services = services or get_services()
    validate_connection_name(connection_name)
    query = query or ListEnvelopesQuery.model_validate({})
    page = services.store.list_envelopes(
        connection_name,
        statuses=query.status,
        changed_from=query.changed_from,
        changed_to=query.changed_to,
        limit=query.page_size,
        next_token=query.next_token,
    )
    return ListEnvelopesResponse(
        connection=connection_name,
        envelopes=[
            EnvelopeSummaryOut(
                envelope_id=r.envelope_id,
                status=r.status,
                status_changed_date_time=r.status_changed_date_time,
                sent_date_time=r.sent_date_time,
                completed_date_time=r.completed_date_time,
                email_subject=r.email_subject,
                custom_fields=r.custom_fields,
                last_synced_date_time=r.last_synced_at,
                created_by=r.created_by,
                sender=sender_out(r),
            )
            for r in page.records
        ],
        next_token=page.next_token,
    )
