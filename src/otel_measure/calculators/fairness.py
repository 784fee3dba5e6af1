"""Group fairness metrics with fairlearn's definitions, from mergeable confusion counts.

Per group: selection rate (share of predictions equal to the positive label; labels ignored),
TPR, FPR, TNR, FNR and precision. Aggregates (fairlearn ``between_groups``, worst case):
demographic parity difference (max - min selection rate) and ratio (min / max), equalized
odds difference ``max(dTPR, dFPR)`` and ratio ``min(TPR ratio, FPR ratio)``, equal
opportunity difference dTPR (and ratio).

Edge cases, as fairlearn 0.15 does them:
- a group with no actual positives has TPR 0 (and FNR 0); with no actual negatives FPR 0
  (and TNR 0): sklearn's normalised confusion matrix turns 0/0 into 0.
- a ratio whose maximum is 0 is NaN; the equalized odds ratio is NaN when the TPR ratio is
  NaN, and the TPR ratio when only the FPR ratio is NaN (Python ``min`` over
  ``[tpr_ratio, fpr_ratio]``, which fairlearn uses).
- a single group gives differences 0.0 and ratios 1.0 (or NaN when the rate is 0).
- groups with no rows never reach fairlearn's ``MetricFrame``; ``fairness_from_counts``
  drops them likewise.
- precision with no predicted positives is 0.0 (sklearn's ``zero_division`` default).

Disparate impact is each group's selection rate over the reference group's (default: the
group with the highest selection rate, first in group order on ties), NaN when that rate is
0. The four-fifths rule flags every group whose selection rate is below 0.8 times the highest
group's. Groups are ordered like pandas ``groupby`` (sorted when comparable, else first seen).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift_bins import check_category

__all__ = [
    "ConfusionCounts",
    "FairnessMetrics",
    "GroupConfusion",
    "GroupRates",
    "fairness_from_counts",
    "fairness_metrics",
]

_FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class ConfusionCounts(Result):
    """Binary confusion counts for one group."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0

    @property
    def total(self) -> int:
        """Number of rows."""
        return self.tp + self.fp + self.tn + self.fn


@dataclass(frozen=True)
class GroupRates(Result):
    """Rates for one group (``group`` is None for the overall row)."""

    group: Hashable
    count: int
    tp: int
    fp: int
    tn: int
    fn: int
    selection_rate: float
    true_positive_rate: float
    false_positive_rate: float
    true_negative_rate: float
    false_negative_rate: float
    precision: float
    disparate_impact: float


@dataclass(frozen=True)
class FairnessMetrics(Result):
    """Per-group rates and fairlearn's disparity aggregates (see the module docstring)."""

    groups: tuple[GroupRates, ...]
    overall: GroupRates
    demographic_parity_difference: float
    demographic_parity_ratio: float
    equalized_odds_difference: float
    equalized_odds_ratio: float
    equal_opportunity_difference: float
    equal_opportunity_ratio: float
    true_positive_rate_difference: float
    false_positive_rate_difference: float
    reference_group: Hashable
    four_fifths_passed: bool
    four_fifths_failing: tuple[Hashable, ...]

    def group(self, name: Hashable) -> GroupRates:
        """Return the rates of group ``name``."""
        for rates in self.groups:
            if rates.group == name:
                return rates
        raise ValueError(f"group={name!r} is not one of {[g.group for g in self.groups]!r}")


def _check_label(name: str, value: object, positive_label: Hashable | None) -> bool:
    """Return whether ``value`` is the positive class, validating it."""
    if positive_label is None:
        if not isinstance(value, (str, bytes)) and value is not None:
            with suppress(TypeError, ValueError):
                if bool(value == 1):
                    return True
                if bool(value == 0):
                    return False
        raise ValueError(
            f"{name}={value!r} is not allowed; expected 0 or 1 (pass positive_label= for "
            "other labels)"
        )
    check_category(name, value)
    return bool(value == positive_label)


