"""otel-measure: measure everything through OpenTelemetry.

Host and process resources, AI model inference, model quality, drift and fairness,
and product analytics, exported to Prometheus or any OTLP backend::

    import otel_measure
    m = otel_measure.setup(service_name="checkout")
    m.dashboard()
    m.shutdown()

Importing the package is cheap: each public name below is imported on first use
(PEP 562), and ``setup()`` imports only the exporters and domains it is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_measure._lazy import lazy_exports
from otel_measure._version import __version__
from otel_measure.errors import (
    OtelMeasureConfigError,
    OtelMeasureError,
    OtelMeasureInputError,
)

if TYPE_CHECKING:
    from otel_measure._measure import Measure
    from otel_measure._setup import get_measure, setup, shutdown
    from otel_measure.config import AnalyticsOptions, InfrastructureOptions, ModelOptions
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

# Public name -> module defining it, imported on first access.
_LAZY: dict[str, str] = {
    "DEFAULT_VIEWS": "otel_measure.views",
    "AnalyticsOptions": "otel_measure.config",
    "InfrastructureOptions": "otel_measure.config",
    "ModelOptions": "otel_measure.config",
    "Measure": "otel_measure._measure",
    "get_measure": "otel_measure._setup",
    "setup": "otel_measure._setup",
    "shutdown": "otel_measure._setup",
}



if not TYPE_CHECKING:  # type checkers see the imports above; typos stay errors
    __getattr__, __dir__ = lazy_exports(globals(), _LAZY)
