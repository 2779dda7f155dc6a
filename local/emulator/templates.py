"""Server templates: `GET/POST …/templates`, `GET …/templates/{templateId}`."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, jsonify, request

from . import rest
from .errors import DocuSignError, invalid_parameter
from .state import RECIPIENT_KINDS, EmulatorState
from .validation import build_template

TEMPLATE_NOT_FOUND = DocuSignError(400, "TEMPLATE_ID_INVALID", "Invalid template ID.")


def state() -> EmulatorState:
    return current_app.config["EMULATOR_STATE"]


def add_template(st: EmulatorState, record: dict[str, Any]) -> dict[str, Any]:
    with st.lock:
        now = st.timestamp()
        record["created"] = now
        record["lastModified"] = now
        st.templates[record["templateId"]] = record
        return record


def find_template(st: EmulatorState, account_id: str, template_id: str) -> dict[str, Any]:
    with st.lock:
        template = st.templates.get(template_id)
        if template is None or template["accountId"] != account_id:
            raise TEMPLATE_NOT_FOUND
        return template


def render_roles(template: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    count = 0
    for kind, recipient_type in RECIPIENT_KINDS.items():
        members = []
        for role in template["recipients"].get(kind, []):
            rendered = {k: v for k, v in role.items() if not k.startswith("_")}
            rendered.setdefault("routingOrder", "1")
            rendered["recipientType"] = recipient_type
            members.append(rendered)
        out[kind] = members
        count += len(members)
    out["recipientCount"] = str(count)
    return out


def render_template(template: dict[str, Any], include: set[str]) -> dict[str, Any]:
    owner = template["owner"]
    out: dict[str, Any] = {
        "templateId": template["templateId"],
        "uri": f"/templates/{template['templateId']}",
        "name": template["name"],
        "description": template["description"],
        "shared": template["shared"],
        "created": template["created"],
        "lastModified": template["lastModified"],
        "emailSubject": template["emailSubject"],
        "emailBlurb": template["emailBlurb"],
        "folderName": "Templates",
        "pageCount": str(sum(len(d["_pages"]) for d in template["documents"])),
        "owner": {
            "userName": owner["userName"],
            "userId": owner["userId"],
            "email": owner["email"],
        },
    }
    if "recipients" in include:
        out["recipients"] = render_roles(template)
    if "documents" in include:
        out["documents"] = [
            {
                "documentId": d["documentId"],
                "name": d["name"],
                "order": d["order"],
                "pages": str(len(d["_pages"])),
                "uri": f"/templates/{template['templateId']}/documents/{d['documentId']}",
            }
            for d in template["documents"]
        ]
    return out


@rest.bp.post("/templates")
def create_template(account_id: str):
    body = rest.json_body()
    record = build_template(
        body,
        account_id,
        rest.sender_of(g.user_id, account_id),
        strict_types=state().strict_types,
    )
    g.ignored_properties = record["_ignoredProperties"]
    g.coerced_properties = record["_coercedProperties"]
    template = add_template(state(), record)
    return (
        jsonify(
            {
                "templateId": template["templateId"],
                "name": template["name"],
                "uri": f"/templates/{template['templateId']}",
            }
        ),
        201,
    )


@rest.bp.get("/templates")
def list_templates(account_id: str):
    include = rest.include_set()
    search = (request.args.get("search_text") or "").strip().lower()
    try:
        count = int(request.args.get("count") or 2000)
        start = int(request.args.get("start_position") or 0)
    except ValueError as exc:
        raise invalid_parameter("'count' and 'start_position' must be integers.") from exc
    st = state()
    with st.lock:
        mine = [
            t
            for t in st.templates.values()
            if t["accountId"] == account_id and (not search or search in t["name"].lower())
        ]
        mine.sort(key=lambda t: t["name"].lower())
        page = mine[start : start + min(count, 2000)]
        return jsonify(
            {
                "resultSetSize": str(len(page)),
                "startPosition": str(start),
                "endPosition": str(start + len(page) - 1 if page else start),
                "totalSetSize": str(len(mine)),
                "envelopeTemplates": [render_template(t, include) for t in page],
            }
        )


@rest.bp.get("/templates/<template_id>")
def get_template(account_id: str, template_id: str):
    st = state()
    with st.lock:
        template = find_template(st, account_id, template_id)
        include = rest.include_set() | {"recipients", "documents"}
        return jsonify(render_template(template, include))
