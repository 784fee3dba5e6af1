"""system.cpu.utilization is present on the first collection even when no CPU tick passed."""

from __future__ import annotations

import pytest

from tests.support.infrastructure import InfrastructureRig
from tests.support.rig import by_attr


def test_no_tick_since_the_baseline_reports_the_since_boot_shares() -> None:
    """Unchanged CPU times since construction: the shares since boot, summing to 1."""
    rig = InfrastructureRig()
    rig.tick(0.001)  # less than one CPU tick: psutil's times have not moved
    points = rig.all_points()
    cpu = by_attr(points["system.cpu.utilization"], "cpu.mode")
    times = by_attr(points["system.cpu.time"], "cpu.mode")  # cumulative seconds since boot
    total = sum(times.values())
    assert cpu == pytest.approx({m: t / total for m, t in times.items()}, rel=1e-12)
    assert sum(cpu.values()) == pytest.approx(1.0) and cpu["user"] > 0
    summary = rig.infra.collect_cpu_metrics()
    assert summary.utilization is not None


def test_a_later_tick_reports_the_interval_shares_again() -> None:
    """Once time has passed, utilization is the share of the interval, not since boot."""
    rig = InfrastructureRig()
    rig.all_points()  # the first collection
    rig.fake.cpu = {**rig.fake.cpu, "user": rig.fake.cpu["user"] + 3.0,
                    "idle": rig.fake.cpu["idle"] + 1.0}
    rig.tick(1.0)
    cpu = by_attr(rig.all_points()["system.cpu.utilization"], "cpu.mode")
    assert cpu["user"] == pytest.approx(0.75) and cpu["idle"] == pytest.approx(0.25)
    assert cpu["system"] == 0.0
