"""JSON Schema 2020-12 (what pydantic writes, what OpenAPI 3.1 uses) → the Swagger 2.0 Schema
Object, the subset of JSON Schema draft 4 that Swagger 2.0 allows (spec.openapis.org, OpenAPI
2.0 "Schema Object"): no anyOf/oneOf/not, no const, no prefixItems, no type arrays, no null.

- a nullable value (`anyOf [X, {type: null}]`, `type: [X, "null"]`, null in an enum) is X with
  `x-nullable: true` (the AutoRest extension the Power Platform, NSwag and others read);
- a union of several types is the widest one type that holds them all (integer and number:
  number; objects: object), or no type at all when none does, and says so in its description;
- `const` is a one-value enum; `prefixItems` an array of the widest item type with its length;
  a numeric `exclusiveMinimum`/`exclusiveMaximum` is draft 4's boolean beside the bound;
- `$ref` to `#/components/schemas/X` points to `#/definitions/X` (nothing beside it: Swagger 2.0
  ignores a $ref's siblings);
- formats outside the list below, `default: null`, `examples` beyond the first and
  annotations Swagger 2.0 lacks are left out.

Any other keyword raises `UnsupportedSchema`: a model that starts using a construct this module
does not know fails `make openapi` and the tests instead of publishing a document an engine
rejects.
"""

from __future__ import annotations

from typing import Any

# Swagger 2.0's formats, plus those Power Automate's definition schema also accepts.
FORMATS = frozenset(
    {
        "int32",
        "int64",
        "float",
        "double",
        "byte",
        "binary",
        "date",
        "date-time",
        "password",
        "email",
        "uri",
        "uuid",
    }
)
_KEPT = frozenset(
    {
        "title",
        "description",
        "maximum",
        "minimum",
        "maxLength",
        "minLength",
        "pattern",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "multipleOf",
        "readOnly",
    }
)
# Annotations of 2020-12 with no Swagger 2.0 counterpart; leaving them out changes no value.
_DROPPED = frozenset({"$schema", "$id", "$comment", "deprecated", "writeOnly", "contentMediaType"})
_NUMERIC = frozenset({"integer", "number"})


class UnsupportedSchema(ValueError):
    """A JSON Schema construct with no faithful Swagger 2.0 form."""


def convert(
    schema: Any,
    *,
    source: str = "#/components/schemas/",
    target: str = "#/definitions/",
    at: str = "#",
) -> dict[str, Any]:
    """`schema` in Swagger 2.0's subset; `$ref`s under `source` are moved under `target`."""
    return _Converter(source, target).schema(schema, at)


