"""Embedded signing and sending views, the template catalogue, and the OpenAPI route."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.integration.helpers import (
    b64,
    docusign_direct,
    docusign_requests,
    sample_pdf,
    send,
    simple_body,
)
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def viewer(connections: Any) -> Any:
    connections.create("viewer-other")
    return connections.create("viewer")


def embedded_envelope(status: str = "sent") -> str:
    body = simple_body(
        status=status,
        signers=[{"email": "ana@example.com", "name": "Ana", "clientUserId": "wf-1042"}],
    )
    result = send("viewer", body)
    assert result.status == 201, result.body
    return str(result.body["envelopeId"])


def recipient_view(connection: str, envelope_id: str, body: dict[str, Any]) -> Any:
    return invoke(
        "recipient_view",
        api_event(
            "recipient_view",
            path_parameters={"connection": connection, "envelopeId": envelope_id},
            body=body,
        ),
    )


VIEW = {
    "returnUrl": "https://workflow.example.com/back",
    "clientUserId": "wf-1042",
    "email": "ana@example.com",
    "name": "Ana",
}


def test_recipient_view_for_an_embedded_signer(viewer: Any, emulator: Any) -> None:
    envelope_id = embedded_envelope()
    created = emulator.state.envelopes[envelope_id]
    signer = created["recipients"]["signers"][0]
    assert signer["clientUserId"] == "wf-1042"
    emulator.state.clear_requests()
    result = recipient_view("viewer", envelope_id, VIEW)
    assert result.status == 201, result.body
    assert result.body["url"].startswith(emulator.url)
    calls = docusign_requests(emulator)
    assert len(calls) == 1
    assert calls[0]["json"] == {
        "returnUrl": "https://workflow.example.com/back",
        "authenticationMethod": "None",
        "clientUserId": "wf-1042",
        "userName": "Ana",
        "email": "ana@example.com",
    }
    page = requests.get(result.body["url"], timeout=10)
    assert page.status_code == 200 and "Ana" in page.text


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"returnUrl": "not a url"}, 400, "INVALID_RETURN_URL"),
        ({"returnUrl": "https://0xa9fea9fe/latest/meta-data/"}, 400, "INVALID_RETURN_URL"),
        ({"returnUrl": "https://[::ffff:169.254.169.254]/"}, 400, "INVALID_RETURN_URL"),
        ({"returnUrl": "https://169.254.169.254./"}, 400, "INVALID_RETURN_URL"),
        ({"returnUrl": "https://100.100.100.200/"}, 400, "INVALID_RETURN_URL"),
        ({"returnUrl": "https://work flow.example.com/"}, 400, "INVALID_RETURN_URL"),
        ({"clientUserId": None}, 400, "CLIENT_USER_ID_REQUIRED"),
        ({"email": "nope"}, 400, "INVALID_EMAIL"),
    ],
)
def test_bad_view_requests(
    viewer: Any, emulator: Any, changes: dict[str, Any], status: int, code: str
) -> None:
    envelope_id = embedded_envelope()
    emulator.state.clear_requests()
    body = {k: v for k, v in {**VIEW, **changes}.items() if v is not None}
    result = recipient_view("viewer", envelope_id, body)
    assert result.status == status
    assert result.body["error"]["code"] == code
    assert docusign_requests(emulator) == []


def test_view_of_another_connections_envelope_is_a_404(viewer: Any, emulator: Any) -> None:
    envelope_id = embedded_envelope()
    emulator.state.clear_requests()
    result = recipient_view("viewer-other", envelope_id, VIEW)
    assert result.status == 404
    assert docusign_requests(emulator) == []


def test_wrong_client_user_id_is_refused_by_docusign(viewer: Any) -> None:
    envelope_id = embedded_envelope()
    result = recipient_view("viewer", envelope_id, {**VIEW, "clientUserId": "someone-else"})
    assert 400 <= result.status < 500
    assert result.body["error"]["details"][0]["docusignErrorCode"] == "UNKNOWN_ENVELOPE_RECIPIENT"


def test_sender_view_of_a_draft(viewer: Any, emulator: Any) -> None:
    envelope_id = embedded_envelope(status="created")
    result = invoke(
        "sender_view",
        api_event(
            "sender_view",
            path_parameters={"connection": "viewer", "envelopeId": envelope_id},
            body={"returnUrl": "https://workflow.example.com/sent"},
        ),
    )
    assert result.status == 201, result.body
    assert result.body["url"].startswith(emulator.url)


def test_templates_and_their_roles(viewer: Any, emulator: Any) -> None:
    base, headers = docusign_direct(viewer)
    created = requests.post(
        f"{base}/templates",
        headers=headers,
        json={
            "name": "Standard NDA",
            "emailSubject": "Please sign our NDA",
            "documents": [
                {
                    "documentId": "1",
                    "name": "nda.pdf",
                    "fileExtension": "pdf",
                    "documentBase64": b64(sample_pdf("NDA")),
                }
            ],
            "recipients": {
                "signers": [
                    {"roleName": "Client", "recipientId": "1", "routingOrder": "1"},
                    {"roleName": "Company", "recipientId": "2", "routingOrder": "2"},
                ],
                "carbonCopies": [{"roleName": "Legal", "recipientId": "3", "routingOrder": "3"}],
            },
        },
        timeout=10,
    )
    assert created.status_code == 201, created.text
    template_id = created.json()["templateId"]
    result = invoke(
        "list_templates",
        api_event("list_templates", path_parameters={"connection": "viewer"}, query={}),
    )
    assert result.status == 200, result.body
    listed = {t["templateId"]: t for t in result.body["templates"]}
    assert [
        (r["roleName"], r["type"], r["routingOrder"]) for r in listed[template_id]["roles"]
    ] == [("Client", "signer", 1), ("Company", "signer", 2), ("Legal", "carbonCopy", 3)]

    roles = [
        {"roleName": "Client", "email": "c@example.com", "name": "C", "signingOrder": 1},
        {"roleName": "Company", "email": "d@example.com", "name": "D", "signingOrder": 2},
    ]
    # Every role of the template needs a recipient: DocuSign refuses, and says which.
    missing = send(
        "viewer",
        {"emailSubject": "From a template", "templateId": template_id, "templateRoles": roles},
    )
    assert missing.status == 422
    assert missing.body["error"]["code"] == "DOCUSIGN_REJECTED"
    roles.append({"roleName": "Legal", "email": "l@example.com", "name": "L", "signingOrder": 3})
    sent = send(
        "viewer",
        {"emailSubject": "From a template", "templateId": template_id, "templateRoles": roles},
    )
    assert sent.status == 201, sent.body
    envelope = emulator.state.envelopes[sent.body["envelopeId"]]
    assert envelope["status"] == "sent"


def test_bad_template_paging(viewer: Any) -> None:
    result = invoke(
        "list_templates",
        api_event("list_templates", path_parameters={"connection": "viewer"}, query={"count": "0"}),
    )
    assert result.status == 400 and result.body["error"]["code"] == "INVALID_PAGING"


def test_openapi_route_serves_the_document() -> None:
    result = invoke("get_openapi", api_event("get_openapi"))
    assert result.status == 200
    assert result.body["openapi"] == "3.1.0"
    assert "/connections/{connection}/envelopes" in result.body["paths"]
