"""The local API Gateway: HTTP on 127.0.0.1:3000 -> the real handlers, in-process.

Requests are matched against the `Type: Api` events of template.yaml and handed to
`functions.<folder>.app.lambda_handler` as API Gateway REST proxy events (payload format
1.0), the way `sam local start-api` does it, without containers.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import importlib
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local.template import (
    DEFAULT_ACCOUNT_ID,
    DEFAULT_REGION,
    FunctionSpec,
    Resolver,
    Route,
    api_routes,
    functions,
    generated_name,
)

# API Gateway refuses request payloads over 10 MB.
MAX_REQUEST_BYTES = 10 * 1024 * 1024

# Sent base64-encoded (isBase64Encoded: true), as API Gateway does for binary media types.
DEFAULT_BINARY_MEDIA_TYPES = (
    "application/octet-stream",
    "application/pdf",
    "application/zip",
    "multipart/form-data",
    "image/*",
    "audio/*",
    "video/*",
)

# Where the request handler keeps the headers as sent, for the event.
RAW_HEADERS_KEY = "local_api.raw_headers"

# Handlers run one at a time, each with its own environment in os.environ.
INVOCATION_LOCK = threading.RLock()


# ---------------------------------------------------------------------------- invoking


class LambdaContext:
    """What the Lambda runtime passes as `context`."""

    def __init__(
        self,
        *,
        function_name: str,
        memory_limit_in_mb: int,
        timeout_seconds: int,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        aws_request_id: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{account_id}:function:{function_name}"
        self.memory_limit_in_mb = int(memory_limit_in_mb)
        self.aws_request_id = aws_request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{today}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerError(Exception):
    """The handler raised, or could not be imported."""


class FunctionInvoker:
    """Invokes the template's functions in-process with their own environment.

    `environment_by_function` maps a function's logical id to its resolved environment
    (see local.template.function_environment). Used by the local API and by the pollers
    that play Lambda's event source mappings.

    With `reload_roots`, an edit to a .py file under them makes every handler load afresh on
    its next invocation (a new container, in Lambda's terms), as `sam local` picks up edits.
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        environment_by_function: Mapping[str, Mapping[str, str]],
        *,
        function_names: Mapping[str, str] | None = None,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        stack_name: str = "docusign-connector-local",
        reload_roots: Iterable[str | Path] = (),
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.specs: dict[str, FunctionSpec] = functions(template)
        self.environment_by_function = environment_by_function
        self.region = region
        self.account_id = account_id
        self.function_names = {
            logical_id: (function_names or {}).get(logical_id)
            or generated_name(stack_name, logical_id, "AWS::Serverless::Function")
            for logical_id in self.specs
        }
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._warm: set[str] = set()
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.reload_roots = tuple(Path(root).resolve() for root in reload_roots)
        self._code_stamp = self._source_stamp()

    def runtime_environment(self, function_id: str) -> dict[str, str]:
        """Variables the Lambda runtime sets, plus the function's own."""
        spec = self.specs[function_id]
        name = self.function_names[function_id]
        return {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
            # As under `sam local`: Powertools Tracer stays off without an X-Ray daemon.
            "AWS_SAM_LOCAL": "true",
            "_HANDLER": f"{spec.module.rsplit('.', 1)[-1]}.{spec.handler}",
            **dict(self.environment_by_function.get(function_id, {})),
        }

    def context(self, function_id: str) -> LambdaContext:
        spec = self.specs[function_id]
        return LambdaContext(
            function_name=self.function_names[function_id],
            memory_limit_in_mb=spec.memory,
            timeout_seconds=spec.timeout,
            region=self.region,
            account_id=self.account_id,
        )

    def invoke(self, function_id: str, event: Any) -> Any:
        """Run the function's handler on `event`; raises HandlerError if it fails."""
        if function_id not in self.specs:
            raise KeyError(f"{function_id} is not a function of the template")
        with INVOCATION_LOCK:
            self._reload_if_changed()
            changed = _apply_environment(self.runtime_environment(function_id))
            try:
                if function_id not in self._warm:
                    _mark_cold_start()
                    self._warm.add(function_id)
                handler = self._handler(function_id)
                try:
                    return handler(event, self.context(function_id))
                except Exception as error:
                    raise HandlerError(f"{function_id} raised {error!r}") from error
            finally:
                _restore_environment(changed)

    def _source_stamp(self) -> tuple[int, int]:
        """(number of .py files, newest modification) under the reload roots."""
        count = newest = 0
        for root in self.reload_roots:
            for path in root.rglob("*.py"):
                try:
                    modified = path.stat().st_mtime_ns
                except OSError:
                    continue
                count += 1
                newest = max(newest, modified)
        return count, newest

    def _reload_if_changed(self) -> None:
        if not self.reload_roots:
            return
        stamp = self._source_stamp()
        if stamp == self._code_stamp:
            return
        self._code_stamp = stamp
        for name, module in list(sys.modules.items()):
            path = getattr(module, "__file__", None)
            if path and any(Path(path).resolve().is_relative_to(r) for r in self.reload_roots):
                del sys.modules[name]
        importlib.invalidate_caches()
        self._handlers.clear()
        self._warm.clear()
        self._log("code changed: handlers load afresh on their next invocation")

    def _handler(self, function_id: str) -> Callable[..., Any]:
        # Imported on first use, with the function's environment in place, as Lambda does.
        if function_id not in self._handlers:
            spec = self.specs[function_id]
            try:
                module = importlib.import_module(spec.module)
                self._handlers[function_id] = getattr(module, spec.handler)
            except Exception as error:
                raise HandlerError(
                    f"{function_id}: cannot load {spec.module}.{spec.handler}: {error!r}"
                ) from error
        return self._handlers[function_id]


_UNSET = object()

# Powertools remembers "cold start" per process; in Lambda every function has its own.
_COLD_START_FLAGS = (
    "aws_lambda_powertools.logging.logger",
    "aws_lambda_powertools.tracing.tracer",
    "aws_lambda_powertools.metrics.provider.cold_start",
    "aws_lambda_powertools.metrics.base",
)


def _mark_cold_start() -> None:
    """The next invocation is a function's first: let Powertools report a cold start."""
    for name in _COLD_START_FLAGS:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "is_cold_start"):
            setattr(module, "is_cold_start", True)  # noqa: B010 - a module's global


