"""A/B tests and NPS in the analytics domain: assignment, sufficient statistics, readouts."""

from __future__ import annotations

import hashlib
import math
import random
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import proportions_ztest

from otel_measure.calculators.experiments import ArmStats, analyze_experiment
from otel_measure.calculators.nps import nps
from otel_measure.names.analytics import (
    ANALYTICS_NPS_RESPONSES,
    ANALYTICS_NPS_SCORE,
    EXPERIMENT_CONVERSIONS,
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)
from tests.support.analytics import T0, AnalyticsRig
from tests.support.rig import by_attr


def _close(actual: float, expected: float) -> None:
    assert actual == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


# --- assignment ----------------------------------------------------------------------------------


def test_assignment_is_sha256_bucketing_by_weight_and_ignores_the_key() -> None:
    """The variant is SHA-256(test NUL id) into 2**32 buckets by cumulative weight, any key."""
    first, second = AnalyticsRig(key="one"), AnalyticsRig(key="two")
    for rig in (first, second):
        rig.analytics.create_ab_test("t", ("a", "b", "c"), (1, 2, 1))
    for i in range(300):
        bucket = int.from_bytes(hashlib.sha256(f"t\x00u{i}".encode()).digest()[:4], "big")
        want = "a" if bucket < 2**30 else "b" if bucket < 3 * 2**30 else "c"
        assert first.analytics.assign_variant("t", f"u{i}") == want
        assert second.analytics.assign_variant("t", f"u{i}") == want
        assert first.analytics.assign_variant("t", f"u{i}") == want  # sticky


def test_traffic_split_follows_the_weights() -> None:
    """20,000 users split 1:3 land within 4 binomial standard deviations of 25 %."""
    rig = AnalyticsRig()
    rig.analytics.create_ab_test("split", ("a", "b"), {"a": 1.0, "b": 3.0})
    got = sum(rig.analytics.assign_variant("split", i) == "a" for i in range(20_000))
    assert abs(got - 5000) < 4 * math.sqrt(20_000 * 0.25 * 0.75)


def test_exposure_counted_once_per_user() -> None:
    """Repeated assignment of a user counts one exposure."""
    rig = AnalyticsRig()
    rig.analytics.create_ab_test("t")
    for _ in range(3):
        for user in ("u1", "u2", "u3", "u4"):
            rig.analytics.assign_variant("t", user)
    points = rig.all_points()[EXPERIMENT_EXPOSURES.name]
    assert sum(p.value for p in points) == 4
    assert all(set(p.attributes) == {"experiment", "variant"} for p in points)


# --- readouts against the calculators, scipy and statsmodels -------------------------------------


def _simulate(rig: AnalyticsRig, metric: str, seed: int, users: int = 400
              ) -> dict[str, list[float]]:
    """Expose users, convert some (several values for mean tests); return per-user x by arm."""
    rng = random.Random(seed)
    rig.analytics.create_ab_test("t", ("control", "b", "c"), metric=metric)
    values: dict[str, list[float]] = {"control": [], "b": [], "c": []}
    for i in range(users):
        variant = rig.analytics.assign_variant("t", f"user{i}")
        assert variant is not None
        total = 0.0
        for _ in range(rng.choice((0, 0, 1, 2, 3))):
            amount = float(rng.randint(1, 50)) if metric == "mean" else 1.0
            rig.analytics.record_conversion("t", f"user{i}", amount)
            total += amount
        values[variant].append(total if metric == "mean" else float(total > 0))
    return values


@pytest.mark.parametrize("metric", ["conversion", "mean"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_readout_equals_calculator_on_per_user_values(metric: str, seed: int) -> None:
    """get_ab_test_results equals analyze_experiment on the per-user values."""
    rig = AnalyticsRig()
    values = _simulate(rig, metric, seed)
    got = rig.analytics.get_ab_test_results("t", now=T0)
    want = analyze_experiment({v: ArmStats.from_values(x) for v, x in values.items()},
                              "control", None, metric, 0.05)
    assert got.verdict == want.verdict and got.correction == "holm"
    for name in values:
        assert got.variants[name].n == want.variants[name].n
        _close(got.variants[name].value, want.variants[name].value)
        _close(got.variants[name].standard_error, want.variants[name].standard_error)
        assert got.conversions[name] == sum(1 for x in values[name] if x > 0)
    for name in ("b", "c"):
        g, w = got.comparisons[name], want.comparisons[name]
        for field in ("p_value", "absolute_lift", "relative_lift", "chance_to_beat_control"):
            _close(getattr(g.comparison, field), getattr(w.comparison, field))
        _close(g.p_adjusted, w.p_adjusted)
        for a, b in zip(g.comparison.relative_lift_ci, w.comparison.relative_lift_ci,
                        strict=True):
            _close(a, b)
    _close(got.srm.p_value, stats.chisquare([len(values[v]) for v in values]).pvalue)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 3)), min_size=12, max_size=150))
