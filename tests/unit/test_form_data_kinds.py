"""Every kind of tab DocuSign's form data can name gets its type: the kinds come from the
names of DocuSign's tab groups (its `tabs` definition, in the emulator's copy of the published
schema), and a radio group is named by its `groupName` (it has no `tabLabel`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docusign_connector.actions.formdata import field_kinds
from docusign_connector.models.after_send import FormDataResponse

SCHEMA = Path(__file__).resolve().parents[2] / "local/emulator/schema/esignature-subset.json"


def tab_groups() -> dict[str, str]:
    """DocuSign's tab groups whose tabs have a name form data can carry → the naming key."""
    definitions = json.loads(SCHEMA.read_text())["definitions"]
    groups = {}
    for group, prop in definitions["tabs"]["properties"].items():
        ref = (prop.get("items") or {}).get("$ref")
        if not ref:
            continue  # prefillTabs: an object of its own, the sender's fields
        properties = definitions[ref.rsplit("/", 1)[-1]].get("properties", {})
        for key in ("tabLabel", "groupName"):
            if key in properties:
                groups[group] = key
                break
    return groups


def test_the_schema_has_the_kinds_this_test_is_about() -> None:
    groups = tab_groups()
    assert groups["radioGroupTabs"] == "groupName"
    assert {"textTabs", "checkboxTabs", "listTabs", "ssnTabs", "zipTabs"} <= set(groups)
    assert len(groups) >= 30


def test_every_named_kind_of_tab_gets_its_type() -> None:
    groups = tab_groups()
    tabs: dict[str, list[dict[str, Any]]] = {
        group: [{key: f"field-{group}"}] for group, key in groups.items()
    }
    recipients = {"signers": [{"recipientId": "1", "tabs": tabs}]}
    form_data = {
        "status": "completed",
        "recipientFormData": [
            {
                "recipientId": "1",
                "email": "ana@example.com",
                "name": "Ana",
                "formData": [{"name": f"field-{group}", "value": "v"} for group in groups],
            }
        ],
    }

    response = FormDataResponse.from_docusign("e", form_data, field_kinds(recipients))

    types = {field.label: field.type for field in response.fields}
    assert types == {f"field-{group}": group.removesuffix("Tabs") for group in groups}
    assert types["field-radioGroupTabs"] == "radioGroup"
