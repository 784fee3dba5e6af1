"""uvicorn ``--workers 2`` with a port range, scraped by a real Prometheus (static_configs)."""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from otel_measure.targets import live_targets
from tests.fleet.conftest import ROOT, Processes
from tests.support.net import free_port
from tests.support.port_range import free_port_range
from tests.support.prometheus_server import PrometheusServer, prometheus_binary

pytest.importorskip("uvicorn", reason="uvicorn is in the test extra")

WORKERS = 2
REQUESTS = 40


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode())


def test_uvicorn_workers_sum_to_the_requests_sent(processes: Processes) -> None:
    """Each spawned worker binds its own port; sum() over them equals the requests."""
    prometheus_binary()
    first, last = free_port_range(4)
    app_port = free_port()
    env = {**os.environ, "FLEET_PORTS": f"{first}-{last}", "PYTHONPATH": str(ROOT),
           "OTEL_MEASURE_ANALYTICS_KEY": "fleet-test-key"}
    processes.start("uvicorn", [sys.executable, "-m", "uvicorn", "--workers", str(WORKERS),
                                "--host", "127.0.0.1", "--port", str(app_port),
                                "--log-level", "warning", "tests.fleet.asgi_app:app"], env)
    deadline = time.monotonic() + 60
    live: list[str] = []
    while len(live) < WORKERS and time.monotonic() < deadline:
        live = live_targets("127.0.0.1", range(first, last + 1))
        time.sleep(0.3)
    assert live == [f"127.0.0.1:{p}" for p in range(first, first + WORKERS)], (
        processes.log("uvicorn"))
    prom = PrometheusServer(live)
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda _: _get(f"http://127.0.0.1:{app_port}/"), range(REQUESTS)))
        promql = 'sum(measure_analytics_events_total{event_name="hit"})'
        value, until = float("nan"), time.monotonic() + 60
        while time.monotonic() < until:
            result = prom.wait_for(promql)
            value = float(result[0]["value"][1])
            if value == REQUESTS:
                break
            time.sleep(0.5)
        assert value == REQUESTS
        infos = prom.query('target_info{service_name="fleet-asgi"}')
        assert len({r["metric"]["service_instance_id"] for r in infos}) == WORKERS
        assert len({r["metric"]["process_pid"] for r in infos}) == WORKERS
    finally:
        prom.stop()
