"""Document visibility (enforceSignerVisibility, excludedDocuments) on the signing page and in
the documents a sender downloads as one of the recipients (`recipient_id`)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from pypdf import PdfReader

from local.emulator import make_docx, make_pdf
from local.emulator.tests.helpers import b64
from local.emulator.tests.test_views import open_page, view_request

pytestmark = pytest.mark.integration


def definition(enforce: bool = True) -> dict[str, Any]:
    """Shaped like DocuSign's document visibility example: signer 1 sees the order form
    only, signer 2 everything but it; plus an annex without tabs."""
    documents = [
        ("1", "Order acknowledgement", "html", b"<p>Agreed: **signature_1**</p>"),
        ("2", "Battle Plan", "docx", make_docx(["Admiral: /sn1/"])),
        ("3", "Lorem Ipsum", "pdf", make_pdf("Lorem", ["Sign: /sn1/"])),
        ("4", "Annex", "txt", b"General terms, no fields."),
    ]
    body: dict[str, Any] = {
        "emailSubject": "Please sign this document set",
        "status": "sent",
        "documents": [
            {"documentId": i, "name": n, "fileExtension": e, "documentBase64": b64(c)}
            for i, n, e, c in documents
        ],
        "recipients": {
            "signers": [
                {
                    "email": "signer@example.com",
                    "name": "Sam Signer",
                    "recipientId": "1",
                    "routingOrder": "1",
                    "clientUserId": "1000",
                    "excludedDocuments": ["2", "3"],
                    "tabs": {"signHereTabs": [{"anchorString": "**signature_1**"}]},
                },
                {
                    "email": "second@example.com",
                    "name": "Second Signer",
                    "recipientId": "2",
                    "routingOrder": "1",
                    "excludedDocuments": ["1"],
                    "tabs": {"signHereTabs": [{"anchorString": "/sn1/"}]},
                },
            ],
            "carbonCopies": [
                {"email": "cc@example.com", "name": "Cc", "recipientId": "3", "routingOrder": "2"}
            ],
        },
    }
    if enforce:
        body["enforceSignerVisibility"] = "true"
    return body


def listed(api, envelope_id: str, recipient_id: str | None) -> list[str]:
    params = {"recipient_id": recipient_id} if recipient_id else {}
    response = api.get(f"/envelopes/{envelope_id}/documents", params=params)
    assert response.status_code == 200, response.text
    return [d["documentId"] for d in response.json()["envelopeDocuments"]]


def test_each_recipient_sees_what_docusign_shows_it(api):
    envelope_id = api.create(definition())
    assert listed(api, envelope_id, None) == ["1", "2", "3", "4", "certificate"]
    # Signer 1: its own tabbed document and the annex (no tabs); 2 and 3 are excluded.
    assert listed(api, envelope_id, "1") == ["1", "4", "certificate"]
    assert listed(api, envelope_id, "2") == ["2", "3", "4", "certificate"]
    # A carbon copy sees every document it is not excluded from.
    assert listed(api, envelope_id, "3") == ["1", "2", "3", "4", "certificate"]

    hidden = api.get(f"/envelopes/{envelope_id}/documents/2", params={"recipient_id": "1"})
    assert hidden.status_code == 404
    assert hidden.json()["errorCode"] == "DOCUMENT_DOES_NOT_EXIST"
    combined = api.get(f"/envelopes/{envelope_id}/documents/combined", params={"recipient_id": "1"})
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(combined.content)).pages)
    assert "**signature_1**" in text and "General terms" in text
    assert "/sn1/" not in text
    everything = api.get(f"/envelopes/{envelope_id}/documents/combined")
    assert len(PdfReader(io.BytesIO(everything.content)).pages) == 4


def test_the_signing_page_shows_only_the_signer_s_documents(api, emulator):
    envelope_id = api.create(definition())
    view = api.post(f"/envelopes/{envelope_id}/views/recipient", json=view_request())
    page = open_page(view.json()["url"])
    assert page.status_code == 200
    frames = re.findall(r'<iframe src="([^"]+)" title="([^"]+)"', page.text)
    assert [title for _, title in frames] == ["Order acknowledgement", "Annex"]
    session_document = frames[0][0].rsplit("/", 1)[0]
    assert open_page(emulator.url + session_document + "/1").status_code == 200
    assert open_page(emulator.url + session_document + "/2").status_code == 404


def test_excluded_documents_need_enforce_signer_visibility(api):
    envelope_id = api.create(definition(enforce=False))
    assert listed(api, envelope_id, "1") == ["1", "2", "3", "4", "certificate"]


def test_an_account_without_document_visibility_refuses_it(api, emulator, integration):
    emulator.state.account_settings[integration.account_id] = {"allowDocumentVisibility": "false"}
    response = api.post("/envelopes", json=definition())
    assert response.status_code == 400
    assert response.json()["errorCode"] == "ACCOUNT_LACKS_PERMISSIONS"
    assert emulator.state.envelopes == {}
    assert api.post("/envelopes", json=definition(enforce=False)).status_code == 201
