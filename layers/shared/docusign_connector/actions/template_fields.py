"""A template's fields by role, and the caller's values for them (prefill).

DocuSign fills a template's tab from `templateRoles[].tabs` when the tab's `tabLabel` (a radio
group's `groupName`) matches; a label that matches nothing is silently ignored by DocuSign, so
the connector reads the template first (only when values are given) and refuses unknown labels,
values a field cannot take, and empty values for required fields, before anything is sent.

A container keeps what it read of a template for a minute (`TEMPLATE_FIELDS_MAX_AGE_SECONDS`),
per connection: a bulk CSV of a thousand rows from one template reads it once, not a thousand
times out of the account's hourly DocuSign quota.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..domain import RECIPIENT_TYPES
from ..errors import BadRequest, ConnectorError, NotFound
from ..models.responses import TemplateFieldOut
from .tabs import TAB_GROUPS

if TYPE_CHECKING:
    from ..adapters.docusign.client import DocuSignClient
    from ..container import Services
    from ..models.requests import SendEnvelopeRequest

TEMPLATE_FIELDS_MAX_AGE_SECONDS = 60
TEMPLATE_FIELDS_KEPT = 64  # templates kept per container, the oldest read dropped first

FIELD_TYPE_OF_GROUP = {group: kind for kind, group in TAB_GROUPS.items()}
# Filled in by DocuSign or by the signer's own act: a sender cannot give them a value.
NOT_PREFILLABLE = frozenset({"signHere", "initialHere", "dateSigned", "approve", "decline"})
# Recipient groups whose members are a name and an e-mail, as a role of `templates` is.
FILLABLE_GROUPS = frozenset(
    {"signers", "carbonCopies", "certifiedDeliveries", "agents", "editors", "intermediaries"}
)
TEMPLATE_NOT_FOUND_CODES = frozenset({"TEMPLATE_ID_INVALID", "TEMPLATE_NOT_FOUND"})


def _flag(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def role_fields(role: dict[str, Any]) -> list[TemplateFieldOut]:
    """The fields of one template role, as the connector describes them."""
    fields: list[TemplateFieldOut] = []
    for group, entries in (role.get("tabs") or {}).items():
        kind = FIELD_TYPE_OF_GROUP.get(group)
        if kind is None or not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            if kind == "radioGroup":
                radios = [r for r in entry.get("radios") or [] if isinstance(r, dict)]
                fields.append(
                    TemplateFieldOut(
                        label=str(entry.get("groupName") or ""),
                        type=kind,
                        required=any(_flag(r.get("required")) for r in radios),
                        locked=any(_flag(r.get("locked")) for r in radios),
                        value=next(
                            (str(r.get("value")) for r in radios if _flag(r.get("selected"))),
                            None,
                        ),
                        options=[str(r.get("value") or "") for r in radios],
                    )
                )
                continue
            if kind in ("signHere", "initialHere"):
                required = not _flag(entry.get("optional"))
            else:
                required = _flag(entry.get("required"))
            options = None
            if kind == "list":
                options = [
                    str(item.get("value") or item.get("text") or "")
                    for item in entry.get("listItems") or []
                    if isinstance(item, dict)
                ]
            value = entry.get("value")
            if kind == "checkbox":
                value = "true" if _flag(entry.get("selected")) else None
            fields.append(
                TemplateFieldOut(
                    label=str(entry.get("tabLabel") or ""),
                    type=kind,
                    required=required,
                    locked=_flag(entry.get("locked")),
                    value=str(value) if value not in (None, "") else None,
                    options=options,
                )
            )
    return fields


def template_roles(template: dict[str, Any]) -> dict[str, list[TemplateFieldOut]]:
    """Each role name of a template with its fields."""
    roles: dict[str, list[TemplateFieldOut]] = {}
    for group in RECIPIENT_TYPES:
        for entry in (template.get("recipients") or {}).get(group) or []:
            if isinstance(entry, dict) and entry.get("roleName"):
                roles[str(entry["roleName"])] = role_fields(entry)
    return roles


def role_kinds(template: dict[str, Any]) -> dict[str, str]:
    """Each role name (lower case) of a template with its recipient group (signers, …)."""
    return {
        str(entry["roleName"]).lower(): group
        for group in RECIPIENT_TYPES
        for entry in (template.get("recipients") or {}).get(group) or []
        if isinstance(entry, dict) and entry.get("roleName")
    }


def fetch_template(client: DocuSignClient, template_id: str) -> dict[str, Any]:
    try:
        return client.get_template(template_id, include="tabs,documents")
    except ConnectorError as exc:
        codes = {str(d.get("docusignErrorCode") or "").upper() for d in exc.details}
        if codes & TEMPLATE_NOT_FOUND_CODES:
            raise NotFound(
                "there is no such template in this connection's DocuSign account",
                code="TEMPLATE_NOT_FOUND",
                details=exc.details,
            ) from None
        raise


def _prefill_tab(field: TemplateFieldOut, value: str, where: str) -> tuple[str, dict[str, Any]]:
    def refuse(message: str, code: str) -> BadRequest:
        return BadRequest(f"{message} ({where})", code=code, details=[{"field": where}])

    if field.type in NOT_PREFILLABLE:
        raise refuse(
            f"{field.type} field '{field.label}' cannot be given a value", "FIELD_VALUE_NOT_ALLOWED"
        )
    if value == "" and field.required:
        raise refuse(
            f"field '{field.label}' is required and cannot be empty", "TEMPLATE_FIELD_REQUIRED"
        )
    group = TAB_GROUPS[field.type]
    if field.type == "checkbox":
        if value not in ("true", "false"):
            raise refuse(f"checkbox '{field.label}' takes true or false", "INVALID_FIELD_VALUE")
        return group, {"tabLabel": field.label, "selected": value}
    if field.type in ("radioGroup", "list") and value not in (field.options or []):
        raise refuse(
            f"'{value[:60]}' is not an option of field '{field.label}' "
            f"({', '.join(field.options or [])})",
            "FIELD_VALUE_NOT_AN_OPTION",
        )
    if field.type == "radioGroup":
        return group, {"groupName": field.label, "radios": [{"value": value, "selected": "true"}]}
    return group, {"tabLabel": field.label, "value": value}


def cached_template_roles(
    services: Services, connection_name: str, client: DocuSignClient, template_id: str
) -> dict[str, list[TemplateFieldOut]]:
    """`template_roles` of a template of this connection, read at most once a minute."""
    return cached_template(services, connection_name, client, template_id)[0]


def cached_template(
    services: Services, connection_name: str, client: DocuSignClient, template_id: str
) -> tuple[dict[str, list[TemplateFieldOut]], dict[str, str]]:
    """`template_roles` and `role_kinds` of a template of this connection, read at most once
    a minute."""
    key = (connection_name, template_id)
    now = time.monotonic()
    with services.lock:
        kept = services.template_fields.get(key)
    if kept is not None and now - kept[0] < TEMPLATE_FIELDS_MAX_AGE_SECONDS:
        return dict(kept[1][0]), dict(kept[1][1])
    template = fetch_template(client, template_id)
    roles, kinds = template_roles(template), role_kinds(template)
    with services.lock:
        services.template_fields[key] = (now, (roles, kinds))
        while len(services.template_fields) > TEMPLATE_FIELDS_KEPT:
            oldest = min(services.template_fields, key=lambda k: services.template_fields[k][0])
            del services.template_fields[oldest]
    return dict(roles), dict(kinds)


def prefill_tabs(
    services: Services, connection_name: str, client: DocuSignClient, request: SendEnvelopeRequest
) -> dict[str, dict[str, Any]] | None:
    """`templateRoles[].tabs` for each role name, from the values the caller gave; None when no
    role has values (then the template is not even read)."""
    if not request.template_id or not any(role.fields for role in request.template_roles):
        return None
    found = cached_template_roles(services, connection_name, client, request.template_id)
    return role_tabs(found, request.template_roles, "templateRoles")


def composite_prefill(
    services: Services, connection_name: str, client: DocuSignClient, request: SendEnvelopeRequest
) -> list[tuple[dict[str, dict[str, Any]], dict[str, str]]]:
    """For each of `templates`: the prefilled tabs of its roles and each role's recipient
    group, by role name. Every template is read (at most once a minute): an unknown template
    or role, or a role the connector cannot fill, is refused before anything is sent."""
    out = []
    for index, template in enumerate(request.templates):
        try:
            found, kinds = cached_template(services, connection_name, client, template.template_id)
        except NotFound as exc:
            where = f"templates[{index}].templateId"
            raise BadRequest(
                f"there is no template {template.template_id} in this connection's DocuSign "
                f"account ({where})",
                code="TEMPLATE_NOT_FOUND",
                details=[{"field": where}],
            ) from exc
        owner = f"templates[{index}].roles"
        tabs = role_tabs(found, template.roles, owner)
        groups = {}
        for number, role in enumerate(template.roles):
            group = kinds[role.role_name.lower()]
            if group not in FILLABLE_GROUPS:
                where = f"{owner}[{number}].roleName"
                raise BadRequest(
                    f"role '{role.role_name}' of the template is a {RECIPIENT_TYPES[group]}, "
                    f"which templates cannot fill ({where}); send it with templateId and "
                    "templateRoles",
                    code="TEMPLATE_ROLE_NOT_SUPPORTED",
                    details=[{"field": where}],
                )
            groups[role.role_name] = group
        out.append((tabs, groups))
    return out


def role_tabs(
    found: dict[str, list[TemplateFieldOut]], wanted: Sequence[Any], prefix: str
) -> dict[str, dict[str, Any]]:
    """The tabs of each given role (by role name) from its field values; a role the template
    does not have is refused."""
    roles = {name.lower(): (name, fields) for name, fields in found.items()}
    out: dict[str, dict[str, Any]] = {}
    for index, role in enumerate(wanted):
        owner = f"{prefix}[{index}]"
        if role.role_name.lower() not in roles:
            raise BadRequest(
                f"the template has no role '{role.role_name}' ({owner}.roleName); its roles: "
                f"{', '.join(name for name, _ in roles.values())}",
                code="TEMPLATE_ROLE_NOT_FOUND",
                details=[{"field": f"{owner}.roleName"}],
            )
        _, fields = roles[role.role_name.lower()]
        by_label = {f.label: f for f in fields if f.label}
        tabs: dict[str, list[dict[str, Any]]] = {}
        given: set[str] = set()
        for number, item in enumerate(role.fields):
            where = f"{owner}.fields[{number}]"
            field = by_label.get(item.label)
            if field is None:
                raise BadRequest(
                    f"role '{role.role_name}' of the template has no field labelled "
                    f"'{item.label}' ({where})",
                    code="TEMPLATE_FIELD_NOT_FOUND",
                    details=[{"field": where, "label": item.label}],
                )
            if item.label in given:
                raise BadRequest(
                    f"field '{item.label}' is given twice ({where})",
                    code="DUPLICATE_FIELD",
                    details=[{"field": where}],
                )
            given.add(item.label)
            group, entry = _prefill_tab(field, item.value, where)
            tabs.setdefault(group, []).append(entry)
        for field in fields:
            # The signer cannot fill a locked field: a required one needs its value now.
            if field.required and field.locked and not field.value and field.label not in given:
                raise BadRequest(
                    f"field '{field.label}' of role '{role.role_name}' is required and locked "
                    f"(only the sender can fill it) but has no value ({owner}.fields)",
                    code="TEMPLATE_FIELD_REQUIRED",
                    details=[{"field": f"{owner}.fields", "label": field.label}],
                )
        out[role.role_name] = tabs
    return out
