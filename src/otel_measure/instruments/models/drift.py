"""Per-feature drift state of ``m.models``: baseline bins, sliding window, bin counts.

A :class:`FeatureTracker` holds one feature of one model (``_prediction`` is the model's
predictions). Its baseline comes from ``set_baseline()`` or, by default, from the first
``drift_baseline_size`` observations; the baseline fixes a bin :class:`Layout` once:

- ``numeric``: the bins Evidently would use, fixed from the baseline: numpy's 'sturges'
  edges over the baseline's range for ``len(baseline) + drift_window_size`` values
  (``NumericBinner.sturges``; Evidently bins baseline and current together), plus one bin
  below and one above the range. Count tests then equal batch ``calculators.drift.detect()``
  on the same window while every window value lies inside the baseline's range and the
  window holds enough values for the same bin count (always once full); see
  ``docs/drift.md`` for where they differ;
- ``discrete``: a numeric baseline with at most ``drift_max_categories`` distinct values
  gets one bin per value (as ``calculators.drift.detect`` counts values), plus overflow;
- ``categorical``: the baseline's categories (the ``drift_max_categories`` most frequent,
  sorted when comparable), plus one overflow bin for every other value. Queries keep the
  overflow's values apart again per category, up to ``drift_checks.CATEGORY_CAP`` (100)
  categories in all, so they equal batch ``calculators.drift.detect()``; exports keep the
  fixed bins.

Each observation then costs one bin lookup (a bisection or a dict lookup) and updates the
counts of the sliding current window (the evicted value's bin goes down by one) and the
cumulative counts exported as ``measure.model.drift.bin.count``. Numeric features also
keep the window on fine fixed bins (``calculators.drift_fine``: every distinct baseline
value, up to 4,096, is a bin), from which KS and Wasserstein are computed in O(bins),
whatever the window size: KS exactly when the baseline has at most 4,096 distinct values,
Wasserstein within a reported bound. The raw window is kept for ``exact=True`` checks,
which copy and sort it. Tests run by the pure calculators (:func:`check`), looked up in
their one method table (``calculators.drift.DRIFT_METHODS``).
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
    CategoricalHistogram,
    DriftResult,
    NumericBinner,
    resolve_method,
)
from otel_measure.calculators.drift_fine import FineCounts, FineLayout, baseline_std
from otel_measure.instruments._rejections import real_number

__all__ = [
    "PREDICTION",
    "FeatureTracker",
    "Layout",
    "TrackerCopy",
    "clean_value",
    "label_of",
    "normalise_method",
]

PREDICTION = "_prediction"  # the exported feature name of a model's predictions
_FEW = 5  # Evidently's "few distinct values" bound (numeric > 5: KS/Wasserstein)


def normalise_method(method: Any) -> str:
    """Return the calculators' name of a method name, alias or "auto"; ValueError when unknown."""
    return resolve_method(method)


def clean_value(value: Any) -> tuple[Any, str | None]:
    """Return ``(value, None)`` (numbers as floats), or ``(None, why)`` when unusable."""
    if value is None:
        return None, "expected a number or a category, not None"
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = real_number(value)  # the input contract: None past float's range too
        return (None, "expected a finite number") if number is None else (number, None)
    try:
        hash(value)
    except TypeError:
        return None, "expected a number or a hashable category"
    return value, None


