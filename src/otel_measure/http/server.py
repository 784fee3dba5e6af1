"""A bounded HTTP server for the WSGI app: fixed worker pool, idle and read timeouts.

One loop thread accepts connections and parks them in a selector; a connection costs a
worker only once its first bytes arrive, so idle connections hold no thread and are closed
after :data:`IDLE_TIMEOUT_S`. A worker reads the request under a deadline of
:data:`READ_TIMEOUT_S` for the whole head and body (a slowloris is cut off), refuses
bodies over :data:`MAX_REQUEST_BYTES` with 413, and answers one request per connection.
At most :data:`WORKERS` requests run at once and :data:`MAX_PENDING` wait; past that,
and past :data:`MAX_IDLE` parked connections, the oldest or newest is closed.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import selectors
import socket
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from otel_measure._converters import PortRange
from otel_measure.errors import OtelMeasureConfigError
from otel_measure.http.app import WSGIApp

__all__ = [
    "IDLE_TIMEOUT_S",
    "MAX_IDLE",
    "MAX_PENDING",
    "MAX_REQUEST_BYTES",
    "READ_TIMEOUT_S",
    "WORKERS",
    "MetricsServer",
]

WORKERS = 4
"""Requests served at once (worker threads)."""
MAX_PENDING = 64
"""Requests with data waiting for a worker; more are closed unanswered."""
MAX_IDLE = 1024
"""Connections parked before sending anything; the oldest is closed past this."""
IDLE_TIMEOUT_S = 5.0
"""A connection that sends nothing for this long is closed."""
READ_TIMEOUT_S = 5.0
"""Deadline to read a whole request (head and body) once its first bytes arrived."""
MAX_REQUEST_BYTES = 1 << 20
"""Largest request body accepted (``Content-Length``); larger ones get 413."""
_TICK_S = 0.25
# Errors that mean "this port, not the host": the next port of a range may do.
_TRY_NEXT = (errno.EADDRINUSE, errno.EACCES)


class _DeadlineIO(socket.SocketIO):
    """Socket reads that share one deadline: each read waits only for the time left."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__(sock, "rb")
        self._deadline = deadline

    def readinto(self, b: Any) -> int | None:
        """Read into ``b``, waiting at most until the deadline."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("request read deadline passed")
        self._sock.settimeout(left)  # type: ignore[attr-defined]
        return super().readinto(b)


class _Handler(WSGIRequestHandler):
    def setup(self) -> None:
        """Read through a deadline; write with the same per-operation timeout."""
        super().setup()
        self.connection.settimeout(READ_TIMEOUT_S)
        self.rfile = io.BufferedReader(
            _DeadlineIO(self.connection, time.monotonic() + READ_TIMEOUT_S))

    def parse_request(self) -> bool:
        """Parse the head, then refuse a body larger than ``MAX_REQUEST_BYTES``."""
        if not super().parse_request():
            return False
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self.send_error(413 if length > 0 else 400, "request body too large or invalid")
            return False
        return True

    def log_message(self, format: str, *args: Any) -> None:
        """Keep scrapes out of the host application's stderr."""


class _Server(WSGIServer):
    """Binds and holds the WSGI app; :class:`MetricsServer` runs its loop."""

    request_queue_size = 512  # the listen backlog: bursts of connections wait here


class _IPv6Server(_Server):
    address_family = socket.AF_INET6


