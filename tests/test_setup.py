"""setup() wiring: providers, resource, idempotence, shutdown, globals, rejections."""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from typing import Any

import pytest
from opentelemetry import metrics as otel_metrics
from opentelemetry import trace as otel_trace
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

import otel_measure
from otel_measure import OtelMeasureConfigError, OtelMeasureError
from tests.support.net import free_port
from tests.support.rig import metric_points


def test_given_meter_provider_gets_instruments_and_no_exporters() -> None:
    """With meter_provider= the instruments land there and setup() starts no server."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    m = otel_measure.setup(meter_provider=provider, tracer_provider=tracer_provider)
    assert m.prometheus_url is None and m.endpoints == {}
    points = metric_points(reader.get_metrics_data())
    assert points["system.memory.limit"][0].value > 0
    assert {p.attributes["cpu.mode"] for p in points["process.cpu.time"]} == {"user", "system"}
    m.shutdown()
    # The app's providers were not shut down: a new instrument still records and collects,
    # and a new span still reaches the app's exporter (both fail after a provider shutdown).
    provider.get_meter("app").create_counter("app.after_shutdown").add(5)
    assert metric_points(reader.get_metrics_data())["app.after_shutdown"][0].value == 5
    with tracer_provider.get_tracer("app").start_as_current_span("after-shutdown"):
        pass
    assert [s.name for s in spans.get_finished_spans()] == ["after-shutdown"]


def test_resource_carries_service_environment_and_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resource has service.*, deployment.environment.name, instance id and telemetry.sdk."""
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "team=payments,service.name=ignored")
    m = otel_measure.setup(
        service_name="checkout", service_version="1.2.3", environment="staging",
        resource_attributes={"region": "eu"}, exporters="none",
    )
    r = m.resource
    assert (r["service.name"], r["service.version"]) == ("checkout", "1.2.3")
    assert r["deployment.environment.name"] == "staging"
    assert r["team"] == "payments" and r["region"] == "eu"
    assert len(str(r["service.instance.id"])) == 36
    assert r["telemetry.sdk.language"] == "python"


def test_service_name_from_resource_attributes_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without an argument or OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES names the service."""
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs")
    assert otel_measure.setup(exporters="none").resource["service.name"] == "from-attrs"


def test_same_settings_return_same_handle_and_different_ones_raise() -> None:
    """A second setup() with equal settings is a no-op; other settings need shutdown() first."""
    m = otel_measure.setup(service_name="a", exporters="none")
    assert otel_measure.setup(service_name="a", exporters="none") is m
    assert otel_measure.get_measure() is m
    with pytest.raises(OtelMeasureConfigError, match="shutdown"):
        otel_measure.setup(service_name="b", exporters="none")
    otel_measure.shutdown()
    assert otel_measure.setup(service_name="b", exporters="none") is not m


def test_shutdown_is_idempotent_and_stops_server_and_threads() -> None:
    """shutdown() frees the port, joins our threads and can be called again."""
    before = {t.name for t in threading.enumerate()}
    port = free_port()
    m = otel_measure.setup(exporters=["prometheus", "console"], prometheus_port=port,
                           export_interval_s=3600)
    assert m.prometheus_url == f"http://127.0.0.1:{port}/metrics"
    m.shutdown()
    m.shutdown()
    otel_measure.shutdown()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))  # would raise if still bound
    assert {t.name for t in threading.enumerate()} <= before
    with pytest.raises(OtelMeasureError, match="setup"):
        otel_measure.get_measure()


def test_busy_port_raises_naming_port_and_leaves_nothing_running() -> None:
    """A port in use is a config error naming the port, with no thread left behind."""
    before = set(threading.enumerate())
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(OtelMeasureConfigError, match=f"prometheus_port.*{port}"):
            otel_measure.setup(exporters=["prometheus", "otlp"], prometheus_port=port)
    assert set(threading.enumerate()) <= before
    with pytest.raises(OtelMeasureError):
        otel_measure.get_measure()


@pytest.mark.parametrize(
    "kwargs",
    [{"exporters": ["bogus"]}, {"prometheus_port": -1}, {"otlp_endpoint": "ftp://x"},
     {"export_interval_s": -1.0}, {"views": ["not a view"]}],
)
def test_config_errors_leave_nothing_running(kwargs: dict[str, Any]) -> None:
    """A rejected setup() starts no thread and registers no handle."""
    before = set(threading.enumerate())
    with pytest.raises(OtelMeasureConfigError):
        otel_measure.setup(**kwargs)
    assert set(threading.enumerate()) <= before
    with pytest.raises(OtelMeasureError):
        otel_measure.get_measure()


def test_sdk_disabled_uses_noop_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_SDK_DISABLED=true: no-op providers, no endpoint, the API still answers."""
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    m = otel_measure.setup(prometheus_port=free_port())
    assert isinstance(m.meter_provider, NoOpMeterProvider)
    assert m.prometheus_url is None
    assert "infrastructure" in m.dashboard()


