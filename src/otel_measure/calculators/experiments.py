"""A/B test analysis from mergeable per-arm sufficient statistics (n, Σx and M2).

Conventions (GrowthBook gbstats / PostHog): lifts are treatment minus control; conversion
metrics use the proportion variance p(1 − p), mean metrics the sample variance (ddof 1),
kept as Welford/Chan M2. Each comparison uses one model for its intervals, p-value and
chance to beat control, chosen by ``method`` (see
:mod:`otel_measure.calculators.experiments_compare`): ``"gbstats"`` (default; gbstats 0.8's
frequentist t-test on the relative lift (μ_B − μ_A)/μ_A with the delta method and Welch df),
``"welch"`` (Welch's t on the absolute difference) or ``"pooled-z"`` (conversions; the
pooled two-proportion z-test).

Data sufficiency ("not enough data"), applied to each treatment together with the control:
every arm has n >= ``min_count`` (PostHog, 5) and, for conversions, at least ``min_count``
conversions and non-conversions (n·p >= 5 and n·(1 − p) >= 5); and the larger of the two
arms' metric totals (conversions or |Σx|) reaches ``min_sample`` (GrowthBook's minimum
sample size, 150).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.experiments_arms import ArmStats, ArmSummary
from otel_measure.calculators.experiments_compare import (
    CHANCE_METHODS,
    METHODS,
    VariantComparison,
    check_method,
    check_metric,
    compare,
    conversions,
)
from otel_measure.calculators.experiments_inference import (
    SRM_THRESHOLD,
    MultipleTestResult,
    SRMResult,
    TestResult,
    benjamini_hochberg,
    check_count,
    check_finite,
    check_probability,
    holm,
    sample_size_means,
    sample_size_proportions,
    srm_test,
    two_proportion_ztest,
    weights_for,
    welch_ttest,
)

__all__ = [
    "CHANCE_METHODS",
    "METHODS",
    "SRM_THRESHOLD",
    "ArmStats",
    "ArmSummary",
    "ExperimentResult",
    "MultipleTestResult",
    "SRMResult",
    "TestResult",
    "VariantAnalysis",
    "VariantComparison",
    "VariantStats",
    "analyze_experiment",
    "benjamini_hochberg",
    "compare",
    "holm",
    "sample_size_means",
    "sample_size_proportions",
    "srm_test",
    "two_proportion_ztest",
    "welch_ttest",
]


@dataclass(frozen=True)
class VariantStats(Result):
    """Per-arm summary.

    Attributes:
        name: Arm name.
        n: Users in the arm.
        total: Conversions (conversion metric) or Σx (mean metric).
        value: Conversion rate or mean (NaN without users).
        standard_error: √(p(1 − p)/n) or √(s²/n).
    """

    name: str
    n: int
    total: float
    value: float
    standard_error: float


@dataclass(frozen=True)
class VariantAnalysis(Result):
    """One treatment's comparison with control inside an experiment.

    Attributes:
        name: Treatment arm name.
        comparison: Lifts, intervals and unadjusted p-value.
        p_adjusted: Holm-adjusted p-value when there are several treatments, else the p-value.
        significant: p_adjusted < alpha.
        enough_data: Whether the data-sufficiency rules hold for this arm and the control.
        verdict: 'not enough data', 'treatment wins', 'control wins' or
            'no significant difference'.
        sample_size_needed: Users per arm to detect the observed effect at the requested
            power and alpha (None when there is no observed effect).
    """

    name: str
    comparison: VariantComparison
    p_adjusted: float
    significant: bool
    enough_data: bool
    verdict: str
    sample_size_needed: int | None


@dataclass(frozen=True)
class ExperimentResult(Result):
    """Full experiment readout.

    Attributes:
        metric: ``"conversion"`` or ``"mean"``.
        control: Name of the control arm.
        alpha: Significance level.
        correction: ``"holm"`` with several treatments, else ``"none"``.
        variants: Per-arm summaries, in the order of ``arms``.
        comparisons: Per-treatment analyses, keyed by arm name.
        srm: Sample-ratio-mismatch test of the arm sizes against ``weights``.
        verdict: Overall verdict (see ``analyze_experiment``).
        winner: Best significantly winning treatment, if any.
    """

    metric: str
    control: str
    alpha: float
    correction: str
    variants: Mapping[str, VariantStats]
    comparisons: Mapping[str, VariantAnalysis]
    srm: SRMResult
    verdict: str
    winner: str | None


def _summary(name: str, arm: ArmStats, metric: str) -> VariantStats:
    n = arm.n
    if metric == "conversion":
        total = float(conversions(name, arm))
        value = total / n if n else math.nan
        var = value * (1.0 - value)
    else:
        total, value, var = arm.total, arm.mean, arm.variance
    se = math.sqrt(var / n) if n else math.nan
    return VariantStats(name, n, total, value, se)


def _enough(
    a: VariantStats, b: VariantStats, metric: str, min_sample: float, min_count: int
) -> bool:
    for arm in (a, b):
        if arm.n < max(min_count, 2 if metric == "mean" else 1):
            return False
        if metric == "conversion" and min(arm.total, arm.n - arm.total) < min_count:
            return False
    return max(abs(a.total), abs(b.total)) >= min_sample


def _needed(
    cmp: VariantComparison, a: ArmStats, b: ArmStats, alpha: float, power: float
) -> int | None:
    delta = cmp.absolute_lift
    if not math.isfinite(delta) or delta == 0:
        return None
    if cmp.metric == "conversion":
        return sample_size_proportions(cmp.control_value, cmp.treatment_value, alpha, power)
    if not (math.isfinite(a.variance) and math.isfinite(b.variance)):
        return None
    return sample_size_means(delta, a.variance, b.variance, alpha, power)


def analyze_experiment(
    arms: Mapping[str, ArmStats],
    control: str = "control",
    weights: Mapping[str, float] | None = None,
    metric: str = "conversion",
    alpha: float = 0.05,
    min_sample: float = 150.0,
    min_count: int = 5,
    power: float = 0.8,
    method: str = "gbstats",
) -> ExperimentResult:
    """Analyse an experiment: per-arm stats, comparisons, Holm correction, SRM and verdict.

    Verdict: 'treatment wins' when some treatment with enough data is significantly better
    (the winner has the largest lift among them); otherwise 'not enough data' when some
    treatment lacks data; otherwise 'control wins' when some treatment is significantly
    worse; otherwise 'no significant difference'. Significance uses Holm-adjusted p-values
    across the treatments (those with a defined p-value) when there are several. The SRM
    flag is reported alongside and does not change the verdict.

    Args:
        arms: Arm name → statistics, control included (at least two arms).
        control: Name of the control arm.
        weights: Planned traffic split per arm (any positive scale); None means equal.
        metric: ``"conversion"`` or ``"mean"``.
        alpha: Significance level.
        min_sample: Metric total the larger arm of a comparison must reach (GrowthBook).
        min_count: Minimum n, conversions and non-conversions per arm (PostHog).
        power: Power for the "sample size needed" figures.
        method: ``"gbstats"``, ``"welch"`` or ``"pooled-z"`` (see ``compare``).

    Raises:
        ValueError: Fewer than two arms, unknown control, mismatched weights, or any bad
            argument accepted by ``compare``.
    """
    if not isinstance(arms, Mapping) or len(arms) < 2:
        raise ValueError(f"arms={arms!r} is not allowed; expected a mapping of >= 2 ArmStats")
    if control not in arms:
        raise ValueError(f"control={control!r} is not one of the arms {sorted(arms)!r}")
    kind = check_metric(metric)
    how = check_method(method, kind)
    a = check_probability("alpha", alpha)
    pw = check_probability("power", power)
    floor = check_finite("min_sample", min_sample)
    min_c = check_count("min_count", min_count)
    names = list(arms)
    srm = srm_test([_arm(arms, n).n for n in names], weights_for(names, weights))
    stats = {name: _summary(name, arms[name], kind) for name in names}
    treatments = [name for name in names if name != control]
    comparisons = {t: compare(arms[control], arms[t], kind, a, how) for t in treatments}

    defined = [t for t in treatments if not math.isnan(comparisons[t].p_value)]
    adjusted = dict.fromkeys(treatments, math.nan)
    if len(treatments) > 1:
        correction = "holm"
        holm_p = holm([comparisons[t].p_value for t in defined], a).p_adjusted
        adjusted.update(zip(defined, holm_p, strict=True))
    else:
        correction = "none"
        adjusted.update((t, comparisons[t].p_value) for t in defined)

    analyses: dict[str, VariantAnalysis] = {}
    for t in treatments:
        cmp = comparisons[t]
        enough = _enough(stats[control], stats[t], kind, floor, min_c)
        significant = bool(adjusted[t] < a)
        if not enough:
            verdict = "not enough data"
        elif significant:
            verdict = "treatment wins" if cmp.absolute_lift > 0 else "control wins"
        else:
            verdict = "no significant difference"
        analyses[t] = VariantAnalysis(
            name=t,
            comparison=cmp,
            p_adjusted=adjusted[t],
            significant=significant,
            enough_data=enough,
            verdict=verdict,
            sample_size_needed=_needed(cmp, arms[control], arms[t], a, pw),
        )

    verdicts = [v.verdict for v in analyses.values()]
    winners = [v for v in analyses.values() if v.verdict == "treatment wins"]
    winner = max(winners, key=lambda v: v.comparison.absolute_lift).name if winners else None
    if winner is not None:
        overall = "treatment wins"
    elif "not enough data" in verdicts:
        overall = "not enough data"
    elif "control wins" in verdicts:
        overall = "control wins"
    else:
        overall = "no significant difference"
    return ExperimentResult(
        metric=kind,
        control=control,
        alpha=a,
        correction=correction,
        variants=stats,
        comparisons=analyses,
        srm=srm,
        verdict=overall,
        winner=winner,
    )


def _arm(arms: Mapping[str, ArmStats], name: str) -> ArmStats:
    arm = arms[name]
    if not isinstance(arm, ArmStats):
        raise ValueError(f"arms[{name!r}]={arm!r} is not allowed; expected an ArmStats")
    return arm
