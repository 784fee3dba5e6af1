"""``otel-measure demo``: serve real metrics while driving a synthetic workload.

Each domain contributes a :class:`DemoDriver`; ``run_demo`` steps every driver a few
times a second, shows progress on a terminal and prints a one-screen summary at the end.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import signal
import sys
import time
from collections.abc import Callable, Sequence
from types import FrameType
from typing import Protocol, TextIO

import otel_measure
from otel_measure._measure import Measure

__all__ = ["DemoDriver", "InfrastructureDriver", "run_demo"]


class DemoDriver(Protocol):
    """One domain's part of the demo."""

    name: str

    def step(self, measure: Measure, elapsed_s: float) -> None:
        """Drive one slice of workload."""

    def status(self, measure: Measure) -> str:
        """One short progress fragment."""

    def summary(self, measure: Measure) -> list[str]:
        """Lines for the final summary."""


class InfrastructureDriver:
    """CPU bursts, a breathing memory buffer, HTTP requests and a flaky dependency."""

    name = "infrastructure"

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ballast: list[bytes] = []
        self._registered = False

    def _dependency_up(self) -> bool:
        # A downstream service that fails one check in five.
        return self._rng.random() > 0.2

    def step(self, measure: Measure, elapsed_s: float) -> None:
        infra = measure.infrastructure
        if not self._registered:
            infra.register_service("payments-api", self._dependency_up, interval_s=1.0,
                                   timeout_s=0.5)
            self._registered = True
        # A CPU burst whose size follows a slow wave, like a daily traffic curve.
        burst_s = 0.02 + 0.06 * (1 + math.sin(elapsed_s / 5.0)) / 2
        for _ in range(self._rng.randint(1, 4)):
            route = self._rng.choice(("/checkout", "/items", "/items/{id}"))
            with infra.track_request("GET" if route != "/checkout" else "POST", route) as call:
                end = time.perf_counter() + burst_s * self._rng.uniform(0.1, 0.6)
                total = 0
                while time.perf_counter() < end:
                    total += sum(range(500))
                call.set_status(500 if self._rng.random() < 0.03 else 200)
        # Memory that grows to ~32 MiB and is released again.
        if len(self._ballast) < 32 and self._rng.random() < 0.6:
            self._ballast.append(bytes(1 << 20))
        elif self._ballast:
            self._ballast.pop()

    def status(self, measure: Measure) -> str:
        cpu = measure.infrastructure.collect_cpu_metrics()
        rss = measure.infrastructure.collect_memory_metrics().process_rss or 0
        cpu_text = "n/a" if cpu.utilization is None else f"{cpu.utilization * 100:4.1f}%"
        return f"host cpu {cpu_text}  rss {rss / 2**20:5.1f} MiB"

    def summary(self, measure: Measure) -> list[str]:
        infra = measure.infrastructure
        snap = infra.collect_system_snapshot()
        mem, cpu = snap.memory, snap.cpu
        latency = infra.get_request_latency_metrics()
        lines = [
            f"  host: {snap.status}, {cpu.logical_cpus} CPUs, cpu "
            f"{'n/a' if cpu.utilization is None else f'{cpu.utilization:.1%}'}, memory "
            f"{'n/a' if mem.utilization is None else f'{mem.utilization:.1%}'} used"
            + (f" ({'; '.join(snap.reasons)})" if snap.reasons else ""),
            f"  process: rss {(mem.process_rss or 0) / 2**20:.1f} MiB",
            f"  requests: {latency.count} timed, p50 {(latency.p50_s or 0) * 1000:.1f} ms, "
            f"p95 {(latency.p95_s or 0) * 1000:.1f} ms, error rate "
            f"{latency.error_rate or 0:.1%}" if latency.count else "  requests: none",
        ]
        for name, avail in infra.get_availability_metrics().items():
            ratio = "n/a" if avail.availability is None else f"{avail.availability:.1%}"
            lines.append(f"  service {name}: {avail.status}, availability {ratio} over "
                         f"{avail.checks} checks")
        return lines


