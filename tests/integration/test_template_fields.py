"""A template's fields by role (GET …/templates/{id}) and prefilling them at send."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.helpers import create_template, envelope_creates, send
from tests.support.lambda_events import api_event, invoke

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fresh_container")]


@pytest.fixture(scope="module")
def prefill(connections: Any) -> Any:
    return connections.create("prefill")


@pytest.fixture(scope="module")
def template_id(prefill: Any) -> str:
    at = {"documentId": "1", "pageNumber": "1", "xPosition": "100"}
    recipients = {
        "signers": [
            {
                "roleName": "Customer",
                "recipientId": "1",
                "routingOrder": "1",
                "tabs": {
                    "signHereTabs": [{**at, "yPosition": "600"}],
                    "textTabs": [
                        {
                            **at,
                            "yPosition": "100",
                            "tabLabel": "orderNo",
                            "required": "true",
                            "locked": "true",
                        },
                        {
                            **at,
                            "yPosition": "130",
                            "tabLabel": "notes",
                            "required": "false",
                        },
                    ],
                    "checkboxTabs": [{**at, "yPosition": "160", "tabLabel": "express"}],
                    "listTabs": [
                        {
                            **at,
                            "yPosition": "190",
                            "tabLabel": "size",
                            "listItems": [
                                {"text": "Small", "value": "S"},
                                {"text": "Large", "value": "L"},
                            ],
                        }
                    ],
                    "radioGroupTabs": [
                        {
                            "documentId": "1",
                            "groupName": "colour",
                            "radios": [
                                {
                                    **at,
                                    "yPosition": "220",
                                    "value": "red",
                                    "required": "true",
                                },
                                {
                                    **at,
                                    "yPosition": "240",
                                    "value": "blue",
                                    "required": "true",
                                },
                            ],
                        }
                    ],
                },
            }
        ],
        "carbonCopies": [{"roleName": "Sales", "recipientId": "2", "routingOrder": "2"}],
    }
    return create_template(
        prefill, "Order form", recipients, subject="Your order", document_name="order.pdf"
    )


def get_template(connection: str, template: str) -> Any:
    return invoke(
        "get_template",
        api_event(
            "get_template", path_parameters={"connection": connection, "templateId": template}
        ),
    )


def role_body(template: str, fields: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "emailSubject": "Your order",
        "templateId": template,
        "templateRoles": [
            {"roleName": "Customer", "email": "cy@example.com", "name": "Cy", "fields": fields},
            {"roleName": "Sales", "email": "sales@example.com", "name": "Sales"},
        ],
    }


def test_template_roles_and_their_fields(prefill: Any, template_id: str) -> None:
    result = get_template("prefill", template_id)
    assert result.status == 200, result.body
    assert result.body["name"] == "Order form"
    roles = {r["roleName"]: r for r in result.body["roles"]}
    assert roles["Sales"]["fields"] == []
    fields = {f["label"]: f for f in roles["Customer"]["fields"]}
    assert fields["orderNo"] == {
        "label": "orderNo",
        "type": "text",
        "required": True,
        "locked": True,
        "value": None,
        "options": None,
    }
    assert fields["size"]["type"] == "list" and fields["size"]["options"] == ["S", "L"]
    assert fields["colour"]["type"] == "radioGroup"
    assert fields["colour"]["options"] == ["red", "blue"] and fields["colour"]["required"]
    assert fields["express"]["type"] == "checkbox" and not fields["express"]["required"]
    assert [f["type"] for f in roles["Customer"]["fields"]].count("signHere") == 1
    assert result.body["documents"] == [{"documentId": "1", "name": "order.pdf", "pages": 1}]


def test_unknown_template_is_a_404(prefill: Any) -> None:
    result = get_template("prefill", "00000000-0000-0000-0000-000000000000")
    assert result.status == 404
    assert result.body["error"]["code"] == "TEMPLATE_NOT_FOUND"
    assert get_template("prefill", "not-a-guid").status == 400


def test_prefill_sends_the_values_by_label(prefill: Any, emulator: Any, template_id: str) -> None:
    emulator.state.clear_requests()
    fields = [
        {"label": "orderNo", "value": 4711},
        {"label": "express", "value": True},
        {"label": "size", "value": "L"},
        {"label": "colour", "value": "blue"},
    ]
    result = send("prefill", role_body(template_id, fields))
    assert result.status == 201, result.body
    (create,) = envelope_creates(emulator)
    assert create["json"]["templateRoles"][0]["tabs"] == {
        "textTabs": [{"tabLabel": "orderNo", "value": "4711"}],
        "checkboxTabs": [{"tabLabel": "express", "selected": "true"}],
        "listTabs": [{"tabLabel": "size", "value": "L"}],
        "radioGroupTabs": [
            {"groupName": "colour", "radios": [{"value": "blue", "selected": "true"}]}
        ],
    }
    assert "tabs" not in create["json"]["templateRoles"][1]
    envelope = emulator.state.envelopes[result.body["envelopeId"]]
    tabs = envelope["recipients"]["signers"][0]["tabs"]
    assert [t["value"] for t in tabs["textTabs"] if t["tabLabel"] == "orderNo"] == ["4711"]
    assert [r["selected"] for r in tabs["radioGroupTabs"][0]["radios"]] == ["false", "true"]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ([{"label": "nope", "value": "x"}], "TEMPLATE_FIELD_NOT_FOUND"),
        ([{"label": "notes", "value": "x"}], "TEMPLATE_FIELD_REQUIRED"),
        ([{"label": "orderNo", "value": ""}], "TEMPLATE_FIELD_REQUIRED"),
        (
            [{"label": "orderNo", "value": "1"}, {"label": "size", "value": "XL"}],
            "FIELD_VALUE_NOT_AN_OPTION",
        ),
        (
            [{"label": "orderNo", "value": "1"}, {"label": "express", "value": "maybe"}],
            "INVALID_FIELD_VALUE",
        ),
    ],
)
def test_prefill_refusals(
    prefill: Any, emulator: Any, template_id: str, fields: list[dict[str, Any]], code: str
) -> None:
    emulator.state.clear_requests()
    result = send("prefill", role_body(template_id, fields))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == code
    assert "templateRoles[0]" in result.body["error"]["message"]
    assert envelope_creates(emulator) == []


def test_template_without_values_is_not_read(prefill: Any, emulator: Any, template_id: str) -> None:
    emulator.state.clear_requests()
    body = role_body(template_id, [])
    body["templateRoles"][0].pop("fields")
    # The locked required field stays empty: DocuSign's concern, and no extra call is made.
    result = send("prefill", body)
    assert result.status == 201, result.body
    gets = [r for r in emulator.state.requests if "/templates/" in r["path"]]
    assert gets == []


@pytest.mark.parametrize("method", [{"sms": "+15551234567"}, {"phone": "+15551234567"}])
def test_a_template_role_takes_an_access_code_only(
    prefill: Any, emulator: Any, template_id: str, method: dict[str, str]
) -> None:
    """DocuSign's templateRole has `accessCode` and no ID check properties: SMS or phone sent
    on a role would be dropped and the recipient would sign without the check."""
    emulator.state.clear_requests()
    body = role_body(template_id, [{"label": "orderNo", "value": "1"}])
    body["templateRoles"][0]["authentication"] = method
    result = send("prefill", body)
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "TEMPLATE_ROLE_AUTHENTICATION"
    assert emulator.state.requests == []

    body["templateRoles"][0]["authentication"] = {"accessCode": "4711"}
    result = send("prefill", body)
    assert result.status == 201, result.body
    (create,) = envelope_creates(emulator)
    role = create["json"]["templateRoles"][0]
    assert role["accessCode"] == "4711"
    assert not {"idCheckConfigurationName", "smsAuthentication", "requireIdLookup"} & set(role)


@pytest.mark.parametrize(
    "template", ["../envelopes/8c5b2b0e-5d5c-4e0b-9d59-0f8f2f1e6a11", "tpl?x=1", "a%2Fb"]
)
def test_a_template_id_that_is_not_a_guid_never_reaches_docusign(
    prefill: Any, emulator: Any, template: str
) -> None:
    emulator.state.clear_requests()
    result = send("prefill", role_body(template, [{"label": "orderNo", "value": "1"}]))
    assert result.status == 400, result.body
    assert result.body["error"]["code"] == "INVALID_TEMPLATE_ID"
    assert emulator.state.requests == []


def test_identifiers_are_one_path_segment_in_docusign_urls() -> None:
    from docusign_connector.adapters.docusign.transport import segment

    assert segment("../envelopes/x") == "..%2Fenvelopes%2Fx"
    assert segment("a?b#c d") == "a%3Fb%23c%20d"
