"""Service health checks: scheduling, outcomes, availability, MTTR and exported metrics."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pytest

from otel_measure.instruments.infrastructure.results import AvailabilityMetrics
from otel_measure.instruments.infrastructure.services import ServiceHealth
from otel_measure.views.buckets import SECONDS_BUCKETS
from tests.support.infrastructure import WALL0, ServicesRig
from tests.support.net import free_port
from tests.support.rig import Rig, metric_points


@pytest.fixture
def rig() -> Iterator[ServicesRig]:
    """A fresh rig, closed afterwards."""
    r = ServicesRig()
    yield r
    r.health.close()


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll until ``condition`` holds; the generous limit only guards against a hang."""
    limit = time.monotonic() + 10.0
    while not condition():
        assert time.monotonic() < limit, "condition never became true"
        time.sleep(0.005)


def test_instruments_names_units_attributes_and_buckets(rig: ServicesRig) -> None:
    """One passing check exports up=1, a counted outcome and a bucketed duration."""
    def check() -> bool:
        rig.now += 0.25  # the check takes 0.25 s on the injected clock
        return True

    rig.health.register_service("db", check, interval_s=10, timeout_s=1)
    rig.health.run_pending(wait=True)
    metrics = rig.metrics()
    up = metrics["measure.service.up"]
    assert up.unit == "1"
    assert [(p.value, dict(p.attributes)) for p in up.data.data_points] == [
        (1, {"measure.service.name": "db"})
    ]
    checks = metrics["measure.service.checks"]
    assert checks.unit == "{check}"
    assert [(p.value, dict(p.attributes)) for p in checks.data.data_points] == [
        (1, {"measure.service.name": "db", "outcome": "up"})
    ]
    duration = metrics["measure.service.check.duration"]
    assert duration.unit == "s"
    (point,) = duration.data.data_points
    assert dict(point.attributes) == {"measure.service.name": "db", "outcome": "up"}
    assert tuple(point.explicit_bounds) == SECONDS_BUCKETS
    assert (point.count, point.sum) == (1, 0.25)
    assert point.bucket_counts[SECONDS_BUCKETS.index(0.25)] == 1  # 0.25 falls in (0.1, 0.25]


def test_unknown_before_first_check_and_no_gauge(rig: ServicesRig) -> None:
    """Before its first check a service is "unknown" and exports no up value."""
    rig.health.register_service("cache", lambda: True)
    m = rig.health.get_availability_metrics("cache")
    assert (m.status, m.availability, m.checks, m.last_check_time) == ("unknown", None, 0, None)
    assert (m.mean_check_latency_s, m.p95_check_latency_s, m.mttr_s) == (None, None, None)
    data = rig.reader.get_metrics_data()  # None: nothing at all to export yet
    assert data is None or "measure.service.up" not in metric_points(data)


def test_failing_and_raising_checks_are_down_with_their_reason(rig: ServicesRig) -> None:
    """A falsy result is "down", an exception is "error"; both report why."""
    rig.health.register_service("falsy", lambda: False)
    rig.health.register_service("none", lambda: None)

    def boom() -> bool:
        raise ConnectionRefusedError("db refused")

    rig.health.register_service("raises", boom)
    rig.health.run_pending(wait=True)
    falsy = rig.health.get_availability_metrics("falsy")
    assert (falsy.status, falsy.last_error, falsy.failures) == ("down", "check returned False", 1)
    assert falsy.last_failure_time == WALL0 + 100.0
    assert rig.health.get_availability_metrics("none").last_error == "check returned None"
    raises = rig.health.get_availability_metrics("raises")
    assert raises.status == "down"
    assert raises.last_error == repr(ConnectionRefusedError("db refused"))
    assert rig.check_counts() == {("falsy", "down"): 1, ("none", "down"): 1,
                                  ("raises", "error"): 1}
    up = {p.attributes["measure.service.name"]: p.value
          for p in rig.all_points()["measure.service.up"]}
    assert up == {"falsy": 0, "none": 0, "raises": 0}


