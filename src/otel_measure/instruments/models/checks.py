"""Input checks of the models domain: the slow path behind ``record_inference``'s fast one.

Recording checks drop, count and log bad input through :class:`Rejections` (or raise
``OtelMeasureInputError`` with ``strict=True``); their reasons are the fixed ``models.*``
constants below, never user data. Query checks raise ``ValueError``. Bounds: names and
labels as :func:`text_problem` (at most 256 characters), durations up to
:data:`MAX_SECONDS`, token counts up to :data:`MAX_TOKENS` per call.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

from otel_measure.instruments._rejections import (
    MAX_SECONDS,
    MAX_TOKENS,
    Rejections,
    real_number,
    safe_repr,
    text_problem,
)

__all__ = ["REASONS", "Checks", "unknown_model"]

REASONS = (
    "models.invalid_model",
    "models.invalid_operation",
    "models.invalid_provider",
    "models.invalid_error_type",
    "models.invalid_latency",
    "models.invalid_tokens",
    "models.cached_exceeds_input",
    "models.invalid_time_to_first_chunk",
    "models.invalid_label",
    "models.unregistered_model",
    "models.bad_prediction",
    "models.invalid_feature",
    "models.too_many_features",
    "models.bad_feature_value",
    "models.invalid_group",
    "models.invalid_outcome",
    "models.invalid_attributes",
    "models.model_overflow",
)
_MAX_NAME = 256


def unknown_model(model: Any, known: list[str]) -> ValueError:
    """The error of a query about a model that was never recorded nor registered."""
    listed = sorted(known)
    return ValueError(f"model={safe_repr(model)} is unknown; recorded or registered models: "
                      f"{listed[:20]!r}{' ...' if len(listed) > 20 else ''}")


def _bad_name(value: Any) -> bool:
    return text_problem(value, _MAX_NAME) is not None


def _name_rule(arg: str, value: Any) -> str:
    return (f"{arg}={safe_repr(value)} is invalid: {text_problem(value, _MAX_NAME)} (a "
            f"non-empty str of at most {_MAX_NAME} characters, valid Unicode, no control "
            "characters)")


class Checks:
    """Every input check of the models domain, rejecting through one :class:`Rejections`.

    Args:
        rejections: Drops, counts and logs bad input (or raises with ``strict=True``).
    """

    def __init__(self, rejections: Rejections) -> None:
        self.rejections = rejections

    @staticmethod
    def check_name(arg: str, value: Any) -> None:
        """Raise ``ValueError`` unless ``value`` is a valid name (see :func:`text_problem`)."""
        if _bad_name(value):
            raise ValueError(_name_rule(arg, value))

    def valid_series_args(self, model: Any, operation: Any, provider: Any,
                          error_type: Any) -> bool:
        """Reject bad model, operation, provider or error type; True when all are fine."""
        for reason, arg, value, optional in (
            ("models.invalid_model", "model", model, False),
            ("models.invalid_operation", "operation", operation, False),
            ("models.invalid_provider", "provider", provider, True),
            ("models.invalid_error_type", "error_type", error_type, True),
        ):
            if (value is not None or not optional) and _bad_name(value):
                self.rejections.reject(
                    reason, _name_rule(arg, value) + (" or None" if optional else ""))
                return False
        return True

    def check_seconds(self, arg: str, value: Any, reason: str) -> float | None:
        """Return ``value`` as seconds in [0, one day], or reject it and return None."""
        seconds = real_number(value)
        if seconds is not None and 0 <= seconds <= MAX_SECONDS:
            return seconds
        self.rejections.reject(reason, f"{arg}={safe_repr(value)} is invalid: expected a "
                                        f"finite number of seconds from 0 to {MAX_SECONDS:g}")
        return None

    def check_tokens(self, inp: Any, out: Any, cached: Any
                     ) -> tuple[int | None, int | None, int | None] | None:
        """Return the token counts as ints (None stays None), or reject and return None."""
        counts: list[int | None] = []
        for arg, value in (("input_tokens", inp), ("output_tokens", out),
                           ("cached_input_tokens", cached)):
            if value is None:
                counts.append(None)
                continue
            try:
                count = operator.index(value) if not isinstance(value, bool) else -1
            except Exception:  # not an integer, or a hostile __index__
                count = -1
            if not 0 <= count <= MAX_TOKENS:
                self.rejections.reject("models.invalid_tokens", f"{arg}={safe_repr(value)} is "
                                        f"invalid: expected an integer from 0 to {MAX_TOKENS} "
                                        "or None")
                return None
            counts.append(count)
        if counts[0] is not None and counts[2] is not None and counts[2] > counts[0]:
            self.rejections.reject(
                "models.cached_exceeds_input",
                f"cached_input_tokens={counts[2]} exceeds input_tokens={counts[0]}: cached input "
                "tokens are part of the input tokens")
            return None
        return counts[0], counts[1], counts[2]

    def check_ttfc(self, ttfc: Any, latency: float) -> float | None:
        """Return the time to first chunk if within [0, latency], else reject."""
        seconds = self.check_seconds("time_to_first_token_s", ttfc,
                                     "models.invalid_time_to_first_chunk")
        if seconds is None:
            return None
        if seconds > latency:
            self.rejections.reject(
                "models.invalid_time_to_first_chunk",
                f"time_to_first_token_s={seconds!r} exceeds latency_s={latency!r}: the first "
                "chunk cannot arrive after the call ended")
            return None
        return seconds

    def span_attributes(self, attributes: Any) -> dict[str, Any]:
        """Return a copy of extra span attributes (str keys), or reject them and return {}."""
        if attributes is None:
            return {}
        if isinstance(attributes, Mapping):
            try:
                extra = dict(attributes)
            except Exception:  # a hostile mapping
                extra = None
            if extra is not None and len(extra) <= 128 and all(
                    text_problem(k, _MAX_NAME) is None for k in extra):
                return extra
        self.rejections.reject(
            "models.invalid_attributes",
            f"attributes={safe_repr(attributes)} is invalid: expected a mapping of at most "
            "128 valid str keys, or None")
        return {}
