"""Exceptions raised by otel-measure."""

from __future__ import annotations

__all__ = ["OtelMeasureConfigError", "OtelMeasureError"]


class OtelMeasureError(ValueError):
    """Base class for every error otel-measure raises on purpose."""


class OtelMeasureConfigError(OtelMeasureError):
    """A setting of ``setup()`` is invalid; the message names it, the value and what is allowed."""
