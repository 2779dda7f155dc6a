"""DocuSign Document Generation: list a DocGen template's sender fields, and fill them at send.

DocuSign's flow (its document generation guide and code example 42): a draft envelope from
the template, `GET …/docGenFormFields` for the fields, `PUT …/docGenFormFields` with the
values by name, then the draft is sent. DocuSign does not validate Number, Date or Select
values, so the connector checks them against the field's type before the PUT.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger

from ..adapters.docusign.client import DocuSignClient
from ..adapters.docusign.docgen import (
    delete_drafts,
    get_docgen_form_fields,
    send_draft,
    update_docgen_form_fields,
)
from ..container import Services, get_services
from ..domain import Deadline
from ..errors import BadRequest, Conflict, ConnectorError, NotFound
from ..ids import validate_connection_name, validate_template_id
from ..models.docgen import DocGenFieldOut, DocGenFieldsResponse, DocGenOptionOut
from .template_fields import TEMPLATE_NOT_FOUND_CODES

logger = Logger(child=True)

# DocuSign's Number: optional leading minus, optional comma thousands separators, a period
# and up to two decimals; from -999999999.99 to 999999999.99.
_NUMBER = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{1,2})?")
MAX_NUMBER = 999_999_999.99
# DocuSign's Date formats: MM/DD/YYYY, DD/MM/YYYY, YYYY/MM/DD.
_DATE = re.compile(r"\d{2}/\d{2}/\d{4}|\d{4}/\d{2}/\d{2}")
_DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d")


def _is_true(value: Any) -> bool:
    return str(value).strip().lower() == "true"


def fields_of(entries: list[dict[str, Any]]) -> list[DocGenFieldOut]:
    """DocuSign's docGenFormFields (one entry per DocGen document) → our field list."""
    out = []
    for entry in entries:
        for field in entry.get("docGenFormFieldList") or []:
            if not isinstance(field, dict) or not field.get("name"):
                continue
            rows = field.get("rowValues") or [{}]
            columns = (rows[0] or {}).get("docGenFormFieldList") or [] if rows else []
            out.append(
                DocGenFieldOut(
                    name=str(field["name"]),
                    label=field.get("label"),
                    type=str(field.get("type") or "TextBox"),
                    required=_is_true(field.get("required")),
                    options=[
                        DocGenOptionOut(value=str(o.get("value")), label=o.get("label"))
                        for o in field.get("options") or []
                        if isinstance(o, dict) and o.get("value") is not None
                    ],
                    columns=[
                        str(c["name"]) for c in columns if isinstance(c, dict) and "name" in c
                    ],
                    document_id=entry.get("documentId"),
                )
            )
    return out


def _problem(field: DocGenFieldOut, value: str) -> str | None:
    """Why `value` does not fit the field's type (None when it does)."""
    text = value.strip()
    if not text and field.type != "TableRow":
        return None  # left empty (a required field without a value is refused before)
    if field.type == "Number":
        if not _NUMBER.fullmatch(text) or abs(float(text.replace(",", ""))) > MAX_NUMBER:
            return "a number (up to two decimals, from -999999999.99 to 999999999.99)"
    elif field.type == "Date":
        if not _DATE.fullmatch(text) or not any(_parses(text, f) for f in _DATE_FORMATS):
            return "a date as MM/DD/YYYY, DD/MM/YYYY or YYYY/MM/DD"
    elif field.type == "Select":
        allowed = [o.value for o in field.options]
        if value not in allowed:
            return "one of: " + ", ".join(allowed)
    elif field.type == "TableRow":
        return "a dynamic table, which a send does not fill"
    return None


def _parses(text: str, form: str) -> bool:
    try:
        datetime.strptime(text, form)
    except ValueError:
        return False
    return True