class Layout:
    """A baseline and its fixed bins (see the module docstring); shared, never mutated.

    Built outside the domain's lock: it sorts, counts and bins the whole baseline.
    """

    __slots__ = (
        "_index",
        "baseline_counts",
        "binner",
        "category_counts",
        "digest",
        "distinct",
        "fine",
        "fine_baseline",
        "kind",
        "labels",
        "size",
        "std",
        "track_novel",
        "values",
    )

    def __init__(self, values: Sequence[Any], window_size: int, max_categories: int) -> None:
        self.values = tuple(values)
        self.distinct = frozenset(values)
        numeric = all(type(v) is float for v in values)
        distinct = Counter(values)
        self.binner: NumericBinner | None = None
        self._index: dict[Any, int] = {}
        if numeric and len(distinct) > max_categories:
            self.kind = "numeric"
            self.binner = NumericBinner.sturges(values, len(values) + window_size)
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
        self.fine: FineLayout | None = None
        self.fine_baseline: FineCounts | None = None
        self.std = math.nan
        if numeric:
            self.fine = FineLayout(values)
            self.fine_baseline = FineCounts(self.fine, values)
            self.std = baseline_std(values)
        # Window values tracked one by one: for categories, every value of the overflow bin
        # (queries split it per category up to CATEGORY_CAP, as batch detect() does); for
        # numbers, values new to a baseline of at most _FEW distinct values (Evidently's
        # choice looks at |baseline ∪ window| only up to there).
        self.track_novel = self.kind == "categorical" or len(distinct) <= _FEW
        self.category_counts: dict[Any, int] = (
            dict(distinct) if self.kind == "categorical" else {})

    def tracked(self, value: Any) -> bool:
        """Whether the tracker counts ``value`` one by one (see ``track_novel``)."""
        if self.kind == "categorical":
            return value not in self._index
        return value not in self.distinct

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
    window_size: int
    unique: int
    extras: tuple[tuple[Any, int], ...]
    fine: FineCounts | None
    window: tuple[Any, ...] | None
    counts: tuple[int, ...]
    totals: tuple[int, ...]
    pending: int
    version: int
    auto: DriftResult | None


class FeatureTracker:
    """One feature of one model; every method runs under the domain's lock."""

    __slots__ = ("auto", "auto_version", "baseline", "baseline_counts", "baseline_distinct",
                 "checked_at", "counts", "feature", "fine", "latest", "layout",
                 "max_categories", "novel", "pending", "totals", "version", "window")

    def __init__(self, feature: str, window_size: int, max_categories: int) -> None:
        self.feature = feature
        self.max_categories = max_categories
        self.layout: Layout | None = None
        self.baseline: tuple[Any, ...] = ()
        self.baseline_distinct: frozenset[Any] = frozenset()
        self.baseline_counts: tuple[int, ...] = ()
        self.pending: list[Any] = []  # values collected toward an automatic baseline
        self.window: deque[Any] = deque(maxlen=window_size)
        self.counts: list[int] = []  # per bin, over the current window
        self.totals: list[int] = []  # per bin, every current observation (exported)
        self.fine: FineCounts | None = None  # numeric window on the fine bins
        self.novel: Counter[Any] | None = None  # window values outside a tiny baseline
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
                    self.fix(Layout(values, self.window.maxlen or len(values),
                                    self.max_categories))
            self.version += 1
            return True
        if not layout.accepts(value):
            return False
        window = self.window
        fine, novel = self.fine, self.novel
        if len(window) == window.maxlen:
            old = window[0]
            self.counts[layout.index(old)] -= 1
            if fine is not None:
                fine.remove(old)
            if novel is not None and layout.tracked(old):
                novel[old] -= 1
                if not novel[old]:
                    del novel[old]
        window.append(value)
        if fine is not None:
            fine.add(value)
        if novel is not None and layout.tracked(value):
            novel[value] += 1
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
        self.fine = None if layout.fine is None else FineCounts(layout.fine, self.window)
        self.novel = (Counter(v for v in self.window if layout.tracked(v))
                      if layout.track_novel else None)
        self.totals = list(self.counts)
        self.latest.clear()
        self.auto, self.auto_version = None, -1
        self.checked_at = -math.inf
        self.version += 1

    def copy(self, raw: bool = False) -> TrackerCopy:
        """Copy the state for computations outside the lock: O(bins), or O(window) for raw."""
        distinct = self.baseline_distinct
        novel: Counter[Any] = self.novel if self.novel is not None else Counter()
        unique = len(distinct) + sum(1 for k in novel if k not in distinct)
        if self.layout is None:
            unique = len(set(self.window))  # no baseline: only used for readiness
        return TrackerCopy(
            feature=self.feature, layout=self.layout, baseline=self.baseline,
            baseline_distinct=self.baseline_distinct, baseline_counts=self.baseline_counts,
            window_size=len(self.window), unique=max(unique, 1),
            extras=tuple(novel.items()) if self.layout and self.layout.kind == "categorical"
            else (),
            fine=None if self.fine is None else self.fine.copy(),
            window=tuple(self.window) if raw else None,
            counts=tuple(self.counts), totals=tuple(self.totals),
            pending=len(self.pending), version=self.version,
            auto=self.auto if self.auto_version == self.version else None)


def label_of(value: Hashable) -> float | int | str:
    """A JSON-friendly label for a bin edge or category."""
    if isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
