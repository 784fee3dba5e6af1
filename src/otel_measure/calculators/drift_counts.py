"""Drift statistics computed from bin counts (exact when bins are fixed from the baseline).

Every function takes the baseline and current counts as equal-length sequences of
non-negative numbers (each with a positive total) or as two compatible histograms from
:mod:`otel_measure.calculators.drift_bins`. Cost is O(bins), whatever the window size.

Empty bins:
- Bins empty in both baseline and current are dropped first (except by
  ``psi(..., empty_bins="fill")``), so a layout's always-present overflow bins change
  nothing; the result equals the reference applied to the category values actually seen
  (what Evidently does with the union of observed values).
- PSI then follows Evidently: in each distribution a zero share becomes
  ``min_nonzero_share / 1e6`` if ``min_nonzero_share <= 1e-4`` else ``1e-4``.
- Chi-square: a bin with expected 0 but observed > 0 (e.g. the overflow bin) makes the
  statistic ``inf`` and the p-value 0.0 (as ``scipy.stats.chisquare``); if one bin is left
  the statistic is 0.0 and the p-value 1.0 (scipy gives NaN with 0 degrees of freedom).
Import through :mod:`otel_measure.calculators.drift`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_bins import CategoricalHistogram, NumericHistogram
from otel_measure.calculators.stats import check_real, chi2_sf, kstwo_sf, norm_sf

__all__ = [
    "Counts",
    "StatResult",
    "chi_square",
    "counts_pair",
    "hellinger",
    "jensen_shannon",
    "ks_from_counts",
    "psi",
    "two_proportion_z",
]

Counts = Sequence[float] | NumericHistogram | CategoricalHistogram

_LN2 = math.log(2.0)


@dataclass(frozen=True)
class StatResult(Result):
    """A drift statistic computed from counts.

    Attributes:
        method: "psi", "jensenshannon", "hellinger", "chisquare", "z" or "ks_binned".
        statistic: the distance or test statistic.
        p_value: the p-value, or None for distances.
        baseline_size: total baseline count.
        current_size: total current count.
        bins: number of bins used (after dropping bins empty in both).
        df: degrees of freedom (chi-square only), else None.
    """

    method: str
    statistic: float
    p_value: float | None
    baseline_size: float
    current_size: float
    bins: int
    df: int | None = None


def _as_counts(name: str, value: object) -> list[float]:
    if isinstance(value, (NumericHistogram, CategoricalHistogram)):
        return [float(c) for c in value.counts()]
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValueError(
            f"{name}={value!r} is not allowed; expected a sequence of counts or a histogram"
        )
    out = []
    for i, item in enumerate(value):
        v = check_real(f"{name}[{i}]", item)
        if not 0.0 <= v < math.inf:
            raise ValueError(f"{name}[{i}]={item!r} is not allowed; expected a finite count >= 0")
        out.append(v)
    return out


def counts_pair(baseline: Counts, current: Counts) -> tuple[list[float], list[float]]:
    """Validate two count vectors (or histograms) and drop bins empty in both."""
    if isinstance(baseline, (NumericHistogram, CategoricalHistogram)) or isinstance(
        current, (NumericHistogram, CategoricalHistogram)
    ):
        same = (
            isinstance(baseline, NumericHistogram)
            and isinstance(current, NumericHistogram)
            and baseline.edges == current.edges
        ) or (
            isinstance(baseline, CategoricalHistogram)
            and isinstance(current, CategoricalHistogram)
            and baseline.categories == current.categories
        )
        if not same:
            raise ValueError(
                f"current={current!r} is not allowed; expected a histogram with the same "
                "kind and bins as the baseline"
            )
    base = _as_counts("baseline_counts", baseline)
    cur = _as_counts("current_counts", current)
    if len(base) != len(cur):
        raise ValueError(
            f"current_counts has {len(cur)} bins; expected {len(base)} like baseline_counts"
        )
    if not math.fsum(base) > 0.0:
        raise ValueError(f"baseline_counts={base!r} is not allowed; expected a positive total")
    if not math.fsum(cur) > 0.0:
        raise ValueError(f"current_counts={cur!r} is not allowed; expected a positive total")
    kept = [(b, c) for b, c in zip(base, cur, strict=True) if b > 0.0 or c > 0.0]
    return [b for b, _ in kept], [c for _, c in kept]


def _plain(counts: Counts) -> object:
    if isinstance(counts, (NumericHistogram, CategoricalHistogram)):
        return list(counts.counts())
    return counts


def _fill_zero_shares(shares: list[float]) -> list[float]:
    smallest = min(s for s in shares if s != 0.0)
    fill = smallest / 1e6 if smallest <= 1e-4 else 1e-4
    return [s if s != 0.0 else fill for s in shares]


def psi(
    baseline_counts: Counts, current_counts: Counts, *, empty_bins: str = "drop"
) -> StatResult:
    """Population stability index sum((r - c) ln(r / c)) on bin shares (Evidently's zero fill).

    ``empty_bins="drop"`` (default) drops bins empty on both sides, as Evidently's union of
    observed categories does; ``"fill"`` keeps them and zero-fills them like every other
    empty share, as Evidently does on its sturges bins of numeric data.

    Raises:
        ValueError: bad counts, or ``empty_bins`` not "drop" or "fill".
    """
    if empty_bins not in ("drop", "fill"):
        raise ValueError(f"empty_bins={empty_bins!r} is not one of 'drop', 'fill'")
    base, cur = counts_pair(baseline_counts, current_counts)  # checks both
    if empty_bins == "fill":
        base = _as_counts("baseline_counts", _plain(baseline_counts))
        cur = _as_counts("current_counts", _plain(current_counts))
    nb, nc = math.fsum(base), math.fsum(cur)
    r = _fill_zero_shares([b / nb for b in base])
    c = _fill_zero_shares([x / nc for x in cur])
    value = math.fsum((ri - ci) * math.log(ri / ci) for ri, ci in zip(r, c, strict=True))
    return StatResult("psi", value, None, nb, nc, len(base))


def _rel_entr(x: float, y: float) -> float:
    return x * math.log(x / y) if x > 0.0 else 0.0


def jensen_shannon(
    baseline_counts: Counts, current_counts: Counts, *, base: float = math.e
) -> StatResult:
    """Jensen-Shannon distance, scipy ``jensenshannon(p, q, base=base)``.

    The default natural log is scipy's and Evidently's, whose 0.1 drift threshold is
    calibrated on it (range [0, √ln 2]); ``base=2`` gives NannyML's [0, 1] scale
    (1.2011× the natural-log value).

    Raises:
        ValueError: bad counts, or ``base`` not a finite number > 1 (below 1 the
            logarithm is negative and the distance undefined).
    """
    b_log = check_real("base", base)
    if not (math.isfinite(b_log) and b_log > 1.0):
        raise ValueError(f"base={base!r} is not allowed; expected a finite number > 1")
    base_counts, cur = counts_pair(baseline_counts, current_counts)
    nb, nc = math.fsum(base_counts), math.fsum(cur)
    p = [b / nb for b in base_counts]
    q = [x / nc for x in cur]
    m = [(pi + qi) / 2.0 for pi, qi in zip(p, q, strict=True)]
    div = math.fsum(_rel_entr(pi, mi) for pi, mi in zip(p, m, strict=True))
    div += math.fsum(_rel_entr(qi, mi) for qi, mi in zip(q, m, strict=True))
    ln_base = math.log(b_log)
    value = math.sqrt(max(div / ln_base / 2.0, 0.0))
    ceiling = math.sqrt(_LN2 / ln_base)  # the distance of disjoint distributions
    return StatResult("jensenshannon", min(value, ceiling), None, nb, nc, len(base_counts))


def hellinger(baseline_counts: Counts, current_counts: Counts) -> StatResult:
    """Hellinger distance sqrt(1 - sum sqrt(p q)) in [0, 1], as ||sqrt p - sqrt q|| / sqrt 2.

    The squared-difference form is algebraically equal and keeps full precision for close
    distributions, where ``1 - sum`` would cancel.
    """
    base, cur = counts_pair(baseline_counts, current_counts)
    nb, nc = math.fsum(base), math.fsum(cur)
    sq = math.fsum(
        (math.sqrt(b / nb) - math.sqrt(c / nc)) ** 2 for b, c in zip(base, cur, strict=True)
    )
    value = min(math.sqrt(sq / 2.0), 1.0)
    return StatResult("hellinger", value, None, nb, nc, len(base))


def chi_square(baseline_counts: Counts, current_counts: Counts) -> StatResult:
    """Chi-square goodness of fit of current counts to baseline proportions.

    Expected counts are ``baseline * (n_current / n_baseline)`` (Evidently); statistic and
    p-value equal ``scipy.stats.chisquare(current, expected)`` on the kept bins.
    """
    base, cur = counts_pair(baseline_counts, current_counts)
    nb, nc = math.fsum(base), math.fsum(cur)
    k_norm = nc / nb
    expected = [b * k_norm for b in base]
    k = len(base)
    if any(e == 0.0 for e in expected):
        return StatResult("chisquare", math.inf, 0.0, nb, nc, k, k - 1)
    stat = math.fsum((o - e) ** 2 / e for o, e in zip(cur, expected, strict=True))
    if k == 1:
        return StatResult("chisquare", 0.0, 1.0, nb, nc, k, 0)
    return StatResult("chisquare", stat, chi2_sf(stat, k - 1), nb, nc, k, k - 1)


def two_proportion_z(baseline_counts: Counts, current_counts: Counts) -> StatResult:
    """Pooled two-proportion z-test for two-category data (statsmodels ``proportions_ztest``).

    After dropping bins empty in both, at most two bins may remain; the second is the
    "success" category, so ``statistic`` equals
    ``proportions_ztest([b[1], c[1]], [n_b, n_c])[0]`` and the p-value is two-sided. With a
    single category left (both samples constant and equal) the statistic is 0.0 and the
    p-value 1.0, as in Evidently.
    """
    base, cur = counts_pair(baseline_counts, current_counts)
    nb, nc = math.fsum(base), math.fsum(cur)
    if len(base) > 2:
        raise ValueError(
            f"baseline_counts/current_counts hold {len(base)} non-empty bins; the z-test "
            "needs at most 2 categories (use chi_square)"
        )
    if len(base) == 1:
        return StatResult("z", 0.0, 1.0, nb, nc, 1)
    p1 = base[1] * 1.0 / nb
    p2 = cur[1] * 1.0 / nc
    pooled = (base[1] + cur[1]) * 1.0 / (nb + nc)
    std = math.sqrt(pooled * (1.0 - pooled) * (1.0 / nb + 1.0 / nc))
    z = (p1 - p2) / std
    return StatResult("z", z, 2.0 * norm_sf(abs(z)), nb, nc, 2)


def ks_from_counts(
    baseline_counts: Counts, current_counts: Counts, *, with_p_value: bool = True
) -> StatResult:
    """KS statistic from ordered bins: max |F_b - F_c| over bin boundaries.

    This is a lower bound on the raw-sample KS statistic (the ECDFs are only compared at bin
    edges); bins must be in value order (numeric histograms are). The p-value is whylogs'
    ``kstwo.sf(D, round(n m / (n + m)))``; since D is a lower bound it is conservative. The
    statistic costs O(bins); the exact p-value can cost O(n m / (n + m)) (Smirnov's series),
    so pass ``with_p_value=False`` on hot paths (``p_value`` is then None).
    """
    base, cur = counts_pair(baseline_counts, current_counts)
    nb, nc = math.fsum(base), math.fsum(cur)
    cum_b = cum_c = 0.0
    d = 0.0
    for b, c in zip(base, cur, strict=True):
        cum_b += b
        cum_c += c
        d = max(d, abs(cum_b / nb - cum_c / nc))
    p_value = None
    if with_p_value:
        p_value = kstwo_sf(d, max(round(nb * nc / (nb + nc)), 1))
    return StatResult("ks_binned", d, p_value, nb, nc, len(base))
