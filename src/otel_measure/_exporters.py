"""Readers, exporters and span processors built from resolved settings."""

from __future__ import annotations

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
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from prometheus_client import CollectorRegistry

from otel_measure.config import OtlpSignal, Settings

__all__ = ["Pipeline", "build_pipeline", "cardinality_limits"]

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


@dataclass
class Pipeline:
    """What ``setup()`` exports through: readers, span processors, the Prometheus registry."""

    readers: list[MetricReader] = field(default_factory=list)
    span_processors: list[SpanProcessor] = field(default_factory=list)
    registry: CollectorRegistry | None = None
    endpoints: dict[str, Any] = field(default_factory=dict)


def _otlp_metric_exporter(signal: OtlpSignal) -> MetricExporter:
    headers = dict(signal.headers)
    if signal.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter(
            endpoint=signal.endpoint,
            insecure=signal.endpoint.startswith("http://"),
            headers=headers,
            timeout=signal.timeout_s,
        )
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HTTPMetricExporter,
    )

    return HTTPMetricExporter(endpoint=signal.endpoint, headers=headers, timeout=signal.timeout_s)


def _otlp_span_exporter(signal: OtlpSignal) -> SpanExporter:
    headers = dict(signal.headers)
    if signal.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter(
            endpoint=signal.endpoint,
            insecure=signal.endpoint.startswith("http://"),
            headers=headers,
            timeout=signal.timeout_s,
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HTTPSpanExporter,
    )

    return HTTPSpanExporter(endpoint=signal.endpoint, headers=headers, timeout=signal.timeout_s)


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
        pipeline.registry = CollectorRegistry(auto_describe=True)
        pipeline.readers.append(
            PrometheusMetricReader(registry=pipeline.registry, cardinality_limits=limits)
        )
    if "otlp" in settings.exporters:
        metrics, traces = settings.signal["metrics"], settings.signal["traces"]
        pipeline.readers.append(
            PeriodicExportingMetricReader(
                _otlp_metric_exporter(metrics),
                export_interval_millis=interval_ms,
                export_timeout_millis=timeout_ms,
                cardinality_limits=limits,
            )
        )
        pipeline.span_processors.append(BatchSpanProcessor(_otlp_span_exporter(traces)))
        pipeline.endpoints["otlp"] = {
            "metrics": metrics.endpoint,
            "traces": traces.endpoint,
            "protocol": metrics.protocol,
        }
    if "console" in settings.exporters:
        pipeline.readers.append(
            PeriodicExportingMetricReader(
                ConsoleMetricExporter(),
                export_interval_millis=interval_ms,
                export_timeout_millis=timeout_ms,
                cardinality_limits=limits,
            )
        )
        pipeline.span_processors.append(BatchSpanProcessor(ConsoleSpanExporter()))
        pipeline.endpoints["console"] = "stdout"
    return pipeline
