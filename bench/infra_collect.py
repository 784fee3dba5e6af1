"""Cost of one full collection: otel-measure's infrastructure vs the contrib instrumentation.

Run: .venv/bin/pip install -e '.[bench]' && .venv/bin/python bench/infra_collect.py

Both sides get their own MeterProvider with an InMemoryMetricReader; one "collection" is
``reader.get_metrics_data()``, which runs every observable callback. Runs are interleaved
(ours, theirs, ours, ...) so machine noise hits both; medians are reported, and the ratio
is ours / theirs. psutil calls per collection are counted by wrapping psutil's functions.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import psutil
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from otel_measure.instruments import InfrastructureMetrics, Rejections
from otel_measure.options import InfrastructureOptions

PROBES = (
    "cpu_times",
    "cpu_percent",
    "cpu_count",
    "cpu_freq",
    "virtual_memory",
    "swap_memory",
    "disk_io_counters",
    "disk_partitions",
    "disk_usage",
    "net_io_counters",
    "net_connections",
    "boot_time",
)


def families(names: set[str]) -> set[str]:
    """Group metric names into families so renamed conventions compare fairly."""
    out = set()
    for name in names:
        for key, family in (
            ("cpu.time", "cpu time"),
            ("cpu.utilization", "cpu utilization"),
            ("memory.usage", "memory usage"),
            ("memory.utilization", "memory utilization"),
            ("swap", "paging"),
            ("paging", "paging"),
            ("disk.io", "disk io"),
            ("disk.operations", "disk operations"),
            ("disk.time", "disk time"),
            ("disk.operation_time", "disk time"),
            ("network.dropped", "network dropped"),
            ("packet.dropped", "network dropped"),
            ("network.packets", "network packets"),
            ("packet.count", "network packets"),
            ("network.errors", "network errors"),
            ("network.io", "network io"),
            ("network.connection", "network connections"),
            ("context_switches", "context switches"),
            ("memory.virtual", "memory virtual"),
            ("file_descriptor", "file descriptors"),
            ("thread", "threads"),
            ("gc", "gc"),
            ("runtime.memory", "memory usage"),
        ):
            if name == "system.thread_count":
                # contrib reports threading.active_count(): this process's Python threads
                name = "process.thread_count"
            if key in name:
                family = f"{'process' if name.startswith('process') else 'system'} {family}"
                if name.startswith("cpython") or "gc" in name:
                    family = "gc"
                out.add(family)
    return out


def exported(reader: InMemoryMetricReader) -> set[str]:
    data = reader.get_metrics_data()
    assert data is not None
    return {m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics}


def ours(connections: bool, states: bool = False) -> InMemoryMetricReader:
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("bench")
    options = InfrastructureOptions(gpu=False, connections=connections, connection_states=states)
    InfrastructureMetrics(meter, Rejections(meter), options, start_sampler=False)
    return reader


def theirs(connections: bool) -> InMemoryMetricReader:
    from opentelemetry.instrumentation.system_metrics import (
        _DEFAULT_CONFIG,
        SystemMetricsInstrumentor,
    )

    config = dict(_DEFAULT_CONFIG)
    if not connections:
        config.pop("system.network.connections", None)
    reader = InMemoryMetricReader()
    SystemMetricsInstrumentor(config=config).instrument(
        meter_provider=MeterProvider(metric_readers=[reader])
    )
    return reader


def count_psutil_calls(collect: Callable[[], Any]) -> Counter[str]:
    counts: Counter[str] = Counter()
    originals = {name: getattr(psutil, name) for name in PROBES}

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    for name, fn in originals.items():
        setattr(psutil, name, wrap(name, fn))
    try:
        collect()
    finally:
        for name, fn in originals.items():
            setattr(psutil, name, fn)
    return counts


def compare(label: str, a: InMemoryMetricReader, b: InMemoryMetricReader, runs: int) -> None:
    for reader in (a, b):  # warm up: first collections set baselines
        reader.get_metrics_data()
    names_a, names_b = exported(a), exported(b)
    fam_a, fam_b = families(names_a), families(names_b)
    calls_a = count_psutil_calls(a.get_metrics_data)
    calls_b = count_psutil_calls(b.get_metrics_data)
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(runs):
        for reader, times in ((a, times_a), (b, times_b)):
            start = time.perf_counter()
            reader.get_metrics_data()
            times.append(time.perf_counter() - start)
    from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

    SystemMetricsInstrumentor().uninstrument()  # a singleton: release it for the next case
    med_a, med_b = statistics.median(times_a), statistics.median(times_b)
    print(f"\n### {label} ({runs} interleaved collections each)\n")
    print("| implementation | median ms / collection | metrics | families | psutil calls |")
    print("|---|---|---|---|---|")
    print(
        f"| otel-measure | {med_a * 1e3:.3f} | {len(names_a)} | {len(fam_a)} | "
        f"{sum(calls_a.values())} |"
    )
    print(
        f"| contrib system-metrics | {med_b * 1e3:.3f} | {len(names_b)} | {len(fam_b)} | "
        f"{sum(calls_b.values())} |"
    )
    print(
        f"\nratio ours / theirs: **{med_a / med_b:.3f}**; families they report that we "
        f"do not: {sorted(fam_b - fam_a) or 'none'}; psutil calls ours {dict(calls_a)}, "
        f"theirs {dict(calls_b)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    # Like-for-like first: the same families, connections counted the same way or not at all.
    compare("headline, like-for-like: both without connection counts", ours(False),
            theirs(False), args.runs)
    compare("like-for-like: both with per-state connection counts", ours(True, states=True),
            theirs(True), args.runs)
    compare("variant, not like-for-like: defaults of both (connection counts: ours per "
            "transport from sockstat, theirs per state from psutil.net_connections)",
            ours(True), theirs(True), args.runs)


if __name__ == "__main__":
    main()
