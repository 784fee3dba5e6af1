"""Frozen results of the infrastructure domain's ``collect_*`` and summary methods."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from otel_measure.calculators._result import Result

__all__ = [
    "AvailabilityMetrics",
    "CPUMetrics",
    "DiskMetrics",
    "FilesystemUsage",
    "InterfaceRates",
    "MemoryMetrics",
    "MetricsHistory",
    "MetricsSummary",
    "NetworkMetrics",
    "RequestLatencyMetrics",
    "ResourceSummary",
    "SystemHealthSnapshot",
]


@dataclass(frozen=True)
class CPUMetrics(Result):
    """Host CPU between the previous sample and this one.

    ``utilization`` is the busy share: everything but idle and iowait, across all CPUs.
    """

    timestamp: float
    interval_s: float
    utilization: float | None
    modes: Mapping[str, float]
    per_cpu_utilization: tuple[float, ...]
    logical_cpus: int | None
    frequency_hz: float | None
    load_average: tuple[float, float, float] | None
    process_utilization: float | None


@dataclass(frozen=True)
class MemoryMetrics(Result):
    """Physical memory, swap and this process's memory (bytes)."""

    timestamp: float
    total: int | None
    used: int | None
    free: int | None
    utilization: float | None
    swap_total: int | None
    swap_used: int | None
    swap_utilization: float | None
    process_rss: int | None
    process_vms: int | None


@dataclass(frozen=True)
class FilesystemUsage(Result):
    """Space on one filesystem."""

    mountpoint: str
    device: str
    fstype: str
    total: int
    used: int
    free: int
    utilization: float


@dataclass(frozen=True)
class DiskMetrics(Result):
    """Filesystems and disk I/O totals and per-second rates since the previous sample."""

    timestamp: float
    interval_s: float
    filesystems: tuple[FilesystemUsage, ...]
    max_utilization: float | None
    read_bytes: int
    write_bytes: int
    read_bytes_per_s: float | None
    write_bytes_per_s: float | None
    read_ops_per_s: float | None
    write_ops_per_s: float | None


@dataclass(frozen=True)
class InterfaceRates(Result):
    """One interface: totals and per-second rates since the previous sample."""

    name: str
    bytes_sent: int
    bytes_recv: int
    sent_bytes_per_s: float | None
    recv_bytes_per_s: float | None
    errors: int
    dropped: int


@dataclass(frozen=True)
class NetworkMetrics(Result):
    """Network totals and per-second rates since the previous sample."""

    timestamp: float
    interval_s: float
    bytes_sent: int
    bytes_recv: int
    sent_bytes_per_s: float | None
    recv_bytes_per_s: float | None
    packets_sent_per_s: float | None
    packets_recv_per_s: float | None
    errors: int
    dropped: int
    interfaces: tuple[InterfaceRates, ...]


@dataclass(frozen=True)
class SystemHealthSnapshot(Result):
    """Everything at one instant, with a health verdict and its reasons."""

    timestamp: float
    status: str
    reasons: tuple[str, ...]
    cpu: CPUMetrics
    memory: MemoryMetrics
    disk: DiskMetrics
    network: NetworkMetrics


@dataclass(frozen=True)
class ResourceSummary(Result):
    """min / mean / max / p95 of one resource over the window (``None`` without samples)."""

    samples: int
    min: float | None
    mean: float | None
    max: float | None
    p95: float | None


@dataclass(frozen=True)
class MetricsHistory(Result):
    """The sampler's snapshots in a window, oldest first: one column per resource."""

    window_s: float
    timestamps: tuple[float, ...]
    statuses: tuple[str, ...]
    series: Mapping[str, tuple[float | None, ...]]


@dataclass(frozen=True)
class MetricsSummary(Result):
    """Per-resource summaries of the sampler's history over a window."""

    window_s: float
    samples: int
    resources: Mapping[str, ResourceSummary]
    status_counts: Mapping[str, int]


@dataclass(frozen=True)
class AvailabilityMetrics(Result):
    """Health of one registered service over a window (durations in seconds).

    ``status`` is "unknown" before the first check. ``availability`` is successful checks
    over checks in the window (None without checks). ``mttr_s`` is the mean time from the
    first failed check of an outage to the next successful check, over outages that ended
    inside the window (None without one). ``last_error`` and ``last_failure_time`` belong
    to the latest failed check, even after a recovery. Latencies cover checks that ran; a
    timed-out check counts as ``timeout_s``.
    """

    name: str
    status: str
    window_s: float
    availability: float | None
    checks: int
    failures: int
    consecutive_failures: int
    last_check_time: float | None
    last_failure_time: float | None
    last_error: str | None
    mean_check_latency_s: float | None
    p95_check_latency_s: float | None
    mttr_s: float | None


@dataclass(frozen=True)
class RequestLatencyMetrics(Result):
    """Latency of the most recent requests (seconds; None while the buffer is empty).

    ``count`` is the number of buffered requests the statistics cover, ``total_requests``
    every request finished since start, ``error_rate`` the share of buffered requests
    that carry ``error.type`` (an exception, or a 5xx status).
    """

    count: int
    total_requests: int
    active_requests: int
    mean_s: float | None
    p50_s: float | None
    p95_s: float | None
    p99_s: float | None
    max_s: float | None
    error_rate: float | None
