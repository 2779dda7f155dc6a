"""The local API: HTTP on 127.0.0.1:3000 -> the real handlers, in-process.

Requests are matched against the `Type: Api` events of template.yaml and handed to
`functions.<folder>.app.lambda_handler` as API Gateway REST proxy events (payload format
1.0), the way `sam local start-api` does it, without containers. local.apigateway plays
API Gateway; local.invoker plays Lambda.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from local import origin_guard
from local.apigateway import (
    DEFAULT_BINARY_MEDIA_TYPES,
    MAX_REQUEST_BYTES,
    RAW_HEADERS_KEY,
    Router,
    build_event,
    gateway_error,
    proxy_response,
    resource_path,
)
from local.authorizers import (
    AuthorizerRunner,
    Refusal,
    TokenAuthorizer,
    method_arn,
    token_authorizers,
)
from local.function_specs import api_routes
from local.invoker import FunctionInvoker, HandlerError
from local.resolver import Resolver, generated_name
from local.runtime.invocation import Throttled
from local.servers import BackgroundServer
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

# API Gateway's maximum integration timeout for a REST API, counted from the moment it invokes
# the function (AWS API Gateway Developer Guide, "Amazon API Gateway quotas": 50 ms - 29 s).
INTEGRATION_TIMEOUT_SECONDS = 29.0


class _QuietRequestHandler(WSGIRequestHandler):
    """Keeps the request's header names as the client sent them (WSGI upper-cases them,
    API Gateway does not), and leaves the request log to the local API."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class LocalApi(BackgroundServer):
    """HTTP server on `host:port` that routes requests to the template's handlers.

    Use as a context manager, or start() / stop(). Port 0 picks a free port (see `url`).
    """

    name = "local-api"
    request_handler = _QuietRequestHandler

    def __init__(
        self,
        template: Mapping[str, Any],
        environment_by_function: Mapping[str, Mapping[str, str]],
        host: str = "127.0.0.1",
        port: int = 3000,
        *,
        function_names: Mapping[str, str] | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = "docusign-connector-local",
        log: Callable[[str], None] | None = None,
        reload_roots: Iterable[str | Path] = (),
        api_id: str | None = None,
        invoker: FunctionInvoker | None = None,
        integration_timeout_seconds: float = INTEGRATION_TIMEOUT_SECONDS,
    ) -> None:
        """`api_id`: serve that API of the template only (the others' routes may be the
        same paths); every API when None. `invoker`: how functions run (in-process, one at
        a time, when None). `integration_timeout_seconds`: API Gateway's 29 s (tests shorten
        it)."""
        super().__init__(host, port)
        self.template = template
        self.region = region
        self.account_id = account_id
        self.integration_timeout_seconds = integration_timeout_seconds
        self.invoker = invoker or FunctionInvoker(
            template,
            environment_by_function,
            function_names=function_names,
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            reload_roots=reload_roots,
            log=log,
        )
        self.routes = [
            route for route in api_routes(template) if api_id is None or route.api_id == api_id
        ]
        resolver = Resolver(template, stack_name=stack_name, region=region, account_id=account_id)
        self.authorizers: dict[tuple[str | None, str], TokenAuthorizer] = {}
        self.authorizer_runner = AuthorizerRunner(self.invoker.invoke, _failure_message)
        resources = template.get("Resources") or {}
        stages: dict[str | None, str] = {}
        binary_types: list[str] = list(DEFAULT_BINARY_MEDIA_TYPES)
        self.api_ids: dict[str | None, str] = {}
        self.gateway_responses: dict[str | None, dict[str, Any]] = {}
        for route in self.routes:
            api_props = (resources.get(route.api_id or "", {}).get("Properties")) or {}
            stage = api_props.get("StageName", "Prod")
            try:
                stages[route.api_id] = resolver.resolve_string(stage)
            except ValueError:
                stages[route.api_id] = "Prod"
            for media_type in api_props.get("BinaryMediaTypes") or []:
                if isinstance(media_type, str):
                    binary_types.append(media_type.replace("~1", "/"))
            self.api_ids[route.api_id] = generated_name(
                stack_name, route.api_id or "ServerlessRestApi", "AWS::Serverless::Api"
            )
            self.gateway_responses[route.api_id] = resolver.resolve(
                api_props.get("GatewayResponses") or {}
            )
            for name, authorizer in token_authorizers(api_props, resolver.resolve).items():
                self.authorizers[(route.api_id, name)] = authorizer
        self.binary_media_types = tuple(binary_types)
        self.router = Router(self.routes, stages)
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))

    # -- requests
    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        started = time.monotonic()
        refused = origin_guard.refusal(environ, self.port)
        if refused is not None:
            self._log(f"{request.method} {request.path} refused: {refused}")
            response = Response(
                json.dumps({"message": f"Forbidden: {refused}"}),
                status=403,
                content_type="application/json",
            )
            return response(environ, start_response)
        response, function_id = self._dispatch(request)
        elapsed_ms = (time.monotonic() - started) * 1000
        target = f" -> {function_id}" if function_id else ""
        self._log(
            f"{request.method} {request.full_path.rstrip('?')}{target} "
            f"{response.status_code} ({elapsed_ms:.0f} ms)"
        )
        return response(environ, start_response)

    def _raw_path(self, request: Request) -> str:
        raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
        if raw:
            return str(raw).split("?", 1)[0]
        return request.path

    def _error(self, api_id: str | None, response_type: str, status: int, message: str) -> Response:
        if api_id is None and len(self.gateway_responses) == 1:
            # an unmatched path: the template's only API answers it
            api_id = next(iter(self.gateway_responses))
        return gateway_error(
            response_type,
            status,
            message,
            self.gateway_responses.get(api_id),
            stage=self.router.stages.get(api_id, ""),
        )

    def _dispatch(self, request: Request) -> tuple[Response, str | None]:
        match, allowed = self.router.match(request.method, self._raw_path(request))
        if match is None:
            if allowed:
                response = self._error(
                    None,
                    "METHOD_NOT_ALLOWED",
                    405,
                    f"Method {request.method} is not allowed on this resource",
                )
                response.headers["Allow"] = ", ".join(allowed)
                return response, None
            return self._error(
                None, "MISSING_AUTHENTICATION_TOKEN", 404, "Missing Authentication Token"
            ), None

        route = match.route
        length = request.content_length
        if length is not None and length > MAX_REQUEST_BYTES:
            return self._error(route.api_id, "REQUEST_TOO_LARGE", 413, "Request Too Long"), None
        body = request.stream.read(MAX_REQUEST_BYTES + 1)
        if len(body) > MAX_REQUEST_BYTES:
            return self._error(route.api_id, "REQUEST_TOO_LARGE", 413, "Request Too Long"), None

        api_id = self.api_ids.get(route.api_id, "local")
        authorizer_context = None
        authorizer = self.authorizers.get((route.api_id, route.authorizer))
        if authorizer is not None:
            arn = method_arn(
                self.region,
                self.account_id,
                api_id,
                match.stage,
                request.method,
                resource_path(request, match),
            )
            outcome = self.authorizer_runner.authorize(authorizer, dict(request.headers), arn)
            if isinstance(outcome, Refusal):
                refusal = self._error(
                    route.api_id, outcome.response_type, outcome.status, outcome.message
                )
                return refusal, authorizer.function_id
            authorizer_context = outcome
        event = build_event(
            request,
            match,
            body,
            api_id=api_id,
            region=self.region,
            account_id=self.account_id,
            binary_media_types=self.binary_media_types,
            authorizer=authorizer_context,
        )
        outcome = self._integrate(route.function_id, event)
        if outcome is _TIMED_OUT:
            return self._error(
                route.api_id, "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out"
            ), route.function_id
        if outcome is _THROTTLED:
            return self._error(
                route.api_id, "DEFAULT_5XX", 500, "Internal server error"
            ), route.function_id
        if outcome is _FAILED:
            return self._error(
                route.api_id, "INTEGRATION_FAILURE", 502, "Internal server error"
            ), route.function_id
        try:
            return proxy_response(outcome), route.function_id
        except (ValueError, TypeError, KeyError) as error:
            print(f"{route.function_id}: malformed Lambda proxy response: {error}", file=sys.stderr)
            return self._error(
                route.api_id, "INTEGRATION_FAILURE", 502, "Internal server error"
            ), route.function_id

    def _integrate(self, function_id: str, event: dict[str, Any]) -> Any:
        """The function's answer, or why there is none. API Gateway's clock starts when the
        function is invoked (once it has an execution environment), and at the limit it
        answers 504 while the function runs on until its own timeout."""
        invocation = self.invoker.begin(function_id, event)
        invocation.started.wait()
        started = invocation.started_at if invocation.started_at is not None else time.monotonic()
        remaining = self.integration_timeout_seconds - (time.monotonic() - started)
        if not invocation.wait(max(0.0, remaining)):
            print(
                f"{function_id} did not answer within {self.integration_timeout_seconds:g} s",
                file=sys.stderr,
            )
            return _TIMED_OUT
        try:
            return invocation.result()
        except Throttled as error:
            print(f"{error}: Lambda throttled the invocation", file=sys.stderr)
            return _THROTTLED
        except HandlerError as error:
            print(f"{function_id} failed: {error}", file=sys.stderr)
            if error.__cause__ is not None:
                traceback.print_exception(error.__cause__, file=sys.stderr)
            return _FAILED


_TIMED_OUT = object()
_THROTTLED = object()
_FAILED = object()


def _failure_message(error: Exception) -> str | None:
    """The message a function failed with (Lambda's errorMessage)."""
    cause = error.__cause__ if isinstance(error, HandlerError) else error
    message = getattr(error, "error_message", None)
    if isinstance(message, str):
        return message
    return str(cause) if cause is not None else None
