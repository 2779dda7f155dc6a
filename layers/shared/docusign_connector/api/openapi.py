"""The API's OpenAPI 3.1 document, built from the route table and the same pydantic models that
validate requests.

`python -m docusign_connector.api.descriptions` writes it (with the Swagger 2.0 documents);
GET /openapi.json serves it with the deployment's own address.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from . import schemas
from .parameters import HEADERS, PATH_PARAMETERS
from .routes import Route, path_parameters

_REF = schemas.REF


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in path_parameters(route.path):
        path_parameter = PATH_PARAMETERS[name]
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": path_parameter.description,
                "schema": {"type": "string", "pattern": path_parameter.anchored},
            }
        )
    for name in route.headers:
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "description": HEADERS[name].description,
                "schema": {"type": "string"},
            }
        )
    for query in route.query:
        schema: dict[str, Any] = {"type": "string"}
        if query.enum:
            schema["enum"] = list(query.enum)
        parameters.append(
            {
                "name": query.name,
                "in": "query",
                "required": False,
                "description": query.description,
                "schema": schema,
            }
        )
    return parameters


def _json(model: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF.format(model=model)}}}


def _responses(route: Route) -> dict[str, Any]:
    assert route.response is not None, route.operation_id
    answers: dict[str, Any] = {
        str(route.status): {"description": "Success", "content": _json(route.response)}
    }
    for status, description in schemas.ERRORS.items():
        answers[status] = {"description": description, "content": _json("Error")}
        if status in schemas.RETRY_AFTER_STATUSES:
            answers[status]["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying",
                    "schema": {"type": "integer"},
                }
            }
    return answers


def _operation(route: Route, scope_prefix: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": route.summary,
        "description": f"{route.description} {schemas.permission_sentence(route)}",
        "operationId": route.operation_id,
        "parameters": _parameters(route),
        "responses": _responses(route),
        # Either credential; the token's scope names the permission the route needs.
        "security": [{"bearer": []}, {"oauth2": schemas.scope_of(route, scope_prefix)}],
        "x-permission": route.permission,
    }
    if route.body is not None:
        operation["requestBody"] = {"required": True, "content": _json(route.body)}
    return operation


def _security_schemes(token_url: str, scope_prefix: str) -> dict[str, Any]:
    return {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": schemas.BEARER_DESCRIPTION,
        },
        "oauth2": {
            "type": "oauth2",
            "description": "OAuth 2.0 client credentials: scopes name the connection and the "
            "permission ({connection}:{permission}, * for every connection).",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": token_url,
                    "scopes": schemas.scopes(scope_prefix),
                }
            },
        },
    }


def _servers(api_url: str | None) -> list[dict[str, Any]]:
    if api_url is not None:
        return [{"url": api_url.rstrip("/")}]
    placeholder = urlsplit(schemas.PLACEHOLDER_API_URL)
    return [
        {
            "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
            "description": "The deployed stack (its ApiUrl output)",
            "variables": {
                "apiId": {"default": (placeholder.hostname or "").split(".")[0]},
                "region": {"default": "YOUR-REGION"},
                "stage": {"default": placeholder.path.strip("/")},
            },
        }
    ]


@lru_cache(maxsize=8)
def _document(api_url: str | None, token_url: str, scope_prefix: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in schemas.documented_routes():
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, scope_prefix)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": schemas.TITLE,
            "version": schemas.API_VERSION,
            "description": "Send documents for signature with DocuSign, follow them, fetch "
            "the signed PDFs and cancel them. " + schemas.BEARER_DESCRIPTION,
        },
        "servers": _servers(api_url),
        "paths": paths,
        "components": {
            "schemas": schemas.components(),
            "securitySchemes": _security_schemes(token_url, scope_prefix),
        },
    }


def build_document(
    api_url: str | None = None,
    token_url: str | None = None,
    scope_prefix: str = schemas.COGNITO_SCOPE_PREFIX,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document; `api_url` is the deployment's base URL (with its stage),
    `token_url` its OAuth 2.0 token endpoint (placeholders when not given)."""
    document = _document(api_url, token_url or schemas.PLACEHOLDER_TOKEN_URL, scope_prefix)
    return copy.deepcopy(document)
