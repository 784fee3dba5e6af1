"""m.models fairness: streamed and batch metrics equal fairlearn, bounded groups, exported."""

from __future__ import annotations

import json
import math
import random
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pytest
from fairlearn import metrics as fm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import confusion_matrix

from otel_measure.calculators.fairness import FairnessMetrics, fairness_from_counts
from otel_measure.options import ModelOptions
from tests.support.models import ModelsRig
from tests.support.rig import by_attr

MODEL = "gen_ai.request.model"
SOURCE = "measure.quality.source"
GROUP = "measure.fairness.group"
OUTCOME = "measure.fairness.outcome"


def same(actual: float, expected: float) -> bool:
    """Equal to 1e-9, NaN matching NaN."""
    expected = float(expected)
    if math.isnan(expected):
        return math.isnan(actual)
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-12)


def fairlearn_values(y_true: list[Any], y_pred: list[Any], groups: list[Any],
                     full: bool = True) -> dict[str, float]:
    """fairlearn's headline metrics of one batch.

    ``full=False`` derives them from one MetricFrame's difference and ratio (as the
    fairlearn functions do) to keep randomised runs fast.
    """
    kw = {"sensitive_features": np.array(groups)}
    yt, yp = np.array(y_true), np.array(y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if not full:
            frame = fm.MetricFrame(metrics={"sr": fm.selection_rate,
                                            "tpr": fm.true_positive_rate,
                                            "fpr": fm.false_positive_rate},
                                   y_true=yt, y_pred=yp, **kw)
            diff, ratio = frame.difference(), frame.ratio()
            return {
                "demographic_parity_difference": diff["sr"],
                "demographic_parity_ratio": ratio["sr"],
                "equalized_odds_difference": max(diff[["tpr", "fpr"]]),
                "equalized_odds_ratio": min(ratio[["tpr", "fpr"]]),
                "equal_opportunity_difference": diff["tpr"],
            }
        return {
            "demographic_parity_difference": fm.demographic_parity_difference(yt, yp, **kw),
            "demographic_parity_ratio": fm.demographic_parity_ratio(yt, yp, **kw),
            "equalized_odds_difference": fm.equalized_odds_difference(yt, yp, **kw),
            "equalized_odds_ratio": fm.equalized_odds_ratio(yt, yp, **kw),
            "equal_opportunity_difference": fm.equal_opportunity_difference(yt, yp, **kw),
        }


def assert_matches_fairlearn(result: FairnessMetrics, y_true: list[Any], y_pred: list[Any],
                             groups: list[Any], full: bool = True) -> None:
    """Headline metrics and per-group selection rates equal fairlearn's."""
    for name, value in fairlearn_values(y_true, y_pred, groups, full).items():
        assert same(getattr(result, name), value), name
    frame = fm.MetricFrame(metrics=fm.selection_rate, y_true=np.array(y_true),
                           y_pred=np.array(y_pred), sensitive_features=np.array(groups))
    assert [g.group for g in result.groups] == list(frame.by_group.index)
    for rates in result.groups:
        assert same(rates.selection_rate, frame.by_group[rates.group])


def outcome_points(r: ModelsRig) -> dict[tuple[str, str, str, str], int]:
    """Exported outcome counts by (model, group, outcome, source)."""
    return by_attr(r.points("measure.model.fairness.outcomes"), MODEL, GROUP, OUTCOME, SOURCE)


rows = st.integers(0, 10**6).flatmap(lambda seed: st.tuples(st.just(seed), st.integers(2, 4),
                                                              st.integers(2, 120)))


@settings(max_examples=60, deadline=None)
@given(rows)
def test_streamed_outcomes_equal_fairlearn(case: tuple[int, int, int]) -> None:
    """observe_outcome counts give fairlearn's metrics; the batch call gives the same."""
    seed, k, n = case
    rng = random.Random(seed)
    groups = [rng.choice("pqrs"[:k]) for _ in range(n)]
    y_true = [rng.randint(0, 1) for _ in range(n)]
    y_pred = [t if rng.random() < 0.7 else 1 - t for t in y_true]
    r = ModelsRig()
    for g, p, t in zip(groups, y_pred, y_true, strict=True):
        r.models.observe_outcome("clf", g, p, t)
    streamed = r.models.get_fairness_metrics("clf")
    assert_matches_fairlearn(streamed, y_true, y_pred, groups, full=False)
    batch = r.models.calculate_fairness_metrics("clf", y_true, y_pred, groups)
    assert batch.to_dict() == streamed.to_dict()  # to_dict: NaN ratios compare as None
    assert r.rejections.counts() == {}


def test_outcome_counts_and_gauges_are_exported_exactly() -> None:
    """Counts equal sklearn's confusion matrix per group; gauges equal fairlearn."""
    rng = random.Random(4)
    groups = [rng.choice(["a", "b", "c"]) for _ in range(300)]
    y_true = [rng.randint(0, 1) for _ in range(300)]
    y_pred = [int(rng.random() < (0.3 if g == "a" else 0.6)) for g in groups]
    r = ModelsRig()
    for g, p, t in zip(groups, y_pred, y_true, strict=True):
        r.models.observe_outcome("clf", g, p, t)
    expected = {}
    for group in "abc":
        idx = [i for i, g in enumerate(groups) if g == group]
        tn, fp, fn, tp = confusion_matrix([y_true[i] for i in idx], [y_pred[i] for i in idx],
                                          labels=[0, 1]).ravel()
        for outcome, count in (("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)):
            expected[("clf", group, outcome, "online")] = int(count)
    assert outcome_points(r) == expected
    for name, value in fairlearn_values(y_true, y_pred, groups).items():
        [point] = r.points(f"measure.model.fairness.{name}")
        assert dict(point.attributes) == {MODEL: "clf", SOURCE: "online"}
        assert same(point.value, value), name
    rates = {p.attributes[GROUP]: p.value
             for p in r.points("measure.model.fairness.selection_rate")}
    assert rates == pytest.approx({g: np.mean([p for p, x in zip(y_pred, groups, strict=True)
                                               if x == g]) for g in "abc"}, rel=1e-12)
    impact = {p.attributes[GROUP]: p.value
              for p in r.points("measure.model.fairness.disparate_impact")}
    assert impact == pytest.approx({g: rates[g] / max(rates.values()) for g in "abc"})


def test_evaluations_are_exported_with_their_source() -> None:
    """Batch evaluations add to the evaluation counts and set evaluation gauges."""
    r = ModelsRig()
    y_true, y_pred, groups = [1, 0, 1, 0], [1, 1, 0, 0], ["x", "x", "y", "y"]
    for _ in range(2):
        result = r.models.calculate_fairness_metrics("clf", y_true, y_pred, groups)
    assert outcome_points(r) == {
        ("clf", "x", "tp", "evaluation"): 2, ("clf", "x", "fp", "evaluation"): 2,
        ("clf", "x", "tn", "evaluation"): 0, ("clf", "x", "fn", "evaluation"): 0,
        ("clf", "y", "tp", "evaluation"): 0, ("clf", "y", "fp", "evaluation"): 0,
        ("clf", "y", "tn", "evaluation"): 2, ("clf", "y", "fn", "evaluation"): 2}
    [point] = r.points("measure.model.fairness.demographic_parity_difference")
    assert dict(point.attributes) == {MODEL: "clf", SOURCE: "evaluation"}
    assert point.value == result.demographic_parity_difference == 1.0
    assert r.points("measure.model.fairness.demographic_parity_ratio")[0].value == 0.0
    snapshot = r.models.get_model_performance_snapshot("clf")
    assert snapshot.fairness == {"evaluation": result}


def test_undeclared_groups_go_to_other() -> None:
    """Declared groups bound the series; any other group value counts as other."""
    r = ModelsRig()
    r.models.register_model("clf", groups=["a", "b"])
    for group in ("a", "b", "c", "d", 17):
        r.models.observe_outcome("clf", group, 1, 1)
    result = r.models.get_fairness_metrics("clf")
    assert [(g.group, g.count) for g in result.groups] == [("a", 1), ("b", 1), ("other", 3)]
    assert {k[1] for k in outcome_points(r)} == {"a", "b", "other"}
    batch = r.models.calculate_fairness_metrics("clf", [1, 0, 1], [1, 1, 0], ["a", "zz", "b"])
    assert [g.group for g in batch.groups] == ["a", "b", "other"]


def test_group_cap_when_nothing_is_declared() -> None:
    """Without declared groups the first fairness_max_groups values are kept."""
    r = ModelsRig(ModelOptions(fairness_max_groups=2))
    for group in ("g1", "g2", "g3", "g1", "g4"):
        r.models.observe_outcome("clf", group, 0, 0)
    counts = Counter({g.group: g.count for g in r.models.get_fairness_metrics("clf").groups})
    assert counts == {"g1": 2, "g2": 1, "other": 2}
    assert len({k[1] for k in outcome_points(r)}) == 3


def test_replicas_sum_to_the_fleet_answer() -> None:
    """Outcome counts of two replicas, summed, give the metrics of the whole stream."""
    rng = random.Random(21)
    data = [(rng.choice("uvw"), rng.randint(0, 1), rng.randint(0, 1)) for _ in range(400)]
    replicas = [ModelsRig(), ModelsRig()]
    for i, (g, p, t) in enumerate(data):
        replicas[i % 2].models.observe_outcome("clf", g, p, t)
    merged: Counter[tuple[str, str]] = Counter()
    for replica in replicas:
        for (_, group, outcome, _), count in outcome_points(replica).items():
            merged[(group, outcome)] += count
    counts = {g: tuple(merged[(g, o)] for o in ("tp", "fp", "tn", "fn")) for g in "uvw"}
    fleet = fairness_from_counts(counts)
    assert_matches_fairlearn(fleet, [t for _, _, t in data], [p for _, p, _ in data],
                             [g for g, _, _ in data])


def test_positive_label_of_a_registered_model() -> None:
    """String labels work with register_model(positive_label=); changing it later fails."""
    r = ModelsRig()
    r.models.register_model("clf", positive_label="approved")
    y_true = ["approved", "denied", "approved", "denied", "approved"]
    y_pred = ["approved", "approved", "denied", "denied", "approved"]
    groups = ["a", "a", "b", "b", "b"]
    for g, p, t in zip(groups, y_pred, y_true, strict=True):
        r.models.observe_outcome("clf", g, p, t)
    truth, predicted = ([int(v == "approved") for v in ys] for ys in (y_true, y_pred))
    assert_matches_fairlearn(r.models.get_fairness_metrics("clf"), truth, predicted, groups)
    batch = r.models.calculate_fairness_metrics("clf", y_true, y_pred, groups,
                                                positive_label="approved")
    assert_matches_fairlearn(batch, truth, predicted, groups)
    with pytest.raises(ValueError, match="already counted"):
        r.models.register_model("clf", positive_label="denied")
    r.models.register_model("clf", version="2")  # no positive label: unchanged
    assert r.rejections.counts() == {}


BAD_STREAM: list[tuple[tuple[Any, Any, Any, Any], str]] = [
    (("clf", None, 1, 1), "models.invalid_group"),
    (("clf", math.nan, 1, 1), "models.invalid_group"),
    (("clf", ["a"], 1, 1), "models.invalid_group"),
    (("clf", "a", 2, 1), "models.invalid_outcome"),
    (("clf", "a", 1, math.nan), "models.invalid_outcome"),
    (("clf", "a", "yes", 1), "models.invalid_outcome"),
    (("clf", "a", None, 0), "models.invalid_outcome"),
    ((None, "a", 1, 1), "models.invalid_model"),
]


@pytest.mark.parametrize(("args", "reason"), BAD_STREAM, ids=lambda v: repr(v))
def test_bad_outcomes_are_dropped_and_counted(args: tuple[Any, Any, Any, Any],
                                              reason: str) -> None:
    """Bad outcomes are counted under their reason and change no count; strict raises."""
    r = ModelsRig()
    r.models.observe_outcome(*args)
    assert r.rejections.counts() == {reason: 1}
    assert r.points("measure.model.fairness.outcomes") == []
    strict = ModelsRig(strict=True)
    with pytest.raises(ValueError):
        strict.models.observe_outcome(*args)
    assert strict.points("measure.model.fairness.outcomes") == []


@pytest.mark.parametrize(("args", "match"), [
    (([1, 0], [1], ["a", "a"]), "lengths"),
    (([1, 0], [1, 0], ["a"]), "lengths"),
    (([], [], []), "no rows|empty"),
    (([1, math.nan], [1, 0], ["a", "b"]), "nan"),
    (([1, math.inf], [1, 0], ["a", "b"]), "inf"),
    (([1, None], [1, 0], ["a", "b"]), "None"),
    (([1, 2], [1, 0], ["a", "b"]), "positive_label"),
    (([1, 0], [1, 0], ["a", None]), "group"),
    ((5, [1], ["a"]), "y_true"),
    (([1], [1], "a"), "groups"),
], ids=lambda v: repr(v))
def test_calculate_fairness_metrics_rejects_bad_arguments(args: tuple[Any, Any, Any],
                                                          match: str) -> None:
    """Bad batches raise ValueError naming the problem and export nothing."""
    r = ModelsRig()
    with pytest.raises(ValueError, match=match):
        r.models.calculate_fairness_metrics("clf", *args)
    assert r.points("measure.model.fairness.outcomes") == []


def test_other_query_errors() -> None:
    """Unknown models, an unknown reference group and bad declarations raise."""
    r = ModelsRig()
    with pytest.raises(ValueError, match="no outcome"):
        r.models.get_fairness_metrics("nope")
    r.models.observe_outcome("clf", "a", 1, 1)
    with pytest.raises(ValueError, match="reference_group"):
        r.models.get_fairness_metrics("clf", reference_group="zz")
    for groups, match in ((["a", "a"], "duplicate"), ([], "at least one"), ([None], "groups"),
                          ("ab", "sequence")):
        with pytest.raises(ValueError, match=match):
            r.models.register_model("clf", groups=groups)


def test_snapshot_and_dashboard_include_fairness() -> None:
    """The snapshot has online and evaluation results; the dashboard stays JSON."""
    r = ModelsRig()
    r.models.observe_outcome("clf", "a", 1, 1)
    r.models.observe_outcome("clf", "b", 0, 1)
    evaluation = r.models.calculate_fairness_metrics("clf", [1, 1], [1, 1], ["a", "b"])
    snapshot = r.models.get_model_performance_snapshot("clf")
    assert snapshot.fairness is not None and snapshot.fairness["evaluation"] == evaluation
    online = snapshot.fairness["online"]
    assert online.demographic_parity_difference == 1.0 and not online.four_fifths_passed
    assert online.four_fifths_failing == ("b",)
    section = json.loads(json.dumps(r.models.dashboard_section()))
    assert section["models"]["clf"]["fairness"]["online"]["demographic_parity_difference"] == 1.0
    assert r.models.get_model_performance_snapshot("clf").drift is None
