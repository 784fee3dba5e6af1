"""Observations of every infrastructure instrument, from a pair of host snapshots.

:data:`OBSERVERS` maps each metric to a function ``(prev, cur, options) -> observations``;
the infrastructure domain registers one observable instrument per entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from opentelemetry.metrics import Observation

from otel_measure import names as n
from otel_measure.instruments.infrastructure.collect import cpu_shares, process_cpu_shares
from otel_measure.instruments.infrastructure.host_snapshot import FileSystem, HostSnapshot
from otel_measure.options import InfrastructureOptions

__all__ = ["OBSERVERS", "Observer"]

Snap = HostSnapshot
Opts = InfrastructureOptions
Obs = Iterator[Observation]
Observer = Callable[[Snap, Snap, Opts], Obs]
_IO = ("read", "write")


def _cpu_time(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if opts.per_cpu and cur.per_cpu_times:
        for number, times in enumerate(cur.per_cpu_times):
            for mode, seconds in times.items():
                yield Observation(seconds, {n.ATTR_CPU_MODE: mode,
                                            n.ATTR_CPU_LOGICAL_NUMBER: number})
        return
    for mode, seconds in cur.cpu_times.items():
        yield Observation(seconds, {n.ATTR_CPU_MODE: mode})


def _cpu_util(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, share in cpu_shares(prev.cpu_times, cur.cpu_times).items():
        yield Observation(share, {n.ATTR_CPU_MODE: mode})


def _cpu_count(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if cur.logical_cpus is not None:
        yield Observation(cur.logical_cpus)


def _cpu_freq(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if opts.per_cpu and len(cur.cpu_freq_hz) > 1:
        for number, hz in enumerate(cur.cpu_freq_hz):
            yield Observation(hz, {n.ATTR_CPU_LOGICAL_NUMBER: number})
    elif cur.cpu_freq_hz:
        yield Observation(sum(cur.cpu_freq_hz) / len(cur.cpu_freq_hz))


def _states(key: str, field: str, share: bool) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        values = getattr(cur, field)
        total = values.get("total")
        for state, value in values.items():
            if state == "total":
                continue
            if not share:
                yield Observation(value, {key: state})
            elif total:
                yield Observation(value / total, {key: state})

    return observe


def _total(field: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        total = getattr(cur, field).get("total")
        if total:
            yield Observation(total)

    return observe


def _disk(attr_read: str, attr_write: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        if not opts.per_device:
            for direction, attr in zip(_IO, (attr_read, attr_write), strict=True):
                total = sum(getattr(d, attr) for d in cur.disks.values())
                yield Observation(total, {n.ATTR_DISK_IO_DIRECTION: direction})
            return
        for device, d in cur.disks.items():
            for direction, attr in zip(_IO, (attr_read, attr_write), strict=True):
                yield Observation(getattr(d, attr), {n.ATTR_SYSTEM_DEVICE: device,
                                                     n.ATTR_DISK_IO_DIRECTION: direction})

    return observe


def _disk_io_time(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    busy = {device: d.busy_time_s for device, d in cur.disks.items() if d.busy_time_s is not None}
    if not opts.per_device:
        if busy:
            yield Observation(sum(busy.values()))
        return
    for device, seconds in busy.items():
        yield Observation(seconds, {n.ATTR_SYSTEM_DEVICE: device})


def _fs_attrs(fs: FileSystem) -> dict[str, str]:
    return {
        n.ATTR_SYSTEM_DEVICE: fs.device,
        n.ATTR_FILESYSTEM_TYPE: fs.fstype,
        n.ATTR_FILESYSTEM_MODE: fs.mode,
        n.ATTR_FILESYSTEM_MOUNTPOINT: fs.mountpoint,
    }


def _fs(share: bool) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        for fs in cur.filesystems:
            attrs = _fs_attrs(fs)
            states = {"used": fs.used, "free": fs.free,
                      "reserved": max(0, fs.total - fs.used - fs.free)}
            for state, value in states.items():
                point = value / fs.total if share else value
                yield Observation(point, {**attrs, n.ATTR_FILESYSTEM_STATE: state})

    return observe


def _fs_limit(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for fs in cur.filesystems:
        yield Observation(fs.total, _fs_attrs(fs))


def _nic(attr_transmit: str, attr_receive: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        directions = (("transmit", attr_transmit), ("receive", attr_receive))
        if not opts.per_device:
            for direction, attr in directions:
                total = sum(getattr(nic, attr) for nic in cur.nics.values())
                yield Observation(total, {n.ATTR_NETWORK_IO_DIRECTION: direction})
            return
        for name, nic in cur.nics.items():
            for direction, attr in directions:
                yield Observation(getattr(nic, attr), {n.ATTR_NETWORK_INTERFACE: name,
                                                       n.ATTR_NETWORK_IO_DIRECTION: direction})

    return observe


def _connections(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for (transport, state), count in cur.connections.items():
        attrs = {n.ATTR_NETWORK_TRANSPORT: transport}
        if state:
            attrs[n.ATTR_NETWORK_CONNECTION_STATE] = state
        yield Observation(count, attrs)


def _uptime(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if cur.boot_time_s is not None:
        yield Observation(max(0.0, cur.wall_s - cur.boot_time_s))


def _proc_cpu_time(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, seconds in cur.process_cpu.items():
        yield Observation(seconds, {n.ATTR_CPU_MODE: mode})


def _proc_cpu_util(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, share in process_cpu_shares(prev, cur).items():
        yield Observation(share, {n.ATTR_CPU_MODE: mode})


def _scalar(field: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        value = getattr(cur, field)
        if value is not None:
            yield Observation(value)

    return observe


def _keyed(field: str, key: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        for label, value in getattr(cur, field).items():
            yield Observation(value, {key: label})

    return observe


def _proc_uptime(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if cur.process_create_time_s is not None:
        yield Observation(max(0.0, cur.wall_s - cur.process_create_time_s))


def _gc(stat: str) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        for generation, stats in enumerate(cur.gc_stats):
            yield Observation(stats.get(stat, 0), {n.ATTR_GC_GENERATION: generation})

    return observe


# Each metric, the option group that switches it, and its observer.
OBSERVERS: tuple[tuple[n.MetricName, str, Observer], ...] = (
    (n.SYSTEM_CPU_TIME, "cpu", _cpu_time),
    (n.SYSTEM_CPU_UTILIZATION, "cpu", _cpu_util),
    (n.SYSTEM_CPU_LOGICAL_COUNT, "cpu", _cpu_count),
    (n.SYSTEM_CPU_FREQUENCY, "cpu", _cpu_freq),
    (n.SYSTEM_MEMORY_USAGE, "memory", _states(n.ATTR_SYSTEM_MEMORY_STATE, "memory", False)),
    (n.SYSTEM_MEMORY_UTILIZATION, "memory",
     _states(n.ATTR_SYSTEM_MEMORY_STATE, "memory", True)),
    (n.SYSTEM_MEMORY_LIMIT, "memory", _total("memory")),
    (n.SYSTEM_PAGING_USAGE, "paging", _states(n.ATTR_SYSTEM_PAGING_STATE, "swap", False)),
    (n.SYSTEM_PAGING_UTILIZATION, "paging", _states(n.ATTR_SYSTEM_PAGING_STATE, "swap", True)),
    (n.SYSTEM_DISK_IO, "disk", _disk("read_bytes", "write_bytes")),
    (n.SYSTEM_DISK_OPERATIONS, "disk", _disk("read_count", "write_count")),
    (n.SYSTEM_DISK_OPERATION_TIME, "disk", _disk("read_time_s", "write_time_s")),
    (n.SYSTEM_DISK_IO_TIME, "disk", _disk_io_time),
    (n.SYSTEM_FILESYSTEM_USAGE, "filesystem", _fs(False)),
    (n.SYSTEM_FILESYSTEM_UTILIZATION, "filesystem", _fs(True)),
    (n.SYSTEM_FILESYSTEM_LIMIT, "filesystem", _fs_limit),
    (n.SYSTEM_NETWORK_IO, "network", _nic("bytes_sent", "bytes_recv")),
    (n.SYSTEM_NETWORK_PACKET_COUNT, "network", _nic("packets_sent", "packets_recv")),
    (n.SYSTEM_NETWORK_PACKET_DROPPED, "network", _nic("dropout", "dropin")),
    (n.SYSTEM_NETWORK_ERRORS, "network", _nic("errout", "errin")),
    (n.SYSTEM_NETWORK_CONNECTION_COUNT, "connections", _connections),
    (n.SYSTEM_UPTIME, "system", _uptime),
    (n.PROCESS_CPU_TIME, "process", _proc_cpu_time),
    (n.PROCESS_CPU_UTILIZATION, "process", _proc_cpu_util),
    (n.PROCESS_MEMORY_USAGE, "process", _scalar("process_rss")),
    (n.PROCESS_MEMORY_VIRTUAL, "process", _scalar("process_vms")),
    (n.PROCESS_THREAD_COUNT, "process", _scalar("process_threads")),
    (n.PROCESS_OPEN_FILE_DESCRIPTORS, "process", _scalar("process_fds")),
    (n.PROCESS_CONTEXT_SWITCHES, "process",
     _keyed("process_ctx_switches", n.ATTR_CONTEXT_SWITCH_TYPE)),
    (n.PROCESS_DISK_IO, "process", _keyed("process_io", n.ATTR_DISK_IO_DIRECTION)),
    (n.PROCESS_UPTIME, "process", _proc_uptime),
    (n.CPYTHON_GC_COLLECTIONS, "gc", _gc("collections")),
    (n.CPYTHON_GC_COLLECTED_OBJECTS, "gc", _gc("collected")),
    (n.CPYTHON_GC_UNCOLLECTABLE_OBJECTS, "gc", _gc("uncollectable")),
)
