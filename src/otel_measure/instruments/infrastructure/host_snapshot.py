"""One reading of the host and this process, taken once per collection cycle.

:class:`HostReader` calls each psutil probe once and returns a :class:`HostSnapshot`;
every observable callback and every ``collect_*`` method reads from snapshots, so a
collection costs one pass over psutil whatever the number of instruments. A probe that
raises is skipped, logged once and counted; the rest of the snapshot is still filled.
"""

from __future__ import annotations

import fnmatch
import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from otel_measure.config import InfrastructureOptions

__all__ = ["PSEUDO_FILESYSTEMS", "DiskCounters", "FileSystem", "HostReader", "HostSnapshot",
           "NicCounters"]

_log = logging.getLogger("otel_measure")

# psutil field → semantic-convention cpu.mode; guest time is already inside user/nice.
_CPU_MODES = {
    "user": "user",
    "nice": "nice",
    "system": "system",
    "idle": "idle",
    "iowait": "iowait",
    "irq": "interrupt",
    "softirq": "interrupt",
    "steal": "steal",
}

# Kernel TCP state codes (include/net/tcp_states.h) → network.connection.state values.
_TCP_STATES = {
    b"01": "established", b"02": "syn_sent", b"03": "syn_received", b"04": "fin_wait_1",
    b"05": "fin_wait_2", b"06": "time_wait", b"07": "closed", b"08": "close_wait",
    b"09": "last_ack", b"0A": "listen", b"0B": "closing",
}
# psutil's status names where they differ from the convention's.
_PSUTIL_STATES = {"syn_recv": "syn_received", "fin_wait1": "fin_wait_1",
                  "fin_wait2": "fin_wait_2", "close": "closed", "none": ""}

# Filesystems that hold no user data: left out of system.filesystem.*.
PSEUDO_FILESYSTEMS = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "proc", "pstore",
    "ramfs", "rpc_pipefs", "securityfs", "squashfs", "sysfs", "tmpfs", "tracefs", "overlay2",
})


@dataclass(frozen=True)
class DiskCounters:
    """Cumulative counters of one block device (times in seconds)."""

    read_bytes: int
    write_bytes: int
    read_count: int
    write_count: int
    read_time_s: float
    write_time_s: float
    busy_time_s: float | None


@dataclass(frozen=True)
class NicCounters:
    """Cumulative counters of one network interface."""

    bytes_sent: int
    bytes_recv: int
    packets_sent: int
    packets_recv: int
    errout: int
    errin: int
    dropout: int
    dropin: int


@dataclass(frozen=True)
class FileSystem:
    """Space on one mounted filesystem (bytes); reserved = total - used - free."""

    device: str
    mountpoint: str
    fstype: str
    mode: str
    total: int
    used: int
    free: int


@dataclass(frozen=True)
class HostSnapshot:
    """Readings taken at one instant; a probe that failed leaves its field empty."""

    monotonic_s: float
    wall_s: float
    cpu_times: Mapping[str, float] = field(default_factory=dict)
    per_cpu_times: tuple[Mapping[str, float], ...] = ()
    cpu_freq_hz: tuple[float, ...] = ()
    logical_cpus: int | None = None
    memory: Mapping[str, int] = field(default_factory=dict)
    swap: Mapping[str, int] = field(default_factory=dict)
    disks: Mapping[str, DiskCounters] = field(default_factory=dict)
    filesystems: tuple[FileSystem, ...] = ()
    nics: Mapping[str, NicCounters] = field(default_factory=dict)
    connections: Mapping[tuple[str, str], int] = field(default_factory=dict)
    boot_time_s: float | None = None
    process_cpu: Mapping[str, float] = field(default_factory=dict)
    process_rss: int | None = None
    process_vms: int | None = None
    process_threads: int | None = None
    process_fds: int | None = None
    process_ctx_switches: Mapping[str, int] = field(default_factory=dict)
    process_io: Mapping[str, int] = field(default_factory=dict)
    process_create_time_s: float | None = None
    process_cpus: int | None = None
    gc_stats: tuple[Mapping[str, int], ...] = ()


def _cpu_modes(raw: Any) -> dict[str, float]:
    times: dict[str, float] = {}
    for field_name, mode in _CPU_MODES.items():
        value = getattr(raw, field_name, None)
        if value is not None:
            times[mode] = times.get(mode, 0.0) + float(value)
    return times