class _Converter:
    def __init__(self, source: str, target: str) -> None:
        self.source = source
        self.target = target

    def schema(self, schema: Any, at: str) -> dict[str, Any]:
        if schema is True or schema == {}:
            return {}
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{at}: {schema!r} is not a schema")
        if "$ref" in schema:
            return {"$ref": self.ref(schema["$ref"], at)}
        alternatives, nullable = self.alternatives(schema, at)
        if alternatives is None:
            result = self.single(schema, at)
        else:
            outer = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
            result = self.union(alternatives, at)
            if "$ref" in result:
                return result
            for key, value in self.single(outer, at).items():
                result.setdefault(key, value)
        if nullable:
            result["x-nullable"] = True
        return result

    def ref(self, ref: Any, at: str) -> str:
        if not isinstance(ref, str) or not ref.startswith(self.source):
            raise UnsupportedSchema(f"{at}: $ref {ref!r} is outside {self.source}")
        return self.target + ref[len(self.source) :]

    def alternatives(self, schema: dict[str, Any], at: str) -> tuple[list[Any] | None, bool]:
        """The non-null alternatives of an anyOf/oneOf (None when there is none), and
        whether null is one of them."""
        if "anyOf" in schema and "oneOf" in schema:
            raise UnsupportedSchema(f"{at}: both anyOf and oneOf")
        options = schema.get("anyOf", schema.get("oneOf"))
        if options is None:
            return None, False
        if not isinstance(options, list) or not options:
            raise UnsupportedSchema(f"{at}: an empty union")
        others = [option for option in options if option != {"type": "null"}]
        if not others:
            raise UnsupportedSchema(f"{at}: a schema that only allows null")
        return others, len(others) < len(options)

    def union(self, options: list[Any], at: str) -> dict[str, Any]:
        converted = [self.schema(option, f"{at}/anyOf/{i}") for i, option in enumerate(options)]
        if len(converted) == 1:
            return converted[0]
        return _widest(converted)

    def single(self, schema: dict[str, Any], at: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        nullable = False
        for key, value in schema.items():
            where = f"{at}/{key}"
            if key.startswith("x-") or key in _KEPT:
                result[key] = value
            elif key in _DROPPED:
                continue
            elif key == "type":
                kind, allows_null = _one_type(value, where)
                nullable = nullable or allows_null
                if kind is not None:
                    result["type"] = kind
            elif key == "enum":
                values = [item for item in value if item is not None]
                nullable = nullable or len(values) < len(value)
                result["enum"] = values
            elif key == "const":
                if value is None:
                    raise UnsupportedSchema(f"{where}: const null")
                result["enum"] = [value]
            elif key == "default":
                if value is not None:
                    result["default"] = value
            elif key == "examples":
                if isinstance(value, list) and value:
                    result["example"] = value[0]
            elif key == "example":
                result["example"] = value
            elif key == "format":
                if value in FORMATS:
                    result["format"] = value
            elif key == "contentEncoding":
                if value == "base64":
                    result["format"] = "byte"
            elif key in ("exclusiveMinimum", "exclusiveMaximum"):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if isinstance(value, bool):
                    result[key] = value  # already draft 4's form
                else:
                    result[bound] = value
                    result[key] = True
            elif key == "properties":
                result["properties"] = {
                    name: self.schema(item, f"{where}/{name}") for name, item in value.items()
                }
            elif key == "required":
                if value:
                    result["required"] = list(value)
            elif key == "additionalProperties":
                result[key] = value if isinstance(value, bool) else self.schema(value, where)
            elif key == "items":
                if isinstance(value, list):
                    result.update(self.tuple(value, where))
                elif value is not False:
                    result["items"] = self.schema(value, where)
            elif key == "prefixItems":
                result.update(self.tuple(value, where))
            elif key == "allOf":
                result["allOf"] = [
                    self.schema(item, f"{where}/{i}") for i, item in enumerate(value)
                ]
            else:
                raise UnsupportedSchema(f"{where}: {key} has no Swagger 2.0 form")
        if nullable:
            result["x-nullable"] = True
        if result.get("type") == "array" and "items" not in result:
            result["items"] = {}
        return result

    def tuple(self, items: list[Any], at: str) -> dict[str, Any]:
        """A fixed-length array (prefixItems) as Swagger 2.0 can say it: one item schema."""
        converted = [self.schema(item, f"{at}/{i}") for i, item in enumerate(items)]
        item = converted[0] if len({repr(c) for c in converted}) == 1 else _widest(converted)
        return {"items": item, "minItems": len(items), "maxItems": len(items)}


def _one_type(value: Any, at: str) -> tuple[str | None, bool]:
    """One type for `type` (a name or a list of names), and whether null was among them."""
    names = [value] if isinstance(value, str) else list(value)
    others = [name for name in names if name != "null"]
    nullable = len(others) < len(names)
    if not others:
        raise UnsupportedSchema(f"{at}: a schema that only allows null")
    if len(others) == 1:
        return others[0], nullable
    if set(others) <= _NUMERIC:
        return "number", nullable
    return None, nullable


def _kind(schema: dict[str, Any]) -> str | None:
    if "$ref" in schema:
        return "object"
    kind = schema.get("type")
    return kind if isinstance(kind, str) else None


def _widest(options: list[dict[str, Any]]) -> dict[str, Any]:
    """The one schema that holds every option: their common type, number for integers and
    numbers, object for several objects, and no type when nothing narrower holds them."""
    kinds = [_kind(option) for option in options]
    named = sorted({kind or "any value" for kind in kinds})
    description = "One of: " + ", ".join(named) + "."
    if None not in kinds and len(set(kinds)) == 1:
        kind = kinds[0]
        if kind == "array":
            items = [option.get("items", {}) for option in options]
            same = len({repr(item) for item in items}) == 1
            return {
                "type": "array",
                "items": items[0] if same else _widest(items),
                "description": description,
            }
        return {"type": kind, "description": description}
    if None not in kinds and set(kinds) <= _NUMERIC:
        return {"type": "number", "description": description}
    return {"description": description}
