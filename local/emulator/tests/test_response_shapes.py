"""Every property the emulator answers with exists, with the right JSON type, in DocuSign's
own definition of that response."""

from __future__ import annotations

import pytest

from local.emulator import schema
from local.emulator.tests.helpers import sample_definition, two_signer_definition

pytestmark = pytest.mark.integration


def assert_shape(definition: str, body: object) -> None:
    assert schema.check_body(definition, body) == [], definition


def test_envelope_responses_match_docusign_definitions(api):
    definition = two_signer_definition()
    definition["customFields"] = {"textCustomFields": [{"name": "caseId", "value": "C-1"}]}
    created = api.post("/envelopes", json=definition)
    assert_shape("envelopeSummary", created.json())
    envelope_id = created.json()["envelopeId"]
    api.control("POST", f"/envelopes/{envelope_id}/recipients/1/sign")

    full = api.get(
        f"/envelopes/{envelope_id}", params={"include": "recipients,custom_fields,documents"}
    )
    assert_shape("envelope", full.json())
    assert_shape("recipients", api.get(f"/envelopes/{envelope_id}/recipients").json())
    assert_shape("envelopeDocumentsResult", api.get(f"/envelopes/{envelope_id}/documents").json())
    assert_shape("notification", api.get(f"/envelopes/{envelope_id}/notification").json())
    assert_shape("customFieldsEnvelope", api.get(f"/envelopes/{envelope_id}/custom_fields").json())
    assert_shape(
        "envelopeAuditEventResponse", api.get(f"/envelopes/{envelope_id}/audit_events").json()
    )
    listed = api.get("/envelopes", params={"from_date": "2020-01-01", "transaction_ids": "x"})
    assert_shape("envelopesInformation", listed.json())
    voided = api.put(f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": "x"})
    assert voided.status_code == 200
    assert_shape("envelopeUpdateSummary", voided.json())


def test_error_template_and_connect_responses_match(api):
    error = api.get("/envelopes/00000000-0000-0000-0000-000000000000")
    assert_shape("errorDetails", error.json())
    document = sample_definition()["documents"][2]
    template = api.post(
        "/templates",
        json={
            "name": "T",
            "documents": [document],
            "recipients": {"signers": [{"recipientId": "1", "roleName": "Client"}]},
        },
    )
    assert_shape("templateSummary", template.json())
    listed = api.get("/templates", params={"include": "recipients,documents"})
    assert_shape("envelopeTemplateResults", listed.json())
    assert_shape("envelopeTemplate", api.get(f"/templates/{template.json()['templateId']}").json())
    connect = api.post(
        "/connect", json={"urlToPublishTo": "http://127.0.0.1:9/x", "events": ["envelope-sent"]}
    )
    assert_shape("connectCustomConfiguration", connect.json())
    assert_shape("connectConfigResults", api.get("/connect").json())


def test_views_match(api):
    definition = sample_definition()
    definition["recipients"]["signers"][0]["clientUserId"] = "7"
    envelope_id = api.create(definition)
    view = api.post(
        f"/envelopes/{envelope_id}/views/recipient",
        json={
            "returnUrl": "https://example.com/r",
            "authenticationMethod": "None",
            "clientUserId": "7",
            "userName": "Sam Signer",
            "email": "signer@example.com",
        },
    )
    assert view.status_code == 201
    assert_shape("viewUrl", view.json())
