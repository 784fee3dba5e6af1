"""prometheus_without_scope_info: otel_scope_* labels on or off in a real /metrics scrape."""

from __future__ import annotations

import logging
import urllib.request

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client.parser import text_string_to_metric_families

import otel_measure
from otel_measure import OtelMeasureConfigError
from otel_measure._prometheus import render_prometheus
from otel_measure.config import resolve_settings

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]
SCOPE = ("otel_scope_name", "otel_scope_version", "otel_scope_schema_url")


def _scrape(m: otel_measure.Measure) -> Series:
    """Every sample of one /metrics scrape but target_info, keyed by name and labels."""
    assert m.prometheus_url is not None
    with urllib.request.urlopen(m.prometheus_url, timeout=10) as response:
        text = response.read().decode()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            if family.name != "target_info" for s in family.samples}


def _without_scope(series: Series) -> Series:
    return {(name, frozenset((k, v) for k, v in labels if not k.startswith("otel_scope_"))): v
            for (name, labels), v in series.items()}


def _labels(series: Series) -> set[str]:
    return {k for _, labels in series for k, _ in labels}


def _run(**kwargs: object) -> Series:
    """setup() on a free port, record a fixed workload, scrape once, shut down."""
    m = otel_measure.setup(prometheus_port=0, infrastructure=False, analytics=False,
                           **kwargs)  # type: ignore[arg-type]
    m.models.record_inference("gpt-4o-mini", 0.8, 1200, 300)
    m.models.record_inference("gpt-4o-mini", 2.5, 90, 40, success=False,
                              error_type="timeout")
    m.rejections.reject("bad_score", "score 11 is outside 0..10")
    m.meter.create_counter("app.orders").add(3, {"region": "eu"})
    try:
        return _scrape(m)
    finally:
        m.shutdown()


def test_default_keeps_scope_labels_as_the_specification_says() -> None:
    """Default (spec: without_scope_info false): every series carries otel_scope_*."""
    assert resolve_settings({}, env={}).prometheus_without_scope_info is False
    series = _run()
    assert series and all(dict(labels).get("otel_scope_name") == "otel_measure"
                          for _, labels in series)
    assert set(SCOPE) <= _labels(series)


def test_without_scope_info_drops_the_labels_and_keeps_every_value() -> None:
    """The setting removes the labels only: same series, same values, nothing merged."""
    with_scope = _run()
    without = _run(prometheus_without_scope_info=True)
    assert not any(k.startswith("otel_scope_") for k in _labels(without))
    assert without == _without_scope(with_scope)
    assert len(without) == len(with_scope)
    assert without[("app_orders_total", frozenset({("region", "eu")}))] == 3.0
    assert any(name == "gen_ai_client_operation_duration_seconds_bucket"
               for name, _ in without)


def test_environment_variable_sets_it_and_a_bad_value_names_the_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """OTEL_MEASURE_PROMETHEUS_WITHOUT_SCOPE_INFO resolves like every other setting."""
    monkeypatch.setenv("OTEL_MEASURE_PROMETHEUS_WITHOUT_SCOPE_INFO", "true")
    assert not any(k.startswith("otel_scope_") for k in _labels(_run()))
    given = resolve_settings({"prometheus_without_scope_info": False})
    assert given.prometheus_without_scope_info is False  # the argument wins
    monkeypatch.setenv("OTEL_MEASURE_PROMETHEUS_WITHOUT_SCOPE_INFO", "sometimes")
    with pytest.raises(OtelMeasureConfigError,
                       match=r"prometheus_without_scope_info.*OTEL_MEASURE_PROMETHEUS_WITHOUT"):
        otel_measure.setup(prometheus_port=0)


def test_two_scopes_with_the_same_series_keep_their_labels(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Same name and attributes from two scopes: the labels stay, so no series merge."""
    m = otel_measure.setup(prometheus_port=0, infrastructure=False, analytics=False,
                           models=False, prometheus_without_scope_info=True)
    for scope, value in (("lib.a", 2), ("lib.b", 5)):
        m.meter_provider.get_meter(scope, "1.0").create_counter("shared.events").add(
            value, {"k": "v"})
    for scope, value in (("lib.a", 7), ("lib.b", 11)):  # distinct attributes: safe to drop
        m.meter_provider.get_meter(scope, "1.0").create_counter("split.events").add(
            value, {"lib": scope})
    m.rejections.reject("bad_score", "score 11 is outside 0..10")
    with caplog.at_level(logging.WARNING, logger="otel_measure"):
        first, second = _scrape(m), _scrape(m)
    m.shutdown()
    shared = {dict(labels)["otel_scope_name"]: v for (name, labels), v in first.items()
              if name == "shared_events_total"}
    assert shared == {"lib.a": 2.0, "lib.b": 5.0}
    split = {labels: v for (name, labels), v in first.items() if name == "split_events_total"}
    assert split == {frozenset({("lib", "lib.a")}): 7.0, frozenset({("lib", "lib.b")}): 11.0}
    rejected = [labels for name, labels in first if name == "measure_rejected_total"]
    assert rejected and not any(k.startswith("otel_scope_") for k, _ in rejected[0])
    assert first == second
    warnings = [r for r in caplog.records if "shared_events" in r.getMessage()]
    assert len(warnings) == 1 and "otel_scope_" in warnings[0].getMessage()


def test_rendered_text_follows_the_setting() -> None:
    """The text of export_prometheus_metrics() without a Prometheus reader follows it too."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    provider.get_meter("lib", "2.0").create_counter("jobs").add(4, {"queue": "q1"})
    data = reader.get_metrics_data()
    labelled = render_prometheus(data)
    bare = render_prometheus(data, without_scope_info=True)
    assert 'jobs_total{otel_scope_name="lib",otel_scope_schema_url="",' \
           'otel_scope_version="2.0",queue="q1"} 4.0' in labelled
    assert 'jobs_total{queue="q1"} 4.0' in bare and "otel_scope_" not in bare
    provider.shutdown()
