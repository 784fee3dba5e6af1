"""Metrics of the library itself, shared by every domain.

Each metric is written once here; ``CATALOG`` in the package collects them in this order.
"""

from __future__ import annotations

from otel_measure.names.attributes import (
    ATTR_REASON,
)
from otel_measure.names.metric import MetricName, collect, exported, metric_factory

_metric = metric_factory("core")

REJECTED = _metric(
    "measure.rejected", "counter", "{input}",
    "Inputs dropped on the recording path because they were invalid, by reason.",
    (ATTR_REASON,),
)

METRICS: tuple[MetricName, ...] = collect(globals())
__all__ = exported(globals())
