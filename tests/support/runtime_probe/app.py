"""Handlers for the runtime's own tests: each says what its execution environment sees."""

from __future__ import annotations

import json
import os
import time
from typing import Any

INVOCATIONS = 0  # module state: survives between invocations of a warm environment


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Answers the process, its environment and how many times this module has run."""
    global INVOCATIONS
    INVOCATIONS += 1
    if "httpMethod" in (event or {}):  # through the local API: the action is the body
        answer = _act(json.loads(event.get("body") or "{}"), context)
        answer.pop("environ")
        return {"statusCode": 200, "body": json.dumps(answer)}
    return _act(event or {}, context)


def _act(event: dict[str, Any], context: Any) -> dict[str, Any]:
    action = event.get("action")
    if action == "sleep":
        time.sleep(float(event["seconds"]))
    elif action == "exit":
        os._exit(int(event.get("status", 3)))
    elif action == "raise":
        raise ValueError(str(event.get("message", "the probe was asked to fail")))
    elif action == "print":
        print(event.get("text", "printed"))
    return {
        "pid": os.getpid(),
        "invocations": INVOCATIONS,
        "environ": dict(os.environ),
        "requestId": context.aws_request_id,
        "remainingMs": context.get_remaining_time_in_millis(),
        "functionName": context.function_name,
    }
