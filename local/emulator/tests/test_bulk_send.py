"""Bulk Send v2.1: lists, a send with a draft envelope, batches and their envelopes, DocuSign's
limits and error codes, and an account whose plan has no Bulk Send."""

from __future__ import annotations

from typing import Any

import pytest

from local.emulator.tests.helpers import b64, make_pdf

pytestmark = pytest.mark.integration

PDF = make_pdf("Agreement", ["Sign here: /sn1/", "Name: /nm1/"])


def _draft(list_id: str | None, **extra: Any) -> dict[str, Any]:
    fields = [{"name": "row", "value": "0", "show": "false", "required": "false"}]
    if list_id is not None:
        fields.append({"name": "mailingListId", "value": list_id, "show": "false"})
    return {
        "emailSubject": "Please sign",
        "status": "created",
        "documents": [
            {
                "documentBase64": b64(PDF),
                "name": "agreement",
                "fileExtension": "pdf",
                "documentId": "1",
            }
        ],
        "recipients": {
            "signers": [
                {
                    "email": "placeholder@example.com",
                    "name": "Placeholder",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "tabs": {
                        "signHereTabs": [{"anchorString": "/sn1/", "anchorUnits": "pixels"}],
                        "textTabs": [{"anchorString": "/nm1/", "tabLabel": "nickname"}],
                    },
                }
            ]
        },
        "customFields": {"textCustomFields": fields},
        **extra,
    }


def _copy(number: int, **recipient: Any) -> dict[str, Any]:
    return {
        "emailSubject": f"Please sign, row {number}",
        "recipients": [
            {
                "recipientId": "1",
                "name": f"Signer {number}",
                "email": f"signer{number}@example.com",
                "tabs": [{"tabLabel": "nickname", "initialValue": f"nick{number}"}],
                **recipient,
            }
        ],
        "customFields": [{"name": "row", "value": str(number)}],
    }


def _list(api, copies: list[dict[str, Any]]) -> str:
    response = api.post("/bulk_send_lists", json={"name": "file", "bulkCopies": copies})
    assert response.status_code == 201, response.text
    return response.json()["listId"]


def _send_ready(api, copies: int) -> tuple[str, str]:
    list_id = _list(api, [_copy(n) for n in range(1, copies + 1)])
    return list_id, api.create(_draft(list_id))


def test_a_list_sent_with_a_draft_becomes_one_sent_envelope_per_copy(api, emulator):
    list_id, draft_id = _send_ready(api, 3)
    sent = api.post(
        f"/bulk_send_lists/{list_id}/send",
        json={"envelopeOrTemplateId": draft_id, "batchName": "file-1"},
    )
    assert sent.status_code == 201, sent.text
    answer = sent.json()
    assert answer["batchSize"] == "3" and answer["envelopeOrTemplateId"] == draft_id
    assert answer["queueLimit"] == "2000" and answer["totalQueued"] == "3"
    batch_id = answer["batchId"]
    # The send only queued the batch; the next call of the account sees it queued, then sent.
    first = api.get(f"/bulk_send_batch/{batch_id}").json()
    assert (first["queued"], first["sent"], first["failed"]) == ("3", "0", "0")
    status = api.get(f"/bulk_send_batch/{batch_id}").json()
    assert (status["queued"], status["sent"], status["batchSize"]) == ("0", "3", "3")
    assert status["mailingListId"] == list_id and status["envelopeIdOrTemplateId"] == draft_id
    listed = api.get(
        f"/bulk_send_batch/{batch_id}/envelopes",
        params={"include": "recipients,custom_fields", "order": "asc"},
    ).json()
    assert listed["totalSetSize"] == "3"
    rows = []
    for envelope in listed["envelopes"]:
        assert envelope["status"] == "sent"
        [signer] = envelope["recipients"]["signers"]
        fields = {f["name"]: f["value"] for f in envelope["customFields"]["textCustomFields"]}
        rows.append((signer["email"], signer["name"], fields["row"], envelope["emailSubject"]))
        tabs = api.get(f"/envelopes/{envelope['envelopeId']}", params={"include": "tabs"}).json()
        [text] = tabs["recipients"]["signers"][0]["tabs"]["textTabs"]
        assert text["value"] == f"nick{fields['row']}"
    assert rows == [
        (f"signer{n}@example.com", f"Signer {n}", str(n), f"Please sign, row {n}")
        for n in (1, 2, 3)
    ]
    assert emulator.state.envelopes[draft_id]["status"] == "created"  # the draft stays a draft
    sent_events = [e for e in emulator.state.events if e["event"] == "envelope-sent"]
    assert len(sent_events) == 3
    summaries = api.get("/bulk_send_batch", params={"search_text": "file-1"}).json()
    [summary] = summaries["bulkBatchSummaries"]
    assert summary["batchId"] == batch_id and summary["sent"] == "3"
    assert summaries["batchSizeLimit"] == "1000" and summaries["totalQueued"] == "0"


