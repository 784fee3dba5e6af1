"""Readers, exporters and span processors built from resolved settings.

Each exporter's package is imported by the function that builds it, so ``setup()``
loads only what it uses (``prometheus_client``, grpc, requests...).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

from otel_measure.config import OtlpSignal, Settings
from otel_measure.errors import OtelMeasureError

if TYPE_CHECKING:
    from otel_measure._prometheus import SafeRegistry, render_prometheus

__all__ = ["Pipeline", "SafeRegistry", "build_pipeline", "cardinality_limits",
           "render_prometheus"]


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """``SafeRegistry`` and ``render_prometheus`` live in ``_prometheus`` (loaded on use)."""
        if name in ("SafeRegistry", "render_prometheus"):
            from otel_measure import _prometheus

            return getattr(_prometheus, name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


@dataclass
class Pipeline:
    """What ``setup()`` exports through: readers, span processors, the Prometheus registry."""

    readers: list[MetricReader] = field(default_factory=list)
    span_processors: list[SpanProcessor] = field(default_factory=list)
    registry: SafeRegistry | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)
    without_scope_info: bool = False
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
        from otel_measure._prometheus import render_prometheus

        if self.registry is not None:
            from prometheus_client import generate_latest

            return generate_latest(self.registry).decode()
        for reader, keep in self._periodic:
            temporality = (keep._preferred_temporality or {}).get(Counter)
            if temporality == AggregationTemporality.CUMULATIVE:
                reader.collect()  # exports synchronously; keep.last is now fresh
                return render_prometheus(keep.last,
                                         without_scope_info=self.without_scope_info)
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
    pipeline = Pipeline(without_scope_info=settings.prometheus_without_scope_info)
    limits = cardinality_limits(settings.cardinality_limit)
    interval_ms = settings.export_interval_s * 1000.0
    timeout_ms = settings.export_timeout_s * 1000.0
    if "prometheus" in settings.exporters:
        from opentelemetry.exporter.prometheus import PrometheusMetricReader

        from otel_measure._prometheus import SafeRegistry

        # A private registry: the global one would mix in other libraries' collectors
        # and break a second setup() in the same process. The exporter always adds the
        # otel_scope_* labels; the registry removes them when asked, where it is safe.
        pipeline.registry = SafeRegistry(
            without_scope_info=settings.prometheus_without_scope_info)
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
