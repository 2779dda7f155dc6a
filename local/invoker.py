"""Runs the template's functions in-process, one at a time: each handler imported with its
own environment swapped into os.environ, a Lambda context, a cold start per function, fresh
code after an edit.

The faster path for tests where concurrency and isolation do not matter; `make run` and the
tests that need them use local.runtime.processes.ProcessInvoker (a process per execution
environment), which has the same interface. The local API, the Lambda Invoke API and the
pollers that play Lambda's event source mappings invoke through either.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from local.function_specs import FunctionSpec, functions
from local.resolver import generated_name
from local.runtime.context import LambdaContext
from local.runtime.invocation import HandlerError, Invocation, run_in_background
from local.template import DEFAULT_ACCOUNT_ID, DEFAULT_REGION

__all__ = ["INVOCATION_LOCK", "FunctionInvoker", "HandlerError", "LambdaContext"]

# Handlers run one at a time, each with its own environment in os.environ.
INVOCATION_LOCK = threading.RLock()


class FunctionInvoker:
    """Invokes the template's functions in-process with their own environment.

    `environment_by_function` maps a function's logical id to its resolved environment
    (see local.function_specs.function_environment). Used by the local API and by the pollers
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

    def concurrency(self, function_id: str) -> int:
        """How many invocations of the function may run at once: one, in-process."""
        return 1

    def begin(self, function_id: str, event: Any) -> Invocation:
        """Start an invocation in the background; its `started` is set once it runs."""
        invocation = Invocation(function_id)
        return run_in_background(
            invocation, lambda started: self.invoke(function_id, event, started.mark_started)
        )

    def stop(self) -> None:
        """Nothing runs outside this process."""

    def invoke(
        self, function_id: str, event: Any, on_start: Callable[[], None] | None = None
    ) -> Any:
        """Run the function's handler on `event`; raises HandlerError if it fails.
        `on_start` is called once the invocation runs (after waiting for the others)."""
        if function_id not in self.specs:
            raise KeyError(f"{function_id} is not a function of the template")
        with INVOCATION_LOCK:
            if on_start is not None:
                on_start()
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
