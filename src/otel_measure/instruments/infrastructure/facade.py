"""Host, process, GPU, service and request metrics (``m.infrastructure``).

Every observable callback reads the same :class:`HostSnapshot`: the first callback of a
collection cycle takes it, so psutil is called once per cycle, not once per instrument.
Utilizations are deltas against the previous snapshot, and a baseline is taken at
construction, so the very first collection already reports a true value (not 0).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psutil
from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.stats import quantile
from otel_measure.errors import OtelMeasureError
from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.infrastructure import collect as collect
from otel_measure.instruments.infrastructure.asgi import ASGIMiddleware
from otel_measure.instruments.infrastructure.gpu import GpuMetrics
from otel_measure.instruments.infrastructure.host_snapshot import HostReader, HostSnapshot
from otel_measure.instruments.infrastructure.observe import OBSERVERS, Observer
from otel_measure.instruments.infrastructure.requests import RequestTracker
from otel_measure.instruments.infrastructure.results import (
    CPUMetrics,
    DiskMetrics,
    MemoryMetrics,
    MetricsHistory,
    MetricsSummary,
    NetworkMetrics,
    ResourceSummary,
    SystemHealthSnapshot,
)
from otel_measure.instruments.infrastructure.services import ServiceHealth
from otel_measure.names import create_instrument
from otel_measure.options import InfrastructureOptions

__all__ = ["InfrastructureMetrics"]


@dataclass(frozen=True)
class _Sample:
    """What the background sampler keeps per snapshot (small: 10,000 of them by default)."""

    wall_s: float
    status: str
    values: tuple[tuple[str, float | None], ...]


class InfrastructureMetrics:
    """System, process and GPU metrics under semantic-convention names, plus services.

    Args:
        meter: Meter the instruments are created on.
        rejections: Shared bad-input helper.
        options: Metric groups, exclusions, sampler and health thresholds.
        psutil_module: Data source (the ``psutil`` module, or a stand-in in tests).
        nvml: NVML module for GPU metrics (``None``: load ``pynvml`` if installed).
        clock: Monotonic clock in seconds. wall_clock: Epoch clock in seconds.
        prometheus_text: Returns the Prometheus exposition of everything registered.
        start_sampler: Start the background sampler thread now.
    """

    def __init__(
        self,
        meter: Meter,
        rejections: Rejections,
        options: InfrastructureOptions,
        *,
        psutil_module: Any = psutil,
        nvml: Any = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        prometheus_text: Callable[[], str] | None = None,
        start_sampler: bool = True,
    ) -> None:
        self.options = options
        self._reader = HostReader(psutil_module, options, clock=clock, wall_clock=wall_clock)
        self._clock = clock
        self._wall = wall_clock
        self._prometheus_text = prometheus_text
        self._lock = threading.Lock()
        first = self._reader.read()
        # Each consumer keeps its own previous snapshot, so the exporter's utilization
        # spans one collection interval whatever the sampler or collect_*() calls do.
        self._last = dict.fromkeys(("export", "query", "sampler", "dashboard"), first)
        self._export_pair = (first, first)
        self._history: deque[_Sample] = deque(maxlen=options.history_size)
        self.services = ServiceHealth(meter, rejections, clock=clock, wall_clock=wall_clock)
        self.requests = RequestTracker(meter, rejections)
        self.gpu: GpuMetrics | None = None
        if options.gpu:
            self.gpu = GpuMetrics(meter, nvml, on_failure=self._reader.note_failure)
        self._register(meter)
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None
        if start_sampler:
            self._sampler = threading.Thread(target=self._sample_loop,
                                             name="otel-measure-sampler", daemon=True)
            self._sampler.start()

    # --- snapshots ------------------------------------------------------------------

    @property
    def probe_failures(self) -> dict[str, int]:
        """Failed psutil / NVML probes so far, by probe."""
        return dict(self._reader.failures)

    def _advance(self, consumer: str) -> tuple[HostSnapshot, HostSnapshot]:
        snap = self._reader.read()
        with self._lock:
            prev = self._last[consumer]
            if snap.monotonic_s <= prev.monotonic_s:  # same clock tick: keep the baseline
                return prev, snap
            self._last[consumer] = snap
            return prev, snap

    def take_snapshot(self) -> HostSnapshot:
        """Read every enabled probe once and return the readings."""
        return self._reader.read()

    # --- instruments ----------------------------------------------------------------

    def _enabled(self, group: str) -> bool:
        o = self.options
        if group == "process":
            return o.process
        if group == "gc":
            return o.process and o.gc
        if group == "connections":
            return o.system and o.network and (o.connections or o.connection_states)
        return o.system and (group == "system" or bool(getattr(o, group)))

    def _register(self, meter: Meter) -> None:
        from fnmatch import fnmatchcase

        chosen = [
            (metric, observe) for metric, group, observe in OBSERVERS
            if self._enabled(group)
            and not any(fnmatchcase(metric.name, p) for p in self.options.exclude)
        ]
        for index, (metric, observe) in enumerate(chosen):
            create_instrument(meter, metric, callbacks=[self._callback(observe, index == 0)])

    def _callback(self, observe: Observer, first: bool
                  ) -> Callable[[CallbackOptions], Iterable[Observation]]:
        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            # The SDK runs callbacks in registration order: the first one takes the
            # snapshot that the rest of this collection cycle reads.
            try:
                if first:
                    self._export_pair = self._advance("export")
                prev, cur = self._export_pair
                return list(observe(prev, cur, self.options))
            except Exception as exc:  # a callback must never break the collection
                self._reader.note_failure(getattr(observe, "__name__", "callback"), exc)
                return []

        return callback

    # --- origin methods -------------------------------------------------------------

    def collect_cpu_metrics(self) -> CPUMetrics:
        """CPU utilization (total, per mode, per CPU), frequency and load since last call."""
        return collect.cpu_metrics(*self._advance("query"))

    def collect_memory_metrics(self) -> MemoryMetrics:
        """Physical memory, swap and this process's memory now."""
        return collect.memory_metrics(self.take_snapshot())

    def collect_disk_metrics(self) -> DiskMetrics:
        """Filesystem space and disk I/O rates since the previous call."""
        return collect.disk_metrics(*self._advance("query"))

    def collect_network_metrics(self) -> NetworkMetrics:
        """Network totals and per-second rates since the previous call."""
        return collect.network_metrics(*self._advance("query"))

    def collect_system_snapshot(self) -> SystemHealthSnapshot:
        """Everything now, with healthy / degraded / critical and the reasons."""
        return collect.health(*self._advance("query"), self.options)

    # --- sampler and summary --------------------------------------------------------

    def sample(self) -> SystemHealthSnapshot:
        """Take one sampler snapshot and append it to the history (the thread calls this)."""
        snap = collect.health(*self._advance("sampler"), self.options)
        net = snap.network
        values = (
            ("cpu_utilization", snap.cpu.utilization),
            ("memory_utilization", snap.memory.utilization),
            ("disk_utilization", snap.disk.max_utilization),
            ("network_recv_bytes_per_s", net.recv_bytes_per_s),
            ("network_sent_bytes_per_s", net.sent_bytes_per_s),
            ("process_cpu_utilization", snap.cpu.process_utilization),
            ("process_memory_rss_bytes",
             float(snap.memory.process_rss) if snap.memory.process_rss is not None else None),
        )
        with self._lock:
            self._history.append(_Sample(snap.timestamp, snap.status, values))
        return snap

    def _sample_loop(self) -> None:
        while not self._stop.wait(self.options.sample_interval_s):
            try:
                self.sample()
            except Exception as exc:  # the sampler must outlive one bad probe
                self._reader.note_failure("sampler", exc)

    def get_metrics_summary(self, window_s: float = 3600.0, *, now: float | None = None
                            ) -> MetricsSummary:
        """min / mean / max / p95 per resource over the sampler's last ``window_s`` seconds.

        Raises:
            ValueError: ``window_s`` is not a positive number.
        """
        if isinstance(window_s, bool) or not isinstance(window_s, (int, float)) or not (
                window_s > 0 and window_s != float("inf")):
            raise ValueError(f"window_s={window_s!r} is invalid: expected a positive number "
                             "of seconds")
        end = self._wall() if now is None else now
        with self._lock:
            samples = [s for s in self._history if end - window_s <= s.wall_s <= end]
        columns: dict[str, list[float]] = {}
        statuses: dict[str, int] = {}
        for sample in samples:
            statuses[sample.status] = statuses.get(sample.status, 0) + 1
            for key, value in sample.values:
                bucket = columns.setdefault(key, [])
                if value is not None:
                    bucket.append(value)
        resources = {
            key: ResourceSummary(len(vals), min(vals), sum(vals) / len(vals), max(vals),
                                 quantile(vals, 0.95)) if vals
            else ResourceSummary(0, None, None, None, None)
            for key, vals in columns.items()
        }
        return MetricsSummary(float(window_s), len(samples), resources, statuses)

    def get_history(self, window_s: float = 3600.0, *, now: float | None = None
                    ) -> MetricsHistory:
        """The sampler's snapshots of the last ``window_s`` seconds, a column per resource.

        Raises:
            ValueError: ``window_s`` is not a positive number.
        """
        self.get_metrics_summary(window_s, now=now)  # the one check of window_s
        end = self._wall() if now is None else now
        with self._lock:
            samples = [s for s in self._history if end - window_s <= s.wall_s <= end]
        series: dict[str, list[float | None]] = {}
        for sample in samples:
            for key, value in sample.values:
                series.setdefault(key, []).append(value)
        return MetricsHistory(float(window_s), tuple(s.wall_s for s in samples),
                              tuple(s.status for s in samples),
                              {k: tuple(v) for k, v in series.items()})

    # --- services and requests (delegated) ------------------------------------------

    def register_service(self, name: str, check: Any, interval_s: float = 30.0,
                         timeout_s: float = 5.0) -> None:
        """Check ``check`` (a callable or an http(s) URL) every ``interval_s`` seconds."""
        self.services.register_service(name, check, interval_s=interval_s, timeout_s=timeout_s)

    def get_availability_metrics(self, name: str | None = None, window_s: float = 3600.0
                                 ) -> Any:
        """Availability of one registered service, or of all of them by name."""
        return self.services.get_availability_metrics(name, window_s=window_s)

    def track_request(self, method: str, route: str | None = None) -> Any:
        """Context manager timing one HTTP request (``http.server.*`` metrics)."""
        return self.requests.track_request(method, route)

    def wsgi_middleware(self, app: Any, route_for: Callable[[dict[str, Any]], str | None]
                        | None = None) -> Any:
        """Wrap a WSGI app so every request is tracked."""
        return self.requests.wsgi_middleware(app, route_for=route_for)

    def asgi_middleware(self, app: Any, route_for: Callable[[Any], str | None] | None = None
                        ) -> Any:
        """Wrap an ASGI app (Starlette, FastAPI) so every HTTP request is tracked."""
        return ASGIMiddleware(app, self.requests, route_for)

    def get_request_latency_metrics(self) -> Any:
        """p50 / p95 / p99 of the last 1,000 tracked requests."""
        return self.requests.get_request_latency_metrics()

    def export_prometheus_metrics(self) -> str:
        """The Prometheus text exposition of everything registered, whatever the exporter.

        Raises:
            OtelMeasureError: instruments live on a provider the application owns, whose
                readers otel-measure cannot read.
        """
        if self._prometheus_text is None:
            raise OtelMeasureError(
                "export_prometheus_metrics() needs a provider built by setup(); with an "
                "application-owned meter_provider add a PrometheusMetricReader to it instead"
            )
        return self._prometheus_text()

    # --- dashboard and lifecycle ----------------------------------------------------

    def dashboard_section(self) -> dict[str, Any]:
        """Latest snapshot with status, last hour's summary, GPUs, services, requests."""
        snapshot = collect.health(*self._advance("dashboard"), self.options)
        return {
            "snapshot": snapshot.to_dict(),
            "status": snapshot.status,
            "summary_last_hour": self.get_metrics_summary(3600.0).to_dict(),
            "gpu": self.gpu.dashboard_section() if self.gpu else {"available": False},
            "services": self.services.dashboard_section(),
            "requests": self.requests.dashboard_section(),
            "probe_failures": self.probe_failures,
        }

    def close(self) -> None:
        """Stop the sampler and service-check threads."""
        self._stop.set()
        if self._sampler is not None:
            self._sampler.join(timeout=5)
            self._sampler = None
        self.services.close()
