"""HTTP server request metrics: attributes, latency statistics and the WSGI middleware."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterable, Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults
from wsgiref.validate import validator

import numpy as np
import pytest

from otel_measure.instruments.infrastructure.requests import RequestTracker
from otel_measure.views.buckets import HTTP_SERVER_DURATION_BUCKETS
from tests.support.infrastructure import ACTIVE, DURATION, RequestsRig
from tests.support.rig import Rig


class BoomError(RuntimeError):
    """An application error defined outside builtins."""


@pytest.fixture
def rig() -> RequestsRig:
    """A fresh rig."""
    return RequestsRig()


def test_duration_and_active_requests_exported_exactly(rig: RequestsRig) -> None:
    """A request records its duration with semconv attributes; active goes 1 then 0."""
    with rig.tracker.track_request("get", "/users/{id}", url_scheme="https") as req:
        rig.now += 0.042
        active = rig.points(ACTIVE)
        assert [(p.value, dict(p.attributes)) for p in active] == [
            (1, {"http.request.method": "GET", "url.scheme": "https"})
        ]
        req.set_status(200)
    data = rig.reader.get_metrics_data()
    assert data is not None
    metrics = {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics
               for m in sm.metrics}
    assert (metrics[DURATION].unit, metrics[ACTIVE].unit) == ("s", "{request}")
    (point,) = metrics[DURATION].data.data_points
    assert dict(point.attributes) == {
        "http.request.method": "GET", "http.route": "/users/{id}", "http.response.status_code": 200,
        "url.scheme": "https",
    }
    assert tuple(point.explicit_bounds) == HTTP_SERVER_DURATION_BUCKETS
    assert (point.count, point.sum) == (1, 0.042)
    assert point.bucket_counts[HTTP_SERVER_DURATION_BUCKETS.index(0.05)] == 1  # (0.025, 0.05]
    assert [p.value for p in metrics[ACTIVE].data.data_points] == [0]


@pytest.mark.parametrize(
    ("method", "expected"),
    [("GET", "GET"), ("get", "GET"), ("Patch", "PATCH"), ("QUERY", "QUERY"), ("TRACE", "TRACE"),
     ("CONNECT", "CONNECT"), ("PROPFIND", "_OTHER"), ("", "_OTHER"), ("G E T", "_OTHER")],
)
def test_methods_are_normalised(rig: RequestsRig, method: str, expected: str) -> None:
    """Known methods are upper-cased; any other becomes "_OTHER"."""
    rig.request(method, None, 204)
    assert [p.attributes["http.request.method"] for p in rig.points(DURATION)] == [expected]
    assert [p.attributes["http.request.method"] for p in rig.points(ACTIVE)] == [expected]


def test_route_and_status_are_omitted_when_unknown(rig: RequestsRig) -> None:
    """Without a route or status, only the method is an attribute; no url.scheme either."""
    rig.request("POST", None)
    assert list(rig.durations()) == [(("http.request.method", "POST"),)]
    assert [dict(p.attributes) for p in rig.points(ACTIVE)] == [{"http.request.method": "POST"}]


def test_exceptions_are_recorded_and_reraised(rig: RequestsRig) -> None:
    """error.type is the exception's qualified name, and the exception propagates."""
    with pytest.raises(KeyError), rig.tracker.track_request("GET", "/a"):
        rig.now += 0.5
        raise KeyError("x")
    with pytest.raises(BoomError), rig.tracker.track_request("GET", "/a") as req:
        req.set_status(200)
        raise BoomError
    assert rig.durations() == {
        (("error.type", "KeyError"), ("http.request.method", "GET"), ("http.route", "/a")):
            (1, 0.5),
        (("error.type", f"{__name__}.BoomError"), ("http.request.method", "GET"),
         ("http.response.status_code", 200), ("http.route", "/a")): (1, 0.0),
    }
    assert [p.value for p in rig.points(ACTIVE)] == [0]


def test_server_errors_get_their_status_as_error_type(rig: RequestsRig) -> None:
    """A 5xx without an exception has error.type = status; 4xx has none."""
    rig.request("GET", "/a", 503)
    rig.request("GET", "/a", 404)
    assert rig.durations() == {
        (("error.type", "503"), ("http.request.method", "GET"),
         ("http.response.status_code", 503), ("http.route", "/a")): (1, 0.0),
        (("http.request.method", "GET"), ("http.response.status_code", 404),
         ("http.route", "/a")): (1, 0.0),
    }
    assert rig.tracker.get_request_latency_metrics().error_rate == 0.5


