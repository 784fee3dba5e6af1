"""``prometheus_port`` as a range: the first free port, a clear error, rebinding after fork."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

import otel_measure
from otel_measure import OtelMeasureConfigError
from otel_measure._converters import PortRange
from otel_measure.config import resolve_settings
from tests.support.port_range import free_port_range

ROOT = Path(__file__).resolve().parents[2]


def _hold(stack: ExitStack, port: int) -> None:
    sock = stack.enter_context(socket.socket())
    sock.bind(("127.0.0.1", port))
    sock.listen()


@pytest.fixture
def ports() -> Iterator[tuple[int, int]]:
    """Four consecutive free ports."""
    yield free_port_range(4)


def test_a_range_resolves_from_the_argument_and_the_environment() -> None:
    """'first-last' gives a PortRange; a single port stays an int."""
    assert resolve_settings({"prometheus_port": "9464-9471"}).prometheus_port == PortRange(
        9464, 9471)
    env = {"OTEL_EXPORTER_PROMETHEUS_PORT": " 9000 - 9003 "}
    assert list(resolve_settings({}, env=env).prometheus_port) == [9000, 9001, 9002, 9003]
    assert resolve_settings({"prometheus_port": "9464"}).prometheus_port == 9464
    assert resolve_settings({"prometheus_port": 9464}).prometheus_port == 9464


@pytest.mark.parametrize("value", ["9471-9464", "0-10", "9464-70000", "a-b", "9464-", "-9464"])
def test_a_bad_range_names_the_setting_value_and_what_is_allowed(value: str) -> None:
    """A reversed, zero-based, out-of-bounds or malformed range is a config error."""
    with pytest.raises(OtelMeasureConfigError) as info:
        otel_measure.setup(prometheus_port=value)
    message = str(info.value)
    assert "'prometheus_port'" in message and repr(value) in message
    assert "first-last" in message


def test_setup_binds_the_first_free_port_of_the_range(ports: tuple[int, int]) -> None:
    """With the first two ports taken, the third one serves /metrics."""
    first, last = ports
    with ExitStack() as stack:
        _hold(stack, first)
        _hold(stack, first + 1)
        m = otel_measure.setup(prometheus_port=f"{first}-{last}", infrastructure=False)
        assert m.endpoints["prometheus"] == f"http://127.0.0.1:{first + 2}/metrics"
        with urllib.request.urlopen(m.endpoints["prometheus"], timeout=10) as response:
            assert response.status == 200


def test_a_full_range_raises_naming_setting_range_and_ports_tried(
        ports: tuple[int, int]) -> None:
    """Every port taken: OtelMeasureConfigError, nothing left running (as for one port)."""
    first, last = ports
    before = set(threading.enumerate())
    with ExitStack() as stack:
        for port in range(first, last + 1):
            _hold(stack, port)
        with pytest.raises(OtelMeasureConfigError) as info:
            otel_measure.setup(prometheus_port=f"{first}-{last}")
    message = str(info.value)
    assert "'prometheus_port'" in message
    assert f"range {first}-{last} is taken" in message
    assert f"tried 4 ports, {first} to {last}" in message
    assert set(threading.enumerate()) <= before
    with pytest.raises(otel_measure.OtelMeasureError):
        otel_measure.get_measure()


def test_a_bad_host_fails_at_once_instead_of_walking_the_range(ports: tuple[int, int]) -> None:
    """An address this host does not have is not a busy port: the error says so."""
    first, last = ports
    with pytest.raises(OtelMeasureConfigError) as info:
        otel_measure.setup(prometheus_port=f"{first}-{last}", prometheus_host="192.0.2.1")
    assert f"192.0.2.1:{first} (range {first}-{last})" in str(info.value)


def test_the_resource_carries_the_process_identity() -> None:
    """process.pid, parent pid, runtime and host.name are on the resource (target_info)."""
    import os

    r = otel_measure.setup(exporters="none").resource
    assert r["process.pid"] == os.getpid()
    assert r["process.parent_pid"] == os.getppid()
    assert r["process.runtime.name"] == sys.implementation.name
    assert r["host.name"] == socket.gethostname()
    assert "process.command_args" not in r and "process.command_line" not in r


def test_explicit_resource_attributes_win_over_the_detected_identity() -> None:
    """A process.pid set by the application is kept."""
    m = otel_measure.setup(exporters="none", resource_attributes={"process.pid": 1})
    assert m.resource["process.pid"] == 1


def _fork(ports: str) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, Any]]]:
    # The timeout only turns a hang (a failure under test) into a failed test.
    proc = subprocess.run([sys.executable, "-m", "tests.http.port_range_fork", ports],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line[4:]) for line in proc.stdout.splitlines() if line.startswith("ROW ")]
    return proc, {row["role"]: row for row in rows}


def _target_info(text: str) -> dict[str, str]:
    line = next(x for x in text.splitlines() if x.startswith("target_info{"))
    return dict(re.findall(r'(\w+)="([^"]*)"', line))


def test_a_child_forked_after_setup_binds_the_next_port_of_the_range(
        ports: tuple[int, int]) -> None:
    """Parent keeps the first port, the child serves the second under its own identity."""
    first, last = ports
    _, rows = _fork(f"{first}-{last}")
    parent, child = rows["parent"], rows["child"]
    assert parent["url"] == f"http://127.0.0.1:{first}/metrics"
    assert child["url"] == f"http://127.0.0.1:{first + 1}/metrics"
    parent_info, child_info = _target_info(parent["parent_text"]), _target_info(
        parent["child_text"])
    assert parent_info["process_pid"] == str(parent["pid"])
    assert child_info["process_pid"] == str(child["pid"])
    assert child_info["process_parent_pid"] == str(parent["pid"])
    assert child_info["service_instance_id"] == child["instance"] != parent["instance"]
    assert parent_info["service_instance_id"] == parent["instance"]
    assert 'gen_ai_request_model="child-model"' in parent["child_text"]
    assert "child-model" not in parent["parent_text"]
    assert parent["child_status"] == 0
    assert _target_info(parent["parent_text_after"]) == parent_info


def test_a_child_forked_with_a_single_port_logs_once_and_does_not_serve(
        ports: tuple[int, int]) -> None:
    """One port is the parent's: the child warns once, serves nothing, exits 0."""
    first, _ = ports
    proc, rows = _fork(str(first))
    parent, child = rows["parent"], rows["child"]
    assert child["url"] is None and parent["child_text"] is None
    assert parent["url"] == f"http://127.0.0.1:{first}/metrics"
    assert child["instance"] != parent["instance"]
    assert proc.stderr.count("does not serve /metrics") == 1
    assert f"prometheus_port={first} is the parent's" in proc.stderr
    assert parent["child_status"] == 0
    assert "parent-model" in parent["parent_text_after"]


def test_a_child_finding_the_range_full_does_not_serve_and_still_runs() -> None:
    """A one-port range held by the parent: the child logs, keeps recording, exits 0."""
    first, _ = free_port_range(1)
    proc, rows = _fork(f"{first}-{first}")
    assert rows["child"]["url"] is None
    assert proc.stderr.count("does not serve /metrics") == 1
    assert f"every port of the range {first}-{first} is taken" in proc.stderr
    assert rows["parent"]["child_status"] == 0