def check_values(entries: list[dict[str, Any]], values: dict[str, str]) -> dict[str, Any]:
    """The PUT body for `values`, refused (400, nothing sent) when a name is unknown, a
    required field has no value or a value does not fit its field's type."""
    fields = fields_of(entries)
    if not fields:
        raise BadRequest(
            "the template has no document generation (DocGen) fields",
            code="DOCGEN_NOT_A_DOCGEN_TEMPLATE",
        )
    known = {f.name for f in fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise BadRequest(
            "docGenFields names fields the template does not have: " + ", ".join(unknown),
            code="DOCGEN_FIELD_UNKNOWN",
            details=[{"field": name} for name in unknown] + [{"known": sorted(known)}],
        )
    missing = sorted({f.name for f in fields if f.required and not values.get(f.name, "").strip()})
    if missing:
        raise BadRequest(
            "required DocGen fields have no value: " + ", ".join(missing),
            code="DOCGEN_FIELD_REQUIRED",
            details=[{"field": name} for name in missing],
        )
    wrong = []
    for field in fields:
        if field.name in values:
            why = _problem(field, values[field.name])
            if why:
                wrong.append({"field": field.name, "type": field.type, "expected": why})
    if wrong:
        raise BadRequest(
            "DocGen values do not fit their fields' types: "
            + "; ".join(f"{w['field']} must be {w['expected']}" for w in wrong),
            code="DOCGEN_FIELD_INVALID",
            details=wrong,
        )
    documents = []
    for entry in entries:
        listed = [
            {"name": str(f["name"]), "value": values[str(f["name"])]}
            for f in entry.get("docGenFormFieldList") or []
            if isinstance(f, dict) and str(f.get("name")) in values
        ]
        if listed:
            documents.append({"documentId": entry.get("documentId"), "docGenFormFieldList": listed})
    return {"docGenFormFields": documents}


def fill_draft(
    client: DocuSignClient, envelope_id: str, values: dict[str, str], *, send: bool
) -> str:
    """Fill a DocGen draft's fields and send it (when `send`); the envelope's status after.
    Values that do not fit delete the draft: nothing is sent, nothing is left behind."""
    entries = get_docgen_form_fields(client, envelope_id)
    try:
        body = check_values(entries, values)
    except BadRequest:
        delete_drafts(client, [envelope_id])
        raise
    try:
        update_docgen_form_fields(client, envelope_id, body)
    except (BadRequest, Conflict):
        # DocuSign refused the values: the draft is of no use, and nothing was sent.
        delete_drafts(client, [envelope_id])
        raise
    if not send:
        return "created"
    send_draft(client, envelope_id)
    return "sent"


def list_docgen_fields(
    connection_name: str,
    template_id: str,
    *,
    deadline: Deadline = None,
    services: Services | None = None,
) -> DocGenFieldsResponse:
    """A DocGen template's sender fields. DocuSign lists them for an envelope only, so this
    makes a draft from the template, reads its fields and deletes the draft (recycle bin):
    three DocuSign calls."""
    services = services or get_services()
    validate_connection_name(connection_name)
    validate_template_id(template_id)
    client = services.client(services.connections.get(connection_name), deadline)
    try:
        summary = client.create_envelope({"templateId": template_id, "status": "created"}, [])
    except ConnectorError as exc:
        codes = {str(d.get("docusignErrorCode") or "").upper() for d in exc.details}
        if codes & TEMPLATE_NOT_FOUND_CODES:
            raise NotFound(
                "there is no such template in this connection's DocuSign account",
                code="TEMPLATE_NOT_FOUND",
            ) from exc
        raise
    envelope_id = str(summary["envelopeId"])
    try:
        entries = get_docgen_form_fields(client, envelope_id)
    finally:
        delete_drafts(client, [envelope_id])
    logger.info(
        "docgen fields listed",
        extra={"connection": connection_name, "template_id": template_id, "calls": client.calls},
    )
    return DocGenFieldsResponse(
        connection=connection_name,
        template_id=template_id,
        fields=fields_of(entries),
        docusign_calls=client.calls,
    )
