"""Input checks of the analytics recording calls: each returns the clean value or rejects.

Rejection messages never repeat a user id or free text: a malformed id may still be
personal data, so they name the argument's type and what is allowed. Names follow
:func:`text_problem` (at most :data:`MAX_TEXT` characters); amounts of money are finite,
>= 0 and at most :data:`MAX_MONEY` per event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from otel_measure.calculators.retention import to_posix
from otel_measure.instruments._rejections import (
    MAX_MONEY,
    Rejections,
    real_number,
    safe_repr,
    text_problem,
)
from otel_measure.instruments.analytics.privacy import Pseudonymizer, valid_user_id

__all__ = ["INVALID", "MAX_COMMENT", "MAX_MONEY", "MAX_PROPERTIES", "MAX_TEXT", "USER_ID_RULE",
           "Checks", "is_amount", "is_text", "positive", "usable_user_id"]

MAX_TEXT = 200
MAX_COMMENT = 10_000
MAX_PROPERTIES = 100
USER_ID_RULE = ("user_id of type {} is not allowed; expected a non-empty str of at most 1024 "
                "characters of valid Unicode, or an int")
INVALID: Any = object()  # "rejected" marker, distinct from every valid value and None


def is_text(value: object, limit: int = MAX_TEXT) -> bool:
    """Whether ``value`` is a valid name of at most ``limit`` characters (``text_problem``)."""
    return text_problem(value, limit) is None


def usable_user_id(user_id: object) -> bool:
    """Whether ``user_id`` is valid and hashable: an int, or a str that encodes to UTF-8."""
    if not valid_user_id(user_id):
        return False
    if type(user_id) is str and not user_id.isascii():  # ASCII always encodes
        try:
            user_id.encode()
        except UnicodeEncodeError:
            return False
    return True


def is_amount(value: object) -> bool:
    """Whether ``value`` is a finite number from 0 to ``MAX_MONEY`` (bools refused)."""
    number = real_number(value)
    return number is not None and 0 <= number <= MAX_MONEY


def positive(name: str, value: object) -> float:
    """Return ``value`` as a float, or raise ValueError unless it is a positive number."""
    number = real_number(value)
    if number is None or not number > 0:
        raise ValueError(f"{name}={safe_repr(value)} is not allowed; expected a positive "
                         "number of seconds")
    return number


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
        if usable_user_id(user_id):
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
            message = str(exc)
        except Exception:  # too big for a float, or a hostile number
            message = (f"timestamp of type {type(timestamp).__name__} is not allowed; expected "
                       "POSIX seconds or an aware datetime")
        self.reject("analytics.bad_timestamp", message)
        return None

    def properties(self, properties: object) -> Any:
        """Return a copy of a valid property mapping (None when empty), else INVALID."""
        if properties is None:
            return None
        try:
            if (isinstance(properties, Mapping) and len(properties) <= MAX_PROPERTIES
                    and all(type(k) is str for k in properties)):
                return dict(properties) or None
        except Exception:  # a hostile mapping: rejected below
            pass
        self.reject(
            "analytics.bad_properties",
            f"properties of type {type(properties).__name__} are not allowed; expected a "
            f"mapping with str keys (at most {MAX_PROPERTIES}) or None",
        )
        return INVALID

    def event_name(self, name: object) -> bool:
        """Whether the event name is valid (rejecting it when not)."""
        problem = text_problem(name, MAX_TEXT)
        if problem is None:
            return True
        self.reject(
            "analytics.bad_event_name",
            f"event_name={safe_repr(name)} is not allowed: {problem} (a non-empty str of at "
            f"most {MAX_TEXT} characters, valid Unicode, no control characters)",
        )
        return False

    def session_id(self, session_id: object) -> bool:
        """Whether a session id is valid (rejecting it when not)."""
        if is_text(session_id):
            return True
        self.reject(
            "analytics.bad_session_id",
            f"session_id of type {type(session_id).__name__} is not allowed; expected a "
            f"non-empty str of at most {MAX_TEXT} characters of valid Unicode",
        )
        return False

    def amount(self, reason: str, name: str, value: object) -> bool:
        """Whether ``value`` is a finite number >= 0 (rejecting it under ``reason`` when not)."""
        if is_amount(value):
            return True
        self.reject(reason, f"{name}={safe_repr(value, 40)} is not allowed; expected a finite "
                            f"number from 0 to {MAX_MONEY:g}")
        return False

    def unknown_test(self, test: object) -> None:
        """Reject a recording call naming a test that was never created."""
        self.reject(
            "analytics.unknown_experiment",
            f"test={safe_repr(test)} is not an A/B test; create it with create_ab_test() first")

    def nps(self, score: object, comment: object, segment: object) -> bool:
        """Whether an NPS response's score, comment and segment are valid."""
        if type(score) is not int or not 0 <= score <= 10:
            self.reject("analytics.bad_nps_score",
                        f"score={safe_repr(score, 40)} is not allowed; expected an integer "
                        "from 0 to 10")
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
