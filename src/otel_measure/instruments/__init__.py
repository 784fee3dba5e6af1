"""Domain recorders: they own OpenTelemetry instruments and buffers, and call calculators.

Each domain is imported on first access (PEP 562): ``setup()`` imports only the
domains it enables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_measure._lazy import lazy_exports

if TYPE_CHECKING:
    from otel_measure.instruments._rejections import Rejections
    from otel_measure.instruments.analytics import UserAnalytics
    from otel_measure.instruments.infrastructure import InfrastructureMetrics
    from otel_measure.instruments.models import ModelMetrics

__all__ = ["InfrastructureMetrics", "ModelMetrics", "Rejections", "UserAnalytics"]

_LAZY: dict[str, str] = {
    "InfrastructureMetrics": "otel_measure.instruments.infrastructure",
    "ModelMetrics": "otel_measure.instruments.models",
    "Rejections": "otel_measure.instruments._rejections",
    "UserAnalytics": "otel_measure.instruments.analytics",
}



if not TYPE_CHECKING:  # type checkers see the imports above; typos stay errors
    __getattr__, __dir__ = lazy_exports(globals(), _LAZY)
