"""Differential tests of the A/B test calculators against scipy and statsmodels."""

from __future__ import annotations

import math
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats import proportion as sm_proportion
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from otel_measure.calculators.experiments import (
    CHANCE_METHODS,
    ArmStats,
    analyze_experiment,
    benjamini_hochberg,
    compare,
    holm,
    sample_size_means,
    sample_size_proportions,
    srm_test,
    two_proportion_ztest,
    welch_ttest,
)


def _close(actual: float, expected: float) -> None:
    """Assert equality to 1e-9 relative, treating NaN == NaN and matching infinities."""
    expected = float(expected)
    if math.isnan(expected):
        assert math.isnan(actual)
    elif math.isinf(expected):
        assert actual == expected
    else:
        assert actual == pytest.approx(expected, rel=1e-9, abs=1e-12)


@st.composite
def _counts(draw: st.DrawFn, max_n: int = 1_000_000) -> tuple[int, int]:
    """An (conversions, n) pair with 1 <= n and 0 <= conversions <= n."""
    n = draw(st.integers(1, max_n))
    return draw(st.integers(0, n)), n


@settings(max_examples=300, deadline=None)
@given(a=_counts(), b=_counts())
def test_ztest_pooled_matches_statsmodels(a: tuple[int, int], b: tuple[int, int]) -> None:
    """The pooled z-test equals proportions_ztest([conv_b, conv_a], [n_b, n_a])."""
    (ca, na), (cb, nb) = a, b
    ours = two_proportion_ztest(ca, na, cb, nb)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z, p = proportions_ztest([cb, ca], [nb, na])
    _close(ours.statistic, z)
    _close(ours.p_value, p)
    assert math.isnan(ours.df)


@settings(max_examples=200, deadline=None)
@given(a=_counts(), b=_counts())
def test_ztest_unpooled_matches_wald(a: tuple[int, int], b: tuple[int, int]) -> None:
    """The unpooled z-test equals statsmodels' Wald test for p_b − p_a."""
    (ca, na), (cb, nb) = a, b
    assume(0 < ca < na or 0 < cb < nb)  # statsmodels' Wald test needs a non-zero variance
    ours = two_proportion_ztest(ca, na, cb, nb, pooled=False)
    with np.errstate(all="ignore"):
        ref = sm_proportion.test_proportions_2indep(
            cb, nb, ca, na, method="wald", compare="diff", correction=False
        )
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)


def test_ztest_edge_cases() -> None:
    """Zero variance gives NaN without a difference and an infinite z with one."""
    assert math.isnan(two_proportion_ztest(0, 10, 0, 20).p_value)
    assert math.isnan(two_proportion_ztest(10, 10, 5, 5).statistic)
    inf = two_proportion_ztest(0, 10, 7, 7, pooled=False)
    assert inf.statistic == math.inf
    assert inf.p_value == 0.0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((5, 0, 1, 10), "n_a=0"),
        ((11, 10, 1, 10), "conv_a=11"),
        ((1, 10, -1, 10), "conv_b=-1"),
        ((1.5, 10, 1, 10), "conv_a=1.5"),
        ((True, 10, 1, 10), "conv_a=True"),
    ],
)
def test_ztest_bad_arguments(args: tuple[int, int, int, int], match: str) -> None:
    """Impossible counts raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        two_proportion_ztest(*args)


_mean = st.floats(-1e6, 1e6, allow_nan=False)
_var = st.one_of(st.just(0.0), st.floats(1e-6, 1e8))
_n = st.integers(2, 1_000_000)


@settings(max_examples=300, deadline=None)
@given(ma=_mean, va=_var, na=_n, mb=_mean, vb=_var, nb=_n)
def test_welch_matches_scipy(ma: float, va: float, na: int, mb: float, vb: float, nb: int) -> None:
    """Welch's t equals ttest_ind_from_stats(b, a, equal_var=False), df included."""
    ours = welch_ttest(ma, va, na, mb, vb, nb)
    with np.errstate(all="ignore"):
        ref = stats.ttest_ind_from_stats(
            mb, math.sqrt(vb), nb, ma, math.sqrt(va), na, equal_var=False
        )
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)
    vna, vnb = va / na, vb / nb
    with np.errstate(all="ignore"):
        df = np.float64(vna + vnb) ** 2 / (vna**2 / (na - 1) + vnb**2 / (nb - 1))
    _close(ours.df, 1.0 if np.isnan(df) else df)