class MetricsServer:
    """Binds at construction (so a busy port fails fast) and serves once started.

    ``port`` may be a :class:`~otel_measure._converters.PortRange`: the first free port
    of it is bound (a port in use is skipped), and :attr:`port` says which.

    Safe across ``fork()``: a child never waits for the parent's loop thread; ``stop()``
    there only closes its copy of the sockets.
    """

    def __init__(self, host: str, port: int | PortRange, app: WSGIApp) -> None:
        self._server = _bind(host, port, app)
        self.host = host
        self.port = int(self._server.server_address[1])
        self._pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._stopping = threading.Event()
        self._idle: OrderedDict[socket.socket, tuple[Any, float]] = OrderedDict()
        self._pending = 0
        self._pending_lock = threading.Lock()

    @property
    def url(self) -> str:
        """Address of the ``/metrics`` endpoint."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/metrics"

    def set_app(self, app: WSGIApp) -> None:
        """Replace the application served (before ``start()``)."""
        self._server.set_app(app)

    def start(self) -> None:
        """Serve from a daemon loop thread and a pool of ``WORKERS`` threads."""
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="otel-measure-http")
        self._thread = threading.Thread(target=self._loop, name="otel-measure-http",
                                        daemon=True)
        self._thread.start()

    def stats(self) -> dict[str, int]:
        """Connections parked idle and requests waiting or running now."""
        with self._pending_lock:
            return {"idle": len(self._idle), "pending": self._pending}

    def _loop(self) -> None:
        listener = self._server.socket
        listener.setblocking(False)
        with selectors.DefaultSelector() as sel:
            sel.register(listener, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in sel.select(_TICK_S):
                    if key.fileobj is listener:
                        self._accept(sel)
                    else:
                        conn = key.fileobj
                        assert isinstance(conn, socket.socket)
                        sel.unregister(conn)
                        addr, _ = self._idle.pop(conn)
                        self._dispatch(conn, addr)
                self._expire(sel, time.monotonic() - IDLE_TIMEOUT_S)
            for conn in list(self._idle):
                sel.unregister(conn)
                _close(conn)
            self._idle.clear()

    def _accept(self, sel: selectors.BaseSelector) -> None:
        """Accept every connection waiting in the backlog and park it."""
        for _ in range(MAX_IDLE):
            try:
                conn, addr = self._server.socket.accept()
            except OSError:  # BlockingIOError: the backlog is empty
                return
            conn.setblocking(True)
            if len(self._idle) >= MAX_IDLE:
                oldest, _ = self._idle.popitem(last=False)
                sel.unregister(oldest)
                _close(oldest)
            self._idle[conn] = (addr, time.monotonic())
            sel.register(conn, selectors.EVENT_READ)

    def _expire(self, sel: selectors.BaseSelector, before: float) -> None:
        while self._idle:
            conn, (_, since) = next(iter(self._idle.items()))
            if since > before:
                return
            del self._idle[conn]
            sel.unregister(conn)
            _close(conn)

    def _dispatch(self, conn: socket.socket, addr: Any) -> None:
        with self._pending_lock:
            full = self._pending >= MAX_PENDING + WORKERS
            if not full:
                self._pending += 1
        if full or self._pool is None:
            _close(conn)
            return
        self._pool.submit(self._serve, conn, addr)

    def _serve(self, conn: socket.socket, addr: Any) -> None:
        try:
            conn.settimeout(READ_TIMEOUT_S)
            self._server.finish_request(conn, addr)
        except Exception:  # a client error must never reach the host application
            pass
        finally:
            with self._pending_lock:
                self._pending -= 1
            self._server.shutdown_request(conn)

    def stop(self) -> None:
        """Stop serving, close the socket and join the threads (bounded waits).

        In a forked child, the loop and workers belong to the parent: only the child's
        copy of the listening socket is closed.
        """
        if os.getpid() == self._pid and self._thread is not None:
            self._stopping.set()
            self._thread.join(timeout=5)
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
        self._thread = None
        self._pool = None
        self._server.server_close()


def _bind(host: str, port: int | PortRange, app: WSGIApp) -> _Server:
    """Bind ``port``, or the first free port of a range (a busy port is skipped)."""
    server_class = _IPv6Server if ":" in host else _Server
    ports = list(port) if isinstance(port, PortRange) else [port]
    last: OSError | None = None
    for number in ports:
        try:
            return make_server(host, number, app, server_class=server_class,
                               handler_class=_Handler)
        except OSError as exc:
            last = exc
            if exc.errno not in _TRY_NEXT:
                break
    why = (last.strerror or str(last)) if last is not None else "no port"
    if isinstance(port, PortRange) and last is not None and last.errno in _TRY_NEXT:
        raise OtelMeasureConfigError(
            f"setting 'prometheus_port': cannot serve /metrics on {host}: every port of the "
            f"range {port} is taken (tried {_ports(ports)}; "
            f"last error: {why}); widen the range to one port per process, or export over "
            "OTLP (exporters=['otlp'])")
    tried = f"{host}:{number} (range {port})" if isinstance(port, PortRange) else f"{host}:{port}"
    raise OtelMeasureConfigError(
        f"setting 'prometheus_port': cannot serve /metrics on {tried}: {why}; choose a "
        "free port (0 picks one), a range such as 9464-9471, or another prometheus_host")


def _ports(ports: list[int]) -> str:
    return f"port {ports[0]}" if len(ports) == 1 else (
        f"{len(ports)} ports, {ports[0]} to {ports[-1]}")


def _close(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.close()
