"""Server templates, and envelopes made from them with templateRoles."""

from __future__ import annotations

import pytest

from local.emulator.tests.helpers import SAMPLE_PDF, b64

pytestmark = pytest.mark.integration


def template_body(**overrides):
    body = {
        "name": "Mutual NDA",
        "description": "Two-party NDA",
        "emailSubject": "Please sign the NDA",
        "documents": [{"documentId": "1", "name": "NDA.pdf", "documentBase64": b64(SAMPLE_PDF)}],
        "recipients": {
            "signers": [
                {"recipientId": "1", "roleName": "Client", "routingOrder": "1"},
                {"recipientId": "2", "roleName": "Company", "routingOrder": "2"},
            ],
            "carbonCopies": [
                {
                    "recipientId": "3",
                    "roleName": "Legal",
                    "routingOrder": "3",
                    "name": "Legal Team",
                    "email": "legal@example.com",
                }
            ],
        },
    }
    body.update(overrides)
    return body


def test_templates_are_listed_with_their_roles(api, integration):
    created = api.control(
        "POST", "/templates", json={"accountId": integration.account_id, **template_body()}
    )
    assert created.status_code == 201
    template_id = created.json()["templateId"]
    response = api.get("/templates", params={"include": "recipients"})
    assert response.status_code == 200
    body = response.json()
    assert body["totalSetSize"] == "1"
    template = body["envelopeTemplates"][0]
    assert template["templateId"] == template_id
    assert template["name"] == "Mutual NDA"
    assert template["pageCount"] == "1"
    assert [s["roleName"] for s in template["recipients"]["signers"]] == ["Client", "Company"]
    single = api.get(f"/templates/{template_id}").json()
    assert single["documents"][0]["name"] == "NDA.pdf"
    assert api.get("/templates", params={"search_text": "lease"}).json()["totalSetSize"] == "0"


def test_template_created_through_the_api(api):
    response = api.post("/templates", json=template_body(name="Lease"))
    assert response.status_code == 201
    assert response.json()["name"] == "Lease"
    assert api.get(f"/templates/{response.json()['templateId']}").status_code == 200


def test_unknown_template(api):
    response = api.get("/templates/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 400
    assert response.json()["errorCode"] == "TEMPLATE_ID_INVALID"
    sent = api.post(
        "/envelopes",
        json={"templateId": "00000000-0000-0000-0000-000000000000", "status": "sent"},
    )
    assert sent.status_code == 400
    assert sent.json()["errorCode"] == "TEMPLATE_ID_INVALID"


def test_envelope_from_template_fills_roles(api):
    template_id = api.post("/templates", json=template_body()).json()["templateId"]
    envelope_id = api.create(
        {
            "templateId": template_id,
            "templateRoles": [
                {"roleName": "Client", "name": "Ana Client", "email": "ana@example.com"},
                {
                    "roleName": "Company",
                    "name": "Bo Company",
                    "email": "bo@example.com",
                    "clientUserId": "42",
                },
                {"roleName": "Nobody", "name": "Ignored", "email": "ignored@example.com"},
            ],
            "status": "sent",
        }
    )
    body = api.get(f"/envelopes/{envelope_id}", params={"include": "recipients"}).json()
    assert body["emailSubject"] == "Please sign the NDA"
    signers = body["recipients"]["signers"]
    assert [(s["roleName"], s["email"], s["status"]) for s in signers] == [
        ("Client", "ana@example.com", "sent"),
        ("Company", "bo@example.com", "created"),
    ]
    assert signers[1]["clientUserId"] == "42"
    assert body["recipients"]["carbonCopies"][0]["email"] == "legal@example.com"
    documents = api.get(f"/envelopes/{envelope_id}/documents").json()["envelopeDocuments"]
    assert [d["name"] for d in documents] == ["NDA.pdf", "Summary"]


def test_unfilled_role_fails_a_sent_envelope(api):
    template_id = api.post("/templates", json=template_body()).json()["templateId"]
    response = api.post(
        "/envelopes",
        json={
            "templateId": template_id,
            "templateRoles": [{"roleName": "Client", "name": "Ana", "email": "ana@example.com"}],
            "status": "sent",
        },
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] in (
        "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT",
        "INVALID_USERNAME_FOR_RECIPIENT",
    )
    draft = api.post(
        "/envelopes",
        json={
            "templateId": template_id,
            "templateRoles": [{"roleName": "Client", "name": "Ana", "email": "ana@example.com"}],
            "status": "created",
        },
    )
    assert draft.status_code == 201


def test_template_roles_need_role_names(api):
    body = template_body()
    del body["recipients"]["signers"][0]["roleName"]
    response = api.post("/templates", json=body)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_an_envelope_from_a_template_without_a_block_gets_the_templates_settings(api, integration):
    template_notification = {
        "reminders": {"reminderEnabled": "true", "reminderDelay": "4", "reminderFrequency": "4"},
        "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "3"},
    }
    created = api.control(
        "POST",
        "/templates",
        json={
            "accountId": integration.account_id,
            **template_body(notification=template_notification),
        },
    )
    envelope_id = api.create(
        {
            "templateId": created.json()["templateId"],
            "status": "sent",
            "templateRoles": [
                {"roleName": "Client", "name": "Cy Client", "email": "cy@example.com"},
                {"roleName": "Company", "name": "Co Company", "email": "co@example.com"},
            ],
        }
    )
    applied = api.get(f"/envelopes/{envelope_id}/notification").json()
    assert applied == {"useAccountDefaults": "false", **template_notification}
