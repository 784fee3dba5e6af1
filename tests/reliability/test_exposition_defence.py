"""Defence in depth on the way out: what bypasses the input checks never breaks /metrics."""

from __future__ import annotations

import urllib.request

import otel_measure


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as resp:
        assert resp.status == 200
        return bytes(resp.read()).decode("utf-8")


def test_an_unencodable_series_of_the_apps_own_instrument_is_dropped_and_counted() -> None:
    """A surrogate attribute on m.meter leaves its series out; everything else is served."""
    m = otel_measure.setup(service_name="defence", prometheus_port=0, infrastructure=False)
    try:
        assert m.prometheus_url is not None
        orders = m.meter.create_counter("shop.orders", unit="{order}")
        orders.add(1, {"payment.method": "card\ud800"})  # bypasses our input checks
        orders.add(2, {"payment.method": "cash"})
        m.models.record_inference("gpt-4o", 0.1)
        text = _scrape(m.prometheus_url)
        assert 'shop_orders_total{otel_scope_name="otel_measure"' in text
        assert 'payment_method="cash"} 2.0' in text
        assert "card" not in text
        assert 'gen_ai_request_model="gpt-4o"' in text
        # Counted during that scrape, so the next one reports it.
        text = _scrape(m.prometheus_url)
        assert 'measure_rejected_total{' in text
        assert [line for line in text.splitlines()
                if 'reason="export.unencodable"' in line and line.endswith(" 1.0")]
        assert m.rejections.counts()["export.unencodable"] >= 1
    finally:
        m.shutdown()