class GroupConfusion:
    """Mergeable per-group tp/fp/tn/fn counts.

    Args:
        positive_label: the positive class. None (default) means 1, and then labels and
            predictions must be 0 or 1; with an explicit label every other value is negative.
    """

    __slots__ = ("_counts", "positive_label")

    def __init__(self, positive_label: Hashable | None = None) -> None:
        """Start with no groups."""
        if positive_label is not None:
            check_category("positive_label", positive_label)
        self.positive_label = positive_label
        self._counts: dict[Hashable, list[int]] = {}

    def add(self, group: Hashable, prediction: object, label: object) -> None:
        """Count one row: its group, the predicted label and the true label."""
        check_category("group", group)
        pred = _check_label("prediction", prediction, self.positive_label)
        actual = _check_label("label", label, self.positive_label)
        row = self._counts.get(group)
        if row is None:
            row = self._counts[group] = [0, 0, 0, 0]
        # Layout [tp, fp, tn, fn].
        row[(0 if actual else 1) if pred else (3 if actual else 2)] += 1

    def update(
        self, groups: Iterable[Hashable], predictions: Iterable[object], labels: Iterable[object]
    ) -> None:
        """Count many rows (equal-length iterables)."""
        g, p, y = list(groups), list(predictions), list(labels)
        if not len(g) == len(p) == len(y):
            raise ValueError(
                f"groups, predictions and labels have lengths {len(g)}, {len(p)}, {len(y)}; "
                "expected equal lengths"
            )
        for gi, pi, yi in zip(g, p, y, strict=True):
            self.add(gi, pi, yi)

    def merge(self, other: GroupConfusion) -> None:
        """Add the counts of ``other`` (same positive label required)."""
        if not isinstance(other, GroupConfusion):
            raise ValueError(f"other={other!r} is not allowed; expected a GroupConfusion")
        if other.positive_label != self.positive_label:
            raise ValueError(
                f"other.positive_label={other.positive_label!r} is not allowed; expected "
                f"{self.positive_label!r}"
            )
        for group, row in other._counts.items():
            mine = self._counts.setdefault(group, [0, 0, 0, 0])
            for i in range(4):
                mine[i] += row[i]

    def counts(self) -> dict[Hashable, ConfusionCounts]:
        """Return the counts per group."""
        return {g: ConfusionCounts(*row) for g, row in self._counts.items()}

    def result(self, reference_group: Hashable | None = None) -> FairnessMetrics:
        """Return the fairness metrics of the counts so far."""
        return fairness_from_counts(self.counts(), reference_group=reference_group)


def _rate(num: int, den: int) -> float:
    return num / den if den else 0.0


def _rates(group: Hashable, c: ConfusionCounts, ref_rate: float) -> GroupRates:
    n = c.total
    sel = (c.tp + c.fp) / n
    return GroupRates(
        group=group,
        count=n,
        tp=c.tp,
        fp=c.fp,
        tn=c.tn,
        fn=c.fn,
        selection_rate=sel,
        true_positive_rate=_rate(c.tp, c.tp + c.fn),
        false_positive_rate=_rate(c.fp, c.fp + c.tn),
        true_negative_rate=_rate(c.tn, c.fp + c.tn),
        false_negative_rate=_rate(c.fn, c.tp + c.fn),
        precision=_rate(c.tp, c.tp + c.fp),
        disparate_impact=sel / ref_rate if ref_rate > 0.0 else math.nan,
    )


def _as_counts(group: Hashable, value: object) -> ConfusionCounts:
    if isinstance(value, ConfusionCounts):
        parts: Sequence[object] = (value.tp, value.fp, value.tn, value.fn)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)) and len(value) == 4:
        parts = value
    else:
        raise ValueError(
            f"counts[{group!r}]={value!r} is not allowed; expected ConfusionCounts or "
            "(tp, fp, tn, fn)"
        )
    for part in parts:
        if isinstance(part, bool) or not isinstance(part, int) or part < 0:
            raise ValueError(
                f"counts[{group!r}]={value!r} is not allowed; expected non-negative integers"
            )
    return ConfusionCounts(*parts)  # type: ignore[arg-type]


