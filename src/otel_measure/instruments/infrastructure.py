"""Host and process metrics (``m.infrastructure``) from one psutil snapshot per collection.

Every observable callback reads the same :class:`HostSnapshot`; the first callback of a
collection cycle takes it, so psutil is called once per cycle, not once per instrument.
Utilizations are deltas against the previous snapshot, and a baseline is taken at
construction, so the very first collection already reports a true value (not 0).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import psutil
from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure import names
from otel_measure.config import InfrastructureOptions
from otel_measure.instruments._rejections import Rejections

__all__ = ["HostSnapshot", "InfrastructureMetrics"]

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


@dataclass(frozen=True)
class HostSnapshot:
    """Readings taken at one instant; fields a platform lacks are left empty."""

    monotonic_s: float
    cpu_times: Mapping[str, float] = field(default_factory=dict)
    memory: Mapping[str, int] = field(default_factory=dict)
    process_cpu: Mapping[str, float] = field(default_factory=dict)
    process_rss: int | None = None
    process_vms: int | None = None
    process_threads: int | None = None
    logical_cpus: int | None = None
    process_cpus: int | None = None


def _cpu_times(ps: Any) -> dict[str, float]:
    times: dict[str, float] = {}
    raw = ps.cpu_times()
    for field_name, mode in _CPU_MODES.items():
        value = getattr(raw, field_name, None)
        if value is not None:
            times[mode] = times.get(mode, 0.0) + float(value)
    return times


def _memory(ps: Any) -> dict[str, int]:
    vm = ps.virtual_memory()
    states = {"used": int(vm.total - vm.available), "free": int(vm.free)}
    for name in ("buffers", "cached"):
        if hasattr(vm, name):
            states[name] = int(getattr(vm, name))
    return {"total": int(vm.total), **states}


class InfrastructureMetrics:
    """System and process metrics under their semantic-convention names.

    Args:
        meter: Meter the instruments are created on.
        rejections: Shared bad-input helper.
        options: Which metric groups to export.
        psutil_module: Data source (the ``psutil`` module, or a stand-in in tests).
        clock: Monotonic clock in seconds.
    """

    def __init__(
        self,
        meter: Meter,
        rejections: Rejections,
        options: InfrastructureOptions,
        *,
        psutil_module: Any = psutil,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.options = options
        self._ps = psutil_module
        self._clock = clock
        self._rejections = rejections
        self._lock = threading.Lock()
        self._failed_probes: set[str] = set()
        self.probe_failures: dict[str, int] = {}
        self._process = self._probe("process", lambda: self._ps.Process(os.getpid()))
        self._previous = self.take_snapshot()
        self._current = self._previous
        self._register(meter)

    # --- snapshot -------------------------------------------------------------------

    def _probe(self, name: str, read: Callable[[], Any]) -> Any:
        """Run one psutil read; on failure skip it, log once and count it."""
        try:
            return read()
        except Exception as exc:  # psutil raises AccessDenied, NotImplementedError, OSError...
            self._note_failure(name, exc)
            return None

    def _note_failure(self, name: str, exc: BaseException) -> None:
        self.probe_failures[name] = self.probe_failures.get(name, 0) + 1
        if name not in self._failed_probes:
            self._failed_probes.add(name)
            _log.warning("otel-measure skipped the %s probe: %r (logged once)", name, exc)

    def take_snapshot(self) -> HostSnapshot:
        """Read every enabled probe once and return the readings."""
        ps = self._ps
        cpu = self._probe("cpu_times", lambda: _cpu_times(ps)) if self.options.system else None
        mem = self._probe("virtual_memory", lambda: _memory(ps)) if self.options.system else None
        logical = self._probe("cpu_count", lambda: ps.cpu_count(logical=True))
        proc_cpu = rss = vms = threads = affinity = None
        process = self._process
        if self.options.process and process is not None:
            with process.oneshot():
                times = self._probe("process.cpu_times", process.cpu_times)
                if times is not None:
                    proc_cpu = {"user": float(times.user), "system": float(times.system)}
                mem_info = self._probe("process.memory_info", process.memory_info)
                if mem_info is not None:
                    rss, vms = int(mem_info.rss), int(mem_info.vms)
                threads = self._probe("process.num_threads", process.num_threads)
            if hasattr(process, "cpu_affinity"):
                affinity = self._probe("process.cpu_affinity", process.cpu_affinity)
        return HostSnapshot(
            monotonic_s=self._clock(),
            cpu_times=cpu or {},
            memory=mem or {},
            process_cpu=proc_cpu or {},
            process_rss=rss,
            process_vms=vms,
            process_threads=threads,
            logical_cpus=logical,
            process_cpus=len(affinity) if affinity else logical,
        )

    def _refresh(self) -> None:
        snap = self.take_snapshot()
        with self._lock:
            # Keep the old baseline when two collections land within one clock tick.
            if snap.monotonic_s > self._current.monotonic_s:
                self._previous = self._current
            self._current = snap

    def _pair(self) -> tuple[HostSnapshot, HostSnapshot]:
        with self._lock:
            return self._previous, self._current

    # --- derived values -------------------------------------------------------------

    def cpu_utilization(self) -> dict[str, float]:
        """Share of host CPU time per mode between the last two snapshots."""
        prev, cur = self._pair()
        deltas = {m: max(0.0, t - prev.cpu_times.get(m, t)) for m, t in cur.cpu_times.items()}
        total = sum(deltas.values())
        return {m: d / total for m, d in deltas.items()} if total > 0 else {}

    def process_cpu_utilization(self) -> dict[str, float]:
        """Process CPU time per mode over elapsed time and the CPUs available to it."""
        prev, cur = self._pair()
        elapsed = cur.monotonic_s - prev.monotonic_s
        cpus = cur.process_cpus or 1
        if elapsed <= 0:
            return {}
        return {
            m: max(0.0, t - prev.process_cpu.get(m, t)) / (elapsed * cpus)
            for m, t in cur.process_cpu.items()
        }

    # --- instruments ----------------------------------------------------------------

    def _register(self, meter: Meter) -> None:
        specs: list[tuple[names.MetricName, Callable[[], Iterable[Observation]]]] = []
        if self.options.system:
            specs += [
                (names.SYSTEM_CPU_UTILIZATION, self._obs_cpu_utilization),
                (names.SYSTEM_CPU_LOGICAL_COUNT, self._obs_logical_count),
                (names.SYSTEM_MEMORY_USAGE, self._obs_memory_usage),
                (names.SYSTEM_MEMORY_LIMIT, self._obs_memory_limit),
                (names.SYSTEM_MEMORY_UTILIZATION, self._obs_memory_utilization),
            ]
        if self.options.process:
            specs += [
                (names.PROCESS_CPU_TIME, self._obs_process_cpu_time),
                (names.PROCESS_CPU_UTILIZATION, self._obs_process_cpu_utilization),
                (names.PROCESS_MEMORY_USAGE, self._obs_rss),
                (names.PROCESS_MEMORY_VIRTUAL, self._obs_vms),
                (names.PROCESS_THREAD_COUNT, self._obs_threads),
            ]
        create = {
            "gauge": meter.create_observable_gauge,
            "counter": meter.create_observable_counter,
            "updowncounter": meter.create_observable_up_down_counter,
        }
        for index, (metric, observe) in enumerate(specs):
            create[metric.kind](
                metric.name,
                callbacks=[self._callback(observe, first=index == 0)],
                unit=metric.unit,
                description=metric.description,
            )

    def _callback(
        self, observe: Callable[[], Iterable[Observation]], *, first: bool
    ) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            # The SDK runs callbacks in registration order: the first one refreshes the
            # snapshot that the rest of this collection cycle reads.
            try:
                if first:
                    self._refresh()
                return list(observe())
            except Exception as exc:  # a callback must never break the collection
                self._note_failure(getattr(observe, "__name__", "callback"), exc)
                return []

        return callback

    def _obs_cpu_utilization(self) -> Iterable[Observation]:
        for mode, share in self.cpu_utilization().items():
            yield Observation(share, {names.ATTR_CPU_MODE: mode})

    def _obs_logical_count(self) -> Iterable[Observation]:
        count = self._pair()[1].logical_cpus
        if count is not None:
            yield Observation(count)

    def _obs_memory_usage(self) -> Iterable[Observation]:
        for state, value in self._pair()[1].memory.items():
            if state != "total":
                yield Observation(value, {names.ATTR_SYSTEM_MEMORY_STATE: state})

    def _obs_memory_limit(self) -> Iterable[Observation]:
        total = self._pair()[1].memory.get("total")
        if total:
            yield Observation(total)

    def _obs_memory_utilization(self) -> Iterable[Observation]:
        memory = self._pair()[1].memory
        total = memory.get("total")
        if total:
            for state, value in memory.items():
                if state != "total":
                    yield Observation(value / total, {names.ATTR_SYSTEM_MEMORY_STATE: state})

    def _obs_process_cpu_time(self) -> Iterable[Observation]:
        for mode, seconds in self._pair()[1].process_cpu.items():
            yield Observation(seconds, {names.ATTR_CPU_MODE: mode})

    def _obs_process_cpu_utilization(self) -> Iterable[Observation]:
        for mode, share in self.process_cpu_utilization().items():
            yield Observation(share, {names.ATTR_CPU_MODE: mode})

    def _obs_rss(self) -> Iterable[Observation]:
        rss = self._pair()[1].process_rss
        if rss is not None:
            yield Observation(rss)

    def _obs_vms(self) -> Iterable[Observation]:
        vms = self._pair()[1].process_vms
        if vms is not None:
            yield Observation(vms)

    def _obs_threads(self) -> Iterable[Observation]:
        threads = self._pair()[1].process_threads
        if threads is not None:
            yield Observation(threads)

    # --- dashboard ------------------------------------------------------------------

    def dashboard_section(self) -> dict[str, Any]:
        """Return the ``infrastructure`` section of the unified dashboard."""
        if self._clock() - self._pair()[1].monotonic_s > 1.0:
            self._refresh()
        cur = self._pair()[1]
        cpu = self.cpu_utilization()
        memory = cur.memory
        return {
            "cpu_utilization": (1.0 - cpu["idle"]) if "idle" in cpu else None,
            "memory_utilization": (
                memory["used"] / memory["total"] if memory.get("total") else None
            ),
            "memory_used_bytes": memory.get("used"),
            "memory_total_bytes": memory.get("total"),
            "logical_cpus": cur.logical_cpus,
            "process": {
                "cpu_utilization": sum(self.process_cpu_utilization().values()),
                "memory_rss_bytes": cur.process_rss,
                "threads": cur.process_threads,
            },
            "probe_failures": dict(self.probe_failures),
        }

    def close(self) -> None:
        """Stop background work (none yet)."""
