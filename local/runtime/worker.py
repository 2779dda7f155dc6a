"""One execution environment: `python -m local.runtime.worker MODULE HANDLER`.

Started by local.runtime.processes with only its function's environment. Like Lambda's
runtime it imports the handler's module once (the init phase), says it is ready, then runs
one invocation at a time for as long as it lives, so module state (clients, caches,
Powertools' cold start flag) is this function's alone and survives between invocations.

The protocol, one JSON document per line: the parent writes
`{"requestId", "event", "remainingMs", "accountId"}` to stdin; the worker answers on the
stdout it was started with `{"ready": true}` (or `{"initError": {...}}`) once, then
`{"result": ...}` or `{"error": {"errorMessage", "errorType", "stackTrace"}}` per invocation.
What the function prints or logs goes to stderr (its log stream). The worker exits when stdin
closes, and on its own when the process that started it is gone, so that no environment
outlives its stack.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import IO, Any

from local.runtime.context import LambdaContext

PARENT_CHECK_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(0)  # the stack is gone: so is its environment


def _json_default(value: Any) -> Any:
    # As the Python runtime's marshaller: Decimals (DynamoDB numbers) become numbers.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error(error: BaseException) -> dict[str, Any]:
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        # the function's frames, not the runtime's own (as Lambda's runtime reports them)
        "stackTrace": traceback.format_list(
            [f for f in traceback.extract_tb(error.__traceback__) if f.filename != __file__]
        )[-20:],
    }


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, default=_json_default) + "\n")
    channel.flush()


def _load(module_name: str, handler_name: str) -> Callable[..., Any]:
    module = importlib.import_module(module_name)
    return getattr(module, handler_name)


def _invoke(handler: Callable[..., Any], request: dict[str, Any]) -> dict[str, Any]:
    context = LambdaContext(
        function_name=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function"),
        memory_limit_in_mb=int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")),
        timeout_seconds=float(os.environ.get("AWS_LAMBDA_FUNCTION_TIMEOUT", "3")),
        region=os.environ.get("AWS_REGION", "us-east-1"),
        account_id=str(request.get("accountId") or "123456789012"),
        aws_request_id=str(request["requestId"]),
        deadline=time.monotonic() + float(request.get("remainingMs", 3000)) / 1000,
    )
    try:
        result = handler(request.get("event"), context)
    except Exception as error:
        return {"error": _error(error)}
    try:
        json.dumps(result, default=_json_default)
    except (TypeError, ValueError) as error:
        return {
            "error": {
                "errorMessage": f"Unable to marshal response: {error}",
                "errorType": "Runtime.MarshalError",
            }
        }
    return {"result": result}


def main(argv: list[str]) -> int:
    module_name, handler_name = argv[1], argv[2]
    # The protocol keeps the original stdout; fd 1 becomes stderr for the function's output.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    try:
        handler = _load(module_name, handler_name)
    except Exception as error:
        _send(
            channel,
            {
                "initError": {
                    "errorMessage": f"Unable to import module '{module_name}': {error}",
                    "errorType": "Runtime.ImportModuleError",
                }
            },
        )
        return 1
    _send(channel, {"ready": True, "pid": os.getpid()})
    for line in sys.stdin:
        if line.strip():
            _send(channel, _invoke(handler, json.loads(line)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
