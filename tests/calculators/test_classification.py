"""Tests for accuracy, precision, recall, F1 and confusion matrix against scikit-learn."""

from __future__ import annotations

import math
import warnings
from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from otel_measure.calculators.classification import (
    ClassificationMetrics,
    ConfusionAccumulator,
    accuracy_metrics,
)

_AVERAGES = ["binary", "macro", "micro", "weighted"]
_ZERO_DIVISION: list[Any] = [0.0, 1.0, math.nan, "warn"]
_INT_POOL = [-3, 0, 1, 2, 7, 10]
_STR_POOL = ["cat", "dog", "Ant", "10", "9", "é"]


def _same(ours: float, theirs: float) -> bool:
    """Equal to 1e-9, NaN equal to NaN."""
    if math.isnan(theirs):
        return math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)


@st.composite
def _case(draw: st.DrawFn) -> dict[str, Any]:
    """Random labels (ints or strings), average, pos_label, labels and zero_division."""
    pool = draw(st.sampled_from([_INT_POOL, _STR_POOL]))
    k = draw(st.integers(1, len(pool)))
    classes = draw(st.lists(st.sampled_from(pool), min_size=k, max_size=k, unique=True))
    n = draw(st.integers(1, 40))
    y_true = draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(classes), min_size=n, max_size=n))
    labels = None
    if draw(st.booleans()):
        labels = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=len(pool), unique=True))
    pos_label = draw(st.sampled_from([*classes, pool[0], 1]))
    return {
        "y_true": y_true,
        "y_pred": y_pred,
        "average": draw(st.sampled_from(_AVERAGES)),
        "pos_label": pos_label,
        "labels": labels,
        "zero_division": draw(st.sampled_from(_ZERO_DIVISION)),
    }


def _sklearn(case: dict[str, Any]) -> tuple[float, float, float] | Exception:
    """scikit-learn's averaged precision, recall and F1, or the error it raises."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            p, r, f, _ = precision_recall_fscore_support(
                case["y_true"],
                case["y_pred"],
                average=case["average"],
                pos_label=case["pos_label"],
                labels=case["labels"],
                zero_division=case["zero_division"],
            )
        except ValueError as exc:
            return exc
    return float(p), float(r), float(f)


def _assert_matches_sklearn(result: ClassificationMetrics, case: dict[str, Any]) -> None:
    """Every field of the result equals what scikit-learn computes."""
    y_true, y_pred = case["y_true"], case["y_pred"]
    expected = _sklearn(case)
    assert not isinstance(expected, Exception)
    assert _same(result.accuracy, float(accuracy_score(y_true, y_pred)))
    assert _same(result.precision, expected[0])
    assert _same(result.recall, expected[1])
    assert _same(result.f1, expected[2])
    labels = list(result.labels)
    if case["labels"] is None:
        assert labels == sorted(set(y_true) | set(y_pred))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(
            y_true, y_pred, average=None, labels=labels, zero_division=case["zero_division"]
        )
    assert all(map(_same, result.per_class_precision, p))
    assert all(map(_same, result.per_class_recall, r))
    assert all(map(_same, result.per_class_f1, f))
    assert list(result.per_class_support) == s.tolist()
    if set(labels) & set(y_true):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            matrix = confusion_matrix(y_true, y_pred, labels=labels)
        assert [list(row) for row in result.confusion_matrix] == matrix.tolist()
    assert result.support == len(y_true)


@settings(max_examples=250, deadline=None)
@given(case=_case())
def test_matches_sklearn(case: dict[str, Any]) -> None:
    """Metrics equal scikit-learn's, and we raise ValueError exactly when it does."""
    expected = _sklearn(case)
    if isinstance(expected, Exception):
        with pytest.raises(ValueError):
            accuracy_metrics(**case)
        return
    _assert_matches_sklearn(accuracy_metrics(**case), case)


@settings(max_examples=100, deadline=None)
@given(case=_case(), cuts=st.lists(st.integers(0, 40), max_size=3))
def test_accumulator_merge_equals_batch(case: dict[str, Any], cuts: list[int]) -> None:
    """Counts added in chunks and merged across accumulators give the batch result."""
    if isinstance(_sklearn(case), Exception):
        return
    y_true, y_pred = case["y_true"], case["y_pred"]
    bounds = [0, *sorted(min(c, len(y_true)) for c in cuts), len(y_true)]
    parts = []
    for lo, hi in pairwise(bounds):
        part = ConfusionAccumulator()
        part.add(y_true[lo:hi], y_pred[lo:hi])
        parts.append(part)
    total = ConfusionAccumulator()
    for part in parts:
        total.merge(part)
    options = {k: case[k] for k in ("average", "pos_label", "labels", "zero_division")}
    merged = total.result(**options)
    _assert_matches_sklearn(merged, case)
    assert total.n == len(y_true)
    rebuilt = ConfusionAccumulator.from_counts(dict(total.counts)).result(**options)
    assert rebuilt.to_dict() == merged.to_dict()


