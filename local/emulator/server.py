"""Run the emulator on a loopback port, in a background thread or in the foreground."""

from __future__ import annotations

import errno
import socket
import ssl
import threading
from typing import Self

from werkzeug.serving import BaseWSGIServer, make_server

from . import connect
from .app import create_app
from .state import EmulatorState


class EmulatorServer:
    """The emulator served by werkzeug in a daemon thread.

    `port=0` picks a free port; `.url` tells which (e.g. `http://127.0.0.1:54321`).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        state: EmulatorState | None = None,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        # With a TLS context the emulator speaks https, as DocuSign does (DocuSign's SDKs
        # reach the OAuth host over https only).
        self.ssl_context = ssl_context
        self.state = state or EmulatorState()
        self.app = create_app(self.state)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the emulator has not been started")
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def _bind(self) -> BaseWSGIServer:
        if self.port:
            # Probe first: werkzeug reports a busy port on stderr and exits the process.
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    probe.bind((self.host, self.port))
                except OSError as exc:
                    raise OSError(
                        exc.errno or errno.EADDRINUSE,
                        f"address {self.host}:{self.port} is already in use",
                    ) from exc
        try:
            server = make_server(
                self.host, self.port, self.app, threaded=True, ssl_context=self.ssl_context
            )
        except SystemExit as exc:
            # werkzeug reports a busy port by exiting; callers get an OSError instead.
            raise OSError(
                errno.EADDRINUSE, f"address {self.host}:{self.port} is already in use"
            ) from exc
        self.port = server.server_port
        self.state.base_url = self.url
        return server

    def start(self) -> Self:
        if self._server is not None:
            return self
        connect.ensure_publisher(self.state)
        self._server = self._bind()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="docusign-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self, announce: bool = False) -> None:
        """Run in the calling thread until interrupted."""
        connect.ensure_publisher(self.state)
        self._server = self._bind()
        if announce:
            print(f"DocuSign emulator listening on {self.url}", flush=True)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()
            self._server = None

    def stop(self) -> None:
        if self._server is None:
            return
        publisher = self.state.connect_publisher
        if publisher is not None:
            publisher.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
