"""AWS for the local stack and the tests: moto's server, with DynamoDB atomic per item.

moto's DynamoDB backend reads an item, checks the condition and writes it back without a lock,
and its server handles each request on a thread of its own: two concurrent conditional updates
of one item can both see the old value (a `SET left = left - 1` guarded by `left > 0`, run from
four processes, granted 101 calls out of 100). DynamoDB itself is atomic per item, so here every
DynamoDB request runs alone. That is stronger than DynamoDB (which serialises per item, not per
table), and cheap: moto answers a request in well under a millisecond of work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

from local.servers import BackgroundServer

# Every DynamoDB operation names itself in this header (the JSON 1.0 protocol).
_DYNAMODB_TARGET = "DynamoDB_"


def serialised_dynamodb(
    app: Callable[..., Iterable[bytes]], lock: threading.Lock | None = None
) -> Callable[..., list[bytes]]:
    """Wrap a WSGI app so that its DynamoDB requests run one at a time, response included."""
    guard = lock or threading.Lock()

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(_DYNAMODB_TARGET):
            return list(app(environ, start_response))
        with guard:
            # The body is produced inside the lock too: a lazy response would otherwise read
            # the item after another request changed it.
            return list(app(environ, start_response))

    return wsgi


class _QuietRequestHandler(MotoRequestHandler):
    """moto's request handler without a line on stderr per request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


class AwsServer(BackgroundServer):
    """moto's server on `host:port` (0 picks a free port), DynamoDB atomic per item."""

    name = "moto"
    request_handler = _QuietRequestHandler

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self._app = serialised_dynamodb(DomainDispatcherApplication(create_backend_app))

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return self._app(environ, start_response)
