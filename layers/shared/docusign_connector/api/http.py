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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger

from ..audit import acting_as, caller_of, senders_of
from ..errors import BadRequest, ConnectorError, MethodNotAllowed, NotFound, PayloadTooLarge
from .routes import BY_OPERATION

if TYPE_CHECKING:
    # pydantic is loaded by the routes that validate a body or a query string, not by the
    # others (the public webhook among them): a lighter cold start where it is not needed.
    from pydantic import BaseModel

logger = Logger(child=True)

# A Lambda request payload is capped at 6 MB; bodies near it cannot be answered anyway.
MAX_BODY_BYTES = 6 * 1024 * 1024

Model = TypeVar("Model", bound="BaseModel")


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
    caller: str | None = None  # who is calling (the authorizer's answer, or the IAM principal)
    # API Gateway's requestContext: domainName, stage and the path as the caller sent it.
    request_context: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def remaining_seconds(self) -> float:
        if self.context is None:
            return 29.0
        return float(self.context.get_remaining_time_in_millis()) / 1000

    def query_model(self, model: type[Model]) -> Model:
        """The query string validated by `model`; every problem is a 400 in the error shape."""
        return _validated(model, self.query)

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
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise BadRequest("the request body is not valid JSON", code="INVALID_JSON") from None
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object", code="INVALID_JSON")
        return _validated(model, data)


def _validated[M: "BaseModel"](model: type[M], data: Any) -> M:
    from pydantic import ValidationError

    from ..models.validation import validation_error

    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc) from None


@dataclass
class JsonResponse:
    body: Any
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)


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
    """Routes API Gateway proxy events (by method and resource template) to handlers; each
    handler names its operation in the route table, which says its method and path."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}

    def route(self, operation_id: str) -> Callable[[Handler], Handler]:
        route = BY_OPERATION[operation_id]

        def register(handler: Handler) -> Handler:
            self._routes[(route.method, route.path)] = handler
            return handler

        return register

    def serves(self, method: str, path: str) -> bool:
        return (method.upper(), path) in self._routes

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
            caller = caller_of(event)
            request = Request(
                method=method,
                resource=resource,
                path_parameters={k: str(v) for k, v in (event.get("pathParameters") or {}).items()},
                query={k: str(v) for k, v in (event.get("queryStringParameters") or {}).items()},
                headers={str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()},
                raw_body=_event_body(event),
                context=context,
                caller=caller,
                request_context=dict(event.get("requestContext") or {}),
            )
            if caller:
                logger.append_keys(caller=caller)
            with acting_as(caller, senders_of(event)):
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
    """The Lambda entry point of every API function (the webhook's too): JSON logs with the
    API Gateway request id as correlation id, metrics flushed after each call, then the
    router."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.logging import correlation_paths

    function_logger = Logger()
    metrics = Metrics()

    # clear_state: the caller named in one request's logs is not named in the next one's
    @function_logger.inject_lambda_context(
        correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
    )
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return router.resolve(event, context)

    return lambda_handler
