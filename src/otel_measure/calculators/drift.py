"""Data drift: one method table, Evidently's automatic choice, verdicts and dataset drift.

Building blocks live in ``drift_bins`` (mergeable fixed-bin accumulators), ``drift_counts``
(PSI, Jensen-Shannon, Hellinger, chi-square, z-test, binned KS from counts) and ``drift_raw``
(KS test and Wasserstein on raw windows); all are re-exported here.

:data:`DRIFT_METHODS` is the one table of drift tests: name, aliases, input (bin counts or
raw numbers), default threshold (Evidently's), function and verdict rule. Every caller
looks a method up there (:func:`drift_method`); adding a test is one function and one row.

Automatic choice (Evidently; u = distinct values in baseline and current together):
baseline <= 1000 rows: numeric with u > 5 -> "ks"; otherwise "chisquare" if u > 2 else
"z". Baseline > 1000 rows: numeric with u > 5 -> "wasserstein" (normed by the baseline
std); otherwise "jensenshannon". A sample is numeric when every value is a real number
(bool excluded); otherwise it is categorical.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_bins import (
    CategoricalHistogram,
    HistogramCounts,
    NumericBinner,
    NumericHistogram,
    sturges_counts,
    value_counts,
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
from otel_measure.calculators.drift_raw import (
    KSResult,
    WassersteinResult,
    ks_test,
    prepare_samples,
    wasserstein,
)
from otel_measure.calculators.stats import check_real

__all__ = [
    "AUTO",
    "DEFAULT_THRESHOLDS",
    "DRIFT_METHODS",
    "METHODS",
    "CategoricalHistogram",
    "Counts",
    "DatasetDriftResult",
    "DriftMethod",
    "DriftResult",
    "HistogramCounts",
    "KSResult",
    "NumericBinner",
    "NumericHistogram",
    "StatResult",
    "Verdict",
    "WassersteinResult",
    "chi_square",
    "choose_method",
    "dataset_drift",
    "detect",
    "drift_method",
    "hellinger",
    "jensen_shannon",
    "ks_from_counts",
    "ks_test",
    "method_for",
    "psi",
    "resolve_method",
    "two_proportion_z",
    "wasserstein",
]

AUTO = "auto"  # the method name that asks for Evidently's automatic choice
_SMALL_REFERENCE = 1000
_FEW_VALUES = 5
_STURGES_MIN_DISTINCT = 20  # more distinct numeric baseline values than this: sturges bins
_COMPARE: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class DriftResult(Result):
    """Drift verdict for one feature.

    Attributes:
        method: the test used (a name of :data:`DRIFT_METHODS`).
        statistic: the test statistic or distance ("wasserstein" reports the normed distance).
        p_value: the p-value of a statistical test; None for distances.
        threshold: the threshold applied to the p-value or the distance.
        drifted: the method's verdict rule (:attr:`DriftMethod.verdict`) applied.
        baseline_size: baseline rows.
        current_size: current rows.
        merged: observations (baseline and current) that shared one bin because their
            categories were past the category cap (``detect_model_drift``); 0 otherwise.
        outside: current observations outside the range of a numeric feature's fixed
            bins (``detect_model_drift``; Evidently's bins would widen to hold them, so
            the result is not batch ``detect()``'s); 0 otherwise.
    """

    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    baseline_size: int
    current_size: int
    merged: int = 0
    outside: int = 0


@dataclass(frozen=True)
class Verdict:
    """A verdict rule: drift when ``on`` compares to the threshold with ``op``.

    Attributes:
        on: "p_value" or "statistic"; a missing p-value never drifts.
        op: "<", "<=" or ">=".
    """

    on: Literal["p_value", "statistic"]
    op: Literal["<", "<=", ">="]

    def drifted(self, statistic: float, p_value: float | None, threshold: float) -> bool:
        """Apply the rule to a method's result."""
        value = statistic if self.on == "statistic" else p_value
        return value is not None and bool(_COMPARE[self.op](value, threshold))

    def __str__(self) -> str:
        return f"{self.on} {self.op} threshold"


@dataclass(frozen=True)
class DriftMethod:
    """One row of the drift-method table.

    Attributes:
        name: the name results report (``DriftResult.method``).
        aliases: other accepted spellings of ``name``.
        data: "counts" (the function takes baseline and current bin counts) or "raw" (it
            takes the raw numeric samples; numeric data only).
        threshold: default threshold (Evidently's).
        verdict: how the result and the threshold give the verdict.
        function: the calculator, ``function(baseline, current)``.
        score: attribute of the function's result compared by a statistic rule and reported
            as ``DriftResult.statistic`` ("normed" for Wasserstein).
        max_bins: most non-empty bins the function accepts (None: any).
        numeric_bins: how :func:`detect` counts raw numeric data for a "counts" method:
            "sturges" (numpy's sturges bins over both samples when the baseline has more
            than 20 distinct values, else one bin per value), "values" (one bin per value)
            or "sturges_distinct" (sturges bins over the distinct values of both samples,
            always: Evidently's numeric Hellinger).
        sturges_options: keyword arguments ``function`` gets on sturges bins (PSI keeps
            bins empty on both sides there, as Evidently does).
    """

    name: str
    aliases: tuple[str, ...]
    data: Literal["counts", "raw"]
    threshold: float
    verdict: Verdict
    function: Callable[[Any, Any], Any]
    score: str = "statistic"
    max_bins: int | None = None
    numeric_bins: Literal["sturges", "values", "sturges_distinct"] = "sturges"
    sturges_options: tuple[tuple[str, str], ...] = ()

    def fits(self, *, numeric: bool, bins: int) -> bool:
        """Whether this method can test data of this kind with ``bins`` non-empty bins."""
        if self.data == "raw" and not numeric:
            return False
        return self.max_bins is None or bins <= self.max_bins

    def limit(self, threshold: float | None) -> float:
        """The threshold to apply: the default, or ``threshold`` checked to be finite."""
        if threshold is None:
            return self.threshold
        value = check_real("threshold", threshold)
        if math.isinf(value):
            raise ValueError(f"threshold={threshold!r} is not allowed; expected a finite number")
        return value

    def test(
        self,
        baseline: Any,
        current: Any,
        threshold: float | None = None,
        *,
        baseline_size: int,
        current_size: int,
        options: Mapping[str, str] | None = None,
    ) -> DriftResult:
        """Run the function on ``baseline``/``current`` (as ``data`` says) and judge it.

        Raises:
            ValueError: a bad threshold, or data the function rejects.
        """
        limit = self.limit(threshold)
        result = self.function(baseline, current, **(options or {}))
        statistic: float = getattr(result, self.score)
        p_value: float | None = getattr(result, "p_value", None)
        drifted = self.verdict.drifted(statistic, p_value, limit)
        return DriftResult(
            self.name, statistic, p_value, limit, drifted, baseline_size, current_size
        )


_P_AT_OR_BELOW = Verdict("p_value", "<=")  # Evidently's KS rule
_P_BELOW = Verdict("p_value", "<")  # Evidently's chi-square and z-test rule
_AT_OR_ABOVE = Verdict("statistic", ">=")  # Evidently's distance rule

_TABLE = (
    DriftMethod("ks", (), "raw", 0.05, _P_AT_OR_BELOW, ks_test),
    DriftMethod(
        "chisquare", ("chi_square",), "counts", 0.05, _P_BELOW, chi_square, numeric_bins="values"
    ),
    DriftMethod("z", (), "counts", 0.05, _P_BELOW, two_proportion_z, max_bins=2),
    DriftMethod("wasserstein", (), "raw", 0.1, _AT_OR_ABOVE, wasserstein, score="normed"),
    DriftMethod("jensenshannon", ("jensen_shannon",), "counts", 0.1, _AT_OR_ABOVE, jensen_shannon),
    DriftMethod("psi", (), "counts", 0.1, _AT_OR_ABOVE, psi,
                sturges_options=(("empty_bins", "fill"),)),
    DriftMethod("hellinger", (), "counts", 0.1, _AT_OR_ABOVE, hellinger,
                numeric_bins="sturges_distinct"),
)


def _spellings(table: Sequence[DriftMethod]) -> dict[str, str]:
    out = {AUTO: AUTO}
    for row in table:
        for spelling in (row.name, *row.aliases):
            if spelling in out:
                raise ValueError(f"drift method spelling {spelling!r} is used twice")
            out[spelling] = row.name
    return out


#: The drift-method table, by name.
DRIFT_METHODS: Mapping[str, DriftMethod] = MappingProxyType({m.name: m for m in _TABLE})
_SPELLINGS: Mapping[str, str] = MappingProxyType(_spellings(_TABLE))
#: Default threshold per method (Evidently's defaults), from the table.
DEFAULT_THRESHOLDS: Mapping[str, float] = MappingProxyType({m.name: m.threshold for m in _TABLE})
#: "auto" and every method name.
METHODS: tuple[str, ...] = (AUTO, *DRIFT_METHODS)


def resolve_method(method: object) -> str:
    """Return the table name of a method name or alias, or "auto".

    Raises:
        ValueError: naming ``method`` and every accepted spelling when it is unknown.
    """
    name = _SPELLINGS.get(method) if isinstance(method, str) else None
    if name is None:
        allowed = ", ".join(repr(s) for s in _SPELLINGS)
        raise ValueError(f"method={method!r} is not one of {allowed}")
    return name


def drift_method(method: object) -> DriftMethod:
    """Return the table row of a method name or alias ("auto" is not a row).

    Raises:
        ValueError: naming ``method`` and every accepted spelling when it is unknown.
    """
    name = resolve_method(method)
    if name == AUTO:
        allowed = ", ".join(repr(s) for s in _SPELLINGS if s != AUTO)
        raise ValueError(
            f"method={method!r} is not one of {allowed}; resolve 'auto' with method_for() first"
        )
    return DRIFT_METHODS[name]


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


def choose_method(baseline: Iterable[Hashable], current: Iterable[Hashable]) -> str:
    """Return the method ``detect(..., method="auto")`` would use for these samples."""
    base, cur, numeric = prepare_samples(baseline, current)
    return method_for(len(base), len(set(base) | set(cur)), numeric=numeric)


def _counts_for(
    entry: DriftMethod, base: list[Hashable], cur: list[Hashable], numeric: bool
) -> tuple[list[int], list[int], bool]:
    """Counts as Evidently bins them, and whether they are sturges bins."""
    if numeric and entry.numeric_bins == "sturges_distinct":
        distinct = list(set(base) | set(cur))
        return (*sturges_counts(base, cur, distinct), True)  # type: ignore[arg-type]
    sturges = entry.numeric_bins == "sturges"
    if numeric and sturges and len(set(base)) > _STURGES_MIN_DISTINCT:
        return (*sturges_counts(base, cur), True)  # type: ignore[arg-type]
    return (*value_counts(base, cur), False)


def detect(
    baseline: Iterable[Hashable],
    current: Iterable[Hashable],
    method: str = AUTO,
    threshold: float | None = None,
) -> DriftResult:
    """Test one feature for drift between a baseline and a current window.

    Args:
        baseline: reference values (numbers, or hashable categories).
        current: current values of the same feature.
        method: "auto" (Evidently's choice) or a name or alias of :data:`DRIFT_METHODS`.
            "counts" methods on raw data count each distinct value (with
            ``numeric_bins="sturges"``, numeric data with more than 20 distinct baseline
            values use numpy's 'sturges' bins over both samples, as Evidently does).
        threshold: overrides the method's default threshold.

    Raises:
        ValueError: on an unknown method, empty samples, None/NaN values, non-finite
            numbers, a "raw" method on categorical data, or data the method rejects
            (e.g. "z" with > 2 categories).
    """
    name = resolve_method(method)
    base, cur, numeric = prepare_samples(baseline, current)
    if name == AUTO:
        name = method_for(len(base), len(set(base) | set(cur)), numeric=numeric)
    entry = DRIFT_METHODS[name]
    limit = entry.limit(threshold)
    if entry.data == "raw":
        if not numeric:
            raise ValueError(f"method={name!r} is not allowed for categorical data")
        return entry.test(base, cur, limit, baseline_size=len(base), current_size=len(cur))
    b, c, binned = _counts_for(entry, base, cur, numeric)
    options = dict(entry.sturges_options) if binned else None
    return entry.test(b, c, limit, baseline_size=len(base), current_size=len(cur),
                      options=options)


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