def _ratio(values: list[float]) -> float:
    hi = max(values)
    return min(values) / hi if hi > 0.0 else math.nan


def fairness_from_counts(
    counts: Mapping[Hashable, ConfusionCounts | Sequence[int]],
    reference_group: Hashable | None = None,
) -> FairnessMetrics:
    """Compute :class:`FairnessMetrics` from per-group (tp, fp, tn, fn) counts.

    Raises:
        ValueError: if counts are malformed, every group is empty, or ``reference_group`` is
            not a non-empty group.
    """
    if not isinstance(counts, Mapping):
        raise ValueError(f"counts={counts!r} is not allowed; expected a mapping group -> counts")
    parsed = {check_category("group", g): _as_counts(g, v) for g, v in counts.items()}
    parsed = {g: c for g, c in parsed.items() if c.total > 0}
    if not parsed:
        raise ValueError("counts has no rows; expected at least one non-empty group")
    order = list(parsed)
    with suppress(TypeError):
        order = sorted(order)  # type: ignore[type-var]
    sel = {g: (parsed[g].tp + parsed[g].fp) / parsed[g].total for g in order}
    top = max(sel.values())
    if reference_group is None:
        reference_group = next(g for g in order if sel[g] == top)
    elif reference_group not in parsed:
        raise ValueError(f"reference_group={reference_group!r} is not one of {order!r}")
    ref_rate = sel[reference_group]
    rows = tuple(_rates(g, parsed[g], ref_rate) for g in order)
    total = ConfusionCounts(
        sum(c.tp for c in parsed.values()),
        sum(c.fp for c in parsed.values()),
        sum(c.tn for c in parsed.values()),
        sum(c.fn for c in parsed.values()),
    )
    overall = _rates(None, total, ref_rate)
    srs = [r.selection_rate for r in rows]
    tprs = [r.true_positive_rate for r in rows]
    fprs = [r.false_positive_rate for r in rows]
    tpr_diff = max(tprs) - min(tprs)
    fpr_diff = max(fprs) - min(fprs)
    tpr_ratio, fpr_ratio = _ratio(tprs), _ratio(fprs)
    # fairlearn takes Python min() over [tpr_ratio, fpr_ratio]; keep its NaN behaviour.
    eo_ratio = min(tpr_ratio, fpr_ratio) if not math.isnan(fpr_ratio) else tpr_ratio
    failing = tuple(r.group for r in rows if r.selection_rate < _FOUR_FIFTHS * top)
    return FairnessMetrics(
        groups=rows,
        overall=overall,
        demographic_parity_difference=max(srs) - min(srs),
        demographic_parity_ratio=_ratio(srs),
        equalized_odds_difference=max(tpr_diff, fpr_diff),
        equalized_odds_ratio=eo_ratio,
        equal_opportunity_difference=tpr_diff,
        equal_opportunity_ratio=tpr_ratio,
        true_positive_rate_difference=tpr_diff,
        false_positive_rate_difference=fpr_diff,
        reference_group=reference_group,
        four_fifths_passed=not failing,
        four_fifths_failing=failing,
    )


def fairness_metrics(
    y_true: Iterable[object],
    y_pred: Iterable[object],
    groups: Iterable[Hashable],
    positive_label: Hashable | None = None,
    reference_group: Hashable | None = None,
) -> FairnessMetrics:
    """Compute fairlearn's group fairness metrics from labels, predictions and groups.

    Args:
        y_true: true labels.
        y_pred: predicted labels.
        groups: sensitive feature value per row.
        positive_label: positive class; None means 1 with labels restricted to {0, 1}.
        reference_group: group for disparate impact; default the highest selection rate.

    Raises:
        ValueError: on empty or unequal-length inputs, None/NaN values, labels outside {0, 1}
            without ``positive_label``, or an unknown ``reference_group``.
    """
    acc = GroupConfusion(positive_label)
    acc.update(groups, y_pred, y_true)
    if not acc._counts:
        raise ValueError("y_true, y_pred and groups are empty; expected at least one row")
    return acc.result(reference_group)
