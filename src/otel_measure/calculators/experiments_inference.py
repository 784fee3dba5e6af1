"""Frequentist building blocks for A/B tests, from summary statistics only.

Each function equals its statsmodels / scipy counterpart (named in its docstring) to
floating-point accuracy. Statistics are signed "treatment (b) minus control (a)" throughout.
Import these through :mod:`otel_measure.calculators.experiments`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.stats import chi2_sf, norm_ppf, norm_sf, t_sf

__all__ = [
    "SRM_THRESHOLD",
    "MultipleTestResult",
    "SRMResult",
    "TestResult",
    "benjamini_hochberg",
    "check_count",
    "check_finite",
    "check_probability",
    "holm",
    "sample_size_means",
    "sample_size_proportions",
    "srm_test",
    "two_proportion_ztest",
    "weights_for",
    "welch_ttest",
]

SRM_THRESHOLD = 0.001


@dataclass(frozen=True)
class TestResult(Result):
    """Outcome of a two-sample test.

    Attributes:
        statistic: Test statistic, positive when b exceeds a.
        p_value: Two-sided p-value.
        df: Degrees of freedom (NaN for z-tests).
    """

    statistic: float
    p_value: float
    df: float


@dataclass(frozen=True)
class SRMResult(Result):
    """Sample-ratio-mismatch chi-square test.

    Attributes:
        statistic: Σ (o − e)² / e.
        p_value: Chi-square survival function at the statistic, df = k − 1.
        df: Number of arms minus one.
        expected: Expected counts, weight share × N.
        flagged: True when p < 0.001.
    """

    statistic: float
    p_value: float
    df: int
    expected: tuple[float, ...]
    flagged: bool


@dataclass(frozen=True)
class MultipleTestResult(Result):
    """Adjusted p-values and rejections, in the input order."""

    p_adjusted: tuple[float, ...]
    reject: tuple[bool, ...]
    alpha: float


def check_finite(name: str, value: object) -> float:
    """Return ``value`` as a finite float, or raise ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}={value!r} is not allowed; expected a finite number")
    try:
        out = float(value)
    except OverflowError:  # an int too big for a float
        out = math.inf
    if not math.isfinite(out):
        raise ValueError(f"{name}={value!r} is not allowed; expected a finite number")
    return out


def check_count(name: str, value: object, minimum: int = 0) -> int:
    """Return ``value`` as an int >= ``minimum`` (bools refused), or raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed; expected an integer >= {minimum}")
    return int(value)


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a float strictly between 0 and 1, or raise ValueError."""
    out = check_finite(name, value)
    if not 0.0 < out < 1.0:
        raise ValueError(f"{name}={value!r} is not allowed; expected a number in (0, 1)")
    return out


def _two_sided_normal(z: float) -> float:
    return math.nan if math.isnan(z) else 2.0 * norm_sf(abs(z))


def two_proportion_ztest(
    conv_a: int, n_a: int, conv_b: int, n_b: int, pooled: bool = True
) -> TestResult:
    """Two-sided z-test for p_b − p_a.

    Pooled, equals ``statsmodels.stats.proportion.proportions_ztest([conv_b, conv_a],
    [n_b, n_a])``: Var = p̂(1 − p̂)(1/n_a + 1/n_b) with p̂ the pooled rate. Unpooled, the
    Wald form Var = p_a(1 − p_a)/n_a + p_b(1 − p_b)/n_b (statsmodels
    ``test_proportions_2indep(..., method='wald')``). A zero variance with no difference
    gives NaN statistic and p-value; with a difference, ±inf and p = 0.

    Raises:
        ValueError: Counts are not integers with 0 <= conv <= n and n >= 1.
    """
    na = check_count("n_a", n_a, 1)
    nb = check_count("n_b", n_b, 1)
    ca = check_count("conv_a", conv_a)
    cb = check_count("conv_b", conv_b)
    if ca > na:
        raise ValueError(f"conv_a={conv_a!r} is not allowed; it exceeds n_a={n_a!r}")
    if cb > nb:
        raise ValueError(f"conv_b={conv_b!r} is not allowed; it exceeds n_b={n_b!r}")
    pa = ca / na
    pb = cb / nb
    diff = pb - pa
    if pooled:
        p = (ca + cb) / (na + nb)
        var = p * (1.0 - p) * (1.0 / nb + 1.0 / na)
    else:
        var = pa * (1.0 - pa) / na + pb * (1.0 - pb) / nb
    z = _ratio(diff, math.sqrt(var))
    return TestResult(z, _two_sided_normal(z), math.nan)


