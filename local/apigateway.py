"""API Gateway's REST proxy integration, locally: which route a request takes, the proxy
event (payload format 1.0) a handler receives, the errors API Gateway answers by itself, and
the HTTP response a handler's proxy result becomes.
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from werkzeug.wrappers import Request, Response

from local.function_specs import Route
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

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


def resource_path(request: Request, match: RouteMatch) -> str:
    """The request's path as API Gateway passes it: percent-decoded, without the stage of the
    deployed URL when it was called with it."""
    path = request.path
    if path.startswith(f"/{match.stage}/") and not _match_template(match.route.path, path):
        path = path[len(match.stage) + 1 :]
    return path


def build_event(
    request: Request,
    match: RouteMatch,
    body: bytes,
    *,
    api_id: str,
    region: str = DEFAULT_REGION,
    account_id: str = DEFAULT_ACCOUNT_ID,
    binary_media_types: tuple[str, ...] = DEFAULT_BINARY_MEDIA_TYPES,
    authorizer: dict[str, Any] | None = None,
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
    path = resource_path(request, match)
    # IAM-authorised routes carry the caller; SigV4 is not verified locally.
    iam = route.authorizer == "AWS_IAM"
    access_key = _access_key(request.headers.get("Authorization"))
    user = access_key or "local-caller"
    context: dict[str, Any] = {}
    if authorizer is not None:
        # what a Lambda authorizer's answer gives the function: principalId and its context
        context["authorizer"] = authorizer
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
            **context,
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


# ---------------------------------------------------------------------------- responses


# API Gateway's own error types, with the x-amzn-ErrorType header each one carries.
_ERROR_TYPES = {
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "UNAUTHORIZED": "UnauthorizedException",
    "ACCESS_DENIED": "AccessDeniedException",
    "AUTHORIZER_FAILURE": "AuthorizerFailureException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
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
