"""Promises that mutation testing (bench/mutation.sh) found no test holding.

Each test names what it pins; docs/testing.md lists the mutants still surviving.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats
from scipy.spatial import distance
from statsmodels.stats.proportion import proportions_ztest

from otel_measure.calculators import drift_counts as C
from otel_measure.calculators import stats_normal
from otel_measure.calculators.drift_bins import CategoricalHistogram, NumericHistogram
from otel_measure.calculators.fairness import (
    ConfusionCounts,
    GroupConfusion,
    fairness_from_counts,
    fairness_metrics,
)
from otel_measure.calculators.nps import nps_from_counts


def test_every_counts_result_reports_its_method_sizes_bins_and_df() -> None:
    """Each statistic from counts names its method, both totals, the bins kept and df."""
    base, cur = [3, 0, 5], [2, 0, 6]  # the middle bin is empty in both: 2 bins are kept
    b, c = np.array([3.0, 5.0]), np.array([2.0, 6.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        z_want = proportions_ztest([5, 6], [8, 8])
    expected = {
        C.psi: ("psi", None, None),
        C.jensen_shannon: ("jensenshannon", distance.jensenshannon(b, c), None),
        C.hellinger: ("hellinger", None, None),
        C.chi_square: ("chisquare", stats.chisquare(c, b).statistic, 1),
        C.two_proportion_z: ("z", z_want[0], None),
        C.ks_from_counts: ("ks_binned", 1 / 8, None),
    }
    for func, (method, statistic, df) in expected.items():
        result = func(base, cur)
        assert (result.method, result.baseline_size, result.current_size, result.bins,
                result.df) == (method, 8.0, 8.0, 2, df), func.__name__
        if statistic is not None:
            assert result.statistic == pytest.approx(statistic, rel=1e-12), func.__name__
    assert C.two_proportion_z(base, cur).p_value == pytest.approx(z_want[1], rel=1e-12)


def test_two_proportion_z_with_one_category_and_too_many() -> None:
    """One category left gives z = 0, p = 1 on one bin; three bins name the chi-square."""
    single = C.two_proportion_z([0, 7], [0, 4])
    assert (single.method, single.statistic, single.p_value, single.baseline_size,
            single.current_size, single.bins) == ("z", 0.0, 1.0, 7.0, 4.0, 1)
    with pytest.raises(ValueError, match=r"hold 3 non-empty bins; .* at most 2 categories "
                                         r"\(use chi_square\)"):
        C.two_proportion_z([1, 1, 1], [1, 1, 1])


def test_merge_adds_groups_the_target_has_not_seen() -> None:
    """Merging brings in groups only the other accumulator has, with their exact counts."""
    a, b = GroupConfusion(), GroupConfusion()
    a.add("north", 1, 1)
    for pred, label in ((1, 1), (1, 0), (0, 0), (0, 1), (0, 1)):
        b.add("south", pred, label)
    b.add("north", 0, 0)
    a.merge(b)
    counts = a.counts()
    assert counts["south"] == ConfusionCounts(tp=1, fp=1, tn=1, fn=2)
    assert counts["north"] == ConfusionCounts(tp=1, fp=0, tn=1, fn=0)
    assert b.counts()["south"] == ConfusionCounts(1, 1, 1, 2)  # the source is unchanged


def test_normal_functions_name_their_argument() -> None:
    """A bad argument is named in the message (x for the density and distribution)."""
    for func in (stats_normal.norm_pdf, stats_normal.norm_cdf, stats_normal.norm_sf):
        with pytest.raises(ValueError, match=r"^x='1' is not allowed; expected a real number$"):
            func("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^p=nan is not allowed; expected a number, not NaN$"):
        stats_normal.norm_ppf(math.nan)


def test_chi_square_special_cases_report_every_field() -> None:
    """Expected-zero and single-bin chi-square results keep method, sizes, bins and df."""
    inf = C.chi_square([10, 10, 0], [5, 5, 2])
    assert (inf.method, inf.statistic, inf.p_value, inf.baseline_size, inf.current_size,
            inf.bins, inf.df) == ("chisquare", math.inf, 0.0, 20.0, 12.0, 3, 2)
    one = C.chi_square([4, 0], [9, 0])
    assert (one.method, one.statistic, one.p_value, one.baseline_size, one.current_size,
            one.bins, one.df) == ("chisquare", 0.0, 1.0, 4.0, 9.0, 1, 0)


def test_binned_ks_p_value_uses_at_least_one_effective_observation() -> None:
    """n·m/(n+m) rounds to 1 here: the p-value is kstwo.sf(D, 1), as whylogs computes it."""
    result = C.ks_from_counts([1, 0], [1, 1])
    assert result.statistic == 0.5
    assert result.p_value == pytest.approx(stats.kstwo.sf(0.5, 1), abs=1e-12)
    assert result.p_value != pytest.approx(stats.kstwo.sf(0.5, 2), abs=1e-3)


def test_nps_result_fields_with_and_without_responses() -> None:
    """Every field of an empty panel is NaN (counts 0), and the confidence and z are kept."""
    empty = nps_from_counts(0, 0, 0, confidence=0.9)
    z90 = stats.norm.ppf(0.95)
    assert (empty.n, empty.promoters, empty.passives, empty.detractors) == (0, 0, 0, 0)
    for value in (empty.nps, empty.promoter_share, empty.passive_share, empty.detractor_share,
                  empty.margin_of_error, empty.ci_low, empty.ci_high):
        assert isinstance(value, float) and math.isnan(value)
    assert empty.confidence == 0.9 and empty.z == pytest.approx(z90, rel=1e-12)
    full = nps_from_counts(5, 3, 2, confidence=0.9)
    assert full.confidence == 0.9 and full.z == pytest.approx(z90, rel=1e-12)


@pytest.mark.parametrize("bad", ["0.9", True, None, 0.0, 1.0, math.nan])
def test_nps_confidence_must_be_a_number_in_the_open_interval(bad: object) -> None:
    """Strings and bools are refused even when float() would take them."""
    with pytest.raises(ValueError, match=r"^confidence=.* strictly between 0 and 1$"):
        nps_from_counts(1, 1, 1, confidence=bad)  # type: ignore[arg-type]


def test_psi_zero_fill_follows_the_smallest_share() -> None:
    """A zero share becomes smallest/1e6 when the smallest share is <= 1e-4, else 1e-4."""
    base, cur = [0, 1, 9999], [5, 5, 9990]  # smallest base share is exactly 1e-4
    r = [1e-4 / 1e6, 1e-4, 0.9999]
    c = [5e-4, 5e-4, 0.999]
    want = math.fsum((ri - ci) * math.log(ri / ci) for ri, ci in zip(r, c, strict=True))
    assert C.psi(base, cur).statistic == pytest.approx(want, rel=1e-12)
    base, cur = [0, 30, 70], [10, 20, 70]  # smallest share 0.3 > 1e-4: the fill is 1e-4
    r, c = [1e-4, 0.3, 0.7], [0.1, 0.2, 0.7]
    want = math.fsum((ri - ci) * math.log(ri / ci) for ri, ci in zip(r, c, strict=True))
    assert C.psi(base, cur).statistic == pytest.approx(want, rel=1e-12)


def test_psi_fill_mode_reads_histograms_and_keeps_empty_bins() -> None:
    """empty_bins="fill" keeps bins empty on both sides, for lists and histograms alike."""
    edges = [0.0, 1.0, 2.0, 3.0]
    hb, hc = NumericHistogram(edges), NumericHistogram(edges)
    hb.update([0.5, 0.5, 1.5, 2.5])
    hc.update([0.5, 1.5, 1.5, 1.5])
    from_hist = C.psi(hb, hc, empty_bins="fill")
    from_lists = C.psi(list(hb.counts()), list(hc.counts()), empty_bins="fill")
    assert from_hist == from_lists
    assert from_hist.bins == len(hb.counts()) == 5
    assert C.psi(hb, hc).bins == 3


def test_jensen_shannon_base_is_checked_and_valid_bases_match_scipy() -> None:
    """Bases above 1 equal scipy; 0, 1, bases below 1, negatives and inf are refused."""
    b, c = [3, 1, 4], [1, 5, 9]
    for base in (1.5, 2.0, 10.0):
        want = distance.jensenshannon(np.array(b, float), np.array(c, float), base=base)
        assert C.jensen_shannon(b, c, base=base).statistic == pytest.approx(want, rel=1e-12)
    for bad in (0.0, 0.5, 1.0, -2.0, math.inf):
        with pytest.raises(ValueError, match=r"^base=.* expected a finite number > 1$"):
            C.jensen_shannon(b, c, base=bad)


class _EqRaises:
    """A label whose comparison raises TypeError."""

    def __eq__(self, other: object) -> bool:
        raise TypeError("no comparison")

    __hash__ = object.__hash__


def test_every_group_rate_and_count_matches_fairlearn_and_sklearn() -> None:
    """tp/fp/tn/fn, TNR, FNR and precision per group equal sklearn's and fairlearn's."""
    from fairlearn import metrics as fm
    from sklearn.metrics import confusion_matrix, precision_score

    rng = np.random.default_rng(5)
    groups = rng.choice(["a", "b", "c"], size=300)
    y_true = rng.integers(0, 2, size=300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, 1 - y_true)
    res = GroupConfusion()
    res.update(groups.tolist(), y_pred.tolist(), y_true.tolist())
    result = res.result()
    for rates in result.groups:
        mask = groups == rates.group
        yt, yp = y_true[mask], y_pred[mask]
        tn, fp, fn, tp = confusion_matrix(yt, yp, labels=[0, 1]).ravel()
        assert (rates.tp, rates.fp, rates.tn, rates.fn) == (tp, fp, tn, fn)
        assert rates.true_negative_rate == pytest.approx(fm.true_negative_rate(yt, yp))
        assert rates.false_negative_rate == pytest.approx(fm.false_negative_rate(yt, yp))
        assert rates.precision == pytest.approx(precision_score(yt, yp, zero_division=0))
    assert result.true_positive_rate_difference == pytest.approx(
        fm.equal_opportunity_difference(y_true, y_pred, sensitive_features=groups))


def test_rates_with_empty_denominators_are_zero() -> None:
    """No negatives, no positives or no predicted positives give 0 rates, as sklearn does."""
    only_pos = fairness_from_counts({"a": ConfusionCounts(2, 0, 0, 1), "b": (1, 0, 0, 0)})
    a = only_pos.group("a")
    assert (a.true_negative_rate, a.false_positive_rate, a.false_negative_rate) == (
        0.0, 0.0, 1 / 3)
    none_predicted = fairness_from_counts({"a": (0, 0, 3, 2), "b": (1, 0, 0, 0)}).group("a")
    assert (none_predicted.precision, none_predicted.true_negative_rate) == (0.0, 1.0)


def test_fairness_arguments_are_named() -> None:
    """Each bad group, label, prediction or count is named in the message."""
    acc = GroupConfusion()
    cases = [
        (lambda: acc.add(None, 1, 1), r"^group=None is not allowed"),
        (lambda: acc.add("a", 2, 1), r"^prediction=2 is not allowed; expected 0 or 1 \(pass "
                                     r"positive_label= for other labels\)$"),
        (lambda: acc.add("a", 1, "1"), r"^label='1' is not allowed"),
        (lambda: acc.add("a", _EqRaises(), 1), r"^prediction=<.*_EqRaises"),
        (lambda: GroupConfusion(positive_label=[1]), r"^positive_label=\[1\] is not allowed"),
        (lambda: GroupConfusion(positive_label="yes").add("a", [1], "yes"),
         r"^prediction=\[1\] is not allowed"),
        (lambda: acc.update(["a"], [1, 0], [1]), r"lengths 1, 2, 1; expected equal lengths$"),
        (lambda: fairness_from_counts({None: (1, 0, 0, 0)}), r"^group=None is not allowed"),
        (lambda: fairness_from_counts({"a": (1, True, 0, 0)}),
         r"^counts\['a'\]=\(1, True, 0, 0\) is not allowed; expected non-negative integers$"),
        (lambda: fairness_from_counts({"a": (1, 2)}), r"^counts\['a'\]=.*\(tp, fp, tn, fn\)"),
        (lambda: fairness_from_counts({"a": (0, 0, 0, 0)}),
         r"^counts has no rows; expected at least one non-empty group$"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("p", [1e-300, 1e-310, 5e-320, 1e-200, 1e-13, 1e-15, 0.075])
def test_norm_ppf_in_the_far_tail_matches_scipy_to_two_ulp(p: float) -> None:
    """Far below the Newton polish (density < 1e-290) AS 241 alone must reach scipy."""
    assert stats_normal.norm_ppf(p) == pytest.approx(stats.norm.ppf(p), rel=5e-16)
    assert stats_normal.norm_ppf(1.0 - p) == pytest.approx(stats.norm.ppf(1.0 - p), rel=1e-9)


def test_norm_ppf_of_one_half_is_positive_zero() -> None:
    """The median is +0.0, as scipy returns (not -0.0 from the mirrored branch)."""
    assert math.copysign(1.0, stats_normal.norm_ppf(0.5)) == 1.0


def test_counts_pair_checks_histogram_kinds_and_count_values() -> None:
    """A histogram pairs only with one of the same kind and bins; counts are finite, >= 0."""
    edges = [0.0, 1.0]
    with pytest.raises(ValueError, match=r"^current=\[1, 2, 3\] is not allowed; expected a "
                                         r"histogram with the same kind and bins"):
        C.counts_pair(NumericHistogram(edges), [1, 2, 3])
    with pytest.raises(ValueError, match=r"^current=.* same kind and bins as the baseline$"):
        C.counts_pair(CategoricalHistogram(["a"]), NumericHistogram(edges))
    cat_b, cat_c = CategoricalHistogram(["a", "b"]), CategoricalHistogram(["a", "b"])
    cat_b.update(["a", "a", "b"])
    cat_c.update(["b", "b", "a", "z"])
    # Categories a, b and the overflow bin ("z" is unseen in the baseline).
    assert C.counts_pair(cat_b, cat_c) == ([2.0, 1.0, 0.0], [1.0, 2.0, 1.0])
    assert C.psi(cat_b, cat_c) == C.psi([2, 1, 0], [1, 2, 1])
    with pytest.raises(ValueError, match=r"^current_counts='12' is not allowed"):
        C.counts_pair([1, 2], "12")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^baseline_counts\[1\]=inf is not allowed"):
        C.counts_pair([1, math.inf], [1, 1])
    with pytest.raises(ValueError, match=r"^base='2' is not allowed; expected a real number$"):
        C.jensen_shannon([1, 2], [2, 1], base="2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"needs at most 2 categories \(use chi_square\)$"):
        C.two_proportion_z([1, 1, 1], [1, 1, 1])


def test_fairness_keeps_mixed_group_types_and_reports_fpr_difference() -> None:
    """Groups that cannot be sorted keep their order; the FPR difference is fairlearn's."""
    from fairlearn import metrics as fm

    result = fairness_from_counts({1: (1, 1, 1, 1), "a": (2, 0, 1, 1)})
    assert [g.group for g in result.groups] == [1, "a"]
    y_true = [1, 0, 0, 1, 1, 1, 0, 1]
    y_pred = [1, 1, 0, 0, 1, 1, 0, 0]
    groups = ["x", "x", "x", "x", "y", "y", "y", "y"]
    acc = GroupConfusion()
    acc.update(groups, y_pred, y_true)
    frame = fm.MetricFrame(metrics=fm.false_positive_rate, y_true=np.array(y_true),
                           y_pred=np.array(y_pred), sensitive_features=np.array(groups))
    assert acc.result().false_positive_rate_difference == pytest.approx(frame.difference())
    with pytest.raises(ValueError, match=r"^prediction=array\(\[1, 0\]\) is not allowed"):
        acc.add("x", np.array([1, 0]), 1)
    with pytest.raises(ValueError, match=r"expected ConfusionCounts or \(tp, fp, tn, fn\)$"):
        fairness_from_counts({"a": (1, 2)})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match=r"^y_true, y_pred and groups are empty; expected at "
                                         r"least one row$"):
        fairness_metrics([], [], [])
