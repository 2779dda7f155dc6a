"""`templates` of a send as DocuSign's `compositeTemplates`.

One composite template per template: the server template (sequence 1) overlaid by an inline
template (sequence 2) whose recipients fill the template's roles, matched by `roleName`, each
in the template's recipient group for it (signers, carbonCopies, …); the
template's own document, when given, as the composite's `document` (it replaces the
template's documents). Each of the send's `documents` follows in a composite template of its
own (the document, and an inline template with the same recipients), as DocuSign's code
example "use embedded signing from a template with an added document" (eg013) adds one. A
person (same e-mail, name and recipient group) in several templates is one recipient (one
recipientId).
DocuSign ignores the root's custom fields with composite templates: they go in the first
inline template.
"""

from __future__ import annotations

from typing import Any

from ..models.requests import CompositeRole, SendEnvelopeRequest
from .authentication import AccountWorkflows, recipient_authentication
from .tabs import email_notification


def _document(index: int, name: str, extension: str) -> dict[str, Any]:
    return {"documentId": str(index), "name": name, "fileExtension": extension}


RoleFacts = tuple[dict[str, dict[str, Any]], dict[str, str]]


def composite_templates(
    request: SendEnvelopeRequest,
    extensions: list[str],
    facts: list[RoleFacts],
    workflows: AccountWorkflows | None,
    routing_orders: Any,
) -> list[dict[str, Any]]:
    """`extensions` holds the file extension of each document of the send, the templates'
    own documents first (in the templates' order), then `documents`; `facts`, for each
    template, the prefilled tabs of its roles and each role's recipient group (signers,
    carbonCopies, …: the template's), by role name."""
    people: dict[tuple[str, str, str], tuple[str, CompositeRole]] = {}
    for template, (_, groups) in zip(request.templates, facts, strict=True):
        for role in template.roles:
            key = (role.email.lower(), role.name, groups.get(role.role_name, "signers"))
            people.setdefault(key, (str(len(people) + 1), role))
    orders = routing_orders([role.signing_order for _, role in people.values()])
    order_of = {key: str(order) for key, order in zip(people, orders, strict=True)}

    def recipient(role: CompositeRole, group: str, tabs: dict[str, Any] | None) -> dict[str, Any]:
        key = (role.email.lower(), role.name, group)
        return {
            "email": role.email,
            "name": role.name,
            "roleName": role.role_name,
            "recipientId": people[key][0],
            "routingOrder": order_of[key],
            **recipient_authentication(role.authentication, workflows),
            **email_notification(role.email_notification),
            **({"tabs": tabs} if tabs else {}),
        }

    def grouped(entries: list[tuple[str, dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for group, entry in entries:
            out.setdefault(group, []).append(entry)
        return out

    out: list[dict[str, Any]] = []
    next_extension = iter(extensions)
    for index, (template, (tabs, groups)) in enumerate(zip(request.templates, facts, strict=True)):
        members = []
        for role in template.roles:
            group = groups.get(role.role_name, "signers")
            members.append((group, recipient(role, group, tabs.get(role.role_name))))
        composite: dict[str, Any] = {
            "compositeTemplateId": str(index + 1),
            "serverTemplates": [{"sequence": "1", "templateId": template.template_id}],
            "inlineTemplates": [{"sequence": "2", "recipients": grouped(members)}],
        }
        if template.document is not None:
            composite["document"] = _document(1, template.document.name, next(next_extension))
        out.append(composite)
    everyone = grouped(
        [(key[2], recipient(role, key[2], None)) for key, (_, role) in people.items()]
    )
    for doc in request.documents:
        out.append(
            {
                "compositeTemplateId": str(len(out) + 1),
                "inlineTemplates": [{"sequence": "1", "recipients": everyone}],
                "document": _document(1, doc.name, next(next_extension)),
            }
        )
    if request.custom_fields:
        out[0]["inlineTemplates"][0]["customFields"] = {
            "textCustomFields": [
                {"name": key, "value": value, "show": "false", "required": "false"}
                for key, value in request.custom_fields.items()
            ]
        }
    return out


def composite_recipients(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Each recipient of the composite templates once, with its group (for the send's own
    record)."""
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for composite in definition.get("compositeTemplates") or []:
        for inline in composite.get("inlineTemplates") or []:
            for group, entries in (inline.get("recipients") or {}).items():
                for entry in entries:
                    seen.setdefault(entry["recipientId"], (group, entry))
    return list(seen.values())
