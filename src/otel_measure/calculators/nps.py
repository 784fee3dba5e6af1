"""Net Promoter Score from mergeable bucket counts.

Promoters score 9–10, passives 7–8, detractors 0–6; NPS = 100 (p − d) with p and d the
promoter and detractor shares. The margin of error uses the variance of the difference of
two multinomial shares, Var(p − d) = (p + d − (p − d)²) / n, and z × 100 × √Var with the
exact normal quantile z = Φ⁻¹((1 + confidence) / 2) at every confidence (1.959964 at 95 %;
the rounded 1.96 of survey tools would make the margin jump at 0.95).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.stats import norm_ppf

__all__ = ["NPSAccumulator", "NPSResult", "nps", "nps_from_counts"]


@dataclass(frozen=True)
class NPSResult(Result):
    """Net Promoter Score with its bucket counts and confidence interval.

    With no responses (``n == 0``) every share, the score, the margin and the interval are
    NaN (``to_dict()`` turns them into ``None``): there is no score to report, and 0 would
    claim a balanced panel.

    Attributes:
        nps: Score in [-100, 100].
        n: Number of responses.
        promoters: Responses scoring 9 or 10.
        passives: Responses scoring 7 or 8.
        detractors: Responses scoring 0 to 6.
        promoter_share: promoters / n.
        passive_share: passives / n.
        detractor_share: detractors / n.
        margin_of_error: Half-width of the normal interval, in NPS points.
        ci_low: Lower interval bound, clipped to -100.
        ci_high: Upper interval bound, clipped to 100.
        confidence: Confidence level of the interval.
        z: Normal quantile used for the margin.
    """

    nps: float
    n: int
    promoters: int
    passives: int
    detractors: int
    promoter_share: float
    passive_share: float
    detractor_share: float
    margin_of_error: float
    ci_low: float
    ci_high: float
    confidence: float
    z: float


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"{name}={value!r} is not allowed; expected a non-negative integer")
    return int(value)


def _check_confidence(confidence: object) -> float:
    if (
        isinstance(confidence, bool)
        or not isinstance(confidence, numbers.Real)
        or not 0.0 < confidence < 1.0  # type: ignore[operator]  # exact: no float overflow
    ):
        raise ValueError(
            f"confidence={confidence!r} is not allowed; expected a number strictly between 0 and 1"
        )
    return float(confidence)


def nps_from_counts(
    promoters: int, passives: int, detractors: int, confidence: float = 0.95
) -> NPSResult:
    """Compute NPS and its margin of error from bucket counts.

    Args:
        promoters: Number of 9–10 scores.
        passives: Number of 7–8 scores.
        detractors: Number of 0–6 scores.
        confidence: Two-sided confidence level of the interval, in (0, 1).

    Returns:
        The score, counts, shares, margin of error and clipped interval.

    Raises:
        ValueError: A count is not a non-negative integer, or confidence is not in (0, 1).
    """
    pro = _check_count("promoters", promoters)
    pas = _check_count("passives", passives)
    det = _check_count("detractors", detractors)
    conf = _check_confidence(confidence)
    z = norm_ppf((1.0 + conf) / 2.0)
    n = pro + pas + det
    if n == 0:
        nan = math.nan
        return NPSResult(nan, 0, 0, 0, 0, nan, nan, nan, nan, nan, nan, conf, z)
    p = pro / n
    d = det / n
    diff = p - d
    score = 100.0 * diff
    # Clamp: rounding can push p + d − (p − d)² a hair below zero for all-one-bucket panels.
    variance = max(0.0, p + d - diff * diff) / n
    margin = z * 100.0 * math.sqrt(variance)
    return NPSResult(
        nps=score,
        n=n,
        promoters=pro,
        passives=pas,
        detractors=det,
        promoter_share=p,
        passive_share=pas / n,
        detractor_share=d,
        margin_of_error=margin,
        ci_low=max(-100.0, score - margin),
        ci_high=min(100.0, score + margin),
        confidence=conf,
        z=z,
    )


class NPSAccumulator:
    """Mergeable NPS bucket counts; sum them across processes with ``merge()``."""

    __slots__ = ("_detractors", "_passives", "_promoters")

    def __init__(self) -> None:
        """Start with no responses."""
        self._promoters = 0
        self._passives = 0
        self._detractors = 0

    def add(self, score: int) -> None:
        """Record one response.

        Args:
            score: Integer from 0 to 10 (bools and floats such as 7.0 are refused).

        Raises:
            ValueError: The score is not an integer in 0..10.
        """
        if (
            isinstance(score, bool)
            or not isinstance(score, numbers.Integral)
            or not 0 <= int(score) <= 10
        ):
            raise ValueError(f"score={score!r} is not allowed; expected an integer from 0 to 10")
        value = int(score)
        if value >= 9:
            self._promoters += 1
        elif value >= 7:
            self._passives += 1
        else:
            self._detractors += 1

    def merge(self, other: NPSAccumulator) -> None:
        """Add another accumulator's counts into this one.

        Raises:
            ValueError: ``other`` is not an NPSAccumulator.
        """
        if not isinstance(other, NPSAccumulator):
            raise ValueError(f"other={other!r} is not allowed; expected an NPSAccumulator")
        self._promoters += other._promoters
        self._passives += other._passives
        self._detractors += other._detractors

    @property
    def promoters(self) -> int:
        """Number of 9–10 scores."""
        return self._promoters

    @property
    def passives(self) -> int:
        """Number of 7–8 scores."""
        return self._passives

    @property
    def detractors(self) -> int:
        """Number of 0–6 scores."""
        return self._detractors

    @property
    def n(self) -> int:
        """Number of responses."""
        return self._promoters + self._passives + self._detractors

    def counts(self) -> tuple[int, int, int]:
        """Return ``(promoters, passives, detractors)``."""
        return (self._promoters, self._passives, self._detractors)

    def result(self, confidence: float = 0.95) -> NPSResult:
        """Compute the score from the counts so far (see ``nps_from_counts``)."""
        return nps_from_counts(self._promoters, self._passives, self._detractors, confidence)


def nps(scores: Iterable[int], confidence: float = 0.95) -> NPSResult:
    """Compute NPS from raw 0–10 scores.

    Raises:
        ValueError: A score is not an integer in 0..10, or confidence is not in (0, 1).
    """
    acc = NPSAccumulator()
    for score in scores:
        acc.add(score)
    return acc.result(confidence)
