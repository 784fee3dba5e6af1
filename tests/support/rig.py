"""The shared test rig: an in-memory MeterProvider, a manual clock and metric readers.

Domain rigs (``tests.support.models``, ``.analytics``, ``.infrastructure``) subclass
:class:`Rig` and only add the recorder they test.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer

from otel_measure.instruments import Rejections
from otel_measure.views import DEFAULT_VIEWS

__all__ = ["Rig", "by_attr", "by_attrs", "metric_points"]


def metric_points(data: MetricsData | None) -> dict[str, list[Any]]:
    """Map metric name to its data points from an in-memory collection."""
    out: dict[str, list[Any]] = {}
    assert data is not None
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                out.setdefault(metric.name, []).extend(metric.data.data_points)
    return out


def by_attr(points: list[Any], *keys: str) -> dict[Any, Any]:
    """Map each point's value of one attribute (or tuple of several) to the point's value."""
    if len(keys) == 1:
        return {p.attributes[keys[0]]: p.value for p in points}
    return {tuple(p.attributes[k] for k in keys): p.value for p in points}


def by_attrs(points: list[Any]) -> dict[frozenset[tuple[str, Any]], Any]:
    """Map each point's whole attribute set to the point's value."""
    return {frozenset(p.attributes.items()): p.value for p in points}


class Rig:
    """A meter on an in-memory reader, a manual clock, rejections and optional spans.

    Args:
        strict: Passed to :class:`Rejections`: raise on bad input instead of counting it.
        views: Install the package's ``DEFAULT_VIEWS`` on the provider.
        start: The manual clock's first reading, in seconds.
        wall_offset: What :meth:`wall_clock` adds to the manual clock.
        tracing: Also build a tracer whose spans land in ``self.spans``.
    """

    spans: InMemorySpanExporter
    tracer: Tracer

    def __init__(self, *, strict: bool = False, views: bool = False, start: float = 0.0,
                 wall_offset: float = 0.0, tracing: bool = False) -> None:
        self.now = start
        self.wall_offset = wall_offset
        self.reader = InMemoryMetricReader()
        self.provider = MeterProvider(metric_readers=[self.reader],
                                      views=list(DEFAULT_VIEWS) if views else ())
        self.meter = self.provider.get_meter("test")
        self.rejections = Rejections(self.meter, strict=strict)
        if tracing:
            self.spans = InMemorySpanExporter()
            tracer_provider = TracerProvider()
            tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
            self.tracer = tracer_provider.get_tracer("test")

    # --- clock -------------------------------------------------------------------------------

    def clock(self) -> float:
        """The manual monotonic clock: ``now``."""
        return self.now

    def wall_clock(self) -> float:
        """The manual wall clock: ``wall_offset + now``."""
        return self.wall_offset + self.now

    def tick(self, seconds: float) -> None:
        """Advance both clocks."""
        self.now += seconds

    # --- readings: each call is one collection; metrics and points are typed loosely (Any) --

    def metrics(self) -> dict[str, Any]:
        """Metric objects by name (empty when nothing was recorded)."""
        data = self.reader.get_metrics_data()
        if data is None:
            return {}
        return {m.name: m for rm in data.resource_metrics for sm in rm.scope_metrics
                for m in sm.metrics}

    def metric(self, name: str) -> Any:
        """The one metric called ``name``."""
        data = self.reader.get_metrics_data()
        assert data is not None
        found = [m for rm in data.resource_metrics for sm in rm.scope_metrics
                 for m in sm.metrics if m.name == name]
        assert len(found) == 1, name
        return found[0]

    def points(self, name: str) -> list[Any]:
        """Data points of one metric (empty when it has none)."""
        data = self.reader.get_metrics_data()
        return [] if data is None else metric_points(data).get(name, [])

    def all_points(self) -> dict[str, list[Any]]:
        """Data points of every metric, by name; something must have been recorded."""
        return metric_points(self.reader.get_metrics_data())
