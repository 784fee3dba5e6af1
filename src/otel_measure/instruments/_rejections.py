"""The one helper every domain uses for bad input on the recording hot path."""

from __future__ import annotations

import logging
import threading

from opentelemetry.metrics import Meter

from otel_measure.names import create_instrument
from otel_measure.names.attributes import ATTR_REASON
from otel_measure.names.core import REJECTED

__all__ = ["Rejections"]

_log = logging.getLogger("otel_measure")


class Rejections:
    """Drop-and-count (or raise, when strict) for invalid recording input.

    With ``strict=False`` a bad input is dropped, counted in ``measure.rejected{reason}``
    and logged once per reason; it never raises. With ``strict=True`` it raises
    ``ValueError`` with the message. ``reason`` must come from a fixed set of constants,
    never from user data, so the counter's cardinality stays bounded.
    """

    def __init__(self, meter: Meter, *, strict: bool = False) -> None:
        self.strict = strict
        self._counter = create_instrument(meter, REJECTED)
        self._counts: dict[str, int] = {}
        self._attrs: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def reject(self, reason: str, message: str) -> None:
        """Raise ``ValueError(message)`` when strict, else drop, count and log once."""
        if self.strict:
            raise ValueError(message)
        with self._lock:
            first = reason not in self._counts
            self._counts[reason] = self._counts.get(reason, 0) + 1
            attrs = self._attrs.setdefault(reason, {ATTR_REASON: reason})
        self._counter.add(1, attrs)
        if first:
            _log.warning(
                "otel-measure dropped an invalid input (%s): %s; further drops for this reason "
                "are only counted in %s",
                reason,
                message,
                REJECTED.name,
            )

    def counts(self) -> dict[str, int]:
        """Return the number of inputs dropped so far, by reason."""
        with self._lock:
            return dict(self._counts)
