"""Turn pairs of host snapshots into the infrastructure domain's result dataclasses."""

from __future__ import annotations

import os
from collections.abc import Mapping

from otel_measure.instruments.infrastructure.host_snapshot import HostSnapshot
from otel_measure.instruments.infrastructure.results import (
    CPUMetrics,
    DiskMetrics,
    FilesystemUsage,
    InterfaceRates,
    MemoryMetrics,
    NetworkMetrics,
    SystemHealthSnapshot,
)
from otel_measure.options import InfrastructureOptions

__all__ = [
    "cpu_metrics",
    "cpu_shares",
    "disk_metrics",
    "health",
    "memory_metrics",
    "network_metrics",
    "process_cpu_shares",
    "utilization_shares",
]

_NOT_BUSY = ("idle", "iowait")


def cpu_shares(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """Share of CPU time per mode between two cumulative readings (empty if no time passed)."""
    deltas = {m: max(0.0, t - before.get(m, t)) for m, t in after.items()}
    total = sum(deltas.values())
    return {m: d / total for m, d in deltas.items()} if total > 0 else {}


def utilization_shares(before: Mapping[str, float], after: Mapping[str, float]
                       ) -> dict[str, float]:
    """CPU shares per mode between two readings; the since-boot shares when no tick passed.

    A collection right after the baseline (the first one after setup) can see no CPU tick
    (Linux counts in 10 ms ticks); it then reports the shares since boot rather than no
    point at all, so ``system.cpu.utilization`` is present on every collection.
    """
    return cpu_shares(before, after) or cpu_shares(dict.fromkeys(after, 0.0), after)


def process_cpu_shares(prev: HostSnapshot, cur: HostSnapshot) -> dict[str, float]:
    """Process CPU time per mode over elapsed time and the CPUs available to the process."""
    elapsed = cur.monotonic_s - prev.monotonic_s
    cpus = cur.process_cpus or cur.logical_cpus or 1
    if elapsed <= 0:
        return {}
    return {
        m: max(0.0, t - prev.process_cpu.get(m, t)) / (elapsed * cpus)
        for m, t in cur.process_cpu.items()
    }


def _busy(shares: dict[str, float]) -> float | None:
    return 1.0 - sum(shares.get(m, 0.0) for m in _NOT_BUSY) if shares else None


def _rate(delta: float, interval: float) -> float | None:
    return max(0.0, delta) / interval if interval > 0 else None


def cpu_metrics(prev: HostSnapshot, cur: HostSnapshot) -> CPUMetrics:
    """CPU figures between two snapshots."""
    shares = utilization_shares(prev.cpu_times, cur.cpu_times)
    per_cpu = tuple(
        _busy(cpu_shares(a, b)) or 0.0
        for a, b in zip(prev.per_cpu_times, cur.per_cpu_times, strict=False)
    )
    try:
        load = os.getloadavg()
    except (AttributeError, OSError):
        load = None
    freq = sum(cur.cpu_freq_hz) / len(cur.cpu_freq_hz) if cur.cpu_freq_hz else None
    proc = process_cpu_shares(prev, cur)
    return CPUMetrics(
        timestamp=cur.wall_s,
        interval_s=cur.monotonic_s - prev.monotonic_s,
        utilization=_busy(shares),
        modes=shares,
        per_cpu_utilization=per_cpu,
        logical_cpus=cur.logical_cpus,
        frequency_hz=freq,
        load_average=load,
        process_utilization=sum(proc.values()) if proc else None,
    )


def memory_metrics(cur: HostSnapshot) -> MemoryMetrics:
    """Memory figures of one snapshot."""
    mem, swap = cur.memory, cur.swap
    total = mem.get("total")
    swap_total = swap.get("total")
    return MemoryMetrics(
        timestamp=cur.wall_s,
        total=total,
        used=mem.get("used"),
        free=mem.get("free"),
        utilization=mem["used"] / total if total else None,
        swap_total=swap_total,
        swap_used=swap.get("used"),
        swap_utilization=swap["used"] / swap_total if swap_total else None,
        process_rss=cur.process_rss,
        process_vms=cur.process_vms,
    )


def disk_metrics(prev: HostSnapshot, cur: HostSnapshot) -> DiskMetrics:
    """Filesystem space and disk I/O rates between two snapshots."""
    interval = cur.monotonic_s - prev.monotonic_s
    filesystems = tuple(
        FilesystemUsage(fs.mountpoint, fs.device, fs.fstype, fs.total, fs.used, fs.free,
                        fs.used / (fs.used + fs.free) if fs.used + fs.free else 0.0)
        for fs in cur.filesystems
    )

    def total(snap: HostSnapshot, attr: str) -> int:
        return sum(getattr(d, attr) for d in snap.disks.values())

    both = bool(prev.disks) and bool(cur.disks)
    return DiskMetrics(
        timestamp=cur.wall_s,
        interval_s=interval,
        filesystems=filesystems,
        max_utilization=max((f.utilization for f in filesystems), default=None),
        read_bytes=total(cur, "read_bytes"),
        write_bytes=total(cur, "write_bytes"),
        read_bytes_per_s=_rate(total(cur, "read_bytes") - total(prev, "read_bytes"), interval)
        if both else None,
        write_bytes_per_s=_rate(total(cur, "write_bytes") - total(prev, "write_bytes"),
                                interval) if both else None,
        read_ops_per_s=_rate(total(cur, "read_count") - total(prev, "read_count"), interval)
        if both else None,
        write_ops_per_s=_rate(total(cur, "write_count") - total(prev, "write_count"), interval)
        if both else None,
    )


def network_metrics(prev: HostSnapshot, cur: HostSnapshot) -> NetworkMetrics:
    """Network totals and rates between two snapshots."""
    interval = cur.monotonic_s - prev.monotonic_s
    interfaces = []
    for name, nic in sorted(cur.nics.items()):
        old = prev.nics.get(name)
        interfaces.append(InterfaceRates(
            name, nic.bytes_sent, nic.bytes_recv,
            _rate(nic.bytes_sent - old.bytes_sent, interval) if old else None,
            _rate(nic.bytes_recv - old.bytes_recv, interval) if old else None,
            nic.errin + nic.errout, nic.dropin + nic.dropout,
        ))

    def total(snap: HostSnapshot, attr: str) -> int:
        return sum(getattr(n, attr) for n in snap.nics.values())

    both = bool(prev.nics) and bool(cur.nics)

    def rate(attr: str) -> float | None:
        return _rate(total(cur, attr) - total(prev, attr), interval) if both else None

    return NetworkMetrics(
        timestamp=cur.wall_s,
        interval_s=interval,
        bytes_sent=total(cur, "bytes_sent"),
        bytes_recv=total(cur, "bytes_recv"),
        sent_bytes_per_s=rate("bytes_sent"),
        recv_bytes_per_s=rate("bytes_recv"),
        packets_sent_per_s=rate("packets_sent"),
        packets_recv_per_s=rate("packets_recv"),
        errors=total(cur, "errin") + total(cur, "errout"),
        dropped=total(cur, "dropin") + total(cur, "dropout"),
        interfaces=tuple(interfaces),
    )


def health(
    prev: HostSnapshot, cur: HostSnapshot, options: InfrastructureOptions
) -> SystemHealthSnapshot:
    """All figures plus a healthy / degraded / critical verdict from the thresholds."""
    cpu, mem = cpu_metrics(prev, cur), memory_metrics(cur)
    disk, net = disk_metrics(prev, cur), network_metrics(prev, cur)
    reasons: list[str] = []
    level = 0
    for label, value, degraded, critical in (
        ("cpu utilization", cpu.utilization, options.cpu_degraded, options.cpu_critical),
        ("memory utilization", mem.utilization, options.memory_degraded,
         options.memory_critical),
        ("fullest filesystem", disk.max_utilization, options.disk_degraded,
         options.disk_critical),
    ):
        if value is None:
            continue
        if value >= critical:
            level = 2
            reasons.append(f"{label} {value:.1%} >= critical {critical:.0%}")
        elif value >= degraded:
            level = max(level, 1)
            reasons.append(f"{label} {value:.1%} >= degraded {degraded:.0%}")
    status = ("healthy", "degraded", "critical")[level]
    return SystemHealthSnapshot(cur.wall_s, status, tuple(reasons), cpu, mem, disk, net)
