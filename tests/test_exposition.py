"""export_prometheus_metrics() works whatever the exporter; shutdown runs at exit."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from opentelemetry.sdk.metrics import MeterProvider

import otel_measure
from otel_measure import OtelMeasureError
from tests.support.otlp_receiver import GrpcReceiver


def _lines(text: str, prefix: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(prefix)]


def test_exposition_with_prometheus_exporter() -> None:
    """With the Prometheus exporter the text is the served registry's."""
    m = otel_measure.setup(prometheus_port=0, service_name="expo")
    m.rejections.reject("x", "dropped")
    text = m.infrastructure.export_prometheus_metrics()
    assert _lines(text, 'measure_rejected_total{') and "service_name=\"expo\"" in text
    assert _lines(text, "system_memory_usage_bytes{")


def test_exposition_with_only_otlp_exporter() -> None:
    """With OTLP only, the text comes from a forced cumulative collection."""
    receiver = GrpcReceiver()
    try:
        m = otel_measure.setup(exporters=["otlp"], otlp_endpoint=receiver.endpoint,
                               export_interval_s=3600)
        for _ in range(3):
            m.rejections.reject("otlp_only", "dropped")
        text = m.infrastructure.export_prometheus_metrics()
        (line,) = _lines(text, "measure_rejected_total{")
        assert 'reason="otlp_only"' in line and line.endswith(" 3.0")
        assert _lines(text, "process_cpu_time_seconds_total{")
        m.shutdown()
    finally:
        receiver.stop()


def test_exposition_needs_a_reader() -> None:
    """exporters='none' keeps no aggregates, and an app-owned provider is not readable."""
    m = otel_measure.setup(exporters="none")
    with pytest.raises(OtelMeasureError, match="exporter"):
        m.infrastructure.export_prometheus_metrics()
    otel_measure.shutdown()
    m = otel_measure.setup(meter_provider=MeterProvider())
    with pytest.raises(OtelMeasureError, match="PrometheusMetricReader"):
        m.infrastructure.export_prometheus_metrics()


def test_interpreter_exit_flushes_without_explicit_shutdown() -> None:
    """A script that never calls shutdown() still delivers its metrics at exit."""
    receiver = GrpcReceiver()
    script = textwrap.dedent(f"""
        import otel_measure
        m = otel_measure.setup(exporters=["otlp"], otlp_endpoint="{receiver.endpoint}",
                               export_interval_s=3600, infrastructure=False)
        m.rejections.reject("at_exit", "dropped")
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    try:
        proc = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        got = receiver.received
        assert got.wait_for(lambda: got.metric("measure.rejected") is not None, 10)
        metric, _ = got.metric("measure.rejected")  # type: ignore[misc]
        assert metric.sum.data_points[0].as_int == 1
    finally:
        receiver.stop()
