"""The connection's DocuSign templates and their roles, for sending by templateId."""

from __future__ import annotations

from typing import Any

from . import clock
from .connections import validate_connection_name
from .errors import BadRequest
from .models import TemplateOut, TemplateRoleOut, TemplatesResponse
from .service import Services, get_services

_ROLE_TYPES = {
    "signers": "signer",
    "carbonCopies": "carbonCopy",
    "inPersonSigners": "inPersonSigner",
    "certifiedDeliveries": "certifiedDelivery",
    "agents": "agent",
    "editors": "editor",
    "intermediaries": "intermediary",
    "witnesses": "witness",
}
MAX_COUNT = 100
MAX_SEARCH = 48  # DocuSign's limit on search_text


def _roles(template: dict[str, Any]) -> list[TemplateRoleOut]:
    roles: list[TemplateRoleOut] = []
    for group, kind in _ROLE_TYPES.items():
        for entry in (template.get("recipients") or {}).get(group) or []:
            if not entry.get("roleName"):
                continue
            order = str(entry.get("routingOrder") or "")
            roles.append(
                TemplateRoleOut(
                    role_name=str(entry["roleName"]),
                    type=kind,
                    routing_order=int(order) if order.isdigit() else None,
                )
            )
    return sorted(roles, key=lambda r: (r.routing_order or 0, r.role_name))


def list_templates(
    connection_name: str,
    *,
    search: str | None = None,
    count: str | None = None,
    start: str | None = None,
    deadline: Any = None,
    services: Services | None = None,
) -> TemplatesResponse:
    services = services or get_services()
    validate_connection_name(connection_name)
    try:
        size = int(count) if count else 50
        position = int(start) if start else 0
    except ValueError:
        raise BadRequest("count and start must be numbers", code="INVALID_PAGING") from None
    if not 1 <= size <= MAX_COUNT or position < 0:
        raise BadRequest(f"count must be 1-{MAX_COUNT} and start at least 0", code="INVALID_PAGING")
    if search and len(search) > MAX_SEARCH:
        raise BadRequest(f"search is limited to {MAX_SEARCH} characters", code="SEARCH_TOO_LONG")
    params = {"include": "recipients", "count": str(size), "start_position": str(position)}
    if search:
        params["search_text"] = search
    client = services.client(services.connections.get(connection_name), deadline)
    result = client.list_templates(params)
    templates = [
        TemplateOut(
            template_id=str(t.get("templateId")),
            name=t.get("name"),
            description=t.get("description") or None,
            email_subject=t.get("emailSubject") or None,
            last_modified=clock.normalize(t.get("lastModified")),
            roles=_roles(t),
        )
        for t in result.get("envelopeTemplates") or []
        if isinstance(t, dict) and t.get("templateId")
    ]
    total = int(str(result.get("totalSetSize") or len(templates)))
    following = position + len(templates)
    return TemplatesResponse(
        connection=connection_name,
        templates=templates,
        total=total,
        next_start=following if following < total and templates else None,
    )