def test_conversion_p_value_equals_statsmodels(users: list[tuple[bool, int]]) -> None:
    """The readout's p-value equals proportions_ztest on the same counts (two arms)."""
    rig = AnalyticsRig()
    rig.analytics.create_ab_test("t")
    counts = {"control": [0, 0], "treatment": [0, 0]}
    for i, (converts, goals) in enumerate(users):
        variant = rig.analytics.assign_variant("t", i)
        assert variant is not None
        counts[variant][1] += 1
        if converts:
            counts[variant][0] += 1
            for _ in range(goals + 1):
                rig.analytics.record_conversion("t", i)
    res = rig.analytics.get_ab_test_results("t", method="pooled-z")
    (ca, na), (cb, nb) = counts["control"], counts["treatment"]
    p = res.comparisons["treatment"].comparison.p_value
    if 0 in (na, nb) or ca + cb in (0, na + nb):
        # An empty arm, or no spread in the pooled rate: no test (statsmodels gives NaN too).
        assert math.isnan(p)
        return
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _z, want = proportions_ztest([cb, ca], [nb, na])
    _close(p, want)


def test_mean_p_value_equals_scipy_welch() -> None:
    """A mean test's p-value equals scipy's Welch t-test on the per-user totals."""
    rig = AnalyticsRig()
    values = _simulate(rig, "mean", 9, users=300)
    res = rig.analytics.get_ab_test_results("t", method="welch")
    want = stats.ttest_ind(values["b"], values["control"], equal_var=False).pvalue
    _close(res.comparisons["b"].comparison.p_value, want)


def test_exported_counters_are_the_sufficient_statistics_and_merge() -> None:
    """Summing two replicas' counters and analysing them equals one process with every user."""
    replicas, single = [AnalyticsRig(), AnalyticsRig()], AnalyticsRig()
    rng = random.Random(5)
    for rig in (*replicas, single):
        rig.analytics.create_ab_test("t", metric="mean")
    for i in range(300):
        replica = replicas[i % 2]
        amounts = [float(rng.randint(1, 9)) for _ in range(rng.choice((0, 1, 2)))]
        for rig in (replica, single):
            rig.analytics.assign_variant("t", i)
            for amount in amounts:
                rig.analytics.record_conversion("t", i, amount)
    merged: dict[str, list[float]] = {}
    for rig in replicas:
        points = rig.all_points()
        for k, metric in enumerate((EXPERIMENT_EXPOSURES, EXPERIMENT_VALUE_SUM,
                                    EXPERIMENT_VALUE_SUM_SQUARES)):
            for variant, value in by_attr(points[metric.name], "variant").items():
                merged.setdefault(variant, [0.0, 0.0, 0.0])[k] += value
    arms = {v: ArmStats.from_sums(int(n), s1, s2) for v, (n, s1, s2) in merged.items()}
    fleet = analyze_experiment({v: arms[v] for v in ("control", "treatment")}, metric="mean")
    local = single.analytics.get_ab_test_results("t")
    _close(fleet.comparisons["treatment"].comparison.p_value,
           local.comparisons["treatment"].comparison.p_value)
    assert {v: s.n for v, s in fleet.variants.items()} == {
        v: s.n for v, s in local.variants.items()}


def test_goal_event_converts_exposed_users_once() -> None:
    """Goal events before exposure do not count; after it they convert the user once."""
    rig = AnalyticsRig()
    a = rig.analytics
    a.create_ab_test("t", goal_event="purchase")
    a.create_ab_test("rev", metric="mean", goal_event="purchase")
    a.track_event("purchase", "early", revenue=5.0)
    for user in ("early", "late"):
        a.assign_variant("t", user)
        a.assign_variant("rev", user)
    a.track_event("purchase", "late", revenue=20.0)
    a.track_event("purchase", "late", revenue=10.0)
    res = a.get_ab_test_results("t")
    assert sum(res.conversions.values()) == 1 and sum(s.total for s in res.variants.values()) == 1
    rev = a.get_ab_test_results("rev")
    assert sum(s.total for s in rev.variants.values()) == 30.0
    squares: dict[str, float] = {}
    for p in rig.all_points()[EXPERIMENT_VALUE_SUM_SQUARES.name]:
        squares[p.attributes["experiment"]] = squares.get(p.attributes["experiment"], 0) + p.value
    assert squares == {"t": 1.0, "rev": 30.0**2}  # one converter; one user whose total is 30


# --- validation and rejection --------------------------------------------------------------------


