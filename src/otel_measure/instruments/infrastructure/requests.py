"""HTTP server request metrics (``m.infrastructure.track_request``) and a WSGI middleware.

Exports ``http.server.request.duration`` and ``http.server.active_requests`` under the HTTP
semantic conventions, and keeps the most recent durations in a bounded buffer for
:meth:`RequestTracker.get_request_latency_metrics`. ``http.route`` is always the template
the app names (``/users/{id}``), never the raw path: raw paths carry ids and would give
every metric an unbounded number of series.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any

from opentelemetry.metrics import Meter

from otel_measure.calculators.stats import mean_std, quantile_sorted
from otel_measure.instruments._rejections import Rejections, safe_repr, text_problem
from otel_measure.instruments.infrastructure.results import RequestLatencyMetrics
from otel_measure.names import create_instrument
from otel_measure.names.attributes import (
    ATTR_ERROR_TYPE,
    ATTR_HTTP_REQUEST_METHOD,
    ATTR_HTTP_RESPONSE_STATUS_CODE,
    ATTR_HTTP_ROUTE,
    ATTR_URL_SCHEME,
)
from otel_measure.names.infrastructure import (
    HTTP_SERVER_ACTIVE_REQUESTS,
    HTTP_SERVER_REQUEST_DURATION,
)
from otel_measure.views.buckets import HTTP_SERVER_DURATION_BUCKETS

__all__ = [
    "KNOWN_METHODS",
    "RequestTracker",
    "StartResponse",
    "TrackedRequest",
    "WSGIApp",
]

_log = logging.getLogger("otel_measure")

# HTTP semantic conventions: these are kept (upper-cased); any other method is "_OTHER".
KNOWN_METHODS = frozenset(
    {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"}
)
_CACHE_LIMIT = 4096  # beyond this many attribute sets, build dicts per call instead

StartResponse = Callable[..., Callable[[bytes], object]]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


# method, route, status code, error.type, url.scheme
_AttrKey = tuple[str, str | None, int | None, str | None, str | None]


def _qualified_name(exc_type: type[BaseException]) -> str:
    # The names tracebacks print: "ValueError" for builtins, "module.Class" otherwise.
    module = exc_type.__module__
    if module in ("builtins", "__main__"):
        return exc_type.__qualname__
    return f"{module}.{exc_type.__qualname__}"


class TrackedRequest:
    """One request being measured: a context manager; call :meth:`set_status` inside it."""

    __slots__ = ("_error", "_live", "_method", "_route", "_scheme_attrs", "_start", "_status",
                 "_tracker")

    def __init__(
        self,
        tracker: RequestTracker | None,
        method: str = "",
        route: str | None = None,
        scheme_attrs: dict[str, str] | None = None,
    ) -> None:
        self._tracker = tracker
        self._live = False
        self._method = method
        self._route = route
        self._scheme_attrs = scheme_attrs
        self._status: int | None = None
        self._error: str | None = None
        self._start = 0.0

    def set_status(self, code: int) -> None:
        """Set the response status code (an int from 100 to 599; others are rejected)."""
        if self._tracker is None:
            return
        if isinstance(code, int) and not isinstance(code, bool) and 100 <= code <= 599:
            self._status = code
        else:
            self._tracker._bad_status(code)

    def fail(self, exc: BaseException) -> None:
        """Mark the request failed with ``exc`` (the first failure wins)."""
        if self._tracker is not None and self._error is None:
            self._error = self._tracker._error_type(type(exc))

    def __enter__(self) -> TrackedRequest:
        if self._tracker is not None and not self._live:
            self._live = True
            self._tracker._begin(self._scheme_attrs)
            self._start = self._tracker._clock()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Returning None never swallows the app's exception.
        if exc is not None:
            self.fail(exc)
        self.finish()

    def finish(self) -> None:
        """Record the request now (idempotent); the exit of the ``with`` block calls it."""
        tracker = self._tracker
        if tracker is None or not self._live:
            return
        duration = tracker._clock() - self._start
        self._live = False
        self._tracker = None
        tracker._end(duration, self._method, self._route, self._status, self._error,
                     self._scheme_attrs)


class RequestTracker:
    """``http.server.*`` instruments, a latency buffer and a WSGI middleware.

    Args:
        meter: Meter the instruments are created on.
        rejections: Shared bad-input helper (drop and count, or raise when strict).
        clock: High-resolution clock in seconds.
        buffer_size: How many recent request durations to keep for the statistics.
    """

    def __init__(
        self,
        meter: Meter,
        rejections: Rejections,
        *,
        clock: Callable[[], float] = time.perf_counter,
        buffer_size: int = 1000,
    ) -> None:
        if isinstance(buffer_size, bool) or not isinstance(buffer_size, int) or buffer_size < 1:
            raise ValueError(f"buffer_size={buffer_size!r} is not allowed; expected an int >= 1")
        self._rejections = rejections
        self._clock = clock
        self._duration = create_instrument(meter, HTTP_SERVER_REQUEST_DURATION,
                                           buckets=HTTP_SERVER_DURATION_BUCKETS)
        self._active = create_instrument(meter, HTTP_SERVER_ACTIVE_REQUESTS)
        self._lock = threading.Lock()
        self._buffer: deque[tuple[float, bool]] = deque(maxlen=buffer_size)
        self._total = 0
        self._active_count = 0
        self._methods: dict[str, str] = {}
        self._error_types: dict[type[BaseException], str] = {}
        self._attrs: dict[_AttrKey, dict[str, Any]] = {}
        self._active_attrs: dict[tuple[str, str | None], dict[str, str]] = {}
        self._route_for_failed = False

    # --- recording -------------------------------------------------------------------

    def track_request(
        self, method: str, route: str | None = None, *, url_scheme: str | None = None
    ) -> TrackedRequest:
        """Measure one request: ``with tracker.track_request("GET", "/users/{id}") as r:``.

        Args:
            method: HTTP method; GET, HEAD, POST, PUT, DELETE, CONNECT, OPTIONS, TRACE,
                PATCH and QUERY are kept upper-cased, anything else becomes "_OTHER".
            route: Low-cardinality route template, or None to omit ``http.route``.
            url_scheme: "http" or "https" when known (an ``active_requests`` attribute).

        Returns:
            A context manager yielding the request; an exception raised in the block is
            recorded as ``error.type`` and re-raised. Invalid input returns a request
            that records nothing (the input is rejected, see :class:`Rejections`).
        """
        if not isinstance(method, str):
            self._rejections.reject(
                "invalid_http_method",
                f"method={safe_repr(method)} is not allowed; expected a str"
            )
            return TrackedRequest(None)
        if route is not None and text_problem(route, 256) is not None:
            self._rejections.reject(
                "invalid_http_route", f"route={safe_repr(route)} is not allowed: "
                f"{text_problem(route, 256)} (a route template or None)")
            return TrackedRequest(None)
        if url_scheme is not None and text_problem(url_scheme, 16) is not None:
            self._rejections.reject(
                "invalid_url_scheme",
                f"url_scheme={safe_repr(url_scheme)} is not allowed; expected a str or None",
            )
            return TrackedRequest(None)
        normal = self._methods.get(method)
        if normal is None:
            normal = method.upper() if method.upper() in KNOWN_METHODS else "_OTHER"
            if len(self._methods) < _CACHE_LIMIT:
                self._methods[method] = normal
        key = (normal, url_scheme)
        active_attrs = self._active_attrs.get(key)
        if active_attrs is None:
            active_attrs = {ATTR_HTTP_REQUEST_METHOD: normal}
            if url_scheme is not None:
                active_attrs[ATTR_URL_SCHEME] = url_scheme
            if len(self._active_attrs) < _CACHE_LIMIT:
                self._active_attrs[key] = active_attrs
        return TrackedRequest(self, normal, route, active_attrs)

    def _error_type(self, exc_type: type[BaseException]) -> str:
        name = self._error_types.get(exc_type)
        if name is None:
            name = _qualified_name(exc_type)
            if len(self._error_types) < _CACHE_LIMIT:
                self._error_types[exc_type] = name
        return name

    def _bad_status(self, code: object) -> None:
        self._rejections.reject(
            "invalid_http_status_code",
            f"status code {safe_repr(code)} is not allowed; expected an int from 100 to 599",
        )

    def _begin(self, active_attrs: dict[str, str] | None) -> None:
        with self._lock:
            self._active_count += 1
        self._active.add(1, active_attrs)

    def _end(
        self,
        duration: float,
        method: str,
        route: str | None,
        status: int | None,
        error: str | None,
        active_attrs: dict[str, str] | None,
    ) -> None:
        duration = max(0.0, duration)
        if error is None and status is not None and status >= 500:
            error = str(status)
        scheme = active_attrs.get(ATTR_URL_SCHEME) if active_attrs else None
        key = (method, route, status, error, scheme)
        attrs = self._attrs.get(key)
        if attrs is None:
            attrs = {ATTR_HTTP_REQUEST_METHOD: method}
            if scheme is not None:
                attrs[ATTR_URL_SCHEME] = scheme
            if route is not None:
                attrs[ATTR_HTTP_ROUTE] = route
            if status is not None:
                attrs[ATTR_HTTP_RESPONSE_STATUS_CODE] = status
            if error is not None:
                attrs[ATTR_ERROR_TYPE] = error
            if len(self._attrs) < _CACHE_LIMIT:
                self._attrs[key] = attrs
        self._duration.record(duration, attrs)
        self._active.add(-1, active_attrs)
        with self._lock:
            self._active_count -= 1
            self._total += 1
            self._buffer.append((duration, error is not None))

    # --- WSGI ------------------------------------------------------------------------

    def wsgi_middleware(
        self, app: WSGIApp, route_for: Callable[[dict[str, Any]], str | None] | None = None
    ) -> WSGIApp:
        """Wrap a WSGI app so every request is measured until its response is closed.

        Args:
            app: The WSGI application.
            route_for: Returns the route template for an environ (e.g. from the app's
                URL map), or None. Without it ``http.route`` is omitted: ``PATH_INFO``
                holds ids and would give the metrics unbounded cardinality.

        Returns:
            A WSGI app; the method comes from ``REQUEST_METHOD``, the status from the
            status line given to ``start_response``, ``url.scheme`` from
            ``wsgi.url_scheme``. Exceptions propagate after being recorded.
        """

        def middleware(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            route = self._route(route_for, environ) if route_for is not None else None
            request = self.track_request(
                environ.get("REQUEST_METHOD", ""), route, url_scheme=environ.get("wsgi.url_scheme")
            ).__enter__()

            def timed_start_response(status: str, *args: Any) -> Callable[[bytes], object]:
                code = status[:3]
                if code.isdigit():
                    request.set_status(int(code))
                else:
                    self._bad_status(status)
                return start_response(status, *args)

            try:
                return _TimedBody(app(environ, timed_start_response), request)
            except BaseException as exc:
                request.fail(exc)
                request.finish()
                raise

        return middleware

    def _route(
        self, route_for: Callable[[dict[str, Any]], str | None], environ: dict[str, Any]
    ) -> str | None:
        try:
            return route_for(environ)
        except Exception as exc:  # a bug in route_for must not fail the request
            if not self._route_for_failed:
                self._route_for_failed = True
                _log.warning("otel-measure route_for raised %r; http.route omitted", exc)
            return None

    # --- queries ---------------------------------------------------------------------

    def get_request_latency_metrics(self) -> RequestLatencyMetrics:
        """Return count, mean, p50/p95/p99 (numpy 'linear'), max and error rate."""
        with self._lock:
            samples = list(self._buffer)
            total, active = self._total, self._active_count
        if not samples:
            return RequestLatencyMetrics(0, total, active, None, None, None, None, None, None)
        durations = sorted(d for d, _ in samples)
        errors = sum(failed for _, failed in samples)
        return RequestLatencyMetrics(
            count=len(durations),
            total_requests=total,
            active_requests=active,
            mean_s=mean_std(durations)[0],
            p50_s=quantile_sorted(durations, 0.5),
            p95_s=quantile_sorted(durations, 0.95),
            p99_s=quantile_sorted(durations, 0.99),
            max_s=durations[-1],
            error_rate=errors / len(durations),
        )

    def dashboard_section(self) -> dict[str, Any]:
        """Return the request latency statistics as a dict."""
        return self.get_request_latency_metrics().to_dict()


class _TimedBody:
    """A response iterable that finishes its request when the server closes it."""

    def __init__(self, body: Iterable[bytes], request: TrackedRequest) -> None:
        self._body = body
        self._iterator = iter(body)
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iterator)
        except StopIteration:
            raise
        except BaseException as exc:
            self._request.fail(exc)
            raise

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        except BaseException as exc:
            self._request.fail(exc)
            raise
        finally:
            self._request.finish()
