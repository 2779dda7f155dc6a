"""Document generation (DocGen) sender fields: what a template's Word document declares, the
values a draft envelope's PUT gives them, and the stand-in PDF generated from those values.

DocuSign extracts the fields from the DOCX's sender field syntax; the emulator is told them
when a template is registered through the control API (`documents[].docGenFormFields`, in
DocuSign's docGenFormField shape). Sources are in README.md, "Document generation".
"""

from __future__ import annotations

import copy
from typing import Any

from .conversion import WORD_OPEN_XML, convert, make_docx, word_lines
from .errors import DocuSignError, invalid_parameter, invalid_request_body
from .state import new_guid

# DocuSign's sender field types (concept guide, "Sender field types").
FIELD_TYPES = ("TextBox", "Date", "Number", "Select", "TableRow")
# DocuSign: "Maximum number of sender fields per DOCX file: 1,000"; up to 250 select values.
MAX_FIELDS = 1000
MAX_SELECT_OPTIONS = 250


def _flag(value: Any) -> str:
    """DocuSign writes the booleans of a docGenFormField as "True"/"False"."""
    return "True" if str(value).strip().lower() == "true" else "False"


def _definition(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict) or not str(raw.get("name") or "").strip():
        raise ValueError(f"{where} needs a name")
    kind = str(raw.get("type") or "TextBox")
    if kind not in FIELD_TYPES:
        raise ValueError(f"{where}: type must be one of {', '.join(FIELD_TYPES)}")
    field: dict[str, Any] = {
        "name": str(raw["name"]),
        "label": str(raw.get("label") or raw["name"]),
        "type": kind,
        "required": _flag(raw.get("required")),
    }
    if kind == "Select":
        options = raw.get("options") or []
        if not isinstance(options, list) or not options or len(options) > MAX_SELECT_OPTIONS:
            raise ValueError(f"{where}: a Select field needs 1 to {MAX_SELECT_OPTIONS} options")
        field["options"] = [
            {
                "label": str(o.get("label") or o.get("value") or ""),
                "value": str(o.get("value") or ""),
                "selected": _flag(o.get("selected")),
            }
            for o in options
            if isinstance(o, dict)
        ]
    if kind == "TableRow":
        columns = raw.get("rowValues") or []
        first = columns[0] if isinstance(columns, list) and columns else {}
        field["rowValues"] = [
            {
                "docGenFormFieldList": [
                    {
                        "label": str(c.get("label") or c["name"]),
                        "required": "False",
                        "name": c["name"],
                    }
                    for c in (first.get("docGenFormFieldList") or [])
                    if isinstance(c, dict) and c.get("name")
                ]
            }
        ]
    return field


def check_definitions(document: dict[str, Any], raw: Any) -> dict[str, Any]:
    """The DocGen state of a template document registered with `docGenFormFields`."""
    extension = str(document.get("fileExtension") or "").lower().lstrip(".")
    if extension not in WORD_OPEN_XML:
        # DocuSign: "For each document that will include sender fields, create a DOCX file.
        # Other file types are not supported with document generation."
        raise ValueError(f"document {document.get('documentId')}: DocGen needs a .docx")
    if not isinstance(raw, list) or not raw or len(raw) > MAX_FIELDS:
        raise ValueError(f"docGenFormFields must list 1 to {MAX_FIELDS} fields")
    fields = [_definition(f, f"docGenFormFields[{i}]") for i, f in enumerate(raw)]
    if len({f["name"] for f in fields}) != len(fields):
        raise ValueError("docGenFormFields: field names must be unique in a document")
    return {"fields": fields, "values": {}, "rows": {}, "status": "created"}


def own_copy(document: dict[str, Any]) -> None:
    """An envelope made from a template gets its own DocGen values (the template keeps none)."""
    if "_docGen" in document:
        document["_docGen"] = copy.deepcopy(document["_docGen"])


def render(envelope: dict[str, Any]) -> dict[str, Any]:
    """DocumentGeneration:getEnvelopeDocGenFormFields's body: `{}` without DocGen documents."""
    entries = []
    for document in envelope["documents"]:
        state = document.get("_docGen")
        if state is None:
            continue
        listed = []
        for field in state["fields"]:
            shown = copy.deepcopy(field)
            if field["name"] in state["values"]:
                shown["value"] = state["values"][field["name"]]
            if field["name"] in state["rows"]:
                shown["rowValues"] = copy.deepcopy(state["rows"][field["name"]])
            listed.append(shown)
        entries.append(
            {
                "documentId": document["documentIdGuid"],
                "docGenFormFieldList": listed,
                "docGenDocumentStatus": state["status"],
            }
        )
    return {"docGenFormFields": entries} if entries else {}


