"""Listing a connection's tracked envelopes: newest change first, filters, pages, no DocuSign
call, nothing of another connection."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import docusign_requests, send, simple_body, void
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


def listing(connection: str, query: dict[str, str] | None = None) -> Any:
    return invoke(
        "list_envelopes",
        api_event("list_envelopes", path_parameters={"connection": connection}, query=query or {}),
    )


@pytest.fixture(scope="module")
def sent_ids(connections: Any) -> list[str]:
    from docusign_connector.container import reset_services

    reset_services()
    connections.create("lister")
    connections.create("lister-other")
    ids = []
    for i in range(5):
        result = send("lister", simple_body(emailSubject=f"Envelope {i}"))
        assert result.status == 201
        ids.append(result.body["envelopeId"])
    assert void("lister", ids[1], {"reason": "mistake"}).status == 200
    assert send("lister-other", simple_body()).status == 201
    return ids


def test_newest_change_first_and_no_docusign_call(sent_ids: list[str], emulator: Any) -> None:
    emulator.state.clear_requests()
    result = listing("lister")
    assert result.status == 200, result.body
    ids = [e["envelopeId"] for e in result.body["envelopes"]]
    assert ids[0] == sent_ids[1]  # voided last, so changed last
    assert sorted(ids) == sorted(sent_ids)
    assert result.body["nextToken"] is None
    assert docusign_requests(emulator) == []


def test_filter_by_status(sent_ids: list[str]) -> None:
    voided = listing("lister", {"status": "voided"}).body["envelopes"]
    assert [e["envelopeId"] for e in voided] == [sent_ids[1]]
    sent = listing("lister", {"status": "sent,delivered"}).body["envelopes"]
    assert len(sent) == 4


def test_pages_cover_everything_once(sent_ids: list[str]) -> None:
    seen: list[str] = []
    token = None
    for _ in range(10):
        query = {"limit": "2"} | ({"nextToken": token} if token else {})
        page = listing("lister", query).body
        assert len(page["envelopes"]) <= 2
        seen += [e["envelopeId"] for e in page["envelopes"]]
        token = page["nextToken"]
        if not token:
            break
    assert sorted(seen) == sorted(sent_ids)


def test_date_window(sent_ids: list[str]) -> None:
    assert listing("lister", {"from": "2999-01-01T00:00:00Z"}).body["envelopes"] == []
    assert len(listing("lister", {"to": "2999-01-01T00:00:00Z"}).body["envelopes"]) == 5


def test_other_connection_sees_only_its_own(sent_ids: list[str]) -> None:
    other = listing("lister-other").body["envelopes"]
    assert len(other) == 1 and other[0]["envelopeId"] not in sent_ids


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"status": "finished"}, "INVALID_STATUS"),
        ({"limit": "0"}, "INVALID_LIMIT"),
        ({"limit": "many"}, "INVALID_LIMIT"),
        ({"from": "yesterday"}, "INVALID_DATE"),
        ({"nextToken": "bm90IGEgdG9rZW4"}, "INVALID_NEXT_TOKEN"),
    ],
)
def test_bad_queries(sent_ids: list[str], query: dict[str, str], code: str) -> None:
    result = listing("lister", query)
    assert result.status == 400
    assert result.body["error"]["code"] == code


def test_another_connections_page_token_is_refused(sent_ids: list[str]) -> None:
    token = listing("lister", {"limit": "1"}).body["nextToken"]
    result = listing("lister-other", {"nextToken": token})
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_NEXT_TOKEN"
