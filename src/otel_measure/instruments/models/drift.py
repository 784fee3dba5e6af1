"""Per-feature drift state of ``m.models``: baseline bins, sliding window, bin counts.

A :class:`FeatureTracker` holds one feature of one model (``_prediction`` is the model's
predictions). Its baseline comes from ``set_baseline()`` or, by default, from the first
``drift_baseline_size`` observations; the baseline fixes a bin :class:`Layout` once:

- ``numeric``: quantile edges of the baseline (``NumericBinner.from_baseline``), plus one
  bin below and one above its range;
- ``discrete``: a numeric baseline with at most ``drift_max_categories`` distinct values
  gets one bin per value (as ``calculators.drift.detect`` counts values), plus overflow;
- ``categorical``: the baseline's categories (the ``drift_max_categories`` most frequent,
  sorted when comparable), plus one overflow bin for every other value.

Each observation then costs one bin lookup (a bisection or a dict lookup) and updates the
counts of the sliding current window (the evicted value's bin goes down by one) and the
cumulative counts exported as ``measure.model.drift.bin.count``. The raw window is kept
too, for the methods that take raw values. Tests run by the pure calculators
(:func:`check`), looked up in their one method table (``calculators.drift.DRIFT_METHODS``).
"""

from __future__ import annotations

import hashlib
import math
import numbers
from collections import Counter, deque
from collections.abc import Hashable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from otel_measure.calculators.drift import (
    AUTO,
    CategoricalHistogram,
    DriftResult,
    NumericBinner,
    drift_method,
    method_for,
    resolve_method,
)

__all__ = [
    "PREDICTION",
    "FeatureTracker",
    "Layout",
    "TrackerCopy",
    "applicable",
    "check",
    "clean_value",
    "is_ready",
    "label_of",
    "normalise_method",
]

PREDICTION = "_prediction"  # the exported feature name of a model's predictions


def normalise_method(method: Any) -> str:
    """Return the calculators' name of a method name, alias or "auto"; ValueError when unknown."""
    return resolve_method(method)


def clean_value(value: Any) -> tuple[Any, str | None]:
    """Return ``(value, None)`` (numbers as floats), or ``(None, why)`` when unusable."""
    if value is None:
        return None, "expected a number or a category, not None"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            return None, "expected a finite number"
        return number, None
    try:
        hash(value)
    except TypeError:
        return None, "expected a number or a hashable category"
    return value, None


class Layout:
    """A baseline and its fixed bins (see the module docstring); shared, never mutated.

    Built outside the domain's lock: it sorts, counts and bins the whole baseline.
    """

    __slots__ = ("_index", "baseline_counts", "binner", "digest", "distinct", "kind", "labels",
                 "size", "values")

    def __init__(self, values: Sequence[Any], bins: int, max_categories: int) -> None:
        self.values = tuple(values)
        self.distinct = frozenset(values)
        numeric = all(type(v) is float for v in values)
        distinct = Counter(values)
        self.binner: NumericBinner | None = None
        self._index: dict[Any, int] = {}
        if numeric and len(distinct) > max_categories:
            self.kind = "numeric"
            self.binner = NumericBinner.from_baseline(values, bins)
            self.labels: tuple[Any, ...] = self.binner.edges
            self.size = len(self.labels) + 1
        else:
            self.kind = "discrete" if numeric else "categorical"
            # Counter.most_common keeps first-seen order among equal counts.
            cats: list[Any] = [c for c, _ in distinct.most_common(max_categories)]
            with suppress(TypeError):
                cats = sorted(cats)
            self.labels = tuple(cats)
            self._index = {c: i for i, c in enumerate(cats)}
            self.size = len(cats) + 1
        text = repr((self.kind, self.labels)).encode("utf-8", "backslashreplace")
        self.digest = hashlib.sha256(text).hexdigest()[:12]
        self.baseline_counts = self.counts(values)

    def accepts(self, value: Any) -> bool:
        """Whether a cleaned value fits this layout (numbers only for numeric kinds)."""
        return self.kind == "categorical" or type(value) is float

    def index(self, value: Any) -> int:
        """Bin of an accepted value (last bin: overflow / above the range)."""
        if self.binner is not None:
            return self.binner.index(value)
        return self._index.get(value, self.size - 1)

    def counts(self, values: Sequence[Any]) -> tuple[int, ...]:
        """Counts of ``values`` on these bins, by the calculators' accumulators."""
        if self.binner is not None:
            return self.binner.histogram(values).counts()
        hist = CategoricalHistogram(self.labels)
        hist.update(values)
        return hist.counts()