def test_hung_check_times_out_and_is_not_restarted(rig: ServicesRig) -> None:
    """A check past its timeout is a "timeout", is not started again, and others go on."""
    release = threading.Event()
    calls = {"hang": 0, "ok": 0}

    def hang() -> bool:
        calls["hang"] += 1
        release.wait()
        return True

    def ok() -> bool:
        calls["ok"] += 1
        return True

    rig.health.register_service("hang", hang, interval_s=1, timeout_s=0.2)
    rig.health.register_service("ok", ok, interval_s=1, timeout_s=5)
    try:
        rig.health.run_pending(wait=True)
        hung = rig.health.get_availability_metrics("hang")
        assert (hung.status, hung.last_error, hung.checks) == ("down", "timeout", 1)
        assert hung.mean_check_latency_s == 0.2  # a timed-out check counts as its timeout
        rig.now += 1.0
        rig.health.run_pending(wait=True)  # "hang" is still in flight: skipped, not rerun
        assert calls == {"hang": 1, "ok": 2}
        hung = rig.health.get_availability_metrics("hang")
        assert (hung.checks, hung.failures, hung.consecutive_failures) == (2, 2, 2)
        assert rig.check_counts() == {("hang", "timeout"): 2, ("ok", "up"): 2}
        duration = rig.all_points()["measure.service.check.duration"]
        timeouts = [p for p in duration if p.attributes["outcome"] == "timeout"]
        assert [(p.count, p.sum) for p in timeouts] == [(1, 0.2)]  # the skip ran nothing
    finally:
        release.set()
    wait_until(lambda: rig.health._services["hang"].running is None)
    rig.now += 1.0
    rig.health.run_pending(wait=True)  # the late result was dropped; a new run starts
    assert calls["hang"] == 2
    assert rig.health.get_availability_metrics("hang").status == "up"


def test_background_scheduler_runs_checks_off_the_caller_thread() -> None:
    """Checks run promptly on worker threads while a hung one blocks nobody; close() joins."""
    rig = Rig()
    health = ServiceHealth(rig.meter, rig.rejections)
    release = threading.Event()
    threads: list[str] = []

    def ok() -> bool:
        threads.append(threading.current_thread().name)
        return True

    health.register_service("hang", release.wait, interval_s=0.05, timeout_s=0.1)
    health.register_service("ok", ok, interval_s=0.05, timeout_s=5)
    try:
        wait_until(lambda: len(threads) >= 5
                   and health.get_availability_metrics("hang").last_error == "timeout")
        scheduler = [t for t in threading.enumerate() if t.name == "otel-measure-health"]
        assert len(scheduler) == 1 and scheduler[0].daemon
        assert set(threads) == {"otel-measure-health-check"}
        assert health.get_availability_metrics("ok").status == "up"
        assert health.get_availability_metrics("hang").status == "down"
    finally:
        release.set()
        health.close()
        health.close()  # idempotent
    assert not scheduler[0].is_alive()


@pytest.fixture
def http_server() -> Iterator[str]:
    """A local HTTP server: /ok answers 200, /bad answers 503."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/ok" else 503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_checks_against_a_real_server(
    rig: ServicesRig, http_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2xx is up, 503 is down with "HTTP 503", an unreachable port is down with an error."""
    for key in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(key, raising=False)
    rig.health.register_service("ok", f"{http_server}/ok", timeout_s=2)
    rig.health.register_service("bad", f"{http_server}/bad", timeout_s=2)
    rig.health.register_service("gone", f"http://127.0.0.1:{free_port()}/health", timeout_s=2)
    rig.health.run_pending(wait=True)
    ok, bad, gone = (rig.health.get_availability_metrics(n) for n in ("ok", "bad", "gone"))
    assert (ok.status, ok.last_error) == ("up", None)
    assert (bad.status, bad.last_error) == ("down", "HTTP 503")
    assert gone.status == "down" and gone.last_error is not None
    assert "URLError" in gone.last_error
    assert rig.check_counts() == {("ok", "up"): 1, ("bad", "down"): 1, ("gone", "error"): 1}


