"""The API's OpenAPI document, built from the same pydantic models that validate requests.

`python -m docusign_connector.openapi > docs/openapi.json` writes it; GET /openapi.json serves it.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from . import models

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
    "schema": {"type": "string", "pattern": models.CONNECTION_NAME.pattern},
}
_ENVELOPE = {"name": "envelopeId", "in": "path", "required": True, "schema": {"type": "string"}}


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _operation(
    summary: str,
    operation_id: str,
    ok: tuple[str, type[BaseModel]],
    *,
    body: type[BaseModel] | None = None,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        ok[0]: {
            "description": "Success",
            "content": {
                "application/json": {"schema": {"$ref": _REF.format(model=ok[1].__name__)}}
            },
        },
    }
    for status, description in _ERRORS.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model="Error")}}},
        }
    operation: dict[str, Any] = {
        "summary": summary,
        "operationId": operation_id,
        "parameters": parameters or [],
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": _REF.format(model=body.__name__)}}},
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


@lru_cache(maxsize=1)
def build_document() -> dict[str, Any]:
    inputs = [
        models.SendEnvelopeRequest,
        models.VoidEnvelopeRequest,
        models.RecipientViewRequest,
        models.SenderViewRequest,
    ]
    outputs: list[type[BaseModel]] = [
        models.SendEnvelopeResponse,
        models.EnvelopeStatusResponse,
        models.DocumentsResponse,
        models.VoidEnvelopeResponse,
        models.ConsentResponse,
        models.VerifyResponse,
        models.ListEnvelopesResponse,
        models.ViewResponse,
        models.TemplatesResponse,
    ]
    modes = ["validation"] * len(inputs) + ["serialization"] * len(outputs)
    wanted: Any = list(zip([*inputs, *outputs], modes, strict=True))
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
    base = "/connections/{connection}"
    paths = {
        f"{base}/envelopes": {
            "post": _operation(
                "Send documents to sign (or save a draft)",
                "sendEnvelope",
                ("201", models.SendEnvelopeResponse),
                body=models.SendEnvelopeRequest,
                parameters=[
                    _CONNECTION,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
            ),
            "get": _operation(
                "List tracked envelopes, newest change first",
                "listEnvelopes",
                ("200", models.ListEnvelopesResponse),
                parameters=[
                    _CONNECTION,
                    _query("status", "comma-separated statuses"),
                    _query("from", "last change at or after (ISO 8601)"),
                    _query("to", "last change at or before (ISO 8601)"),
                    _query("limit", "1-100, default 50"),
                    _query("nextToken", "from the previous page"),
                ],
            ),
        },
        f"{base}/envelopes/{{envelopeId}}": {
            "get": _operation(
                "Status of an envelope",
                "getEnvelope",
                ("200", models.EnvelopeStatusResponse),
                parameters=[
                    _CONNECTION,
                    _ENVELOPE,
                    _query("include", "'history' adds the status history"),
                ],
            ),
        },
        f"{base}/envelopes/{{envelopeId}}/documents": {
            "get": _operation(
                "Signed documents and Summary",
                "getDocuments",
                ("200", models.DocumentsResponse),
                parameters=[
                    _CONNECTION,
                    _ENVELOPE,
                    _query("include", "'content' adds base64 content"),
                    _query(
                        "escapeNonAsciiFilenames",
                        "URL-encode non-ASCII file names",
                        {"type": "string", "enum": ["true", "false"]},
                    ),
                ],
            ),
        },
        f"{base}/envelopes/{{envelopeId}}/void": {
            "post": _operation(
                "Void an envelope",
                "voidEnvelope",
                ("200", models.VoidEnvelopeResponse),
                body=models.VoidEnvelopeRequest,
                parameters=[_CONNECTION, _ENVELOPE],
            ),
        },
        f"{base}/envelopes/{{envelopeId}}/views/recipient": {
            "post": _operation(
                "Embedded signing URL for a signer sent with a clientUserId",
                "createRecipientView",
                ("201", models.ViewResponse),
                body=models.RecipientViewRequest,
                parameters=[_CONNECTION, _ENVELOPE],
            ),
        },
        f"{base}/envelopes/{{envelopeId}}/views/sender": {
            "post": _operation(
                "Embedded sending / edit URL",
                "createSenderView",
                ("201", models.ViewResponse),
                body=models.SenderViewRequest,
                parameters=[_CONNECTION, _ENVELOPE],
            ),
        },
        f"{base}/templates": {
            "get": _operation(
                "DocuSign templates and their roles",
                "listTemplates",
                ("200", models.TemplatesResponse),
                parameters=[
                    _CONNECTION,
                    _query("search", "text to search for (48 max)"),
                    _query("count", "1-100, default 50"),
                    _query("start", "position to start at, default 0"),
                ],
            ),
        },
        f"{base}/consent": {
            "get": _operation(
                "The consent URL",
                "getConsent",
                ("200", models.ConsentResponse),
                parameters=[_CONNECTION],
            ),
        },
        f"{base}/verify": {
            "post": _operation(
                "Check the credentials now",
                "verifyConnection",
                ("200", models.VerifyResponse),
                parameters=[_CONNECTION],
            ),
        },
    }
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
