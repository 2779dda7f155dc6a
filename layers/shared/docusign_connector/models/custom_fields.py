"""The envelope custom fields of a send (`customFields`: name → value, both texts)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from .text import single_line

MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_FIELD_TEXT = 100


def _custom_fields(value: Any) -> Any:
    if value is None:
        return {}
    if not isinstance(value, dict):
        return value
    if len(value) > MAX_CUSTOM_FIELDS:
        raise PydanticCustomError("TOO_MANY_CUSTOM_FIELDS", "at most 100 custom fields")
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or item is None or isinstance(item, dict | list):
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD",
                "custom field '{key}' must be a string or a number",
                {"key": str(key)[:100]},
            )
        # Trimmed like every other text field: a blank name would reach DocuSign unnamed.
        name, text = str(key).strip(), str(item).strip()
        single_line(name)
        single_line(text)
        if not name or len(name) > MAX_CUSTOM_FIELD_TEXT or len(text) > MAX_CUSTOM_FIELD_TEXT:
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD",
                "custom field names and values must be 1-100 characters ('{key}')",
                {"key": name[:100]},
            )
        if name in out:
            raise PydanticCustomError(
                "INVALID_CUSTOM_FIELD", "custom field '{key}' is given twice", {"key": name}
            )
        out[name] = text
    return out


CustomFields = Annotated[dict[str, str], BeforeValidator(_custom_fields)]
