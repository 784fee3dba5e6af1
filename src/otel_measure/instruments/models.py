"""AI model metrics (``m.models``): the plug point the models domain fills."""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from otel_measure.config import ModelOptions
from otel_measure.instruments._rejections import Rejections

__all__ = ["ModelMetrics"]


class ModelMetrics:
    """GenAI and ML model metrics; recording methods arrive with the models domain."""

    def __init__(
        self, meter: Meter, tracer: Tracer, rejections: Rejections, options: ModelOptions
    ) -> None:
        self._meter = meter
        self._tracer = tracer
        self._rejections = rejections
        self.options = options

    def dashboard_section(self) -> dict[str, Any]:
        """Return the ``models`` section of the unified dashboard."""
        return {"models": {}}

    def close(self) -> None:
        """Stop background work (none yet)."""
