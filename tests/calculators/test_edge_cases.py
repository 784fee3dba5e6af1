"""Calculator edge cases and argument checks that the topic tests leave out.

Numeric cases are compared with scipy, numpy or sacrebleu; each bad argument must raise
ValueError naming the argument (the module's contract), so a dropped check fails here.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest
import sacrebleu
from scipy import special, stats

from otel_measure.calculators import stats as S
from otel_measure.calculators import stats_dist, stats_ks, stats_normal
from otel_measure.calculators.classification import ConfusionAccumulator, accuracy_metrics
from otel_measure.calculators.drift import (
    DRIFT_METHODS,
    _spellings,
    dataset_drift,
    drift_method,
    method_for,
)
from otel_measure.calculators.drift_bins import (
    CategoricalHistogram,
    NumericBinner,
    NumericHistogram,
    sturges_counts,
)
from otel_measure.calculators.drift_counts import counts_pair, ks_from_counts
from otel_measure.calculators.drift_raw import prepare_samples
from otel_measure.calculators.experiments_arms import ArmStats
from otel_measure.calculators.experiments_inference import (
    holm,
    sample_size_means,
    srm_test,
    two_proportion_ztest,
    welch_ttest,
)
from otel_measure.calculators.fairness import GroupConfusion, fairness_from_counts
from otel_measure.calculators.funnel import funnel
from otel_measure.calculators.nps import NPSAccumulator
from otel_measure.calculators.perplexity import PerplexityAccumulator
from otel_measure.calculators.retention import retention_table, to_posix
from otel_measure.calculators.text_bleu import BleuStats, corpus_bleu


def _not_iterable() -> object:
    return 42


def _failing_iter() -> Iterator[float]:
    raise TypeError("not today")
    yield 1.0  # pragma: no cover - makes this a generator


# --- special functions against scipy ---------------------------------------------------


@pytest.mark.parametrize(("a", "x"), [(0.5, 0.1), (3.0, 2.0), (3.0, 9.0), (40.0, 35.0),
                                      (40.0, 60.0), (200.0, 150.0), (7.0, 0.0)])
def test_incomplete_gamma_matches_scipy(a: float, x: float) -> None:
    """gamma_p and gamma_q equal scipy.special.gammainc / gammaincc."""
    assert S.gamma_p(a, x) == pytest.approx(special.gammainc(a, x), rel=1e-10, abs=1e-300)
    assert S.gamma_q(a, x) == pytest.approx(special.gammaincc(a, x), rel=1e-10, abs=1e-300)
    assert S.gamma_p(a, math.inf) == 1.0 and S.gamma_q(a, math.inf) == 0.0


@pytest.mark.parametrize(("a", "x", "match"), [(0.0, 1.0, "a=0.0"), (1.0, -1.0, "x=-1.0"),
                                               (math.inf, 1.0, "a=inf")])
def test_incomplete_gamma_rejects_bad_arguments(a: float, x: float, match: str) -> None:
    """A non-positive or infinite shape, or a negative x, raises naming the argument."""
    with pytest.raises(ValueError, match=match):
        S.gamma_p(a, x)
    with pytest.raises(ValueError, match=match):
        S.gamma_q(a, x)


def test_chi2_at_and_below_zero() -> None:
    """The chi-square CDF is 0 and the survival function 1 for x <= 0, like scipy."""
    for x in (0.0, -3.0):
        assert S.chi2_cdf(x, 4) == stats.chi2.cdf(x, 4) == 0.0
        assert S.chi2_sf(x, 4) == stats.chi2.sf(x, 4) == 1.0


def test_t_with_infinite_df_is_the_normal() -> None:
    """df = inf gives the normal distribution, as scipy.stats.t does."""
    for x in (-2.5, 0.3, 4.0):
        assert S.t_sf(x, math.inf) == pytest.approx(stats.norm.sf(x), rel=1e-12)
        assert S.t_cdf(x, math.inf) == pytest.approx(stats.norm.cdf(x), rel=1e-12)
    assert S.t_ppf(0.975, math.inf) == pytest.approx(stats.norm.ppf(0.975), rel=1e-12)


@pytest.mark.parametrize(("a", "b"), [(12.0, 30.0), (30.0, 12.0), (15.5, 1e6), (250.0, 250.0)])
def test_log_beta_of_two_large_shapes_matches_scipy(a: float, b: float) -> None:
    """log B(a, b) equals scipy.special.betaln when both shapes are large."""
    assert stats_dist.log_beta(a, b) == pytest.approx(special.betaln(a, b), rel=1e-10)


def test_normal_pdf_and_real_checks() -> None:
    """norm_pdf equals scipy; check_real refuses objects float() cannot take."""
    for x in (-3.0, 0.0, 1.5):
        assert stats_normal.norm_pdf(x) == pytest.approx(stats.norm.pdf(x), rel=1e-14)
    for bad in (object(), [1.0], complex(1, 1)):
        with pytest.raises(ValueError, match=r"x=.* expected a real number"):
            stats_normal.check_real("x", bad)
    with pytest.raises(ValueError, match="expected a real number"):
        stats_normal.norm_pdf("1.0")  # type: ignore[arg-type]


def test_kolmogorov_sf_just_above_the_underflow_limit() -> None:
    """Where the theta series underflows the survival function is 1.0, like scipy's."""
    x = math.pi / math.sqrt(8.0 * 745.5)
    assert S.kolmogorov_sf(x) == special.kolmogorov(x) == 1.0