def test_injected_http_get_gets_url_and_timeout() -> None:
    """URL checks call the injected getter with the URL and timeout; a raise is an error."""
    seen: list[tuple[str, float]] = []

    def fake_get(url: str, timeout_s: float) -> int:
        seen.append((url, timeout_s))
        if "down" in url:
            raise OSError("no route")
        return 204

    r = ServicesRig(http_get=fake_get)
    r.health.register_service("a", "https://a.example/health", timeout_s=0.5)
    r.health.register_service("b", "HTTP://down.example/", timeout_s=0.25)
    r.health.run_pending(wait=True)
    assert sorted(seen) == [("HTTP://down.example/", 0.25), ("https://a.example/health", 0.5)]
    assert r.health.get_availability_metrics("a").status == "up"
    assert r.health.get_availability_metrics("b").last_error == repr(OSError("no route"))
    assert r.check_counts() == {("a", "up"): 1, ("b", "error"): 1}


def test_timeout_error_raised_by_a_check_is_a_timeout(rig: ServicesRig) -> None:
    """A check that raises TimeoutError itself is counted as a "timeout"."""
    def slow() -> bool:
        raise TimeoutError("read timed out")

    rig.health.register_service("slow", slow)
    rig.health.run_pending(wait=True)
    assert rig.check_counts() == {("slow", "timeout"): 1}


def scripted_rig() -> tuple[ServicesRig, list[float]]:
    """Run a scripted up/down sequence every 10 s from t=0 to t=70; return rig and latencies."""
    r = ServicesRig()
    script = iter([(True, 0.010), (False, 0.200), (False, 0.300), (True, 0.020),
                   (True, 0.030), (False, 0.500), (True, 0.040), (False, 0.600)])

    def check() -> bool:
        ok, took = next(script)
        r.now += took
        return ok

    r.health.register_service("api", check, interval_s=10)
    for t in range(0, 80, 10):
        r.now = float(t)
        r.health.run_pending(wait=True)
    r.now = 70.0
    return r, [0.010, 0.200, 0.300, 0.020, 0.030, 0.500, 0.040, 0.600]


def test_availability_and_mttr_on_a_scripted_sequence() -> None:
    """Availability, failures, streak and MTTR match a hand computation."""
    r, latencies = scripted_rig()
    m = r.health.get_availability_metrics("api", window_s=3600)
    # up at 0, 30, 40, 60; down at 10, 20, 50, 70.
    assert (m.checks, m.failures, m.availability) == (8, 4, 4 / 8)
    # Outages: 10 -> 30 (20 s) and 50 -> 60 (10 s); the one from 70 has not ended.
    assert m.mttr_s == pytest.approx((20 + 10) / 2)
    assert (m.status, m.consecutive_failures, m.last_error) == ("down", 1, "check returned False")
    assert (m.last_check_time, m.last_failure_time) == (WALL0 + 70, WALL0 + 70)
    assert m.mean_check_latency_s == pytest.approx(float(np.mean(latencies)), rel=1e-9)
    assert m.p95_check_latency_s == pytest.approx(float(np.quantile(latencies, 0.95)), rel=1e-9)
    r.health.close()


