"""createEnvelope: DocuSign-shaped bodies are accepted; each prose rule is enforced."""

from __future__ import annotations

import copy
import re
import uuid

import pytest

from local.emulator.tests.helpers import b64, sample_definition

pytestmark = pytest.mark.integration

DATE_PATTERN = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$")


def test_docusign_example_body_is_accepted_and_sent(api, emulator):
    response = api.post("/envelopes", json=sample_definition(transactionId="tx-1"))
    assert response.status_code == 201
    body = response.json()
    envelope_id = body["envelopeId"]
    assert uuid.UUID(envelope_id)
    assert body["status"] == "sent"
    assert body["uri"] == f"/envelopes/{envelope_id}"
    assert DATE_PATTERN.match(body["statusDateTime"])

    record = emulator.state.envelopes[envelope_id]
    assert record["transactionId"] == "tx-1"
    assert record["sentDateTime"]
    signer = record["recipients"]["signers"][0]
    cc = record["recipients"]["carbonCopies"][0]
    assert signer["status"] == "sent"
    assert cc["status"] == "created"  # routing order 2: not reached yet
    assert [d["documentId"] for d in record["documents"]] == ["1", "2", "3"]


def test_status_omitted_makes_a_draft(api, emulator):
    definition = sample_definition()
    del definition["status"]
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 201
    assert response.json()["status"] == "created"
    record = emulator.state.envelopes[response.json()["envelopeId"]]
    assert record.get("sentDateTime") is None
    assert record["recipients"]["signers"][0]["status"] == "created"


def _expect_error(api, emulator, definition, status, error_code, **kwargs):
    before = len(emulator.state.envelopes)
    response = api.post("/envelopes", json=definition, **kwargs)
    assert response.status_code == status, response.text
    assert response.json()["errorCode"] == error_code
    assert response.json()["message"]
    assert len(emulator.state.envelopes) == before  # nothing was created
    return response.json()


def test_invalid_status_at_creation(api, emulator):
    _expect_error(
        api, emulator, sample_definition(status="completed"), 400, "ENVELOPE_INVALID_STATUS"
    )


def test_sent_without_subject_is_incomplete(api, emulator):
    definition = sample_definition()
    del definition["emailSubject"]
    _expect_error(api, emulator, definition, 400, "ENVELOPE_IS_INCOMPLETE")


def test_sent_without_documents_is_incomplete(api, emulator):
    _expect_error(api, emulator, sample_definition(documents=[]), 400, "ENVELOPE_IS_INCOMPLETE")


def test_sent_without_recipients_is_incomplete(api, emulator):
    _expect_error(api, emulator, sample_definition(recipients={}), 400, "ENVELOPE_IS_INCOMPLETE")


def test_draft_may_lack_subject_and_recipients(api):
    response = api.post(
        "/envelopes", json=sample_definition(status="created", recipients={}, emailSubject="")
    )
    assert response.status_code == 201


def test_subject_over_100_characters_is_an_error(api, emulator):
    _expect_error(
        api, emulator, sample_definition(emailSubject="x" * 101), 400, "INVALID_REQUEST_PARAMETER"
    )
    assert api.post("/envelopes", json=sample_definition(emailSubject="x" * 100)).status_code == 201


def test_blurb_over_10000_characters_is_an_error(api, emulator):
    _expect_error(
        api, emulator, sample_definition(emailBlurb="x" * 10_001), 400, "INVALID_REQUEST_PARAMETER"
    )


@pytest.mark.parametrize("content", ["not base64!!", ""])
def test_undecodable_or_empty_document(api, emulator, content):
    definition = sample_definition()
    definition["documents"][2]["documentBase64"] = content
    _expect_error(api, emulator, definition, 400, "UNABLE_TO_LOAD_DOCUMENT")


def test_non_pdf_without_file_extension(api, emulator):
    definition = sample_definition()
    del definition["documents"][0]["fileExtension"]
    _expect_error(api, emulator, definition, 400, "UNABLE_TO_LOAD_DOCUMENT")


