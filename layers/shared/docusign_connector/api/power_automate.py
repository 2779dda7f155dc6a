"""A Power Automate (and Power Apps, Logic Apps) custom connector: `apiDefinition.swagger.json`
and `apiProperties.json`, built from the Swagger 2.0 document with the API-key security.

What Microsoft documents and this follows (docs/engines.md has the sources):
- Swagger 2.0 only, under 1 MB; with several security definitions the first is used;
- `x-ms-summary` labels every parameter and property a maker sees, `x-ms-visibility` puts
  what a maker usually fills first (`important`) and the rest behind "advanced";
- operation summaries without '/', at most 80 characters, ending in a letter or digit, and a
  description that differs from the summary; a title of at most 30 characters;
- `apiProperties.json`: the key as a `securestring` connection parameter, and a `setheader`
  policy that sends `Authorization: Bearer <key>`, so the maker pastes the key alone.
"""

from __future__ import annotations

from typing import Any

from .parameters import HEADERS, PATH_PARAMETERS, title_of
from .swagger import API_KEY, build_swagger

CONNECTION_PARAMETER = "api_key"
# Optional properties of the request models a maker usually fills; the required ones are
# important too, everything else is advanced.
IMPORTANT = {
    "SendEnvelopeRequest": {"emailBlurb", "documents", "signers", "templateId", "templateRoles"},
    "DocumentIn": {"contentBase64", "s3Key"},
    "Signer": {"signingOrder"},
    "TemplateRole": {"fields"},
    "CorrectRecipientRequest": {"email", "name"},
    "ResendEnvelopeRequest": {"recipientIds"},
}
IMPORTANT_OPERATIONS = {"sendEnvelope", "getEnvelope", "getDocuments"}
ADVANCED_OPERATIONS = {"getConsent", "verifyConnection"}
IMPORTANT_QUERIES = {("listEnvelopes", "status")}
ICON_BRAND_COLOR = "#26367c"
POLICY_VALUE = f"Bearer @connectionParameters('{CONNECTION_PARAMETER}')"


def _request_models(document: dict[str, Any]) -> set[str]:
    """Every definition a request body reaches (the maker fills these), transitively."""
    definitions = document["definitions"]
    found: set[str] = set()
    pending = [
        parameter["schema"]["$ref"].rsplit("/", 1)[1]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation["parameters"]
        if parameter["in"] == "body"
    ]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        pending.extend(_refs(definitions[name]))
    return found


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, dict):
        own = [schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else []
        return own + [ref for value in schema.values() for ref in _refs(value)]
    if isinstance(schema, list):
        return [ref for value in schema for ref in _refs(value)]
    return []


def _label_schema(schema: dict[str, Any], name: str, visibility: str | None) -> None:
    """x-ms-summary (and visibility) on a property and on what it holds, but never beside a
    $ref (Swagger 2.0 ignores a $ref's siblings; the definition it points to is labelled)."""
    if "$ref" in schema:
        return
    schema["x-ms-summary"] = title_of(name)
    if visibility:
        schema["x-ms-visibility"] = visibility
    items = schema.get("items")
    if isinstance(items, dict):
        _label_schema(items, name, None)
    values = schema.get("additionalProperties")
    if isinstance(values, dict):
        _label_schema(values, f"{name} Value", None)


def _label_definitions(document: dict[str, Any]) -> None:
    requests = _request_models(document)
    for name, definition in document["definitions"].items():
        definition["x-ms-summary"] = title_of(name)
        required = set(definition.get("required") or [])
        important = required | IMPORTANT.get(name, set())
        for property_name, schema in (definition.get("properties") or {}).items():
            visibility = None
            if name in requests:
                visibility = "important" if property_name in important else "advanced"
            _label_schema(schema, property_name, visibility)


def _label_operations(document: dict[str, Any]) -> None:
    for operations in document["paths"].values():
        for operation in operations.values():
            operation_id = operation["operationId"]
            if operation_id in IMPORTANT_OPERATIONS:
                operation["x-ms-visibility"] = "important"
            elif operation_id in ADVANCED_OPERATIONS:
                operation["x-ms-visibility"] = "advanced"
            for parameter in operation["parameters"]:
                where, name = parameter["in"], parameter["name"]
                if where == "path":
                    parameter["x-ms-summary"] = PATH_PARAMETERS[name].title
                    parameter["x-ms-visibility"] = "important"
                elif where == "header":
                    parameter["x-ms-summary"] = HEADERS[name].title
                    parameter["x-ms-visibility"] = "advanced"
                elif where == "query":
                    parameter["x-ms-summary"] = title_of(name)
                    important = (operation_id, name) in IMPORTANT_QUERIES
                    parameter["x-ms-visibility"] = "important" if important else "advanced"
                else:
                    parameter["x-ms-summary"] = "Request"
            for answer in operation["responses"].values():
                answer.setdefault("x-ms-summary", answer["description"].split(":")[0])


def api_definition(api_url: str | None = None) -> dict[str, Any]:
    """`apiDefinition.swagger.json`: the Swagger 2.0 document with the API key, labelled for
    makers."""
    document = build_swagger(api_url, security=API_KEY)
    document["info"]["description"] = (
        "Send documents for signature with DocuSign, follow them, fetch the signed PDFs and "
        "cancel them, through your organisation's DocuSign Serverless Connector."
    )
    document["securityDefinitions"][API_KEY]["description"] = (
        "The caller's key from python -m admin caller add, alone: the connector's policy "
        "sends it as Authorization: Bearer <key>."
    )
    document["x-ms-connector-metadata"] = [
        {"propertyName": "Categories", "propertyValue": "Content and Files;Productivity"}
    ]
    _label_operations(document)
    _label_definitions(document)
    return document


def api_properties() -> dict[str, Any]:
    """`apiProperties.json`: the key as a secret connection parameter, sent as a bearer token
    by Power Platform's `setheader` policy template."""
    return {
        "properties": {
            "connectionParameters": {
                CONNECTION_PARAMETER: {
                    "type": "securestring",
                    "uiDefinition": {
                        "displayName": "API key",
                        "description": "The caller's API key (python -m admin caller add), "
                        "without the word Bearer",
                        "tooltip": "Paste the key alone; the connector sends it as a bearer token",
                        "constraints": {"tabIndex": 2, "clearText": False, "required": "true"},
                    },
                }
            },
            "iconBrandColor": ICON_BRAND_COLOR,
            "capabilities": ["actions"],
            "policyTemplateInstances": [
                {
                    "templateId": "setheader",
                    "title": "Send the API key as a bearer token",
                    "parameters": {
                        "x-ms-apimTemplateParameter.name": "Authorization",
                        "x-ms-apimTemplateParameter.value": POLICY_VALUE,
                        "x-ms-apimTemplateParameter.existsAction": "override",
                        "x-ms-apimTemplate-policySection": "Request",
                    },
                }
            ],
        }
    }
