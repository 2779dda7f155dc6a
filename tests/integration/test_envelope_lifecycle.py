"""Status, signed documents and void, end to end against moto and the DocuSign emulator."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import requests

from tests.integration.helpers import (
    b64,
    documents,
    docusign_direct,
    docusign_requests,
    sample_pdf,
    send,
    simple_body,
    status,
    void,
)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def acme(connections: Any) -> Any:
    return connections.create("acme-life")


@pytest.fixture(scope="module")
def globex(connections: Any) -> Any:
    return connections.create("globex-life")


def sent_envelope(body: dict[str, Any] | None = None, connection: str = "acme-life") -> str:
    result = send(connection, body or simple_body())
    assert result.status == 201, result.body
    return str(result.body["envelopeId"])


def emulator_document(emulator: Any, acme: Any, envelope_id: str, document_id: str) -> bytes:
    """Fetch a document straight from the emulator, as DocuSign serves it."""
    base, headers = docusign_direct(acme)
    response = requests.get(
        f"{base}/envelopes/{envelope_id}/documents/{document_id}", headers=headers, timeout=10
    )
    assert response.status_code == 200
    return response.content


# ---------------------------------------------------------------------------------- status


def test_status_right_after_send_comes_from_the_table(acme: Any, emulator: Any) -> None:
    envelope_id = sent_envelope(
        simple_body(
            customFields={"caseId": "QF-7"},
            signers=[
                {"email": "ana@example.com", "name": "Ana", "signingOrder": 1},
                {"email": "bo@example.com", "name": "Bo", "signingOrder": 2},
            ],
        )
    )
    emulator.state.clear_requests()
    result = status("acme-life", envelope_id)
    assert result.status == 200, result.body
    body = result.body
    assert body["envelopeId"] == envelope_id
    assert body["status"] == "sent"
    assert body["customFields"] == {"caseId": "QF-7"}
    assert [(r["email"], r["routingOrder"], r["status"]) for r in body["recipients"]] == [
        ("ana@example.com", 1, "sent"),
        ("bo@example.com", 2, "created"),
    ]
    assert body["source"] == "connector"
    assert "history" not in body
    assert docusign_requests(emulator) == []  # fresh: zero DocuSign calls


def test_stale_status_is_fetched_once_then_served_from_the_table(
    acme: Any, emulator: Any, stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    envelope_id = sent_envelope()
    emulator.state.sign(envelope_id, "1")  # DocuSign moves on without telling the table
    monkeypatch.setenv("STATUS_MAX_AGE_SECONDS", "0")
    from docusign_connector.container import reset_services

    reset_services()
    emulator.state.clear_requests()
    result = status("acme-life", envelope_id)
    assert result.status == 200
    assert result.body["status"] == "completed"
    assert result.body["source"] == "docusign"
    assert result.body["recipients"][0]["status"] == "completed"
    assert result.body["recipients"][0]["signedDateTime"]
    gets = docusign_requests(emulator, "GET")
    assert len(gets) == 1 and gets[0]["path"].endswith(envelope_id)
    # Completed is final: later calls never ask DocuSign again, whatever the age.
    emulator.state.clear_requests()
    assert status("acme-life", envelope_id).body["status"] == "completed"
    assert docusign_requests(emulator) == []


def test_history_is_oldest_first(acme: Any, emulator: Any) -> None:
    envelope_id = sent_envelope()
    assert void("acme-life", envelope_id, {"reason": "changed my mind"}).status == 200
    result = status("acme-life", envelope_id, {"include": "history"})
    assert [(h["event"], h["status"], h["source"]) for h in result.body["history"]] == [
        ("envelope-sent", "sent", "connector"),
        ("envelope-voided", "voided", "connector"),
    ]


def test_envelope_sent_outside_the_connector_is_fetched_and_tracked(
    acme: Any, emulator: Any, stack: Any
) -> None:
    # Created straight at DocuSign (the emulator), never through the connector.
    base, headers = docusign_direct(acme)
    created = requests.post(
        f"{base}/envelopes",
        headers=headers,
        json={
            "emailSubject": "Sent by hand",
            "status": "sent",
            "documents": [
                {
                    "documentId": "1",
                    "name": "a.pdf",
                    "fileExtension": "pdf",
                    "documentBase64": b64(sample_pdf()),
                }
            ],
            "recipients": {
                "signers": [
                    {"email": "x@example.com", "name": "X", "recipientId": "1", "routingOrder": "1"}
                ]
            },
        },
        timeout=10,
    )
    assert created.status_code == 201
    envelope_id = created.json()["envelopeId"]
    emulator.state.clear_requests()
    result = status("acme-life", envelope_id)
    assert result.status == 200
    assert result.body["emailSubject"] == "Sent by hand"
    assert len(docusign_requests(emulator, "GET")) == 1
    emulator.state.clear_requests()
    assert status("acme-life", envelope_id).status == 200
    assert docusign_requests(emulator) == []  # tracked from then on


def test_unknown_envelope_is_a_404(acme: Any, emulator: Any) -> None:
    result = status("acme-life", "00000000-0000-4000-8000-000000000000")
    assert result.status == 404
    assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "ENVELOPE_DOES_NOT_EXIST"


def test_malformed_envelope_id_is_a_404_without_calling_docusign(acme: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = status("acme-life", "not-a-guid")
    assert result.status == 404
    assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
    assert docusign_requests(emulator) == []


def test_envelope_of_another_connection_is_a_404_and_no_leak(
    acme: Any, globex: Any, emulator: Any
) -> None:
    envelope_id = sent_envelope()
    emulator.state.clear_requests()
    for result in (
        status("globex-life", envelope_id),
        documents("globex-life", envelope_id),
        void("globex-life", envelope_id, {"reason": "not yours"}),
    ):
        assert result.status == 404, result.body
        assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
        assert "Please sign" not in str(result.body)
    assert docusign_requests(emulator) == []
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"


# ------------------------------------------------------------------------------- documents


def test_documents_of_a_completed_envelope_are_the_bytes_docusign_served(
    acme: Any, emulator: Any, stack: Any
) -> None:
    body = simple_body(
        documents=[
            {"name": "nda.pdf", "contentBase64": b64(sample_pdf("NDA"))},
            {"name": "annex.pdf", "contentBase64": b64(sample_pdf("Annex"))},
        ]
    )
    envelope_id = sent_envelope(body)
    emulator.state.complete(envelope_id)
    emulator.state.clear_requests()  # the table still believes "sent"; the call learns better

    result = documents("acme-life", envelope_id)
    assert result.status == 200, result.body
    assert result.body["status"] == "completed"
    docs = result.body["documents"]
    assert [(d["documentId"], d["name"]) for d in docs] == [("1", "nda.pdf"), ("2", "annex.pdf")]
    calls = docusign_requests(emulator)
    # the envelope with its document list + 2 documents + certificate: n + 2
    assert len(calls) == 1 + 2 + 1
    assert calls[0]["method"] == "GET" and calls[0]["path"].endswith(envelope_id)
    for entry in [*docs, result.body["summary"]]:
        downloaded = requests.get(entry["url"], timeout=10)
        assert downloaded.status_code == 200
        assert downloaded.content.startswith(b"%PDF-")
        assert len(downloaded.content) == entry["sizeBytes"]
        assert hashlib.sha256(downloaded.content).hexdigest() == entry["sha256"]
        assert entry["s3Key"].startswith(f"signed/acme-life/{envelope_id}/")
        served = emulator_document(emulator, acme, envelope_id, entry["documentId"])
        assert downloaded.content == served
    assert result.body["summary"]["documentId"] == "certificate"

    # Downloaded from DocuSign once, ever.
    emulator.state.clear_requests()
    again = documents("acme-life", envelope_id)
    assert again.status == 200
    assert [d["sha256"] for d in again.body["documents"]] == [d["sha256"] for d in docs]
    assert docusign_requests(emulator) == []


def test_documents_with_content_and_escaped_names(acme: Any, emulator: Any) -> None:
    envelope_id = sent_envelope(
        simple_body(
            documents=[{"name": "contrato-señal.pdf", "contentBase64": b64(sample_pdf("Contrato"))}]
        )
    )
    emulator.state.complete(envelope_id)
    result = documents(
        "acme-life", envelope_id, {"include": "content", "escapeNonAsciiFilenames": "true"}
    )
    assert result.status == 200, result.body
    document = result.body["documents"][0]
    assert document["name"] == "contrato-se%C3%B1al.pdf"
    import base64

    content = base64.b64decode(document["contentBase64"])
    assert hashlib.sha256(content).hexdigest() == document["sha256"]
    assert base64.b64decode(result.body["summary"]["contentBase64"]).startswith(b"%PDF-")


def test_documents_of_an_envelope_in_progress_count_n_plus_2_calls(
    acme: Any, emulator: Any
) -> None:
    envelope_id = sent_envelope()
    emulator.state.clear_requests()
    result = documents("acme-life", envelope_id)
    assert result.status == 200
    assert result.body["status"] == "sent"
    assert len(docusign_requests(emulator)) == 1 + 1 + 1  # envelope+list, document, certificate
    # Within DocuSign's 15-minute polling window the snapshot is reused.
    emulator.state.clear_requests()
    assert documents("acme-life", envelope_id).status == 200
    assert docusign_requests(emulator) == []


# ------------------------------------------------------------------------------------ void


def test_void_sends_status_and_reason(acme: Any, emulator: Any) -> None:
    envelope_id = sent_envelope()
    emulator.state.clear_requests()
    result = void("acme-life", envelope_id, {"reason": "Sent to the wrong customer"})
    assert result.status == 200, result.body
    assert result.body["status"] == "voided"
    assert result.body["voidedReason"] == "Sent to the wrong customer"
    calls = docusign_requests(emulator)
    assert len(calls) == 1
    assert calls[0]["method"] == "PUT"
    assert calls[0]["json"] == {"status": "voided", "voidedReason": "Sent to the wrong customer"}
    assert emulator.state.envelopes[envelope_id]["status"] == "voided"
    after = status("acme-life", envelope_id)
    assert after.body["status"] == "voided"
    assert after.body["voidedReason"] == "Sent to the wrong customer"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "REASON_REQUIRED"),
        ({"reason": ""}, "REASON_REQUIRED"),
        ({"reason": "x" * 201}, "REASON_TOO_LONG"),
    ],
)
def test_void_without_a_valid_reason_is_refused(
    acme: Any, emulator: Any, body: dict[str, Any], code: str
) -> None:
    envelope_id = sent_envelope()
    emulator.state.clear_requests()
    result = void("acme-life", envelope_id, body)
    assert result.status == 400
    assert result.body["error"]["code"] == code
    assert docusign_requests(emulator) == []
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"


def test_void_of_a_completed_envelope_is_a_409_with_docusigns_explanation(
    acme: Any, emulator: Any
) -> None:
    envelope_id = sent_envelope()
    emulator.state.complete(envelope_id)  # the table still believes "sent"
    result = void("acme-life", envelope_id, {"reason": "too late"})
    assert result.status == 409
    assert result.body["error"]["code"] == "INVALID_STATE"
    assert result.body["error"]["details"][0]["docusignErrorCode"] == (
        "ENVELOPE_CANNOT_VOID_INVALID_STATE"
    )
    # Known terminal in the table: refused without asking DocuSign again.
    sent_voided = sent_envelope()
    assert void("acme-life", sent_voided, {"reason": "a"}).status == 200
    emulator.state.clear_requests()
    second = void("acme-life", sent_voided, {"reason": "again"})
    assert second.status == 409
    assert docusign_requests(emulator) == []


def test_void_of_an_unknown_envelope_is_a_404(acme: Any) -> None:
    result = void("acme-life", "00000000-0000-4000-8000-000000000001", {"reason": "x"})
    assert result.status == 404
    assert result.body["error"]["code"] == "ENVELOPE_NOT_FOUND"


def test_a_status_read_never_undoes_a_final_status_written_meanwhile(
    acme: Any, emulator: Any
) -> None:
    """A status refresh fetched 'sent' just before a Connect event recorded 'completed': the
    refresh's late write must not put the envelope back to 'sent'."""
    from docusign_connector.container import get_services
    from docusign_connector.mapping import record_from_envelope

    envelope_id = sent_envelope()
    store = get_services().store
    stale = store.get(envelope_id)
    assert stale is not None and stale.status == "sent"
    done = store.get(envelope_id)
    assert done is not None
    done.status, done.source = "completed", "connect"
    store.save(done)

    late = record_from_envelope(
        {"envelopeId": envelope_id, "status": "sent", "emailSubject": "Please sign"},
        "acme-life",
        stale,
        "docusign",
    )
    kept = store.save(late)
    assert kept.status == "completed"
    assert store.get(envelope_id).status == "completed"  # type: ignore[union-attr]
    assert status("acme-life", envelope_id).body["status"] == "completed"


def test_downloads_ask_for_pdf_and_the_summary_is_summary_pdf(acme: Any, emulator: Any) -> None:
    envelope_id = sent_envelope(simple_body())
    emulator.state.complete(envelope_id)
    emulator.state.clear_requests()

    result = documents("acme-life", envelope_id)

    assert result.status == 200, result.body
    downloads = [r for r in docusign_requests(emulator) if "/documents/" in r["path"]]
    assert [r["path"].rsplit("/", 1)[1] for r in downloads] == ["1", "certificate"]
    assert {r["headers"]["Accept"] for r in downloads} == {"application/pdf"}
    assert result.body["summary"]["name"] == "Summary.pdf"
    served = requests.get(result.body["summary"]["url"], timeout=10)
    assert 'filename="Summary.pdf"' in served.headers["Content-Disposition"]
