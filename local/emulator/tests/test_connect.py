"""Connect: JSON SIM messages with HMAC signatures, event filters, documents, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from local.emulator import schema
from local.emulator.tests.helpers import sample_definition, wait_for

pytestmark = pytest.mark.integration

KEYS = ["first-secret-key", "rotated-secret-key"]


def expected_signature(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def configure(api, integration, listener, **extra):
    body = {"accountId": integration.account_id, "url": listener.url, "hmacKeys": KEYS}
    body.update(extra)
    response = api.control("POST", "/connect", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_messages_are_signed_and_shaped_like_docusign(api, integration, listener):
    config = configure(api, integration, listener, events=["envelope-sent", "envelope-completed"])
    assert "hmacKeys" not in config
    definition = sample_definition(
        customFields={"textCustomFields": [{"name": "caseId", "value": "QF-1042"}]}
    )
    envelope_id = api.create(definition)
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    wait_for(lambda: len(listener.received) == 2)

    assert [m["event"] for m in listener.messages()] == ["envelope-sent", "envelope-completed"]
    for received in listener.received:
        headers, body = received["headers"], received["body"]
        assert headers["X-Docusign-Signature-1"] == expected_signature(KEYS[0], body)
        assert headers["X-Docusign-Signature-2"] == expected_signature(KEYS[1], body)
        assert headers["X-Authorization-Digest"] == "HMACSHA256"
        assert headers["X-Docusign-Accountid"] == integration.account_id
        assert headers["Content-Type"].startswith("application/json")
    completed = listener.messages()[1]
    assert completed["apiVersion"] == "v2.1"
    assert completed["retryCount"] == 0
    assert completed["configurationId"] == config["configurationId"]
    assert completed["uri"] == (
        f"/restapi/v2.1/accounts/{integration.account_id}/envelopes/{envelope_id}"
    )
    assert completed["generatedDateTime"].endswith("Z")
    data = completed["data"]
    assert data["envelopeId"] == envelope_id
    assert data["accountId"] == integration.account_id
    assert data["userId"] == integration.user_id
    summary = data["envelopeSummary"]
    assert summary["status"] == "completed"
    assert summary["completedDateTime"]
    assert summary["customFields"]["textCustomFields"][0]["value"] == "QF-1042"
    assert summary["recipients"]["signers"][0]["email"] == "signer@example.com"
    assert summary["recipients"]["signers"][0]["status"] == "completed"
    assert "envelopeDocuments" not in summary


def test_recipient_events_carry_the_recipient_id(api, integration, listener):
    configure(api, integration, listener, events=["recipient-completed", "recipient-sent"])
    envelope_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{envelope_id}/recipients/1/sign")
    wait_for(lambda: len(listener.received) >= 4)
    seen = [(m["event"], m["data"]["recipientId"]) for m in listener.messages()]
    assert seen == [
        ("recipient-sent", "1"),
        ("recipient-completed", "1"),
        ("recipient-sent", "2"),
        ("recipient-completed", "2"),
    ]


def test_all_events_when_none_listed(api, integration, listener):
    configure(api, integration, listener)
    envelope_id = api.create(sample_definition())
    api.put(f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": "oops"})
    wait_for(lambda: any(m["event"] == "envelope-voided" for m in listener.messages()))
    events = [m["event"] for m in listener.messages()]
    assert events[:3] == ["envelope-created", "envelope-sent", "recipient-sent"]
    voided = listener.messages()[-1]["data"]["envelopeSummary"]
    assert voided["voidedReason"] == "oops"


def test_other_accounts_events_are_not_sent(api, integration, listener):
    configure(api, integration, listener, accountId="another-account")
    api.create(sample_definition())
    api.create(sample_definition())
    assert listener.received == []


def test_documents_are_included_on_request(api, integration, listener):
    configure(api, integration, listener, events=["envelope-completed"], includeDocuments=True)
    envelope_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    wait_for(lambda: listener.received)
    documents = listener.messages()[0]["data"]["envelopeSummary"]["envelopeDocuments"]
    assert [d["documentId"] for d in documents] == ["1", "2", "3", "certificate"]
    for document in documents:
        assert base64.b64decode(document["PDFBytes"]).startswith(b"%PDF")


def test_failed_delivery_is_retried_with_retry_count(api, emulator, integration, listener):
    emulator.state.connect_retry_seconds = 0.05
    listener.statuses = [500, 503]
    configure(api, integration, listener, events=["envelope-sent"])
    api.create(sample_definition())
    wait_for(lambda: len(listener.received) == 3)
    assert [m["retryCount"] for m in listener.messages()] == [0, 1, 2]
    for received in listener.received:  # each attempt is signed over its own body
        assert received["headers"]["X-Docusign-Signature-1"] == expected_signature(
            KEYS[0], received["body"]
        )
    deliveries = wait_for(
        lambda: [
            d
            for d in api.control("GET", "/connect/deliveries").json()["deliveries"]
            if d["status"] == "delivered"
        ]
    )
    assert [a["status"] for a in deliveries[0]["attempts"]] == [500, 503, 200]
    assert deliveries[0]["retryCount"] == 2


def test_delivery_gives_up_after_the_retry_limit(api, emulator, integration, listener):
    emulator.state.connect_retry_seconds = 0.02
    emulator.state.connect_max_retries = 2
    listener.statuses = [500] * 10
    configure(api, integration, listener, events=["envelope-sent"])
    api.create(sample_definition())
    delivery = wait_for(
        lambda: [
            d
            for d in api.control("GET", "/connect/deliveries").json()["deliveries"]
            if d["status"] == "failed"
        ]
    )[0]
    assert len(delivery["attempts"]) == 3
    assert len(listener.received) == 3


def test_unreachable_listener_is_recorded(api, emulator, integration):
    emulator.state.connect_retry_seconds = 60
    response = api.control(
        "POST",
        "/connect",
        json={"accountId": integration.account_id, "url": "http://127.0.0.1:9/nowhere"},
    )
    assert response.status_code == 201
    api.create(sample_definition())
    delivery = wait_for(
        lambda: [
            d
            for d in api.control("GET", "/connect/deliveries").json()["deliveries"]
            if d["attempts"]
        ]
    )[0]
    assert delivery["attempts"][0]["error"] == "ConnectionError"
    assert delivery["status"] == "retrying"


def test_connect_configuration_through_docusigns_api(api, emulator, integration, listener):
    api.control(
        "POST", "/connect/keys", json={"accountId": integration.account_id, "keys": KEYS[:1]}
    )
    response = api.post(
        "/connect",
        json={
            "configurationType": "custom",
            "urlToPublishTo": listener.url,
            "name": "Connector",
            "allUsers": "true",
            "allowEnvelopePublish": "true",
            "includeHMAC": "true",
            "events": ["envelope-sent"],
            "eventData": {"version": "restv2.1", "format": "json", "includeData": ["recipients"]},
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["urlToPublishTo"] == listener.url
    assert created["includeHMAC"] == "true"
    listed = api.get("/connect").json()
    assert listed["totalRecords"] == "1"
    api.create(sample_definition())
    wait_for(lambda: listener.received)
    received = listener.received[0]
    assert received["headers"]["X-Docusign-Signature-1"] == expected_signature(
        KEYS[0], received["body"]
    )
    assert "X-Docusign-Signature-2" not in received["headers"]
    summary = listener.messages()[0]["data"]["envelopeSummary"]
    assert "recipients" in summary
    assert "customFields" not in summary
    assert api.request("DELETE", f"/connect/{created['connectId']}").status_code == 200
    assert api.get("/connect").json()["totalRecords"] == "0"
    missing = api.post("/connect", json={"events": ["envelope-sent"]})
    assert missing.status_code == 400
    assert missing.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_unknown_event_names_are_refused(api, integration, listener):
    response = api.control(
        "POST",
        "/connect",
        json={
            "accountId": integration.account_id,
            "url": listener.url,
            "events": ["recipient-signed"],
        },
    )
    assert response.status_code == 400
    assert "recipient-signed" in response.json()["error"]


def test_envelope_level_event_notification(api, emulator, integration, listener):
    api.control(
        "POST", "/connect/keys", json={"accountId": integration.account_id, "keys": KEYS[:1]}
    )
    definition = sample_definition(
        eventNotification={
            "url": listener.url,
            "events": ["envelope-completed"],
            "eventData": {"version": "restv2.1", "format": "json", "includeData": ["recipients"]},
            "includeHMAC": "true",
            "requireAcknowledgment": "true",
        }
    )
    envelope_id = api.create(definition)
    other_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{other_id}/complete")
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    wait_for(lambda: listener.received)
    assert [m["data"]["envelopeId"] for m in listener.messages()] == [envelope_id]
    received = listener.received[0]
    assert received["headers"]["X-Docusign-Signature-1"] == expected_signature(
        KEYS[0], received["body"]
    )


def test_event_notification_needs_a_url_and_events(api):
    response = api.post(
        "/envelopes", json=sample_definition(eventNotification={"url": "https://x.example"})
    )
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"


def test_configuration_from_python(emulator, api, integration, listener):
    config = emulator.state.add_connect_configuration(
        account_id=integration.account_id,
        url=listener.url,
        hmac_keys=KEYS[:1],
        events=["envelope-sent"],
    )
    assert config["includeData"] == ["custom_fields", "recipients"]
    api.create(sample_definition())
    wait_for(lambda: listener.received)
    assert listener.messages()[0]["configurationId"] == config["configurationId"]
    with pytest.raises(ValueError):
        emulator.state.add_connect_configuration(account_id="a", url="ftp://x", events=[])


def test_redelivery_sends_the_identical_message(api, integration, listener):
    configure(api, integration, listener, events=["envelope-sent"])
    api.create(sample_definition())
    wait_for(lambda: listener.received)
    delivery_id = api.control("GET", "/connect/deliveries").json()["deliveries"][0]["deliveryId"]
    response = api.control("POST", f"/connect/deliveries/{delivery_id}/redeliver")
    assert response.status_code == 201
    assert response.json()["redeliveryOf"] == delivery_id
    wait_for(lambda: len(listener.received) == 2)
    first, second = listener.received
    assert first["body"] == second["body"]
    assert first["headers"]["X-Docusign-Signature-1"] == second["headers"]["X-Docusign-Signature-1"]
    assert api.control("POST", "/connect/deliveries/999/redeliver").status_code == 404


def test_republish_through_docusigns_retry_queue(api, integration, listener):
    configure(api, integration, listener, events=["envelope-sent", "envelope-completed"])
    envelope_id = api.create(sample_definition())
    wait_for(lambda: len(listener.received) == 1)
    response = api.put(f"/connect/envelopes/{envelope_id}/retry_queue")
    assert response.status_code == 200
    assert response.json()["retryQueue"][0]["envelopeId"] == envelope_id
    assert schema.check_body("connectFailureResults", response.json()) == []
    wait_for(lambda: len(listener.received) == 2)
    assert [m["event"] for m in listener.messages()] == ["envelope-sent", "envelope-sent"]
    missing = api.put("/connect/envelopes/00000000-0000-0000-0000-000000000000/retry_queue")
    assert missing.status_code == 404


def test_connect_survives_a_server_restart(key_pair, listener):
    from local.emulator import EmulatorServer, EmulatorState

    state = EmulatorState()
    server = EmulatorServer(state=state).start()
    server.stop()
    assert state.connect_publisher is None
    server.start()
    try:
        _, public = key_pair
        state.register_integration("ik-restart", public, "u-restart")
        account_id = state.user_accounts("u-restart")[0]["account_id"]
        state.add_connect_configuration(account_id=account_id, url=listener.url)
        state.add_envelope(
            {
                "envelopeId": "e-restart",
                "accountId": account_id,
                "status": "created",
                "emailSubject": "s",
                "emailBlurb": "",
                "transactionId": None,
                "templateId": None,
                "notification": {
                    "useAccountDefaults": "false",
                    "reminders": {},
                    "expirations": {"expireEnabled": "false", "expireAfter": "1"},
                },
                "customFields": {"textCustomFields": [], "listCustomFields": []},
                "eventNotification": None,
                "recipients": {"recipientCount": "0", "currentRoutingOrder": "1"},
                "documents": [],
                "sender": {
                    "userName": "n",
                    "userId": "u-restart",
                    "accountId": account_id,
                    "email": "e@example.com",
                },
                "signingLocation": "online",
            }
        )
        wait_for(lambda: listener.received)
        assert listener.messages()[0]["event"] == "envelope-created"
    finally:
        server.stop()
