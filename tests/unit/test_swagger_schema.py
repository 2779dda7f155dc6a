"""JSON Schema 2020-12 → Swagger 2.0's Schema Object: each construct Swagger 2.0 lacks becomes
the closest one it has, and a construct with no faithful form fails loudly."""

from __future__ import annotations

from typing import Any

import pytest

from docusign_connector.api.swagger import definitions
from docusign_connector.api.swagger_schema import UnsupportedSchema, convert

# Keywords of JSON Schema that Swagger 2.0's Schema Object does not have.
NOT_IN_SWAGGER2 = {
    "anyOf",
    "oneOf",
    "not",
    "const",
    "prefixItems",
    "$defs",
    "examples",
    "if",
    "then",
    "else",
    "dependentRequired",
    "unevaluatedProperties",
    "patternProperties",
    "propertyNames",
    "contains",
    "nullable",
}


def _walk(schema: Any, at: str = "#"):
    if isinstance(schema, dict):
        yield at, schema
        for key, value in schema.items():
            if key in ("properties",):
                for name, item in value.items():
                    yield from _walk(item, f"{at}/properties/{name}")
            elif isinstance(value, (dict, list)):
                yield from _walk(value, f"{at}/{key}")
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from _walk(item, f"{at}/{i}")


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (
            {
                "anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}],
                "default": None,
                "title": "T",
            },
            {"type": "string", "maxLength": 5, "title": "T", "x-nullable": True},
        ),
        ({"type": ["integer", "null"]}, {"type": "integer", "x-nullable": True}),
        (
            {"enum": ["a", "b", None], "type": "string"},
            {"enum": ["a", "b"], "type": "string", "x-nullable": True},
        ),
        ({"const": "sent"}, {"enum": ["sent"]}),
        (
            {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 10},
            {
                "type": "integer",
                "minimum": 0,
                "exclusiveMinimum": True,
                "maximum": 10,
                "exclusiveMaximum": True,
            },
        ),
        (
            {"type": "array", "prefixItems": [{"type": "number"}, {"type": "number"}]},
            {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        ),
        (
            {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "number"}]},
            {
                "type": "array",
                "minItems": 2,
                "maxItems": 2,
                "items": {"type": "number", "description": "One of: integer, number."},
            },
        ),
        (
            {"anyOf": [{"type": "integer"}, {"type": "number"}]},
            {"type": "number", "description": "One of: integer, number."},
        ),
        (
            {"anyOf": [{"type": "string"}, {"type": "boolean"}, {"type": "null"}]},
            {"description": "One of: boolean, string.", "x-nullable": True},
        ),
        (
            {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]},
            {"type": "object", "description": "One of: object."},
        ),
        (
            {"anyOf": [{"$ref": "#/components/schemas/Anchor"}, {"type": "null"}], "default": None},
            {"$ref": "#/definitions/Anchor"},
        ),
        ({"type": "string", "format": "email"}, {"type": "string", "format": "email"}),
        ({"type": "string", "format": "duration"}, {"type": "string"}),
        ({"type": "string", "contentEncoding": "base64"}, {"type": "string", "format": "byte"}),
        (
            {
                "type": "object",
                "properties": {"a": {"type": ["string", "null"]}},
                "required": [],
                "additionalProperties": {"type": ["number", "integer"]},
            },
            {
                "type": "object",
                "properties": {"a": {"type": "string", "x-nullable": True}},
                "additionalProperties": {"type": "number"},
            },
        ),
        ({"type": "array"}, {"type": "array", "items": {}}),
        (
            {"type": "string", "examples": ["x", "y"], "deprecated": True, "x-ms-summary": "S"},
            {"type": "string", "example": "x", "x-ms-summary": "S"},
        ),
    ],
)
def test_each_construct_has_its_swagger2_form(schema: dict[str, Any], expected: Any) -> None:
    assert convert(schema) == expected


@pytest.mark.parametrize(
    ("schema", "says"),
    [
        ({"type": "string", "if": {"minLength": 1}}, "if"),
        ({"not": {"type": "string"}}, "not"),
        ({"type": "object", "patternProperties": {"^x": {}}}, "patternProperties"),
        ({"$ref": "https://example.com/schema"}, "outside"),
        ({"type": "null"}, "only allows null"),
        ({"anyOf": [{"type": "null"}]}, "only allows null"),
        ({"const": None}, "const null"),
        ({"type": "object", "properties": {"a": {"dependentRequired": {}}}}, "/properties/a"),
    ],
)
def test_a_construct_without_a_faithful_form_fails_loudly(schema: dict[str, Any], says: str):
    with pytest.raises(UnsupportedSchema, match=says):
        convert(schema)


def test_the_models_definitions_use_only_swagger2_constructs() -> None:
    for name, definition in definitions().items():
        for at, schema in _walk(definition, f"#/definitions/{name}"):
            assert not NOT_IN_SWAGGER2 & set(schema), at
            kind = schema.get("type")
            assert kind is None or isinstance(kind, str), at
            assert kind != "null", at
            if "$ref" in schema:
                assert set(schema) == {"$ref"}, at
                assert schema["$ref"].removeprefix("#/definitions/") in definitions(), at
            if "default" in schema:
                assert schema["default"] is not None, at
            assert None not in schema.get("enum", []), at


def test_the_models_nullable_fields_are_marked_x_nullable() -> None:
    fields = definitions()["FieldIn"]["properties"]
    assert fields["label"]["x-nullable"] is True and fields["label"]["type"] == "string"
    flat = definitions()["SendEnvelopeRequest"]["properties"]["signatureOrder"]
    assert flat["items"] == {"type": "integer", "x-nullable": True}
    assert fields["anchor"] == {"$ref": "#/definitions/Anchor"}
