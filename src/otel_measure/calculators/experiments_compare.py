"""Treatment-versus-control comparison of one metric (lifts, intervals, p-value).

Three named methods, each one model for its interval, p-value and chance to beat control:

- ``"gbstats"`` (default): GrowthBook gbstats 0.8's frequentist two-sided t-test on the
  relative lift. Relative lift (μ_B − μ_A) / μ_A (gbstats' sign: divided by the signed
  control mean), delta-method variance σ_B²/(n_B μ_A²) + μ_B² σ_A²/(n_A μ_A⁴), Welch–
  Satterthwaite df from the raw variances, p-value and intervals from Student t with that
  df; chance to beat control Φ(lift / SE) on the relative scale (gbstats' Bayesian engine
  with a flat prior). Undefined (NaN) when μ_A = 0 or a variance is 0, where gbstats
  returns its "no result" default instead.
- ``"welch"``: Welch's t-test on the absolute difference (scipy ``ttest_ind_from_stats``
  with ``equal_var=False``); intervals and chance to beat control from the same t
  distribution.
- ``"pooled-z"``: conversions only; the pooled two-proportion z-test (statsmodels
  ``proportions_ztest``) with normal intervals on the unpooled SE and Φ(Δ / SE).

Conversion arms use the proportion variance p(1 − p), mean arms the sample variance
(ddof 1) from Welford/Chan sums. Import this through
:mod:`otel_measure.calculators.experiments`.
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
from otel_measure.calculators.stats import norm_cdf, norm_ppf, t_cdf, t_ppf, t_sf

__all__ = [
    "CHANCE_METHODS",
    "METHODS",
    "VariantComparison",
    "check_method",
    "check_metric",
    "compare",
    "conversions",
]

METHODS = ("gbstats", "welch", "pooled-z")
CHANCE_METHODS = {
    "gbstats": "Φ(relative lift / SE), gbstats' flat prior",
    "welch": "Student t at the Welch df, flat prior",
    "pooled-z": "normal approximation, flat prior",
}
_TEST_NAMES = {
    "gbstats": "gbstats two-sided t-test on the relative lift (Welch df)",
    "welch": "Welch's t-test",
    "pooled-z": "two-proportion z-test (pooled)",
}
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
        absolute_lift_ci: Interval for Δ at 1 − alpha, from the method's distribution.
        relative_lift: Δ / control, gbstats' sign (NaN when the control value is 0).
        relative_lift_ci: Delta-method interval for the relative lift.
        standard_error: √(σ_A²/n_A + σ_B²/n_B).
        statistic: The method's statistic (relative t, Welch t or pooled z).
        p_value: Two-sided p-value of that test (not adjusted for multiple variants).
        df: Welch–Satterthwaite df (NaN for the z-test).
        test: Name of the test used.
        chance_to_beat_control: Chance the treatment is better, as ``method`` computes it.
        chance_to_beat_control_method: How the chance was computed.
        alpha: Significance level of the interval and of ``significant``.
        significant: p_value < alpha.
        method: ``"gbstats"``, ``"welch"`` or ``"pooled-z"``.
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
    method: str = "gbstats"


def check_metric(metric: object) -> str:
    """Return ``metric`` if it is 'conversion' or 'mean', else raise ValueError."""
    if not isinstance(metric, str) or metric not in _METRICS:
        raise ValueError(f"metric={metric!r} is not one of 'conversion', 'mean'")
    return metric


def check_method(method: object, metric: str) -> str:
    """Return ``method`` if it is one of METHODS and fits ``metric``, else raise ValueError."""
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method={method!r} is not one of {', '.join(map(repr, METHODS))}")
    if method == "pooled-z" and metric != "conversion":
        raise ValueError(f"method='pooled-z' is not allowed with metric={metric!r}; "
                         "it tests conversions only")
    return method


def conversions(name: str, arm: ArmStats) -> int:
    """Return the conversion count of a 0/1 arm, or raise ValueError naming it."""
    if not arm.is_binary:
        raise ValueError(
            f"{name} holds values other than 0 and 1; metric='conversion' needs 0/1 values"
        )
    return round(arm.total)


def _chance_normal(x: float) -> float:
    return math.nan if math.isnan(x) else norm_cdf(x) if math.isfinite(x) else float(x > 0)


def _sign_chance(delta: float) -> float:
    return 1.0 if delta > 0 else 0.0 if delta < 0 else 0.5


def _welch_df(var_a: float, na: int, var_b: float, nb: int) -> float:
    if na < 2 or nb < 2 or math.isnan(var_a) or math.isnan(var_b):
        return math.nan
    return welch_ttest(0.0, var_a, na, 0.0, var_b, nb).df


def _interval(centre: float, half: float) -> tuple[float, float]:
    return _NAN_PAIR if math.isnan(half) else (centre - half, centre + half)


@dataclass(frozen=True)
class _Arms:
    mu_a: float
    mu_b: float
    var_a: float
    var_b: float
    na: int
    nb: int
    ca: int = 0
    cb: int = 0


def _arms(control: ArmStats, treatment: ArmStats, kind: str) -> _Arms:
    na, nb = control.n, treatment.n
    if kind == "mean":
        return _Arms(control.mean, treatment.mean, control.variance, treatment.variance, na, nb)
    ca, cb = conversions("control", control), conversions("treatment", treatment)
    mu_a = ca / na if na else math.nan
    mu_b = cb / nb if nb else math.nan
    return _Arms(mu_a, mu_b, mu_a * (1.0 - mu_a), mu_b * (1.0 - mu_b), na, nb, ca, cb)


def _relative(s: _Arms) -> tuple[float, float]:
    """Relative lift Δ/μ_A and its delta-method SE (NaN when μ_A is 0 or NaN)."""
    if s.mu_a == 0 or math.isnan(s.mu_a) or math.isnan(s.mu_b):
        return math.nan, math.nan
    rel = (s.mu_b - s.mu_a) / s.mu_a
    # Var = σ_B²/(n_B μ_A²) + μ_B² σ_A²/(n_A μ_A⁴), factored so tiny μ_A cannot underflow.
    ratio = s.mu_b / s.mu_a
    rel_se = math.sqrt(s.var_b / s.nb + ratio * ratio * s.var_a / s.na) / abs(s.mu_a)
    return rel, rel_se


def compare(
    control: ArmStats,
    treatment: ArmStats,
    metric: str = "conversion",
    alpha: float = 0.05,
    method: str = "gbstats",
) -> VariantComparison:
    """Compare a treatment arm with the control arm.

    Arms too small for the statistics (no users; fewer than two for t-tests) give NaN
    figures rather than an error.

    Args:
        control: Control arm statistics.
        treatment: Treatment arm statistics.
        metric: ``"conversion"`` (0/1 values) or ``"mean"``.
        alpha: Significance level; intervals are at 1 − alpha.
        method: ``"gbstats"`` (default), ``"welch"`` or ``"pooled-z"`` (conversions);
            see the module docstring.

    Returns:
        Lifts with intervals, p-value and chance to beat control.

    Raises:
        ValueError: Unknown metric or method, alpha not in (0, 1), arms that are not
            ArmStats, or non-0/1 values for a conversion metric.
    """
    for name, arm in (("control", control), ("treatment", treatment)):
        if not isinstance(arm, ArmStats):
            raise ValueError(f"{name}={arm!r} is not allowed; expected an ArmStats")
    kind = check_metric(metric)
    how = check_method(method, kind)
    a = check_probability("alpha", alpha)
    s = _arms(control, treatment, kind)
    delta = s.mu_b - s.mu_a
    se = math.sqrt(s.var_a / s.na + s.var_b / s.nb) if s.na and s.nb else math.nan
    rel, rel_se = _relative(s)
    if how == "pooled-z":
        if s.na and s.nb:
            test = two_proportion_ztest(s.ca, s.na, s.cb, s.nb, pooled=True)
        else:
            test = TestResult(math.nan, math.nan, math.nan)
        q = norm_ppf(1.0 - a / 2.0)
        chance = _chance_normal(delta / se) if se > 0 else (
            math.nan if math.isnan(se) else _sign_chance(delta))
    else:
        df = _welch_df(s.var_a, s.na, s.var_b, s.nb)
        q = t_ppf(1.0 - a / 2.0, df) if df > 0 else math.nan
        if how == "welch":
            test = (welch_ttest(s.mu_a, s.var_a, s.na, s.mu_b, s.var_b, s.nb)
                    if not math.isnan(df) else TestResult(math.nan, math.nan, math.nan))
            chance = (t_cdf(test.statistic, df) if math.isfinite(test.statistic)
                      else math.nan if math.isnan(test.statistic) else _sign_chance(delta))
        else:
            test, chance = _gbstats(s, df, rel, rel_se)
    return VariantComparison(
        metric=kind,
        control_value=s.mu_a,
        treatment_value=s.mu_b,
        absolute_lift=delta,
        absolute_lift_ci=_interval(delta, q * se),
        relative_lift=rel,
        relative_lift_ci=_interval(rel, q * rel_se),
        standard_error=se,
        statistic=test.statistic,
        p_value=test.p_value,
        df=test.df,
        test=_TEST_NAMES[how],
        chance_to_beat_control=chance,
        chance_to_beat_control_method=CHANCE_METHODS[how],
        alpha=a,
        significant=bool(test.p_value < a),
        method=how,
    )


def _gbstats(s: _Arms, df: float, rel: float, rel_se: float) -> tuple[TestResult, float]:
    """gbstats' relative t statistic, p-value and chance to win (NaN where it has none)."""
    if math.isnan(df) or math.isnan(rel) or not (s.var_a > 0 and s.var_b > 0):
        return TestResult(math.nan, math.nan, math.nan), math.nan
    stat = rel / rel_se
    p = min(1.0, 2.0 * t_sf(abs(stat), df))
    return TestResult(stat, p, df), norm_cdf(stat)
