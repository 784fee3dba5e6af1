"""Accuracy, precision, recall, F1 and confusion matrix equal to scikit-learn's.

``accuracy_metrics`` matches ``accuracy_score``, ``precision_recall_fscore_support``
and ``confusion_matrix`` (rows = true, columns = predicted). Everything is computed
from a table of (true, predicted) pair counts held by :class:`ConfusionAccumulator`,
so counts from several batches or processes add up to the same answer.

Conventions, as in scikit-learn unless said otherwise:

* labels are all integers or all strings; integral floats and numpy scalars are
  taken as their Python int / str. Mixing strings and numbers is rejected (numpy
  would silently turn every label into a string).
* ``zero_division``: the value a ratio with a zero denominator takes: 0.0, 1.0 or
  NaN; ``"warn"`` (scikit-learn's default) is accepted and acts as 0.0, without a
  warning. With NaN, such per-class values are left out of macro / weighted means.
* ``average="binary"`` needs at most two distinct labels in y_true and y_pred, and
  ``pos_label`` must be one of them when there are two; with a single present label
  a missing ``pos_label`` scores as a class with no samples.
* ``labels`` restricts and orders the classes that are scored and reported (ignored
  for the binary average, like scikit-learn); labels absent from the data count 0.
  Unlike ``confusion_matrix``, it is not an error if none of them is in y_true.
* ``support`` of the result is the number of samples; per-class supports are the
  true counts of each reported label.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from otel_measure.calculators._result import Result

__all__ = ["AVERAGES", "ClassificationMetrics", "ConfusionAccumulator", "accuracy_metrics"]

Label = int | str
AVERAGES = ("binary", "macro", "micro", "weighted")


@dataclass(frozen=True)
class ClassificationMetrics(Result):
    """Classification quality over a set of (true, predicted) labels.

    Attributes:
        accuracy: Fraction of samples whose prediction equals the truth.
        precision: Averaged precision (per ``average``).
        recall: Averaged recall.
        f1: Averaged F1.
        support: Number of samples.
        average: The averaging used.
        labels: Reported labels: ``labels`` if given, else the sorted present labels.
        confusion_matrix: Counts, rows = true label, columns = predicted label.
        per_class_precision: Precision of each reported label.
        per_class_recall: Recall of each reported label.
        per_class_f1: F1 of each reported label.
        per_class_support: Number of true samples of each reported label.
    """

    accuracy: float
    precision: float
    recall: float
    f1: float
    support: int
    average: str
    labels: tuple[Label, ...]
    confusion_matrix: tuple[tuple[int, ...], ...]
    per_class_precision: tuple[float, ...]
    per_class_recall: tuple[float, ...]
    per_class_f1: tuple[float, ...]
    per_class_support: tuple[int, ...]


def _as_label(value: Any, name: str) -> Label:
    if hasattr(value, "item") and not isinstance(value, (str, int, float)):
        value = value.item()  # numpy scalar → Python scalar
    if isinstance(value, str):
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    raise ValueError(
        f"{name} holds {value!r}; labels must be integers or strings "
        "(integral floats are taken as integers)"
    )


def _kind(label: Label) -> type:
    return str if isinstance(label, str) else int


def _check_zero_division(zero_division: Any) -> float:
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
    elif isinstance(zero_division, numbers.Real):
        value = float(zero_division)
        if math.isnan(value) or value in (0.0, 1.0):
            return value
    raise ValueError(
        f"zero_division={zero_division!r} is not one of 0.0, 1.0, nan or 'warn' (acts as 0.0)"
    )


def _divide(numerator: float, denominator: float, zero_division: float) -> float:
    return numerator / denominator if denominator else zero_division


def _nan_average(values: list[float], weights: list[int] | None) -> float:
    kept = [
        (v, w)
        for v, w in zip(values, weights or [1] * len(values), strict=True)
        if not math.isnan(v)
    ]
    if not kept:
        return math.nan
    total_weight = math.fsum(w for _, w in kept)
    if weights is None or total_weight == 0:
        # scikit-learn falls back to the plain mean when all weights are zero.
        return math.fsum(v for v, _ in kept) / len(kept)
    return math.fsum(v * w for v, w in kept) / total_weight


class ConfusionAccumulator:
    """Mergeable counts of (true label, predicted label) pairs.

    ``add`` batches, ``merge`` accumulators from other processes, and ``result``
    gives exactly what ``accuracy_metrics`` gives on the concatenated samples.
    """

    __slots__ = ("_counts", "_kind")

    def __init__(self) -> None:
        """Start with no samples."""
        self._counts: dict[tuple[Label, Label], int] = {}
        self._kind: type | None = None

    @classmethod
    def from_counts(cls, counts: Mapping[tuple[Any, Any], int]) -> ConfusionAccumulator:
        """Rebuild an accumulator from ``counts`` (e.g. gathered from other processes).

        Raises:
            ValueError: On bad labels or counts that are not non-negative integers.
        """
        if not isinstance(counts, Mapping):
            raise ValueError(f"counts={counts!r} is not a mapping of (true, pred) → count")
        acc = cls()
        pairs: dict[tuple[Label, Label], int] = {}
        for key, count in counts.items():
            if not isinstance(key, tuple) or len(key) != 2:
                raise ValueError(f"counts key {key!r} is not a (true, pred) pair")
            if not isinstance(count, numbers.Integral) or isinstance(count, bool) or count < 0:
                raise ValueError(f"counts[{key!r}]={count!r} is not a non-negative integer")
            pair = (_as_label(key[0], "counts"), _as_label(key[1], "counts"))
            pairs[pair] = pairs.get(pair, 0) + int(count)
        acc._absorb(pairs, "counts")
        return acc

    @property
    def counts(self) -> Mapping[tuple[Label, Label], int]:
        """Read-only view of the (true, predicted) → count table."""
        return MappingProxyType(self._counts)

    @property
    def n(self) -> int:
        """Number of samples added."""
        return sum(self._counts.values())

    @property
    def labels(self) -> tuple[Label, ...]:
        """Sorted labels seen in y_true or y_pred."""
        seen: set[Label] = set()
        for true, pred in self._counts:
            seen.add(true)
            seen.add(pred)
        return tuple(sorted(seen))

    def _absorb(self, pairs: Mapping[tuple[Label, Label], int], name: str) -> None:
        kinds = {_kind(label) for pair in pairs for label in pair}
        if self._kind is not None:
            kinds.add(self._kind)
        if len(kinds) > 1:
            raise ValueError(
                f"{name} mixes string and integer labels (with what was added before); "
                "use one kind of label"
            )
        for pair, count in pairs.items():
            if count:
                self._counts[pair] = self._counts.get(pair, 0) + count
        if kinds and self._counts:
            self._kind = kinds.pop()

    def add(self, y_true: Iterable[Any], y_pred: Iterable[Any]) -> None:
        """Add a batch of true and predicted labels (equal lengths).

        Raises:
            ValueError: On mismatched lengths, bad labels or a mix of label kinds.
        """
        truth = _as_list(y_true, "y_true")
        preds = _as_list(y_pred, "y_pred")
        if len(truth) != len(preds):
            raise ValueError(
                f"y_true has {len(truth)} labels and y_pred has {len(preds)}; "
                "they must have the same length"
            )
        try:
            raw = Counter(zip(truth, preds, strict=True))
        except TypeError as exc:
            raise ValueError(f"labels must be hashable integers or strings ({exc})") from None
        # Normalise each distinct pair once, not each sample.
        pairs: dict[tuple[Label, Label], int] = {}
        for (true, pred), count in raw.items():
            pair = (_as_label(true, "y_true"), _as_label(pred, "y_pred"))
            pairs[pair] = pairs.get(pair, 0) + count
        self._absorb(pairs, "y_true/y_pred")

    def merge(self, other: ConfusionAccumulator) -> None:
        """Add another accumulator's counts into this one.

        Raises:
            ValueError: If ``other`` is not a ``ConfusionAccumulator`` or holds the
                other kind of label.
        """
        if not isinstance(other, ConfusionAccumulator):
            raise ValueError(f"other={other!r} is not a ConfusionAccumulator")
        self._absorb(other._counts, "other")

    def result(
        self,
        average: str = "binary",
        pos_label: Any = 1,
        labels: Iterable[Any] | None = None,
        zero_division: Any = 0.0,
    ) -> ClassificationMetrics:
        """Return the metrics over everything added (see ``accuracy_metrics``).

        Raises:
            ValueError: On no samples or bad arguments (see ``accuracy_metrics``).
        """
        if not isinstance(average, str) or average not in AVERAGES:
            raise ValueError(
                f"average={average!r} is not one of 'binary', 'macro', 'micro', 'weighted'"
            )
        zd = _check_zero_division(zero_division)
        n = self.n
        if n == 0:
            raise ValueError("no samples: y_true and y_pred are empty")
        present = self.labels
        reported = present if labels is None else _check_labels(labels)
        tp: dict[Label, int] = {}
        true_sum: dict[Label, int] = {}
        pred_sum: dict[Label, int] = {}
        for (true, pred), count in self._counts.items():
            true_sum[true] = true_sum.get(true, 0) + count
            pred_sum[pred] = pred_sum.get(pred, 0) + count
            if true == pred:
                tp[true] = count
        if average == "binary":
            scored: tuple[Label, ...] = (_check_binary(present, pos_label),)
        else:
            scored = reported

        def per_class(label: Label) -> tuple[float, float, float]:
            t, p, hits = true_sum.get(label, 0), pred_sum.get(label, 0), tp.get(label, 0)
            return _divide(hits, p, zd), _divide(hits, t, zd), _divide(2.0 * hits, t + p, zd)

        if average == "micro":
            hits = sum(tp.get(label, 0) for label in scored)
            t = sum(true_sum.get(label, 0) for label in scored)
            p = sum(pred_sum.get(label, 0) for label in scored)
            precision = _nan_average([_divide(hits, p, zd)], None)
            recall = _nan_average([_divide(hits, t, zd)], None)
            f1 = _nan_average([_divide(2.0 * hits, t + p, zd)], None)
        else:
            rows = [per_class(label) for label in scored]
            weights = None
            if average == "weighted":
                weights = [true_sum.get(label, 0) for label in scored]
            precision = _nan_average([r[0] for r in rows], weights)
            recall = _nan_average([r[1] for r in rows], weights)
            f1 = _nan_average([r[2] for r in rows], weights)
        report = [per_class(label) for label in reported]
        return ClassificationMetrics(
            accuracy=sum(tp.values()) / n,
            precision=precision,
            recall=recall,
            f1=f1,
            support=n,
            average=average,
            labels=reported,
            confusion_matrix=tuple(
                tuple(self._counts.get((true, pred), 0) for pred in reported) for true in reported
            ),
            per_class_precision=tuple(r[0] for r in report),
            per_class_recall=tuple(r[1] for r in report),
            per_class_f1=tuple(r[2] for r in report),
            per_class_support=tuple(true_sum.get(label, 0) for label in reported),
        )


def _as_list(values: Any, name: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name}={values!r} is not a sequence of labels")
    items = list(values)
    for item in items[:1]:
        if isinstance(item, (list, tuple, set, dict)):
            raise ValueError(f"{name} holds {item!r}; only one label per sample is supported")
    return items


def _check_labels(labels: Any) -> tuple[Label, ...]:
    items = _as_list(labels, "labels")
    checked = tuple(_as_label(label, "labels") for label in items)
    if not checked:
        raise ValueError("labels=[] is empty; give at least one label or None for all")
    if len(set(checked)) != len(checked):
        raise ValueError(f"labels={items!r} has duplicates; each label may appear once")
    return checked


def _check_binary(present: tuple[Label, ...], pos_label: Any) -> Label:
    if len(present) > 2:
        raise ValueError(
            f"average='binary' needs at most two distinct labels, but y_true and y_pred "
            f"hold {len(present)}: {list(present)!r}; use average='macro', 'micro' or 'weighted'"
        )
    try:
        positive = _as_label(pos_label, "pos_label")
    except ValueError:
        raise ValueError(
            f"pos_label={pos_label!r} is not a label (an integer or a string)"
        ) from None
    if positive not in present and len(present) == 2:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the labels present in y_true and "
            f"y_pred, {list(present)!r}; with average='binary' it must be one of them"
        )
    return positive


def accuracy_metrics(
    y_true: Iterable[Any],
    y_pred: Iterable[Any],
    average: str = "binary",
    pos_label: Any = 1,
    labels: Iterable[Any] | None = None,
    zero_division: Any = 0.0,
) -> ClassificationMetrics:
    """Accuracy, precision, recall, F1 and confusion matrix, as scikit-learn computes them.

    Args:
        y_true: True labels (integers or strings).
        y_pred: Predicted labels, same length.
        average: ``"binary"`` (metrics of ``pos_label``), ``"macro"`` (unweighted mean
            over labels), ``"micro"`` (from summed counts) or ``"weighted"`` (mean
            weighted by true counts).
        pos_label: The positive class for ``average="binary"``; ignored otherwise.
        labels: Classes to score and report, in this order (default: the sorted
            labels present in y_true or y_pred).
        zero_division: Value of a ratio with a zero denominator: 0.0, 1.0, NaN, or
            ``"warn"`` (acts as 0.0).

    Returns:
        The metrics, per-class values and confusion matrix.

    Raises:
        ValueError: On empty or mismatched inputs, bad labels, an unknown average,
            a bad ``zero_division``, or binary-average misuse (more than two labels,
            ``pos_label`` not among the two present labels).
    """
    acc = ConfusionAccumulator()
    acc.add(y_true, y_pred)
    return acc.result(
        average=average, pos_label=pos_label, labels=labels, zero_division=zero_division
    )
