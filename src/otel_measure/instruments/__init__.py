"""Domain recorders: they own OpenTelemetry instruments and buffers, and call calculators.

Each domain is imported on first access (PEP 562): ``setup()`` imports only the
domains it enables.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

    def __getattr__(name: str) -> Any:
        """Import a domain on first access and keep it in the package namespace."""
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
