"""Input checks of the analytics recording calls: each returns the clean value or rejects.

Rejection messages never repeat a user id or free text: a malformed id may still be
personal data, so they name the argument's type and what is allowed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from otel_measure.calculators.retention import to_posix
from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.analytics.privacy import Pseudonymizer, valid_user_id

__all__ = ["INVALID", "MAX_COMMENT", "MAX_PROPERTIES", "MAX_TEXT", "USER_ID_RULE", "Checks",
           "is_amount", "is_text", "positive"]

MAX_TEXT = 200
MAX_COMMENT = 10_000
MAX_PROPERTIES = 100
USER_ID_RULE = ("user_id of type {} is not allowed; expected a non-empty str of at most 1024 "
                "characters or an int")
INVALID: Any = object()  # "rejected" marker, distinct from every valid value and None


def is_text(value: object, limit: int = MAX_TEXT) -> bool:
    """Whether ``value`` is a non-empty str of at most ``limit`` characters."""
    return type(value) is str and 0 < len(value) <= limit


def is_amount(value: object) -> bool:
    """Whether ``value`` is a finite real number >= 0 (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    number = float(value)
    return math.isfinite(number) and number >= 0


def positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ValueError unless it is a positive number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
            math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"{name}={value!r} is not allowed; expected a positive number of seconds")
    return float(value)


class Checks:
    """Validation for the recording path, reporting through :class:`Rejections`.

    Args:
        rejections: Drop-and-count (or raise when strict) helper.
        clock: POSIX-seconds clock for calls without a timestamp.
        pseudonym: Keyed hash applied to valid user ids.
    """

    INVALID = INVALID

    def __init__(
        self, rejections: Rejections, clock: Callable[[], float], pseudonym: Pseudonymizer
    ) -> None:
        self.reject = rejections.reject
        self._clock = clock
        self._pseudonym = pseudonym

    def user(self, user_id: object) -> str | None:
        """Return the pseudonym of a valid id, else reject and return None."""
        if valid_user_id(user_id):
            return self._pseudonym(user_id)  # type: ignore[arg-type]
        self.reject("analytics.bad_user_id", USER_ID_RULE.format(type(user_id).__name__))
        return None

    def time(self, timestamp: object) -> float | None:
        """Return POSIX seconds (now for None), else reject and return None."""
        if timestamp is None:
            return self._clock()
        try:
            return to_posix("timestamp", timestamp)
        except ValueError as exc:
            self.reject("analytics.bad_timestamp", str(exc))
            return None

    def properties(self, properties: object) -> Any:
        """Return a copy of a valid property mapping (None when empty), else INVALID."""
        if properties is None:
            return None
        if (isinstance(properties, Mapping) and len(properties) <= MAX_PROPERTIES
                and all(type(k) is str for k in properties)):
            return dict(properties) or None
        self.reject(
            "analytics.bad_properties",
            f"properties of type {type(properties).__name__} are not allowed; expected a "
            f"mapping with str keys (at most {MAX_PROPERTIES}) or None",
        )
        return INVALID

    def event_name(self, name: object) -> bool:
        """Whether the event name is valid (rejecting it when not)."""
        if type(name) is str and 0 < len(name) <= MAX_TEXT:
            return True
        self.reject(
            "analytics.bad_event_name",
            f"event_name={name!r:.80} is not allowed; expected a non-empty str of at most "
            f"{MAX_TEXT} characters",
        )
        return False

    def session_id(self, session_id: object) -> bool:
        """Whether a session id is valid (rejecting it when not)."""
        if is_text(session_id):
            return True
        self.reject(
            "analytics.bad_session_id",
            f"session_id of type {type(session_id).__name__} is not allowed; expected a "
            f"non-empty str of at most {MAX_TEXT} characters",
        )
        return False

    def amount(self, reason: str, name: str, value: object) -> bool:
        """Whether ``value`` is a finite number >= 0 (rejecting it under ``reason`` when not)."""
        if is_amount(value):
            return True
        self.reject(reason, f"{name}={value!r:.40} is not allowed; expected a finite number >= 0")
        return False

    def unknown_test(self, test: object) -> None:
        """Reject a recording call naming a test that was never created."""
        self.reject(
            "analytics.unknown_experiment",
            f"test={test!r:.80} is not an A/B test; create it with create_ab_test() first")

    def nps(self, score: object, comment: object, segment: object) -> bool:
        """Whether an NPS response's score, comment and segment are valid."""
        if type(score) is not int or not 0 <= score <= 10:
            self.reject("analytics.bad_nps_score",
                        f"score={score!r:.40} is not allowed; expected an integer from 0 to 10")
            return False
        if segment is not None and not is_text(segment):
            self.reject("analytics.bad_nps_segment",
                        f"segment of type {type(segment).__name__} is not allowed; expected a "
                        f"non-empty str of at most {MAX_TEXT} characters or None")
            return False
        if comment is not None and not (type(comment) is str and len(comment) <= MAX_COMMENT):
            self.reject("analytics.bad_nps_comment",
                        f"comment of type {type(comment).__name__} is not allowed; expected a "
                        f"str of at most {MAX_COMMENT} characters or None")
            return False
        return True