@pytest.mark.parametrize(("n", "x"), [(2_000_000, 0.0004), (2_000_000, 0.001),
                                      (5_000_000, 0.0001)])
def test_smirnov_sf_beyond_a_million_matches_scipy(n: int, x: float) -> None:
    """For n > 10**6 the one-sided statistic uses scipy's closed-form approximation."""
    assert S.smirnov_sf(n, x) == pytest.approx(special.smirnov(n, x), rel=1e-9)


def test_kstwo_sf_at_the_ends() -> None:
    """P(D_n >= x) is 1 for x <= 0 and 0 for x >= 1, like scipy.stats.kstwo."""
    for n in (1, 5, 50):
        assert stats_ks.kstwo_sf(0.0, n) == stats.kstwo.sf(0.0, n) == 1.0
        assert stats_ks.kstwo_sf(1.0, n) == stats.kstwo.sf(1.0, n) == 0.0
    # Pelz-Good range (n > 10**5) so close to 0 that its series underflows: the sf is 1.
    assert stats_ks.kstwo_sf(1e-5, 10**6) == stats.kstwo.sf(1e-5, 10**6) == 1.0


# --- small statistics ----------------------------------------------------------------


def test_finite_floats_and_mean_std_reject_bad_arguments() -> None:
    """Strings, non-iterables and bad ddof raise, naming the argument."""
    with pytest.raises(ValueError, match="values='abc'"):
        S.finite_floats("values", "abc")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="values=42"):
        S.finite_floats("values", _not_iterable())  # type: ignore[arg-type]
    for ddof in (-1, True, 1.0):
        with pytest.raises(ValueError, match="ddof="):
            S.mean_std([1.0, 2.0, 3.0], ddof=ddof)  # type: ignore[arg-type]


# --- classification ------------------------------------------------------------------


def test_confusion_accumulator_checks_and_zero_counts() -> None:
    """from_counts refuses non-mappings and non-pairs; zero counts add nothing."""
    with pytest.raises(ValueError, match=r"counts=.*not a mapping"):
        ConfusionAccumulator.from_counts([((1, 1), 2)])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"counts key 1 is not a .true, pred. pair"):
        ConfusionAccumulator.from_counts({1: 2})  # type: ignore[dict-item]
    acc = ConfusionAccumulator.from_counts({(1, 1): 3, (0, 1): 0, (0, 0): 2})
    assert dict(acc.counts) == {(1, 1): 3, (0, 0): 2}
    with pytest.raises(ValueError, match="labels must be hashable"):
        acc.add([bytearray(b"a")], [1])


