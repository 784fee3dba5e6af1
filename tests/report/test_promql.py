"""Name translation, argument checks and failures of the report's PromQL client."""

from __future__ import annotations

import json
import math

import pytest
from opentelemetry.exporter.prometheus._mapping import map_unit, sanitize_full_name

from otel_measure.names import CATALOG
from otel_measure.report import PromQLClient, PromQLError, build_report, prom_name
from otel_measure.report.models import quantile_from_buckets
from otel_measure.report.promql import check_since, label_name
from tests.support.net import free_port


@pytest.mark.parametrize("metric", CATALOG, ids=lambda m: m.name)
def test_prom_name_is_the_exporters_name(metric) -> None:  # type: ignore[no-untyped-def]
    """Every catalog metric gets the Prometheus name opentelemetry-exporter-prometheus gives it."""
    name = sanitize_full_name(metric.name)
    unit = map_unit(metric.unit)
    if unit and not name.endswith(unit):
        name = f"{name}_{unit}"
    if metric.kind == "counter":
        name += "_total"
    assert prom_name(metric) == name


def test_histogram_suffix_only_for_histograms() -> None:
    """A bucket suffix on a counter is refused; label names lose their dots."""
    counter = next(m for m in CATALOG if m.kind == "counter")
    with pytest.raises(ValueError, match="only for histograms"):
        prom_name(counter, "bucket")
    assert label_name("gen_ai.request.model") == "gen_ai_request_model"


@pytest.mark.parametrize("url", ["", "localhost:9090", "ftp://x", "http://"])
def test_bad_url_is_refused(url: str) -> None:
    """A URL that is not http(s) with a host raises ValueError naming the argument."""
    with pytest.raises(ValueError, match="prometheus="):
        PromQLClient(url)


def test_bad_since_and_alpha_are_refused() -> None:
    """``since`` must be a PromQL duration and ``alpha`` a float in (0, 1)."""
    assert check_since("90m") == "90m"
    client = PromQLClient("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="since='1 hour'"):
        build_report(client, since="1 hour")
    with pytest.raises(ValueError, match=r"alpha=1\.5"):
        build_report(client, alpha=1.5)


def test_unreachable_store_raises_promql_error() -> None:
    """Nothing listening: PromQLError naming the store."""
    client = PromQLClient(f"http://127.0.0.1:{free_port()}", timeout_s=2)
    with pytest.raises(PromQLError, match="cannot query"):
        client.query("up")


def test_error_and_non_vector_answers_raise() -> None:
    """An error status or a matrix answer is reported, not misread."""
    answers = iter([{"status": "error", "error": "bad"},
                    {"status": "success", "data": {"resultType": "matrix", "result": []}}])
    client = PromQLClient("http://store:9090", at=1.0,
                          opener=lambda url, timeout: json.dumps(next(answers)).encode())
    with pytest.raises(PromQLError, match="answered"):
        client.query("up")
    with pytest.raises(PromQLError, match="not a vector"):
        client.query("up[1m]")


def test_quantile_from_buckets_interpolates_like_promql() -> None:
    """Linear interpolation inside the bucket; +Inf answers the highest finite bound."""
    buckets = [(0.1, 10.0), (0.5, 30.0), (1.0, 40.0), (math.inf, 40.0)]
    assert quantile_from_buckets(0.5, buckets) == pytest.approx(0.1 + 0.4 * (20 - 10) / 20)
    assert quantile_from_buckets(0.25, buckets) == pytest.approx(0.1)
    assert quantile_from_buckets(0.99, [(1.0, 1.0), (math.inf, 5.0)]) == 1.0
    assert math.isnan(quantile_from_buckets(0.5, [(math.inf, 0.0)]))
    with pytest.raises(ValueError, match="q=2"):
        quantile_from_buckets(2, buckets)
