"""One invocation of a function, as the local API and the Lambda Invoke API wait for it, and
the ways an invocation fails as Lambda reports them.

Lambda's error payloads (the Invoke API's answer with `X-Amz-Function-Error: Unhandled`):
- the handler raised: errorMessage (the exception's text), errorType (its class), stackTrace;
- the function ran past its timeout: errorType `Sandbox.Timedout`, errorMessage
  `RequestId: <id> Error: Task timed out after 3.00 seconds` (the environment is stopped, so
  the next invocation is a cold start);
- the runtime process died: errorType `Runtime.ExitError`, errorMessage
  `RequestId: <id> Error: Runtime exited with error: exit status 1` (or `signal: killed`);
- the handler's module could not be imported: errorType `Runtime.ImportModuleError`.
A function at its reserved concurrency is throttled: the Invoke API answers 429
`TooManyRequestsException` and the function does not run.

Sources: AWS Lambda Developer Guide, "Troubleshoot invocation issues in Lambda" (Sandbox.Timedout)
and "Lambda function errors in Python"; the Lambda API reference, Invoke (errors); the Python
runtime interface client (aws/aws-lambda-python-runtime-interface-client) for the error shape.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class HandlerError(Exception):
    """The handler raised, or could not be imported, or its environment failed."""


class FunctionError(HandlerError):
    """A failed invocation, with the payload Lambda answers for it."""

    def __init__(self, error_type: str, error_message: str, stack_trace: list[str] | None = None):
        super().__init__(f"{error_type}: {error_message}")
        self.error_type = error_type
        self.error_message = error_message
        self.stack_trace = list(stack_trace or [])

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "errorMessage": self.error_message,
            "errorType": self.error_type,
        }
        if self.stack_trace:
            payload["stackTrace"] = self.stack_trace
        return payload


class Throttled(Exception):
    """The function is at its reserved concurrency: Lambda refuses the invocation."""

    def __init__(self, function_id: str, limit: int) -> None:
        super().__init__(f"{function_id} is at its reserved concurrency ({limit})")
        self.function_id = function_id
        self.limit = limit


class Invocation:
    """An invocation running in the background: when it started (it may first wait for an
    execution environment), and its result once it ends."""

    def __init__(self, function_id: str) -> None:
        self.function_id = function_id
        self.started = threading.Event()
        self.started_at: float | None = None  # time.monotonic()
        self._done = threading.Event()
        self._result: Any = None
        self._error: BaseException | None = None

    def mark_started(self) -> None:
        self.started_at = time.monotonic()
        self.started.set()

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        self._result, self._error = result, error
        if not self.started.is_set():
            self.mark_started()
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """True when the invocation ended within `timeout` seconds."""
        return self._done.wait(timeout)

    def result(self) -> Any:
        """The handler's answer; raises what the invocation failed with."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._result


def run_in_background(invocation: Invocation, call: Any) -> Invocation:
    """Run `call(invocation)` on a thread; what it returns or raises ends the invocation."""

    def target() -> None:
        try:
            invocation.finish(result=call(invocation))
        except BaseException as error:  # handed to whoever waits for the result
            invocation.finish(error=error)

    threading.Thread(target=target, name=f"invoke-{invocation.function_id}", daemon=True).start()
    return invocation
