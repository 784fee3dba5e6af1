"""GenAI metrics as Prometheus sees them: the exposition and a real Prometheus server."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator

import pytest

import otel_measure
from otel_measure.options import ModelOptions
from tests.support.models import DURATION_BUCKETS, PRICES, TOKEN_BUCKETS
from tests.support.prometheus_server import PrometheusServer, prometheus_binary


def _le(text: str, metric: str) -> list[float]:
    """Bucket boundaries of one series of ``metric`` in an exposition."""
    labels = re.findall(rf'^{metric}_bucket{{([^}}]*)}}', text, flags=re.M)
    assert labels, metric
    first = re.sub(r',?le="[^"]*"', "", labels[0])
    bounds = [float(re.search(r'le="([^"]*)"', lab).group(1))  # type: ignore[union-attr]
              for lab in labels if re.sub(r',?le="[^"]*"', "", lab) == first]
    return bounds


@pytest.fixture
def app() -> Iterator[otel_measure.Measure]:
    """setup() serving /metrics on a free port, models only."""
    m = otel_measure.setup(service_name="llm-e2e", prometheus_port=0, infrastructure=False,
                           analytics=False, models=ModelOptions(pricing=PRICES))
    yield m
    m.shutdown()


def test_exposition_has_convention_names_and_buckets(app: otel_measure.Measure) -> None:
    """/metrics shows the GenAI histograms in seconds and tokens with the conventions' buckets."""
    app.models.record_inference("acme-chat", 0.7, 500, 40, provider="openai",
                                time_to_first_token_s=0.2)
    app.models.record_inference("mystery", 0.7, 10, 10)
    assert app.prometheus_url is not None
    with urllib.request.urlopen(app.prometheus_url, timeout=10) as response:
        text = response.read().decode()
    inf = float("inf")
    assert _le(text, "gen_ai_client_operation_duration_seconds") == [*DURATION_BUCKETS, inf]
    assert _le(text, "gen_ai_client_operation_time_to_first_chunk_seconds") == [
        *DURATION_BUCKETS, inf]
    assert _le(text, "gen_ai_client_token_usage") == [*map(float, TOKEN_BUCKETS), inf]
    assert re.search(r'^measure_model_cost_USD_total{[^}]*gen_ai_token_type="output"[^}]*} '
                     r'0\.0006$', text, flags=re.M)
    assert re.search(r'^measure_model_cost_unpriced_total{[^}]*gen_ai_request_model="mystery"'
                     r'[^}]*} 1\.0$', text, flags=re.M)


@pytest.mark.prometheus
def test_real_prometheus_scrapes_counts_cost_and_ttfc(app: otel_measure.Measure) -> None:
    """A real Prometheus sees every call, the cost and TTFC of streams only."""
    prometheus_binary()
    for i in range(40):
        app.models.record_inference("acme-chat", 0.1 + i / 100, 1_000, 100,
                                    time_to_first_token_s=0.05 if i % 4 == 0 else None)
    assert app.prometheus_url is not None
    server = PrometheusServer(app.prometheus_url.split("//")[1].split("/")[0])
    try:
        count = server.wait_for(
            'sum(gen_ai_client_operation_duration_seconds_count{gen_ai_request_model="acme-chat"})')
        assert float(count[0]["value"][1]) == 40
        ttfc = server.wait_for("sum(gen_ai_client_operation_time_to_first_chunk_seconds_count)")
        assert float(ttfc[0]["value"][1]) == 10
        cost = server.wait_for("sum(measure_model_cost_USD_total)")
        assert float(cost[0]["value"][1]) == pytest.approx(40 * (1_000 * 3.0 + 100 * 15.0) / 1e6)
    finally:
        server.stop()