def test_welch_bad_arguments() -> None:
    """n < 2, a negative variance or NaN raise ValueError naming the argument."""
    with pytest.raises(ValueError, match="n_b=1"):
        welch_ttest(0.0, 1.0, 5, 0.0, 1.0, 1)
    with pytest.raises(ValueError, match=r"var_a=-1\.0"):
        welch_ttest(0.0, -1.0, 5, 0.0, 1.0, 5)
    with pytest.raises(ValueError, match="mean_b=nan"):
        welch_ttest(0.0, 1.0, 5, math.nan, 1.0, 5)


@settings(max_examples=300, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.integers(0, 100_000), st.floats(0.01, 100.0)), min_size=2, max_size=6
    )
)
def test_srm_matches_scipy_chisquare(data: list[tuple[int, float]]) -> None:
    """The SRM statistic and p-value equal chisquare with expected = weight share × N."""
    observed = [o for o, _ in data]
    weights = [w for _, w in data]
    assume(sum(observed) > 0)
    ours = srm_test(observed, weights)
    expected = np.asarray(weights) / np.sum(weights) * np.sum(observed)
    ref = stats.chisquare(observed, expected)
    _close(ours.statistic, ref.statistic)
    _close(ours.p_value, ref.pvalue)
    assert ours.flagged == (ref.pvalue < 0.001)
    assert ours.df == len(observed) - 1
    np.testing.assert_allclose(ours.expected, expected, rtol=1e-12)


def test_srm_flags_a_skewed_split() -> None:
    """A 50/50 plan that delivered 5,300 vs 4,700 is flagged; 5,020 vs 4,980 is not."""
    assert srm_test([5300, 4700], [1, 1]).flagged
    assert not srm_test([5020, 4980], [0.5, 0.5]).flagged


@pytest.mark.parametrize(
    ("observed", "weights", "match"),
    [
        ([10], [1.0], "at least 2"),
        ([10, 10], [1.0], "weights has 1"),
        ([10, -1], [1.0, 1.0], r"observed_counts\[1\]=-1"),
        ([10, 10], [1.0, 0.0], r"weights\[1\]=0.0"),
        ([10, 10], [1.0, math.nan], r"weights\[1\]=nan"),
    ],
)
def test_srm_bad_arguments(observed: list[int], weights: list[float], match: str) -> None:
    """Mismatched or impossible SRM inputs raise ValueError."""
    with pytest.raises(ValueError, match=match):
        srm_test(observed, weights)


def test_srm_empty_experiment() -> None:
    """With no users at all the SRM p-value is NaN and nothing is flagged."""
    result = srm_test([0, 0], [1, 1])
    assert math.isnan(result.p_value)
    assert not result.flagged


