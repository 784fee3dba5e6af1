"""KS and Wasserstein from fine fixed bins: cost O(bins), whatever the window size.

A :class:`FineLayout` is fixed from a numeric baseline. Its *points* are the baseline's
distinct values (or, past ``max_points`` of them, ``max_points`` baseline quantiles, the
minimum and maximum included). Each point is a bin, and so is each open gap between
two points and the two open rays below and above them: 2k + 1 bins for k points.
A :class:`FineCounts` accumulator keeps, per bin, the count of values and, for gaps and
rays, the sum of their distances to the point that closes the gap (the right point;
the left one for the upper ray). Values are added and removed (a sliding window) and
accumulators on one layout merge by addition.

Exactness, against ``scipy.stats.ks_2samp`` and ``wasserstein_distance`` on the raw
samples:

- KS D is exact when the layout is exact (every distinct baseline value is a point):
  the baseline ECDF is flat inside every gap, so the supremum is reached at a bin's end.
  Otherwise D is a lower bound, within ``error_bound`` = max over gaps of
  min(baseline share, current share) in the gap. The p-value is scipy's for that D.
- Wasserstein: ∫ (F_current − F_baseline) over a gap is exact from the counts and the
  distance sums; its absolute value is the gap's term whenever the difference keeps one
  sign there. Where it may change sign inside a gap, ``error_bound`` adds
  2 · width · min(largest positive, largest negative difference) for that gap.

Import through :mod:`otel_measure.calculators.drift`.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_raw import ks_p_value
from otel_measure.calculators.stats import finite_floats

__all__ = [
    "FINE_POINTS",
    "FineCounts",
    "FineKS",
    "FineLayout",
    "FineWasserstein",
    "baseline_std",
    "ks_fine",
    "wasserstein_fine",
]

#: Default most points of a layout: baselines with at most this many distinct values get
#: exact KS.
FINE_POINTS = 4096


class FineLayout:
    """Points fixed from a numeric baseline (see the module docstring); never mutated."""

    __slots__ = ("exact", "points", "size")

    def __init__(self, baseline: Iterable[float], max_points: int = FINE_POINTS) -> None:
        """Fix the points from ``baseline``.

        Raises:
            ValueError: an empty baseline, a non-finite value, or ``max_points`` < 2.
        """
        if isinstance(max_points, bool) or not isinstance(max_points, int) or max_points < 2:
            raise ValueError(f"max_points={max_points!r} is not allowed; expected an int >= 2")
        values = sorted(set(finite_floats("baseline", baseline)))
        if not values:
            raise ValueError("baseline is empty; expected at least one number")
        self.exact = len(values) <= max_points
        if self.exact:
            points = values
        else:
            last = len(values) - 1
            picks = {round(i * last / (max_points - 1)) for i in range(max_points)}
            points = [values[i] for i in sorted(picks)]
        self.points: tuple[float, ...] = tuple(points)
        self.size = 2 * len(points) + 1

    def index(self, value: float) -> int:
        """Bin of ``value``: 2i + 1 for the point i, 2i for the gap or ray below it."""
        points = self.points
        i = bisect_left(points, value)
        return 2 * i + 1 if i < len(points) and points[i] == value else 2 * i

    def gap(self, index: int, value: float) -> float:
        """Distance of ``value`` in bin ``index`` to the point closing its gap (0 on points)."""
        if index % 2:
            return 0.0
        i = index // 2
        if i == len(self.points):
            return value - self.points[-1]
        return self.points[i] - value


class FineCounts:
    """Counts and distance sums of values on a :class:`FineLayout` (add, remove, merge)."""

    __slots__ = ("counts", "gaps", "layout", "n")

    def __init__(self, layout: FineLayout, values: Iterable[float] = ()) -> None:
        """Start with ``values`` counted on ``layout``."""
        self.layout = layout
        self.counts = [0] * layout.size
        self.gaps = [0.0] * layout.size
        self.n = 0
        for value in values:
            self.add(value)

    def add(self, value: float) -> None:
        """Count one finite value."""
        i = self.layout.index(value)
        self.counts[i] += 1
        if not i % 2:
            self.gaps[i] += self.layout.gap(i, value)
        self.n += 1

    def remove(self, value: float) -> None:
        """Uncount one value added before (the sliding window's eviction)."""
        i = self.layout.index(value)
        self.counts[i] -= 1
        if not i % 2:
            self.gaps[i] = 0.0 if not self.counts[i] else (
                self.gaps[i] - self.layout.gap(i, value))
        self.n -= 1

    def merge(self, other: FineCounts) -> None:
        """Add another accumulator on the same layout.

        Raises:
            ValueError: ``other`` is not a FineCounts on this layout.
        """
        if not isinstance(other, FineCounts) or other.layout is not self.layout:
            raise ValueError("other is not a FineCounts on the same FineLayout")
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.gaps = [a + b for a, b in zip(self.gaps, other.gaps, strict=True)]
        self.n += other.n

    def copy(self) -> FineCounts:
        """Return an independent copy (O(bins))."""
        out = FineCounts(self.layout)
        out.counts, out.gaps, out.n = list(self.counts), list(self.gaps), self.n
        return out


@dataclass(frozen=True)
class FineKS(Result):
    """KS test from fine bins.

    Attributes:
        statistic: D on the bins (a lower bound of the raw D; equal when exact).
        p_value: scipy ``ks_2samp(method="auto")``'s p-value for that D and the sizes.
        method: "exact" or "asymp" (the p-value's method).
        baseline_size: n1.
        current_size: n2.
        error_bound: raw D − ``statistic`` is in [0, error_bound].
    """

    statistic: float
    p_value: float
    method: str
    baseline_size: int
    current_size: int
    error_bound: float


@dataclass(frozen=True)
class FineWasserstein(Result):
    """Wasserstein-1 from fine bins, raw and normed by the baseline std (Evidently).

    Attributes:
        statistic: the distance on the bins.
        normed: statistic / max(baseline_std, 0.001).
        baseline_std: population std of the baseline.
        baseline_size: n1.
        current_size: n2.
        error_bound: raw distance − ``statistic`` is in [0, error_bound].
    """

    statistic: float
    normed: float
    baseline_std: float
    baseline_size: int
    current_size: int
    error_bound: float


def _pair(baseline: FineCounts, current: FineCounts) -> tuple[int, int]:
    if not isinstance(baseline, FineCounts) or not isinstance(current, FineCounts):
        raise ValueError("baseline and current must be FineCounts")
    if baseline.layout is not current.layout:
        raise ValueError("baseline and current must share one FineLayout")
    if baseline.n <= 0 or current.n <= 0:
        raise ValueError(f"sizes {baseline.n} and {current.n}: both samples must be non-empty")
    return baseline.n, current.n


def ks_fine(baseline: FineCounts, current: FineCounts) -> FineKS:
    """Two-sided two-sample KS test from fine counts (see the module docstring).

    Raises:
        ValueError: accumulators that are not on one layout, or an empty one.
    """
    n1, n2 = _pair(baseline, current)
    fb = fc = 0
    d_num = 0  # D · n1 · n2, kept in integers
    bound = 0.0
    for i, (b, c) in enumerate(zip(baseline.counts, current.counts, strict=True)):
        if not i % 2 and b and c:
            bound = max(bound, min(b / n1, c / n2))
        fb += b
        fc += c
        d_num = max(d_num, abs(fb * n2 - fc * n1))
    d, p, method = ks_p_value(d_num / (n1 * n2), n1, n2)
    return FineKS(d, p, method, n1, n2, bound)


def wasserstein_fine(
    baseline: FineCounts, current: FineCounts, baseline_std: float
) -> FineWasserstein:
    """Wasserstein-1 distance from fine counts (see the module docstring).

    Raises:
        ValueError: accumulators that are not on one layout, an empty one, or a bad std.
    """
    n1, n2 = _pair(baseline, current)
    std = float(baseline_std)
    if not (math.isfinite(std) and std >= 0):
        raise ValueError(f"baseline_std={baseline_std!r} is not allowed; expected a number >= 0")
    points = baseline.layout.points
    k = len(points)
    terms: list[float] = []
    slack: list[float] = []
    fb = fc = 0.0  # shares up to and including the point below the bin
    for i, (b, c) in enumerate(zip(baseline.counts, current.counts, strict=True)):
        sb, sc = b / n1, c / n2
        if not i % 2:  # a gap or a ray
            gb, gc = baseline.gaps[i] / n1, current.gaps[i] / n2
            width = 0.0
            if i == 0:  # ray below the first point: ∫ F over it is the distance sum
                signed = gc - gb
            elif i == 2 * k:  # ray above the last point: ∫ (1 − F) over it
                signed = gb - gc
            else:
                width = points[i // 2] - points[i // 2 - 1]
                signed = (fc - fb) * width + gc - gb
            terms.append(abs(signed))
            high, low = fc + sc - fb, fc - fb - sb  # extremes of F_c − F_b in the gap
            if low < 0 < high and width:
                slack.append(2.0 * width * min(high, -low))
        fb += sb
        fc += sc
    distance = math.fsum(terms)
    return FineWasserstein(distance, distance / max(std, 0.001), std, n1, n2,
                           math.fsum(slack))


def baseline_std(values: Sequence[float]) -> float:
    """Population std (ddof 0) of a baseline, as Evidently norms Wasserstein."""
    n = len(values)
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / n)