def _drivers(measure: Measure, rng: random.Random) -> list[DemoDriver]:
    drivers: list[DemoDriver] = []
    if measure.settings.infrastructure is not None:
        drivers.append(InfrastructureDriver(rng))
    if measure.settings.models is not None:
        from otel_measure.demo.models import ModelsDriver

        drivers.append(ModelsDriver(rng))
    if measure.settings.analytics is not None:
        from otel_measure.demo.analytics import AnalyticsDriver

        drivers.append(AnalyticsDriver(rng))
    return drivers


def run_demo(
    *,
    duration_s: float = 60.0,
    port: int | None = None,
    host: str | None = None,
    out: TextIO | None = None,
    drivers: Callable[[Measure, random.Random], Sequence[DemoDriver]] = _drivers,
) -> int:
    """Run the demo; returns the exit status.

    Args:
        duration_s: Seconds to run; 0 or less runs until Ctrl-C.
        port: Port of ``/metrics`` (``None``: setting or 9464; 0 picks a free one).
        host: Address to bind (``None``: setting or 127.0.0.1).
        out: Where to print (standard output by default).
        drivers: Builds the per-domain workload drivers.
    """
    stream = out or sys.stdout
    # The demo is a service of its own, unless the environment names one.
    named = os.environ.get("OTEL_SERVICE_NAME") or "service.name=" in os.environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    measure = otel_measure.setup(
        service_name=None if named else "otel-measure-demo",
        exporters=["prometheus"],
        prometheus_port=port,
        prometheus_host=host,
        # A sample a second, so the dashboard's host chart fills while one watches.
        infrastructure=None if os.environ.get("OTEL_MEASURE_INFRASTRUCTURE") else
        otel_measure.InfrastructureOptions(sample_interval_s=1.0),
    )
    stop = _install_stop_handler()
    rng = random.Random(7)
    active = list(drivers(measure, rng))
    tty = stream.isatty()
    print(f"otel-measure demo: serving {measure.prometheus_url}", file=stream)
    base = (measure.prometheus_url or "").removesuffix("/metrics")
    from otel_measure.demo.analytics import FUNNEL

    print(f"dashboard:         {base}/dashboard?funnel={','.join(FUNNEL)}", file=stream)
    print(f"dashboard JSON:    {base}/api/v1/metrics/dashboard", file=stream)
    until = "Ctrl-C" if duration_s <= 0 else f"{duration_s:g} s or Ctrl-C"
    print(f"running until {until}; domains: {', '.join(d.name for d in active)}",
          file=stream, flush=True)
    start = time.monotonic()
    try:
        while not stop() and (duration_s <= 0 or time.monotonic() - start < duration_s):
            elapsed = time.monotonic() - start
            for driver in active:
                driver.step(measure, elapsed)
            if tty:
                parts = "  ".join(d.status(measure) for d in active)
                stream.write(f"\r[{elapsed:6.1f}s] {parts}   ")
                stream.flush()
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        if tty:
            stream.write("\n")
        _print_summary(measure, active, time.monotonic() - start, stream)
        measure.shutdown()
    return 0


def _print_summary(
    measure: Measure, drivers: Sequence[DemoDriver], elapsed_s: float, stream: TextIO
) -> None:
    snapshot = measure.dashboard()
    print(f"\nsummary after {elapsed_s:.1f} s — service {snapshot['service']['name']} "
          f"(instance {snapshot['service']['instance_id']})", file=stream)
    for driver in drivers:
        print(f" {driver.name}:", file=stream)
        for line in driver.summary(measure):
            print(line, file=stream)
    rejected = sum(snapshot["rejected"].values())
    print(f" rejected inputs: {rejected}", file=stream)
    print(f" metrics were served at {measure.prometheus_url}", file=stream, flush=True)


def _install_stop_handler() -> Callable[[], bool]:
    stopped = [False]

    def handler(_signum: int, _frame: FrameType | None) -> None:
        stopped[0] = True

    # Outside the main thread signal() raises; Ctrl-C and the duration still stop the demo.
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGTERM, handler)
    return lambda: stopped[0]