def test_pdf_without_file_extension_is_fine(api):
    definition = sample_definition()
    definition["documents"] = [definition["documents"][2]]
    del definition["documents"][0]["fileExtension"]
    del definition["recipients"]["signers"][0]["tabs"]
    assert api.post("/envelopes", json=definition).status_code == 201


def test_broken_pdf_cannot_be_loaded(api, emulator):
    definition = sample_definition()
    definition["documents"][2]["documentBase64"] = b64(b"%PDF-1.4 this is not really a pdf")
    _expect_error(api, emulator, definition, 400, "UNABLE_TO_LOAD_DOCUMENT")


def test_document_needs_id_and_name(api, emulator):
    definition = sample_definition()
    del definition["documents"][1]["documentId"]
    _expect_error(api, emulator, definition, 400, "INVALID_REQUEST_PARAMETER")
    definition = sample_definition()
    del definition["documents"][1]["name"]
    _expect_error(api, emulator, definition, 400, "UNABLE_TO_LOAD_DOCUMENT")


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["recipients"]["signers"][0].__setitem__("routingOrder", 1),
        lambda d: d["documents"][0].__setitem__("documentId", 1),
        lambda d: d.__setitem__("notification", {"reminders": {"reminderEnabled": True}}),
        lambda d: d["recipients"]["carbonCopies"][0].__setitem__("recipientId", 2.0),
    ],
    ids=["routingOrder", "documentId", "reminderEnabled", "recipientId"],
)
def test_strict_mode_refuses_numbers_and_booleans_where_strings_belong(api, emulator, mutate):
    emulator.state.strict_types = True
    definition = sample_definition()
    mutate(definition)
    body = _expect_error(api, emulator, definition, 400, "INVALID_REQUEST_BODY")
    assert "strict mode" in body["message"]


def test_numbers_and_booleans_are_read_as_their_text_by_default(api, emulator):
    """DocuSign's own examples send `documentId: 1` and `clientUserId: 1000`; DocuSign reads
    them as "1" and "1000", and so does the emulator unless it is strict."""
    emulator.state.clear_requests()
    definition = sample_definition()
    definition["documents"][0]["documentId"] = 1
    signer = definition["recipients"]["signers"][0]
    signer.update({"recipientId": 1, "routingOrder": 1, "clientUserId": 1000})
    definition["recipients"]["carbonCopies"][0]["recipientId"] = 2
    definition["notification"] = {"reminders": {"reminderEnabled": True, "reminderDelay": 2}}
    envelope_id = api.create(definition)
    record = emulator.state.envelopes[envelope_id]
    assert [d["documentId"] for d in record["documents"]] == ["1", "2", "3"]
    stored = record["recipients"]["signers"][0]
    assert (stored["recipientId"], stored["routingOrder"], stored["clientUserId"]) == (
        "1",
        "1",
        "1000",
    )
    assert record["recipients"]["carbonCopies"][0]["recipientId"] == "2"
    assert record["notification"]["reminders"] == {
        "reminderEnabled": "true",
        "reminderDelay": "2",
        "reminderFrequency": "0",
    }
    assert sorted(emulator.state.requests[-1]["coercedProperties"]) == [
        "documents[0].documentId",
        "notification.reminders.reminderDelay",
        "notification.reminders.reminderEnabled",
        "recipients.carbonCopies[0].recipientId",
        "recipients.signers[0].clientUserId",
        "recipients.signers[0].recipientId",
        "recipients.signers[0].routingOrder",
    ]
    # The recipient view finds the embedded signer by the number, as DocuSign's example asks.
    view = api.post(
        f"/envelopes/{envelope_id}/views/recipient",
        json={
            "authenticationMethod": "none",
            "clientUserId": 1000,
            "recipientId": "1",
            "userName": "Sam Signer",
            "email": "signer@example.com",
            "returnUrl": "https://example.com/back",
        },
    )
    assert view.status_code == 201, view.text


def test_malformed_json(api, emulator):
    _expect_error(
        api,
        emulator,
        None,
        400,
        "INVALID_REQUEST_BODY",
        data=b'{"emailSubject": "x",',
        headers={"Content-Type": "application/json"},
    )


