"""The connection's DocuSign templates and their roles, for sending by templateId."""

from __future__ import annotations

from typing import Any

from .. import clock
from ..container import Services, get_services
from ..domain import RECIPIENT_TYPES, Deadline
from ..ids import validate_connection_name, validate_template_id
from ..models.queries import TemplatesQuery
from ..models.responses import (
    TemplateDocumentOut,
    TemplateOut,
    TemplateResponse,
    TemplateRoleDetailOut,
    TemplateRoleOut,
    TemplatesResponse,
)
from .template_fields import fetch_template, role_fields


def _roles(template: dict[str, Any]) -> list[TemplateRoleOut]:
    roles: list[TemplateRoleOut] = []
    for group, kind in RECIPIENT_TYPES.items():
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
    query: TemplatesQuery | None = None,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> TemplatesResponse:
    services = services or get_services()
    validate_connection_name(connection_name)
    query = query or TemplatesQuery()
    size = query.count or 50
    position = query.start or 0
    params = {"include": "recipients", "count": str(size), "start_position": str(position)}
    if query.search:
        params["search_text"] = query.search
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


def get_template(
    connection_name: str,
    template_id: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> TemplateResponse:
    """One template with each role's fields (label, type, required, options), so that a
    workflow can map its data to them."""
    services = services or get_services()
    validate_connection_name(connection_name)
    validate_template_id(template_id)
    client = services.client(services.connections.get(connection_name), deadline)
    template = fetch_template(client, template_id)
    fields_by_role = {
        str(entry.get("roleName")): role_fields(entry)
        for group in RECIPIENT_TYPES
        for entry in (template.get("recipients") or {}).get(group) or []
        if isinstance(entry, dict) and entry.get("roleName")
    }
    documents = [
        TemplateDocumentOut(
            document_id=str(d.get("documentId")),
            name=d.get("name"),
            pages=int(str(d.get("pages"))) if str(d.get("pages") or "").isdigit() else None,
        )
        for d in template.get("documents") or []
        if isinstance(d, dict) and d.get("documentId")
    ]
    return TemplateResponse(
        connection=connection_name,
        template_id=str(template.get("templateId") or template_id),
        name=template.get("name"),
        description=template.get("description") or None,
        email_subject=template.get("emailSubject") or None,
        last_modified=clock.normalize(template.get("lastModified")),
        roles=[
            TemplateRoleDetailOut(
                **role.model_dump(), fields=fields_by_role.get(role.role_name, [])
            )
            for role in _roles(template)
        ],
        documents=documents,
    )
