"""The REST resolver every API function uses, and the one place where exceptions become
HTTP responses (`{"error": {"code", "message", "details"}}`)."""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from .errors import ConnectorError

logger = Logger(child=True)

_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
_CUSTOM_CODE = re.compile(r"^[A-Z][A-Z0-9_]+$")
_SUFFIX_BY_TYPE = {
    "missing": "REQUIRED",
    "string_too_short": "REQUIRED",
    "too_short": "REQUIRED",
    "string_too_long": "TOO_LONG",
    "too_long": "TOO_LONG",
}


def json_response(body: Any, status_code: int = 200, headers: dict[str, str] | None = None) \
        -> Response:
    if hasattr(body, "dump"):
        body = body.dump()
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers or {},
    )


def error_response(error: ConnectorError) -> Response:
    return json_response(error.to_body(), error.status_code, error.headers)


def _field_path(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def _code_for(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    if _CUSTOM_CODE.match(kind):
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


def validation_error_response(exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    details = [
        {
            "field": _field_path(tuple(e.get("loc", ()))),
            "code": _code_for(e),
            "message": str(e.get("msg", "invalid value")),
        }
        for e in errors
    ]
    first = details[0] if details else {"code": "VALIDATION_ERROR", "message": "invalid request"}
    field = f" ({first['field']})" if first.get("field") else ""
    error = ConnectorError(f"{first['message']}{field}", code=first["code"], details=details)
    error.status_code = 400
    return error_response(error)


def create_resolver() -> APIGatewayRestResolver:
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(ConnectorError)
    def _connector_error(exc: ConnectorError) -> Response:
        level = logger.warning if exc.status_code >= 500 else logger.info
        level("request failed", extra={"code": exc.code, "status": exc.status_code})
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(exc: RequestValidationError) -> Response:
        return validation_error_response(exc)

    @app.not_found
    def _unknown_route(exc: Exception) -> Response:
        error = ConnectorError("no such route", code="ROUTE_NOT_FOUND")
        error.status_code = 404
        return error_response(error)

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        logger.exception("unexpected error")
        return error_response(ConnectorError("internal error", code="INTERNAL_ERROR"))

    return app