def _apply_environment(variables: Mapping[str, str]) -> dict[str, Any]:
    previous: dict[str, Any] = {}
    for key, value in variables.items():
        previous[key] = os.environ.get(key, _UNSET)
        os.environ[key] = str(value)
    return previous


def _restore_environment(previous: Mapping[str, Any]) -> None:
    for key, value in previous.items():
        if value is _UNSET:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


# ---------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    path_parameters: dict[str, str]
    stage: str


def _segments(path: str) -> list[str]:
    return [segment for segment in path.strip("/").split("/") if segment != ""]


def _match_template(
    template_path: str, raw_path: str
) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """Path parameters if `raw_path` fits `template_path`, with a rank (lower = more specific:
    API Gateway prefers literal segments to {param} and {param} to {proxy+})."""
    template_segments = _segments(template_path)
    path_segments = _segments(raw_path)
    parameters: dict[str, str] = {}
    rank: list[int] = []
    for index, segment in enumerate(template_segments):
        if segment.startswith("{") and segment.endswith("+}"):
            rest = path_segments[index:]
            if not rest:
                return None
            parameters[segment[1:-2]] = unquote("/".join(rest))
            rank.append(2)
            return tuple(rank), parameters
        if index >= len(path_segments):
            return None
        if segment.startswith("{") and segment.endswith("}"):
            parameters[segment[1:-1]] = unquote(path_segments[index])
            rank.append(1)
        elif unquote(path_segments[index]) == segment:
            rank.append(0)
        else:
            return None
    if len(path_segments) != len(template_segments):
        return None
    return tuple(rank), parameters


class Router:
    def __init__(self, routes: list[Route], stages: Mapping[str | None, str]) -> None:
        self.routes = routes
        self.stages = stages

    def stage_of(self, route: Route) -> str:
        return self.stages.get(route.api_id, "Prod")

    def match(self, method: str, raw_path: str) -> tuple[RouteMatch | None, list[str]]:
        """The best route for the request, or (None, methods allowed on that path)."""
        candidates = self._candidates(raw_path)
        if not candidates:
            # Also accept the stage prefix of the deployed URL (…/v1/connections/…).
            first, _, rest = raw_path.lstrip("/").partition("/")
            if first in set(self.stages.values()):
                candidates = [
                    c for c in self._candidates("/" + rest) if self.stage_of(c[1]) == first
                ]
        if not candidates:
            return None, []
        allowed = [c for c in candidates if c[1].method in (method, "ANY")]
        if not allowed:
            return None, sorted({c[1].method for c in candidates})
        # an exact method beats ANY on an equally specific path
        allowed.sort(key=lambda c: (c[0], c[1].method == "ANY"))
        _rank, route, parameters = allowed[0]
        return RouteMatch(route, parameters, self.stage_of(route)), []

    def _candidates(self, raw_path: str) -> list[tuple[tuple[int, ...], Route, dict[str, str]]]:
        found = []
        for route in self.routes:
            matched = _match_template(route.path, raw_path)
            if matched is not None:
                found.append((matched[0], route, matched[1]))
        return found