def _ratio(num: float, den: float) -> float:
    """IEEE division: x/0 is ±inf, 0/0 is NaN (as numpy does it)."""
    if den != 0.0:
        return num / den
    if num == 0.0 or math.isnan(num):
        return math.nan
    return math.copysign(math.inf, num)


def welch_ttest(
    mean_a: float, var_a: float, n_a: int, mean_b: float, var_b: float, n_b: int
) -> TestResult:
    """Welch's unequal-variance t-test for mean_b − mean_a.

    Equals ``scipy.stats.ttest_ind_from_stats(mean_b, sqrt(var_b), n_b, mean_a,
    sqrt(var_a), n_a, equal_var=False)``, Welch–Satterthwaite df included. When both
    variances are zero the df is 1 (scipy's choice), the statistic ±inf or NaN.

    Raises:
        ValueError: Non-finite means or variances, negative variance, or n < 2.
    """
    ma = check_finite("mean_a", mean_a)
    mb = check_finite("mean_b", mean_b)
    va = check_finite("var_a", var_a)
    vb = check_finite("var_b", var_b)
    if va < 0:
        raise ValueError(f"var_a={var_a!r} is not allowed; expected a variance >= 0")
    if vb < 0:
        raise ValueError(f"var_b={var_b!r} is not allowed; expected a variance >= 0")
    na = check_count("n_a", n_a, 2)
    nb = check_count("n_b", n_b, 2)
    vna = va / na
    vnb = vb / nb
    den_df = vna * vna / (na - 1) + vnb * vnb / (nb - 1)
    total = vna + vnb
    num = total * total
    # As scipy: 0/0 (both variances zero) becomes df = 1; x/0 from underflow stays inf.
    df = num / den_df if den_df > 0 else (1.0 if num == 0 else math.inf)
    t = _ratio(mb - ma, math.sqrt(vna + vnb))
    p = math.nan if math.isnan(t) else min(1.0, 2.0 * t_sf(abs(t), df))
    return TestResult(t, p, df)


def srm_test(observed_counts: Sequence[int], weights: Sequence[float]) -> SRMResult:
    """Chi-square goodness-of-fit test of arm sizes against the planned split.

    Equals ``scipy.stats.chisquare(observed, expected)`` with expected = weight share × N;
    flagged when p < 0.001. With N = 0 the statistic and p-value are NaN and nothing is
    flagged.

    Raises:
        ValueError: Fewer than two arms, mismatched lengths, negative or non-integer counts,
            or non-positive weights.
    """
    if isinstance(observed_counts, (str, bytes)) or isinstance(weights, (str, bytes)):
        raise ValueError("observed_counts and weights must be sequences of numbers")
    obs = [check_count(f"observed_counts[{i}]", c) for i, c in enumerate(observed_counts)]
    wts = [check_finite(f"weights[{i}]", w) for i, w in enumerate(weights)]
    if len(obs) < 2:
        raise ValueError(f"observed_counts has {len(obs)} arm(s); expected at least 2")
    if len(wts) != len(obs):
        raise ValueError(
            f"weights has {len(wts)} entries but observed_counts has {len(obs)}; they must match"
        )
    for i, w in enumerate(wts):
        if w <= 0:
            raise ValueError(f"weights[{i}]={w!r} is not allowed; expected a positive number")
    total_w = math.fsum(wts)
    n = sum(obs)
    expected = tuple(w / total_w * n for w in wts)
    df = len(obs) - 1
    if n == 0:
        return SRMResult(math.nan, math.nan, df, expected, False)
    stat = math.fsum((o - e) ** 2 / e for o, e in zip(obs, expected, strict=True))
    p = chi2_sf(stat, df)
    return SRMResult(stat, p, df, expected, p < SRM_THRESHOLD)


def _p_values(p_values: Sequence[float], alpha: float) -> tuple[list[float], float]:
    if isinstance(p_values, (str, bytes)):
        raise ValueError(f"p_values={p_values!r} is not allowed; expected numbers in [0, 1]")
    ps = [check_finite(f"p_values[{i}]", p) for i, p in enumerate(p_values)]
    for i, p in enumerate(ps):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p_values[{i}]={p!r} is not allowed; expected a number in [0, 1]")
    return ps, check_probability("alpha", alpha)


