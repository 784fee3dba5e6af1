"""A psutil stand-in with fixed, steppable readings and a count of every call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

GIB = 2**30


class FakePsutil:
    """Readings tests can set; each probe counts its calls in ``calls``."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self.cpu = {"user": 100.0, "nice": 0.0, "system": 50.0, "idle": 800.0, "iowait": 10.0,
                    "irq": 1.0, "softirq": 1.0, "steal": 0.0, "guest": 5.0}
        self.per_cpu = [dict(self.cpu), dict(self.cpu)]
        self.proc_cpu = {"user": 2.0, "system": 1.0}
        self.disk = {"read_count": 100, "write_count": 50, "read_bytes": 10_000,
                     "write_bytes": 5_000, "read_time": 1500, "write_time": 500, "busy_time": 900}
        self.nic = {"bytes_sent": 1000, "bytes_recv": 4000, "packets_sent": 10,
                    "packets_recv": 40, "errin": 1, "errout": 2, "dropin": 3, "dropout": 4}
        self.fail: set[str] = set()

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        if name in self.fail:
            raise PermissionError(f"{name} denied")

    def cpu_times(self, percpu: bool = False) -> Any:
        self._count("cpu_times_percpu" if percpu else "cpu_times")
        if percpu:
            return [SimpleNamespace(**c) for c in self.per_cpu]
        return SimpleNamespace(**self.cpu)

    def cpu_count(self, logical: bool = True) -> int:
        self._count("cpu_count")
        return 8

    def cpu_freq(self, percpu: bool = False) -> Any:
        self._count("cpu_freq")
        if percpu:
            return [SimpleNamespace(current=2400.0), SimpleNamespace(current=2600.0)]
        return SimpleNamespace(current=2500.0)

    def virtual_memory(self) -> SimpleNamespace:
        self._count("virtual_memory")
        return SimpleNamespace(total=16 * GIB, available=12 * GIB, free=10 * GIB,
                               buffers=1 * GIB, cached=1 * GIB)

    def swap_memory(self) -> SimpleNamespace:
        self._count("swap_memory")
        return SimpleNamespace(total=4 * GIB, used=1 * GIB, free=3 * GIB)

    def disk_io_counters(self, perdisk: bool = False, nowrap: bool = True) -> dict[str, Any]:
        self._count("disk_io_counters")
        return {"sda": SimpleNamespace(**self.disk),
                "loop0": SimpleNamespace(**{k: 0 for k in self.disk})}

    def disk_partitions(self, all: bool = False) -> list[SimpleNamespace]:
        self._count("disk_partitions")
        return [
            SimpleNamespace(device="/dev/sda1", mountpoint="/", fstype="ext4", opts="rw,relatime"),
            SimpleNamespace(device="/dev/sdb1", mountpoint="/data", fstype="xfs", opts="ro"),
            SimpleNamespace(device="proc", mountpoint="/proc", fstype="proc", opts="rw"),
            SimpleNamespace(device="tmpfs", mountpoint="/dev/shm", fstype="tmpfs", opts="rw"),
        ]

    def disk_usage(self, path: str) -> SimpleNamespace:
        self._count("disk_usage")
        if path == "/":
            return SimpleNamespace(total=100 * GIB, used=60 * GIB, free=35 * GIB)
        return SimpleNamespace(total=10 * GIB, used=9 * GIB, free=1 * GIB)

    def net_io_counters(self, pernic: bool = False, nowrap: bool = True) -> dict[str, Any]:
        self._count("net_io_counters")
        return {"eth0": SimpleNamespace(**self.nic)}

    def net_connections(self, kind: str = "inet") -> list[SimpleNamespace]:
        self._count("net_connections")
        import socket

        tcp, udp = socket.SOCK_STREAM, socket.SOCK_DGRAM
        return [SimpleNamespace(type=tcp, status="ESTABLISHED"),
                SimpleNamespace(type=tcp, status="ESTABLISHED"),
                SimpleNamespace(type=tcp, status="LISTEN"),
                SimpleNamespace(type=tcp, status="SYN_RECV"),
                SimpleNamespace(type=udp, status="NONE")]

    def boot_time(self) -> float:
        self._count("boot_time")
        return 1_000.0

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

            def num_fds(self) -> int:
                return 12

            def num_ctx_switches(self) -> SimpleNamespace:
                return SimpleNamespace(voluntary=30, involuntary=4)

            def io_counters(self) -> SimpleNamespace:
                return SimpleNamespace(read_bytes=2048, write_bytes=4096)

            def create_time(self) -> float:
                return 1_500.0

            def cpu_affinity(self) -> list[int]:
                return [0, 1]

        return Proc()
