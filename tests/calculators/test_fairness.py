"""Differential tests of the fairness calculators against fairlearn 0.15."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from fairlearn import metrics as fm
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators.fairness import (
    ConfusionCounts,
    FairnessMetrics,
    GroupConfusion,
    fairness_from_counts,
    fairness_metrics,
)


def same(actual: float, expected: float) -> bool:
    """Equal to 1e-9, NaN matching NaN."""
    expected = float(expected)
    if math.isnan(expected):
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def check_against_fairlearn(
    y_true: list[int], y_pred: list[int], groups: list[str], *, full: bool = True
) -> None:
    """Assert every aggregate and per-group rate equals fairlearn's.

    ``full=False`` derives the aggregates from one MetricFrame (difference/ratio, as the
    fairlearn functions do) to keep randomised runs fast.
    """
    res = fairness_metrics(y_true, y_pred, groups)
    yt, yp, sf = np.array(y_true), np.array(y_pred), np.array(groups)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = fm.MetricFrame(
            metrics={
                "sr": fm.selection_rate,
                "tpr": fm.true_positive_rate,
                "fpr": fm.false_positive_rate,
                "count": fm.count,
            },
            y_true=yt,
            y_pred=yp,
            sensitive_features=sf,
        )
        diff, ratio = frame.difference(), frame.ratio()
        pairs = [
            (res.demographic_parity_difference, diff["sr"]),
            (res.demographic_parity_ratio, ratio["sr"]),
            (res.equalized_odds_difference, max(diff[["tpr", "fpr"]])),
            (res.equalized_odds_ratio, min(ratio[["tpr", "fpr"]])),
            (res.equal_opportunity_difference, diff["tpr"]),
            (res.equal_opportunity_ratio, ratio["tpr"]),
        ]
        if full:
            kw = {"sensitive_features": sf}
            pairs += [
                (res.demographic_parity_difference, fm.demographic_parity_difference(yt, yp, **kw)),
                (res.demographic_parity_ratio, fm.demographic_parity_ratio(yt, yp, **kw)),
                (res.equalized_odds_difference, fm.equalized_odds_difference(yt, yp, **kw)),
                (res.equalized_odds_ratio, fm.equalized_odds_ratio(yt, yp, **kw)),
                (res.equal_opportunity_difference, fm.equal_opportunity_difference(yt, yp, **kw)),
                (res.equal_opportunity_ratio, fm.equal_opportunity_ratio(yt, yp, **kw)),
            ]
    for actual, expected in pairs:
        assert same(actual, expected), (actual, expected)
    by_group = frame.by_group
    assert [r.group for r in res.groups] == list(by_group.index)
    for rates in res.groups:
        row = by_group.loc[rates.group]
        assert same(rates.selection_rate, row["sr"])
        assert same(rates.true_positive_rate, row["tpr"])
        assert same(rates.false_positive_rate, row["fpr"])
        assert rates.count == row["count"]
    assert same(res.overall.selection_rate, frame.overall["sr"])
    assert same(res.overall.true_positive_rate, frame.overall["tpr"])


rows = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.integers(0, 1), st.integers(0, 1)),
    min_size=2,
    max_size=60,
)


@settings(max_examples=25, deadline=None)
@given(st.lists(
    st.tuples(st.sampled_from("abcdef"), st.integers(0, 1), st.integers(0, 1)),
    min_size=2, max_size=400,
))
def test_matches_fairlearn_public_functions_random(data: list[tuple[str, int, int]]) -> None:
    """Larger random panels (up to 400 rows, 6 groups) equal fairlearn's public functions."""
    check_against_fairlearn([t for _, t, _ in data], [p for _, _, p in data],
                            [g for g, _, _ in data], full=True)


@settings(max_examples=100, deadline=None)
@given(rows)
def test_matches_fairlearn_random(data: list[tuple[str, int, int]]) -> None:
    """Random groups, labels and predictions give fairlearn's numbers."""
    groups = [g for g, _, _ in data]
    y_true = [t for _, t, _ in data]
    y_pred = [p for _, _, p in data]
    check_against_fairlearn(y_true, y_pred, groups, full=False)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "groups"),
    [
        # group "b" has no actual positives (TPR 0) and "a" no actual negatives (FPR 0)
        ([1, 1, 0, 0, 0], [1, 0, 1, 0, 1], ["a", "a", "b", "b", "b"]),
        # a single group
        ([1, 0, 1, 0], [1, 1, 0, 0], ["a", "a", "a", "a"]),
        # all predictions negative: every ratio is 0/0 = NaN
        ([1, 0, 1, 0], [0, 0, 0, 0], ["a", "a", "b", "b"]),
        # all predictions positive
        ([1, 0, 1, 0], [1, 1, 1, 1], ["a", "a", "b", "b"]),
        # TPR all 0 but FPR non-zero: equalized odds ratio NaN (TPR ratio first)
        ([1, 0, 1, 0], [0, 1, 0, 0], ["a", "a", "b", "b"]),
        # FPR all 0 but TPR non-zero: equalized odds ratio is the TPR ratio
        ([1, 0, 1, 1, 0], [1, 0, 1, 0, 0], ["a", "a", "b", "b", "b"]),
        # all labels negative
        ([0, 0, 0, 0], [1, 0, 1, 1], ["a", "b", "a", "b"]),
    ],
)
def test_edge_cases_match_fairlearn(
    y_true: list[int], y_pred: list[int], groups: list[str]
) -> None:
    """Edge cases (no positives, one group, one predicted class) follow fairlearn."""
    check_against_fairlearn(y_true, y_pred, groups)


