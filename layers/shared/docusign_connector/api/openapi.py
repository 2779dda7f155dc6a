"""The API's OpenAPI document, built from the route table and the same pydantic models that
validate requests.

`python -m docusign_connector.api.openapi > docs/openapi.json` writes it; GET /openapi.json
serves it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..ids import CONNECTION_NAME
from ..models import after_send, requests, responses, views
from .routes import ROUTES, Route, path_parameters

API_VERSION = "1.0.0"
_REF = "#/components/schemas/{model}"
_ERRORS = {
    "400": "Bad input: the code says which rule failed; nothing was sent",
    "403": "Forbidden (consent required, s3Key outside the inbox)",
    "404": "Unknown connection or envelope (another connection's envelope included)",
    "409": "Conflict (state does not allow it; Idempotency-Key reused with another body)",
    "413": "Too large",
    "422": "The connection is misconfigured, or DocuSign refused the request",
    "429": "DocuSign is throttling; see Retry-After",
    "502": "DocuSign answered with an error",
    "503": "DocuSign is unavailable; retry later",
}
_FLAT_FORM = {
    "signersEmails": {"type": "array", "items": {"type": "string"}},
    "signersNames": {"type": "array", "items": {"type": "string"}},
    "signatureOrder": {"type": "array", "items": {"type": ["integer", "null"]}},
    "signersAccessCodes": {"type": "array", "items": {"type": ["string", "null"]}},
    "signersSmsNumbers": {"type": "array", "items": {"type": ["string", "null"]}},
    "signersPhoneNumbers": {"type": "array", "items": {"type": ["string", "null"]}},
    "signersAnchors": {"type": "array", "items": {"type": ["string", "null"]}},
    "ccEmails": {"type": "array", "items": {"type": "string"}},
    "ccNames": {"type": "array", "items": {"type": "string"}},
    "enableExpiration": {"type": "boolean"},
    "validityDays": {"type": "integer"},
    "expirationNoticeDays": {"type": "integer"},
    "enableReminder": {"type": "boolean"},
    "firstReminderDays": {"type": "integer"},
    "reminderIntervalDays": {"type": "integer"},
}
_CONNECTION = {
    "name": "connection",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": f"^{CONNECTION_NAME.pattern}$"},
}
_ENVELOPE = {"name": "envelopeId", "in": "path", "required": True, "schema": {"type": "string"}}


def _parameters(route: Route) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for name in path_parameters(route.path):
        parameters.append(_CONNECTION if name == "connection" else _ENVELOPE)
    for header in route.headers:
        parameters.append(
            {"name": header, "in": "header", "required": False, "schema": {"type": "string"}}
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


def _operation(route: Route) -> dict[str, Any]:
    assert route.response is not None, route.operation_id
    responses_: dict[str, Any] = {
        str(route.status): {
            "description": "Success",
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model=route.response)}}
            },
        },
    }
    for status, description in _ERRORS.items():
        responses_[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    operation: dict[str, Any] = {
        "summary": route.summary,
        "operationId": route.operation_id,
        "parameters": _parameters(route),
        "responses": responses_,
    }
    if route.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=route.body)}}},
        }
    return operation


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "details"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"type": "object"}},
                },
            }
        },
    }


def _model(module: Any, name: str) -> Any:
    """A model named by the route table: in `module`, or in the models of views and of the
    actions after the send."""
    for candidate in (module, views, after_send):
        if hasattr(candidate, name):
            return getattr(candidate, name)
    raise LookupError(f"no model {name}")


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    documented = [route for route in ROUTES if route.in_openapi]
    inputs = sorted({route.body for route in documented if route.body})
    outputs = sorted({route.response for route in documented if route.response})
    wanted: Any = [(_model(requests, name), "validation") for name in inputs] + [
        (_model(responses, name), "serialization") for name in outputs
    ]
    _, schemas = models_json_schema(wanted, by_alias=True, ref_template=_REF)
    components = dict(schemas.get("$defs", {}))
    send = components["SendEnvelopeRequest"]
    send["properties"].update(_FLAT_FORM)
    send["description"] = (
        "Nested form, or the flat form of BPM tools (signersEmails, signersNames, "
        "signatureOrder, ccEmails, ccNames, enableExpiration, validityDays, "
        "expirationNoticeDays, enableReminder, firstReminderDays, reminderIntervalDays)."
    )
    components["Error"] = _error_schema()
    paths: dict[str, dict[str, Any]] = {}
    for route in documented:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DocuSign Serverless Connector",
            "version": API_VERSION,
            "description": "Send documents for signature with DocuSign, follow them, fetch "
            "the signed PDFs and cancel them. Every route is authorised with AWS IAM (SigV4).",
        },
        "paths": paths,
        "components": {"schemas": components},
    }


if __name__ == "__main__":
    print(json.dumps(build_document(), indent=2))