def test_a_copy_completes_like_any_envelope(api, emulator):
    list_id, draft_id = _send_ready(api, 1)
    batch_id = api.post(
        f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": draft_id}
    ).json()["batchId"]
    api.get(f"/bulk_send_batch/{batch_id}")
    [envelope] = api.get(f"/bulk_send_batch/{batch_id}/envelopes").json()["envelopes"]
    emulator.state.complete(envelope["envelopeId"])
    assert api.get(f"/envelopes/{envelope['envelopeId']}").json()["status"] == "completed"
    archive = api.get(f"/envelopes/{envelope['envelopeId']}/documents/archive")
    assert archive.status_code == 200 and archive.content[:2] == b"PK"


def test_a_draft_without_the_mailing_list_field_is_refused(api, emulator):
    list_id = _list(api, [_copy(1)])
    draft_id = api.create(_draft(None))
    response = api.post(f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": draft_id})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "BULK_SEND_LIST_NOT_FOUND"
    assert emulator.state.bulk["batches"] == {}


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"envelopeOrTemplateId": ""}, "BULK_SEND_ENVELOPE_CANNOT_BE_NULL"),
        (
            {"envelopeOrTemplateId": "6b1c0c5e-0000-4000-8000-000000000000"},
            "BULK_SEND_ENVELOPE_NOT_FOUND",
        ),
    ],
)
def test_a_send_needs_an_envelope(api, emulator, body, code):
    list_id = _list(api, [_copy(1)])
    response = api.post(f"/bulk_send_lists/{list_id}/send", json=body)
    assert response.status_code == 400 and response.json()["errorCode"] == code
    assert emulator.state.bulk["batches"] == {}


