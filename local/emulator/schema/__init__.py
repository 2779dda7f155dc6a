"""Request bodies checked against DocuSign's published OpenAPI definitions.

`esignature-subset.json` holds the definitions the emulator needs, extracted from DocuSign's
OpenAPI file by `regenerate.py` (source in SOURCE.md). DocuSign types nearly every scalar as a
string, yet accepts a JSON number or boolean there and reads it as its text (its own code
examples send `documentId: 1` and `clientUserId: 1000`): by default the emulator does the same,
turning the value into its string in the body (`1` → `"1"`, `true` → `"true"`) and reporting
the paths it converted. With `strict=True` (the emulator's strict mode, for clients that must
send DocuSign's documented types) such a value is refused with INVALID_REQUEST_BODY. An object
where an array is expected and the like are refused in both modes. Properties the schema does
not know are ignored, as DocuSign's deserialiser ignores them; they are reported back to the
caller of `check_body` so the emulator can record them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import invalid_request_body

SUBSET_FILE = Path(__file__).with_name("esignature-subset.json")
_JSON_NAMES = {
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


@cache
def definitions() -> dict[str, Any]:
    return json.loads(SUBSET_FILE.read_text())["definitions"]


def _json_type(value: Any) -> str:
    return _JSON_NAMES.get(type(value), type(value).__name__)


def _mismatch(path: str, expected: str, value: Any, strict: bool = False) -> Exception:
    shown = json.dumps(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    hint = ' DocuSign sends numbers and booleans as strings, e.g. "1" or "true".'
    if strict:
        hint = (
            " The emulator's strict mode refuses numbers and booleans where DocuSign's schema "
            'types a string (DocuSign itself reads them as text): send "1" or "true".'
        )
    return invalid_request_body(
        f"Error converting value {shown} ({_json_type(value)}) to type '{expected}'. "
        f"Path '{path}'." + (hint if expected == "string" else "")
    )


def _as_text(value: bool | int | float) -> str:
    """The string a JSON number or boolean stands for where DocuSign expects a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _resolve(node: dict[str, Any]) -> dict[str, Any] | None:
    seen = 0
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        target = definitions().get(name)
        if target is None:
            return None  # unresolved in the published file: anything goes
        node = target
        seen += 1
        if seen > 20:
            return None
    return node


class _Walk:
    """What one check of a body collects: unknown properties, converted scalars."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.ignored: list[str] = []
        self.coerced: list[str] = []


def _check(value: Any, node: dict[str, Any], path: str, walk: _Walk) -> Any:
    """Check `value` against `node`; return it, or the string it stands for where a number
    or boolean was given for a string and the check is lenient."""
    if value is None:
        return value  # JSON null is "not given"
    resolved = _resolve(node)
    if resolved is None:
        return value
    kind = resolved.get("type") or ("object" if "properties" in resolved else None)
    if kind == "string":
        if isinstance(value, bool | int | float) and not walk.strict:
            walk.coerced.append(path)
            return _as_text(value)
        if not isinstance(value, str):
            raise _mismatch(
                path, "string", value, walk.strict and isinstance(value, bool | int | float)
            )
    elif kind == "boolean":
        if not isinstance(value, bool) and not (
            isinstance(value, str) and value.lower() in ("true", "false")
        ):
            raise _mismatch(path, "boolean", value)
    elif kind in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _mismatch(path, kind, value)
    elif kind == "array":
        if not isinstance(value, list):
            raise _mismatch(path, "array", value)
        items = resolved.get("items") or {}
        for index, item in enumerate(value):
            value[index] = _check(item, items, f"{path}[{index}]", walk)
    elif kind == "object":
        if not isinstance(value, dict):
            raise _mismatch(path, "object", value)
        properties = resolved.get("properties")
        if properties is None:
            extra = resolved.get("additionalProperties")
            if isinstance(extra, dict):
                for key, child in value.items():
                    value[key] = _check(child, extra, f"{path}.{key}" if path else key, walk)
            return value
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else key
            if key in properties:
                value[key] = _check(child, properties[key], child_path, walk)
            else:
                walk.ignored.append(child_path)
    return value


def check_body(
    definition_name: str,
    body: Any,
    *,
    strict: bool = False,
    coerced: list[str] | None = None,
) -> list[str]:
    """Raise INVALID_REQUEST_BODY when `body` does not fit DocuSign's `definition_name`;
    return the paths of properties DocuSign does not know (and so ignores). Unless `strict`,
    a number or boolean where the schema types a string is replaced in `body` by its text,
    and its path appended to `coerced`."""
    walk = _Walk(strict)
    _check(body, {"$ref": f"#/definitions/{definition_name}"}, "", walk)
    if coerced is not None:
        coerced.extend(walk.coerced)
    return walk.ignored
