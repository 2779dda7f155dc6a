"""pydantic's validation errors as the connector's 400: the first problem in the message, every
problem in `details`, each with a stable UPPER_SNAKE code."""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from ..errors import BadRequest

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
_CUSTOM_CODE = re.compile(r"[A-Z][A-Z0-9_]+")
_SUFFIX_BY_TYPE = {
    "missing": "REQUIRED",
    "string_too_short": "REQUIRED",
    "too_short": "REQUIRED",
    "string_too_long": "TOO_LONG",
    "too_long": "TOO_LONG",
}


def _field_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in (str(p) for p in loc):
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def error_code_for(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if _CUSTOM_CODE.fullmatch(kind):
        return kind
    if kind == "json_invalid":
        return "INVALID_JSON"
    fields = [str(p) for p in error.get("loc", ()) if isinstance(p, str)]
    fields = [f for f in fields if f not in ("body", "query", "path", "header")]
    name = _CAMEL_BOUNDARY.sub("_", fields[-1]).upper() if fields else "BODY"
    suffix = _SUFFIX_BY_TYPE.get(kind)
    if suffix:
        return f"{name}_{suffix}"
    if kind == "extra_forbidden":
        return "UNKNOWN_FIELD"
    return f"INVALID_{name}"


def validation_error(exc: ValidationError) -> BadRequest:
    details = [
        {
            "field": _field_path(tuple(e.get("loc", ()))),
            "code": error_code_for(dict(e)),
            "message": str(e.get("msg", "invalid value")),
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    first = (
        details[0] if details else {"code": "VALIDATION_ERROR", "message": "invalid", "field": ""}
    )
    where = f" ({first['field']})" if first.get("field") else ""
    return BadRequest(f"{first['message']}{where}", code=first["code"], details=details)
