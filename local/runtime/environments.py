"""One execution environment of a function: a `local.runtime.worker` child process.

The process gets exactly the environment it is given (nothing of the stack's own), its own
session (a Ctrl-C in the terminal reaches the stack, which stops its environments), and pipes:
requests on stdin, answers on stdout, the function's log lines on stderr, which are passed on
line by line to `log`.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from local.runtime.invocation import FunctionError

_CLOSED = object()  # the worker's stdout ended: the process is gone or going
STOP_GRACE_SECONDS = 2.0


def _timed_out(request_id: str, seconds: float) -> FunctionError:
    return FunctionError(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {seconds:.2f} seconds",
    )


class ExecutionEnvironment:
    """A started worker for one function; `invoke` runs one invocation in it."""

    def __init__(
        self,
        function_id: str,
        module: str,
        handler: str,
        environment: Mapping[str, str],
        *,
        cwd: Path,
        log: Callable[[str], None],
        generation: int = 0,
    ) -> None:
        self.function_id = function_id
        self.generation = generation
        self.invocations = 0
        self._answers: queue.Queue[Any] = queue.Queue()
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.runtime.worker", module, handler],
            env=dict(environment),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.pid = self.process.pid
        self._ready = False
        self.broken = False  # killed, crashed or timed out: never reused
        assert self.process.stdout is not None and self.process.stderr is not None
        self._reader(self._read_answers, self.process.stdout)
        self._reader(self._relay_logs, self.process.stderr)

    def _reader(self, target: Callable[[IO[bytes]], None], stream: IO[bytes]) -> None:
        name = f"env-{self.function_id}-{self.pid}"
        threading.Thread(target=target, args=(stream,), name=name, daemon=True).start()

    def _read_answers(self, stream: IO[bytes]) -> None:
        for line in stream:
            try:
                self._answers.put(json.loads(line))
            except ValueError:
                self._log(f"{self.function_id}: unreadable answer from its environment")
        self._answers.put(_CLOSED)

    def _relay_logs(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._log(line.decode("utf-8", "replace").rstrip("\n"))

    @property
    def alive(self) -> bool:
        return not self.broken and self.process.poll() is None

    def _exit_error(self, request_id: str) -> FunctionError:
        self.broken = True
        try:
            code = self.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.process.returncode
        reason = f"signal: {_signal_name(-code)}" if code < 0 else f"exit status {code}"
        return FunctionError(
            "Runtime.ExitError",
            f"RequestId: {request_id} Error: Runtime exited with error: {reason}",
        )

    def _next_answer(self, request_id: str, wait: float, limit: float) -> dict[str, Any]:
        try:
            answer = self._answers.get(timeout=max(0.0, wait))
        except queue.Empty:
            self.kill()
            raise _timed_out(request_id, limit) from None
        if answer is _CLOSED:
            raise self._exit_error(request_id)
        return answer

    def wait_ready(self, timeout: float) -> None:
        """The init phase: the worker imports the handler's module."""
        if self._ready:
            return
        request_id = str(uuid.uuid4())
        answer = self._next_answer(request_id, timeout, timeout)
        if "initError" in answer:
            self.broken = True
            error = answer["initError"]
            raise FunctionError(str(error.get("errorType")), str(error.get("errorMessage")))
        self._ready = True

    def invoke(
        self, event: Any, timeout_seconds: float, *, account_id: str, request_id: str | None = None
    ) -> Any:
        """Run one invocation; raises FunctionError as Lambda reports a failure."""
        request_id = request_id or str(uuid.uuid4())
        request = {
            "requestId": request_id,
            "event": event,
            "remainingMs": int(timeout_seconds * 1000),
            "accountId": account_id,
        }
        assert self.process.stdin is not None
        started = time.monotonic()
        try:
            self.process.stdin.write((json.dumps(request) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise self._exit_error(request_id) from None
        self.invocations += 1
        wait = timeout_seconds - (time.monotonic() - started)
        answer = self._next_answer(request_id, wait, timeout_seconds)
        if "error" in answer:
            error = answer["error"] or {}
            raise FunctionError(
                str(error.get("errorType")),
                str(error.get("errorMessage")),
                [str(line) for line in error.get("stackTrace") or []],
            )
        return answer.get("result")

    def kill(self) -> None:
        """Stop the environment now (SIGKILL) and reap it."""
        self.broken = True
        if self.process.poll() is None:
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=STOP_GRACE_SECONDS)
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()

    def stop(self) -> None:
        """Let the worker end (stdin closes), killing it if it does not."""
        self.broken = True
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


def _signal_name(number: int) -> str:
    import signal

    try:
        return {signal.SIGKILL: "killed", signal.SIGSEGV: "segmentation fault"}.get(
            signal.Signals(number), signal.Signals(number).name
        )
    except ValueError:
        return str(number)
