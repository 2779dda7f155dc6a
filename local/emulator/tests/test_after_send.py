"""Correcting a recipient, resending, bounces, form data and refused downloads."""

from __future__ import annotations

import pytest

from local.emulator.tests.helpers import sample_definition

pytestmark = pytest.mark.integration


def _signer(api, envelope_id: str, recipient_id: str = "1") -> dict:
    signers = api.get(f"/envelopes/{envelope_id}/recipients").json()["signers"]
    return next(s for s in signers if s["recipientId"] == recipient_id)


def _events(emulator, envelope_id: str) -> list[tuple[str, str | None]]:
    return [
        (e["event"], e["recipientId"])
        for e in emulator.state.events
        if e["envelopeId"] == envelope_id and e["event"].startswith("recipient-")
    ]


def test_correcting_a_pending_signer_changes_the_address_and_mails_it(api, emulator):
    envelope_id = api.create(sample_definition())
    response = api.put(
        f"/envelopes/{envelope_id}/recipients",
        params={"resend_envelope": "true"},
        json={"signers": [{"recipientId": "1", "email": "new@example.com", "name": "New"}]},
    )
    assert response.status_code == 200
    [result] = response.json()["recipientUpdateResults"]
    assert result["recipientId"] == "1"
    assert result["errorDetails"] == {"errorCode": "SUCCESS", "message": ""}
    signer = _signer(api, envelope_id)
    assert (signer["email"], signer["name"], signer["status"]) == ("new@example.com", "New", "sent")
    assert _events(emulator, envelope_id)[-1] == ("recipient-resent", "1")


def test_a_signer_who_signed_cannot_be_corrected(api, emulator):
    envelope_id = api.create(sample_definition(recipients=None) | _two_signers())
    api.control("POST", f"/envelopes/{envelope_id}/recipients/1/sign")
    response = api.put(
        f"/envelopes/{envelope_id}/recipients",
        json={"signers": [{"recipientId": "1", "email": "new@example.com"}]},
    )
    assert response.status_code == 200
    [result] = response.json()["recipientUpdateResults"]
    assert result["errorDetails"]["errorCode"] == "RECIPIENT_UPDATE_FAILED"
    assert _signer(api, envelope_id)["email"] == "signer@example.com"


def test_a_completed_envelope_cannot_be_corrected(api):
    envelope_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    response = api.put(
        f"/envelopes/{envelope_id}/recipients",
        json={"signers": [{"recipientId": "1", "email": "new@example.com"}]},
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ENVELOPE_INVALID_STATUS"


def test_mail_to_a_bouncing_address_makes_the_recipient_autoresponded(api, emulator):
    reply = "smtp; 550 5.1.1 mailbox unavailable"
    assert (
        api.control("POST", "/bounces", json={"email": "Gone@example.com", "reason": reply})
    ).status_code == 201
    envelope_id = api.create(
        sample_definition(
            recipients={
                "signers": [
                    {"email": "gone@example.com", "name": "G", "recipientId": "1"},
                ]
            }
        )
    )
    signer = _signer(api, envelope_id)
    assert signer["status"] == "autoresponded"
    assert signer["autoRespondedReason"] == reply
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"
    assert ("recipient-autoresponded", "1") in _events(emulator, envelope_id)
    # Corrected to a working address: mailed again, the bounce gone.
    api.put(
        f"/envelopes/{envelope_id}/recipients",
        json={"signers": [{"recipientId": "1", "email": "here@example.com"}]},
    )
    signer = _signer(api, envelope_id)
    assert signer["status"] == "sent"
    assert "autoRespondedReason" not in signer


def test_resending_an_envelope_mails_the_current_recipients_again(api, emulator):
    envelope_id = api.create(sample_definition())
    response = api.put(f"/envelopes/{envelope_id}", params={"resend_envelope": "true"}, json={})
    assert response.status_code == 200
    assert _events(emulator, envelope_id)[-1] == ("recipient-resent", "1")


def test_form_data_lists_each_recipients_values(api):
    envelope_id = api.create(sample_definition(recipients=None) | _two_signers())
    filled = api.control(
        "POST",
        f"/envelopes/{envelope_id}/recipients/1/values",
        json={"values": {"company": "ACME", "agree": "true"}},
    )
    assert filled.json() == {"filled": 2}
    body = api.get(f"/envelopes/{envelope_id}/form_data").json()
    assert body["envelopeId"] == envelope_id
    assert body["formData"] == [
        {"name": "company", "value": "ACME"},
        {"name": "agree", "value": "X"},
    ]
    first, second = body["recipientFormData"]
    assert (first["recipientId"], first["email"], first["formData"]) == (
        "1",
        "signer@example.com",
        body["formData"],
    )
    assert second["formData"] == []


def test_a_refused_download_answers_with_the_configured_error(api):
    envelope_id = api.create(sample_definition())
    api.control(
        "POST",
        "/download-refusals",
        json={"documentIds": ["combined"], "errorCode": "COMBINED_NOT_ALLOWED"},
    )
    try:
        refused = api.get(f"/envelopes/{envelope_id}/documents/combined")
        assert refused.status_code == 400
        assert refused.json()["errorCode"] == "COMBINED_NOT_ALLOWED"
        assert api.get(f"/envelopes/{envelope_id}/documents/archive").status_code == 200
    finally:
        api.control("POST", "/download-refusals", json={"documentIds": []})


def _two_signers() -> dict:
    return {
        "recipients": {
            "signers": [
                {
                    "email": "signer@example.com",
                    "name": "Sam Signer",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "tabs": {
                        "signHereTabs": [
                            {
                                "documentId": "3",
                                "pageNumber": "1",
                                "xPosition": "1",
                                "yPosition": "1",
                            }
                        ],
                        "textTabs": [
                            {
                                "tabLabel": "company",
                                "documentId": "3",
                                "pageNumber": "1",
                                "xPosition": "1",
                                "yPosition": "40",
                            }
                        ],
                        "checkboxTabs": [
                            {
                                "tabLabel": "agree",
                                "documentId": "3",
                                "pageNumber": "1",
                                "xPosition": "1",
                                "yPosition": "80",
                            }
                        ],
                    },
                },
                {
                    "email": "two@example.com",
                    "name": "Two",
                    "recipientId": "2",
                    "routingOrder": "1",
                },
            ]
        }
    }


def test_the_callback_receiver_keeps_what_it_was_sent(api):
    response = api.control(
        "POST",
        "/callbacks",
        data=b'{"eventId": "e1"}',
        headers={"X-Connector-Signature": "v1=ab", "Content-Type": "application/json"},
    )
    assert response.json() == {"received": True}
    [kept] = api.control("GET", "/callbacks").json()["callbacks"][-1:]
    assert kept["body"] == '{"eventId": "e1"}'
    assert kept["headers"]["X-Connector-Signature"] == "v1=ab"
