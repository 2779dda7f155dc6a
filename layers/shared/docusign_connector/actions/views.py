"""Embedded views: the signing URL for a signer inside the caller's application, and the
sending / edit URL for a draft. DocuSign's URLs are single-use and short-lived, so they are
never stored: each call asks DocuSign for a new one."""

from __future__ import annotations

from typing import Any

from ..container import Services, get_services
from ..domain import Deadline
from ..models.responses import ViewResponse
from ..models.views import RecipientViewRequest, SenderViewRequest
from .status import tracked_with_client


def recipient_view(
    connection_name: str,
    envelope_id: str,
    request: RecipientViewRequest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> ViewResponse:
    services = services or get_services()
    record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
    envelope_id = record.envelope_id
    body: dict[str, Any] = {
        "returnUrl": request.return_url,
        "authenticationMethod": request.authentication_method,
        "clientUserId": request.client_user_id,
        "userName": request.name,
        "email": request.email,
    }
    if request.recipient_id:
        body["recipientId"] = request.recipient_id
    view = client.create_recipient_view(envelope_id, body)
    return ViewResponse(
        envelope_id=envelope_id.lower(), url=str(view.get("url", "")), connection=connection_name
    )


def sender_view(
    connection_name: str,
    envelope_id: str,
    request: SenderViewRequest,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> ViewResponse:
    services = services or get_services()
    record, client = tracked_with_client(services, connection_name, envelope_id, deadline)
    envelope_id = record.envelope_id
    view = client.create_sender_view(envelope_id, {"returnUrl": request.return_url})
    return ViewResponse(
        envelope_id=envelope_id.lower(), url=str(view.get("url", "")), connection=connection_name
    )