class HostReader:
    """Reads :class:`HostSnapshot` objects from psutil (or a stand-in).

    Args:
        psutil_module: The ``psutil`` module or a test double with the same functions.
        options: Which groups to read, and glob exclusions for devices and mountpoints.
        clock: Monotonic clock (seconds). wall_clock: Epoch clock (seconds).
    """

    def __init__(
        self,
        psutil_module: Any,
        options: InfrastructureOptions,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self._ps = psutil_module
        self.options = options
        self._clock = clock
        self._wall = wall_clock
        self._lock = threading.Lock()
        self.failures: dict[str, int] = {}
        self._process = self.probe("process", lambda: psutil_module.Process(os.getpid()))

    def probe(self, name: str, read: Callable[[], Any]) -> Any:
        """Run one read; on failure return ``None``, log once and count it."""
        try:
            return read()
        except Exception as exc:  # AccessDenied, NotImplementedError, OSError, missing fields
            self.note_failure(name, exc)
            return None

    def note_failure(self, name: str, exc: BaseException) -> None:
        """Count a failed probe or callback, logging the first failure of each name."""
        with self._lock:
            first = name not in self.failures
            self.failures[name] = self.failures.get(name, 0) + 1
        if first:
            _log.warning("otel-measure skipped the %s probe: %r (logged once)", name, exc)

    def excluded(self, name: str) -> bool:
        """Whether a device, interface or mountpoint name matches an exclusion glob."""
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.options.exclude)

    def read(self) -> HostSnapshot:
        """Take one snapshot of every enabled group."""
        o, ps, probe = self.options, self._ps, self.probe
        values: dict[str, Any] = {"monotonic_s": self._clock(), "wall_s": self._wall()}
        values["logical_cpus"] = probe("cpu_count", lambda: ps.cpu_count(logical=True))
        if o.system and o.cpu:
            values["cpu_times"] = probe("cpu_times", lambda: _cpu_modes(ps.cpu_times())) or {}
            if o.per_cpu:
                values["per_cpu_times"] = probe(
                    "cpu_times_percpu",
                    lambda: tuple(_cpu_modes(t) for t in ps.cpu_times(percpu=True)),
                ) or ()
            values["cpu_freq_hz"] = probe("cpu_freq", self._freq) or ()
        if o.system and o.memory:
            values["memory"] = probe("virtual_memory", self._memory) or {}
        if o.system and o.paging:
            values["swap"] = probe("swap_memory", self._swap) or {}
        if o.system and o.disk:
            values["disks"] = probe("disk_io_counters", self._disks) or {}
        if o.system and o.filesystem:
            values["filesystems"] = probe("disk_partitions", self._filesystems) or ()
        if o.system and o.network:
            values["nics"] = probe("net_io_counters", self._nics) or {}
            if o.connection_states:
                values["connections"] = probe("connections", self._connections) or {}
            elif o.connections:
                values["connections"] = probe("sockstat", self._sockstat) or {}
        if o.system:
            values["boot_time_s"] = probe("boot_time", ps.boot_time)
        if o.process and self._process is not None:
            values.update(self._process_values())
        if o.process and o.gc:
            values["gc_stats"] = tuple(
                {k: int(v) for k, v in gen.items()} for gen in gc.get_stats()
            )
        return HostSnapshot(**values)

    # --- probes ---------------------------------------------------------------------

    def _freq(self) -> tuple[float, ...]:
        raw = self._ps.cpu_freq(percpu=self.options.per_cpu)
        items = raw if isinstance(raw, list) else [raw]
        return tuple(float(f.current) * 1e6 for f in items if f is not None and f.current)

    def _memory(self) -> dict[str, int]:
        vm = self._ps.virtual_memory()
        states = {"used": int(vm.total - vm.available), "free": int(vm.free)}
        for name in ("buffers", "cached"):
            if hasattr(vm, name):
                states[name] = int(getattr(vm, name))
        return {"total": int(vm.total), **states}

    def _swap(self) -> dict[str, int]:
        sw = self._ps.swap_memory()
        return {"total": int(sw.total), "used": int(sw.used), "free": int(sw.free)}

    def _disks(self) -> dict[str, DiskCounters]:
        raw = self._ps.disk_io_counters(perdisk=True, nowrap=True) or {}
        return {
            name: DiskCounters(
                int(d.read_bytes), int(d.write_bytes), int(d.read_count), int(d.write_count),
                d.read_time / 1000.0, d.write_time / 1000.0,
                getattr(d, "busy_time", None) and d.busy_time / 1000.0,
            )
            for name, d in raw.items()
            if not self.excluded(name)
        }

    def _filesystems(self) -> tuple[FileSystem, ...]:
        out: list[FileSystem] = []
        seen: set[str] = set()
        for part in self._ps.disk_partitions(all=True):
            if (part.fstype in PSEUDO_FILESYSTEMS or part.mountpoint in seen
                    or self.excluded(part.mountpoint) or self.excluded(part.device)):
                continue
            seen.add(part.mountpoint)
            usage = self.probe(f"disk_usage:{part.mountpoint}",
                               partial(self._ps.disk_usage, part.mountpoint))
            if usage is None or not usage.total:
                continue
            mode = "ro" if "ro" in part.opts.split(",") else "rw"
            out.append(FileSystem(part.device, part.mountpoint, part.fstype, mode,
                                  int(usage.total), int(usage.used), int(usage.free)))
        return tuple(out)

    def _nics(self) -> dict[str, NicCounters]:
        raw = self._ps.net_io_counters(pernic=True, nowrap=True) or {}
        return {
            name: NicCounters(int(n.bytes_sent), int(n.bytes_recv), int(n.packets_sent),
                              int(n.packets_recv), int(n.errout), int(n.errin), int(n.dropout),
                              int(n.dropin))
            for name, n in raw.items()
            if not self.excluded(name)
        }

    def _sockstat(self) -> dict[tuple[str, str], int]:
        # Kernel socket totals: two tiny files, where per-state counts need one line per
        # socket. TCP sockets in use plus those in TIME_WAIT; UDP sockets in use.
        procfs = getattr(self._ps, "PROCFS_PATH", None)
        counts: dict[tuple[str, str], int] = {}
        if procfs is None:
            return counts
        for name in ("sockstat", "sockstat6"):
            try:
                with open(os.path.join(procfs, "net", name)) as fh:
                    lines = fh.read().splitlines()
            except FileNotFoundError:
                continue
            for line in lines:
                proto, _, rest = line.partition(":")
                fields = rest.split()
                stats = dict(zip(fields[::2], fields[1::2], strict=False))
                transport = {"TCP": "tcp", "TCP6": "tcp", "UDP": "udp", "UDP6": "udp"}.get(proto)
                if transport is None or "inuse" not in stats:
                    continue
                total = int(stats["inuse"]) + int(stats.get("tw", 0))
                counts[(transport, "")] = counts.get((transport, ""), 0) + total
        return counts

    def _connections(self) -> dict[tuple[str, str], int]:
        # /proc/net/* lists every socket with its state; counting lines there costs a
        # fraction of psutil.net_connections(), which also maps each socket to a pid.
        procfs = getattr(self._ps, "PROCFS_PATH", None)
        counts: dict[tuple[str, str], int] = {}
        if procfs is None or not os.path.isdir(os.path.join(procfs, "net")):
            for conn in self._ps.net_connections(kind="inet"):
                transport = "tcp" if conn.type == socket.SOCK_STREAM else "udp"
                state = conn.status.lower() if transport == "tcp" else ""
                key = (transport, _PSUTIL_STATES.get(state, state))
                counts[key] = counts.get(key, 0) + 1
            return counts
        for transport, files in (("tcp", ("tcp", "tcp6")), ("udp", ("udp", "udp6"))):
            for name in files:
                try:
                    with open(os.path.join(procfs, "net", name), "rb") as fh:
                        lines = fh.read().splitlines()[1:]
                except FileNotFoundError:  # no IPv6 on this host
                    continue
                for line in lines:
                    fields = line.split(None, 4)
                    if len(fields) < 4:
                        continue
                    state = _TCP_STATES.get(fields[3], "") if transport == "tcp" else ""
                    key = (transport, state)
                    counts[key] = counts.get(key, 0) + 1
        return counts

    def _process_values(self) -> dict[str, Any]:
        proc, probe = self._process, self.probe
        values: dict[str, Any] = {}
        with proc.oneshot():
            times = probe("process.cpu_times", proc.cpu_times)
            if times is not None:
                values["process_cpu"] = {"user": float(times.user), "system": float(times.system)}
            mem = probe("process.memory_info", proc.memory_info)
            if mem is not None:
                values["process_rss"], values["process_vms"] = int(mem.rss), int(mem.vms)
            values["process_threads"] = probe("process.num_threads", proc.num_threads)
            if hasattr(proc, "num_fds"):
                values["process_fds"] = probe("process.num_fds", proc.num_fds)
            ctx = probe("process.num_ctx_switches", proc.num_ctx_switches)
            if ctx is not None:
                values["process_ctx_switches"] = {"voluntary": int(ctx.voluntary),
                                                  "involuntary": int(ctx.involuntary)}
            if hasattr(proc, "io_counters"):
                io = probe("process.io_counters", proc.io_counters)
                if io is not None:
                    values["process_io"] = {"read": int(io.read_bytes),
                                            "write": int(io.write_bytes)}
            values["process_create_time_s"] = probe("process.create_time", proc.create_time)
        affinity = probe("process.cpu_affinity", proc.cpu_affinity) if hasattr(
            proc, "cpu_affinity") else None
        if affinity:
            values["process_cpus"] = len(affinity)
        return values