_pvals = st.lists(
    st.one_of(
        st.floats(0.0, 1.0),
        st.sampled_from([0.0, 0.001, 0.01, 0.0125, 0.025, 0.05, 0.5, 1.0]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(p=_pvals, alpha=st.sampled_from([0.01, 0.05, 0.1, 0.2]))
def test_holm_and_bh_match_multipletests(p: list[float], alpha: float) -> None:
    """Holm and BH adjusted p-values and rejections equal statsmodels' multipletests."""
    for ours, method in ((holm(p, alpha), "holm"), (benjamini_hochberg(p, alpha), "fdr_bh")):
        if not p:
            assert ours.p_adjusted == ()
            continue
        # multipletests runs gc.collect() on every Holm call, which dominates the test time.
        with mock.patch("gc.collect", return_value=0):
            reject, adjusted, _, _ = multipletests(p, alpha=alpha, method=method)
        np.testing.assert_allclose(ours.p_adjusted, adjusted, rtol=1e-12, atol=0)
        assert list(ours.reject) == reject.tolist()


def test_holm_hand_computed() -> None:
    """Holm on (0.01, 0.04, 0.03) gives (0.03, 0.06, 0.06) and rejects only the first."""
    result = holm([0.01, 0.04, 0.03])
    assert result.p_adjusted == pytest.approx((0.03, 0.06, 0.06))
    assert result.reject == (True, False, False)


@pytest.mark.parametrize("bad", [[0.5, 1.5], [math.nan], [-0.1], ["0.1"]])
def test_multiple_testing_bad_p_values(bad: list[float]) -> None:
    """p-values outside [0, 1], NaN or non-numbers raise ValueError."""
    with pytest.raises(ValueError, match="p_values"):
        holm(bad)
    with pytest.raises(ValueError, match="p_values"):
        benjamini_hochberg(bad)


def _ceil_close(ours: int, exact: float) -> None:
    """ours == ceil(exact), allowing the neighbour when exact sits on an integer."""
    if abs(exact - round(exact)) < 1e-9 * max(1.0, exact):
        assert ours in {math.ceil(exact), math.ceil(exact) + 1, max(1, math.floor(exact))}
    else:
        assert ours == max(1, math.ceil(exact))


@settings(max_examples=300, deadline=None)
@given(
    p1=st.floats(0.0, 1.0),
    p2=st.floats(0.0, 1.0),
    alpha=st.floats(0.001, 0.2),
    power=st.floats(0.5, 0.99),
)
def test_sample_size_proportions_formula(p1: float, p2: float, alpha: float, power: float) -> None:
    """n equals the textbook formula evaluated with scipy's normal quantiles."""
    assume(abs(p1 - p2) > 1e-3)
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    exact = z**2 * (p1 * (1 - p1) + p2 * (1 - p2)) / (p1 - p2) ** 2
    _ceil_close(sample_size_proportions(p1, p2, alpha, power), exact)


@settings(max_examples=200, deadline=None)
@given(
    delta=st.floats(0.01, 100.0),
    va=st.floats(0.01, 1e4),
    vb=st.one_of(st.none(), st.floats(0.01, 1e4)),
)
def test_sample_size_means_formula(delta: float, va: float, vb: float | None) -> None:
    """The mean-metric n equals the formula with scipy quantiles (var_b defaults to var_a)."""
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    exact = z**2 * (va + (va if vb is None else vb)) / delta**2
    _ceil_close(sample_size_means(delta, va, vb), exact)


def test_sample_size_reaches_the_power() -> None:
    """At the returned n the normal-approximation power is at least 80 %, one less is not."""
    p1, p2 = 0.10, 0.12
    n = sample_size_proportions(p1, p2)

    def se(m: int) -> float:
        return math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / m)

    crit = stats.norm.ppf(0.975)
    assert stats.norm.sf(crit - (p2 - p1) / se(n)) >= 0.8
    assert stats.norm.sf(crit - (p2 - p1) / se(n - 1)) < 0.8


def test_sample_size_bad_arguments() -> None:
    """Equal rates, a zero delta or a bad power raise ValueError."""
    with pytest.raises(ValueError, match=r"p1=0\.1 equals p2=0\.1"):
        sample_size_proportions(0.1, 0.1)
    with pytest.raises(ValueError, match=r"p2=1\.5"):
        sample_size_proportions(0.1, 1.5)
    with pytest.raises(ValueError, match="delta=0"):
        sample_size_means(0.0, 1.0)
    with pytest.raises(ValueError, match=r"power=1\.0"):
        sample_size_proportions(0.1, 0.2, power=1.0)


_values = st.lists(
    st.one_of(st.floats(-1e6, 1e6), st.floats(1e6, 1e6 + 1.0), st.integers(0, 1)),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(left=_values, right=_values)
def test_armstats_merge_equals_concatenation(left: list[float], right: list[float]) -> None:
    """Merging two arms equals one arm over the concatenated values (numpy reference)."""
    a = ArmStats.from_values(left)
    a.merge(ArmStats.from_values(right))
    whole = np.asarray(left + right, dtype=float)
    assert a.n == len(whole)
    if len(whole) == 0:
        assert math.isnan(a.mean)
        return
    scale = float(np.sum(np.abs(whole)))
    assert a.total == pytest.approx(float(np.sum(whole)), rel=1e-9, abs=1e-12 * scale)
    assert a.mean == pytest.approx(float(np.mean(whole)), rel=1e-9, abs=1e-12 * scale)
    assert a.total_sq == pytest.approx(float(np.sum(whole**2)), rel=1e-9)
    if len(whole) >= 2:
        assert a.variance == pytest.approx(float(np.var(whole, ddof=1)), rel=1e-9, abs=1e-9)
    else:
        assert math.isnan(a.variance)
    assert a.is_binary == bool(np.all((whole == 0) | (whole == 1)))


def test_armstats_constructors_agree() -> None:
    """from_counts, from_sums and add() describe the same 0/1 arm."""
    values = [1, 0, 0, 1, 1, 0, 0]
    a = ArmStats.from_values(values)
    b = ArmStats.from_counts(7, 3)
    c = ArmStats.from_sums(7, 3.0, 3.0)
    for arm in (a, b, c):
        assert (arm.n, arm.total, arm.total_sq, arm.is_binary) == (7, 3.0, 3.0, True)
        assert arm.variance == pytest.approx(np.var(values, ddof=1))
    assert a.result().to_dict()["n"] == 7


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1", None])
def test_armstats_rejects_bad_values(bad: object) -> None:
    """NaN, inf and non-numbers raise ValueError and leave the arm unchanged."""
    arm = ArmStats()
    with pytest.raises(ValueError, match="value="):
        arm.add(bad)  # type: ignore[arg-type]
    assert arm.n == 0


def test_armstats_bad_constructors() -> None:
    """Impossible counts and sums raise ValueError."""
    with pytest.raises(ValueError, match="conversions=11"):
        ArmStats.from_counts(10, 11)
    with pytest.raises(ValueError, match=r"total_sq=-1\.0"):
        ArmStats.from_sums(3, 1.0, -1.0)
    with pytest.raises(ValueError, match="other="):
        ArmStats().merge(object())  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(a=_counts(100_000), b=_counts(100_000), alpha=st.sampled_from([0.01, 0.05, 0.1]))
def test_compare_conversion_matches_references(
    a: tuple[int, int], b: tuple[int, int], alpha: float
) -> None:
    """Conversion lift, intervals, p-value and chance to beat control equal scipy formulas."""
    (ca, na), (cb, nb) = a, b
    result = compare(ArmStats.from_counts(na, ca), ArmStats.from_counts(nb, cb), alpha=alpha,
                     method="pooled-z")
    pa, pb = ca / na, cb / nb
    va, vb = pa * (1 - pa), pb * (1 - pb)
    z = stats.norm.ppf(1 - alpha / 2)
    se = math.sqrt(va / na + vb / nb)
    delta = pb - pa
    _close(result.absolute_lift, delta)
    _close(result.absolute_lift_ci[0], delta - z * se)
    _close(result.absolute_lift_ci[1], delta + z * se)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, p = proportions_ztest([cb, ca], [nb, na])
    _close(result.p_value, p)
    assert result.significant == (p < alpha)
    if se > 0:
        _close(result.chance_to_beat_control, stats.norm.cdf(delta / se))
    assert result.chance_to_beat_control_method == CHANCE_METHODS["pooled-z"]
    if pa == 0:
        assert math.isnan(result.relative_lift)
        assert result.to_dict()["relative_lift"] is None
    else:
        rel_se = math.sqrt(vb / (nb * pa**2) + pb**2 * va / (na * pa**4))
        _close(result.relative_lift, delta / pa)
        _close(result.relative_lift_ci[0], delta / pa - z * rel_se)
        _close(result.relative_lift_ci[1], delta / pa + z * rel_se)


@settings(max_examples=200, deadline=None)
@given(
    a=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=50),
    b=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=50),
)
def test_compare_mean_matches_scipy_on_raw_data(a: list[float], b: list[float]) -> None:
    """Mean-metric lift and Welch p-value equal scipy's ttest_ind on the raw values."""
    xa, xb = np.asarray(a), np.asarray(b)
    assume(np.var(xa) > 1e-6 or np.var(xb) > 1e-6)
    result = compare(ArmStats.from_values(a), ArmStats.from_values(b), metric="mean",
                     method="welch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's near-constant-data notice
        ref = stats.ttest_ind(xb, xa, equal_var=False)
    scale = 1e-9 * (1.0 + float(np.max(np.abs(np.concatenate([xa, xb])))))
    assert result.absolute_lift == pytest.approx(xb.mean() - xa.mean(), rel=1e-9, abs=scale)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-7, abs=1e-12)
    assert result.df == pytest.approx(ref.df, rel=1e-7)
    se = math.sqrt(xa.var(ddof=1) / len(a) + xb.var(ddof=1) / len(b))
    z = stats.t.ppf(0.975, ref.df)  # the interval uses the test's own t distribution
    assert result.absolute_lift_ci[1] - result.absolute_lift_ci[0] == pytest.approx(
        2 * z * se, rel=1e-7
    )


def test_compare_bad_arguments() -> None:
    """Unknown metric, bad alpha and non-0/1 conversion data raise ValueError."""
    arm = ArmStats.from_counts(10, 3)
    with pytest.raises(ValueError, match="metric='ratio'"):
        compare(arm, arm, metric="ratio")
    with pytest.raises(ValueError, match="alpha=0"):
        compare(arm, arm, alpha=0)
    with pytest.raises(ValueError, match="0/1"):
        compare(arm, ArmStats.from_values([2.0, 3.0]))
    with pytest.raises(ValueError, match="treatment="):
        compare(arm, 3)  # type: ignore[arg-type]


def test_compare_empty_arm_is_nan() -> None:
    """An arm with no users yields NaN figures instead of an error."""
    result = compare(ArmStats.from_counts(100, 10), ArmStats())
    assert math.isnan(result.p_value)
    assert not result.significant
    assert math.isnan(result.chance_to_beat_control)


def test_analyze_single_treatment_wins() -> None:
    """A clear winner with enough data gets 'treatment wins' and a clean SRM."""
    arms = {
        "control": ArmStats.from_counts(10_000, 1_000),
        "treatment": ArmStats.from_counts(10_000, 1_200),
    }
    result = analyze_experiment(arms, method="pooled-z")
    analysis = result.comparisons["treatment"]
    _, p = proportions_ztest([1200, 1000], [10_000, 10_000])
    assert analysis.p_adjusted == pytest.approx(p, rel=1e-9)
    assert result.correction == "none"
    assert (result.verdict, result.winner) == ("treatment wins", "treatment")
    assert result.variants["control"].value == 0.1
    assert result.variants["control"].standard_error == pytest.approx(math.sqrt(0.09 / 10_000))
    # (z₀.₉₇₅ + z₀.₈)² (0.1·0.9 + 0.12·0.88) / 0.02² = 3838.10 with scipy's quantiles.
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    exact = z**2 * (0.1 * 0.9 + 0.12 * 0.88) / 0.02**2
    assert analysis.sample_size_needed == math.ceil(exact) == 3839
    assert not result.srm.flagged
    assert result.to_dict()["comparisons"]["treatment"]["verdict"] == "treatment wins"


def test_analyze_control_wins_and_no_difference() -> None:
    """A significantly worse treatment gives 'control wins'; equal arms give no difference."""
    worse = {
        "control": ArmStats.from_counts(10_000, 1_200),
        "treatment": ArmStats.from_counts(10_000, 1_000),
    }
    assert analyze_experiment(worse).verdict == "control wins"
    same = {
        "control": ArmStats.from_counts(10_000, 1_000),
        "treatment": ArmStats.from_counts(10_000, 1_010),
    }
    assert analyze_experiment(same).verdict == "no significant difference"


@pytest.mark.parametrize(
    ("control", "treatment", "enough"),
    [
        ((10_000, 149), (10_000, 140), False),  # metric total below 150 in both arms
        ((10_000, 150), (10_000, 140), True),  # the larger arm reaches 150
        ((4, 2), (10_000, 5_000), False),  # n < 5 in control
        ((10_000, 4), (10_000, 5_000), False),  # n·p < 5 in control
        ((200, 196), (10_000, 5_000), False),  # n·(1 − p) < 5 in control
        ((200, 195), (10_000, 5_000), True),
    ],
)
def test_analyze_not_enough_data_rules(
    control: tuple[int, int], treatment: tuple[int, int], enough: bool
) -> None:
    """The GrowthBook total and PostHog count rules decide 'not enough data' at their edges."""
    arms = {
        "control": ArmStats.from_counts(*control),
        "treatment": ArmStats.from_counts(*treatment),
    }
    result = analyze_experiment(arms, weights={"control": control[0], "treatment": treatment[0]})
    assert result.comparisons["treatment"].enough_data is enough
    assert (result.verdict == "not enough data") is not enough


def test_analyze_holm_and_srm_with_three_arms() -> None:
    """With two treatments the p-values are Holm-adjusted and SRM uses the weights."""
    counts = {"control": (5_000, 500), "a": (5_100, 560), "b": (10_300, 1_100)}
    arms = {k: ArmStats.from_counts(n, c) for k, (n, c) in counts.items()}
    weights = {"control": 1.0, "a": 1.0, "b": 2.0}
    result = analyze_experiment(arms, weights=weights, method="pooled-z")
    raw = [proportions_ztest([c, 500], [n, 5_000])[1] for n, c in (counts["a"], counts["b"])]
    _, adjusted, _, _ = multipletests(raw, method="holm")
    assert result.correction == "holm"
    assert result.comparisons["a"].p_adjusted == pytest.approx(adjusted[0], rel=1e-9)
    assert result.comparisons["b"].p_adjusted == pytest.approx(adjusted[1], rel=1e-9)
    for name, adj in zip(["a", "b"], adjusted, strict=True):
        assert result.comparisons[name].significant == (adj < 0.05)
    ref = stats.chisquare([5_000, 5_100, 10_300], np.array([1, 1, 2]) / 4 * 20_400)
    assert result.srm.p_value == pytest.approx(ref.pvalue, rel=1e-9)


def test_analyze_mean_metric() -> None:
    """A mean metric uses Welch's test on the arm statistics."""
    rng = np.random.default_rng(7)
    xa = rng.normal(10.0, 3.0, 400)
    xb = rng.normal(11.0, 4.0, 420)
    arms = {"control": ArmStats.from_values(xa), "treatment": ArmStats.from_values(xb)}
    result = analyze_experiment(arms, metric="mean", method="welch")
    ref = stats.ttest_ind(xb, xa, equal_var=False)
    assert result.comparisons["treatment"].comparison.p_value == pytest.approx(ref.pvalue, 1e-7)
    assert result.variants["treatment"].value == pytest.approx(xb.mean())
    assert result.verdict == "treatment wins"
    needed = result.comparisons["treatment"].sample_size_needed
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    exact = z**2 * (xa.var(ddof=1) + xb.var(ddof=1)) / (xb.mean() - xa.mean()) ** 2
    assert needed == math.ceil(exact)


def test_analyze_bad_arguments() -> None:
    """Unknown control, one arm, or weights for other arms raise ValueError."""
    arms = {"control": ArmStats.from_counts(10, 1), "t": ArmStats.from_counts(10, 2)}
    with pytest.raises(ValueError, match="control='base'"):
        analyze_experiment(arms, control="base")
    with pytest.raises(ValueError, match="arms="):
        analyze_experiment({"control": arms["control"]})
    with pytest.raises(ValueError, match="weights keys"):
        analyze_experiment(arms, weights={"control": 1.0, "x": 1.0})
    with pytest.raises(ValueError, match="ArmStats"):
        analyze_experiment({"control": arms["control"], "t": 5})  # type: ignore[dict-item]
