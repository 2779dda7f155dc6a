"""Get, recipients, void, send a draft, signing order, documents and the certificate."""

from __future__ import annotations

import base64
import io
import uuid

import pytest
from pypdf import PdfReader

from local.emulator.tests.helpers import sample_definition, two_signer_definition

pytestmark = pytest.mark.integration


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_get_envelope_without_include_has_no_recipients(api):
    envelope_id = api.create(sample_definition(transactionId="tx-9", emailBlurb="Hello"))
    response = api.get(f"/envelopes/{envelope_id}")
    assert response.status_code == 200
    body = response.json()
    assert body["envelopeId"] == envelope_id
    assert body["status"] == "sent"
    assert body["emailSubject"] == "Please sign this document set"
    assert body["emailBlurb"] == "Hello"
    assert body["transactionId"] == "tx-9"
    for field in (
        "createdDateTime",
        "sentDateTime",
        "initialSentDateTime",
        "statusChangedDateTime",
        "lastModifiedDateTime",
    ):
        assert body[field].endswith("Z")
    assert body["certificateUri"] == f"/envelopes/{envelope_id}/documents/certificate"
    assert body["recipientsUri"] == f"/envelopes/{envelope_id}/recipients"
    assert "recipients" not in body
    assert "customFields" not in body
    assert "completedDateTime" not in body


def test_get_envelope_with_recipients(api):
    envelope_id = api.create(sample_definition())
    body = api.get(
        f"/envelopes/{envelope_id}", params={"include": "recipients,custom_fields"}
    ).json()
    recipients = body["recipients"]
    assert recipients["recipientCount"] == "2"
    assert recipients["currentRoutingOrder"] == "1"
    signer = recipients["signers"][0]
    assert signer["recipientId"] == "1"
    assert uuid.UUID(signer["recipientIdGuid"])
    assert signer["routingOrder"] == "1"
    assert signer["status"] == "sent"
    assert signer["recipientType"] == "signer"
    assert signer["sentDateTime"].endswith("Z")
    assert "tabs" not in signer
    cc = recipients["carbonCopies"][0]
    assert (cc["status"], cc["recipientType"], cc["routingOrder"]) == ("created", "carboncopy", "2")
    assert body["customFields"] == {"textCustomFields": [], "listCustomFields": []}


def test_unknown_and_foreign_envelopes_do_not_exist(api, emulator, key_pair):
    missing = api.get(f"/envelopes/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json() == {
        "errorCode": "ENVELOPE_DOES_NOT_EXIST",
        "message": "The envelope specified either does not exist or you have no rights to it.",
    }
    # The same user in a second account cannot see the first account's envelope there.
    envelope_id = api.create(sample_definition())
    user_id = next(iter(emulator.state.users))
    user = emulator.state.users[user_id]
    emulator.state.accounts["second"] = {
        "account_id": "second",
        "account_name": "B",
        "base_uri": None,
    }
    user["accounts"].append({"account_id": "second", "is_default": False})
    other = api.session.get(
        f"{emulator.url}/restapi/v2.1/accounts/second/envelopes/{envelope_id}", timeout=10
    )
    assert other.status_code == 404
    assert other.json()["errorCode"] == "ENVELOPE_DOES_NOT_EXIST"


def test_recipients_endpoint(api):
    envelope_id = api.create(sample_definition())
    body = api.get(f"/envelopes/{envelope_id}/recipients").json()
    assert [s["email"] for s in body["signers"]] == ["signer@example.com"]
    assert [c["email"] for c in body["carbonCopies"]] == ["cc@example.com"]
    with_tabs = api.get(f"/envelopes/{envelope_id}/recipients", params={"include_tabs": "true"})
    assert "signHereTabs" in with_tabs.json()["signers"][0]["tabs"]


