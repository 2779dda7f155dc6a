"""API Gateway (REST, proxy integration) in and out, and the one place where exceptions become
HTTP responses: `{"error": {"code", "message", "details"}}`.

A small router of our own rather than Powertools' event handler: each function serves one or
two routes, and the event handler with its OpenAPI validation layer would double the cost of
importing a handler (the cold start). Bodies are still validated by the pydantic models.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from pydantic import BaseModel, ValidationError

from .errors import BadRequest, ConnectorError, MethodNotAllowed, NotFound, PayloadTooLarge

logger = Logger(child=True)

# A Lambda request payload is capped at 6 MB; bodies near it cannot be answered anyway.
MAX_BODY_BYTES = 6 * 1024 * 1024
_CAMEL_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")
_CUSTOM_CODE = re.compile(r"^[A-Z][A-Z0-9_]+$")
_SUFFIX_BY_TYPE = {
    "missing": "REQUIRED",
    "string_too_short": "REQUIRED",
    "too_short": "REQUIRED",
    "string_too_long": "TOO_LONG",
    "too_long": "TOO_LONG",
}
_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}

Model = TypeVar("Model", bound=BaseModel)


@dataclass
class Request:
    """What a route handler needs from the API Gateway event."""

    method: str
    resource: str
    path_parameters: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    raw_body: bytes | None
    context: Any = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def remaining_seconds(self) -> float:
        if self.context is None:
            return 29.0
        return float(self.context.get_remaining_time_in_millis()) / 1000

    def flag(self, name: str) -> bool:
        value = self.query.get(name, "").strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise BadRequest(
            f"query parameter {name} must be true or false",
            code=f"INVALID_{_CAMEL_BOUNDARY.sub('_', name).upper()}",
        )

    def includes(self) -> set[str]:
        return {part.strip() for part in self.query.get("include", "").split(",") if part.strip()}

    def body(self, model: type[Model]) -> Model:
        """The JSON body validated by `model`; every problem is a 400 in the error shape."""
        if not self.raw_body:
            raise BadRequest("the request needs a JSON body", code="BODY_REQUIRED")
        if len(self.raw_body) > MAX_BODY_BYTES:
            raise PayloadTooLarge(
                "the request body is larger than 6 MB; upload large documents to the S3 inbox "
                "and send them by s3Key",
                code="REQUEST_TOO_LARGE",
            )
        try:
            data = json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the request body is not valid JSON", code="INVALID_JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object", code="INVALID_JSON")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(exc) from None


@dataclass
class JsonResponse:
    body: Any
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def _field_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in (str(p) for p in loc):
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


def validation_error(exc: ValidationError) -> BadRequest:
    details = [
        {
            "field": _field_path(tuple(e.get("loc", ()))),
            "code": _code_for(dict(e)),
            "message": str(e.get("msg", "invalid value")),
        }
        for e in exc.errors(include_url=False, include_input=False)
    ]
    first = (
        details[0] if details else {"code": "VALIDATION_ERROR", "message": "invalid", "field": ""}
    )
    where = f" ({first['field']})" if first.get("field") else ""
    return BadRequest(f"{first['message']}{where}", code=first["code"], details=details)


def _event_body(event: dict[str, Any]) -> bytes | None:
    body = event.get("body")
    if body is None:
        return None
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body)
        except (binascii.Error, ValueError):
            raise BadRequest("the request body is not valid base64", code="INVALID_BODY") from None
    return body.encode() if isinstance(body, str) else bytes(body)


def _response(status: int, body: Any, headers: dict[str, str] | None = None) -> dict[str, Any]:
    if hasattr(body, "dump"):
        body = body.dump()
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
    }


def error_response(error: ConnectorError) -> dict[str, Any]:
    return _response(error.status_code, error.to_body(), error.headers)


Handler = Callable[[Request], JsonResponse]
LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


class Router:
    """Routes API Gateway proxy events (by method and resource template) to handlers."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}

    def route(self, method: str, resource: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._routes[(method.upper(), resource)] = handler
            return handler

        return register

    def resolve(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        try:
            method = str(event.get("httpMethod", "")).upper()
            resource = str(event.get("resource", ""))
            handler = self._routes.get((method, resource))
            if handler is None:
                known = {m for (m, r) in self._routes if r == resource}
                if known:
                    raise MethodNotAllowed(
                        f"{method} is not allowed here", headers={"Allow": ", ".join(sorted(known))}
                    )
                raise NotFound("no such route", code="ROUTE_NOT_FOUND")
            request = Request(
                method=method,
                resource=resource,
                path_parameters={k: str(v) for k, v in (event.get("pathParameters") or {}).items()},
                query={k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
                headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
                raw_body=_event_body(event),
                context=context,
            )
            result = handler(request)
            return _response(result.status_code, result.body, result.headers)
        except ConnectorError as exc:
            level = logger.warning if exc.status_code >= 500 else logger.info
            level("request failed", extra={"code": exc.code, "status": exc.status_code})
            return error_response(exc)
        except Exception:
            logger.exception("unexpected error")
            return error_response(ConnectorError("internal error", code="INTERNAL_ERROR"))


def api_handler(router: Router) -> LambdaHandler:
    """The Lambda entry point of an API function: JSON logs with the API Gateway request id as
    correlation id, metrics flushed after each call, then the router."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.logging import correlation_paths

    function_logger = Logger()
    metrics = Metrics()

    @function_logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return router.resolve(event, context)

    return lambda_handler