def _rows(field: dict[str, Any], given: Any) -> list[dict[str, Any]]:
    columns = [c["name"] for c in field["rowValues"][0]["docGenFormFieldList"]]
    if not isinstance(given, list):
        raise invalid_request_body(f"rowValues of '{field['name']}' must be a JSON array.")
    rows = []
    for row in given:
        cells = (row or {}).get("docGenFormFieldList") if isinstance(row, dict) else None
        named = {str(c.get("name")): c.get("value") for c in cells or [] if isinstance(c, dict)}
        if set(named) != set(columns):
            # DocuSign: a row that omits a column's name/value pair gets an error response.
            raise invalid_parameter(
                f"Each row of '{field['name']}' must give every column: {', '.join(columns)}."
            )
        rows.append(
            {"docGenFormFieldList": [{"name": c, "value": str(named[c] or "")} for c in columns]}
        )
    return rows


def apply_values(envelope: dict[str, Any], body: Any, *, keep_document_ids: bool) -> None:
    """DocumentGeneration:updateEnvelopeDocGenFormFields on a draft: the values by name, the
    documents generated again; their documentId changes unless keep_document_ids."""
    if envelope["status"] != "created":
        raise DocuSignError(
            400,
            "ENVELOPE_INVALID_STATUS",
            "Invalid envelope status. Envelope status is not one of: Created. "
            f"Envelope status is {envelope['status']}.",
        )
    entries = body.get("docGenFormFields") if isinstance(body, dict) else None
    if not isinstance(entries, list):
        raise invalid_request_body("'docGenFormFields' must be a JSON array.")
    by_id = {d["documentIdGuid"]: d for d in envelope["documents"] if "_docGen" in d}
    updates: list[tuple[dict[str, Any], dict[str, str], dict[str, list]]] = []
    for entry in entries:
        document = by_id.get(str((entry or {}).get("documentId") or ""))
        if document is None:
            raise DocuSignError(
                400,
                "DOCUMENT_DOES_NOT_EXIST",
                "The document specified was not found: no DocGen document has documentId "
                f"'{(entry or {}).get('documentId')}'.",
            )
        known = {f["name"]: f for f in document["_docGen"]["fields"]}
        values: dict[str, str] = {}
        rows: dict[str, list] = {}
        for item in entry.get("docGenFormFieldList") or []:
            name = str((item or {}).get("name") or "")
            field = known.get(name)
            if field is None:
                raise invalid_parameter(f"'{name}' is not a sender field of this document.")
            if field["type"] == "TableRow":
                rows[name] = _rows(field, item.get("rowValues"))
            else:
                # DocuSign does not validate Number, Date or Select values (its reference).
                values[name] = "" if item.get("value") is None else str(item["value"])
        updates.append((document, values, rows))
    for document, values, rows in updates:
        state = document["_docGen"]
        state["values"].update(values)
        state["rows"].update(rows)
        _generate(document)
        if not keep_document_ids:
            document["documentIdGuid"] = new_guid()


def _generate(document: dict[str, Any]) -> None:
    """The stand-in of DocuSign's generation: each `{{name}}` in the Word text becomes its
    value (a table's rows are written out after the text), and the PDF is made again."""
    state = document["_docGen"]
    lines = word_lines(document, document["_content"])
    for name, value in state["values"].items():
        lines = [line.replace("{{" + name + "}}", value) for line in lines]
    for rows in state["rows"].values():
        for row in rows:
            lines.append(" | ".join(c["value"] for c in row["docGenFormFieldList"]))
    converted = convert(document, make_docx(lines))
    document["_pdf"] = converted.pdf
    document["_pages"] = converted.pages


def missing_required(envelope: dict[str, Any]) -> list[str]:
    """The required sender fields of the envelope's DocGen documents still without a value."""
    missing = []
    for document in envelope["documents"]:
        state = document.get("_docGen")
        for field in state["fields"] if state else []:
            if field["required"] != "True":
                continue
            if field["type"] == "TableRow":
                if not state["rows"].get(field["name"]):
                    missing.append(field["name"])
            elif not state["values"].get(field["name"], "").strip():
                missing.append(field["name"])
    return missing


def refuse_unfilled(envelope: dict[str, Any]) -> None:
    """DocuSign is silent on sending with required sender fields empty; the emulator refuses
    as it refuses an incomplete envelope (an inferred code, see README)."""
    missing = missing_required(envelope)
    if missing:
        raise DocuSignError(
            400,
            "ENVELOPE_IS_INCOMPLETE",
            "The Envelope is not Complete. Required sender fields have no value: "
            + ", ".join(missing)
            + ".",
        )
