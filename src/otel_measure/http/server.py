"""A small threaded HTTP server for the WSGI app, stoppable and joinable."""

from __future__ import annotations

import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.http.app import WSGIApp

__all__ = ["MetricsServer"]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _IPv6Server(_ThreadingServer):
    address_family = socket.AF_INET6


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep scrapes out of the host application's stderr."""


class MetricsServer:
    """Binds at construction (so a busy port fails fast) and serves once started."""

    def __init__(self, host: str, port: int, app: WSGIApp) -> None:
        server_class = _IPv6Server if ":" in host else _ThreadingServer
        try:
            self._server = make_server(
                host, port, app, server_class=server_class, handler_class=_QuietHandler
            )
        except OSError as exc:
            raise OtelMeasureConfigError(
                f"setting 'prometheus_port': cannot serve /metrics on {host}:{port}: "
                f"{exc.strerror or exc}; choose a free port (0 picks one) or another "
                "prometheus_host"
            ) from None
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Address of the ``/metrics`` endpoint."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def set_app(self, app: WSGIApp) -> None:
        """Replace the application served (before ``start()``)."""
        self._server.set_app(app)

    def start(self) -> None:
        """Serve on a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="otel-measure-http", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the socket and join the thread."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
