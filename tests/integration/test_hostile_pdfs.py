"""Hostile documents through the send handler: a bound reached is a 400 before any DocuSign
call, a position never reads a document's text, and a document larger than DocuSign takes is
refused by its size before a byte of it is read."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.integration.helpers import b64, envelope_creates, item_count, send
from tests.support import pdf_builders as pdfs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

ATTACK = pdfs.shared_content(pages=20, content_bytes=1_000_000)


@pytest.fixture(scope="module")
def hostile_conn(connections: Any) -> Any:
    return connections.create("hostile")


@pytest.fixture(autouse=True)
def _clean_log(emulator: Any) -> None:
    emulator.state.clear_requests()


def body(document: dict[str, Any], fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "emailSubject": "Please sign",
        "documents": [document],
        "signers": [{"email": "ana@example.com", "name": "Ana", "fields": fields}],
    }


def logged(caplog: Any, message: str) -> list[dict[str, Any]]:
    """The `work` of each log record with this message."""
    return [
        {"work": record.__dict__["work"]}
        for record in caplog.records
        if record.getMessage() == message and "work" in record.__dict__
    ]


def test_the_attacks_pdf_with_an_anchor_is_refused_before_docusign(
    hostile_conn: Any, emulator: Any, stack: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    before = item_count(stack)
    fields = [{"type": "signHere", "anchor": {"text": "/sig1/"}}]
    result = send("hostile", body({"name": "a.pdf", "contentBase64": b64(ATTACK)}, fields))

    assert result.status == 400, result.body
    error = result.body["error"]
    assert error["code"] == "DOCUMENT_TOO_COMPLEX"
    assert error["details"][0]["field"] == "signers[0].fields[0]"
    assert error["details"][0]["documentId"] == 1
    assert "ignoreIfMissing" in error["message"]
    assert [r for r in emulator.state.requests if "/restapi/" in r["path"]] == []
    assert item_count(stack) == before
    (warning,) = logged(caplog, "document too complex for the fields check")
    # One stream decoded, once; the reading stopped inside the first page.
    assert warning["work"]["streams"] == 1 and warning["work"]["text_pages"] == 1


def test_a_position_on_the_attacks_pdf_is_sent_without_reading_its_text(
    hostile_conn: Any, emulator: Any, caplog: Any
) -> None:
    caplog.set_level(logging.INFO)
    fields = [{"type": "signHere", "position": {"documentId": 1, "page": 20, "x": 72, "y": 700}}]
    result = send("hostile", body({"name": "a.pdf", "contentBase64": b64(ATTACK)}, fields))

    assert result.status == 201, result.body
    (create,) = envelope_creates(emulator)
    assert create["json"]["documents"][0]["documentBase64"] == b64(ATTACK)
    (checked,) = logged(caplog, "fields checked")
    assert checked["work"]["pages"] == 20 and checked["work"]["page_sizes"] == 1
    assert checked["work"]["text_pages"] == 0 and checked["work"]["decoded_bytes"] == 0


def test_an_inbox_document_larger_than_docusign_takes_is_refused_unread(
    hostile_conn: Any, emulator: Any, stack: Any
) -> None:
    """Its size (HEAD) is enough: the object is never read, with fields or without."""
    key = "inbox/hostile/huge.pdf"
    s3 = stack.client("s3")
    s3.put_object(Bucket=stack.bucket, Key=key, Body=b"%PDF-1.7\n" + b"0" * 27_000_000)
    from docusign_connector.container import get_services

    reads: list[str] = []
    client = get_services().documents.client
    client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: reads.append(params["Key"])
    )
    fields = [{"type": "signHere", "anchor": {"text": "/sig1/"}}]

    result = send("hostile", body({"name": "huge.pdf", "s3Key": key}, fields))

    assert result.status == 413, result.body
    assert result.body["error"]["code"] == "ENVELOPE_TOO_LARGE"
    assert key not in reads
    assert envelope_creates(emulator) == []