def holm(p_values: Sequence[float], alpha: float = 0.05) -> MultipleTestResult:
    """Holm step-down correction, equal to statsmodels ``multipletests(method='holm')``.

    The i-th smallest p-value (1-based) is scaled by m − i + 1, made non-decreasing and
    capped at 1; rejection stops at the first p > alpha / (m − i + 1).

    Raises:
        ValueError: A p-value outside [0, 1] or NaN, or alpha not in (0, 1).
    """
    ps, a = _p_values(p_values, alpha)
    m = len(ps)
    order = sorted(range(m), key=ps.__getitem__)
    adjusted = [0.0] * m
    reject = [False] * m
    running = 0.0
    stepping = True
    for rank, idx in enumerate(order):
        k = m - rank
        stepping = stepping and not ps[idx] > a / k
        running = max(running, ps[idx] * k)
        adjusted[idx] = min(1.0, running)
        reject[idx] = stepping
    return MultipleTestResult(tuple(adjusted), tuple(reject), a)


def benjamini_hochberg(p_values: Sequence[float], alpha: float = 0.05) -> MultipleTestResult:
    """Benjamini–Hochberg step-up FDR correction, equal to ``multipletests(method='fdr_bh')``.

    The i-th smallest p-value is scaled by m / i, made non-decreasing from the top and capped
    at 1; every p-value up to the largest with p_(i) <= (i / m) alpha is rejected.

    Raises:
        ValueError: A p-value outside [0, 1] or NaN, or alpha not in (0, 1).
    """
    ps, a = _p_values(p_values, alpha)
    m = len(ps)
    order = sorted(range(m), key=ps.__getitem__)
    adjusted = [0.0] * m
    reject = [False] * m
    last = -1
    for rank, idx in enumerate(order):
        if ps[idx] <= (rank + 1) / m * a:
            last = rank
    running = math.inf
    for rank in range(m - 1, -1, -1):
        idx = order[rank]
        running = min(running, ps[idx] / ((rank + 1) / m))
        adjusted[idx] = min(1.0, running)
        reject[idx] = rank <= last
    return MultipleTestResult(tuple(adjusted), tuple(reject), a)


def _z_sum(alpha: float, power: float) -> float:
    a = check_probability("alpha", alpha)
    b = check_probability("power", power)
    return norm_ppf(1.0 - a / 2.0) + norm_ppf(b)


def sample_size_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Users per arm to detect p1 vs p2 with a two-sided test.

    n = (z₁₋α/₂ + z_power)² (p₁q₁ + p₂q₂) / (p₁ − p₂)², rounded up.

    Raises:
        ValueError: A rate outside [0, 1], equal rates, or alpha/power not in (0, 1).
    """
    a = check_finite("p1", p1)
    b = check_finite("p2", p2)
    for name, v in (("p1", a), ("p2", b)):
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"{name}={v!r} is not allowed; expected a rate in [0, 1]")
    if a == b:
        raise ValueError(f"p1={p1!r} equals p2={p2!r}; no effect to detect")
    z = _z_sum(alpha, power)
    return max(1, math.ceil(z * z * (a * (1 - a) + b * (1 - b)) / ((a - b) * (a - b))))


def sample_size_means(
    delta: float,
    var_a: float,
    var_b: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> int:
    """Users per arm to detect a mean difference ``delta`` with a two-sided test.

    n = (z₁₋α/₂ + z_power)² (σ_a² + σ_b²) / δ², rounded up; ``var_b`` defaults to ``var_a``.

    Raises:
        ValueError: delta is 0 or not finite, a negative variance, or alpha/power not in (0, 1).
    """
    d = check_finite("delta", delta)
    va = check_finite("var_a", var_a)
    vb = va if var_b is None else check_finite("var_b", var_b)
    if d == 0:
        raise ValueError("delta=0 is not allowed; no effect to detect")
    if va < 0 or vb < 0:
        raise ValueError(f"var_a={var_a!r}, var_b={var_b!r}: variances must be >= 0")
    z = _z_sum(alpha, power)
    return max(1, math.ceil(z * z * (va + vb) / (d * d)))


def weights_for(names: Sequence[str], weights: Mapping[str, float] | None) -> list[float]:
    """Return the planned split in ``names`` order (equal when ``weights`` is None)."""
    if weights is None:
        return [1.0] * len(names)
    if set(weights) != set(names):
        raise ValueError(
            f"weights keys {sorted(weights)!r} do not match the arms {sorted(names)!r}"
        )
    return [weights[name] for name in names]
