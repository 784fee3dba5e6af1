"""User analytics (``m.analytics``): the plug point the analytics domain fills."""

from __future__ import annotations

from typing import Any

from opentelemetry.metrics import Meter

from otel_measure.config import AnalyticsOptions
from otel_measure.instruments._rejections import Rejections

__all__ = ["UserAnalytics"]


class UserAnalytics:
    """Product analytics; tracking methods arrive with the analytics domain."""

    def __init__(self, meter: Meter, rejections: Rejections, options: AnalyticsOptions) -> None:
        self._meter = meter
        self._rejections = rejections
        self.options = options

    def dashboard_section(self) -> dict[str, Any]:
        """Return the ``analytics`` section of the unified dashboard."""
        return {}

    def close(self) -> None:
        """Stop background work (none yet)."""
