"""Infrastructure metrics from one snapshot per collection, through an injected psutil."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from otel_measure.config import InfrastructureOptions
from otel_measure.instruments import InfrastructureMetrics, Rejections
from tests.test_setup import metric_points

GIB = 2**30


class FakePsutil:
    """Fixed, steppable readings with a count of every call."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.cpu = {"user": 100.0, "nice": 0.0, "system": 50.0, "idle": 800.0, "iowait": 10.0,
                    "irq": 1.0, "softirq": 1.0, "steal": 0.0, "guest": 5.0}
        self.proc_cpu = {"user": 2.0, "system": 1.0}
        self.fail_memory = False

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def cpu_times(self) -> SimpleNamespace:
        self._count("cpu_times")
        return SimpleNamespace(**self.cpu)

    def virtual_memory(self) -> SimpleNamespace:
        self._count("virtual_memory")
        if self.fail_memory:
            raise PermissionError("denied")
        return SimpleNamespace(total=16 * GIB, available=12 * GIB, free=10 * GIB,
                               buffers=1 * GIB, cached=1 * GIB)

    def cpu_count(self, logical: bool = True) -> int:
        self._count("cpu_count")
        return 8

    def Process(self, pid: int) -> Any:
        fake = self

        class Proc:
            @contextlib.contextmanager
            def oneshot(self) -> Iterator[None]:
                yield

            def cpu_times(self) -> SimpleNamespace:
                fake._count("process.cpu_times")
                return SimpleNamespace(**fake.proc_cpu)

            def memory_info(self) -> SimpleNamespace:
                fake._count("process.memory_info")
                return SimpleNamespace(rss=300 * 2**20, vms=2 * GIB)

            def num_threads(self) -> int:
                return 7

            def cpu_affinity(self) -> list[int]:
                return [0, 1]

        return Proc()


@pytest.fixture
def rig() -> tuple[InfrastructureMetrics, FakePsutil, InMemoryMetricReader, list[float]]:
    """Infrastructure metrics on an in-memory reader, a fake psutil and a manual clock."""
    fake = FakePsutil()
    now = [1000.0]
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("t")
    infra = InfrastructureMetrics(meter, Rejections(meter), InfrastructureOptions(),
                                  psutil_module=fake, clock=lambda: now[0])
    return infra, fake, reader, now


def _by(points: list[Any], key: str) -> dict[str, float]:
    return {p.attributes[key]: p.value for p in points}


def test_first_collection_reports_true_utilization(rig: Any) -> None:
    """The first collection already reports deltas against the construction baseline."""
    _, fake, reader, now = rig
    fake.cpu = {**fake.cpu, "user": 130.0, "system": 60.0, "idle": 860.0, "guest": 9.0}
    fake.proc_cpu = {"user": 3.0, "system": 1.5}
    now[0] += 10.0
    points = metric_points(reader.get_metrics_data())
    cpu = _by(points["system.cpu.utilization"], "cpu.mode")
    assert cpu["user"] == pytest.approx(30 / 100)  # guest time is inside user: not double counted
    assert cpu["system"] == pytest.approx(10 / 100)
    assert cpu["idle"] == pytest.approx(60 / 100)
    assert cpu["interrupt"] == 0.0
    proc = _by(points["process.cpu.utilization"], "cpu.mode")
    assert proc["user"] == pytest.approx(1.0 / (10.0 * 2))  # 2 CPUs in the affinity mask
    assert proc["system"] == pytest.approx(0.5 / (10.0 * 2))
    assert _by(points["process.cpu.time"], "cpu.mode") == {"user": 3.0, "system": 1.5}


def test_memory_states_follow_linux_definition(rig: Any) -> None:
    """used = total - available; utilization is each state over total."""
    _, _, reader, _ = rig
    points = metric_points(reader.get_metrics_data())
    usage = _by(points["system.memory.usage"], "system.memory.state")
    assert usage == {"used": 4 * GIB, "free": 10 * GIB, "buffers": GIB, "cached": GIB}
    util = _by(points["system.memory.utilization"], "system.memory.state")
    assert util["used"] == pytest.approx(0.25)
    assert points["system.memory.limit"][0].value == 16 * GIB
    assert points["process.memory.usage"][0].value == 300 * 2**20
    assert points["process.memory.virtual"][0].value == 2 * GIB
    assert points["process.thread.count"][0].value == 7
    assert points["system.cpu.logical.count"][0].value == 8


def test_psutil_called_once_per_collection(rig: Any) -> None:
    """Every callback shares one snapshot: each psutil probe runs once per collection."""
    _, fake, reader, _ = rig
    fake.calls.clear()
    reader.get_metrics_data()
    assert fake.calls == {"cpu_times": 1, "virtual_memory": 1, "cpu_count": 1,
                          "process.cpu_times": 1, "process.memory_info": 1}
    reader.get_metrics_data()
    assert fake.calls["cpu_times"] == 2 and fake.calls["process.memory_info"] == 2


def test_failing_probe_is_skipped_logged_once_and_counted(
    rig: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """A probe that raises drops only its metrics; the rest still report."""
    infra, fake, reader, _ = rig
    fake.fail_memory = True
    with caplog.at_level("WARNING", logger="otel_measure"):
        reader.get_metrics_data()
        points = metric_points(reader.get_metrics_data())
    assert "system.memory.usage" not in points or not points["system.memory.usage"]
    assert points["process.memory.usage"][0].value == 300 * 2**20
    assert caplog.text.count("virtual_memory") == 1
    assert infra.probe_failures["virtual_memory"] == 2
    assert infra.dashboard_section()["probe_failures"]["virtual_memory"] >= 2


def test_groups_can_be_switched_off() -> None:
    """InfrastructureOptions(process=False) exports no process.* metric."""
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("t")
    InfrastructureMetrics(meter, Rejections(meter), InfrastructureOptions(process=False),
                          psutil_module=FakePsutil())
    points = metric_points(reader.get_metrics_data())
    assert "system.memory.usage" in points
    assert not any(name.startswith("process.") for name in points)


def test_live_machine_readings_are_sensible() -> None:
    """On the real machine the readings are within physical bounds."""
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("t")
    InfrastructureMetrics(meter, Rejections(meter), InfrastructureOptions())
    sum(i * i for i in range(200_000))
    points = metric_points(reader.get_metrics_data())
    shares = _by(points["system.cpu.utilization"], "cpu.mode")
    assert sum(shares.values()) == pytest.approx(1.0) or not shares
    assert all(0.0 <= v <= 1.0 for v in shares.values())
    assert 0 < points["process.memory.usage"][0].value < points["system.memory.limit"][0].value
