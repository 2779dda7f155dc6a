"""Runs the template's functions as Lambda runs them: each in execution environments of its
own (local.runtime.environments), started with only that function's environment.

- An environment is a process started on demand (a cold start: it imports the handler's
  module) and kept while warm: the next invocation of the function takes an idle environment
  (the one used last first) before it starts another.
- A function runs in several environments at once, up to its concurrency: the template's
  ReservedConcurrentExecutions where it sets one (beyond it Lambda throttles: `Throttled`), else
  the local cap (`DEFAULT_CONCURRENCY`, or `LOCAL_LAMBDA_CONCURRENCY`), beyond which an
  invocation waits for a free environment — the account's unreserved pool (1,000 in AWS) does
  not fit on a laptop. The invocation starts once it has an environment.
- The handler's timeout is enforced: the environment is killed (`Sandbox.Timedout`), and the
  next invocation is a cold start. An environment that dies answers `Runtime.ExitError`.
- With `reload_roots`, an edit under them retires every environment: the next invocations
  start fresh ones on the new code, as `sam local` picks up edits.
- `stop()` kills every environment; the workers also end on their own when the stack's
  process is gone.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.function_specs import reserved_concurrency
from local.invoker import FunctionInvoker
from local.runtime.environments import ExecutionEnvironment
from local.runtime.invocation import FunctionError, HandlerError, Throttled

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONCURRENCY = 4  # environments per function without reserved concurrency
INIT_SECONDS = 10  # Lambda's limit on the init phase of an on-demand environment
STAMP_CHECK_SECONDS = 1.0
LOG_LINES_KEPT = 2000


@dataclass(frozen=True)
class InvocationRecord:
    """One invocation as the runtime saw it (for tests and the load benchmark)."""

    function_id: str
    pid: int
    started: float  # time.monotonic() once it had an environment
    ended: float
    cold: bool
    error_type: str | None


class _Pool:
    """The execution environments of one function."""

    def __init__(self, limit: int, throttles: bool) -> None:
        self.limit = limit
        self.throttles = throttles
        self.idle: list[ExecutionEnvironment] = []
        self.everyone: set[ExecutionEnvironment] = set()
        self.busy = 0
        self.closed = False
        self.condition = threading.Condition()

    def acquire(self, function_id: str, generation: int) -> ExecutionEnvironment | None:
        """A warm environment, or None: a slot for a new one (a cold start)."""
        stale: list[ExecutionEnvironment] = []
        try:
            with self.condition:
                while True:
                    if self.closed:
                        raise HandlerError(f"{function_id}: the local stack is stopping")
                    while self.idle:
                        environment = self.idle.pop()
                        if environment.alive and environment.generation == generation:
                            self.busy += 1
                            return environment
                        self.everyone.discard(environment)
                        stale.append(environment)
                    if self.busy < self.limit:
                        self.busy += 1
                        return None
                    if self.throttles:
                        raise Throttled(function_id, self.limit)
                    self.condition.wait()
        finally:
            for environment in stale:
                environment.kill()

    def added(self, environment: ExecutionEnvironment) -> None:
        with self.condition:
            self.everyone.add(environment)
            closed = self.closed
        if closed:
            environment.kill()

    def release(self, environment: ExecutionEnvironment | None, keep: bool) -> None:
        retired = None
        with self.condition:
            self.busy -= 1
            if environment is not None:
                if keep and not self.closed:
                    self.idle.append(environment)
                else:
                    self.everyone.discard(environment)
                    retired = environment
            self.condition.notify()
        if retired is not None:
            retired.kill()

    def retire_idle(self) -> None:
        with self.condition:
            idle, self.idle = self.idle, []
            for environment in idle:
                self.everyone.discard(environment)
        for environment in idle:
            environment.stop()

    def close(self) -> list[ExecutionEnvironment]:
        with self.condition:
            self.closed = True
            everyone = list(self.everyone)
            self.everyone.clear()
            self.idle.clear()
            self.condition.notify_all()
        return everyone


class ProcessInvoker(FunctionInvoker):
    """FunctionInvoker whose functions run in processes of their own.

    `aws_environment`: what every environment gets besides its function's variables and the
    ones Lambda sets (the AWS endpoint and credentials of the local stack, local switches).
    `function_log(function_id, line)` receives what the functions log (stderr by default).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        environment_by_function: Mapping[str, Mapping[str, str]],
        *,
        aws_environment: Mapping[str, str] | None = None,
        parameters: Mapping[str, Any] | None = None,
        concurrency: int | None = None,
        function_log: Callable[[str, str], None] | None = None,
        project_root: Path = PROJECT_ROOT,
        **options: Any,
    ) -> None:
        super().__init__(template, environment_by_function, **options)
        default = concurrency or int(
            os.environ.get("LOCAL_LAMBDA_CONCURRENCY", DEFAULT_CONCURRENCY)
        )
        self.aws_environment = dict(aws_environment or {})
        self.project_root = project_root
        self.pools: dict[str, _Pool] = {}
        for function_id in self.specs:
            reserved = reserved_concurrency(template, function_id, parameters)
            limit = reserved if reserved is not None else default
            self.pools[function_id] = _Pool(max(1, limit), throttles=reserved is not None)
        self.cold_starts: Counter[str] = Counter()
        self.records: deque[InvocationRecord] = deque(maxlen=10_000)
        self.logs: dict[str, deque[str]] = {f: deque(maxlen=LOG_LINES_KEPT) for f in self.specs}
        self._function_log = function_log or _print_function_log
        self.generation = 0
        self._stamp_checked = 0.0
        self._stamp_lock = threading.Lock()
        self._stopped = False
        atexit.register(self.stop)

    def concurrency(self, function_id: str) -> int:
        return self.pools[function_id].limit

    def process_environment(self, function_id: str) -> dict[str, str]:
        """Everything an environment of this function has in os.environ, and nothing else."""
        root = self.project_root
        folder = self.specs[function_id].module.rsplit(".", 1)[0].replace(".", os.sep)
        return {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "PYTHONPATH": os.pathsep.join([str(root), str(root / "layers" / "shared")]),
            "PYTHONUNBUFFERED": "1",
            "LAMBDA_TASK_ROOT": str(root / folder),
            **self.aws_environment,
            **self.runtime_environment(function_id),
        }

    def environments(self, function_id: str | None = None) -> list[ExecutionEnvironment]:
        """The environments alive now (of one function, or of all)."""
        pools = [self.pools[function_id]] if function_id else list(self.pools.values())
        found: list[ExecutionEnvironment] = []
        for pool in pools:
            with pool.condition:
                found.extend(e for e in pool.everyone if e.alive)
        return found

    def invoke(
        self, function_id: str, event: Any, on_start: Callable[[], None] | None = None
    ) -> Any:
        if function_id not in self.specs:
            raise KeyError(f"{function_id} is not a function of the template")
        self._reload_if_changed()
        pool = self.pools[function_id]
        generation = self.generation
        environment = pool.acquire(function_id, generation)
        if on_start is not None:
            on_start()
        started = time.monotonic()
        cold = environment is None
        keep = False
        error_type: str | None = None
        try:
            if environment is None:
                environment = self._start_environment(function_id, generation, pool)
            result = environment.invoke(
                event, self.specs[function_id].timeout, account_id=self.account_id
            )
            keep = True
            return result
        except FunctionError as error:
            error_type = error.error_type
            keep = environment is not None and environment.alive
            raise
        finally:
            keep = (
                keep
                and environment is not None
                and environment.alive
                and environment.generation == self.generation
            )
            pool.release(environment, keep)
            pid = environment.pid if environment is not None else 0
            self.records.append(
                InvocationRecord(function_id, pid, started, time.monotonic(), cold, error_type)
            )

    def _start_environment(self, function_id: str, generation: int, pool: _Pool) -> Any:
        spec = self.specs[function_id]
        environment = ExecutionEnvironment(
            function_id,
            spec.module,
            spec.handler,
            self.process_environment(function_id),
            cwd=self.project_root,
            log=lambda line: self._function_line(function_id, line),
            generation=generation,
        )
        pool.added(environment)
        self.cold_starts[function_id] += 1
        try:
            environment.wait_ready(max(INIT_SECONDS, spec.timeout))
        except FunctionError:
            environment.kill()
            raise
        return environment

    def _function_line(self, function_id: str, line: str) -> None:
        self.logs[function_id].append(line)
        self._function_log(function_id, line)

    def _reload_if_changed(self) -> None:
        if not self.reload_roots:
            return
        with self._stamp_lock:
            now = time.monotonic()
            if now - self._stamp_checked < STAMP_CHECK_SECONDS:
                return
            self._stamp_checked = now
            stamp = self._source_stamp()
            if stamp == self._code_stamp:
                return
            self._code_stamp = stamp
            self.generation += 1
        for pool in self.pools.values():
            pool.retire_idle()
        self._log("code changed: functions start new environments on their next invocation")

    def stop(self) -> None:
        """Kill every environment; invocations after this fail."""
        if self._stopped:
            return
        self._stopped = True
        for pool in self.pools.values():
            for environment in pool.close():
                environment.kill()
        atexit.unregister(self.stop)


def _print_function_log(function_id: str, line: str) -> None:
    print(f"[{function_id}] {line}", file=sys.stderr, flush=True)
