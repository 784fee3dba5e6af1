"""A pytest plugin for applications' own tests: the ``measure`` fixture.

Installed with the package (entry point ``pytest11``, module ``_otel_measure_pytest``), so
any test can ask for it::

    def test_checkout_records_revenue(measure):
        checkout(cart)  # the application calls otel_measure.get_measure() or its handle
        assert measure.value("measure.analytics.revenue") == 42.0
        assert measure.spans("chat gpt-4o-mini")

The fixture runs ``otel_measure.setup()`` on in-memory readers (nothing is served or
exported), yields a :class:`CapturedMeasure`, and shuts everything down afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan

__all__ = ["CapturedMeasure", "captured_measure", "measure"]

# otel_measure and the SDK are imported when a test first builds a CapturedMeasure.


class CapturedMeasure:
    """A running ``setup()`` whose metrics and spans stay in memory for assertions.

    Args:
        **settings: Extra ``setup()`` keyword arguments (e.g. ``strict=True``).

    Attributes:
        handle: The ``Measure`` handle (also ``otel_measure.get_measure()``).
    """

    def __init__(self, **settings: Any) -> None:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        import otel_measure
        from otel_measure.config import InfrastructureOptions
        from otel_measure.views import DEFAULT_VIEWS

        self.reader = InMemoryMetricReader()
        self.exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        settings.setdefault("service_name", "test")
        # No background sampling: tests call m.infrastructure.sample() when they want one.
        settings.setdefault("infrastructure", InfrastructureOptions(sample_interval_s=86400.0))
        self.handle = otel_measure.setup(
            meter_provider=MeterProvider(metric_readers=[self.reader], views=DEFAULT_VIEWS),
            tracer_provider=tracer_provider, set_global_providers=False, **settings)
        self._meter_provider = self.handle.meter_provider
        self._tracer_provider = tracer_provider

    @property
    def infrastructure(self) -> Any:
        """``m.infrastructure``."""
        return self.handle.infrastructure

    @property
    def models(self) -> Any:
        """``m.models``."""
        return self.handle.models

    @property
    def analytics(self) -> Any:
        """``m.analytics``."""
        return self.handle.analytics

    def points(self, name: str, **attributes: Any) -> list[Any]:
        """Collect now; the data points of metric ``name`` whose attributes include these.

        Attribute keys with dots are given with underscores
        (``gen_ai_request_model="gpt-4o"`` matches ``gen_ai.request.model``).
        """
        wanted = {k.replace("_", "."): v for k, v in attributes.items()}
        data = self.reader.get_metrics_data()
        found: list[Any] = []
        for rm in data.resource_metrics if data is not None else ():
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name != name:
                        continue
                    for point in metric.data.data_points:
                        attrs = {k.replace("_", "."): v
                                 for k, v in (point.attributes or {}).items()}
                        if all(attrs.get(k) == v for k, v in wanted.items()):
                            found.append(point)
        return found

    def value(self, name: str, **attributes: Any) -> float:
        """Sum of the matching points' values (counters, up-down counters, gauges).

        For histograms it is the number of recordings.

        Raises:
            AssertionError: No point of ``name`` matches.
        """
        points = self.points(name, **attributes)
        assert points, f"no data point of {name!r} with {attributes or 'any attributes'}"
        return float(sum(p.value if hasattr(p, "value") else p.count for p in points))

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        """Finished spans, optionally only those called ``name``."""
        return [s for s in self.exporter.get_finished_spans() if name in (None, s.name)]

    def rejected(self) -> dict[str, int]:
        """Inputs dropped so far, by ``measure.rejected`` reason."""
        return self.handle.rejections.counts()

    def shutdown(self) -> None:
        """Shut the handle and both in-memory providers down."""
        self.handle.shutdown()
        self._tracer_provider.shutdown()
        shutdown = getattr(self._meter_provider, "shutdown", None)
        if shutdown is not None:
            shutdown()


def captured_measure(**settings: Any) -> Iterator[CapturedMeasure]:
    """Shut any running ``setup()`` down, yield a :class:`CapturedMeasure`, shut it down."""
    import otel_measure

    otel_measure.shutdown()
    captured = CapturedMeasure(**settings)
    try:
        yield captured
    finally:
        captured.shutdown()


@pytest.fixture
def measure() -> Iterator[CapturedMeasure]:
    """``otel_measure.setup()`` on in-memory readers; shut down after the test.

    The installed plugin (``_otel_measure_pytest``) registers the same fixture; this one
    serves ``pytest_plugins = ["otel_measure.testing"]``.
    """
    yield from captured_measure()
