"""compare() against gbstats 0.8 (recorded table), Welch consistency and large-mean data."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats

from otel_measure.calculators.experiments import ArmStats, compare

_TABLE = json.loads((Path(__file__).parent / "data" / "gbstats_0_8.json").read_text())
_CASES: list[dict[str, Any]] = _TABLE["cases"]


def _arm(kind: str, arm: dict[str, float]) -> ArmStats:
    if kind == "conversion":
        return ArmStats.from_counts(int(arm["n"]), int(arm["sum"]))
    return ArmStats.from_sums(int(arm["n"]), arm["sum"], arm["sum_squares"])


def _near(got: float, want: float) -> None:
    assert got == pytest.approx(want, rel=1e-8, abs=1e-12)


def test_table_covers_negative_means_tiny_arms_and_errors() -> None:
    """The recorded table holds negative control means, n = 2 arms and gbstats' no-result cases."""
    means = [c for c in _CASES if c["kind"] == "mean"]
    assert _TABLE["gbstats"] == "0.8.0" and len(_CASES) >= 200
    assert any(c["a"]["sum"] < 0 and c["relative"]["error"] is None for c in means)
    assert any(c["a"]["n"] == 2 for c in means)
    assert any(c["kind"] == "conversion" for c in _CASES)


@pytest.mark.parametrize("case", _CASES, ids=range(len(_CASES)))
def test_gbstats_method_equals_gbstats(case: dict[str, Any]) -> None:
    """Relative lift, its interval, p-value and chance to win equal gbstats 0.8 on the same sums."""
    kind = case["kind"]
    got = compare(_arm(kind, case["a"]), _arm(kind, case["b"]), metric=kind)
    rel = case["relative"]
    if rel["error"] is not None:  # gbstats answers with its p = 1 default; we say "no test"
        assert math.isnan(got.p_value) and not got.significant
        return
    assert got.method == "gbstats"
    _near(got.relative_lift, rel["expected"])
    _near(got.relative_lift_ci[0], rel["ci"][0])
    _near(got.relative_lift_ci[1], rel["ci"][1])
    _near(got.p_value, rel["p_value"])
    _near(got.chance_to_beat_control, case["chance_to_win"])
    absolute = case["absolute"]
    _near(got.absolute_lift, absolute["expected"])
    _near(got.absolute_lift_ci[0], absolute["ci"][0])
    _near(got.absolute_lift_ci[1], absolute["ci"][1])
    welch = compare(_arm(kind, case["a"]), _arm(kind, case["b"]), metric=kind, method="welch")
    _near(welch.p_value, absolute["p_value"])


def test_relative_lift_sign_follows_gbstats_with_a_negative_control() -> None:
    """With a negative control mean, a higher treatment gives a negative relative lift (Δ/μ_A)."""
    got = compare(ArmStats.from_values([-10, -12, -9]), ArmStats.from_values([-4, -5, -3, -6]),
                  metric="mean")
    assert got.absolute_lift > 0 and got.relative_lift < 0
    assert got.relative_lift == pytest.approx((-4.5 + 31 / 3) / (-31 / 3))


@pytest.mark.parametrize("method", ["welch", "gbstats"])
def test_issue_example_interval_agrees_with_the_verdict(method: str) -> None:
    """Arms [10,12,9] vs [14,15,11,13]: p > 0.05 and the 95% interval holds 0, as one model."""
    a, b = [10.0, 12.0, 9.0], [14.0, 15.0, 11.0, 13.0]
    got = compare(ArmStats.from_values(a), ArmStats.from_values(b), metric="mean", method=method)
    ci = got.absolute_lift_ci if method == "welch" else got.relative_lift_ci
    assert not got.significant
    assert ci[0] < 0 < ci[1]
    ref = stats.ttest_ind(b, a, equal_var=False)
    if method == "welch":
        assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9)
        low, high = ref.confidence_interval(0.95)
        assert got.absolute_lift_ci == pytest.approx((low, high), rel=1e-9)
        assert got.chance_to_beat_control == pytest.approx(stats.t.cdf(ref.statistic, ref.df))


def test_pooled_z_is_a_named_option_for_conversions_only() -> None:
    """'pooled-z' answers conversions and refuses means; an unknown method names the choices."""
    arm = ArmStats.from_counts(1000, 100)
    assert compare(arm, ArmStats.from_counts(1000, 130), method="pooled-z").test.startswith(
        "two-proportion z-test")
    with pytest.raises(ValueError, match=r"pooled-z.*conversions only"):
        compare(ArmStats.from_values([1.0, 2.0]), ArmStats.from_values([3.0, 5.0]),
                metric="mean", method="pooled-z")
    with pytest.raises(ValueError, match="method='bayes' is not one of 'gbstats'"):
        compare(arm, arm, method="bayes")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_large_mean_values_match_scipy(seed: int) -> None:
    """Values around 1e8 keep their variance through add(), merge() and from_sums(m2=...)."""
    rng = np.random.default_rng(seed)
    xa, xb = 1e8 + rng.normal(0, 1, 40), 1e8 + 0.9 + rng.normal(0, 1, 50)
    ref = stats.ttest_ind(xb, xa, equal_var=False)
    halves = ArmStats.from_values(xa[:15].tolist())
    halves.merge(ArmStats.from_values(xa[15:].tolist()))
    b = ArmStats.from_values(xb.tolist())
    exported = ArmStats.from_sums(b.n, b.total, m2=b.m2)
    assert halves.variance == pytest.approx(np.var(xa, ddof=1), rel=1e-6)
    got = compare(halves, exported, metric="mean", method="welch")
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-5)
    assert got.standard_error > 0


def test_from_sums_needs_m2_or_sum_of_squares_and_rejects_negative_m2() -> None:
    """from_sums without M2 and Σx² raises; a negative M2 names the argument."""
    with pytest.raises(ValueError, match="m2=None"):
        ArmStats.from_sums(3, 6.0)
    with pytest.raises(ValueError, match=r"m2=-1\.0"):
        ArmStats.from_sums(3, 6.0, m2=-1.0)
    exact = ArmStats.from_sums(3, 3e8 + 3.0, m2=2.0)
    assert exact.variance == 1.0 and exact.mean == pytest.approx(1e8 + 1.0)
