"""OTEL_METRICS_EXPORTER and OTEL_TRACES_EXPORTER: honoured, exporters= wins, no silent loss."""

from __future__ import annotations

import logging

import pytest
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

import otel_measure
from otel_measure import OtelMeasureConfigError
from otel_measure._exporters import build_pipeline
from otel_measure.config import resolve_settings


def test_metrics_variable_sets_both_signals() -> None:
    """OTEL_METRICS_EXPORTER=console: console metrics, and spans follow."""
    s = resolve_settings({}, {"OTEL_METRICS_EXPORTER": "console"})
    assert (s.exporters, s.traces_exporters) == (("console",), ("console",))


def test_traces_variable_adds_span_export_to_prometheus() -> None:
    """OTEL_TRACES_EXPORTER=otlp with default Prometheus metrics sends spans over OTLP only."""
    s = resolve_settings({}, {"OTEL_TRACES_EXPORTER": "otlp"})
    assert (s.exporters, s.traces_exporters) == (("prometheus",), ("otlp",))
    assert s.signal["traces"].endpoint == "http://localhost:4317"
    pipeline = build_pipeline(s)
    try:
        assert len(pipeline.readers) == 1  # Prometheus only: no OTLP metric reader
        assert len(pipeline.span_processors) == 1
        assert pipeline.endpoints["otlp"]["metrics"] is None
    finally:
        for reader in pipeline.readers:
            reader.shutdown()
        for processor in pipeline.span_processors:
            processor.shutdown()


def test_exporters_argument_wins_over_the_variables() -> None:
    """exporters= given: neither OTEL_METRICS_EXPORTER nor OTEL_TRACES_EXPORTER applies."""
    env = {"OTEL_METRICS_EXPORTER": "console", "OTEL_TRACES_EXPORTER": "console"}
    s = resolve_settings({"exporters": ["prometheus"]}, env)
    assert (s.exporters, s.traces_exporters) == (("prometheus",), ())


def test_console_span_exporter_from_the_variable() -> None:
    """OTEL_TRACES_EXPORTER=console builds a console span exporter."""
    s = resolve_settings({}, {"OTEL_TRACES_EXPORTER": "console",
                              "OTEL_METRICS_EXPORTER": "none"})
    pipeline = build_pipeline(s)
    [processor] = pipeline.span_processors
    assert isinstance(processor.span_exporter, ConsoleSpanExporter)  # type: ignore[attr-defined]
    assert pipeline.readers == []
    processor.shutdown()


def test_prometheus_takes_no_spans() -> None:
    """OTEL_TRACES_EXPORTER=prometheus is a config error naming the setting."""
    with pytest.raises(OtelMeasureConfigError, match=r"traces_exporters.*OTEL_TRACES_EXPORTER"):
        resolve_settings({}, {"OTEL_TRACES_EXPORTER": "prometheus"})


def test_setup_says_once_when_spans_go_nowhere(caplog: pytest.LogCaptureFixture) -> None:
    """With no span exporter, setup() logs one line saying spans are not exported."""
    with caplog.at_level(logging.INFO, logger="otel_measure"):
        otel_measure.setup(exporters="none", infrastructure=False)
    lines = [r.getMessage() for r in caplog.records if "not exported" in r.getMessage()]
    assert len(lines) == 1 and "OTEL_TRACES_EXPORTER=otlp" in lines[0]