@pytest.mark.parametrize(
    ("method", "route", "reason"),
    [(5, "/a", "invalid_http_method"), (None, "/a", "invalid_http_method"),
     (b"GET", "/a", "invalid_http_method"), ("GET", 7, "invalid_http_route")],
)
def test_bad_request_input_is_dropped_and_counted(
    rig: RequestsRig, method: Any, route: Any, reason: str
) -> None:
    """A bad method or route records nothing and is counted in measure.rejected."""
    rig.request(method, route, 200, took=1.0)
    assert rig.points(DURATION) == [] and rig.points(ACTIVE) == []
    assert rig.rejections.counts() == {reason: 1}
    assert [p.attributes["reason"] for p in rig.points("measure.rejected")] == [reason]
    assert rig.tracker.get_request_latency_metrics().total_requests == 0


@pytest.mark.parametrize("status", [-1, 0, 99, 600, 1000, "200", 200.0, True, None])
def test_bad_status_is_dropped_but_request_recorded(rig: RequestsRig, status: Any) -> None:
    """An invalid status code is rejected; the request is still timed, without a status."""
    with rig.tracker.track_request("GET", "/a") as req:
        req.set_status(status)
    assert rig.rejections.counts() == {"invalid_http_status_code": 1}
    assert list(rig.durations()) == [(("http.request.method", "GET"), ("http.route", "/a"))]


def test_strict_mode_raises_on_bad_input() -> None:
    """With strict=True bad recording input raises ValueError."""
    rig = RequestsRig(strict=True)
    with pytest.raises(ValueError, match="method=5"):
        rig.tracker.track_request(5, "/a")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="status code -1"), \
            rig.tracker.track_request("GET", "/a") as req:
        req.set_status(-1)


def test_latency_statistics_match_numpy_over_the_buffer() -> None:
    """Mean, p50/p95/p99, max and error rate cover the 1,000 most recent requests."""
    rig = RequestsRig()
    rng = random.Random(7)
    took = [rng.lognormvariate(-3.0, 1.0) for _ in range(1500)]
    statuses = [500 if rng.random() < 0.1 else 200 for _ in took]
    for t, s in zip(took, statuses, strict=True):
        rig.request("GET", "/a", s, took=t)
    stats = rig.tracker.get_request_latency_metrics()
    # Durations are differences of the manual clock, exactly as the tracker saw them.
    clock = np.cumsum([0.0, *took])
    seen = (clock[1:] - clock[:-1])[-1000:]
    assert (stats.count, stats.total_requests, stats.active_requests) == (1000, 1500, 0)
    assert stats.mean_s == pytest.approx(float(np.mean(seen)), rel=1e-12)
    for q, value in ((0.5, stats.p50_s), (0.95, stats.p95_s), (0.99, stats.p99_s)):
        assert value == pytest.approx(float(np.quantile(seen, q)), rel=1e-12)
    assert stats.max_s == pytest.approx(float(np.max(seen)), rel=1e-12)
    assert stats.error_rate == pytest.approx(statuses[-1000:].count(500) / 1000)


def test_empty_statistics_and_dashboard(rig: RequestsRig) -> None:
    """With no request the statistics are None; the dashboard section is JSON-ready."""
    stats = rig.tracker.get_request_latency_metrics()
    assert (stats.count, stats.total_requests, stats.mean_s, stats.p99_s, stats.error_rate) == (
        0, 0, None, None, None)
    rig.request("GET", "/a", 200, took=0.25)
    section = rig.tracker.dashboard_section()
    assert section == rig.tracker.get_request_latency_metrics().to_dict()
    assert (section["count"], section["p50_s"], section["max_s"]) == (1, 0.25, 0.25)
    assert json.loads(json.dumps(section)) == section


def test_buffer_size_is_validated() -> None:
    """buffer_size must be a positive int."""
    rig = Rig()
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="buffer_size="):
            RequestTracker(rig.meter, rig.rejections, buffer_size=bad)  # type: ignore[arg-type]


def test_concurrent_requests_are_all_counted() -> None:
    """8 threads x 500 requests lose none in the buffer total or the histogram."""
    rig = Rig()
    tracker = RequestTracker(rig.meter, rig.rejections)
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait()
        for i in range(500):
            with tracker.track_request("GET", "/a") as req:
                req.set_status(200 if i % 2 else 500)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats = tracker.get_request_latency_metrics()
    assert (stats.total_requests, stats.count, stats.active_requests) == (4000, 1000, 0)
    points = rig.all_points()
    assert sum(p.count for p in points[DURATION]) == 4000
    assert {p.attributes["http.response.status_code"]: p.count for p in points[DURATION]} == {
        200: 2000, 500: 2000}
    assert [p.value for p in points[ACTIVE]] == [0]