@pytest.mark.parametrize("bad", [None, [0.0], "nan", 0.5])
def test_zero_division_values_are_checked(bad: object) -> None:
    """zero_division takes only 0.0, 1.0, nan or 'warn'."""
    with pytest.raises(ValueError, match="zero_division="):
        accuracy_metrics([1, 0], [1, 1], zero_division=bad)  # type: ignore[arg-type]


# --- drift --------------------------------------------------------------------------


def test_drift_table_checks() -> None:
    """Infinite thresholds, reused spellings, bad sizes and bad results raise."""
    ks = drift_method("ks")
    with pytest.raises(ValueError, match="threshold=inf"):
        ks.limit(math.inf)
    assert ks.limit(0.01) == 0.01
    with pytest.raises(ValueError, match="spelling 'ks' is used twice"):
        _spellings((*DRIFT_METHODS.values(),
                    dataclasses.replace(ks, name="ks2", aliases=("ks",))))
    for size in (0, True, 1.5):
        with pytest.raises(ValueError, match="baseline_size="):
            method_for(size, 3, numeric=True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"results\['x'\]=1 is not allowed"):
        dataset_drift({"x": 1})  # type: ignore[dict-item]


def test_histogram_checks() -> None:
    """Empty edges or baselines, foreign merges and string categories raise."""
    with pytest.raises(ValueError, match="edges=\\(\\)"):
        NumericHistogram([])
    with pytest.raises(ValueError, match="values=\\[\\]"):
        NumericBinner.from_baseline([])
    numeric = NumericHistogram([0.0, 1.0])
    categorical = CategoricalHistogram(["a", "b"])
    with pytest.raises(ValueError, match="expected a NumericHistogram"):
        numeric.merge(categorical)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="categories='ab'"):
        CategoricalHistogram("ab")
    with pytest.raises(ValueError, match="value="):
        categorical.add([1])  # type: ignore[arg-type]
    categorical.update(["a", "b", "c"])
    assert categorical.total == 3 == sum(categorical.counts())


@pytest.mark.parametrize(("base", "cur"), [([3, 3, 3], [3, 3]), ([1, 2], [1, 2, 3]),
                                           ([1.5, 1.5], [1.5])])
def test_sturges_counts_match_numpy(base: list[float], cur: list[float]) -> None:
    """Evidently's binning equals numpy's 'sturges' edges (integer width >= 1, flat range)."""
    edges = np.histogram_bin_edges(np.asarray(base + cur), bins="sturges")
    want_b = np.histogram(base, bins=edges)[0].tolist()
    want_c = np.histogram(cur, bins=edges)[0].tolist()
    assert sturges_counts(base, cur) == (want_b, want_c)


