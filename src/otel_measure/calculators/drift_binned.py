"""Drift from numeric bin counts and their edges alone (what a metrics store holds).

Counts follow the numeric layout of :mod:`otel_measure.calculators.drift_bins`:
``len(edges) + 1`` counts, index 0 below ``edges[0]``, index i between ``edges[i-1]`` and
``edges[i]``, the last above ``edges[-1]``.

- :func:`inner_counts`: the counts batch ``detect()`` would bin on sturges edges: the two
  out-of-range bins are left out while the current sample has nothing there.
- :func:`wasserstein_binned`: Wasserstein-1 between the two binned samples, with values
  spread uniformly inside each bin, and bounds that hold whatever the values inside the
  bins were: on a bin of width w where the CDFs start at F_b and F_c and gain shares b and
  c, F_c − F_b stays within [F_c − F_b − b, F_c + c − F_b], so
  ``lower`` = Σ w · max(0, F_c − F_b − b, F_b − F_c − c) and
  ``upper`` = Σ w · max(|F_c + c − F_b|, |F_b + b − F_c|) bracket the raw distance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from otel_measure.calculators._result import Result
from otel_measure.calculators.stats import check_real, finite_floats

__all__ = ["BinnedWasserstein", "inner_counts", "wasserstein_binned"]


def inner_counts(baseline: Sequence[float], current: Sequence[float]
                 ) -> tuple[list[float], list[float], int]:
    """Counts without the two out-of-range bins when ``current`` has none there.

    Returns:
        The baseline and current counts to test, and how many current values lie outside
        the edges (0 when the outer bins were left out).

    Raises:
        ValueError: sequences of different lengths or shorter than 3.
    """
    if len(baseline) != len(current) or len(current) < 3:
        raise ValueError(f"counts of lengths {len(baseline)} and {len(current)}: expected "
                         "equal lengths of at least 3 (below, bins, above)")
    outside = current[0] + current[-1]
    if outside:
        return list(baseline), list(current), round(outside)
    return list(baseline[1:-1]), list(current[1:-1]), 0


@dataclass(frozen=True)
class BinnedWasserstein(Result):
    """Wasserstein-1 from bin counts and edges.

    Attributes:
        statistic: the distance with values spread uniformly inside their bins.
        lower: the smallest distance any values in these bins can have.
        upper: the largest distance any values in these bins can have.
        baseline_size: total baseline count.
        current_size: total current count.
    """

    statistic: float
    lower: float
    upper: float
    baseline_size: float
    current_size: float


def _segment(d0: float, d1: float, width: float) -> float:
    """∫ |d| over a bin where d goes linearly from d0 to d1."""
    if d0 * d1 >= 0:
        return width * abs(d0 + d1) / 2
    return width * (d0 * d0 + d1 * d1) / (2 * (abs(d0) + abs(d1)))


def wasserstein_binned(edges: Sequence[float], baseline: Sequence[float],
                       current: Sequence[float]) -> BinnedWasserstein:
    """Wasserstein-1 between two samples known by their counts on ``edges``.

    Raises:
        ValueError: edges not strictly increasing and finite, counts not of length
            ``len(edges) + 1`` or negative, an empty sample, or counts outside the edges
            (the distance is then unbounded).
    """
    points = finite_floats("edges", edges)
    if len(points) < 2 or any(a >= b for a, b in pairwise(points)):
        raise ValueError(f"edges={edges!r} is not allowed; expected at least two strictly "
                         "increasing edges")
    size = len(points) + 1
    b = [check_real(f"baseline[{i}]", v) for i, v in enumerate(baseline)]
    c = [check_real(f"current[{i}]", v) for i, v in enumerate(current)]
    if len(b) != size or len(c) != size or min(b + c) < 0:
        raise ValueError(f"baseline and current must be {size} counts >= 0 (len(edges) + 1)")
    if b[0] or b[-1] or c[0] or c[-1]:
        raise ValueError("counts outside the edges: the distance is unbounded")
    n1, n2 = math.fsum(b), math.fsum(c)
    if n1 <= 0 or n2 <= 0:
        raise ValueError(f"sizes {n1} and {n2}: both samples must be non-empty")
    fb = fc = 0.0
    est: list[float] = []
    low: list[float] = []
    high: list[float] = []
    for i in range(1, size - 1):
        width = points[i] - points[i - 1]
        sb, sc = b[i] / n1, c[i] / n2
        est.append(_segment(fc - fb, fc + sc - fb - sb, width))
        low.append(width * max(0.0, fc - fb - sb, fb - fc - sc))
        high.append(width * max(abs(fc + sc - fb), abs(fb + sb - fc)))
        fb += sb
        fc += sc
    return BinnedWasserstein(math.fsum(est), math.fsum(low), math.fsum(high), n1, n2)