def test_void_requires_a_reason(api, emulator):
    envelope_id = api.create(sample_definition())
    response = api.put(f"/envelopes/{envelope_id}", json={"status": "voided"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    assert "voidedReason" in response.json()["message"]
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"


def test_void_a_sent_envelope(api):
    envelope_id = api.create(sample_definition())
    response = api.put(
        f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": "Wrong NDA"}
    )
    assert response.status_code == 200
    assert response.json() == {"envelopeId": envelope_id}
    body = api.get(f"/envelopes/{envelope_id}").json()
    assert body["status"] == "voided"
    assert body["voidedReason"] == "Wrong NDA"
    assert body["voidedDateTime"] == body["statusChangedDateTime"]


@pytest.mark.parametrize("make_state", ["draft", "completed", "voided", "declined"])
def test_only_sent_or_delivered_envelopes_can_be_voided(api, make_state):
    status = "created" if make_state == "draft" else "sent"
    envelope_id = api.create(sample_definition(status=status))
    if make_state == "completed":
        assert api.control("POST", f"/envelopes/{envelope_id}/complete").status_code == 200
    elif make_state == "voided":
        api.put(f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": "first"})
    elif make_state == "declined":
        api.control("POST", f"/envelopes/{envelope_id}/recipients/1/decline", json={"reason": "no"})
    response = api.put(f"/envelopes/{envelope_id}", json={"status": "voided", "voidedReason": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "ENVELOPE_CANNOT_VOID_INVALID_STATE",
        "message": "Only envelopes in the 'Sent' or 'Delivered' states may be voided.",
    }


def test_send_a_draft(api):
    envelope_id = api.create(sample_definition(status="created"))
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "created"
    response = api.put(f"/envelopes/{envelope_id}", json={"status": "sent"})
    assert response.status_code == 200
    body = api.get(f"/envelopes/{envelope_id}", params={"include": "recipients"}).json()
    assert body["status"] == "sent"
    assert body["sentDateTime"]
    assert body["recipients"]["signers"][0]["status"] == "sent"
    again = api.put(f"/envelopes/{envelope_id}", json={"status": "sent"})
    assert again.status_code == 400
    assert again.json()["errorCode"] == "ENVELOPE_INVALID_STATUS"


def test_incomplete_draft_cannot_be_sent(api):
    envelope_id = api.create(sample_definition(status="created", recipients={}))
    response = api.put(f"/envelopes/{envelope_id}", json={"status": "sent"})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ENVELOPE_IS_INCOMPLETE"


def test_signing_follows_routing_order(api, emulator):
    envelope_id = api.create(two_signer_definition())
    out_of_turn = api.control("POST", f"/envelopes/{envelope_id}/recipients/3/sign")
    assert out_of_turn.status_code == 400
    assert out_of_turn.json()["errorCode"] == "RECIPIENT_NOT_IN_SEQUENCE"

    assert api.control("POST", f"/envelopes/{envelope_id}/recipients/1/sign").status_code == 200
    recipients = api.get(f"/envelopes/{envelope_id}/recipients").json()
    assert recipients["signers"][0]["status"] == "completed"
    assert recipients["signers"][0]["signedDateTime"]
    assert recipients["signers"][1]["status"] == "sent"  # routing order 3 is now current
    assert recipients["carbonCopies"][0]["status"] == "sent"  # order 2 was reached on the way
    assert recipients["currentRoutingOrder"] == "3"
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"

    assert api.control("POST", f"/envelopes/{envelope_id}/recipients/3/sign").status_code == 200
    body = api.get(f"/envelopes/{envelope_id}", params={"include": "recipients"}).json()
    assert body["status"] == "completed"
    assert body["completedDateTime"]
    assert body["recipients"]["carbonCopies"][0]["status"] == "completed"
    history = [h["status"] for h in emulator.state.envelopes[envelope_id]["history"]]
    assert history == ["created", "sent", "delivered", "completed"]


def test_parallel_signers_in_the_same_order(api):
    definition = two_signer_definition()
    definition["recipients"]["signers"][1]["routingOrder"] = "1"
    envelope_id = api.create(definition)
    assert api.control("POST", f"/envelopes/{envelope_id}/recipients/3/sign").status_code == 200
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "sent"
    assert api.control("POST", f"/envelopes/{envelope_id}/recipients/1/sign").status_code == 200
    assert api.get(f"/envelopes/{envelope_id}").json()["status"] == "completed"


def test_decline_ends_the_envelope(api):
    envelope_id = api.create(two_signer_definition())
    response = api.control(
        "POST", f"/envelopes/{envelope_id}/recipients/1/decline", json={"reason": "Not my deal"}
    )
    assert response.status_code == 200
    body = api.get(f"/envelopes/{envelope_id}", params={"include": "recipients"}).json()
    assert body["status"] == "declined"
    assert body["declinedDateTime"]
    signer = body["recipients"]["signers"][0]
    assert (signer["status"], signer["declinedReason"]) == ("declined", "Not my deal")
    assert api.control("POST", f"/envelopes/{envelope_id}/recipients/3/sign").status_code == 400


def test_envelope_expires_into_voided(api, emulator):
    definition = sample_definition(
        notification={
            "expirations": {"expireEnabled": "true", "expireAfter": "2", "expireWarn": "0"}
        }
    )
    envelope_id = api.create(definition)
    emulator.state.advance_clock(2 * 86400 + 1)
    # A fresh token: the first one has expired along the way.
    emulator.state.tokens[api.session.headers["Authorization"].split()[1]]["expires_at"] = (
        emulator.state.now().replace(year=2100)
    )
    body = api.get(f"/envelopes/{envelope_id}").json()
    assert body["status"] == "voided"
    assert body["voidedReason"] == "Envelope has expired."


def test_documents_list_has_content_and_certificate(api):
    envelope_id = api.create(sample_definition())
    response = api.get(f"/envelopes/{envelope_id}/documents")
    assert response.status_code == 200
    body = response.json()
    assert body["envelopeId"] == envelope_id
    documents = body["envelopeDocuments"]
    assert [d["documentId"] for d in documents] == ["1", "2", "3", "certificate"]
    first = documents[0]
    assert first["type"] == "content"
    assert first["name"] == "Order acknowledgement"
    assert first["uri"] == f"/envelopes/{envelope_id}/documents/1"
    assert first["order"] == "1"
    assert first["pages"][0]["sequence"] == "1"
    assert first["availableDocumentTypes"] == [{"type": "electronic", "isDefault": "true"}]
    certificate = documents[-1]
    assert (certificate["name"], certificate["type"], certificate["order"]) == (
        "Summary",
        "summary",
        "999",
    )


def test_pdf_document_download_gains_a_signature_page(api):
    envelope_id = api.create(sample_definition())
    before = api.get(f"/envelopes/{envelope_id}/documents/3")
    assert before.status_code == 200
    assert before.headers["Content-Type"] == "application/pdf"
    assert (
        before.headers["Content-Disposition"] == 'file; filename="Lorem Ipsum.pdf"; documentid="3"'
    )
    assert len(PdfReader(io.BytesIO(before.content)).pages) == 1
    assert "World Wide Corp NDA" in pdf_text(before.content)

    api.control("POST", f"/envelopes/{envelope_id}/complete")
    after = api.get(f"/envelopes/{envelope_id}/documents/3")
    text = pdf_text(after.content)
    assert len(PdfReader(io.BytesIO(after.content)).pages) == 2
    assert "World Wide Corp NDA" in text
    assert "Signed by Sam Signer <signer@example.com>" in text


def test_non_pdf_documents_are_converted_with_their_text(api):
    envelope_id = api.create(sample_definition())
    docx = api.get(f"/envelopes/{envelope_id}/documents/2")
    assert docx.status_code == 200 and docx.content.startswith(b"%PDF")
    assert pdf_text(docx.content).splitlines() == ["Battle plan", "Sign here: /sn1/"]
    html = api.get(f"/envelopes/{envelope_id}/documents/1")
    assert pdf_text(html.content).splitlines() == [
        "Order acknowledgement",
        "Agreed: **signature_1**",
    ]


def test_certificate_of_completion(api):
    envelope_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    response = api.get(f"/envelopes/{envelope_id}/documents/certificate")
    assert response.status_code == 200
    assert 'filename="Summary.pdf"' in response.headers["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Certificate Of Completion" in text
    assert envelope_id in text
    assert "Please sign this document set" in text
    assert "Completed" in text
    assert "Sam Signer <signer@example.com>" in text
    assert "Charlie Copy <cc@example.com>" in text


def test_combined_and_base64_downloads(api):
    envelope_id = api.create(sample_definition())
    combined = api.get(f"/envelopes/{envelope_id}/documents/combined")
    assert len(PdfReader(io.BytesIO(combined.content)).pages) == 3
    with_certificate = api.get(
        f"/envelopes/{envelope_id}/documents/combined", params={"certificate": "true"}
    )
    assert "Certificate Of Completion" in pdf_text(with_certificate.content)
    encoded = api.get(
        f"/envelopes/{envelope_id}/documents/3", headers={"Content-Transfer-Encoding": "base64"}
    )
    assert base64.b64decode(encoded.content).startswith(b"%PDF-1.4")


def test_unknown_document(api):
    envelope_id = api.create(sample_definition())
    response = api.get(f"/envelopes/{envelope_id}/documents/42")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "DOCUMENT_DOES_NOT_EXIST"


def test_list_status_changes_needs_a_filter(api):
    response = api.get("/envelopes")
    assert response.status_code == 400
    assert response.json() == {
        "errorCode": "INVALID_REQUEST_PARAMETER",
        "message": "The request contained at least one invalid parameter. Query parameter "
        "'from_date' must be set to a valid DateTime, or 'envelope_ids' or 'transaction_ids' "
        "must be specified.",
    }


def test_list_status_changes_by_transaction_id_finds_a_lost_envelope(api):
    envelope_id = api.create(sample_definition(transactionId="idem-123"))
    api.create(sample_definition(transactionId="other"))
    body = api.get("/envelopes", params={"transaction_ids": "idem-123"}).json()
    assert body["resultSetSize"] == "1"
    assert body["totalSetSize"] == "1"
    assert body["envelopes"][0]["envelopeId"] == envelope_id
    assert body["envelopeTransactionStatuses"] == [
        {"envelopeId": envelope_id, "status": "sent", "transactionId": "idem-123"}
    ]


def test_list_status_changes_since_a_date(api, emulator):
    first = api.create(sample_definition())
    since = emulator.state.timestamp()
    emulator.state.advance_clock(5)
    second = api.create(sample_definition())
    body = api.get("/envelopes", params={"from_date": since}).json()
    assert [e["envelopeId"] for e in body["envelopes"]] == [second]
    api.put(f"/envelopes/{first}", json={"status": "voided", "voidedReason": "x"})
    body = api.get("/envelopes", params={"from_date": since, "status": "voided"}).json()
    assert [e["envelopeId"] for e in body["envelopes"]] == [first]
    by_id = api.get("/envelopes", params={"envelope_ids": f"{first},{second}"}).json()
    assert by_id["totalSetSize"] == "2"


def test_put_status_with_ids_in_the_body(api):
    envelope_id = api.create(sample_definition())
    response = api.put(
        "/envelopes/status",
        params={"envelope_ids": "request_body"},
        json={"envelopeIds": [envelope_id]},
    )
    assert response.status_code == 200
    assert response.json()["envelopes"][0]["envelopeId"] == envelope_id


def test_audit_events_follow_the_history(api):
    envelope_id = api.create(sample_definition())
    api.control("POST", f"/envelopes/{envelope_id}/complete")
    response = api.get(f"/envelopes/{envelope_id}/audit_events")
    assert response.status_code == 200
    events = [
        {f["name"]: f["value"] for f in e["eventFields"]} for e in response.json()["auditEvents"]
    ]
    actions = [e["Action"] for e in events]
    assert actions[0] == "Registered"
    assert "Signed" in actions
    assert actions[-1] == "Completed"
    signed = next(e for e in events if e["Action"] == "Signed")
    assert signed["UserName"] == "Sam Signer"
    assert events[-1]["EnvelopeStatus"] == "completed"
    assert "Charlie Copy" not in [e["UserName"] for e in events]


def test_list_status_changes_pages(api):
    ids = [api.create(sample_definition(transactionId="paged")) for _ in range(3)]
    first = api.get("/envelopes", params={"transaction_ids": "paged", "count": "2"}).json()
    assert (first["resultSetSize"], first["totalSetSize"], first["startPosition"]) == (
        "2",
        "3",
        "0",
    )
    assert first["endPosition"] == "1"
    assert "start_position=2" in first["nextUri"]
    second = api.get(
        "/envelopes", params={"transaction_ids": "paged", "count": "2", "start_position": "2"}
    ).json()
    assert second["resultSetSize"] == "1"
    assert "nextUri" not in second
    seen = [e["envelopeId"] for e in first["envelopes"] + second["envelopes"]]
    assert sorted(seen) == sorted(ids)


def test_events_and_clock_control_endpoints(api, emulator):
    envelope_id = api.create(sample_definition())
    events = api.control("GET", "/events").json()["events"]
    assert [e["event"] for e in events if e["envelopeId"] == envelope_id][:3] == [
        "envelope-created",
        "envelope-sent",
        "recipient-sent",
    ]
    before = emulator.state.now()
    moved = api.control("POST", "/clock", json={"advanceSeconds": 3600})
    assert moved.status_code == 200
    assert (emulator.state.now() - before).total_seconds() >= 3600


def test_list_status_changes_next_uri_is_under_the_account_and_can_be_followed(
    api, emulator, integration
):
    since = emulator.state.timestamp()
    ids = [api.create(sample_definition()) for _ in range(3)]
    first = api.get("/envelopes", params={"from_date": since, "count": "2"}).json()
    prefix = f"/accounts/{integration.account_id}/envelopes?"
    assert first["nextUri"].startswith(prefix)
    followed = api.session.get(f"{api.root}/restapi/v2.1{first['nextUri']}", timeout=30)
    assert followed.status_code == 200
    second = followed.json()
    assert (second["startPosition"], second["resultSetSize"], second["endPosition"]) == (
        "2",
        "1",
        "2",
    )
    assert "nextUri" not in second
    seen = [e["envelopeId"] for e in first["envelopes"] + second["envelopes"]]
    assert sorted(seen) == sorted(ids)


def test_list_status_changes_caps_the_page_and_count_zero_lists_nothing(api, emulator):
    since = emulator.state.timestamp()
    for _ in range(3):
        api.create(sample_definition())
    emulator.state.list_page_cap = 2  # DocuSign's cap is 1,000; lowered to see it work
    capped = api.get("/envelopes", params={"from_date": since, "count": "5"}).json()
    assert (capped["resultSetSize"], capped["totalSetSize"]) == ("2", "3")
    assert "start_position=2" in capped["nextUri"]
    unasked = api.get("/envelopes", params={"from_date": since}).json()
    assert unasked["resultSetSize"] == "2"
    nothing = api.get("/envelopes", params={"from_date": since, "count": "0"}).json()
    assert (nothing["resultSetSize"], nothing["totalSetSize"], nothing["envelopes"]) == (
        "0",
        "3",
        [],
    )
    assert "nextUri" not in nothing


def test_list_status_changes_status_any_leaves_drafts_out(api, emulator):
    since = emulator.state.timestamp()
    sent = api.create(sample_definition())
    draft = api.create(sample_definition(status="created"))
    listed = api.get("/envelopes", params={"from_date": since, "status": "any"}).json()
    assert [e["envelopeId"] for e in listed["envelopes"]] == [sent]
    drafts = api.get("/envelopes", params={"from_date": since, "status": "created"}).json()
    assert [e["envelopeId"] for e in drafts["envelopes"]] == [draft]