@dataclass(frozen=True)
class TrackerCopy:
    """A consistent copy of a :class:`FeatureTracker` (taken under the domain's lock)."""

    feature: str
    layout: Layout | None
    baseline: tuple[Any, ...]
    baseline_distinct: frozenset[Any]
    baseline_counts: tuple[int, ...]
    window: tuple[Any, ...]
    counts: tuple[int, ...]
    totals: tuple[int, ...]
    pending: int
    version: int
    auto: DriftResult | None


class FeatureTracker:
    """One feature of one model; every method runs under the domain's lock."""

    __slots__ = ("auto", "auto_version", "baseline", "baseline_counts", "baseline_distinct",
                 "bins", "checked_at", "counts", "feature", "latest", "layout",
                 "max_categories", "pending", "totals", "version", "window")

    def __init__(self, feature: str, window_size: int, bins: int, max_categories: int) -> None:
        self.feature = feature
        self.bins, self.max_categories = bins, max_categories
        self.layout: Layout | None = None
        self.baseline: tuple[Any, ...] = ()
        self.baseline_distinct: frozenset[Any] = frozenset()
        self.baseline_counts: tuple[int, ...] = ()
        self.pending: list[Any] = []  # values collected toward an automatic baseline
        self.window: deque[Any] = deque(maxlen=window_size)
        self.counts: list[int] = []  # per bin, over the current window
        self.totals: list[int] = []  # per bin, every current observation (exported)
        self.version = 0
        self.latest: dict[str, DriftResult] = {}  # latest result per method (exported)
        self.auto: DriftResult | None = None
        self.auto_version = -1
        self.checked_at = -math.inf

    def accepts(self, value: Any) -> bool:
        """Whether a cleaned value can be added (the kind is free until a baseline exists)."""
        layout = self.layout
        return layout is None or layout.accepts(value)

    def add(self, value: Any, auto_baseline: int | None) -> bool:
        """Add a cleaned value; False (nothing changed) when it does not fit the layout.

        Without a baseline the value joins the automatic baseline when ``auto_baseline``
        is a size (fixing it once full), else it waits in the window.
        """
        layout = self.layout
        if layout is None:
            if auto_baseline is None:
                self.window.append(value)
            else:
                self.pending.append(value)
                if len(self.pending) >= auto_baseline:
                    # Small (drift_baseline_size), so building it under the lock is fine.
                    values, self.pending = self.pending, []
                    self.fix(Layout(values, self.bins, self.max_categories))
            self.version += 1
            return True
        if not layout.accepts(value):
            return False
        window = self.window
        if len(window) == window.maxlen:
            self.counts[layout.index(window[0])] -= 1
        window.append(value)
        i = layout.index(value)
        self.counts[i] += 1
        self.totals[i] += 1
        self.version += 1
        return True

    def fix(self, layout: Layout) -> None:
        """Make ``layout`` the baseline; the window is re-binned onto its bins.

        Values collected toward an automatic baseline join the window; values of the wrong
        kind for the new layout leave it.
        """
        if self.pending:
            self.window.extend(self.pending)
            self.pending = []
        kept = [v for v in self.window if layout.accepts(v)]
        self.window.clear()
        self.window.extend(kept)
        self.layout = layout
        self.baseline = layout.values
        self.baseline_distinct = layout.distinct
        self.baseline_counts = layout.baseline_counts
        self.counts = list(layout.counts(list(self.window)))
        self.totals = list(self.counts)
        self.latest.clear()
        self.auto, self.auto_version = None, -1
        self.checked_at = -math.inf
        self.version += 1

    def copy(self) -> TrackerCopy:
        """Copy the state for computations outside the lock."""
        return TrackerCopy(
            feature=self.feature, layout=self.layout, baseline=self.baseline,
            baseline_distinct=self.baseline_distinct, baseline_counts=self.baseline_counts,
            window=tuple(self.window), counts=tuple(self.counts), totals=tuple(self.totals),
            pending=len(self.pending), version=self.version,
            auto=self.auto if self.auto_version == self.version else None)