def test_create_ab_test_validates_and_is_idempotent() -> None:
    """Bad definitions raise naming the argument; an identical definition returns the same test."""
    rig = AnalyticsRig(max_experiments=2)
    a = rig.analytics
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": ""}, "name"), ({"name": "x", "variants": ("only",)}, "variants"),
        ({"name": "x", "variants": ("a", "a")}, "variants"),
        ({"name": "x", "variants": "ab"}, "variants"),
        ({"name": "x", "weights": (1, 0)}, "weights"), ({"name": "x", "weights": (1,)}, "weights"),
        ({"name": "x", "weights": {"control": 1}}, "weights"),
        ({"name": "x", "metric": "median"}, "metric"), ({"name": "x", "alpha": 1.0}, "alpha"),
        ({"name": "x", "goal_event": ""}, "goal_event"),
    ]
    for kwargs, arg in cases:
        with pytest.raises(ValueError, match=arg):
            a.create_ab_test(**kwargs)
    test = a.create_ab_test("t", weights=(1, 1))
    assert a.create_ab_test("t") is test and test.weights == (0.5, 0.5)
    with pytest.raises(ValueError, match="another definition"):
        a.create_ab_test("t", metric="mean")
    a.create_ab_test("u")
    with pytest.raises(ValueError, match="max_experiments=2"):
        a.create_ab_test("v")
    with pytest.raises(ValueError, match=r"'nope'.*known tests"):
        a.get_ab_test_results("nope")
    with pytest.raises(ValueError, match="power"):
        a.get_ab_test_results("t", power=2.0)


def test_record_paths_reject_unknown_tests_bad_values_and_unexposed_users() -> None:
    """Unknown test, negative value and a conversion before exposure are dropped and counted."""
    rig = AnalyticsRig()
    a = rig.analytics
    a.create_ab_test("t")
    assert a.assign_variant("nope", "u") is None
    a.record_conversion("nope", "u")
    a.record_conversion("t", "u", -1.0)
    a.record_conversion("t", "never-assigned")
    assert rig.rejections.counts() == {
        "analytics.unknown_experiment": 2, "analytics.bad_conversion_value": 1,
        "analytics.conversion_without_exposure": 1}
    assert EXPERIMENT_CONVERSIONS.name not in rig.all_points()


def test_dashboard_lists_every_test_with_its_verdict() -> None:
    """Each A/B test appears in the dashboard with verdict, SRM flag and comparisons."""
    rig = AnalyticsRig()
    for name in ("a", "b"):
        rig.analytics.create_ab_test(name)
    section = rig.analytics.dashboard_section()
    assert set(section["experiments"]) == {"a", "b"}
    assert section["experiments"]["a"]["verdict"] == "not enough data"
    assert "treatment" in section["experiments"]["b"]["comparisons"]


# --- NPS -----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_equals_calculator_and_the_variance_formula(scores: list[int]) -> None:
    """get_nps_metrics equals calculators.nps; the margin follows Var = (p + d - (p-d)^2)/n."""
    rig = AnalyticsRig()
    for i, score in enumerate(scores):
        rig.analytics.record_nps_response(f"u{i}", score)
    got = rig.analytics.get_nps_metrics()
    want = nps(scores)
    assert {k: v for k, v in got.to_dict().items()
            if k not in ("segment", "window_s", "now")} == want.to_dict()
    n = len(scores)
    p = sum(s >= 9 for s in scores) / n
    d = sum(s <= 6 for s in scores) / n
    z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)
    margin = z95 * 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / n)
    assert got.margin_of_error == pytest.approx(margin, rel=1e-9, abs=1e-9)
    assert got.nps == pytest.approx(100 * (p - d))


def test_nps_counter_by_category_gauge_and_filters() -> None:
    """Responses count by category; the gauge shows the score; segment and window filter."""
    rig = AnalyticsRig(nps_buffer_size=4)
    a = rig.analytics
    for score, segment in ((10, "pro"), (9, "free"), (7, "free"), (3, "free")):
        a.record_nps_response("u", score, comment="free text", segment=segment)
        rig.tick(3600)
    a.record_nps_response("u", 0, segment="free")  # pushes the 10 out of the 4-response buffer
    points = rig.all_points()
    assert by_attr(points[ANALYTICS_NPS_RESPONSES.name], "nps.category") == {
        "promoter": 2, "passive": 1, "detractor": 2}
    assert points[ANALYTICS_NPS_SCORE.name][0].value == -25.0
    assert a.get_nps_metrics().n == 4
    assert a.get_nps_metrics("pro").n == 0 and math.isnan(a.get_nps_metrics("pro").nps)
    assert a.get_nps_metrics("free", window_s=2 * 3600 + 1).n == 3


@pytest.mark.parametrize("score", [11, -1, 7.0, True, "9", None])
def test_bad_nps_scores_are_rejected(score: Any) -> None:
    """Anything but an int 0..10 is dropped and counted as analytics.bad_nps_score."""
    rig = AnalyticsRig()
    rig.analytics.record_nps_response("u", score)
    assert rig.rejections.counts() == {"analytics.bad_nps_score": 1}
    assert rig.analytics.get_nps_metrics().n == 0
