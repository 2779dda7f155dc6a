"""The Power Automate custom connector: what Microsoft documents that a connector needs and the
Swagger validator does not check (labels, visibility, size, the x-ms extensions it knows and
where, string rules, one API-key security), and the policy that makes the key a bearer
token."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from docusign_connector.api import descriptions, power_automate
from docusign_connector.api.routes import ROUTES
from docusign_connector.api.swagger_schema import FORMATS

DOCUMENT = power_automate.api_definition("https://abc.execute-api.eu-west-1.amazonaws.com/v1")
PROPERTIES = power_automate.api_properties()
# Where Microsoft's definition schema (apiDefinition.swagger.schema.json) accepts each x-ms
# extension this connector uses; any other x-ms-* key is refused there.
ALLOWED_X_MS = {
    "root": {"x-ms-connector-metadata"},
    "operation": {"x-ms-visibility", "x-ms-summary"},
    "parameter": {"x-ms-visibility", "x-ms-summary"},
    "response": {"x-ms-summary"},
    "schema": {"x-ms-visibility", "x-ms-summary"},
}
VISIBILITY = {"important", "advanced", "internal"}


def _operations() -> list[dict[str, Any]]:
    return [op for item in DOCUMENT["paths"].values() for op in item.values()]


def _schemas(schema: Any, at: str):
    """Every schema object in a definition, with where it is."""
    if not isinstance(schema, dict):
        return
    yield at, schema
    for name, item in (schema.get("properties") or {}).items():
        yield from _schemas(item, f"{at}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _schemas(schema["items"], f"{at}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _schemas(schema["additionalProperties"], f"{at}{{}}")


def _x_ms(mapping: dict[str, Any]) -> set[str]:
    return {key for key in mapping if key.startswith("x-ms-")}


def test_the_definition_is_swagger2_under_one_megabyte() -> None:
    assert DOCUMENT["swagger"] == "2.0"
    assert len(descriptions.render(DOCUMENT).encode()) < 1_000_000


def test_the_first_and_only_security_definition_is_the_api_key_header() -> None:
    (name,) = DOCUMENT["securityDefinitions"]
    assert name == "api_key"
    assert DOCUMENT["securityDefinitions"][name]["type"] == "apiKey"
    assert DOCUMENT["securityDefinitions"][name]["in"] == "header"
    assert DOCUMENT["securityDefinitions"][name]["name"] == "Authorization"
    assert all(op["security"] == [{"api_key": []}] for op in _operations())


def test_every_parameter_a_maker_sees_has_a_label_and_a_visibility() -> None:
    for operation in _operations():
        for parameter in operation["parameters"]:
            assert parameter["x-ms-summary"], (operation["operationId"], parameter["name"])
            if parameter["in"] != "body":
                assert parameter["x-ms-visibility"] in VISIBILITY, parameter["name"]
            if parameter["required"] and parameter["in"] != "body":
                assert parameter["x-ms-visibility"] == "important", parameter["name"]


def test_every_property_is_labelled_and_request_properties_have_a_visibility() -> None:
    requests = power_automate._request_models(DOCUMENT)
    assert {"SendEnvelopeRequest", "Signer", "DocumentIn", "FieldIn"} <= requests
    for name, definition in DOCUMENT["definitions"].items():
        assert definition["x-ms-summary"], name
        required = set(definition.get("required") or [])
        for at, schema in _schemas(definition, name):
            if "$ref" in schema or at == name:
                continue
            assert schema.get("x-ms-summary"), at
        for property_name, schema in (definition.get("properties") or {}).items():
            if "$ref" in schema or name not in requests:
                continue
            visibility = schema["x-ms-visibility"]
            assert visibility in VISIBILITY, (name, property_name)
            if property_name in required:
                assert visibility == "important", (name, property_name)
    send = DOCUMENT["definitions"]["SendEnvelopeRequest"]["properties"]
    assert send["emailSubject"]["x-ms-visibility"] == "important"
    assert send["signers"]["x-ms-visibility"] == "important"
    assert send["signersEmails"]["x-ms-visibility"] == "advanced"


def test_only_x_ms_extensions_microsoft_accepts_and_where_it_accepts_them() -> None:
    assert _x_ms(DOCUMENT) <= ALLOWED_X_MS["root"]
    for operation in _operations():
        assert _x_ms(operation) <= ALLOWED_X_MS["operation"]
        for parameter in operation["parameters"]:
            assert _x_ms(parameter) <= ALLOWED_X_MS["parameter"]
        for answer in operation["responses"].values():
            assert _x_ms(answer) <= ALLOWED_X_MS["response"]
    for name, definition in DOCUMENT["definitions"].items():
        for at, schema in _schemas(definition, name):
            assert _x_ms(schema) <= ALLOWED_X_MS["schema"], at
            assert schema.get("format", "int32") in FORMATS, at
            assert schema.get("x-ms-visibility", "important") in VISIBILITY, at
    metadata = DOCUMENT["x-ms-connector-metadata"]
    assert all(set(item) == {"propertyName", "propertyValue"} for item in metadata)


def test_strings_follow_microsoft_s_connector_string_guidance() -> None:
    info = DOCUMENT["info"]
    assert len(info["title"]) <= 30
    assert not re.search(r"\bAPI\b", info["title"] + " " + info["description"])
    ids = [op["operationId"] for op in _operations()]
    assert len(ids) == len(set(ids)) == len([r for r in ROUTES if r.in_openapi])
    for operation in _operations():
        summary = operation["summary"]
        assert len(summary) <= 80 and "/" not in summary, summary
        assert summary[-1].isalnum(), summary
        assert operation["description"] and operation["description"] != summary
        assert re.fullmatch(r"[a-z][A-Za-z0-9]*", operation["operationId"])


def test_the_key_is_a_secret_connection_parameter_sent_as_a_bearer_token() -> None:
    properties = PROPERTIES["properties"]
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", properties["iconBrandColor"])
    (name,) = properties["connectionParameters"]
    assert re.fullmatch(r"[0-9a-zA-Z_]+", name)
    parameter = properties["connectionParameters"][name]
    assert parameter["type"] == "securestring"
    assert parameter["uiDefinition"]["constraints"]["clearText"] is False
    assert "without the word Bearer" in parameter["uiDefinition"]["description"]
    (policy,) = properties["policyTemplateInstances"]
    assert policy["templateId"] == "setheader"
    assert policy["parameters"] == {
        "x-ms-apimTemplateParameter.name": "Authorization",
        "x-ms-apimTemplateParameter.value": f"Bearer @connectionParameters('{name}')",
        "x-ms-apimTemplateParameter.existsAction": "override",
        "x-ms-apimTemplate-policySection": "Request",
    }


@pytest.mark.parametrize("key", ["plain-key_123", "k" * 64])
def test_the_policy_value_is_what_the_api_expects_once_the_expression_is_filled(key: str):
    """Power Platform's expression @connectionParameters('api_key') is replaced by the
    connection's value: the header is then exactly `Bearer <key>`."""
    value = PROPERTIES["properties"]["policyTemplateInstances"][0]["parameters"][
        "x-ms-apimTemplateParameter.value"
    ]
    filled = re.sub(r"@connectionParameters\('([0-9a-zA-Z_]+)'\)", lambda m: key, value)
    assert filled == f"Bearer {key}"


def test_the_committed_connector_folder_has_its_readme() -> None:
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "docs" / "power-automate"
    readme = (folder / "README.md").read_text()
    for words in (
        "paconn create",
        "apiDefinition.swagger.json",
        "apiProperties.json",
        "python -m docusign_connector.api.descriptions",
    ):
        assert words in readme, words
    assert json.loads((folder / "apiProperties.json").read_text()) == PROPERTIES