def is_ready(copy: TrackerCopy) -> bool:
    """Whether a feature has a baseline and at least one current observation."""
    return copy.layout is not None and bool(copy.window)


def _not_ready(model: str, copy: TrackerCopy, auto_baseline: int | None) -> str | None:
    if copy.layout is None:
        if auto_baseline is not None:
            return (f"feature {copy.feature!r} of model {model!r} has no baseline yet: "
                    f"{copy.pending} of the {auto_baseline} observations of its automatic "
                    "baseline collected (or call set_baseline())")
        return (f"feature {copy.feature!r} of model {model!r} has no baseline: call "
                "set_baseline() or enable ModelOptions.drift_auto_baseline")
    if not copy.window:
        return (f"feature {copy.feature!r} of model {model!r} has a baseline but no current "
                "observation yet")
    return None


def applicable(method: str, copy: TrackerCopy) -> bool:
    """Whether ``method`` (a name, alias or "auto") can test this (ready) feature."""
    layout = copy.layout
    if layout is None:
        return False
    if resolve_method(method) == AUTO:
        return True
    used = sum(1 for b, c in zip(copy.baseline_counts, copy.counts, strict=True) if b or c)
    return drift_method(method).fits(numeric=layout.kind != "categorical", bins=used)


def check(model: str, copy: TrackerCopy, method: str, threshold: float | None,
          auto_baseline: int | None) -> DriftResult:
    """Test a feature's current window against its baseline with the calculators.

    ``method`` is a name or alias of ``calculators.drift.DRIFT_METHODS`` or "auto"
    (Evidently's choice from the baseline size and the distinct values of baseline and
    window). "raw" methods run on the raw values, "counts" methods on the fixed bins; the
    table's row gives the default threshold and the verdict rule.

    Raises:
        ValueError: the feature is not ready, the method is unknown or does not fit its
            data, or the threshold is not a finite number.
    """
    reason = _not_ready(model, copy, auto_baseline)
    if reason is not None:
        raise ValueError(reason)
    layout = copy.layout
    assert layout is not None
    numeric = layout.kind != "categorical"
    name = resolve_method(method)
    if name == AUTO:
        unique = len(copy.baseline_distinct.union(copy.window))
        name = method_for(len(copy.baseline), unique, numeric=numeric)
    entry = drift_method(name)
    raw = entry.data == "raw"
    if raw and not numeric:
        raise ValueError(f"method={name!r} is not allowed for the categorical feature "
                         f"{copy.feature!r} of model {model!r}")
    limit = entry.limit(threshold)
    baseline, current = ((copy.baseline, copy.window) if raw
                         else (copy.baseline_counts, copy.counts))
    try:
        return entry.test(baseline, current, limit, baseline_size=len(copy.baseline),
                          current_size=len(copy.window))
    except ValueError as exc:
        raise ValueError(f"method={name!r} cannot test feature {copy.feature!r} of model "
                         f"{model!r}: {exc}") from None


def label_of(value: Hashable) -> float | int | str:
    """A JSON-friendly label for a bin edge or category."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