def test_window_keeps_recent_checks_and_outages_that_ended_inside_it() -> None:
    """A 45 s window at t=70 covers checks from t=25; an outage ending in it counts in full."""
    r, latencies = scripted_rig()
    m = r.health.get_availability_metrics("api", window_s=45)
    # Checks at 30 (up), 40 (up), 50 (down), 60 (up), 70 (down).
    assert (m.checks, m.failures, m.availability) == (5, 2, 3 / 5)
    # Recovered inside the window: 10 -> 30 (began before it, 20 s) and 50 -> 60 (10 s).
    assert m.mttr_s == pytest.approx(15.0)
    assert m.p95_check_latency_s == pytest.approx(float(np.quantile(latencies[3:], 0.95)))
    narrow = r.health.get_availability_metrics("api", window_s=5)  # only t=70 (down)
    assert (narrow.checks, narrow.availability, narrow.mttr_s) == (1, 0.0, None)
    r.health.close()


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": 5}, "name"),
        ({"interval_s": 0}, "interval_s"),
        ({"interval_s": -1.0}, "interval_s"),
        ({"interval_s": math.nan}, "interval_s"),
        ({"interval_s": math.inf}, "interval_s"),
        ({"interval_s": True}, "interval_s"),
        ({"interval_s": "30"}, "interval_s"),
        ({"timeout_s": 0.0}, "timeout_s"),
        ({"timeout_s": None}, "timeout_s"),
        ({"check": 42}, "check"),
        ({"check": "ftp://example.com"}, "check"),
        ({"check": "http://"}, "check"),
        ({"check": "localhost:8080/health"}, "check"),
    ],
)
def test_register_service_rejects_bad_arguments(
    rig: ServicesRig, kwargs: dict[str, Any], argument: str
) -> None:
    """Each bad argument raises ValueError naming the argument and its value."""
    args: dict[str, Any] = {"name": "svc", "check": lambda: True, **kwargs}
    with pytest.raises(ValueError, match=f"^{argument}=") as info:
        rig.health.register_service(**args)
    assert repr(kwargs[argument]) in str(info.value)
    assert "expected" in str(info.value)
    assert rig.health.get_availability_metrics() == {}


def test_queries_reject_unknown_names_and_bad_windows(rig: ServicesRig) -> None:
    """Unknown names and non-positive or non-finite windows raise ValueError."""
    rig.health.register_service("db", lambda: True)
    with pytest.raises(ValueError, match=r"name='nope'.*'db'"):
        rig.health.get_availability_metrics("nope")
    for window in (0, -5, math.nan, math.inf):
        with pytest.raises(ValueError, match="window_s="):
            rig.health.get_availability_metrics("db", window_s=window)
    with pytest.raises(ValueError, match="name='nope'"):
        rig.health.unregister_service("nope")


def test_reregistering_replaces_the_check_and_keeps_history(rig: ServicesRig) -> None:
    """A second registration under a name swaps the check, runs it promptly, keeps history."""
    rig.health.register_service("db", lambda: False, interval_s=60)
    rig.health.run_pending(wait=True)
    rig.now += 1.0
    rig.health.register_service("db", lambda: True, interval_s=60)
    rig.health.run_pending(wait=True)
    m = rig.health.get_availability_metrics("db")
    assert (m.checks, m.failures, m.status, m.mttr_s) == (2, 1, "up", 1.0)


def test_unregister_stops_checks_and_export(rig: ServicesRig) -> None:
    """An unregistered service is no longer checked, queried or exported as up/down."""
    calls: list[int] = []
    rig.health.register_service("db", lambda: calls.append(1) or True)
    rig.health.register_service("cache", lambda: True)
    rig.health.run_pending(wait=True)
    rig.health.unregister_service("db")
    rig.now += 60
    rig.health.run_pending(wait=True)
    assert len(calls) == 1
    assert set(rig.health.get_availability_metrics()) == {"cache"}
    up = rig.all_points()["measure.service.up"]
    assert [p.attributes["measure.service.name"] for p in up] == ["cache"]


def test_checks_follow_their_interval(rig: ServicesRig) -> None:
    """A service is checked again only once its interval has passed."""
    calls: list[float] = []
    rig.health.register_service("db", lambda: calls.append(rig.now) or True, interval_s=30)
    for t in (100.0, 110.0, 129.9, 130.0, 150.0, 160.0):
        rig.now = t
        rig.health.run_pending(wait=True)
    assert calls == [100.0, 130.0, 160.0]


def test_dashboard_section_is_json_ready(rig: ServicesRig) -> None:
    """The dashboard section maps every service to its availability dict."""
    rig.health.register_service("db", lambda: True)
    rig.health.register_service("cache", lambda: False)
    rig.health.run_pending(wait=True)
    section = rig.health.dashboard_section()
    assert set(section) == {"db", "cache"}
    assert section["db"] == rig.health.get_availability_metrics("db").to_dict()
    assert section["cache"]["status"] == "down" and section["db"]["availability"] == 1.0
    assert json.loads(json.dumps(section)) == section
    assert isinstance(rig.health.get_availability_metrics("db"), AvailabilityMetrics)