def test_recipient_ids_must_be_present_and_unique(api, emulator):
    definition = sample_definition()
    definition["recipients"]["carbonCopies"][0]["recipientId"] = "1"
    _expect_error(api, emulator, definition, 400, "INVALID_RECIPIENT_ID")
    definition = sample_definition()
    del definition["recipients"]["signers"][0]["recipientId"]
    _expect_error(api, emulator, definition, 400, "INVALID_RECIPIENT_ID")


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", ("x" * 95) + "@example.com"])
def test_signer_email_must_be_valid(api, emulator, email):
    definition = sample_definition()
    definition["recipients"]["signers"][0]["email"] = email
    _expect_error(api, emulator, definition, 400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")


def test_cc_email_must_be_valid(api, emulator):
    definition = sample_definition()
    del definition["recipients"]["carbonCopies"][0]["email"]
    _expect_error(api, emulator, definition, 400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")


@pytest.mark.parametrize("name", [None, "", "n" * 101])
def test_signer_name_is_required_and_bounded(api, emulator, name):
    definition = sample_definition()
    definition["recipients"]["signers"][0]["name"] = name
    if name is None:
        del definition["recipients"]["signers"][0]["name"]
    _expect_error(api, emulator, definition, 400, "INVALID_USERNAME_FOR_RECIPIENT")


def test_request_over_size_limit_is_rejected(api, emulator):
    definition = sample_definition()
    definition["documents"][2]["documentBase64"] = "A" * 35_651_584
    body = _expect_error(api, emulator, definition, 413, "REQUEST_ENTITY_TOO_LARGE")
    assert "35651584" in body["message"]


def test_notification_and_custom_fields_are_kept(api):
    definition = sample_definition(
        notification={
            "useAccountDefaults": "false",
            "reminders": {
                "reminderEnabled": "true",
                "reminderDelay": "2",
                "reminderFrequency": "3",
            },
            "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"},
        },
        customFields={
            "textCustomFields": [
                {"name": "caseId", "value": "QF-1042", "show": "true", "required": "false"}
            ]
        },
    )
    envelope_id = api.create(definition)
    notification = api.get(f"/envelopes/{envelope_id}/notification").json()
    assert notification == {
        "useAccountDefaults": "false",
        "reminders": {"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "3"},
        "expirations": {"expireEnabled": "true", "expireAfter": "30", "expireWarn": "5"},
    }
    envelope = api.get(f"/envelopes/{envelope_id}", params={"include": "custom_fields"}).json()
    fields = envelope["customFields"]["textCustomFields"]
    assert [(f["name"], f["value"], f["show"], f["required"]) for f in fields] == [
        ("caseId", "QF-1042", "true", "false")
    ]
    assert envelope["notification"] == notification
    assert envelope["expireEnabled"] == "true"
    assert envelope["expireAfter"] == "30"
    assert envelope["expireDateTime"] > envelope["sentDateTime"]
    custom = api.get(f"/envelopes/{envelope_id}/custom_fields").json()
    assert custom["textCustomFields"][0]["value"] == "QF-1042"


def test_unauthenticated_and_foreign_account_calls(api, emulator):
    definition = copy.deepcopy(sample_definition())
    no_token = api.session.post(
        f"{emulator.url}/restapi/v2.1/accounts/{uuid.uuid4()}/envelopes",
        json=definition,
        headers={"Authorization": "Bearer nope"},
        timeout=10,
    )
    assert no_token.status_code == 401
    assert no_token.json() == {
        "errorCode": "USER_AUTHENTICATION_FAILED",
        "message": "One or both of Username and Password are invalid. Invalid access token",
    }
    foreign = api.session.post(
        f"{emulator.url}/restapi/v2.1/accounts/{uuid.uuid4()}/envelopes",
        json=definition,
        timeout=10,
    )
    assert foreign.status_code == 400
    assert foreign.json()["errorCode"] == "USER_DOES_NOT_BELONG_TO_SPECIFIED_ACCOUNT"
    assert emulator.state.envelopes == {}


def test_expired_token_is_refused(api, emulator):
    emulator.state.advance_clock(3600)
    response = api.post("/envelopes", json=sample_definition())
    assert response.status_code == 401
    assert response.json()["errorCode"] == "USER_AUTHENTICATION_FAILED"


def test_account_defaults_apply_when_not_overridden(api, emulator):
    envelope_id = api.create(sample_definition())
    notification = api.get(f"/envelopes/{envelope_id}/notification").json()
    assert notification["reminders"]["reminderEnabled"] == "false"
    assert notification["expirations"] == {
        "expireEnabled": "true",
        "expireAfter": "120",
        "expireWarn": "0",
    }
    envelope = api.get(f"/envelopes/{envelope_id}").json()
    assert envelope["expireDateTime"][:10] > envelope["sentDateTime"][:10]
    defaults = sample_definition(
        notification={
            "useAccountDefaults": "true",
            "reminders": {"reminderEnabled": "true", "reminderDelay": "1"},
            "expirations": {"expireEnabled": "true", "expireAfter": "3"},
        }
    )
    overridden = api.get(f"/envelopes/{api.create(defaults)}/notification").json()
    assert overridden["useAccountDefaults"] == "true"
    assert overridden["reminders"]["reminderEnabled"] == "false"
    assert overridden["expirations"]["expireAfter"] == "120"


def test_chunked_request_body_is_accepted(api, emulator):
    import json

    payload = json.dumps(sample_definition(transactionId="chunked")).encode()

    def chunks():
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    response = api.post("/envelopes", data=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text
    assert emulator.state.requests[-1]["json"]["transactionId"] == "chunked"


def _with_anchor(anchor: str, **tab: str) -> dict:
    definition = sample_definition()
    definition["recipients"]["signers"][0]["tabs"] = {
        "signHereTabs": [{"anchorString": anchor, "anchorUnits": "pixels", **tab}]
    }
    return definition


def test_anchor_strings_must_be_found_in_a_document(api, emulator):
    body = _expect_error(api, emulator, _with_anchor("/sn9/"), 400, "ANCHOR_TAB_STRING_NOT_FOUND")
    assert "/sn9/" in body["message"]
    ignored = _with_anchor("/sn9/", anchorIgnoreIfNotPresent="true")
    assert api.post("/envelopes", json=ignored).status_code == 201


def test_anchor_found_in_pdf_and_office_text(api, emulator):
    from local.emulator import make_docx, make_pdf

    definition = _with_anchor("/pdf-anchor/")
    definition["documents"][2]["documentBase64"] = b64(make_pdf("Deal", ["Sign: /pdf-anchor/"]))
    envelope_id = api.create(definition)
    [tab] = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]["tabs"][
        "signHereTabs"
    ]
    assert tab["documentId"] == "3"

    definition = _with_anchor("/docx-anchor/")
    definition["documents"][1]["documentBase64"] = b64(make_docx(["Sign: /docx-anchor/"]))
    envelope_id = api.create(definition)
    [tab] = emulator.state.envelopes[envelope_id]["recipients"]["signers"][0]["tabs"][
        "signHereTabs"
    ]
    assert tab["documentId"] == "2"


def test_a_docx_that_is_a_zip_without_a_word_document_cannot_be_converted(api, emulator):
    import io
    import zipfile

    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("notes.txt", "not a Word document")
    for content in (package.getvalue(), b"PK\x03\x04 truncated"):
        definition = sample_definition()
        definition["documents"][1]["documentBase64"] = b64(content)
        _expect_error(api, emulator, definition, 400, "FORMAT_CONVERSION_ERROR")


def test_other_recipient_kinds_need_their_fields(api, emulator):
    definition = sample_definition()
    definition["recipients"]["certifiedDeliveries"] = [
        {"recipientId": "9", "name": "Reader", "routingOrder": "1"}
    ]
    _expect_error(api, emulator, definition, 400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT")
    definition = sample_definition()
    definition["recipients"]["inPersonSigners"] = [
        {"recipientId": "9", "signerName": "Walk In", "routingOrder": "1"}
    ]
    _expect_error(api, emulator, definition, 400, "INVALID_REQUEST_PARAMETER")
    definition["recipients"]["inPersonSigners"][0].update(
        {"hostName": "Host", "hostEmail": "host@example.com"}
    )
    assert api.post("/envelopes", json=definition).status_code == 201


ACCOUNT_SETTINGS = {
    "reminders": {"reminderEnabled": "true", "reminderDelay": "2", "reminderFrequency": "3"},
    "expirations": {"expireEnabled": "true", "expireAfter": "45", "expireWarn": "5"},
}
SYSTEM_DEFAULTS = {
    "useAccountDefaults": "false",
    "reminders": {"reminderEnabled": "false", "reminderDelay": "0", "reminderFrequency": "0"},
    "expirations": {"expireEnabled": "true", "expireAfter": "120", "expireWarn": "0"},
}


def test_without_a_notification_block_the_system_defaults_apply_not_the_account_settings(
    api, emulator, integration
):
    response = api.control(
        "PUT", f"/accounts/{integration.account_id}/notification", json=ACCOUNT_SETTINGS
    )
    assert response.status_code == 200
    envelope_id = api.create(sample_definition())
    assert api.get(f"/envelopes/{envelope_id}/notification").json() == SYSTEM_DEFAULTS
    envelope = api.get(f"/envelopes/{envelope_id}").json()
    assert envelope["notification"] == SYSTEM_DEFAULTS
    assert envelope["expireAfter"] == "120"


def test_use_account_defaults_applies_the_account_settings_and_ignores_the_rest(
    api, emulator, integration
):
    api.control("PUT", f"/accounts/{integration.account_id}/notification", json=ACCOUNT_SETTINGS)
    definition = sample_definition(
        notification={
            "useAccountDefaults": "true",
            "reminders": {"reminderEnabled": "true", "reminderDelay": "9"},
            "expirations": {"expireEnabled": "true", "expireAfter": "9"},
        }
    )
    envelope_id = api.create(definition)
    applied = api.get(f"/envelopes/{envelope_id}/notification").json()
    assert applied == {"useAccountDefaults": "true", **ACCOUNT_SETTINGS}
    envelope = api.get(f"/envelopes/{envelope_id}").json()
    assert envelope["expireAfter"] == "45"


def test_a_half_left_out_gets_the_system_default(api, emulator, integration):
    api.control("PUT", f"/accounts/{integration.account_id}/notification", json=ACCOUNT_SETTINGS)
    only_reminders = sample_definition(
        notification={
            "useAccountDefaults": "false",
            "reminders": {
                "reminderEnabled": "true",
                "reminderDelay": "1",
                "reminderFrequency": "2",
            },
        }
    )
    applied = api.get(f"/envelopes/{api.create(only_reminders)}/notification").json()
    assert applied["reminders"] == {
        "reminderEnabled": "true",
        "reminderDelay": "1",
        "reminderFrequency": "2",
    }
    assert applied["expirations"] == SYSTEM_DEFAULTS["expirations"]
    only_expiry = sample_definition(
        notification={
            "useAccountDefaults": "false",
            "expirations": {"expireEnabled": "true", "expireAfter": "10", "expireWarn": "2"},
        }
    )
    applied = api.get(f"/envelopes/{api.create(only_expiry)}/notification").json()
    assert applied["reminders"] == SYSTEM_DEFAULTS["reminders"]
    assert applied["expirations"] == {
        "expireEnabled": "true",
        "expireAfter": "10",
        "expireWarn": "2",
    }


def test_a_docx_that_is_not_a_zip_is_a_format_conversion_error(api, emulator):
    definition = sample_definition()
    definition["documents"][1]["documentBase64"] = b64(b"plain text, not a docx")
    response = api.post("/envelopes", json=definition)
    assert response.status_code == 400
    assert response.json()["errorCode"] == "FORMAT_CONVERSION_ERROR"
    assert emulator.state.envelopes == {}
