"""Input checks of the models domain: the slow path behind ``record_inference``'s fast one.

Recording checks drop, count and log bad input through :class:`Rejections` (or raise
``ValueError`` with ``strict=True``); their reasons are the fixed ``models.*`` constants
below, never user data. Query checks raise ``ValueError``.
"""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

from otel_measure.instruments._rejections import Rejections

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
    "models.too_many_models",
    "models.bad_prediction",
    "models.invalid_feature",
    "models.too_many_features",
    "models.bad_feature_value",
    "models.invalid_group",
    "models.invalid_outcome",
)
_MAX_NAME = 256


def unknown_model(model: Any, known: list[str]) -> ValueError:
    """The error of a query about a model that was never recorded nor registered."""
    listed = sorted(known)
    return ValueError(f"model={model!r} is unknown; recorded or registered models: "
                      f"{listed[:20]!r}{' ...' if len(listed) > 20 else ''}")


def _bad_name(value: Any) -> bool:
    return not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME


class Checks:
    """Every input check of the models domain, rejecting through one :class:`Rejections`.

    Args:
        rejections: Drops, counts and logs bad input (or raises with ``strict=True``).
    """

    def __init__(self, rejections: Rejections) -> None:
        self.rejections = rejections

    @staticmethod
    def check_name(arg: str, value: Any) -> None:
        """Raise ``ValueError`` unless ``value`` is a non-empty string of <= 256 chars."""
        if _bad_name(value):
            raise ValueError(f"{arg}={value!r} is invalid: expected a non-empty string of at "
                             f"most {_MAX_NAME} characters")

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
                    reason, f"{arg}={value!r} is invalid: expected a non-empty string of at "
                            f"most {_MAX_NAME} characters" + (" or None" if optional else ""))
                return False
        return True

    def check_seconds(self, arg: str, value: Any, reason: str) -> float | None:
        """Return ``value`` as finite seconds >= 0, or reject it and return None."""
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            seconds = float(value)
            if math.isfinite(seconds) and seconds >= 0:
                return seconds
        self.rejections.reject(reason, f"{arg}={value!r} is invalid: expected a finite "
                                        "number of seconds >= 0")
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
            except TypeError:
                count = -1
            if count < 0:
                self.rejections.reject("models.invalid_tokens", f"{arg}={value!r} is "
                                        "invalid: expected an integer >= 0 or None")
                return None
            counts.append(count)
        if counts[0] is not None and counts[2] is not None and counts[2] > counts[0]:
            self.rejections.reject(
                "models.cached_exceeds_input",
                f"cached_input_tokens={cached!r} exceeds input_tokens={inp!r}: cached input "
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
                f"time_to_first_token_s={ttfc!r} exceeds latency_s={latency!r}: the first "
                "chunk cannot arrive after the call ended")
            return None
        return seconds
