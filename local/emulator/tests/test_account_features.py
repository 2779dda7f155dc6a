"""Brands, identity verification workflows and payment gateways: an envelope naming one its
account does not have is refused, not accepted and ignored."""

from __future__ import annotations

import uuid

import pytest

from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def _refused(api, emulator, definition, *words: str) -> None:
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "INVALID_REQUEST_PARAMETER"
    for word in words:
        assert word in body["message"]
    assert emulator.state.envelopes == {}


def test_an_unknown_brand_is_refused_and_a_created_one_applies(api, emulator):
    _refused(api, emulator, sample_definition(brandId=str(uuid.uuid4())), "brandId")
    created = api.post(
        "/brands",
        json={"brandName": "Acme", "defaultBrandLanguage": "en", "brandLanguages": ["en"]},
    )
    assert created.status_code == 201, created.text
    [brand] = created.json()["brands"]
    assert brand["brandName"] == "Acme" and uuid.UUID(brand["brandId"])
    assert [b["brandId"] for b in api.get("/brands").json()["brands"]] == [brand["brandId"]]
    assert api.get(f"/brands/{brand['brandId']}").json()["brandName"] == "Acme"
    envelope_id = api.create(sample_definition(brandId=brand["brandId"]))
    assert api.get(f"/envelopes/{envelope_id}").json()["brandId"] == brand["brandId"]


def test_a_brand_needs_a_name(api):
    response = api.post("/brands", json={"defaultBrandLanguage": "en"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_an_identity_verification_workflow_must_be_the_account_s(api, emulator, integration):
    listed = api.get("/identity_verification").json()["identityVerification"]
    assert [w["defaultName"] for w in listed] == ["Phone Authentication"]
    definition = sample_definition()
    workflow_id = str(uuid.uuid4())
    definition["recipients"]["signers"][0]["identityVerification"] = {"workflowId": workflow_id}
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == "IDENTITY_WORKFLOW_INVALID_ID"
    assert emulator.state.envelopes == {}
    emulator.state.accounts[integration.account_id]["identityVerification"].append(
        {"workflowId": workflow_id, "defaultName": "DocuSign ID Verification"}
    )
    listed = api.get("/identity_verification").json()["identityVerification"]
    assert workflow_id in [w["workflowId"] for w in listed]
    assert api.post("/envelopes", json=definition).status_code == 201


def test_payments_are_refused_as_not_supported(api, emulator):
    assert api.get("/payment_gateway_accounts").json() == {"paymentGatewayAccounts": []}
    definition = sample_definition()
    definition["recipients"]["signers"][0]["tabs"]["formulaTabs"] = [
        {
            "tabLabel": "payment",
            "formula": "5",
            "documentId": "3",
            "pageNumber": "1",
            "xPosition": "10",
            "yPosition": "10",
            "paymentDetails": {
                "gatewayAccountId": str(uuid.uuid4()),
                "currencyCode": "USD",
                "lineItems": [{"name": "Harmonica", "amountReference": "l1e"}],
            },
        }
    ]
    _refused(api, emulator, definition, "not supported by this emulator", "gatewayAccountId")
