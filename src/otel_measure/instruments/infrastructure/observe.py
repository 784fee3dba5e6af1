"""Observations of every infrastructure instrument, from a pair of host snapshots.

:data:`OBSERVERS` maps each metric to a function ``(prev, cur, options) -> observations``;
the infrastructure domain registers one observable instrument per entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from opentelemetry.metrics import Observation

from otel_measure.instruments.infrastructure.collect import process_cpu_shares, utilization_shares
from otel_measure.instruments.infrastructure.host_snapshot import FileSystem, HostSnapshot
from otel_measure.names import MetricName
from otel_measure.names.attributes import (
    ATTR_CONTEXT_SWITCH_TYPE,
    ATTR_CPU_LOGICAL_NUMBER,
    ATTR_CPU_MODE,
    ATTR_DISK_IO_DIRECTION,
    ATTR_FILESYSTEM_MODE,
    ATTR_FILESYSTEM_MOUNTPOINT,
    ATTR_FILESYSTEM_STATE,
    ATTR_FILESYSTEM_TYPE,
    ATTR_GC_GENERATION,
    ATTR_NETWORK_CONNECTION_STATE,
    ATTR_NETWORK_INTERFACE,
    ATTR_NETWORK_IO_DIRECTION,
    ATTR_NETWORK_TRANSPORT,
    ATTR_SYSTEM_DEVICE,
    ATTR_SYSTEM_MEMORY_STATE,
    ATTR_SYSTEM_PAGING_STATE,
)
from otel_measure.names.infrastructure import (
    CPYTHON_GC_COLLECTED_OBJECTS,
    CPYTHON_GC_COLLECTIONS,
    CPYTHON_GC_UNCOLLECTABLE_OBJECTS,
    PROCESS_CONTEXT_SWITCHES,
    PROCESS_CPU_TIME,
    PROCESS_CPU_UTILIZATION,
    PROCESS_DISK_IO,
    PROCESS_MEMORY_USAGE,
    PROCESS_MEMORY_VIRTUAL,
    PROCESS_OPEN_FILE_DESCRIPTORS,
    PROCESS_THREAD_COUNT,
    PROCESS_UPTIME,
    SYSTEM_CPU_FREQUENCY,
    SYSTEM_CPU_LOGICAL_COUNT,
    SYSTEM_CPU_TIME,
    SYSTEM_CPU_UTILIZATION,
    SYSTEM_DISK_IO,
    SYSTEM_DISK_IO_TIME,
    SYSTEM_DISK_OPERATION_TIME,
    SYSTEM_DISK_OPERATIONS,
    SYSTEM_FILESYSTEM_LIMIT,
    SYSTEM_FILESYSTEM_USAGE,
    SYSTEM_FILESYSTEM_UTILIZATION,
    SYSTEM_MEMORY_LIMIT,
    SYSTEM_MEMORY_USAGE,
    SYSTEM_MEMORY_UTILIZATION,
    SYSTEM_NETWORK_CONNECTION_COUNT,
    SYSTEM_NETWORK_ERRORS,
    SYSTEM_NETWORK_IO,
    SYSTEM_NETWORK_PACKET_COUNT,
    SYSTEM_NETWORK_PACKET_DROPPED,
    SYSTEM_PAGING_USAGE,
    SYSTEM_PAGING_UTILIZATION,
    SYSTEM_UPTIME,
)
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
                yield Observation(seconds, {ATTR_CPU_MODE: mode,
                                            ATTR_CPU_LOGICAL_NUMBER: number})
        return
    for mode, seconds in cur.cpu_times.items():
        yield Observation(seconds, {ATTR_CPU_MODE: mode})


def _cpu_util(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, share in utilization_shares(prev.cpu_times, cur.cpu_times).items():
        yield Observation(share, {ATTR_CPU_MODE: mode})


def _cpu_count(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if cur.logical_cpus is not None:
        yield Observation(cur.logical_cpus)


def _cpu_freq(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if opts.per_cpu and len(cur.cpu_freq_hz) > 1:
        for number, hz in enumerate(cur.cpu_freq_hz):
            yield Observation(hz, {ATTR_CPU_LOGICAL_NUMBER: number})
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
                yield Observation(total, {ATTR_DISK_IO_DIRECTION: direction})
            return
        for device, d in cur.disks.items():
            for direction, attr in zip(_IO, (attr_read, attr_write), strict=True):
                yield Observation(getattr(d, attr), {ATTR_SYSTEM_DEVICE: device,
                                                     ATTR_DISK_IO_DIRECTION: direction})

    return observe


def _disk_io_time(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    busy = {device: d.busy_time_s for device, d in cur.disks.items() if d.busy_time_s is not None}
    if not opts.per_device:
        if busy:
            yield Observation(sum(busy.values()))
        return
    for device, seconds in busy.items():
        yield Observation(seconds, {ATTR_SYSTEM_DEVICE: device})


def _fs_attrs(fs: FileSystem) -> dict[str, str]:
    return {
        ATTR_SYSTEM_DEVICE: fs.device,
        ATTR_FILESYSTEM_TYPE: fs.fstype,
        ATTR_FILESYSTEM_MODE: fs.mode,
        ATTR_FILESYSTEM_MOUNTPOINT: fs.mountpoint,
    }


def _fs(share: bool) -> Observer:
    def observe(prev: Snap, cur: Snap, opts: Opts) -> Obs:
        for fs in cur.filesystems:
            attrs = _fs_attrs(fs)
            states = {"used": fs.used, "free": fs.free,
                      "reserved": max(0, fs.total - fs.used - fs.free)}
            for state, value in states.items():
                point = value / fs.total if share else value
                yield Observation(point, {**attrs, ATTR_FILESYSTEM_STATE: state})

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
                yield Observation(total, {ATTR_NETWORK_IO_DIRECTION: direction})
            return
        for name, nic in cur.nics.items():
            for direction, attr in directions:
                yield Observation(getattr(nic, attr), {ATTR_NETWORK_INTERFACE: name,
                                                       ATTR_NETWORK_IO_DIRECTION: direction})

    return observe


def _connections(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for (transport, state), count in cur.connections.items():
        attrs = {ATTR_NETWORK_TRANSPORT: transport}
        if state:
            attrs[ATTR_NETWORK_CONNECTION_STATE] = state
        yield Observation(count, attrs)


def _uptime(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    if cur.boot_time_s is not None:
        yield Observation(max(0.0, cur.wall_s - cur.boot_time_s))


def _proc_cpu_time(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, seconds in cur.process_cpu.items():
        yield Observation(seconds, {ATTR_CPU_MODE: mode})


def _proc_cpu_util(prev: Snap, cur: Snap, opts: Opts) -> Obs:
    for mode, share in process_cpu_shares(prev, cur).items():
        yield Observation(share, {ATTR_CPU_MODE: mode})


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
            yield Observation(stats.get(stat, 0), {ATTR_GC_GENERATION: generation})

    return observe


# Each metric, the option group that switches it, and its observer.
OBSERVERS: tuple[tuple[MetricName, str, Observer], ...] = (
    (SYSTEM_CPU_TIME, "cpu", _cpu_time),
    (SYSTEM_CPU_UTILIZATION, "cpu", _cpu_util),
    (SYSTEM_CPU_LOGICAL_COUNT, "cpu", _cpu_count),
    (SYSTEM_CPU_FREQUENCY, "cpu", _cpu_freq),
    (SYSTEM_MEMORY_USAGE, "memory", _states(ATTR_SYSTEM_MEMORY_STATE, "memory", False)),
    (SYSTEM_MEMORY_UTILIZATION, "memory",
     _states(ATTR_SYSTEM_MEMORY_STATE, "memory", True)),
    (SYSTEM_MEMORY_LIMIT, "memory", _total("memory")),
    (SYSTEM_PAGING_USAGE, "paging", _states(ATTR_SYSTEM_PAGING_STATE, "swap", False)),
    (SYSTEM_PAGING_UTILIZATION, "paging", _states(ATTR_SYSTEM_PAGING_STATE, "swap", True)),
    (SYSTEM_DISK_IO, "disk", _disk("read_bytes", "write_bytes")),
    (SYSTEM_DISK_OPERATIONS, "disk", _disk("read_count", "write_count")),
    (SYSTEM_DISK_OPERATION_TIME, "disk", _disk("read_time_s", "write_time_s")),
    (SYSTEM_DISK_IO_TIME, "disk", _disk_io_time),
    (SYSTEM_FILESYSTEM_USAGE, "filesystem", _fs(False)),
    (SYSTEM_FILESYSTEM_UTILIZATION, "filesystem", _fs(True)),
    (SYSTEM_FILESYSTEM_LIMIT, "filesystem", _fs_limit),
    (SYSTEM_NETWORK_IO, "network", _nic("bytes_sent", "bytes_recv")),
    (SYSTEM_NETWORK_PACKET_COUNT, "network", _nic("packets_sent", "packets_recv")),
    (SYSTEM_NETWORK_PACKET_DROPPED, "network", _nic("dropout", "dropin")),
    (SYSTEM_NETWORK_ERRORS, "network", _nic("errout", "errin")),
    (SYSTEM_NETWORK_CONNECTION_COUNT, "connections", _connections),
    (SYSTEM_UPTIME, "system", _uptime),
    (PROCESS_CPU_TIME, "process", _proc_cpu_time),
    (PROCESS_CPU_UTILIZATION, "process", _proc_cpu_util),
    (PROCESS_MEMORY_USAGE, "process", _scalar("process_rss")),
    (PROCESS_MEMORY_VIRTUAL, "process", _scalar("process_vms")),
    (PROCESS_THREAD_COUNT, "process", _scalar("process_threads")),
    (PROCESS_OPEN_FILE_DESCRIPTORS, "process", _scalar("process_fds")),
    (PROCESS_CONTEXT_SWITCHES, "process",
     _keyed("process_ctx_switches", ATTR_CONTEXT_SWITCH_TYPE)),
    (PROCESS_DISK_IO, "process", _keyed("process_io", ATTR_DISK_IO_DIRECTION)),
    (PROCESS_UPTIME, "process", _proc_uptime),
    (CPYTHON_GC_COLLECTIONS, "gc", _gc("collections")),
    (CPYTHON_GC_COLLECTED_OBJECTS, "gc", _gc("collected")),
    (CPYTHON_GC_UNCOLLECTABLE_OBJECTS, "gc", _gc("uncollectable")),
)