@pytest.mark.parametrize("zero_division", _ZERO_DIVISION)
@pytest.mark.parametrize("average", _AVERAGES)
@pytest.mark.parametrize(
    ("y_true", "y_pred", "labels"),
    [
        ([0, 0, 0], [0, 0, 0], None),
        ([0, 0, 1], [0, 0, 0], None),
        ([1, 1], [0, 0], None),
        (["a", "a"], ["a", "a"], None),
        ([0, 1, 1], [0, 1, 0], [5]),
        ([0, 1, 1], [0, 1, 0], [1, 0, 5]),
        ([True, False, True], [True, True, False], None),
        ([-1, 1, -1], [1, 1, -1], None),
    ],
)
def test_zero_division_edge_cases(
    y_true: list[Any], y_pred: list[Any], labels: list[Any] | None, average: str, zero_division: Any
) -> None:
    """Undefined ratios take zero_division (0, 1, NaN; 'warn' as 0) like scikit-learn."""
    pos_label = -1 if -1 in y_true else 1
    case = {
        "y_true": y_true,
        "y_pred": y_pred,
        "average": average,
        "pos_label": pos_label,
        "labels": labels,
        "zero_division": zero_division,
    }
    if isinstance(_sklearn(case), Exception):
        with pytest.raises(ValueError):
            accuracy_metrics(**case)
        return
    _assert_matches_sklearn(accuracy_metrics(**case), case)


def test_numpy_and_float_inputs_match_sklearn() -> None:
    """numpy arrays, numpy scalars and integral floats are accepted like scikit-learn does."""
    y_true = np.array([0, 1, 2, 2, 1])
    y_pred = np.array([0.0, 2.0, 2.0, 1.0, 1.0])
    result = accuracy_metrics(y_true, y_pred, average="macro")
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro")
    assert (result.precision, result.recall, result.f1) == pytest.approx((p, r, f))
    assert result.labels == (0, 1, 2)
    assert all(type(label) is int for label in result.labels)
    strings = accuracy_metrics(np.array(["b", "a"]), np.array(["b", "b"]), pos_label="b")
    assert strings.labels == ("a", "b")
    assert strings.precision == pytest.approx(
        precision_recall_fscore_support(["b", "a"], ["b", "b"], pos_label="b", average="binary")[0]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"y_true": [], "y_pred": []}, "no samples"),
        ({"y_true": [0, 1], "y_pred": [0]}, "same length"),
        ({"y_true": [0, 1, 2], "y_pred": [0, 1, 2]}, "at most two distinct labels"),
        ({"y_true": ["a", "b"], "y_pred": ["a", "b"]}, "pos_label=1 is not one of"),
        ({"y_true": [0, 2], "y_pred": [2, 2]}, "pos_label=1 is not one of"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "pos_label": None}, "pos_label=None"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "average": "samples"}, "average='samples'"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "average": None}, "average=None"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "zero_division": 0.5}, "zero_division=0.5"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "zero_division": "x"}, "zero_division='x'"),
        ({"y_true": [0, "a"], "y_pred": [0, "a"], "average": "macro"}, "mixes string and integer"),
        ({"y_true": [0.5, 1], "y_pred": [1, 1]}, "y_true holds 0.5"),
        ({"y_true": [None, 1], "y_pred": [1, 1]}, "y_true holds None"),
        ({"y_true": [[0, 1]], "y_pred": [[0, 1]]}, "one label per sample"),
        ({"y_true": "ab", "y_pred": "ab"}, "y_true='ab'"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "labels": []}, "labels=\\[\\] is empty"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "labels": [0, 0]}, "duplicates"),
        ({"y_true": [0, 1], "y_pred": [0, 1], "labels": [1.5]}, "labels holds 1.5"),
    ],
)
def test_rejects_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    """Bad inputs and options raise ValueError with a message naming the problem."""
    with pytest.raises(ValueError, match=message):
        accuracy_metrics(**kwargs)


def test_accumulator_rejects_mixed_kinds_and_foreign_merge() -> None:
    """Adding strings after integers, merging a non-accumulator, and bad counts raise."""
    acc = ConfusionAccumulator()
    acc.add([0, 1], [1, 1])
    with pytest.raises(ValueError, match="mixes string and integer"):
        acc.add(["a"], ["a"])
    other = ConfusionAccumulator()
    other.add(["a"], ["b"])
    with pytest.raises(ValueError, match="mixes string and integer"):
        acc.merge(other)
    with pytest.raises(ValueError, match="not a ConfusionAccumulator"):
        acc.merge({})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-negative integer"):
        ConfusionAccumulator.from_counts({(0, 1): -1})
    assert acc.n == 2
    assert dict(acc.counts) == {(0, 1): 1, (1, 1): 1}