def test_installs_global_providers_once() -> None:
    """Our providers become the globals when the app installed none."""
    m = otel_measure.setup(exporters="none")
    assert otel_metrics.get_meter_provider() is m.meter_provider
    assert otel_trace.get_tracer_provider() is m.tracer_provider


def test_attaches_to_application_global_provider(caplog: pytest.LogCaptureFixture) -> None:
    """An SDK provider the app installed is used, not replaced, and that is logged."""
    reader = InMemoryMetricReader()
    app_provider = MeterProvider(metric_readers=[reader])
    otel_metrics.set_meter_provider(app_provider)
    with caplog.at_level("INFO", logger="otel_measure"):
        m = otel_measure.setup(prometheus_port=free_port())
    assert m.meter_provider is app_provider
    assert m.prometheus_url is None
    assert "application's global MeterProvider" in caplog.text
    assert "process.memory.usage" in metric_points(reader.get_metrics_data())
    m.shutdown()
    assert otel_metrics.get_meter_provider() is app_provider


def test_non_strict_rejection_counts_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    """Bad input is dropped, counted per reason in measure.rejected and logged once."""
    reader = InMemoryMetricReader()
    m = otel_measure.setup(meter_provider=MeterProvider(metric_readers=[reader]))
    with caplog.at_level("WARNING", logger="otel_measure"):
        for _ in range(3):
            m.rejections.reject("negative_latency", "latency_s=-1 must be >= 0")
        m.rejections.reject("nan", "value is NaN")
    assert caplog.text.count("negative_latency") == 1
    assert m.rejections.counts() == {"negative_latency": 3, "nan": 1}
    assert m.dashboard()["rejected"] == {"negative_latency": 3, "nan": 1}
    points = metric_points(reader.get_metrics_data())["measure.rejected"]
    assert {p.attributes["reason"]: p.value for p in points} == {"negative_latency": 3, "nan": 1}


def test_strict_rejection_raises_value_error() -> None:
    """With strict=True bad input raises ValueError with the message."""
    m = otel_measure.setup(exporters="none", strict=True)
    with pytest.raises(ValueError, match="latency_s=-1"):
        m.rejections.reject("negative_latency", "latency_s=-1 must be >= 0")
    assert m.rejections.counts() == {}


def test_disabled_domain_raises_clear_error() -> None:
    """A disabled domain says how to enable it instead of failing with AttributeError."""
    m = otel_measure.setup(exporters="none", models=False)
    with pytest.raises(OtelMeasureError, match=r"setup\(models=True\)"):
        _ = m.models
    assert "models" not in m.dashboard()


def test_dashboard_is_json_and_served_over_http() -> None:
    """dashboard() is JSON-serialisable and the same document is served by the endpoint."""
    m = otel_measure.setup(service_name="dash", prometheus_port=0)
    local = json.loads(json.dumps(m.dashboard()))
    assert local["service"]["name"] == "dash"
    assert local["exporters"]["prometheus"] == m.prometheus_url
    url = m.prometheus_url.replace("/metrics", "/api/v1/metrics/dashboard")
    with urllib.request.urlopen(url, timeout=5) as resp:
        served = json.loads(resp.read())
    assert served["service"] == local["service"]
    assert set(served) >= {"infrastructure", "models", "analytics", "rejected", "resource"}
