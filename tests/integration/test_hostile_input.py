"""Identifiers with a trailing newline (`%0A` decoded by API Gateway) never pass as valid:
every pattern matches the whole string, so the ownership check holds and DocuSign is never
called with `<id>\\n`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import docusign_requests, send, simple_body, status, void
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def owner(connections: Any) -> Any:
    return connections.create("newline-owner")


@pytest.fixture(scope="module")
def other(connections: Any) -> Any:
    return connections.create("newline-other")


def test_envelope_id_with_a_trailing_newline_is_a_404_without_a_docusign_call(
    owner: Any, other: Any, emulator: Any
) -> None:
    sent = send("newline-owner", simple_body())
    assert sent.status == 201, sent.body
    envelope_id = sent.body["envelopeId"]
    emulator.state.clear_requests()

    for connection in ("newline-other", "newline-owner"):
        looked = status(connection, envelope_id + "\n")
        assert looked.status == 404, looked.body
        assert looked.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
        voided = void(connection, envelope_id + "\n", {"reason": "no"})
        assert voided.status == 404, voided.body
        assert voided.body["error"]["code"] == "ENVELOPE_NOT_FOUND"
        for route in ("get_documents", "recipient_view"):
            result = invoke(
                route,
                api_event(
                    route,
                    path_parameters={"connection": connection, "envelopeId": envelope_id + "\n"},
                ),
            )
            assert result.status == 404, (route, result.body)
    assert docusign_requests(emulator) == []
    assert emulator.state.envelopes[envelope_id]["status"] == "sent"


def test_connection_name_with_a_trailing_newline_is_refused(owner: Any, emulator: Any) -> None:
    emulator.state.clear_requests()
    result = send("newline-owner\n", simple_body())
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "INVALID_CONNECTION_NAME"
    assert docusign_requests(emulator) == []
