"""Focused View at the DocuSign boundary: the recipient view's frameAncestors (the caller's
origins and DocuSign's signing origin) and messageOrigins exactly as DocuSign receives them,
the signing page framed only by them, and every origin DocuSign would refuse refused first."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from docusign_connector.actions.views import signing_origin
from tests.integration.helpers import docusign_requests, send, simple_body
from tests.support.lambda_events import ApiResult, api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]

CONNECTION = "focused"
VIEW = {
    "returnUrl": "https://workflow.example.com/back",
    "clientUserId": "wf-7",
    "email": "ana@example.com",
    "name": "Ana",
}


@pytest.fixture(scope="module")
def focused(connections: Any) -> Any:
    return connections.create(CONNECTION)


@pytest.fixture
def envelope_id(focused: Any, emulator: Any) -> str:
    body = simple_body(
        signers=[{"email": "ana@example.com", "name": "Ana", "clientUserId": "wf-7"}]
    )
    result = send(CONNECTION, body)
    assert result.status == 201, result.body
    emulator.state.clear_requests()
    return str(result.body["envelopeId"])


def recipient_view(envelope_id: str, body: dict[str, Any]) -> ApiResult:
    return invoke(
        "recipient_view",
        api_event(
            "recipient_view",
            path_parameters={"connection": CONNECTION, "envelopeId": envelope_id},
            body=body,
        ),
    )


def view_requests(emulator: Any) -> list[dict[str, Any]]:
    return [
        r for r in docusign_requests(emulator, "POST") if r["path"].endswith("/views/recipient")
    ]


def test_focused_view_sends_the_origins_and_docusign_frames_only_for_them(
    envelope_id: str, emulator: Any
) -> None:
    own = emulator.url.rstrip("/").lower()  # the emulator's signing pages are its own
    result = recipient_view(
        envelope_id,
        {**VIEW, "frameAncestors": ["https://App.Example.com/", "http://localhost:8080"]},
    )
    assert result.status == 201, result.body
    (call,) = view_requests(emulator)
    assert call["json"] == {
        "returnUrl": "https://workflow.example.com/back",
        "authenticationMethod": "None",
        "clientUserId": "wf-7",
        "userName": "Ana",
        "email": "ana@example.com",
        "frameAncestors": ["https://app.example.com", "http://localhost:8080", own],
        "messageOrigins": [own],
    }
    page = requests.get(result.body["url"], timeout=10)
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == (
        f"frame-ancestors https://app.example.com http://localhost:8080 {own}"
    )


def test_a_classic_view_sends_no_origins_and_is_not_restricted(
    envelope_id: str, emulator: Any
) -> None:
    result = recipient_view(envelope_id, VIEW)
    assert result.status == 201, result.body
    (call,) = view_requests(emulator)
    assert "frameAncestors" not in call["json"] and "messageOrigins" not in call["json"]
    page = requests.get(result.body["url"], timeout=10)
    assert "Content-Security-Policy" not in page.headers


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"frameAncestors": ["http://app.example.com"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["http://127.0.0.1:8080"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["https://app.example.com/embed"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["https://app.example.com?x=1"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["https://user:pw@app.example.com"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["https://169.254.169.254"]}, "INVALID_FRAME_ANCESTOR"),
        ({"frameAncestors": ["app.example.com"]}, "INVALID_FRAME_ANCESTOR"),
        (
            {"frameAncestors": [f"https://a{i}.example.com" for i in range(11)]},
            "FRAME_ANCESTORS_TOO_LONG",
        ),
        (
            {
                "frameAncestors": ["https://app.example.com"],
                "messageOrigins": ["http://apps.example.com"],
            },
            "INVALID_MESSAGE_ORIGIN",
        ),
        (
            {
                "frameAncestors": ["https://app.example.com"],
                "messageOrigins": ["https://apps-d.docusign.com"],
            },
            "INVALID_MESSAGE_ORIGIN",
        ),
        ({"messageOrigins": ["https://apps-d.docusign.com"]}, "FRAME_ANCESTORS_REQUIRED"),
        (
            {"frameAncestors": [f"https://{'a' * 60}{i}.example.com" for i in range(7)]},
            "FRAME_ANCESTORS_TOO_LONG",
        ),
    ],
)
def test_origins_docusign_would_refuse_are_refused_before_asking_it(
    envelope_id: str, emulator: Any, changes: dict[str, Any], code: str
) -> None:
    result = recipient_view(envelope_id, {**VIEW, **changes})
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert view_requests(emulator) == []


def test_the_signing_origin_of_each_docusign_environment() -> None:
    assert signing_origin("https://demo.docusign.net") == "https://apps-d.docusign.com"
    assert signing_origin("https://na3.docusign.net") == "https://apps.docusign.com"
    assert signing_origin("https://eu.docusign.net") == "https://apps.docusign.com"
    assert signing_origin("https://www.docusign.net") == "https://apps.docusign.com"
    assert signing_origin("http://127.0.0.1:8400") == "http://127.0.0.1:8400"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"frameAncestors": ["https://app.example.com"]}, "must include the signing origin"),
        (
            {"frameAncestors": ["{own}"], "messageOrigins": ["https://app.example.com"]},
            "must be the signing origin",
        ),
        ({"frameAncestors": ["{own}"]}, "must have one member"),
        ({"frameAncestors": ["http://app.example.com", "{own}"]}, "must use https"),
        ({"frameAncestors": ["https://app.example.com/x", "{own}"]}, "nothing after"),
    ],
)
def test_the_emulator_refuses_what_docusign_refuses(
    envelope_id: str, emulator: Any, focused: Any, body: dict[str, Any], message: str
) -> None:
    from tests.integration.helpers import docusign_direct

    own = emulator.url.rstrip("/").lower()
    filled = {
        key: [value.replace("{own}", own) for value in values] for key, values in body.items()
    }
    base, headers = docusign_direct(focused)
    answer = requests.post(
        f"{base}/envelopes/{envelope_id}/views/recipient",
        json={
            "returnUrl": "https://workflow.example.com/back",
            "authenticationMethod": "None",
            "clientUserId": "wf-7",
            "userName": "Ana",
            "email": "ana@example.com",
            **filled,
        },
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["errorCode"] == "INVALID_REQUEST_PARAMETER"
    assert message in answer.json()["message"]
