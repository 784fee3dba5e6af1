"""Exceptions raised by otel-measure."""

from __future__ import annotations

__all__ = ["OtelMeasureConfigError", "OtelMeasureError", "OtelMeasureInputError"]


class OtelMeasureError(ValueError):
    """Base class for every error otel-measure raises on purpose."""


class OtelMeasureConfigError(OtelMeasureError):
    """A setting of ``setup()`` is invalid; the message names it, the value and what is allowed."""


class OtelMeasureInputError(OtelMeasureError):
    """A recording call got bad input with ``strict=True``.

    The message names the argument, the value (its ``repr``, safely truncated) and the
    rule it broke; ``reason`` is the ``measure.rejected`` reason it would be counted under.
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason
