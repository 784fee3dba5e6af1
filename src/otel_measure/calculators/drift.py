"""Data drift: Evidently's automatic test choice, per-feature verdicts and dataset drift.

Building blocks live in ``drift_bins`` (mergeable fixed-bin accumulators), ``drift_counts``
(PSI, Jensen-Shannon, Hellinger, chi-square, z-test, binned KS from counts) and ``drift_raw``
(KS test and Wasserstein on raw windows); all are re-exported here.

Automatic choice (Evidently; u = distinct values in baseline and current together):
baseline <= 1000 rows: numeric with u > 5 -> "ks" (drift if p <= 0.05); otherwise
"chisquare" if u > 2 else "z" (drift if p < 0.05). Baseline > 1000 rows: numeric with
u > 5 -> "wasserstein" normed by the baseline std (drift if >= 0.1); otherwise
"jensenshannon" (base 2, drift if >= 0.1). A sample is numeric when every value is a real
number (bool excluded); otherwise it is categorical.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_bins import (
    CategoricalHistogram,
    HistogramCounts,
    NumericBinner,
    NumericHistogram,
    check_category,
)
from otel_measure.calculators.drift_counts import (
    Counts,
    StatResult,
    chi_square,
    hellinger,
    jensen_shannon,
    ks_from_counts,
    psi,
    two_proportion_z,
)
from otel_measure.calculators.drift_raw import KSResult, WassersteinResult, ks_test, wasserstein
from otel_measure.calculators.stats import check_real

__all__ = [
    "DEFAULT_THRESHOLDS",
    "METHODS",
    "CategoricalHistogram",
    "Counts",
    "DatasetDriftResult",
    "DriftResult",
    "HistogramCounts",
    "KSResult",
    "NumericBinner",
    "NumericHistogram",
    "StatResult",
    "WassersteinResult",
    "chi_square",
    "choose_method",
    "dataset_drift",
    "detect",
    "hellinger",
    "jensen_shannon",
    "ks_from_counts",
    "ks_test",
    "method_for",
    "psi",
    "two_proportion_z",
    "wasserstein",
]

#: Default threshold per method (Evidently's defaults).
DEFAULT_THRESHOLDS: Mapping[str, float] = {
    "ks": 0.05,
    "chisquare": 0.05,
    "z": 0.05,
    "wasserstein": 0.1,
    "jensenshannon": 0.1,
    "psi": 0.1,
    "hellinger": 0.1,
}
METHODS: tuple[str, ...] = ("auto", *DEFAULT_THRESHOLDS)
_P_VALUE_LE = frozenset({"ks"})
_P_VALUE_LT = frozenset({"chisquare", "z"})
_SMALL_REFERENCE = 1000
_FEW_VALUES = 5


@dataclass(frozen=True)
class DriftResult(Result):
    """Drift verdict for one feature.

    Attributes:
        method: the test used ("ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi",
            "hellinger").
        statistic: the test statistic or distance ("wasserstein" reports the normed distance).
        p_value: p-value for "ks", "chisquare" and "z"; None for distances.
        threshold: the threshold applied to the p-value or the distance.
        drifted: p <= threshold for "ks", p < threshold for "chisquare"/"z", otherwise
            statistic >= threshold.
        baseline_size: baseline rows.
        current_size: current rows.
    """

    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    baseline_size: int
    current_size: int


@dataclass(frozen=True)
class DatasetDriftResult(Result):
    """Dataset-level verdict: drift when the share of drifted features >= ``share_threshold``.

    Attributes:
        number_of_features: features assessed.
        number_of_drifted: features whose result drifted.
        share_of_drifted: number_of_drifted / number_of_features.
        share_threshold: the share that triggers dataset drift.
        drifted: share_of_drifted >= share_threshold.
        drifted_features: names of drifted features (when results were given as a mapping).
    """

    number_of_features: int
    number_of_drifted: int
    share_of_drifted: float
    share_threshold: float
    drifted: bool
    drifted_features: tuple[str, ...] = ()


def method_for(baseline_size: int, n_unique: int, *, numeric: bool) -> str:
    """Return Evidently's default method for a feature (see the module docstring)."""
    for name, value in (("baseline_size", baseline_size), ("n_unique", n_unique)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}={value!r} is not allowed; expected a positive integer")
    many = numeric and n_unique > _FEW_VALUES
    if baseline_size <= _SMALL_REFERENCE:
        if many:
            return "ks"
        return "chisquare" if n_unique > 2 else "z"
    return "wasserstein" if many else "jensenshannon"


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _prepare(
    baseline: Iterable[Hashable], current: Iterable[Hashable]
) -> tuple[list[Hashable], list[Hashable], bool]:
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


def choose_method(baseline: Iterable[Hashable], current: Iterable[Hashable]) -> str:
    """Return the method ``detect(..., method="auto")`` would use for these samples."""
    base, cur, numeric = _prepare(baseline, current)
    return method_for(len(base), len(set(base) | set(cur)), numeric=numeric)


def _value_counts(base: list[Hashable], cur: list[Hashable]) -> tuple[list[int], list[int]]:
    keys = list(dict.fromkeys([*base, *cur]))
    index = {k: i for i, k in enumerate(keys)}
    b = [0] * len(keys)
    c = [0] * len(keys)
    for v in base:
        b[index[v]] += 1
    for v in cur:
        c[index[v]] += 1
    return b, c


def _sturges_counts(base: list[float], cur: list[float]) -> tuple[list[int], list[int]]:
    """Counts on numpy's 'sturges' equal-width bins over both samples (Evidently's binning)."""
    both = base + cur
    first, last = min(both), max(both)
    if first == last:
        first, last = first - 0.5, last + 0.5
    width = (max(both) - min(both)) / (math.log2(len(both)) + 1.0)
    if width and all(isinstance(v, numbers.Integral) for v in both) and width < 1:
        width = 1.0
    n_bins = math.ceil((last - first) / width) if width else 1
    step = (last - first) / n_bins
    edges = [i * 1.0 * step + first for i in range(n_bins)] + [last]
    hist_b = NumericHistogram(edges)
    hist_c = NumericHistogram(edges)
    hist_b.update(base)
    hist_c.update(cur)
    # Both samples lie inside [first, last], so the two out-of-range bins stay empty.
    return list(hist_b.counts()[1:-1]), list(hist_c.counts()[1:-1])


def _counts_for(
    method: str, base: list[Hashable], cur: list[Hashable], numeric: bool
) -> tuple[list[int], list[int]]:
    if numeric and method != "chisquare" and len(set(base)) > 20:
        return _sturges_counts(base, cur)  # type: ignore[arg-type]
    return _value_counts(base, cur)


def detect(
    baseline: Iterable[Hashable],
    current: Iterable[Hashable],
    method: str = "auto",
    threshold: float | None = None,
) -> DriftResult:
    """Test one feature for drift between a baseline and a current window.

    Args:
        baseline: reference values (numbers, or hashable categories).
        current: current values of the same feature.
        method: "auto" (Evidently's choice) or one of "ks", "wasserstein", "chisquare", "z",
            "jensenshannon", "psi", "hellinger". Count-based methods on raw data count each
            distinct value (numeric data with more than 20 distinct baseline values use
            numpy's 'sturges' bins over both samples, as Evidently does for PSI and JS).
        threshold: overrides ``DEFAULT_THRESHOLDS[method]``.

    Raises:
        ValueError: on an unknown method, empty samples, None/NaN values, non-finite
            numbers, a numeric-only method on categorical data, or "z" with > 2 categories.
    """
    if method not in METHODS:
        allowed = ", ".join(repr(m) for m in METHODS)
        raise ValueError(f"method={method!r} is not one of {allowed}")
    base, cur, numeric = _prepare(baseline, current)
    if method == "auto":
        method = method_for(len(base), len(set(base) | set(cur)), numeric=numeric)
    if threshold is None:
        limit = DEFAULT_THRESHOLDS[method]
    else:
        limit = check_real("threshold", threshold)
        if math.isinf(limit):
            raise ValueError(f"threshold={threshold!r} is not allowed; expected a finite number")
    if method in ("ks", "wasserstein") and not numeric:
        raise ValueError(f"method={method!r} is not allowed for categorical data")
    p_value: float | None = None
    if method == "ks":
        ks = ks_test(base, cur)  # type: ignore[arg-type]
        statistic, p_value = ks.statistic, ks.p_value
    elif method == "wasserstein":
        statistic = wasserstein(base, cur).normed  # type: ignore[arg-type]
    else:
        funcs = {
            "chisquare": chi_square,
            "z": two_proportion_z,
            "jensenshannon": jensen_shannon,
            "psi": psi,
            "hellinger": hellinger,
        }
        b, c = _counts_for(method, base, cur, numeric)
        res = funcs[method](b, c)
        statistic, p_value = res.statistic, res.p_value
    if method in _P_VALUE_LE:
        drifted = p_value is not None and p_value <= limit
    elif method in _P_VALUE_LT:
        drifted = p_value is not None and p_value < limit
    else:
        drifted = statistic >= limit
    return DriftResult(method, statistic, p_value, limit, bool(drifted), len(base), len(cur))


def dataset_drift(
    results: Iterable[DriftResult] | Mapping[str, DriftResult], share: float = 0.5
) -> DatasetDriftResult:
    """Aggregate per-feature results: dataset drift when the drifted share >= ``share``.

    Raises:
        ValueError: if there are no results, an item is not a DriftResult, or share is not
            in (0, 1].
    """
    share_v = check_real("share", share)
    if not 0.0 < share_v <= 1.0:
        raise ValueError(f"share={share!r} is not allowed; expected 0 < share <= 1")
    if isinstance(results, Mapping):
        items: Sequence[tuple[str, object]] = [(str(k), v) for k, v in results.items()]
    else:
        items = [("", v) for v in results]
    if not items:
        raise ValueError("results is empty; expected at least one DriftResult")
    for name, item in items:
        if not isinstance(item, DriftResult):
            raise ValueError(f"results[{name!r}]={item!r} is not allowed; expected a DriftResult")
    drifted = [name for name, item in items if item.drifted]  # type: ignore[attr-defined]
    n = len(items)
    share_drifted = len(drifted) / n
    named = tuple(drifted) if isinstance(results, Mapping) else ()
    return DatasetDriftResult(
        n, len(drifted), share_drifted, share_v, share_drifted >= share_v, named
    )