def test_all_negative_predictions_give_nan_ratios() -> None:
    """With every prediction negative the ratios are NaN and differences 0."""
    res = fairness_metrics([1, 0, 1, 0], [0, 0, 0, 0], ["a", "a", "b", "b"])
    assert math.isnan(res.demographic_parity_ratio)
    assert math.isnan(res.equalized_odds_ratio)
    assert res.demographic_parity_difference == 0.0
    assert res.to_dict()["demographic_parity_ratio"] is None


def test_accumulator_merge_equals_batch() -> None:
    """Merging accumulators fed halves equals the batch computation."""
    rng = np.random.default_rng(7)
    g = rng.choice(["x", "y", "z"], 400).tolist()
    t = rng.integers(0, 2, 400).tolist()
    p = rng.integers(0, 2, 400).tolist()
    left, right = GroupConfusion(), GroupConfusion()
    left.update(g[:150], p[:150], t[:150])
    right.update(g[150:], p[150:], t[150:])
    left.merge(right)
    assert left.result() == fairness_metrics(t, p, g)
    counts = left.counts()
    assert sum(c.total for c in counts.values()) == 400
    assert fairness_from_counts(counts) == left.result()
    with pytest.raises(ValueError, match="positive_label"):
        left.merge(GroupConfusion(positive_label="yes"))


def test_counts_layout_and_empty_group_dropped() -> None:
    """Counts are (tp, fp, tn, fn); empty groups are dropped like fairlearn never sees them."""
    acc = GroupConfusion()
    acc.add("g", 1, 1)
    acc.add("g", 1, 0)
    acc.add("g", 0, 0)
    acc.add("g", 0, 1)
    assert acc.counts()["g"] == ConfusionCounts(tp=1, fp=1, tn=1, fn=1)
    res = fairness_from_counts({"a": (2, 1, 3, 1), "empty": (0, 0, 0, 0), "b": [1, 0, 4, 2]})
    assert [r.group for r in res.groups] == ["a", "b"]
    with pytest.raises(ValueError, match="no rows"):
        fairness_from_counts({"a": (0, 0, 0, 0)})
    with pytest.raises(ValueError, match="non-negative"):
        fairness_from_counts({"a": (1, -1, 0, 0)})


def test_disparate_impact_and_four_fifths() -> None:
    """Disparate impact is relative to the top group; four-fifths flags rates < 0.8 x top."""
    y_pred = [1] * 10 + [1] * 7 + [0] * 3 + [1] * 8 + [0] * 2
    groups = ["a"] * 10 + ["b"] * 10 + ["c"] * 10
    res: FairnessMetrics = fairness_metrics([0] * 30, y_pred, groups)
    assert res.reference_group == "a"
    assert res.group("b").disparate_impact == pytest.approx(0.7)
    assert res.group("c").disparate_impact == pytest.approx(0.8)
    assert res.four_fifths_failing == ("b",)
    assert res.four_fifths_passed is False
    chosen = fairness_metrics([0] * 30, y_pred, groups, reference_group="c")
    assert chosen.group("a").disparate_impact == pytest.approx(1.25)
    with pytest.raises(ValueError, match="reference_group"):
        fairness_metrics([0] * 30, y_pred, groups, reference_group="zz")


def test_explicit_positive_label() -> None:
    """With positive_label given, other labels count as negative and results match 0/1 data."""
    t = ["yes", "no", "yes", "no", "no"]
    p = ["yes", "yes", "no", "no", "yes"]
    g = ["a", "a", "b", "b", "b"]
    res = fairness_metrics(t, p, g, positive_label="yes")
    ref = fairness_metrics([1, 0, 1, 0, 0], [1, 1, 0, 0, 1], g)
    assert res == ref


@pytest.mark.parametrize(
    ("y_true", "y_pred", "groups"),
    [
        ([2, 0], [1, 0], ["a", "b"]),
        ([1, 0], [-1, 0], ["a", "b"]),
        (["1", 0], [1, 0], ["a", "b"]),
        ([1, math.nan], [1, 0], ["a", "b"]),
        ([1, None], [1, 0], ["a", "b"]),
        ([1, 0], [1, 0], ["a", None]),
        ([1, 0], [1, 0], ["a", math.nan]),
        ([1, 0], [1], ["a", "b"]),
        ([], [], []),
    ],
)
def test_bad_inputs_raise(y_true: list[object], y_pred: list[object], groups: list[object]) -> None:
    """Labels outside {0, 1}, None/NaN and mismatched lengths raise ValueError."""
    with pytest.raises(ValueError, match=r"not allowed|expected"):
        fairness_metrics(y_true, y_pred, groups)  # type: ignore[arg-type]


def test_numpy_bool_and_float_labels_accepted() -> None:
    """Boolean and float 0/1 arrays are valid labels, as in fairlearn."""
    y = np.array([True, False, True, True])
    g = np.array(["a", "a", "b", "b"])
    res = fairness_metrics(y, y.astype(float), g)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = fm.demographic_parity_difference(y, y.astype(float), sensitive_features=g)
    assert same(res.demographic_parity_difference, expected)
