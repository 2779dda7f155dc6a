"""A WSGI app served on a thread of its own, started and stopped with the local stack."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class BackgroundServer:
    """Serves `self.wsgi` on `host:port` from a daemon thread; port 0 picks a free one."""

    name = "local-server"
    request_handler: type[WSGIRequestHandler] = WSGIRequestHandler

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        raise NotImplementedError

    def start(self) -> Any:
        if self._server is None:
            self._server = make_server(
                self.host,
                self.port,
                self.wsgi,
                threaded=True,
                request_handler=self.request_handler,
            )
            self.port = self._server.server_port
            self._thread = threading.Thread(
                target=self._server.serve_forever, name=self.name, daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