def test_a_sent_envelope_is_not_sendable_and_an_unknown_list_is_not_found(api):
    list_id = _list(api, [_copy(1)])
    sent_id = api.create(_draft(list_id, status="sent"))
    response = api.post(f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": sent_id})
    assert response.json()["errorCode"] == "BULK_SEND_ENVELOPE_NOT_IN_SENDABLE_STATE"
    missing = api.get("/bulk_send_lists/6b1c0c5e-0000-4000-8000-000000000000")
    assert missing.status_code == 400 and missing.json()["errorCode"] == "BULK_SEND_LIST_NOT_FOUND"


@pytest.mark.parametrize(
    ("recipient", "code"),
    [
        (
            {"recipientId": "1", "roleName": "signer"},
            "BULK_SEND_CANNOT_USE_BOTH_ROLE_AND_ID_ON_SAME_RECIPIENT",
        ),
        ({"recipientId": None}, "BULK_SEND_RECIPIENT_ID_REQUIRED"),
        ({"name": ""}, "BULK_SEND_RECIPIENT_NAME_REQUIRED"),
        ({"email": ""}, "BULK_SEND_EMAIL_ADDRESS_REQUIRED_FOR_EMAIL_RECIPIENT"),
        ({"email": "not-an-address"}, "BULK_SEND_EMAIL_ADDRESS_NOT_VALID"),
        (
            {
                "tabs": [
                    {"tabLabel": "a", "initialValue": "1"},
                    {"tabLabel": "a", "initialValue": "2"},
                ]
            },
            "BULK_SEND_TAB_LABELS_MUST_BE_UNIQUE",
        ),
        ({"tabs": [{"tabLabel": "a"}]}, "BULK_SEND_TAB_VALUE_REQUIRED"),
    ],
)
def test_a_list_s_copies_are_checked_as_docusign_checks_them(api, emulator, recipient, code):
    response = api.post("/bulk_send_lists", json={"bulkCopies": [_copy(1, **recipient)]})
    assert response.status_code == 400 and response.json()["errorCode"] == code
    assert emulator.state.bulk["lists"] == {}


def test_copies_must_fit_the_envelope(api):
    list_id = _list(api, [_copy(1, tabs=[{"tabLabel": "unknown", "initialValue": "x"}])])
    draft_id = api.create(_draft(list_id))
    tested = api.post(f"/bulk_send_lists/{list_id}/test", json={"envelopeOrTemplateId": draft_id})
    assert tested.status_code == 201
    assert tested.json()["canBeSent"] is False
    assert tested.json()["validationErrors"] == ["BULK_SEND_TAB_LABEL_DOES_NOT_EXIST_IN_ENVELOPE"]
    fine_id = _list(api, [_copy(1)])
    fine_draft = api.create(_draft(fine_id))
    ok = api.post(f"/bulk_send_lists/{fine_id}/test", json={"envelopeOrTemplateId": fine_draft})
    assert ok.json()["canBeSent"] is True


def test_at_most_1000_copies_per_list(api, emulator):
    copies = [_copy(n) for n in range(1, 1002)]
    response = api.post("/bulk_send_lists", json={"bulkCopies": copies})
    assert response.status_code == 400
    assert response.json()["errorCode"] == "BULK_SEND_MAX_COPIES_EXCEEDED"
    assert emulator.state.bulk["lists"] == {}


def test_the_account_queue_holds_at_most_2000_envelopes(api, emulator):
    emulator.state.bulk_send_step = 0  # hold every batch in the queue
    batches = []
    for _ in range(2):
        list_id, draft_id = _send_ready(api, 1000)
        sent = api.post(f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": draft_id})
        assert sent.status_code == 201, sent.text
        batches.append(sent.json()["batchId"])
    list_id, draft_id = _send_ready(api, 1)
    refused = api.post(f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": draft_id})
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "BULK_SEND_ACCOUNT_HAS_TOO_MANY_QUEUED_ENVELOPES"
    assert "2000" in refused.json()["message"]
    assert len(emulator.state.bulk["batches"]) == 2
    assert not any(e["status"] == "sent" for e in emulator.state.envelopes.values())


def test_a_failing_copy_is_counted_and_reported(api, emulator):
    emulator.state.bulk_send_failing.add("signer2@example.com")
    list_id, draft_id = _send_ready(api, 3)
    batch_id = api.post(
        f"/bulk_send_lists/{list_id}/send", json={"envelopeOrTemplateId": draft_id}
    ).json()["batchId"]
    api.get(f"/bulk_send_batch/{batch_id}")
    status = api.get(f"/bulk_send_batch/{batch_id}").json()
    assert (status["sent"], status["failed"], status["queued"]) == ("2", "1", "0")
    [error] = status["bulkErrors"]
    assert error["recipientEmails"] == ["signer2@example.com"]


def test_an_account_without_bulk_send_is_refused_on_every_bulk_route(api, emulator, integration):
    emulator.state.account_settings[integration.account_id] = {"allowBulkSend": "false"}
    assert api.get("/settings").json()["allowBulkSend"] == "false"
    for method, path in (
        ("post", "/bulk_send_lists"),
        ("get", "/bulk_send_lists"),
        ("get", "/bulk_send_batch"),
    ):
        response = getattr(api, method)(path, json={"bulkCopies": [_copy(1)]})
        assert response.status_code == 400, path
        assert response.json()["errorCode"] == "ACCOUNT_LACKS_PERMISSIONS"
    assert emulator.state.bulk["lists"] == {}


def test_lists_are_listed_replaced_and_deleted(api):
    list_id = _list(api, [_copy(1)])
    [summary] = api.get("/bulk_send_lists").json()["bulkListSummaries"]
    assert summary["bulkSendListId"] == list_id and summary["name"] == "file"
    replaced = api.put(f"/bulk_send_lists/{list_id}", json={"bulkCopies": [_copy(1), _copy(2)]})
    assert replaced.status_code == 200 and len(replaced.json()["bulkCopies"]) == 2
    assert api.request("DELETE", f"/bulk_send_lists/{list_id}").json()["bulkListSummaries"] == []
