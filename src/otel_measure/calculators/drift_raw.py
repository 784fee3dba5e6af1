"""Drift tests on raw windows: two-sample Kolmogorov-Smirnov and Wasserstein-1.

``ks_test`` equals ``scipy.stats.ks_2samp(baseline, current)`` (two-sided, method 'auto'):
the exact null distribution when ``max(n1, n2) <= 10000`` (Hodges' lattice-path counting;
the statistic is then reported as ``h / lcm(n1, n2)`` like scipy), else
``kstwo.sf(D, round(n1 n2 / (n1 + n2)))``. If the exact computation does not give a
probability in [0, 1] it falls back to the asymptotic one, as scipy does. The exact path is
O(n1 * window) in pure Python, where the window grows with D; large drifts on samples near
10,000 can take seconds. ``prepare_samples`` checks the raw samples ``detect`` takes.
Import through :mod:`otel_measure.calculators.drift`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_bins import check_category
from otel_measure.calculators.stats import check_real, finite_floats, kstwo_sf

__all__ = [
    "KSResult",
    "WassersteinResult",
    "ks_p_value",
    "ks_test",
    "prepare_samples",
    "wasserstein",
]

_MAX_EXACT_N = 10_000


@dataclass(frozen=True)
class KSResult(Result):
    """Two-sample KS test result.

    Attributes:
        statistic: sup |F_baseline - F_current|.
        p_value: two-sided p-value.
        method: "exact" or "asymp".
        baseline_size: n1.
        current_size: n2.
        statistic_location: value where the supremum is reached (scipy's choice).
        statistic_sign: +1 if F_baseline > F_current there, else -1.
    """

    statistic: float
    p_value: float
    method: str
    baseline_size: int
    current_size: int
    statistic_location: float
    statistic_sign: int


@dataclass(frozen=True)
class WassersteinResult(Result):
    """Wasserstein-1 distance, raw and normed by the baseline std (Evidently).

    Attributes:
        statistic: ``scipy.stats.wasserstein_distance(baseline, current)``.
        normed: statistic / max(std(baseline, ddof=0), 0.001).
        baseline_std: population std of the baseline.
        baseline_size: n1.
        current_size: n2.
    """

    statistic: float
    normed: float
    baseline_std: float
    baseline_size: int
    current_size: int


def _sorted_sample(name: str, values: Iterable[float]) -> list[float]:
    data = sorted(finite_floats(name, values))
    if not data:
        raise ValueError(f"{name}=[] is not allowed; expected at least one value")
    return data


def _prob_outside_square(n: int, h: int) -> float:
    """P(D_{n,n} >= h/n) by the alternating reflection sum in Horner form."""
    total = 0.0
    k = n // h
    while k >= 0:
        term = 1.0
        for j in range(h):
            term = (n - k * h - j) * term / (n + k * h + j + 1)
        total = term * (1.0 - total)
        k -= 1
    return 2.0 * total


def _prob_outside_band(m: int, n: int, g: int, h: int) -> float:
    """Share of lattice paths (0,0)->(m,n) that touch |x/m - y/n| >= h/lcm(m, n).

    Each column keeps, for the points inside the band, the share of paths reaching that point
    that already left the band (points outside count as 1): the "1 - p" form of Hodges' inside
    method (Viehmann 2021), which avoids huge binomials and cancellation.
    """
    if m < n:
        m, n = n, m
    mg = m // g
    ng = n // g
    lo, hi = 0, min(-(-h // mg), n + 1)
    col = [0.0] * (hi - lo)
    for i in range(1, m + 1):
        prev, prev_lo, prev_hi = col, lo, hi
        lo = min(max((ng * i - h) // mg + 1, 0), n)
        hi = min(-(-(ng * i + h) // mg), n + 1)
        if hi <= lo:
            return 1.0
        val = 0.0 if lo == 0 else 1.0
        col = [0.0] * (hi - lo)
        for j in range(lo, hi):
            above = prev[j - prev_lo] if j < prev_hi else 1.0
            val = (above * i + val * j) / (i + j)
            col[j - lo] = val
    return col[-1]


def _ecdf_extremes(x: list[float], y: list[float]) -> tuple[float, float, float, float]:
    """Return (max F_x - F_y, its location, max F_y - F_x, its location) over the data points.

    Locations follow scipy: the first point reaching the extreme in ``x`` then ``y`` order.
    """
    n1, n2 = len(x), len(y)
    best_pos, best_neg = -math.inf, -math.inf
    # (value, diff) at every distinct value, diff = F_x(value) - F_y(value) with side='right'.
    diffs: dict[float, float] = {}
    i = j = 0
    while i < n1 or j < n2:
        v = x[i] if j >= n2 or (i < n1 and x[i] <= y[j]) else y[j]
        while i < n1 and x[i] == v:
            i += 1
        while j < n2 and y[j] == v:
            j += 1
        d = i / n1 - j / n2
        diffs[v] = d
        best_pos = max(best_pos, d)
        best_neg = max(best_neg, -d)
    loc_pos = _first_location(x, y, diffs, lambda d: d == best_pos)
    loc_neg = _first_location(x, y, diffs, lambda d: -d == best_neg)
    return best_pos, loc_pos, best_neg, loc_neg


def _first_location(
    x: list[float], y: list[float], diffs: dict[float, float], hit: Callable[[float], bool]
) -> float:
    for sample in (x, y):
        for v in sample:
            if hit(diffs[v]):
                return v
    raise AssertionError(  # pragma: no cover - unreachable: the maximum is attained
        "an extreme is always reached at some data point")


def ks_test(baseline: Iterable[float], current: Iterable[float]) -> KSResult:
    """Two-sample two-sided Kolmogorov-Smirnov test, equal to ``scipy.stats.ks_2samp``.

    Raises:
        ValueError: if a sample is empty or holds None, NaN, inf or a non-number.
    """
    x = _sorted_sample("baseline", baseline)
    y = _sorted_sample("current", current)
    n1, n2 = len(x), len(y)
    max_s, loc_max, min_s, loc_min = _ecdf_extremes(x, y)
    min_s = min(max(min_s, 0.0), 1.0)
    if min_s > max_s:
        d, loc, sign = min_s, loc_min, -1
    else:
        d, loc, sign = max_s, loc_max, 1
    d, prob, method = ks_p_value(d, n1, n2)
    return KSResult(d, prob, method, n1, n2, loc, sign)


def ks_p_value(d: float, n1: int, n2: int) -> tuple[float, float, str]:
    """scipy ``ks_2samp(method="auto")``'s p-value of a two-sided D for sizes n1, n2.

    Returns:
        (D as scipy rounds it for the exact method, p-value, "exact" or "asymp").
    """
    method = "exact" if max(n1, n2) <= _MAX_EXACT_N else "asymp"
    prob = math.nan
    if method == "exact":
        g = math.gcd(n1, n2)
        lcm = (n1 // g) * n2
        h = round(d * lcm)
        d = h * 1.0 / lcm
        if h == 0:
            prob = 1.0
        elif n1 == n2:
            prob = _prob_outside_square(n1, h)
        else:
            prob = _prob_outside_band(n1, n2, g, h)
        if not 0.0 <= prob <= 1.0:
            method = "asymp"
    if method == "asymp":
        big, small = max(n1, n2), min(n1, n2)
        en = float(big) * float(small) / (big + small)
        prob = kstwo_sf(d, round(en))
    return d, min(max(prob, 0.0), 1.0), method


def wasserstein(baseline: Iterable[float], current: Iterable[float]) -> WassersteinResult:
    """Wasserstein-1 distance between the empirical distributions, and Evidently's normed form.

    Raises:
        ValueError: if a sample is empty or holds None, NaN, inf or a non-number.
    """
    x = _sorted_sample("baseline", baseline)
    y = _sorted_sample("current", current)
    n1, n2 = len(x), len(y)
    # Integrate |F_x - F_y| between consecutive points of the merged sample.
    terms: list[float] = []
    i = j = 0
    prev = min(x[0], y[0])
    while i < n1 or j < n2:
        v = x[i] if j >= n2 or (i < n1 and x[i] <= y[j]) else y[j]
        if v != prev:
            terms.append(abs(i / n1 - j / n2) * (v - prev))
            prev = v
        while i < n1 and x[i] == v:
            i += 1
        while j < n2 and y[j] == v:
            j += 1
    distance = math.fsum(terms)
    mean = math.fsum(x) / n1
    std = math.sqrt(math.fsum((v - mean) ** 2 for v in x) / n1)
    normed = distance / max(std, 0.001)
    return WassersteinResult(distance, normed, std, n1, n2)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def prepare_samples(
    baseline: Iterable[Hashable], current: Iterable[Hashable]
) -> tuple[list[Hashable], list[Hashable], bool]:
    """Check two raw samples: ``(baseline, current, numeric)`` as lists.

    Numeric when every value is a real number (bool excluded); numbers must then be finite,
    categories hashable and not None or NaN.

    Raises:
        ValueError: naming the first bad sample or value.
    """
    out: list[list[Hashable]] = []
    for name, values in (("baseline", baseline), ("current", current)):
        if isinstance(values, (str, bytes)):
            raise ValueError(f"{name}={values!r} is not allowed; expected a sequence of values")
        try:
            data = list(values)
        except TypeError:
            raise ValueError(f"{name}={values!r} is not allowed; expected values") from None
        if not data:
            raise ValueError(f"{name}=[] is not allowed; expected at least one value")
        out.append(data)
    numeric = all(_is_number(v) for v in out[0]) and all(_is_number(v) for v in out[1])
    for name, data in (("baseline", out[0]), ("current", out[1])):
        for i, v in enumerate(data):
            if numeric:
                fv = check_real(f"{name}[{i}]", v)
                if math.isinf(fv):
                    raise ValueError(f"{name}[{i}]={v!r} is not allowed; expected a finite value")
            else:
                check_category(f"{name}[{i}]", v)
    return out[0], out[1], numeric
