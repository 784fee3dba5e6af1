"""NPS survey responses: a bounded buffer, a mergeable counter and a score gauge."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.nps import NPSAccumulator, nps
from otel_measure.names import create_instrument
from otel_measure.names.analytics import ANALYTICS_NPS_RESPONSES, ANALYTICS_NPS_SCORE
from otel_measure.names.attributes import ATTR_NPS_CATEGORY
from otel_measure.options import AnalyticsOptions

__all__ = ["CATEGORY_OF_SCORE", "NPSStore", "Response"]

Response = tuple[float, str, int, str | None, str | None]
"""A buffered response: (POSIX seconds, pseudonym, score, segment, comment)."""


def _categories() -> tuple[str, ...]:
    # Ask the calculator which bucket each score falls in, so the definition lives once.
    out = []
    for score in range(11):
        acc = NPSAccumulator()
        acc.add(score)
        out.append(("promoter", "passive", "detractor")[acc.counts().index(1)])
    return tuple(out)


CATEGORY_OF_SCORE: tuple[str, ...] = _categories()


class NPSStore:
    """The latest ``nps_buffer_size`` responses, with their OpenTelemetry instruments.

    Args:
        meter: Meter the instruments are created on.
        options: Supplies the buffer size.
    """

    def __init__(self, meter: Meter, options: AnalyticsOptions) -> None:
        self._lock = threading.Lock()
        self._responses: deque[Response] = deque(maxlen=options.nps_buffer_size)
        self.total = 0
        self._counter = create_instrument(meter, ANALYTICS_NPS_RESPONSES)
        self._attrs = tuple({ATTR_NPS_CATEGORY: c} for c in CATEGORY_OF_SCORE)
        create_instrument(meter, ANALYTICS_NPS_SCORE, callbacks=[self._observe])

    def record(
        self, pseudonym: str, score: int, comment: str | None, segment: str | None, t: float
    ) -> None:
        """Buffer one validated response and count it by category."""
        with self._lock:
            self._responses.append((t, pseudonym, score, segment, comment))
            self.total += 1
        self._counter.add(1, self._attrs[score])

    def snapshot(self) -> list[Response]:
        """Return a copy of the buffered responses, oldest first."""
        with self._lock:
            return list(self._responses)

    def _observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        scores = [r[2] for r in self.snapshot()]
        if not scores:
            return []
        return [Observation(nps(scores).nps)]
