"""Invoke handlers in-process with the real-shaped events from events/ as a base."""

from __future__ import annotations

import copy
import importlib
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


@dataclass
class FakeLambdaContext:
    function_name: str
    memory_limit_in_mb: int = 512
    remaining_ms: int = 29_000

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    @property
    def aws_request_id(self) -> str:
        return str(uuid.uuid4())

    function_version = "$LATEST"
    log_group_name = "/aws/lambda/test"
    log_stream_name = "test"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class ApiResult:
    status: int
    headers: dict[str, str]
    body: Any
    raw: dict[str, Any]


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / f"{name}.json").read_text())


def api_event(
    name: str,
    *,
    path_parameters: dict[str, str] | None = None,
    body: Any = None,
    raw_body: str | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An event from events/{name}.json with its path, parameters and body replaced."""
    event = copy.deepcopy(load_event(name))
    if path_parameters:
        event["pathParameters"] = {**(event.get("pathParameters") or {}), **path_parameters}
        path = event["resource"]
        for key, value in event["pathParameters"].items():
            path = path.replace("{" + key + "}", value)
        event["path"] = path
        event["requestContext"]["path"] = "/v1" + path
    if raw_body is not None:
        event["body"] = raw_body
    elif body is not None:
        event["body"] = json.dumps(body)
    if query is not None:
        event["queryStringParameters"] = query or None
        event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} or None
    if headers:
        event["headers"] = {**(event.get("headers") or {}), **headers}
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return event


def invoke(function: str, event: dict[str, Any]) -> ApiResult:
    module = importlib.import_module(f"functions.{function}.app")
    result = module.lambda_handler(event, FakeLambdaContext(function))
    body = result.get("body")
    parsed = json.loads(body) if body else None
    return ApiResult(result["statusCode"], result.get("headers") or {}, parsed, result)


def invoke_raw(function: str, event: dict[str, Any]) -> Any:
    """Invoke a handler that is not behind the API (queues, schedules); its raw answer."""
    module = importlib.import_module(f"functions.{function}.app")
    return module.lambda_handler(event, FakeLambdaContext(function))
