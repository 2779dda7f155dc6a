"""Request bodies checked against DocuSign's published OpenAPI definitions.

`esignature-subset.json` holds the definitions the emulator needs, extracted from DocuSign's
OpenAPI file by `regenerate.py` (source in SOURCE.md). DocuSign types nearly every scalar as a
string: a JSON number or boolean where the schema says string is refused with
INVALID_REQUEST_BODY, as is an object where an array is expected and the like. Properties the
schema does not know are ignored, as DocuSign's deserialiser ignores them; they are reported
back to the caller of `check_body` so the emulator can record them.
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


def _mismatch(path: str, expected: str, value: Any) -> Exception:
    shown = json.dumps(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    hint = ' DocuSign sends numbers and booleans as strings, e.g. "1" or "true".'
    return invalid_request_body(
        f"Error converting value {shown} ({_json_type(value)}) to type '{expected}'. "
        f"Path '{path}'." + (hint if expected == "string" else "")
    )


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


def _check(value: Any, node: dict[str, Any], path: str, ignored: list[str]) -> None:
    if value is None:
        return  # JSON null is "not given"
    resolved = _resolve(node)
    if resolved is None:
        return
    kind = resolved.get("type") or ("object" if "properties" in resolved else None)
    if kind == "string":
        if not isinstance(value, str):
            raise _mismatch(path, "string", value)
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
            _check(item, items, f"{path}[{index}]", ignored)
    elif kind == "object":
        if not isinstance(value, dict):
            raise _mismatch(path, "object", value)
        properties = resolved.get("properties")
        if properties is None:
            extra = resolved.get("additionalProperties")
            if isinstance(extra, dict):
                for key, child in value.items():
                    _check(child, extra, f"{path}.{key}" if path else key, ignored)
            return
        for key, child in value.items():
            child_path = f"{path}.{key}" if path else key
            if key in properties:
                _check(child, properties[key], child_path, ignored)
            else:
                ignored.append(child_path)


def check_body(definition_name: str, body: Any) -> list[str]:
    """Raise INVALID_REQUEST_BODY when `body` does not fit DocuSign's `definition_name`;
    return the paths of properties DocuSign does not know (and so ignores)."""
    ignored: list[str] = []
    _check(body, {"$ref": f"#/definitions/{definition_name}"}, "", ignored)
    return ignored
