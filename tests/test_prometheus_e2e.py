"""A real Prometheus server scrapes /metrics; values are asserted through PromQL."""

from __future__ import annotations

import bisect
import random
import statistics
from collections.abc import Iterator

import pytest

import otel_measure
from otel_measure.names.infrastructure import HTTP_SERVER_REQUEST_DURATION
from otel_measure.views import HTTP_SERVER_DURATION_BUCKETS
from tests.support.prometheus_server import PrometheusServer, prometheus_binary

pytestmark = pytest.mark.prometheus


@pytest.fixture
def scraped() -> Iterator[tuple[otel_measure.Measure, PrometheusServer, list[float]]]:
    """An app with known recordings, scraped every second by a real Prometheus."""
    prometheus_binary()
    m = otel_measure.setup(service_name="prom-e2e", environment="ci", prometheus_port=0)
    rng = random.Random(42)
    values = [rng.lognormvariate(-2.0, 0.8) for _ in range(2000)]
    hist = m.meter.create_histogram(
        HTTP_SERVER_REQUEST_DURATION.name, unit="s",
        explicit_bucket_boundaries_advisory=list(HTTP_SERVER_DURATION_BUCKETS),
    )
    for v in values:
        hist.record(v, {"http.request.method": "GET", "http.route": "/items"})
    for _ in range(5):
        m.rejections.reject("bad_score", "score 11 is outside 0..10")
    m.infrastructure.register_service("db", lambda: True, interval_s=0.5)
    m.infrastructure.register_service("cache", lambda: False, interval_s=0.5)
    server = PrometheusServer(f"127.0.0.1:{m.prometheus_url.split(':')[-1].split('/')[0]}")
    yield m, server, values
    server.stop()
    m.shutdown()


def test_prometheus_scrapes_target_info_counters_gauges_and_histograms(
    scraped: tuple[otel_measure.Measure, PrometheusServer, list[float]],
) -> None:
    """target_info, a counter, host gauges and histogram_quantile all answer correctly."""
    _, prom, values = scraped
    info = prom.wait_for('target_info{job="app"}')
    assert info[0]["metric"]["service_name"] == "prom-e2e"
    assert info[0]["metric"]["deployment_environment_name"] == "ci"

    rejected = prom.wait_for('measure_rejected_total{reason="bad_score"}')
    assert float(rejected[0]["value"][1]) == 5.0

    limit = prom.wait_for("system_memory_limit_bytes")
    assert float(limit[0]["value"][1]) > 100 * 2**20
    used = prom.wait_for('system_memory_usage_bytes{system_memory_state="used"}')
    assert 0 < float(used[0]["value"][1]) < float(limit[0]["value"][1])
    cpu = prom.wait_for('process_cpu_time_seconds_total{cpu_mode="user"}')
    assert float(cpu[0]["value"][1]) > 0
    up = {r["metric"]["measure_service_name"]: float(r["value"][1])
          for r in prom.wait_for("measure_service_up")}
    assert up == {"db": 1.0, "cache": 0.0}
    checks = prom.wait_for('measure_service_checks_total{measure_service_name="cache"}')
    assert checks[0]["metric"]["outcome"] == "down" and float(checks[0]["value"][1]) >= 1

    count = prom.wait_for("http_server_request_duration_seconds_count")
    assert float(count[0]["value"][1]) == len(values)
    total = prom.wait_for("http_server_request_duration_seconds_sum")
    assert float(total[0]["value"][1]) == pytest.approx(sum(values), rel=1e-9)

    answer = float(prom.wait_for(
        "histogram_quantile(0.9, sum by (le) (http_server_request_duration_seconds_bucket))"
    )[0]["value"][1])
    true_p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
    bounds = list(HTTP_SERVER_DURATION_BUCKETS)
    true_bucket = bisect.bisect_left(bounds, true_p90)
    answer_bucket = bisect.bisect_left(bounds, answer)
    assert abs(answer_bucket - true_bucket) <= 1, (answer, true_p90)