# ---------------------------------------------------------------------------- events


def _is_binary(content_type: str | None, binary_media_types: tuple[str, ...]) -> bool:
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return any(fnmatch.fnmatchcase(media_type, pattern.lower()) for pattern in binary_media_types)


def _access_key(authorization: str | None) -> str | None:
    # AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/execute-api/aws4_request, …
    if not authorization or "Credential=" not in authorization:
        return None
    return authorization.split("Credential=", 1)[1].split("/", 1)[0].strip() or None


def build_event(
    request: Request,
    match: RouteMatch,
    body: bytes,
    *,
    api_id: str,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    binary_media_types: tuple[str, ...] = DEFAULT_BINARY_MEDIA_TYPES,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (payload format 1.0) for `request`."""
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    source_ip = request.remote_addr or "127.0.0.1"
    trace_id = f"Root=1-{int(now.timestamp()):08x}-{uuid.uuid4().hex[:24]}"

    multi_headers: dict[str, list[str]] = {}
    for name, value in request.environ.get(RAW_HEADERS_KEY) or request.headers.items():
        multi_headers.setdefault(name, []).append(value)
    host = request.headers.get("Host", "")
    for name, value in (
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Port", host.rsplit(":", 1)[1] if ":" in host else "80"),
        ("X-Forwarded-Proto", request.scheme),
        ("X-Amzn-Trace-Id", trace_id),
    ):
        multi_headers.setdefault(name, [value])
    headers = {name: values[-1] for name, values in multi_headers.items()}

    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    query = {name: values[-1] for name, values in multi_query.items()}

    is_base64 = False
    text: str | None = None
    if body:
        if _is_binary(request.headers.get("Content-Type"), binary_media_types):
            is_base64 = True
        else:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                is_base64 = True
        if is_base64:
            text = base64.b64encode(body).decode("ascii")

    route = match.route
    path = request.path  # percent-decoded, as API Gateway passes it
    if path.startswith(f"/{match.stage}/") and not _match_template(route.path, path):
        path = path[len(match.stage) + 1 :]  # called with the deployed URL's stage prefix
    # IAM-authorised routes carry the caller; SigV4 is not verified locally.
    iam = route.authorizer == "AWS_IAM"
    access_key = _access_key(request.headers.get("Authorization"))
    user = access_key or "local-caller"
    return {
        "resource": route.path,
        "path": path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": hashlib.sha256(route.path.encode()).hexdigest()[:6],
            "resourcePath": route.path,
            "operationName": None,
            "httpMethod": request.method,
            "extendedRequestId": base64.b64encode(uuid.uuid4().bytes).decode()[:16],
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{match.stage}{path}",
            "accountId": account_id,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "stage": match.stage,
            "domainPrefix": api_id,
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "cognitoIdentityId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "principalOrgId": None,
                "apiKey": None,
                "apiKeyId": None,
                "accountId": account_id if iam else None,
                "caller": user if iam else None,
                "sourceIp": source_ip,
                "accessKey": access_key if iam else None,
                "userArn": f"arn:aws:iam::{account_id}:user/local-caller" if iam else None,
                "user": user if iam else None,
                "userAgent": request.headers.get("User-Agent"),
                "clientCert": None,
            },
            "domainName": host or f"{api_id}.execute-api.{region}.amazonaws.com",
            "apiId": api_id,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


# ---------------------------------------------------------------------------- responses


# API Gateway's own error types, with the x-amzn-ErrorType header each one carries.
_ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "METHOD_NOT_ALLOWED": "MethodNotAllowedException",  # locally only: AWS answers 403
    "REQUEST_TOO_LARGE": "RequestTooLargeException",
    "INTEGRATION_FAILURE": "InternalServerErrorException",
    "INTEGRATION_TIMEOUT": "IntegrationTimeoutException",
}


def gateway_error(
    response_type: str,
    status: int,
    message: str,
    gateway_responses: Mapping[str, Any] | None = None,
    *,
    request_id: str | None = None,
    stage: str = "",
) -> Response:
    """An error API Gateway produces itself, shaped by the API's GatewayResponses
    (the specific type, else DEFAULT_4XX/DEFAULT_5XX), else API Gateway's `{"message"}`."""
    request_id = request_id or str(uuid.uuid4())
    responses = gateway_responses or {}
    custom = responses.get(response_type) or responses.get(f"DEFAULT_{status // 100}XX") or {}
    template = (custom.get("ResponseTemplates") or {}).get("application/json")
    if isinstance(template, str):
        variables = {
            "$context.error.messageString": json.dumps(message),
            "$context.error.message": message,
            "$context.error.responseType": response_type,
            "$context.requestId": request_id,
            "$context.stage": stage,
        }
        # longest names first: $context.error.message is a prefix of …messageString
        body = template
        for name in sorted(variables, key=len, reverse=True):
            body = body.replace(name, variables[name])
    else:
        body = json.dumps({"message": message})
    status = int(custom.get("StatusCode") or status)
    response = Response(body, status=status, content_type="application/json")
    response.headers["x-amzn-RequestId"] = request_id
    response.headers["x-amzn-ErrorType"] = _ERROR_TYPES.get(response_type, response_type)
    headers = (custom.get("ResponseParameters") or {}).get("Headers") or {}
    for name, value in headers.items():
        # only static values ('text') have a meaning without a real request mapping
        if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == "'":
            response.headers[name] = value[1:-1]
    return response


def proxy_response(result: Any) -> Response:
    """Turn a handler's proxy result into an HTTP response (502 if it is malformed)."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raise ValueError("the handler did not return a proxy response with a statusCode")
    status = int(result["statusCode"])
    body = result.get("body")
    if body is None:
        payload = b""
    elif isinstance(body, str):
        payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    else:
        raise ValueError("the handler's body is not a string")
    headers: list[tuple[str, str]] = []
    multi_names = {name.lower() for name in result.get("multiValueHeaders") or {}}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in multi_names:
            headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((name, str(value)) for value in values)
    # API Gateway computes the framing headers itself.
    framing = ("content-length", "transfer-encoding")
    headers = [(name, value) for name, value in headers if name.lower() not in framing]
    response = Response(payload, status=status)
    response.headers.clear()
    for name, value in headers:
        response.headers.add(name, value)
    if "content-type" not in {name.lower() for name, _ in headers}:
        response.headers["Content-Type"] = "application/json"
    response.headers.setdefault("x-amzn-RequestId", str(uuid.uuid4()))
    return response


# ---------------------------------------------------------------------------- server


class _QuietRequestHandler(WSGIRequestHandler):
    """Keeps the request's header names as the client sent them (WSGI upper-cases them,
    API Gateway does not), and leaves the request log to the local API."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[RAW_HEADERS_KEY] = list(self.headers.items())
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class LocalApi:
    """HTTP server on `host:port` that routes requests to the template's handlers.

    Use as a context manager, or start() / stop(). Port 0 picks a free port (see `url`).
    """

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
    ) -> None:
        self.template = template
        self.host = host
        self.port = port
        self.region = region
        self.account_id = account_id
        self.invoker = FunctionInvoker(
            template,
            environment_by_function,
            function_names=function_names,
            region=region,
            account_id=account_id,
            stack_name=stack_name,
            reload_roots=reload_roots,
            log=log,
        )
        self.routes = api_routes(template)
        resolver = Resolver(template, stack_name=stack_name, region=region, account_id=account_id)
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
        self.binary_media_types = tuple(binary_types)
        self.router = Router(self.routes, stages)
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> LocalApi:
        if self._server is not None:
            return self
        self._server = make_server(
            self.host, self.port, self._wsgi, threaded=True, request_handler=_QuietRequestHandler
        )
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="local-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalApi:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- requests
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        started = time.monotonic()
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

        event = build_event(
            request,
            match,
            body,
            api_id=self.api_ids.get(route.api_id, "local"),
            region=self.region,
            account_id=self.account_id,
            binary_media_types=self.binary_media_types,
        )
        timeout = self.invoker.specs[route.function_id].timeout
        started = time.monotonic()
        try:
            result = self.invoker.invoke(route.function_id, event)
        except HandlerError:
            traceback.print_exc(file=sys.stderr)
            return self._error(
                route.api_id, "INTEGRATION_FAILURE", 502, "Internal server error"
            ), route.function_id
        if time.monotonic() - started > min(timeout, 29):
            # Lambda would have stopped the function; API Gateway gives up after 29 s.
            print(
                f"{route.function_id} ran longer than its {timeout} s timeout",
                file=sys.stderr,
            )
            return self._error(
                route.api_id, "INTEGRATION_TIMEOUT", 504, "Endpoint request timed out"
            ), route.function_id
        try:
            return proxy_response(result), route.function_id
        except (ValueError, TypeError, KeyError) as error:
            print(f"{route.function_id}: malformed Lambda proxy response: {error}", file=sys.stderr)
            return self._error(
                route.api_id, "INTEGRATION_FAILURE", 502, "Internal server error"
            ), route.function_id
