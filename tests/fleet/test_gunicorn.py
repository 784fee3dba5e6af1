"""gunicorn with 3 workers and a port range, scraped by a real Prometheus through file_sd.

The app calls ``setup(prometheus_port="<range>")`` at import (tests/fleet/wsgi_app.py),
as docs/fleet.md shows. ``otel-measure targets`` writes the live ports as file_sd JSON,
Prometheus scrapes them, and ``sum()`` over the workers equals the requests sent.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.fleet.conftest import ROOT, Processes
from tests.support.net import free_port
from tests.support.port_range import free_port_range
from tests.support.prometheus_server import PrometheusServer, prometheus_binary

pytest.importorskip("gunicorn", reason="gunicorn is in the test extra")

WORKERS = 3
REQUESTS = 60


class FileSDPrometheus(PrometheusServer):
    """A throw-away Prometheus whose targets come from a ``file_sd_configs`` file."""

    def __init__(self, targets_file: Path) -> None:
        self._dir = tempfile.mkdtemp(prefix="otel-measure-prom-")
        config = os.path.join(self._dir, "prometheus.yml")
        with open(config, "w") as fh:
            fh.write(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: workers\n"
                "    file_sd_configs:\n"
                f"      - files: [{str(targets_file)!r}]\n        refresh_interval: 1s\n"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(os.path.join(self._dir, "prometheus.log"), "w")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [prometheus_binary(), f"--config.file={config}",
             f"--storage.tsdb.path={os.path.join(self._dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self._log, stderr=subprocess.STDOUT)


def _targets(ports: str, output: Path | None = None) -> list[dict[str, object]]:
    argv = [sys.executable, "-m", "otel_measure.cli", "targets", "--ports", ports,
            "--label", "service=fleet-app"]
    if output is not None:
        argv += ["--output", str(output)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = output.read_text() if output is not None else proc.stdout
    document: list[dict[str, object]] = json.loads(text)
    return document


def _wait_for_targets(ports: str, count: int, processes: Processes) -> list[str]:
    deadline = time.monotonic() + 60
    found: list[str] = []
    while time.monotonic() < deadline:
        document = _targets(ports)
        found = list(document[0]["targets"]) if document else []  # type: ignore[call-overload]
        if len(found) >= count:
            return found
        time.sleep(0.3)
    pytest.fail(f"{count} live targets expected, found {found}\n{processes.log('gunicorn')}")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as response:
        return str(response.read().decode())


def _value(prom: PrometheusServer, promql: str, expected: float) -> float:
    """Poll until ``promql`` equals ``expected`` (or give up); return the last value."""
    deadline = time.monotonic() + 60
    value = float("nan")
    while time.monotonic() < deadline:
        try:
            result = prom.query(promql)
        except OSError:  # Prometheus still starting (503)
            result = []
        value = float(result[0]["value"][1]) if result else float("nan")
        if value == expected:
            break
        time.sleep(0.5)
    return value


@pytest.mark.parametrize("preload", [False, True], ids=["per-worker-import", "preload"])
def test_gunicorn_workers_sum_to_the_requests_sent(preload: bool, processes: Processes,
                                                   tmp_path: Path) -> None:
    """sum() over the workers equals the requests; each process is its own target_info."""
    prometheus_binary()
    first, last = free_port_range(8)
    ports = f"{first}-{last}"
    app_port = free_port()
    env = {**os.environ, "FLEET_PORTS": ports, "PYTHONPATH": str(ROOT),
           "OTEL_MEASURE_ANALYTICS_KEY": "fleet-test-key"}
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
            "--bind", f"127.0.0.1:{app_port}", "tests.fleet.wsgi_app:app"]
    gunicorn = processes.start("gunicorn", argv + (["--preload"] if preload else []), env)
    # With --preload the master imported the app, so it serves the first port too.
    serving = WORKERS + (1 if preload else 0)
    live = _wait_for_targets(ports, serving, processes)
    assert live == [f"127.0.0.1:{p}" for p in range(first, first + serving)]

    targets_file = tmp_path / "targets.json"
    assert _targets(ports, targets_file) == [
        {"targets": live, "labels": {"service": "fleet-app"}}]
    prom = FileSDPrometheus(targets_file)
    try:
        with ThreadPoolExecutor(6) as pool:
            pids = list(pool.map(lambda _: _get(f"http://127.0.0.1:{app_port}/"),
                                 range(REQUESTS)))
        assert len(pids) == REQUESTS
        total = _value(prom, 'sum(measure_analytics_events_total{event_name="hit"})', REQUESTS)
        assert total == REQUESTS
        assert _value(prom, 'count(up{job="workers"} == 1)', serving) == serving
        infos = prom.query('target_info{service_name="fleet-app"}')
        assert len(infos) == serving
        labels = [r["metric"] for r in infos]
        assert len({m["service_instance_id"] for m in labels}) == serving
        assert len({m["process_pid"] for m in labels}) == serving
        assert {m["service"] for m in labels} == {"fleet-app"}  # the file_sd label
        workers = [m for m in labels if m["process_pid"] != str(gunicorn.pid)]
        assert len(workers) == WORKERS
        assert {m["process_parent_pid"] for m in workers} == {str(gunicorn.pid)}
        assert {str(p) for p in pids} <= {m["process_pid"] for m in workers}
        per_instance = prom.query(
            'sum by (service_instance_id) (measure_analytics_events_total{event_name="hit"})')
        assert sum(float(r["value"][1]) for r in per_instance) == REQUESTS
        _a_killed_worker_is_replaced_on_its_port(first + serving - 1, gunicorn.pid)
    finally:
        prom.stop()


def _identity(port: int) -> dict[str, str] | None:
    """The target_info labels served on ``port``, or None when nothing answers."""
    try:
        text = _get(f"http://127.0.0.1:{port}/metrics")
    except OSError:
        return None
    line = next((x for x in text.splitlines() if x.startswith("target_info{")), None)
    return dict(re.findall(r'(\w+)="([^"]*)"', line)) if line else None


def _a_killed_worker_is_replaced_on_its_port(port: int, master: int) -> None:
    """SIGKILL the worker on ``port``: gunicorn's replacement binds the freed port."""
    old = _identity(port)
    assert old is not None and old["process_parent_pid"] == str(master)
    os.kill(int(old["process_pid"]), signal.SIGKILL)
    deadline = time.monotonic() + 60
    new = old
    while time.monotonic() < deadline:
        new = _identity(port)
        if new is not None and new["process_pid"] != old["process_pid"]:
            break
        time.sleep(0.2)
    assert new is not None and new["process_pid"] != old["process_pid"]
    assert new["process_parent_pid"] == str(master)
    assert new["service_instance_id"] != old["service_instance_id"]
