"""Readers, exporters and span processors built from resolved settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics._internal.instrument import Gauge
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    ConsoleMetricExporter,
    MetricExporter,
    MetricExportResult,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from prometheus_client import CollectorRegistry, generate_latest

from otel_measure.config import OtlpSignal, Settings
from otel_measure.errors import OtelMeasureError

__all__ = ["Pipeline", "SafeRegistry", "build_pipeline", "cardinality_limits",
           "render_prometheus"]

_INSTRUMENT_CLASSES: tuple[type, ...] = (
    Counter,
    UpDownCounter,
    Histogram,
    Gauge,
    ObservableCounter,
    ObservableUpDownCounter,
    ObservableGauge,
)


def cardinality_limits(limit: int) -> dict[Any, int]:
    """Return a reader's ``cardinality_limits`` applying ``limit`` to every instrument kind."""
    return dict.fromkeys(_INSTRUMENT_CLASSES, limit)


class _KeepLast(MetricExporter):
    """Passes batches to ``inner`` and keeps the last one, for the Prometheus text view."""

    def __init__(self, inner: MetricExporter) -> None:
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner
        self.last: MetricsData | None = None

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000,
               **kwargs: Any) -> MetricExportResult:
        self.last = metrics_data
        return self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return self.inner.force_flush(timeout_millis)

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self.inner.shutdown(timeout_millis=timeout_millis, **kwargs)


def _encodes(text: object) -> bool:
    if not isinstance(text, str):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class SafeRegistry(CollectorRegistry):
    """The Prometheus registry of ``setup()``: a sample that cannot be encoded is left out.

    Recording calls check names on the way in; this is the defence in depth for what
    bypasses them (the application's own instruments on ``m.meter``). A series whose
    metric or label names or values are not valid UTF-8 would fail every scrape; here it
    is dropped from the exposition and reported through :attr:`on_drop` instead.
    """

    def __init__(self) -> None:
        super().__init__(auto_describe=True)
        self.on_drop: Callable[[str], None] | None = None

    def collect(self) -> Iterator[Any]:
        """Yield the registered metric families without their unencodable samples."""
        dropped: list[str] = []
        for family in super().collect():
            if not all(_encodes(t) for t in (family.name, family.documentation,
                                              getattr(family, "unit", ""))):
                dropped.append(family.name.encode("utf-8", "replace").decode())
                continue
            kept = [s for s in family.samples
                    if all(_encodes(k) and _encodes(v) for k, v in s.labels.items())]
            if len(kept) != len(family.samples):
                dropped.extend([family.name] * (len(family.samples) - len(kept)))
                family.samples = kept
            yield family
        if self.on_drop is not None:
            for name in dropped:
                self.on_drop(f"a series of {name} has a name or attribute value that is not "
                             "valid UTF-8; it is left out of /metrics")


def render_prometheus(data: MetricsData | None) -> str:
    """Render cumulative OpenTelemetry metrics data as Prometheus text."""
    from opentelemetry.exporter.prometheus import _CustomCollector

    registry = CollectorRegistry(auto_describe=False)
    collector = _CustomCollector()
    if data is not None:
        collector.add_metrics_data(data)
    registry.register(collector)
    return generate_latest(registry).decode()


@dataclass
class Pipeline:
    """What ``setup()`` exports through: readers, span processors, the Prometheus registry."""

    readers: list[MetricReader] = field(default_factory=list)
    span_processors: list[SpanProcessor] = field(default_factory=list)
    registry: SafeRegistry | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)
    _periodic: list[tuple[PeriodicExportingMetricReader, _KeepLast]] = field(
        default_factory=list)

    def _add_periodic(self, exporter: MetricExporter, interval_ms: float, timeout_ms: float,
                      limits: dict[Any, int]) -> None:
        keep = _KeepLast(exporter)
        reader = PeriodicExportingMetricReader(
            keep, export_interval_millis=interval_ms, export_timeout_millis=timeout_ms,
            cardinality_limits=limits,
        )
        self.readers.append(reader)
        self._periodic.append((reader, keep))

    def prometheus_text(self) -> str:
        """Prometheus exposition of everything: from the registry, else a forced export.

        Raises:
            OtelMeasureError: No reader exists, or the only ones export delta temporality.
        """
        if self.registry is not None:
            return generate_latest(self.registry).decode()
        for reader, keep in self._periodic:
            temporality = (keep._preferred_temporality or {}).get(Counter)
            if temporality == AggregationTemporality.CUMULATIVE:
                reader.collect()  # exports synchronously; keep.last is now fresh
                return render_prometheus(keep.last)
        raise OtelMeasureError(
            "no cumulative metric reader to render: enable the 'prometheus' or 'otlp' "
            "exporter (exporters='none' keeps no aggregates)"
        )


def _otlp_exporter(signal: OtlpSignal, kind: str) -> Any:
    """The OTLP exporter of ``kind`` ("metric" or "trace") for the signal's protocol."""
    # Imported lazily: each protocol pulls in its own stack (grpcio or requests).
    if signal.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        grpc_cls: Any = OTLPMetricExporter if kind == "metric" else OTLPSpanExporter
        return grpc_cls(
            endpoint=signal.endpoint,
            insecure=signal.endpoint.startswith("http://"),
            headers=dict(signal.headers),
            timeout=signal.timeout_s,
        )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HTTPMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HTTPSpanExporter,
    )

    http_cls: Any = HTTPMetricExporter if kind == "metric" else HTTPSpanExporter
    return http_cls(endpoint=signal.endpoint, headers=dict(signal.headers),
                    timeout=signal.timeout_s)


def build_pipeline(settings: Settings) -> Pipeline:
    """Create the readers and span processors the settings ask for (threads start here)."""
    from opentelemetry.exporter.prometheus import PrometheusMetricReader

    pipeline = Pipeline()
    limits = cardinality_limits(settings.cardinality_limit)
    interval_ms = settings.export_interval_s * 1000.0
    timeout_ms = settings.export_timeout_s * 1000.0
    if "prometheus" in settings.exporters:
        # A private registry: the global one would mix in other libraries' collectors
        # and break a second setup() in the same process.
        pipeline.registry = SafeRegistry()
        pipeline.readers.append(
            PrometheusMetricReader(registry=pipeline.registry, cardinality_limits=limits)
        )
    metric_otlp, span_otlp = "otlp" in settings.exporters, "otlp" in settings.traces_exporters
    if metric_otlp or span_otlp:
        metrics, traces = settings.signal["metrics"], settings.signal["traces"]
        if metric_otlp:
            pipeline._add_periodic(_otlp_exporter(metrics, "metric"), interval_ms, timeout_ms,
                                   limits)
        if span_otlp:
            pipeline.span_processors.append(BatchSpanProcessor(_otlp_exporter(traces, "trace")))
        pipeline.endpoints["otlp"] = {
            "metrics": metrics.endpoint if metric_otlp else None,
            "traces": traces.endpoint if span_otlp else None,
            "protocol": metrics.protocol,
        }
    if "console" in settings.exporters:
        pipeline._add_periodic(ConsoleMetricExporter(), interval_ms, timeout_ms, limits)
        pipeline.endpoints["console"] = "stdout"
    if "console" in settings.traces_exporters:
        pipeline.span_processors.append(BatchSpanProcessor(ConsoleSpanExporter()))
        pipeline.endpoints["console"] = "stdout"
    return pipeline
