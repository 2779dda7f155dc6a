"""Embedded views: the signing URL for a signer inside the caller's application, and the
sending / edit URL for a draft. DocuSign's URLs are single-use and short-lived, so they are
never stored: each call asks DocuSign for a new one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..container import Services, get_services
from ..domain import Deadline
from ..errors import BadRequest
from ..models.responses import ViewResponse
from ..models.views import MAX_FRAME_ANCESTORS_CHARS, RecipientViewRequest, SenderViewRequest
from .status import tracked_with_client

# Where DocuSign's signing session runs, by the account's API host: the origin Focused View's
# frameAncestors must include and its messageOrigins must be ("Docusign JS embedded
# reference": apps-d for the developer environment, apps for production; apps-s, stage).
SIGNING_ORIGINS = {
    "demo.docusign.net": "https://apps-d.docusign.com",
    "stage.docusign.net": "https://apps-s.docusign.com",
}
PRODUCTION_SIGNING_ORIGIN = "https://apps.docusign.com"


def signing_origin(base_uri: str) -> str:
    """The origin of the account's signing session: DocuSign's apps host for its own API hosts
    (production ones are www, na2, eu, … .docusign.net), else the API's own origin (the
    emulator serves its signing pages itself)."""
    parts = urlsplit(base_uri)
    host = (parts.hostname or "").lower()
    if host in SIGNING_ORIGINS:
        return SIGNING_ORIGINS[host]
    if host.endswith(".docusign.net"):
        return PRODUCTION_SIGNING_ORIGIN
    return f"{parts.scheme}://{parts.netloc}".lower()


def focused_view(request: RecipientViewRequest, origin: str) -> dict[str, Any]:
    """`frameAncestors` (the caller's, then DocuSign's signing origin) and `messageOrigins`
    (DocuSign's signing origin, the one member it takes); nothing for a classic view."""
    if not request.frame_ancestors:
        return {}
    ancestors = list(dict.fromkeys([*request.frame_ancestors, origin]))
    if len(",".join(ancestors)) > MAX_FRAME_ANCESTORS_CHARS:
        raise BadRequest(
            f"frameAncestors, with DocuSign's signing origin {origin}, are over DocuSign's "
            f"{MAX_FRAME_ANCESTORS_CHARS} characters for all origins together",
            code="FRAME_ANCESTORS_TOO_LONG",
        )
    messages = request.message_origins or [origin]
    if messages != [origin]:
        raise BadRequest(
            f"messageOrigins takes one origin, DocuSign's signing origin for this account: "
            f"{origin}",
            code="INVALID_MESSAGE_ORIGIN",
            details=[{"field": "messageOrigins", "expected": origin}],
        )
    return {"frameAncestors": ancestors, "messageOrigins": messages}


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
    body.update(focused_view(request, signing_origin(client.transport.account.base_uri)))
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
