"""Request bodies are checked against DocuSign's published OpenAPI definitions."""

from __future__ import annotations

import json

import pytest

from local.emulator import schema
from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def test_subset_holds_the_definitions_with_string_scalars():
    definitions = schema.definitions()
    envelope_definition = definitions["envelopeDefinition"]["properties"]
    assert envelope_definition["documents"]["items"]["$ref"].endswith("/document")
    assert envelope_definition["emailSubject"] == {"type": "string"}
    assert definitions["signer"]["properties"]["routingOrder"] == {"type": "string"}
    assert definitions["document"]["properties"]["signerMustAcknowledgeUseAccountDefault"] == {
        "type": "boolean"
    }
    for name in ("envelope", "recipients", "recipientViewRequest", "connectCustomConfiguration"):
        assert name in definitions
    info = json.loads(schema.SUBSET_FILE.read_text())["info"]
    assert info["version"] == "v2.1"
    assert len(info["specSha256"]) == 64
    # numericalTabs are newer than the 2022 file: taken from DocuSign's SDK.
    assert definitions["tabs"]["properties"]["numericalTabs"]["items"]["$ref"].endswith(
        "/numerical"
    )
    assert definitions["numerical"]["properties"]["numericalValue"] == {"type": "string"}
    assert info["sdkAdditions"]["properties"] == {"tabs": ["numericalTabs"]}


def test_nested_number_in_a_tab_is_refused_in_strict_mode(api, emulator):
    emulator.state.strict_types = True
    definition = sample_definition()
    definition["recipients"]["signers"][0]["tabs"]["signHereTabs"][0]["anchorYOffset"] = 10
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "INVALID_REQUEST_BODY"
    assert "recipients.signers[0].tabs.signHereTabs[0].anchorYOffset" in body["message"]
    assert emulator.state.envelopes == {}


def test_nested_number_in_a_tab_is_read_as_text_by_default(api, emulator):
    definition = sample_definition()
    definition["recipients"]["signers"][0]["tabs"]["signHereTabs"][0]["anchorYOffset"] = 10
    envelope_id = api.create(definition)
    [tab] = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]["tabs"][
        "signHereTabs"
    ]
    assert tab["anchorYOffset"] == "10"


def test_an_object_where_a_string_belongs_is_refused_in_both_modes(api, emulator):
    for strict in (False, True):
        emulator.state.strict_types = strict
        definition = sample_definition(emailSubject={"text": "hello"})
        response = api.post("/envelopes", json=definition)
        assert response.status_code == 400
        assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"
        assert "strict mode" not in response.json()["message"]
    assert emulator.state.envelopes == {}


def test_object_where_an_array_belongs_is_refused(api):
    definition = sample_definition()
    definition["documents"] = definition["documents"][0]
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"
    assert "Path 'documents'" in response.json()["message"]


def test_boolean_typed_property_accepts_a_boolean(api):
    definition = sample_definition()
    definition["documents"][2]["signerMustAcknowledgeUseAccountDefault"] = True
    assert api.post("/envelopes", json=definition).status_code == 201


def test_unknown_properties_are_ignored_but_recorded(api, emulator):
    emulator.state.clear_requests()
    definition = sample_definition(emailSubjet="typo")
    definition["recipients"]["signers"][0]["phone"] = "+1 555"
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 201
    entry = emulator.state.requests[-1]
    assert sorted(entry["ignoredProperties"]) == ["emailSubjet", "recipients.signers[0].phone"]
    record = emulator.state.envelopes[response.json()["envelopeId"]]
    assert record["_ignoredProperties"] == entry["ignoredProperties"]


def test_void_body_is_checked_too(api, emulator):
    emulator.state.strict_types = True
    envelope_id = api.create(sample_definition())
    response = api.put(f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": 5})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_BODY"
