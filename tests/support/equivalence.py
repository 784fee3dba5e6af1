"""A MeterProvider read by an in-memory reader and a Prometheus reader, for equivalence tests."""

from __future__ import annotations

import threading
from collections.abc import Callable

from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from prometheus_client import CollectorRegistry, generate_latest

from otel_measure.views import DEFAULT_VIEWS

__all__ = ["TwoReaders", "run_while_collecting"]


class TwoReaders:
    """One MeterProvider (default Views) with an in-memory reader and a Prometheus reader."""

    def __init__(self) -> None:
        self.memory = InMemoryMetricReader()
        self.registry = CollectorRegistry()
        self.provider = MeterProvider(
            metric_readers=[self.memory, PrometheusMetricReader(registry=self.registry)],
            views=list(DEFAULT_VIEWS))
        self.meter: Meter = self.provider.get_meter("equivalence")

    def read(self) -> tuple[MetricsData | None, str]:
        """One collection of both readers, back to back: the data and the scrape text."""
        data = self.memory.get_metrics_data()
        return data, generate_latest(self.registry).decode()


def run_while_collecting(collect: Callable[[], object], worker: Callable[[int], None],
                         threads: int) -> None:
    """Run ``worker(0..threads-1)`` on threads while another thread keeps collecting."""
    done = threading.Event()

    def collector() -> None:
        while not done.is_set():
            collect()

    reader = threading.Thread(target=collector)
    reader.start()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    done.set()
    reader.join()
