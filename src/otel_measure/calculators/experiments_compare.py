"""Treatment-versus-control comparison of one metric (lifts, intervals, p-value).

Import this through :mod:`otel_measure.calculators.experiments`, whose docstring states the
conventions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.experiments_arms import ArmStats
from otel_measure.calculators.experiments_inference import (
    TestResult,
    check_probability,
    two_proportion_ztest,
    welch_ttest,
)
from otel_measure.calculators.stats import norm_cdf, norm_ppf

__all__ = ["CHANCE_METHOD", "VariantComparison", "check_metric", "compare", "conversions"]

CHANCE_METHOD = "normal approximation, flat prior"
_METRICS = ("conversion", "mean")
_NAN_PAIR = (math.nan, math.nan)


@dataclass(frozen=True)
class VariantComparison(Result):
    """Treatment versus control on one metric.

    Attributes:
        metric: ``"conversion"`` or ``"mean"``.
        control_value: Control rate or mean.
        treatment_value: Treatment rate or mean.
        absolute_lift: Δ = treatment − control.
        absolute_lift_ci: Normal interval for Δ at 1 − alpha.
        relative_lift: Δ / |control| (NaN when the control value is 0).
        relative_lift_ci: Delta-method interval for the relative lift.
        standard_error: √(σ_A²/n_A + σ_B²/n_B).
        statistic: z (conversions, pooled) or Welch t (means), positive when B is higher.
        p_value: Two-sided p-value of that test (not adjusted for multiple variants).
        df: Welch–Satterthwaite df (NaN for the z-test).
        test: Name of the test used.
        chance_to_beat_control: Φ(Δ / SE); 1, 0 or 0.5 when SE is 0.
        chance_to_beat_control_method: How the chance was computed.
        alpha: Significance level of the interval and of ``significant``.
        significant: p_value < alpha.
    """

    metric: str
    control_value: float
    treatment_value: float
    absolute_lift: float
    absolute_lift_ci: tuple[float, float]
    relative_lift: float
    relative_lift_ci: tuple[float, float]
    standard_error: float
    statistic: float
    p_value: float
    df: float
    test: str
    chance_to_beat_control: float
    chance_to_beat_control_method: str
    alpha: float
    significant: bool


def check_metric(metric: object) -> str:
    """Return ``metric`` if it is 'conversion' or 'mean', else raise ValueError."""
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(f"metric={metric!r} is not one of 'conversion', 'mean'")
    return metric


def conversions(name: str, arm: ArmStats) -> int:
    """Return the conversion count of a 0/1 arm, or raise ValueError naming it."""
    if not arm.is_binary:
        raise ValueError(
            f"{name} holds values other than 0 and 1; metric='conversion' needs 0/1 values"
        )
    return round(arm.total)


def _chance(delta: float, se: float) -> float:
    if math.isnan(delta) or math.isnan(se):
        return math.nan
    if se > 0:
        return norm_cdf(delta / se)
    return 1.0 if delta > 0 else 0.0 if delta < 0 else 0.5


def compare(
    control: ArmStats, treatment: ArmStats, metric: str = "conversion", alpha: float = 0.05
) -> VariantComparison:
    """Compare a treatment arm with the control arm.

    Arms too small for the statistics (no users; fewer than two for means) give NaN
    figures rather than an error.

    Args:
        control: Control arm statistics.
        treatment: Treatment arm statistics.
        metric: ``"conversion"`` (0/1 values) or ``"mean"``.
        alpha: Significance level; intervals are at 1 − alpha.

    Returns:
        Lifts with intervals, p-value and chance to beat control.

    Raises:
        ValueError: Unknown metric, alpha not in (0, 1), arms that are not ArmStats, or
            non-0/1 values for a conversion metric.
    """
    for name, arm in (("control", control), ("treatment", treatment)):
        if not isinstance(arm, ArmStats):
            raise ValueError(f"{name}={arm!r} is not allowed; expected an ArmStats")
    kind = check_metric(metric)
    a = check_probability("alpha", alpha)
    na, nb = control.n, treatment.n
    if kind == "conversion":
        ca = conversions("control", control)
        cb = conversions("treatment", treatment)
        test_name = "two-proportion z-test (pooled)"
        if na == 0 or nb == 0:
            mu_a = ca / na if na else math.nan
            mu_b = cb / nb if nb else math.nan
            var_a = var_b = math.nan
            test = TestResult(math.nan, math.nan, math.nan)
        else:
            mu_a, mu_b = ca / na, cb / nb
            var_a, var_b = mu_a * (1.0 - mu_a), mu_b * (1.0 - mu_b)
            test = two_proportion_ztest(ca, na, cb, nb, pooled=True)
    else:
        test_name = "Welch's t-test"
        mu_a, mu_b = control.mean, treatment.mean
        var_a, var_b = control.variance, treatment.variance
        if na < 2 or nb < 2:
            test = TestResult(math.nan, math.nan, math.nan)
        else:
            test = welch_ttest(mu_a, var_a, na, mu_b, var_b, nb)
    z = norm_ppf(1.0 - a / 2.0)
    delta = mu_b - mu_a
    se = math.sqrt(var_a / na + var_b / nb) if na and nb else math.nan
    if mu_a == 0 or math.isnan(mu_a) or math.isnan(se):
        rel, rel_ci = math.nan, _NAN_PAIR
    else:
        rel = delta / abs(mu_a)
        # Var = σ_B²/(n_B μ_A²) + μ_B² σ_A²/(n_A μ_A⁴), factored so tiny μ_A cannot underflow.
        ratio = mu_b / mu_a
        rel_se = math.sqrt(var_b / nb + ratio * ratio * var_a / na) / abs(mu_a)
        rel_ci = (rel - z * rel_se, rel + z * rel_se)
    return VariantComparison(
        metric=kind,
        control_value=mu_a,
        treatment_value=mu_b,
        absolute_lift=delta,
        absolute_lift_ci=(delta - z * se, delta + z * se),
        relative_lift=rel,
        relative_lift_ci=rel_ci,
        standard_error=se,
        statistic=test.statistic,
        p_value=test.p_value,
        df=test.df,
        test=test_name,
        chance_to_beat_control=_chance(delta, se),
        chance_to_beat_control_method=CHANCE_METHOD,
        alpha=a,
        significant=bool(test.p_value < a),
    )
