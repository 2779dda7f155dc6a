"""Fault switches: make the next matching requests fail the ways DocuSign can fail.

Kinds: `429` (DocuSign's hourly-limit answer), `burst_429` (its burst-limit answer),
`polling_limit` (the 400 DocuSign gives when one envelope is polled too often), `500`, `503`
(an HTML page, as DocuSign's front door answers), `latency` (answer after a delay), and
`drop_after_commit` (do the work, then close the connection without answering: the caller
cannot know whether it happened).
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

FAULT_KINDS = frozenset(
    {"429", "burst_429", "polling_limit", "500", "503", "latency", "drop_after_commit"}
)
ENVIRON_KEY = "docusign_emulator.fault"


class FaultSwitches:
    """Armed faults, each used for its next `count` matching requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[dict[str, Any]] = []
        self._next_id = 1

    def add(
        self,
        kind: str,
        count: int = 1,
        path: str | None = None,
        method: str | None = None,
        latency_seconds: float = 0.0,
    ) -> dict[str, Any]:
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(sorted(FAULT_KINDS))}")
        if count < 1:
            raise ValueError("count must be at least 1")
        pattern = re.compile(path) if path else None
        with self._lock:
            fault = {
                "id": self._next_id,
                "kind": kind,
                "count": count,
                "path": path,
                "method": method.upper() if method else None,
                "latencySeconds": latency_seconds,
                "used": 0,
                "_pattern": pattern,
            }
            self._next_id += 1
            self._faults.append(fault)
            return self.describe(fault)

    @staticmethod
    def describe(fault: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in fault.items() if not k.startswith("_")}

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.describe(f) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> dict[str, Any] | None:
        """The first armed fault matching this request, counted as used."""
        with self._lock:
            for fault in self._faults:
                if fault["method"] and fault["method"] != method.upper():
                    continue
                if fault["_pattern"] is not None and not fault["_pattern"].search(path):
                    continue
                fault["count"] -= 1
                fault["used"] += 1
                if fault["count"] <= 0:
                    self._faults.remove(fault)
                return self.describe(fault)
        return None


class DropAfterCommit:
    """WSGI middleware: when a request was marked `drop_after_commit`, run it to the end
    (so its effects happen), then close the client connection instead of answering."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured["args"] = (status, headers, exc_info)
            return lambda data: None

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        fault = environ.get(ENVIRON_KEY)
        if fault and fault["kind"] == "drop_after_commit":
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            # The server treats this as a dropped connection and sends nothing.
            raise ConnectionAbortedError("connection dropped after the request was committed")
        status, headers, exc_info = captured["args"]
        start_response(status, headers, exc_info)
        return [body]
