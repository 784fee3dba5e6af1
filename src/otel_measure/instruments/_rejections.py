"""The input contract every domain shares on the recording hot path.

:class:`Rejections` drops, counts and logs bad input (or raises
:class:`~otel_measure.errors.OtelMeasureInputError` when strict). The helpers below are the
one definition of a valid name, a valid number and a safe ``repr`` (see
``docs/reliability.md`` for the bounds).
"""

from __future__ import annotations

import decimal
import logging
import math
import numbers
import re
import threading

from opentelemetry.metrics import Meter

from otel_measure.errors import OtelMeasureInputError
from otel_measure.names import create_instrument
from otel_measure.names.attributes import ATTR_REASON
from otel_measure.names.core import REJECTED

__all__ = [
    "MAX_MONEY",
    "MAX_SECONDS",
    "MAX_TOKENS",
    "Rejections",
    "real_number",
    "safe_repr",
    "text_problem",
]

_log = logging.getLogger("otel_measure")

MAX_SECONDS = 86_400.0
"""Largest duration a recording call accepts: one day."""
MAX_TOKENS = 10**9
"""Largest token count of one call."""
MAX_MONEY = 1e9
"""Largest amount of money (revenue, conversion value) of one event."""

# Lone surrogates cannot be encoded to UTF-8 (they would break every exposition);
# C0/C1 control characters would break text formats and logs.
_BAD_CHARS = re.compile("[\ud800-\udfff\x00-\x1f\x7f-\x9f]")


def safe_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters; never raises (a failing ``__repr__``
    gives the type name)."""
    try:
        text = repr(value)
    except Exception:  # a hostile __repr__ must not break the caller
        text = f"<{type(value).__name__} object with a failing __repr__>"
    if type(text) is not str:  # a __repr__ returning a str subclass
        text = str.__str__(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def text_problem(value: object, limit: int) -> str | None:
    """Why ``value`` is not a valid name or label, or None when it is.

    Valid: a ``str`` (not a subclass), 1 to ``limit`` characters, not only blanks, that
    encodes to UTF-8 (no lone surrogate) and holds no control character.
    """
    if type(value) is not str:
        return f"expected a str, got {type(value).__name__}"
    if not value.strip():
        return "expected a non-empty str"
    if len(value) > limit:
        return f"expected at most {limit} characters, got {len(value)}"
    if _BAD_CHARS.search(value) is not None:
        return "expected valid Unicode without lone surrogates or control characters"
    return None


def real_number(value: object) -> float | None:
    """``value`` as a finite float, or None.

    Accepted: ``int`` (not ``bool``), ``float``, ``fractions.Fraction``, ``decimal.Decimal``
    and numpy integer and floating scalars; an int too big for a float is refused.
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal)):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError, ArithmeticError):
        return None
    return number if math.isfinite(number) else None


class Rejections:
    """Drop-and-count (or raise, when strict) for invalid recording input.

    With ``strict=False`` a bad input is dropped, counted in ``measure.rejected{reason}``
    and logged once per reason; it never raises. With ``strict=True`` it raises
    :class:`OtelMeasureInputError` (a ``ValueError``) with the message. ``reason`` must
    come from a fixed set of constants, never from user data, so the counter's
    cardinality stays bounded.
    """

    def __init__(self, meter: Meter, *, strict: bool = False) -> None:
        self.strict = strict
        self._counter = create_instrument(meter, REJECTED)
        self._counts: dict[str, int] = {}
        self._attrs: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def reject(self, reason: str, message: str) -> None:
        """Raise :class:`OtelMeasureInputError` when strict, else drop, count and log once."""
        if self.strict:
            raise OtelMeasureInputError(message, reason)
        self.count(reason, message)

    def count(self, reason: str, message: str) -> None:
        """Count (and log once) an input that was dropped or redirected, even when strict."""
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