def test_counts_checks_and_ks_without_p_value() -> None:
    """Counts must be sequences with positive totals; with_p_value=False skips the p-value."""
    with pytest.raises(ValueError, match="baseline_counts='12'"):
        counts_pair("12", [1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"current_counts=.*positive total"):
        counts_pair([1, 2], [0, 0])
    fast = ks_from_counts([5, 5, 0], [0, 5, 5], with_p_value=False)
    assert fast.p_value is None and fast.statistic == 0.5
    assert ks_from_counts([5, 5, 0], [0, 5, 5]).statistic == 0.5


def test_prepare_samples_refuses_strings_and_non_iterables() -> None:
    """Raw samples must be iterables of values, not a string or a number."""
    with pytest.raises(ValueError, match="baseline='abc'"):
        prepare_samples("abc", [1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="current=42 is not allowed; expected values"):
        prepare_samples([1.0], _not_iterable())  # type: ignore[arg-type]


# --- experiments --------------------------------------------------------------------


def test_arm_stats_empty_and_checks() -> None:
    """Empty arms have zero sums; sums with n = 0 must be zero."""
    empty = ArmStats.from_counts(0, 0)
    assert (empty.n, empty.total) == (0, 0.0)
    assert ArmStats.from_sums(0, 0.0, 0.0).total_sq == 0.0
    with pytest.raises(ValueError, match="must be 0 when n=0"):
        ArmStats.from_sums(0, 1.0, 1.0)


def test_inference_argument_checks() -> None:
    """Each test names the bad argument."""
    with pytest.raises(ValueError, match=r"conv_b=6 .* exceeds n_b=5"):
        two_proportion_ztest(1, 5, 6, 5)
    with pytest.raises(ValueError, match="var_b=-1"):
        welch_ttest(0.0, 1.0, 10, 0.0, -1.0, 10)
    with pytest.raises(ValueError, match="observed_counts and weights"):
        srm_test("12", [1.0, 1.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"p_values='0.1'"):
        holm("0.1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variances must be >= 0"):
        sample_size_means(1.0, -1.0)


# --- fairness, funnel, perplexity, retention, NPS, BLEU ------------------------------


def test_fairness_argument_checks() -> None:
    """Unknown groups, foreign merges and malformed counts raise."""
    acc = GroupConfusion()
    acc.add("a", 1, 1)
    acc.add("b", 0, 1)
    result = acc.result()
    assert result.group("a").group == "a"
    with pytest.raises(ValueError, match="group='c' is not one of"):
        result.group("c")
    with pytest.raises(ValueError, match="expected a GroupConfusion"):
        acc.merge({"a": (1, 0, 0, 0)})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"counts\['a'\]=\(1, 2\)"):
        fairness_from_counts({"a": (1, 2)})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="counts=\\[\\] is not allowed"):
        fairness_from_counts([])  # type: ignore[arg-type]


def test_funnel_window_must_be_a_number() -> None:
    """window_s must be a positive number, not a string or bool."""
    for bad in ("14d", True, None):
        with pytest.raises(ValueError, match="window_s="):
            funnel([], ["a", "b"], window_s=bad)  # type: ignore[arg-type]


def test_perplexity_sequence_count_and_checks() -> None:
    """sequence_count counts added sequences; a number is not a sequence."""
    acc = PerplexityAccumulator()
    acc.add([-0.5, -1.0])
    acc.add([-2.0])
    assert acc.sequence_count == 2
    with pytest.raises(ValueError, match="not a sequence of log-probabilities"):
        acc.add(3.0)  # type: ignore[arg-type]


def test_to_posix_takes_finite_seconds() -> None:
    """POSIX seconds of any real type pass through; non-finite ones and bools raise."""
    assert to_posix("t", 1_700_000_000) == 1_700_000_000.0
    assert to_posix("t", 1.5) == 1.5
    assert to_posix("t", np.float32(2.5)) == 2.5
    assert to_posix("t", Fraction(7, 2)) == 3.5
    for bad in (math.inf, np.float32("inf")):
        with pytest.raises(ValueError, match=r"t=.* expected a finite timestamp"):
            to_posix("t", bad)
    for bad in (True, "1.5", None):
        with pytest.raises(ValueError, match="expected POSIX seconds or an aware datetime"):
            to_posix("t", bad)


def test_users_first_seen_after_now_are_left_out() -> None:
    """A first-seen time after ``now`` puts the user in no cohort (retention_table's rule)."""
    day = 86_400.0
    table = retention_table({"a": 0.0, "b": 5 * day}, [("a", 0.0), ("a", day), ("b", 5 * day)],
                            periods=3, now=2 * day + 1)
    assert [c.size for c in table.cohorts] == [1]
    assert table.cohorts[0].active == (1, 1, 0)


def test_nps_accumulator_properties() -> None:
    """The bucket properties are the counts added."""
    acc = NPSAccumulator()
    for score in (10, 9, 8, 3, 0):
        acc.add(score)
    assert (acc.promoters, acc.passives, acc.detractors, acc.n) == (2, 1, 2, 5)


def test_bleu_stats_match_sacrebleu_and_checks() -> None:
    """Accumulated lengths and n-gram counts equal sacrebleu's; bad arguments raise."""
    hyps = ["the cat sat on the mat", "a quick brown fox jumps"]
    refs = ["the cat is on the mat", "the quick brown fox jumped"]
    acc = BleuStats()
    for h, r in zip(hyps, refs, strict=True):
        acc.add(h, [r])
    want = sacrebleu.corpus_bleu(hyps, [refs])
    assert (acc.sys_len, acc.ref_len) == (want.sys_len, want.ref_len)
    assert acc.matches == tuple(want.counts) and acc.totals == tuple(want.totals)
    with pytest.raises(ValueError, match=r"references\[0\]=3 is not a string"):
        acc.add("x", [3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="segments=-1"):
        BleuStats.from_stats([0] * 10, segments=-1)
    assert corpus_bleu(hyps, [refs]).score == pytest.approx(want.score / 100, abs=1e-12)


def test_failing_iterators_raise_value_error() -> None:
    """An iterator that raises TypeError is reported as a bad argument."""
    with pytest.raises(ValueError, match="values="):
        S.finite_floats("values", _failing_iter())


def test_ints_too_big_for_a_float_are_refused_by_name() -> None:
    """An int beyond the float range is not finite: it is refused, naming the argument."""
    from otel_measure.calculators.experiments_inference import check_finite

    big = 10**400
    with pytest.raises(ValueError, match=r"^window_s=1000"):
        funnel([], ["a", "b"], window_s=big)
    with pytest.raises(ValueError, match=r"^t=1000.* expected a finite timestamp$"):
        to_posix("t", big)
    for value in (big, -big):
        with pytest.raises(ValueError, match=r"^x=-?1000.* expected a finite number$"):
            check_finite("x", value)


def test_fine_drift_argument_checks_and_gaps() -> None:
    """Fine counts must share one layout; a value on a point has no gap; std must be >= 0."""
    from otel_measure.calculators.drift_fine import (
        FineCounts,
        FineLayout,
        ks_fine,
        wasserstein_fine,
    )

    layout = FineLayout([1.0, 2.0, 4.0])
    on_point = layout.index(2.0)
    assert on_point == 3 and layout.gap(on_point, 2.0) == 0.0
    assert layout.gap(layout.index(3.0), 3.0) == 1.0  # the gap closes at the point 4.0
    assert layout.gap(layout.index(6.0), 6.0) == 2.0  # above the last point
    base, cur = FineCounts(layout, [1.0, 2.0]), FineCounts(layout, [4.0])
    with pytest.raises(ValueError, match=r"^baseline and current must be FineCounts$"):
        ks_fine([1.0], cur)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^baseline and current must share one FineLayout$"):
        ks_fine(base, FineCounts(FineLayout([1.0, 2.0, 4.0]), [4.0]))
    for bad in (math.nan, -1.0, math.inf):
        with pytest.raises(ValueError, match=r"^baseline_std=.* expected a number >= 0$"):
            wasserstein_fine(base, cur, bad)


def test_pooled_z_with_an_empty_arm_has_no_test() -> None:
    """A pooled z-test with an empty arm gives NaN statistic and p-value, not an error."""
    from otel_measure.calculators.experiments_compare import compare

    result = compare(ArmStats.from_counts(100, 10), ArmStats(), method="pooled-z")
    assert math.isnan(result.p_value)


def test_huge_reals_overflowing_float_are_refused() -> None:
    """A real too big for a float is +inf: not a finite timestamp, not a log-probability."""
    with pytest.raises(ValueError, match=r"^t=Fraction\(1000.* expected a finite timestamp$"):
        to_posix("t", Fraction(10**400))
    with pytest.raises(ValueError, match=r"^token_logprobs\[0\]=1000.* is not a log-probability"):
        PerplexityAccumulator().add([10**400])


def test_a_log_probability_below_the_float_range_is_minus_infinity() -> None:
    """-(10**400) is a probability of 0, like -inf: infinite perplexity, never OverflowError."""
    huge = PerplexityAccumulator()
    huge.add([-(10**400), -1.0])
    ref = PerplexityAccumulator()
    ref.add([-math.inf, -1.0])
    assert huge.result().perplexity == ref.result().perplexity == math.inf
    assert huge.result().log_prob_sum == -math.inf
