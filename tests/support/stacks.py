"""The whole local stack in the test process, on free ports, leaving nothing behind."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def in_process_local_stack(runtime: str = "in-process", **options: Any) -> Iterator[Any]:
    """Started and stopped around the block; the environment is put back, and no cached
    client, setting or secret outlives it (the demo connection's secret has the same name in
    every local stack, and a client made for another stack would talk to its stopped
    servers).

    `runtime`: "in-process" runs the functions in this process, one at a time (fast to
    start); "process" runs them as `make run` does, in execution environments of their own.
    `options`: other StackConfig fields (concurrency, integration_timeout_seconds, …)."""
    from docusign_connector.container import reset_services
    from local.stack import LocalStack, StackConfig

    saved = dict(os.environ)
    reset_services()
    try:
        with LocalStack(
            StackConfig(
                api_port=0, aws_port=0, emulator_port=0, lambda_port=0, runtime=runtime, **options
            )
        ) as stack:
            yield stack
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_services()
