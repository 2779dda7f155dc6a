"""What every API description shares: the JSON Schemas (2020-12) of the pydantic models that
validate requests and shape answers, the one error shape, the errors every operation may
answer, and how callers authenticate (DESIGN §11).

The OpenAPI 3.1 document uses these schemas as they are; the Swagger 2.0 documents convert
them (`swagger_schema`).
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from pydantic.json_schema import models_json_schema

from ..models import after_send, audit_events, docgen, identity, requests, responses, views
from .routes import ROUTES, Route

API_VERSION = "1.0.0"
TITLE = "DocuSign Serverless Connector"
REF = "#/components/schemas/{model}"

# Where a deployment is, until the generator is told (placeholders that read as such).
PLACEHOLDER_API_URL = "https://YOUR-API-ID.execute-api.YOUR-REGION.amazonaws.com/v1"
PLACEHOLDER_TOKEN_URL = "https://YOUR-DOMAIN.auth.YOUR-REGION.amazoncognito.com/oauth2/token"
# The stack's Cognito resource server names its scopes with this prefix; another issuer the
# operator configures may use none.
COGNITO_SCOPE_PREFIX = "docusign-connector/"

# Every operation may answer these, in the one error shape.
ERRORS: dict[str, str] = {
    "400": "Bad input: the code says which rule failed; nothing was sent",
    "401": "UNAUTHORIZED: the Authorization header is missing, or its API key or access token "
    "is not valid (unknown, revoked, expired or of another audience)",
    "403": "Forbidden: ACCESS_DENIED when the caller is not granted this permission on this "
    "connection; also consent required, or an s3Key outside the inbox",
    "404": "Unknown connection or envelope (another connection's envelope included)",
    "409": "Conflict (state does not allow it; Idempotency-Key reused with another body)",
    "413": "Too large",
    "422": "The connection is misconfigured, or DocuSign refused the request",
    "429": "Throttled (by DocuSign or by the API); see Retry-After",
    "502": "DocuSign answered with an error",
    "503": "DocuSign is unavailable or has not confirmed yet; see Retry-After",
}
RETRY_AFTER_STATUSES = ("429", "503")

# The flat form of BPM tools (DESIGN §4.1): fields the send model reads before validating.
FLAT_FORM: dict[str, Any] = {
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
    "senderEmail": {"type": "string", "description": "send as this user of the account"},
    "senderUserId": {"type": "string", "description": "send as this user (a GUID)"},
}

# How a caller authenticates (DESIGN §11), said once for every document.
BEARER_DESCRIPTION = (
    "Authorization: Bearer <API key> (a key from `python -m admin caller add`), or "
    "Authorization: Bearer <access token> (an OAuth 2.0 client-credentials token of the "
    "issuer the operator configured). A missing or wrong credential is a 401 UNAUTHORIZED; "
    "a connection or permission the caller is not granted is a 403 ACCESS_DENIED."
)
API_KEY_DESCRIPTION = (
    "Bearer <API key>: the word Bearer, a space, then the caller's API key from "
    "`python -m admin caller add`."
)
PERMISSION_WORDS = {
    "send": "create envelopes and drafts",
    "read": "read status, lists, documents, form data and templates",
    "manage": "void, correct, resend and open embedded views",
    "admin": "consent and verify the connection",
}


def scopes(prefix: str) -> dict[str, str]:
    """The OAuth 2.0 scopes a description names: one per permission, the stack's user pool's
    (its resource server's), holding on every connection the token's caller may use. Another
    issuer's tokens may also carry `{prefix}{connection}:{permission}` for one connection."""
    return {
        f"{prefix}{permission}": f"{words.capitalize()} on the caller's connections"
        for permission, words in PERMISSION_WORDS.items()
    }


def scope_of(route: Route, prefix: str) -> list[str]:
    return [f"{prefix}{route.permission}"] if route.permission else []


def permission_sentence(route: Route) -> str:
    if route.permission is None:
        return "Any authenticated caller may call it."
    return (
        f"Needs the {route.permission} permission on the connection "
        f"(OAuth scope {route.permission}, or <connection>:{route.permission})."
    )


def documented_routes() -> list[Route]:
    return [route for route in ROUTES if route.in_openapi]


def _model(module: Any, name: str) -> Any:
    """A model named by the route table: in `module`, or in the models of views and of the
    actions after the send."""
    for candidate in (module, views, after_send, identity, audit_events, docgen):
        if hasattr(candidate, name):
            return getattr(candidate, name)
    raise LookupError(f"no model {name}")


def _error_schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "description": "The one shape of every error.",
            "required": ["error"],
            "properties": {"error": {"$ref": REF.format(model="ErrorBody")}},
        },
        "ErrorBody": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Which rule failed, e.g. "
                    "SIGNERS_LENGTH_MISMATCH, UNAUTHORIZED, ACCESS_DENIED",
                },
                "message": {"type": "string", "description": "What went wrong, for people"},
                "details": {"type": "array", "items": {"$ref": REF.format(model="ErrorDetail")}},
            },
        },
        "ErrorDetail": {
            "type": "object",
            "description": "One detail of an error: which field, and what DocuSign said.",
            "properties": {
                "field": {"type": "string", "description": "The input the detail is about"},
                "code": {"type": "string", "description": "The rule this detail broke"},
                "message": {"type": "string", "description": "What is wrong with it"},
            },
            "additionalProperties": True,
        },
    }


@lru_cache(maxsize=1)
def _components() -> dict[str, Any]:
    documented = documented_routes()
    inputs = sorted({route.body for route in documented if route.body})
    outputs = sorted({route.response for route in documented if route.response})
    wanted: Any = [(_model(requests, name), "validation") for name in inputs] + [
        (_model(responses, name), "serialization") for name in outputs
    ]
    _, schemas = models_json_schema(wanted, by_alias=True, ref_template=REF)
    components = dict(schemas.get("$defs", {}))
    send = components["SendEnvelopeRequest"]
    send["properties"].update(FLAT_FORM)
    send["description"] = (
        "Nested form, or the flat form of BPM tools (signersEmails, signersNames, "
        "signatureOrder, ccEmails, ccNames, enableExpiration, validityDays, "
        "expirationNoticeDays, enableReminder, firstReminderDays, reminderIntervalDays)."
    )
    components.update(_error_schemas())
    return components


def components() -> dict[str, Any]:
    """The schemas of every model the documented routes name, plus the error shape (a copy:
    each document may change its own)."""
    return copy.deepcopy(_components())
