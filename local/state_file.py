"""The state file through which a running local stack tells tests and tools where it is
(.local/stack.json), and what another process does with it: find the stack, tell whether it
still runs, stop it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

STATE_FILE = Path(__file__).resolve().parent.parent / ".local" / "stack.json"


def read_state(path: Path = STATE_FILE) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_state(state: dict[str, Any], path: Path = STATE_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    temporary.replace(path)


def remove_state(pid: int, path: Path = STATE_FILE) -> None:
    """Remove the state file if it is the one `pid` wrote."""
    state = read_state(path)
    if state is not None and state.get("pid") == pid:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # An exited child that its parent has not reaped yet still answers signal 0.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    return True


def stop_running(state_file: Path = STATE_FILE, timeout: float = 15.0) -> int:
    """Stop the stack the state file names (SIGTERM, as Ctrl-C would); 0 once none runs."""
    state = read_state(state_file)
    if state is None or not isinstance(state.get("pid"), int):
        print("No local stack is running.")
        return 0
    pid = state["pid"]
    if not process_alive(pid):
        state_file.unlink(missing_ok=True)
        print(f"No local stack is running (removed the stale {state_file.name} of pid {pid}).")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if process_alive(pid):
        print(f"The local stack (pid {pid}) did not stop within {timeout:.0f} s.", file=sys.stderr)
        return 1
    state_file.unlink(missing_ok=True)
    print(f"Stopped the local stack (pid {pid}).")
    return 0
