"""fork() after setup(): the child exits, reports under its own instance, counts once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.otlp_receiver import GrpcReceiver, HttpReceiver

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> dict[str, dict[str, Any]]:
    # The timeout only turns a hang (the failure under test) into a failed test.
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.fork_scenario", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [json.loads(line[4:]) for line in proc.stdout.splitlines() if line.startswith("ROW ")]
    return {row["role"]: row for row in rows}


def _durations_by_instance(received: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in received.metrics:
        for rm in request.resource_metrics:
            resource = {a.key: a.value.string_value for a in rm.resource.attributes}
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == "gen_ai.client.operation.duration":
                        total = sum(p.count for p in metric.histogram.data_points)
                        key = resource["service.instance.id"]
                        counts[key] = max(counts.get(key, 0), total)
    return counts


@pytest.mark.parametrize("exporter", ["prometheus", "console", "none"])
def test_child_of_a_local_exporter_exits_and_leaves_the_parent_serving(exporter: str) -> None:
    """The child exits 0, never serves the parent's port, counts only its own calls."""
    rows = _run(exporter)
    parent, child = rows["parent"], rows["child"]
    assert parent["child_status"] == 0
    assert child["instance"] != parent["instance"]
    assert (parent["calls"], child["calls"]) == (3, 2)
    assert child["serves"] is None
    if exporter == "prometheus":
        assert parent["scrape"] == 200


@pytest.mark.parametrize("protocol", ["otlp-http", "otlp-grpc"])
def test_child_exports_its_own_counts_under_a_new_instance(protocol: str) -> None:
    """Over OTLP the parent reports 3 calls and the child 2, each under its own id."""
    receiver = HttpReceiver() if protocol == "otlp-http" else GrpcReceiver()
    try:
        rows = _run(protocol, receiver.endpoint)
        parent, child = rows["parent"], rows["child"]
        assert parent["child_status"] == 0
        assert _durations_by_instance(receiver.received) == {parent["instance"]: 3,
                                                             child["instance"]: 2}
    finally:
        receiver.stop()


def test_a_globally_instrumented_client_records_into_the_childs_handle() -> None:
    """setup(instrument=openai) then fork: the child's calls land in the child's m.models."""
    proc = subprocess.run([sys.executable, "-m", "tests.reliability.fork_clients_scenario"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["role"]: r for r in (json.loads(line[4:]) for line in proc.stdout.splitlines()
                                   if line.startswith("ROW "))}
    assert rows["parent"]["child_status"] == 0
    assert (rows["parent"]["calls"], rows["child"]["calls"]) == (1, 2)
