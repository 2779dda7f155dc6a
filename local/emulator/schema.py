"""Type checks for request bodies.

DocuSign types nearly every scalar as a JSON string ("1", "true"); a JSON number or boolean
where a string is expected is refused.
"""

from __future__ import annotations

from typing import Any

from .errors import invalid_request_body

# The few properties DocuSign types as real JSON booleans.
_NON_STRING_PROPERTIES = frozenset({"signerMustAcknowledgeUseAccountDefault"})


def _walk(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if key in _NON_STRING_PROPERTIES:
                continue
            _walk(child, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _walk(child, f"{path}[{index}]")
    elif isinstance(value, bool | int | float):
        raise invalid_request_body(
            f"Property '{path}' must be a JSON string (DocuSign sends numbers and booleans "
            f'as strings, e.g. "1" or "true"), not {type(value).__name__} {value!r}.'
        )


def check_body(definition_name: str, body: Any) -> None:
    """Raise INVALID_REQUEST_BODY when `body` does not fit DocuSign's `definition_name`."""
    _walk(body, "")
