"""The README's quick start: serve /metrics, record something, read the dashboard."""

import time

import otel_measure

m = otel_measure.setup(service_name="checkout")  # Prometheus /metrics on 127.0.0.1:9464
print("scrape me at", m.prometheus_url)

checkouts = m.meter.create_counter("shop.checkouts", unit="{checkout}")
for _ in range(5):
    checkouts.add(1, {"payment.method": "card"})
    time.sleep(0.2)

print(m.dashboard()["infrastructure"])
m.shutdown()
