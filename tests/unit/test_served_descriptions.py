"""GET /openapi.json serves the descriptions with the address the request came through, and the
test helper that calls an API as an engine with only a Swagger file would."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV2SpecValidator

from docusign_connector.api.swagger import build_swagger
from tests.support.lambda_events import api_event, invoke
from tests.support.swagger_client import SwaggerClient

DEPLOYED = "https://abc123defg.execute-api.us-east-1.amazonaws.com/v1"


def _event(query: dict[str, str] | None = None, **context: Any) -> dict[str, Any]:
    event = api_event("get_openapi", query=query)
    event["requestContext"].update(context)
    return event


def test_the_document_names_the_deployment_it_was_fetched_from() -> None:
    result = invoke("get_openapi", _event())
    assert result.status == 200
    assert result.body["openapi"] == "3.1.0"
    assert result.body["servers"] == [{"url": DEPLOYED}]
    assert "/connections/{connection}/envelopes" in result.body["paths"]


def test_a_custom_domain_keeps_its_base_path() -> None:
    event = _event(domainName="signing.example.com", path="/docusign/openapi.json")
    result = invoke("get_openapi", event)
    assert result.body["servers"] == [{"url": "https://signing.example.com/docusign"}]


@pytest.mark.parametrize(
    ("kind", "definition"), [("swagger2", "api_key"), ("swagger2-oauth2", "oauth2")]
)
def test_the_swagger_documents_carry_the_real_host(kind: str, definition: str) -> None:
    result = invoke("get_openapi", _event({"format": kind}))
    assert result.status == 200
    document = result.body
    assert list(document["securityDefinitions"]) == [definition]
    assert (document["schemes"], document["host"], document["basePath"]) == (
        ["https"],
        "abc123defg.execute-api.us-east-1.amazonaws.com",
        "/v1",
    )
    assert list(OpenAPIV2SpecValidator(document).iter_errors()) == []


def test_an_unknown_format_is_a_400_in_the_error_shape() -> None:
    result = invoke("get_openapi", _event({"format": "yaml"}))
    assert result.status == 400
    assert result.body["error"]["code"] == "INVALID_FORMAT"
    assert result.body["error"]["details"] == [{"field": "format"}]


@pytest.mark.parametrize(
    "context",
    [
        {"domainName": "evil.example.com/x?y=1"},
        {"domainName": "a b"},
        {"domainName": ""},
        {"path": "/v1/<script>/openapi.json"},
    ],
)
def test_an_address_that_is_not_plain_is_not_copied_into_the_document(context) -> None:
    result = invoke("get_openapi", _event(**context))
    assert result.status == 200
    assert result.body["servers"][0]["url"].startswith("https://{apiId}.execute-api")
    swagger = invoke("get_openapi", _event({"format": "swagger2"}, **context)).body
    assert swagger["host"] == "YOUR-API-ID.execute-api.YOUR-REGION.amazonaws.com"


# ---------------------------------------------------------------------------- the engine client


DOCUMENT = build_swagger(DEPLOYED)
ENVELOPE = "6f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"


def test_the_client_builds_the_request_the_file_describes() -> None:
    client = SwaggerClient(DOCUMENT, headers={"Authorization": "Bearer k"})
    request = client.request(
        "getDocuments",
        {"connection": "demo", "envelopeId": ENVELOPE, "format": "combined", "certificate": False},
    )
    assert request.method == "GET"
    assert request.url == (
        f"{DEPLOYED}/connections/demo/envelopes/{ENVELOPE}/documents"
        "?format=combined&certificate=false"
    )
    assert request.headers == {"Authorization": "Bearer k", "Accept": "application/json"}
    assert request.body is None
    send = client.request(
        "sendEnvelope", {"connection": "demo", "Idempotency-Key": "a b", "body": {"x": 1}}
    )
    assert (send.method, send.url, send.body) == (
        "POST",
        f"{DEPLOYED}/connections/demo/envelopes",
        b'{"x": 1}',
    )
    assert send.headers["Idempotency-Key"] == "a b"
    assert send.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"connection": "demo", "envelopeId": ENVELOPE, "colour": "red"}, "declares no"),
        ({"connection": "demo"}, "envelopeId is required"),
        ({"connection": "Demo", "envelopeId": ENVELOPE}, "does not match"),
        ({"connection": "demo", "envelopeId": ENVELOPE + "\n"}, "does not match"),
        ({"connection": "demo", "envelopeId": ENVELOPE, "format": "zip"}, "is one of"),
    ],
)
def test_the_client_sends_only_what_the_file_allows(values: dict[str, Any], says: str) -> None:
    with pytest.raises((TypeError, ValueError), match=says):
        SwaggerClient(DOCUMENT).request("getDocuments", values)


def test_the_client_knows_only_the_file_s_operations() -> None:
    document = copy.deepcopy(DOCUMENT)
    del document["paths"]["/connections/{connection}/envelopes/{envelopeId}/void"]
    with pytest.raises(LookupError):
        SwaggerClient(document).request("voidEnvelope", {})
