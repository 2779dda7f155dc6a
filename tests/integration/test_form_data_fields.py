"""The form data of an envelope the connector sent with one field of each kind that holds a
value: every field comes back with its type and its value, a radio group's (named by its
`groupName`, as DocuSign names it) included."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.helpers import send, simple_body
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "form-fields"


def at(y: int) -> dict[str, int]:
    return {"page": 1, "x": 72, "y": y}


FIELDS = [
    {"type": "text", "label": "po", "position": at(100)},
    {"type": "number", "label": "seats", "position": at(130)},
    {"type": "date", "label": "start", "position": at(160)},
    {"type": "email", "label": "invoiceTo", "position": at(190)},
    {"type": "company", "label": "company", "position": at(220)},
    {"type": "title", "label": "role", "position": at(250)},
    {"type": "checkbox", "label": "agree", "position": at(280)},
    {"type": "radioGroup", "label": "plan", "options": ["basic", "pro"], "position": at(310)},
    {"type": "list", "label": "size", "options": ["S", "M", "L"], "position": at(380)},
    {"type": "signHere", "position": at(420)},
]
VALUES = {
    "po": "PO-4711",
    "seats": "12",
    "start": "2026-12-01",
    "invoiceTo": "ap@example.com",
    "company": "ACME",
    "role": "Buyer",
    "agree": "true",
    "plan": "pro",
    "size": "M",
}


@pytest.fixture(scope="module")
def form_fields(connections: Any) -> Any:
    return connections.create(CONNECTION)


def test_every_field_has_its_type_and_value(form_fields: Any, emulator: Any) -> None:
    signer = {"email": "ana@example.com", "name": "Ana", "fields": FIELDS}
    sent = send(CONNECTION, simple_body(signers=[signer]))
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    filled = requests.post(
        f"{emulator.url}/_emulator/envelopes/{envelope_id}/recipients/1/values",
        json={"values": VALUES},
        timeout=10,
    )
    assert filled.json() == {"filled": len(VALUES)}

    result = invoke(
        "get_form_data",
        api_event(
            "get_form_data",
            path_parameters={"connection": CONNECTION, "envelopeId": envelope_id},
        ),
    )

    assert result.status == 200, result.body
    got = {f["label"]: (f["type"], f["value"]) for f in result.body["fields"]}
    assert got == {
        "po": ("text", "PO-4711"),
        "seats": ("number", "12"),
        "start": ("date", "2026-12-01"),
        "invoiceTo": ("email", "ap@example.com"),
        "company": ("company", "ACME"),
        "role": ("title", "Buyer"),
        "agree": ("checkbox", "X"),
        "plan": ("radioGroup", "pro"),
        "size": ("list", "M"),
    }
    assert all(f["recipientId"] == "1" for f in result.body["fields"])
