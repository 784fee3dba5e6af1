"""The surrogate case end to end: a real Prometheus keeps scraping after hostile names."""

from __future__ import annotations

import urllib.request

import pytest

import otel_measure
from tests.support.prometheus_server import PrometheusServer, prometheus_binary

pytestmark = pytest.mark.prometheus


def test_prometheus_scrapes_after_surrogate_names_and_counts_them() -> None:
    """Surrogates in every name are rejected; /metrics answers 200 and Prometheus sees 1."""
    prometheus_binary()
    m = otel_measure.setup(service_name="surrogate", prometheus_port=0, infrastructure=False)
    server = None
    try:
        bad = "gpt-4o\ud800"
        m.models.record_inference(bad, 0.1)
        m.models.record_inference("gpt-4o", 0.1, operation=bad, provider=bad)
        m.analytics.track_event(bad, "user-1")
        m.analytics.track_event("signup", "user\udc80")
        m.models.record_inference("gpt-4o", 0.1)
        assert m.prometheus_url is not None
        with urllib.request.urlopen(m.prometheus_url, timeout=30) as resp:
            assert resp.status == 200
            resp.read().decode("utf-8")
        port = m.prometheus_url.rsplit(":", 1)[1].split("/")[0]
        server = PrometheusServer(f"127.0.0.1:{port}")
        rows = server.wait_for('measure_rejected_total{reason="models.invalid_model"}')
        assert float(rows[0]["value"][1]) == 1.0
        assert server.wait_for("up")[0]["value"][1] == "1"
        calls = server.wait_for('gen_ai_client_operation_duration_seconds_count'
                                '{gen_ai_request_model="gpt-4o"}')
        assert sum(float(r["value"][1]) for r in calls) == 1.0
        rejected = {r["metric"]["reason"]: float(r["value"][1])
                    for r in server.query("measure_rejected_total")}
        assert rejected["analytics.bad_event_name"] == 1.0
        assert rejected["analytics.bad_user_id"] == 1.0
        assert rejected["models.invalid_operation"] == 1.0
    finally:
        if server is not None:
            server.stop()
        m.shutdown()
