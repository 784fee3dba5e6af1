"""A/B readouts keep the variance of large values and export a fleet-mergeable M2."""

from __future__ import annotations

import random

import pytest
from scipy import stats

from otel_measure.calculators.experiments import ArmStats, analyze_experiment
from otel_measure.names.analytics import (
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_VALUE_M2,
    EXPERIMENT_VALUE_SUM,
)
from tests.support.analytics import AnalyticsRig
from tests.support.rig import by_attr


def test_values_near_1e8_give_scipy_p_value_through_the_readout() -> None:
    """Per-user values around 1e8: the readout's Welch p equals scipy's, not 0."""
    rig = AnalyticsRig()
    rig.analytics.create_ab_test("big", metric="mean")
    rng = random.Random(3)
    values: dict[str, list[float]] = {"control": [], "treatment": []}
    for i in range(200):
        variant = rig.analytics.assign_variant("big", i)
        assert variant is not None
        value = 1e8 + rng.gauss(0.3 if variant == "treatment" else 0.0, 1.0)
        rig.analytics.record_conversion("big", i, value)
        values[variant].append(value)
    got = rig.analytics.get_ab_test_results("big", method="welch").comparisons["treatment"]
    ref = stats.ttest_ind(values["treatment"], values["control"], equal_var=False)
    assert got.comparison.standard_error > 0
    assert got.comparison.p_value == pytest.approx(ref.pvalue, rel=1e-5)


def test_exported_m2_merges_across_replicas_like_one_process() -> None:
    """Replicas' exposures, value.sum and value.m2 merged by Chan's formula equal one process."""
    replicas, single = [AnalyticsRig(), AnalyticsRig()], AnalyticsRig()
    rng = random.Random(11)
    for rig in (*replicas, single):
        rig.analytics.create_ab_test("t", metric="mean")
    for i in range(300):
        amounts = [1e6 + rng.randint(1, 9) for _ in range(rng.choice((0, 1, 2)))]
        for rig in (replicas[i % 2], single):
            rig.analytics.assign_variant("t", i)
            for amount in amounts:
                rig.analytics.record_conversion("t", i, amount)
    fleet: dict[str, ArmStats] = {}
    for rig in replicas:
        points = rig.all_points()
        n = by_attr(points[EXPERIMENT_EXPOSURES.name], "variant")
        s1 = by_attr(points[EXPERIMENT_VALUE_SUM.name], "variant")
        m2 = by_attr(points[EXPERIMENT_VALUE_M2.name], "variant")
        for variant, count in n.items():
            part = ArmStats.from_sums(int(count), s1.get(variant, 0.0), m2=m2[variant])
            fleet.setdefault(variant, ArmStats()).merge(part)
    merged = analyze_experiment(fleet, metric="mean", method="welch")
    local = single.analytics.get_ab_test_results("t", method="welch")
    want = local.comparisons["treatment"].comparison
    got = merged.comparisons["treatment"].comparison
    assert got.p_value == pytest.approx(want.p_value, rel=1e-9)
    assert got.standard_error == pytest.approx(want.standard_error, rel=1e-9)
    assert {v: s.n for v, s in merged.variants.items()} == {
        v: s.n for v, s in local.variants.items()}
