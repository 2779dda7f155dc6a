"""The published API descriptions: valid for a maintained validator, current, and the route
table's in every one of them (method, path, parameters, permission), each Swagger file with one
security definition."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV31SpecValidator

from docusign_connector import ids
from docusign_connector.api import descriptions, schemas
from docusign_connector.api.openapi import build_document
from docusign_connector.api.parameters import PATH_PARAMETERS
from docusign_connector.api.routes import ROUTES, path_parameters
from docusign_connector.models.after_send import is_recipient_id

ROOT = Path(__file__).resolve().parents[2]
API_URL = "https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1"
TOKEN_URL = "https://acme-signing.auth.eu-west-1.amazoncognito.com/oauth2/token"
DOCUMENTED = [route for route in ROUTES if route.in_openapi]
SWAGGER_FILES = (
    "swagger2.json",
    "swagger2-oauth2.json",
    "power-automate/apiDefinition.swagger.json",
)


def _deployed() -> dict[str, Any]:
    return descriptions.documents(api_url=API_URL, token_url=TOKEN_URL)


def _errors(validator: Any, document: dict[str, Any]) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator(document).iter_errors()]


# ---------------------------------------------------------------------------- validity


@pytest.mark.parametrize("options", [{}, {"api_url": API_URL, "token_url": TOKEN_URL}])
def test_every_document_is_valid_for_the_maintained_validator(options: dict[str, str]) -> None:
    documents = descriptions.documents(**options)
    assert _errors(OpenAPIV31SpecValidator, documents["openapi.json"]) == []
    for name in SWAGGER_FILES:
        assert _errors(OpenAPIV2SpecValidator, documents[name]) == [], name


def test_the_validator_sees_what_was_wrong_before() -> None:
    """The validator catches the defect the document had: every path parameter but the
    connection given the envelopeId schema (duplicate envelopeId, undeclared templateId)."""
    document = build_document()
    path = document["paths"]["/connections/{connection}/templates/{templateId}"]["get"]
    path["parameters"][1] = {
        "name": "envelopeId",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    assert any("templateId" in error for error in _errors(OpenAPIV31SpecValidator, document))


@pytest.mark.parametrize("name", sorted(descriptions.documents()))
def test_the_committed_documents_are_what_the_generator_writes(name: str) -> None:
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == descriptions.render(descriptions.documents()[name]), "run: make openapi"


def test_the_generator_writes_a_deployment_s_documents(tmp_path: Path, capsys: Any) -> None:
    code = descriptions.main(
        ["--api-url", API_URL + "/", "--token-url", TOKEN_URL, "--out", str(tmp_path)]
    )
    assert code == 0
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json")}
    assert written == set(descriptions.documents())
    openapi = json.loads((tmp_path / "openapi.json").read_text())
    assert openapi["servers"] == [{"url": API_URL}]
    scheme = openapi["components"]["securitySchemes"]["oauth2"]
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == TOKEN_URL
    for name in SWAGGER_FILES:
        swagger = json.loads((tmp_path / name).read_text())
        assert (swagger["schemes"], swagger["host"], swagger["basePath"]) == (
            ["https"],
            "abc123defg.execute-api.eu-west-1.amazonaws.com",
            "/v1",
        ), name
    oauth2 = json.loads((tmp_path / "swagger2-oauth2.json").read_text())
    assert oauth2["securityDefinitions"]["oauth2"]["tokenUrl"] == TOKEN_URL
    assert "placeholder" not in capsys.readouterr().err


def test_the_generator_refuses_a_url_that_is_not_one(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        descriptions.main(
            ["--api-url", "abc.execute-api.eu-west-1.amazonaws.com", "--out", str(tmp_path)]
        )
    assert list(tmp_path.iterdir()) == []


def test_without_a_deployment_the_documents_name_placeholders() -> None:
    documents = descriptions.documents()
    assert documents["swagger2.json"]["host"] == (
        "YOUR-API-ID.execute-api.YOUR-REGION.amazonaws.com"
    )
    (server,) = documents["openapi.json"]["servers"]
    assert server["url"] == "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}"
    assert server["variables"]["stage"]["default"] == "v1"


# ---------------------------------------------------------------------------- the route table


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def _parameter_names(operation: dict[str, Any], where: str) -> list[str]:
    return [p["name"] for p in operation.get("parameters", []) if p["in"] == where]


@pytest.mark.parametrize("name", sorted(descriptions.documents()))
def test_every_route_is_in_every_document_as_the_table_says(name: str) -> None:
    document = _deployed()[name]
    if name.endswith("apiProperties.json"):
        return
    operations = _operations(document)
    assert set(operations) == {(route.method, route.path) for route in DOCUMENTED}
    swagger = "swagger" in document
    for route in DOCUMENTED:
        operation = operations[(route.method, route.path)]
        assert operation["operationId"] == route.operation_id
        assert operation["summary"] == route.summary
        assert _parameter_names(operation, "path") == path_parameters(route.path)
        assert _parameter_names(operation, "query") == [q.name for q in route.query]
        assert _parameter_names(operation, "header") == list(route.headers)
        if swagger:
            body = _parameter_names(operation, "body")
            assert body == (["body"] if route.body else []), route.operation_id
            assert operation["responses"][str(route.status)]["schema"] == {
                "$ref": f"#/definitions/{route.response}"
            }
        else:
            assert operation["x-permission"] == route.permission
            assert ("requestBody" in operation) == (route.body is not None)
            content = operation["responses"][str(route.status)]["content"]
            assert content["application/json"]["schema"] == {
                "$ref": f"#/components/schemas/{route.response}"
            }
        # the permission the route needs, in its security and its description
        assert f"Needs the {route.permission} permission" in operation["description"]
        security = operation["security"]
        if swagger and "oauth2" in document["securityDefinitions"]:
            assert security == [{"oauth2": [f"docusign-connector/{route.permission}"]}]
        elif swagger:
            assert security == [{"api_key": []}]
        else:
            assert security == [
                {"bearer": []},
                {"oauth2": [f"docusign-connector/{route.permission}"]},
            ]


def test_only_the_connect_listener_and_the_document_itself_are_left_out() -> None:
    left_out = {route.operation_id for route in ROUTES if not route.in_openapi}
    assert left_out == {"receiveConnectMessage", "getOpenApi"}
    assert all(route.permission in schemas.PERMISSION_WORDS for route in DOCUMENTED)


@pytest.mark.parametrize("name", ["openapi.json", *SWAGGER_FILES])
def test_every_operation_documents_401_and_403_in_the_one_error_shape(name: str) -> None:
    document = _deployed()[name]
    for operation in _operations(document).values():
        for status in ("400", "401", "403", "404", "429", "503"):
            answer = operation["responses"][status]
            schema = (
                answer["schema"]
                if "schema" in answer
                else (answer["content"]["application/json"]["schema"])
            )
            assert schema["$ref"].endswith("/Error"), (name, status)
        assert "UNAUTHORIZED" in operation["responses"]["401"]["description"]
        assert "ACCESS_DENIED" in operation["responses"]["403"]["description"]


def test_each_path_parameter_has_its_own_schema_with_the_code_s_pattern() -> None:
    used = {name for route in DOCUMENTED for name in path_parameters(route.path)}
    assert used == set(PATH_PARAMETERS)
    document = build_document()
    for (_, path), operation in _operations(document).items():
        for parameter in operation["parameters"]:
            if parameter["in"] == "path":
                expected = PATH_PARAMETERS[parameter["name"]].anchored
                assert parameter["schema"] == {"type": "string", "pattern": expected}, path
    # the published patterns accept and refuse exactly what the code does
    checks = {
        "connection": ids.is_connection_name,
        "envelopeId": ids.is_envelope_id,
        "templateId": ids.is_template_id,
        "recipientId": is_recipient_id,
    }
    samples = [
        "demo",
        "a-b",
        "-a",
        "A",
        "1",
        "0",
        "12",
        "1234567890",
        "x" * 64,
        "",
        "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\n",
        "6F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
        "demo\n",
        "1\n",
    ]
    for name, check in checks.items():
        pattern = re.compile(PATH_PARAMETERS[name].anchored)
        for sample in samples:
            # `$` lets one trailing newline through in Python; engines' JSON Schema regexes
            # (ECMA-262) do not, and the code refuses it too.
            published = pattern.search(sample) is not None and not sample.endswith("\n")
            assert published == check(sample), (name, sample)


# ---------------------------------------------------------------------------- security


def test_each_swagger_file_has_one_security_definition() -> None:
    documents = _deployed()
    api_key = documents["swagger2.json"]["securityDefinitions"]
    assert api_key == {
        "api_key": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": schemas.API_KEY_DESCRIPTION,
        }
    }
    assert "Bearer <API key>" in api_key["api_key"]["description"]
    oauth2 = documents["swagger2-oauth2.json"]["securityDefinitions"]
    assert list(oauth2) == ["oauth2"]
    assert oauth2["oauth2"]["flow"] == "application"
    assert oauth2["oauth2"]["tokenUrl"] == TOKEN_URL
    assert set(oauth2["oauth2"]["scopes"]) == {
        f"docusign-connector/{p}" for p in ("send", "read", "manage", "admin")
    }
    pa = documents["power-automate/apiDefinition.swagger.json"]["securityDefinitions"]
    assert list(pa) == ["api_key"] and pa["api_key"]["name"] == "Authorization"


def test_the_openapi_document_offers_a_bearer_key_or_token_and_client_credentials() -> None:
    document = build_document(API_URL, TOKEN_URL, scope_prefix="")
    security = document["components"]["securitySchemes"]
    assert security["bearer"]["type"] == "http" and security["bearer"]["scheme"] == "bearer"
    flow = security["oauth2"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == TOKEN_URL
    assert set(flow["scopes"]) == {f"{p}" for p in ("send", "read", "manage", "admin")}
    send = document["paths"]["/connections/{connection}/envelopes"]["post"]
    assert send["security"] == [{"bearer": []}, {"oauth2": ["send"]}]
