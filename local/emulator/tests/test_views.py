"""Recipient and sender views, and the pages their URLs open."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from local.emulator.tests.helpers import sample_definition, two_signer_definition

pytestmark = pytest.mark.integration

RETURN_URL = "https://app.example.com/return?case=7"


def embedded_definition():
    definition = two_signer_definition()
    definition["recipients"]["signers"][0]["clientUserId"] = "1000"
    return definition


def view_request(**overrides):
    body = {
        "returnUrl": RETURN_URL,
        "authenticationMethod": "None",
        "clientUserId": "1000",
        "recipientId": "1",
        "userName": "Sam Signer",
        "email": "signer@example.com",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def event_of(response) -> str:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("https://app.example.com/return?")
    query = parse_qs(urlsplit(location).query)
    assert query["case"] == ["7"]
    return query["event"][0]


def open_page(url: str) -> requests.Response:
    return requests.get(url, allow_redirects=False, timeout=10)


def form_action(page: requests.Response, root: str) -> str:
    found = re.search(r'<form method="post" action="([^"]+)"', page.text)
    assert found is not None, "the page has no form"
    return root + found.group(1)


def test_recipient_view_sign_round_trip(api, emulator):
    envelope_id = api.create(embedded_definition())
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request())
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith(f"{emulator.url}/Signing/MTRedeem/v1/")

    page = open_page(url)
    assert page.status_code == 200
    assert "Sign and finish" in page.text
    assert "Please sign this document set" in page.text
    frames = re.findall(r'<iframe src="([^"]+)"', page.text)
    assert len(frames) == 3
    pdf = requests.get(emulator.url + frames[2], timeout=10)
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    recipients = api.get(f"/envelopes/{envelope_id}/recipients").json()
    assert recipients["signers"][0]["status"] == "delivered"

    signed = requests.post(
        form_action(page, emulator.url), data={"action": "sign"}, allow_redirects=False, timeout=10
    )
    assert event_of(signed) == "signing_complete"
    recipients = api.get(f"/envelopes/{envelope_id}/recipients").json()
    assert recipients["signers"][0]["status"] == "completed"
    assert recipients["signers"][1]["status"] == "sent"


def test_view_url_is_single_use(api):
    envelope_id = api.create(embedded_definition())
    url = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request()).json()["url"]
    assert open_page(url).status_code == 200
    assert event_of(open_page(url)) == "ttl_expired"


def test_view_url_expires_after_five_minutes(api, emulator):
    envelope_id = api.create(embedded_definition())
    url = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request()).json()["url"]
    emulator.state.advance_clock(301)
    assert event_of(open_page(url)) == "ttl_expired"


def test_decline_from_the_signing_page(api, emulator):
    envelope_id = api.create(embedded_definition())
    url = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request()).json()["url"]
    page = open_page(url)
    declined = requests.post(
        form_action(page, emulator.url),
        data={"action": "decline", "reason": "Terms are wrong"},
        allow_redirects=False,
        timeout=10,
    )
    assert event_of(declined) == "decline"
    body = api.get(f"/envelopes/{envelope_id}", params={"include": "recipients"}).json()
    assert body["status"] == "declined"
    assert body["recipients"]["signers"][0]["declinedReason"] == "Terms are wrong"


@pytest.mark.parametrize(
    ("overrides", "error_code"),
    [
        ({"clientUserId": "999"}, "UNKNOWN_ENVELOPE_RECIPIENT"),
        ({"email": "someone@example.com"}, "UNKNOWN_ENVELOPE_RECIPIENT"),
        ({"userName": None, "email": None}, "UNKNOWN_ENVELOPE_RECIPIENT"),
        ({"returnUrl": None}, "INVALID_REQUEST_PARAMETER"),
        ({"authenticationMethod": None}, "INVALID_REQUEST_PARAMETER"),
        ({"authenticationMethod": "Magic"}, "INVALID_REQUEST_PARAMETER"),
        ({"pingFrequency": "5"}, "INVALID_REQUEST_PARAMETER"),
    ],
)
def test_recipient_view_rules(api, overrides, error_code):
    envelope_id = api.create(embedded_definition())
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request(**overrides))
    assert response.status_code == 400
    assert response.json()["errorCode"] == error_code


def test_recipient_view_waits_for_routing_order(api):
    definition = embedded_definition()
    definition["recipients"]["signers"][1]["clientUserId"] = "2000"
    envelope_id = api.create(definition)
    response = api.post(
        f"/envelopes/{envelope_id}/views/recipient",
        json=view_request(
            clientUserId="2000",
            recipientId="3",
            userName="Second Signer",
            email="second@example.com",
        ),
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "RECIPIENT_NOT_IN_SEQUENCE"


def test_recipient_view_of_a_draft_is_refused(api):
    definition = embedded_definition()
    definition["status"] = "created"
    envelope_id = api.create(definition)
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request())
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ENVELOPE_INVALID_STATUS"


def test_sender_view_sends_the_draft(api, emulator):
    envelope_id = api.create(sample_definition(status="created"))
    response = api.post(f"/envelopes/{envelope_id}/views/sender", json={"returnUrl": RETURN_URL})
    assert response.status_code == 201
    url = response.json()["url"]
    assert url.startswith(f"{emulator.url}/Sending/MTRedeem/v1/")
    page = open_page(url)
    assert page.status_code == 200
    assert "Sam Signer" in page.text
    sent = requests.post(
        form_action(page, emulator.url),
        data={"action": "send", "emailSubject": "Edited subject"},
        allow_redirects=False,
        timeout=10,
    )
    assert event_of(sent) == "Send"
    body = api.get(f"/envelopes/{envelope_id}").json()
    assert body["status"] == "sent"
    assert body["emailSubject"] == "Edited subject"


def test_sender_view_needs_a_draft_and_a_return_url(api):
    envelope_id = api.create(sample_definition())
    sent = api.post(f"/envelopes/{envelope_id}/views/sender", json={"returnUrl": RETURN_URL})
    assert sent.status_code == 400
    assert sent.json()["errorCode"] == "ENVELOPE_INVALID_STATUS"
    draft_id = api.create(sample_definition(status="created"))
    missing = api.post(f"/envelopes/{draft_id}/views/sender", json={})
    assert missing.status_code == 400
    assert missing.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def in_person_definition(**host):
    definition = sample_definition()
    definition["recipients"] = {
        "inPersonSigners": [
            {
                "hostName": "Ana Sender",
                "hostEmail": "ana.sender@example.com",
                "signerName": "Walk-in Customer",
                "recipientId": "1",
                "routingOrder": "1",
                **host,
            }
        ]
    }
    return definition


def test_in_person_signing_opens_with_the_host_s_name_and_email(api, emulator):
    """DocuSign's in-person how-to asks for the view with the host's userName and email (no
    clientUserId): the host opens the session and hands the device to the signer."""
    envelope_id = api.create(in_person_definition())
    host = view_request(clientUserId=None, userName="Ana Sender", email="ana.sender@example.com")
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=host)
    assert response.status_code == 201, response.text
    page = open_page(response.json()["url"])
    assert page.status_code == 200 and "Walk-in Customer" in page.text
    signed = requests.post(
        form_action(page, api.root), data={"action": "sign"}, allow_redirects=False, timeout=10
    )
    assert event_of(signed) == "signing_complete"
    assert emulator.state.envelopes[envelope_id]["status"] == "completed"


@pytest.mark.parametrize(
    "who",
    [
        {"userName": "Walk-in Customer", "email": "ana.sender@example.com"},
        {"userName": "ana sender", "email": "ana.sender@example.com"},
        {"userName": "Ana Sender", "email": "someone.else@example.com"},
        {"userName": "Ana Sender", "email": "ana.sender@example.com", "clientUserId": "1000"},
    ],
    ids=["signer-name", "name-case", "other-email", "client-user-id"],
)
def test_in_person_view_needs_the_host_exactly(api, emulator, who):
    envelope_id = api.create(in_person_definition())
    request = view_request(**{"clientUserId": None, **who})
    response = api.post(f"/envelopes/{envelope_id}/views/recipient", json=request)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "UNKNOWN_ENVELOPE_RECIPIENT"