# --- WSGI ------------------------------------------------------------------------------


def environ(path: str = "/items/42", method: str = "GET") -> dict[str, Any]:
    """A complete WSGI environ for one request."""
    env: dict[str, Any] = {"PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
                           "REQUEST_METHOD": method}
    setup_testing_defaults(env)
    return env


class StreamingApp:
    """Streams three chunks, advancing the manual clock per chunk; records close()."""

    def __init__(self, rig: RequestsRig, status: str = "201 Created", fail_at: int | None = None):
        self.rig, self.status, self.fail_at, self.closed = rig, status, fail_at, False

    def __call__(self, env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response(self.status, [("Content-Type", "text/plain")])
        return self.Body(self)

    class Body:
        def __init__(self, app: StreamingApp) -> None:
            self.app = app

        def __iter__(self) -> Iterator[bytes]:
            for i in range(3):
                if i == self.app.fail_at:
                    raise BoomError("stream broke")
                self.app.rig.now += 0.1
                yield b"chunk"

        def close(self) -> None:
            self.app.closed = True


def test_wsgi_streaming_response_is_timed_until_close(rig: RequestsRig) -> None:
    """The duration runs from the call to close(); method, status, route and scheme come
    from the environ and the status line."""
    app = StreamingApp(rig)
    wrapped = validator(rig.tracker.wsgi_middleware(app, route_for=lambda env: "/items/{id}"))
    statuses: list[str] = []
    body = wrapped(environ(method="POST"), lambda s, h, e=None: statuses.append(s))
    assert b"".join(body) == b"chunk" * 3
    assert rig.points(DURATION) == []  # not finished until the server closes the body
    assert [p.value for p in rig.points(ACTIVE)] == [1]
    rig.now += 0.05
    body.close()  # type: ignore[attr-defined]
    assert app.closed and statuses == ["201 Created"]
    (point,) = rig.points(DURATION)
    assert dict(point.attributes) == {"http.request.method": "POST", "http.route": "/items/{id}",
                                      "http.response.status_code": 201, "url.scheme": "http"}
    assert point.sum == pytest.approx(0.35)
    assert [(p.value, dict(p.attributes)) for p in rig.points(ACTIVE)] == [
        (0, {"http.request.method": "POST", "url.scheme": "http"})]


def test_wsgi_without_route_for_omits_the_route(rig: RequestsRig) -> None:
    """Without route_for there is no http.route: PATH_INFO is never used."""
    wrapped = rig.tracker.wsgi_middleware(StreamingApp(rig, "503 Service Unavailable"))
    body = wrapped(environ("/users/12345"), lambda s, h, e=None: None)
    list(body)
    body.close()  # type: ignore[attr-defined]
    (point,) = rig.points(DURATION)
    assert dict(point.attributes) == {"http.request.method": "GET", "url.scheme": "http",
                                      "http.response.status_code": 503, "error.type": "503"}


def test_wsgi_errors_propagate_and_are_recorded(rig: RequestsRig) -> None:
    """An app raising on call or while streaming re-raises and records error.type."""
    def broken(env: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise BoomError("no")

    with pytest.raises(BoomError):
        rig.tracker.wsgi_middleware(broken)(environ(), lambda s, h, e=None: None)
    app = StreamingApp(rig, "200 OK", fail_at=1)
    body = rig.tracker.wsgi_middleware(app)(environ(), lambda s, h, e=None: None)
    with pytest.raises(BoomError):
        list(body)
    body.close()  # type: ignore[attr-defined]
    assert app.closed
    error = f"{__name__}.BoomError"
    assert rig.durations() == {
        (("error.type", error), ("http.request.method", "GET"), ("url.scheme", "http")): (1, 0.0),
        (("error.type", error), ("http.request.method", "GET"),
         ("http.response.status_code", 200), ("url.scheme", "http")): (1, pytest.approx(0.1)),
    }
    assert [p.value for p in rig.points(ACTIVE)] == [0]


def test_wsgi_route_for_failure_omits_route(rig: RequestsRig) -> None:
    """A route_for that raises leaves the request measured without http.route."""
    def route_for(env: dict[str, Any]) -> str:
        raise LookupError

    body = rig.tracker.wsgi_middleware(StreamingApp(rig), route_for)(
        environ(), lambda s, h, e=None: None)
    list(body)
    body.close()  # type: ignore[attr-defined]
    assert [p.attributes.get("http.route") for p in rig.points(DURATION)] == [None]
