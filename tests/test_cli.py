"""The otel-measure command: demo serves real metrics, snapshot prints the dashboard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from otel_measure.cli import main
from otel_measure.config import render_configuration_table
from otel_measure.names import render_catalog
from tests.support.net import free_port

ROOT = Path(__file__).resolve().parents[1]


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}


def test_demo_serves_target_info_and_prints_summary() -> None:
    """`otel-measure demo` serves /metrics with target_info naming the service, then stops."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "otel_measure.cli", "demo", "--duration", "6", "--port", str(port)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    body = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "system_cpu_utilization" not in body:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
                body = resp.read().decode()
        except OSError:
            time.sleep(0.2)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert 'service_name="otel-measure-demo"' in body
    assert "process_cpu_time_seconds_total" in body
    assert f"http://127.0.0.1:{port}/metrics" in out
    assert "summary after" in out and "infrastructure:" in out


def test_demo_reports_busy_port_clearly() -> None:
    """A busy port ends the demo with exit status 2 and a message naming the port."""
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "otel_measure.cli", "demo", "--duration", "1", "--port",
             str(port)], env=_env(), capture_output=True, text=True, timeout=60,
        )
    assert proc.returncode == 2
    assert f"{port}" in proc.stderr and "prometheus_port" in proc.stderr


def test_snapshot_prints_dashboard_json() -> None:
    """`otel-measure snapshot` prints the unified dashboard as JSON."""
    proc = subprocess.run([sys.executable, "-m", "otel_measure.cli", "snapshot"], env=_env(),
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    snap = json.loads(proc.stdout)
    assert {"service", "resource", "exporters", "rejected", "infrastructure"} <= set(snap)
    assert 0 < snap["infrastructure"]["snapshot"]["memory"]["utilization"] < 1


def test_catalog_and_settings_commands_match_docs(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/metrics.md and the settings table are exactly what the commands print."""
    metrics_doc = (ROOT / "docs" / "metrics.md").read_text()
    assert main(["catalog"]) == 0
    assert capsys.readouterr().out == metrics_doc == render_catalog()
    assert main(["settings"]) == 0
    table = capsys.readouterr().out
    assert table == render_configuration_table()
    assert table and table in (ROOT / "docs" / "configuration.md").read_text()
