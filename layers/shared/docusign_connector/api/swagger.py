"""The Swagger 2.0 documents, for the engines that import only that (Power Automate, Nintex,
K2): the same route table and the same models as the OpenAPI 3.1 document, the models'
schemas converted by `swagger_schema`.

Each document has ONE security definition, because Nintex Xtensions take one authentication
type per file and Power Automate uses the first of several (docs/engines.md):
- `api_key`: the API key in the Authorization header, typed as `Bearer <API key>`;
- `oauth2`: OAuth 2.0 client credentials (Swagger 2.0's `application` flow).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from . import schemas
from .parameters import HEADERS, PATH_PARAMETERS, title_of
from .routes import Route, path_parameters
from .swagger_schema import convert

API_KEY = "api_key"
OAUTH2 = "oauth2"
SECURITY_KINDS = (API_KEY, OAUTH2)
_DEFINITION = "#/definitions/{model}"


def split_api_url(api_url: str) -> tuple[str, str, str]:
    """(scheme, host[:port], basePath) of a base URL such as the stack's ApiUrl output."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError(f"not an http(s) base URL: {api_url!r}")
    return parts.scheme, parts.netloc, "/" + parts.path.strip("/")


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in path_parameters(route.path):
        path_parameter = PATH_PARAMETERS[name]
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "type": "string",
                "pattern": path_parameter.anchored,
                "description": path_parameter.description,
            }
        )
    for name in route.headers:
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "type": "string",
                "description": HEADERS[name].description,
            }
        )
    for query in route.query:
        parameter: dict[str, Any] = {
            "name": query.name,
            "in": "query",
            "required": False,
            "type": "string",
            "description": query.description,
        }
        if query.enum:
            parameter["enum"] = list(query.enum)
        parameters.append(parameter)
    if route.body is not None:
        parameters.append(
            {
                "name": "body",
                "in": "body",
                "required": True,
                "description": "The request, as JSON",
                "schema": {"$ref": _DEFINITION.format(model=route.body)},
            }
        )
    return parameters


def _responses(route: Route) -> dict[str, Any]:
    assert route.response is not None, route.operation_id
    answers: dict[str, Any] = {
        str(route.status): {
            "description": "Created" if route.status == 201 else "Success",
            "schema": {"$ref": _DEFINITION.format(model=route.response)},
        }
    }
    for status, description in schemas.ERRORS.items():
        answers[status] = {
            "description": description,
            "schema": {"$ref": _DEFINITION.format(model="Error")},
        }
        if status in schemas.RETRY_AFTER_STATUSES:
            answers[status]["headers"] = {
                "Retry-After": {"type": "integer", "description": "Seconds to wait"}
            }
    return answers


def _operation(route: Route, security: str, scope_prefix: str) -> dict[str, Any]:
    scopes = schemas.scope_of(route, scope_prefix) if security == OAUTH2 else []
    return {
        "operationId": route.operation_id,
        "summary": route.summary,
        "description": f"{route.description} {schemas.permission_sentence(route)}",
        "parameters": _parameters(route),
        "responses": _responses(route),
        "security": [{security: scopes}],
    }


def _security_definition(security: str, token_url: str, scope_prefix: str) -> dict[str, Any]:
    if security == API_KEY:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": schemas.API_KEY_DESCRIPTION,
        }
    return {
        "type": "oauth2",
        "flow": "application",
        "tokenUrl": token_url,
        "scopes": schemas.scopes(scope_prefix),
        "description": "OAuth 2.0 client credentials of an app client the operator made "
        "(python -m admin caller add --oauth): its scopes name the connections and "
        "permissions it is granted.",
    }


def labelled(definitions: dict[str, Any]) -> dict[str, Any]:
    """Each definition and property titled for people (`Envelope ID`, not pydantic's
    `Envelopeid`): Nintex shows titles as field labels."""
    for name, definition in definitions.items():
        definition["title"] = title_of(name)
        for property_name, schema in (definition.get("properties") or {}).items():
            if "$ref" not in schema:
                schema["title"] = title_of(property_name)
    return definitions


@lru_cache(maxsize=1)
def definitions() -> dict[str, Any]:
    """The models' schemas in Swagger 2.0's subset, labelled."""
    converted = {
        name: convert(schema, at=f"#/components/schemas/{name}")
        for name, schema in schemas.components().items()
    }
    return labelled(converted)


@lru_cache(maxsize=8)
def _document(api_url: str, security: str, token_url: str, scope_prefix: str) -> dict[str, Any]:
    if security not in SECURITY_KINDS:
        raise ValueError(f"security is one of {SECURITY_KINDS}")
    scheme, host, base_path = split_api_url(api_url)
    paths: dict[str, dict[str, Any]] = {}
    for route in schemas.documented_routes():
        operation = _operation(route, security, scope_prefix)
        paths.setdefault(route.path, {})[route.method.lower()] = operation
    return {
        "swagger": "2.0",
        "info": {
            "title": schemas.TITLE,
            "version": schemas.API_VERSION,
            "description": "Send documents for signature with DocuSign, follow them, fetch "
            "the signed PDFs and cancel them.",
        },
        "host": host,
        "basePath": base_path,
        "schemes": [scheme],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "paths": paths,
        "definitions": copy.deepcopy(definitions()),
        "securityDefinitions": {security: _security_definition(security, token_url, scope_prefix)},
    }


def build_swagger(
    api_url: str | None = None,
    *,
    security: str = API_KEY,
    token_url: str | None = None,
    scope_prefix: str = schemas.COGNITO_SCOPE_PREFIX,
) -> dict[str, Any]:
    """A Swagger 2.0 document for one deployment (`api_url`: its base URL with the stage) with
    one security definition, `api_key` or `oauth2`."""
    document = _document(
        api_url or schemas.PLACEHOLDER_API_URL,
        security,
        token_url or schemas.PLACEHOLDER_TOKEN_URL,
        scope_prefix,
    )
    return copy.deepcopy(document)
