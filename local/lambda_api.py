"""The Lambda Invoke API on 127.0.0.1:3001, as `sam local start-lambda` serves it: every function
of template.yaml can be invoked by its logical id (or its function name) with the AWS CLI or
boto3's `lambda` client, with its own environment (in its own execution environments under
`make run`).

    aws lambda invoke --endpoint-url http://127.0.0.1:3001 --function-name ReconcileFunction \\
        --payload '{}' out.json

What it answers follows the Lambda API (Invoke, 2015-03-31): RequestResponse returns the
function's result with 200 (a function error adds `X-Amz-Function-Error: Unhandled` and the error
as the payload); Event answers 202 at once and runs the function in the background; DryRun
answers 204; an unknown function is a 404 `ResourceNotFoundException`, a payload that is not
JSON a 400 `InvalidRequestContentException`.
"""

from __future__ import annotations

import json
import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from local import origin_guard
from local.invoker import FunctionInvoker, HandlerError
from local.runtime.invocation import FunctionError, Throttled
from local.servers import BackgroundServer

DEFAULT_LAMBDA_PORT = 3001  # the port `sam local start-lambda` uses
INVOKE_PATH = "/2015-03-31/functions/"
MAX_PAYLOAD_BYTES = 6 * 1024 * 1024  # Lambda's limit on a synchronous request payload


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


def _error(status: int, error_type: str, message: str) -> Response:
    return Response(
        json.dumps({"Type": "User", "message": message}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": error_type},
    )


def function_error(error: BaseException) -> dict[str, Any]:
    """What Lambda returns as the payload when the handler raised."""
    if isinstance(error, FunctionError):  # from an execution environment, in Lambda's shape
        return error.payload
    cause = error.__cause__ or error
    return {
        "errorMessage": str(cause),
        "errorType": type(cause).__name__,
        "stackTrace": traceback.format_tb(cause.__traceback__)[-20:],
    }


class LocalLambda(BackgroundServer):
    """HTTP server on `host:port` speaking the Lambda Invoke API to a FunctionInvoker.

    The invoker is shared with the local API, so a function is warm (or cold) once, whichever
    way it is invoked.
    """

    name = "local-lambda"
    request_handler = _QuietHandler

    def __init__(
        self,
        invoker: FunctionInvoker,
        host: str = "127.0.0.1",
        port: int = DEFAULT_LAMBDA_PORT,
        *,
        log: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(host, port)
        self.invoker = invoker
        self._log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self._background: list[threading.Thread] = []

    def stop(self) -> None:
        super().stop()
        for thread in self._background:
            thread.join(timeout=30)

    def function_id(self, name: str) -> str | None:
        """The logical id of a function named by logical id, function name or ARN."""
        name = name.rsplit(":function:", 1)[-1].split(":", 1)[0]
        if name in self.invoker.specs:
            return name
        for logical_id, physical in self.invoker.function_names.items():
            if physical == name:
                return logical_id
        return None

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        refused = origin_guard.refusal(environ, self.port)
        if refused is not None:
            return _error(403, "AccessDeniedException", f"Forbidden: {refused}")(
                environ, start_response
            )
        return self._dispatch(Request(environ))(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path = request.path
        if (
            request.method != "POST"
            or not path.startswith(INVOKE_PATH)
            or not path.endswith("/invocations")
        ):
            return _error(404, "ResourceNotFoundException", f"no such operation: {path}")
        name = unquote(path[len(INVOKE_PATH) : -len("/invocations")])
        function_id = self.function_id(name)
        if function_id is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {name}")
        raw = request.get_data(cache=False)
        if len(raw) > MAX_PAYLOAD_BYTES:
            return _error(
                413, "RequestTooLargeException", "Request must be smaller than 6291456 bytes"
            )
        try:
            event = json.loads(raw) if raw.strip() else {}
        except (ValueError, RecursionError):
            return _error(
                400, "InvalidRequestContentException", "Could not parse request body into json"
            )
        invocation = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        self._log(f"Lambda invoke {function_id} ({invocation})")
        if invocation == "DryRun":
            return Response(status=204)
        if invocation == "Event":
            thread = threading.Thread(
                target=self._invoke_quietly, args=(function_id, event), daemon=True
            )
            self._background = [t for t in self._background if t.is_alive()] + [thread]
            thread.start()
            return Response(status=202)
        if invocation != "RequestResponse":
            return _error(
                400, "InvalidParameterValueException", f"unknown invocation type {invocation}"
            )
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        try:
            result = self.invoker.invoke(function_id, event)
        except Throttled:
            # Lambda API Invoke: TooManyRequestsException, Reason
            # ReservedFunctionConcurrentInvocationLimitExceeded
            response = _error(429, "TooManyRequestsException", "Rate Exceeded.")
            response.set_data(
                json.dumps(
                    {
                        "Type": "User",
                        "message": "Rate Exceeded.",
                        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                    }
                )
            )
            return response
        except HandlerError as error:
            if not isinstance(error, FunctionError):
                traceback.print_exc(file=sys.stderr)
            headers["X-Amz-Function-Error"] = "Unhandled"
            result = function_error(error)
        return Response(
            json.dumps(result, default=str),
            status=200,
            content_type="application/json",
            headers=headers,
        )

    def _invoke_quietly(self, function_id: str, event: Any) -> None:
        try:
            self.invoker.invoke(function_id, event)
        except Throttled as error:
            self._log(f"{error}: the event is dropped")
        except HandlerError:
            traceback.print_exc(file=sys.stderr)
