"""otel-measure: measure everything through OpenTelemetry.

Host and process resources, AI model inference, model quality, drift and fairness,
and product analytics, exported to Prometheus or any OTLP backend::

    import otel_measure
    m = otel_measure.setup(service_name="checkout")
    m.dashboard()
    m.shutdown()
"""

from otel_measure._measure import Measure
from otel_measure._setup import get_measure, setup, shutdown
from otel_measure._version import __version__
from otel_measure.config import AnalyticsOptions, InfrastructureOptions, ModelOptions
from otel_measure.errors import (
    OtelMeasureConfigError,
    OtelMeasureError,
    OtelMeasureInputError,
)
from otel_measure.views import DEFAULT_VIEWS

__all__ = [
    "DEFAULT_VIEWS",
    "AnalyticsOptions",
    "InfrastructureOptions",
    "Measure",
    "ModelOptions",
    "OtelMeasureConfigError",
    "OtelMeasureError",
    "OtelMeasureInputError",
    "__version__",
    "get_measure",
    "setup",
    "shutdown",
]
