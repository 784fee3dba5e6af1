"""Differential tests of the drift calculators against scipy, numpy and statsmodels."""

from __future__ import annotations

import itertools
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance
from statsmodels.stats.proportion import proportions_ztest

from otel_measure.calculators import drift as D


def close(actual: float | None, expected: float, rel: float = 1e-9, abs_: float = 1e-12) -> bool:
    """Compare to 1e-9 relative (tiny absolute slack for values at 0)."""
    assert actual is not None
    expected = float(expected)
    if actual == expected:
        return True
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def evidently_psi(base: np.ndarray, cur: np.ndarray) -> float:
    """Evidently's PSI on the bins observed in either sample (reference formula)."""
    keep = (base > 0) | (cur > 0)
    r = base[keep] / base.sum()
    c = cur[keep] / cur.sum()
    for arr in (r, c):
        smallest = arr[arr != 0].min()
        arr[arr == 0] = smallest / 1e6 if smallest <= 1e-4 else 1e-4
    return float(np.sum((r - c) * np.log(r / c)))


counts_pairs = st.integers(1, 12).flatmap(
    lambda k: st.tuples(
        st.lists(st.integers(0, 60), min_size=k, max_size=k).filter(lambda v: sum(v) > 0),
        st.lists(st.integers(0, 60), min_size=k, max_size=k).filter(lambda v: sum(v) > 0),
    )
)


# --- accumulators -----------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=80),
    st.lists(st.floats(-2e3, 2e3), max_size=80),
    st.integers(1, 12),
)
def test_numeric_histogram_matches_numpy(base: list[float], cur: list[float], bins: int) -> None:
    """Edges are deduplicated numpy quantiles; interior counts equal numpy.histogram."""
    binner = D.NumericBinner.from_baseline(base, bins=bins)
    # numpy's 'linear' quantiles, computed exactly: float lerps (numpy's and ours) leave
    # noise such as 4e-16 for an exact 0.0. Every edge must be one of those quantiles
    # and every quantile an edge, within 1e-12 of the data's scale; edges increase.
    data = sorted(Fraction(v) for v in base)
    exact = []
    for i in range(bins + 1):
        h = Fraction((len(data) - 1) * i, bins)
        lo = int(h)
        hi = min(lo + 1, len(data) - 1)
        exact.append(float(data[lo] + (h - lo) * (data[hi] - data[lo])))
    tol = 1e-12 * max(abs(v) for v in base)
    edges = list(binner.edges)
    assert all(min(abs(e - q) for q in exact) <= tol for e in edges)
    assert all(min(abs(e - q) for e in edges) <= tol for q in exact)
    assert all(a < b for a, b in itertools.pairwise(edges)) or len(set(edges)) == 1
    hist = binner.histogram(cur)
    counts = hist.counts()
    edges = np.array(binner.edges)
    arr = np.array(cur)
    assert sum(counts) == len(cur) == hist.total
    assert counts[0] == int(np.sum(arr < edges[0]))
    assert counts[-1] == int(np.sum(arr > edges[-1]))
    if edges[0] < edges[-1]:
        inside = np.histogram(arr, bins=edges)[0]
        assert list(counts[1:-1]) == inside.tolist()
    else:
        assert counts[1] == int(np.sum(arr == edges[0]))


def test_histogram_merge_equals_combined() -> None:
    """Merging two accumulators equals one accumulator fed both windows."""
    rng = np.random.default_rng(1)
    binner = D.NumericBinner.from_baseline(rng.normal(size=500).tolist(), bins=8)
    a, b, both = binner.histogram(), binner.histogram(), binner.histogram()
    xs, ys = rng.normal(size=300).tolist(), rng.normal(1, 2, size=200).tolist()
    a.update(xs)
    b.update(ys)
    both.update(xs + ys)
    a.merge(b)
    assert a.counts() == both.counts()
    assert a.result().counts == both.counts()
    other = D.NumericHistogram([0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="edges"):
        a.merge(other)


def test_histogram_overflow_and_bad_values() -> None:
    """Out-of-range values and infinities land in the overflow bins; NaN raises."""
    hist = D.NumericHistogram([0.0, 1.0, 2.0])
    for v in [-5.0, 0.0, 0.5, 1.0, 2.0, 7.0, math.inf, -math.inf]:
        hist.add(v)
    assert hist.counts() == (2, 2, 2, 2)
    with pytest.raises(ValueError, match="NaN"):
        hist.add(math.nan)
    with pytest.raises(ValueError, match="real number"):
        hist.add("x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="increasing"):
        D.NumericHistogram([1.0, 0.0])
    with pytest.raises(ValueError, match="bins"):
        D.NumericBinner.from_baseline([1.0, 2.0], bins=0)


def test_constant_baseline_single_bin() -> None:
    """A constant baseline gives one interior bin holding exactly that value."""
    binner = D.NumericBinner.from_baseline([3.0] * 10, bins=5)
    assert binner.edges == (3.0, 3.0)
    assert binner.histogram([2.0, 3.0, 3.0, 4.0]).counts() == (1, 2, 1)


def test_categorical_histogram() -> None:
    """Categories come from the baseline; unseen values go to the overflow bin."""
    base = D.CategoricalHistogram.from_baseline(["b", "a", "b", "c"])
    assert base.categories == ("a", "b", "c")
    assert base.counts() == (1, 2, 1, 0)
    cur = base.empty_like()
    cur.update(["a", "z", "z", "c"])
    assert cur.counts() == (1, 0, 1, 2)
    merged = base.empty_like()
    merged.merge(cur)
    merged.merge(cur)
    assert merged.counts() == (2, 0, 2, 4)
    with pytest.raises(ValueError, match="categories"):
        merged.merge(D.CategoricalHistogram(["a", "b"]))
    with pytest.raises(ValueError, match="None"):
        cur.add(None)
    with pytest.raises(ValueError, match="duplicate"):
        D.CategoricalHistogram(["a", "a"])


# --- statistics from counts ---------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(counts_pairs)
def test_counts_statistics_match_references(pair: tuple[list[int], list[int]]) -> None:
    """PSI, Jensen-Shannon, Hellinger and chi-square equal their references."""
    b, c = pair
    nb, nc = np.array(b, float), np.array(c, float)
    assert close(D.psi(b, c).statistic, evidently_psi(nb, nc))
    assert close(D.jensen_shannon(b, c, base=2).statistic, distance.jensenshannon(nb, nc, base=2))
    p, q = nb / nb.sum(), nc / nc.sum()
    h = float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2))
    assert close(D.hellinger(b, c).statistic, h)
    assert abs(D.hellinger(b, c).statistic ** 2 - (1 - np.sum(np.sqrt(p * q)))) < 1e-12
    keep = (nb > 0) | (nc > 0)
    obs, exp = nc[keep], nb[keep] * (nc.sum() / nb.sum())
    res = D.chi_square(b, c)
    if (exp > 0).all() and len(obs) > 1:
        ref = stats.chisquare(obs, exp)
        assert close(res.statistic, ref.statistic)
        assert close(res.p_value, ref.pvalue)
        assert res.df == len(obs) - 1
    elif (exp == 0).any():
        assert res.statistic == math.inf
        assert res.p_value == 0.0
    else:  # one bin non-empty on both sides: no distribution to compare, no evidence of drift
        assert len(obs) == 1
        assert (res.statistic, res.p_value, res.bins) == (0.0, 1.0, 1)


def test_chi_square_overflow_bin_and_single_bin() -> None:
    """Expected-zero bins give inf/0 like scipy; a single bin gives 0/1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = stats.chisquare([5, 5, 2], [6.0, 6.0, 0.0])
    res = D.chi_square([10, 10, 0], [5, 5, 2])
    assert res.statistic == ref.statistic == math.inf
    assert res.p_value == ref.pvalue == 0.0
    single = D.chi_square([4, 0], [9, 0])
    assert (single.statistic, single.p_value, single.bins) == (0.0, 1.0, 1)


def test_psi_ignores_bins_empty_in_both() -> None:
    """Bins empty in both samples (e.g. overflow bins) do not change PSI or JS."""
    assert D.psi([0, 5, 5, 0], [0, 3, 7, 0]).statistic == D.psi([5, 5], [3, 7]).statistic
    assert D.jensen_shannon([0, 5, 5, 0], [0, 3, 7, 0], base=2).statistic == pytest.approx(
        distance.jensenshannon([5, 5], [3, 7], base=2), rel=1e-12
    )
    assert D.psi([5, 5], [5, 5]).statistic == 0.0
    assert D.jensen_shannon([1, 0], [0, 1], base=2).statistic == pytest.approx(1.0, rel=1e-12)


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 500), st.integers(0, 500), st.integers(1, 500), st.integers(0, 500))
def test_two_proportion_z_matches_statsmodels(n1: int, x1: int, n2: int, x2: int) -> None:
    """The z-test equals statsmodels proportions_ztest (pooled, two-sided)."""
    x1, x2 = min(x1, n1), min(x2, n2)
    res = D.two_proportion_z([n1 - x1, x1], [n2 - x2, x2])
    pooled = (x1 + x2) / (n1 + n2)
    if 0.0 < pooled < 1.0:
        z, p = proportions_ztest([x1, x2], [n1, n2])
        assert close(res.statistic, z)
        assert close(res.p_value, p)
    else:
        assert (res.statistic, res.p_value) == (0.0, 1.0)


def test_two_proportion_z_rejects_three_categories() -> None:
    """More than two non-empty categories is an error for the z-test."""
    with pytest.raises(ValueError, match="at most 2"):
        D.two_proportion_z([1, 2, 3], [3, 2, 1])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_ks_from_counts_is_lower_bound(seed: int) -> None:
    """The binned KS statistic equals the max CDF gap at the edges and bounds raw D below."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=int(rng.integers(5, 300)))
    cur = rng.normal(rng.uniform(-1, 1), 1, size=int(rng.integers(5, 300)))
    binner = D.NumericBinner.from_baseline(base.tolist(), bins=int(rng.integers(1, 15)))
    hb, hc = binner.histogram(base.tolist()), binner.histogram(cur.tolist())
    res = D.ks_from_counts(hb, hc)
    cb = np.cumsum(hb.counts()) / len(base)
    cc = np.cumsum(hc.counts()) / len(cur)
    assert close(res.statistic, float(np.max(np.abs(cb - cc))))
    assert res.statistic <= stats.ks_2samp(base, cur).statistic + 1e-12
    en = round(len(base) * len(cur) / (len(base) + len(cur)))
    assert close(res.p_value, stats.kstwo.sf(res.statistic, en))


def test_counts_validation() -> None:
    """Bad count vectors raise ValueError."""
    with pytest.raises(ValueError, match="bins"):
        D.psi([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="positive total"):
        D.psi([0, 0], [1, 2])
    with pytest.raises(ValueError, match="count"):
        D.psi([1, -2], [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        D.chi_square([1, math.nan], [1, 2])
    with pytest.raises(ValueError, match="same kind"):
        D.psi(D.NumericHistogram([0.0, 1.0]), D.NumericHistogram([0.0, 2.0]))


# --- raw windows ------------------------------------------------------------------------

samples = st.lists(st.integers(-6, 6).map(float) | st.floats(-5, 5), min_size=1, max_size=120)


@pytest.mark.filterwarnings("ignore:ks_2samp. Exact calculation unsuccessful:RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(samples, samples)
def test_ks_test_matches_scipy(x: list[float], y: list[float]) -> None:
    """ks_test equals scipy.stats.ks_2samp: statistic, p-value, location and sign."""
    res = D.ks_test(x, y)
    ref = stats.ks_2samp(x, y)
    assert close(res.statistic, ref.statistic)
    assert close(res.p_value, ref.pvalue)
    assert res.statistic_location == ref.statistic_location
    assert res.statistic_sign == ref.statistic_sign
    assert res.method in ("exact", "asymp")  # exact can fall back, as in scipy


@pytest.mark.parametrize(
    ("n1", "n2", "shift"),
    [(10000, 9999, 0.02), (4000, 6000, 0.1), (10000, 10000, 0.05), (10001, 300, 0.1)],
)
def test_ks_test_large_samples(n1: int, n2: int, shift: float) -> None:
    """Exact (<= 10,000) and asymptotic (> 10,000) regimes both equal scipy."""
    rng = np.random.default_rng(n1 + n2)
    x, y = rng.normal(size=n1), rng.normal(shift, 1, size=n2)
    res = D.ks_test(x.tolist(), y.tolist())
    ref = stats.ks_2samp(x, y)
    assert res.method == ("exact" if max(n1, n2) <= 10000 else "asymp")
    assert close(res.statistic, ref.statistic)
    assert close(res.p_value, ref.pvalue)


@settings(max_examples=150, deadline=None)
@given(samples, samples)
def test_wasserstein_matches_scipy(x: list[float], y: list[float]) -> None:
    """wasserstein equals scipy.stats.wasserstein_distance; normed divides by std floored."""
    res = D.wasserstein(x, y)
    assert close(res.statistic, stats.wasserstein_distance(x, y), abs_=1e-12)
    assert close(res.normed, res.statistic / max(float(np.std(x)), 0.001), abs_=1e-12)


# --- automatic choice, verdicts and dataset drift ---------------------------------------


def test_method_choice_follows_evidently() -> None:
    """The automatic method follows Evidently's size and cardinality rules."""
    rng = np.random.default_rng(3)
    small_num = rng.normal(size=1000).tolist()
    big_num = rng.normal(size=1001).tolist()
    assert D.choose_method(small_num, small_num) == "ks"
    assert D.choose_method(big_num, big_num) == "wasserstein"
    five = [1, 2, 3, 4, 5] * 20
    assert D.choose_method(five, five) == "chisquare"
    assert D.choose_method(five, [*five, 6]) == "ks"
    assert D.choose_method(["a", "b"] * 10, ["a"]) == "z"
    assert D.choose_method(["a", "b"] * 10, ["c"]) == "chisquare"
    assert D.choose_method(["a", "b"] * 600, ["a"]) == "jensenshannon"
    assert D.choose_method([1, 2] * 600, [1, 3, 4, 5]) == "jensenshannon"


def test_detect_small_numeric_uses_ks() -> None:
    """Small numeric reference: KS p-value, drift when p <= threshold."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=200), rng.normal(0.4, 1, size=150)
    res = D.detect(x.tolist(), y.tolist())
    ref = stats.ks_2samp(x, y)
    assert res.method == "ks"
    assert close(res.p_value, ref.pvalue)
    assert res.drifted == (ref.pvalue <= 0.05)
    at_p = D.detect(x.tolist(), y.tolist(), threshold=res.p_value)
    assert at_p.drifted is True


def test_detect_large_numeric_uses_normed_wasserstein() -> None:
    """Large numeric reference: normed Wasserstein, drift when >= threshold."""
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=1500), rng.normal(0.3, 1, size=800)
    res = D.detect(x.tolist(), y.tolist())
    expected = stats.wasserstein_distance(x, y) / max(float(np.std(x)), 0.001)
    assert res.method == "wasserstein"
    assert res.p_value is None
    assert close(res.statistic, expected)
    assert res.drifted == (expected >= 0.1)
    assert D.detect(x.tolist(), y.tolist(), threshold=res.statistic).drifted is True


def test_detect_categorical_tests() -> None:
    """Categorical data: chi-square, z-test and Jensen-Shannon per Evidently's rule."""
    base = ["a"] * 30 + ["b"] * 50 + ["c"] * 20
    cur = ["a"] * 20 + ["b"] * 50 + ["c"] * 40
    res = D.detect(base, cur)
    ref = stats.chisquare([20, 50, 40], np.array([30, 50, 20]) * (110 / 100))
    assert res.method == "chisquare"
    assert close(res.p_value, ref.pvalue)
    assert res.drifted == (ref.pvalue < 0.05)
    assert D.detect(base, cur, threshold=res.p_value).drifted is False
    z = D.detect(["x"] * 40 + ["y"] * 60, ["x"] * 70 + ["y"] * 30)
    zs, zp = proportions_ztest([60, 30], [100, 100])
    assert z.method == "z"
    assert close(z.p_value, zp)
    assert close(abs(z.statistic), abs(zs))
    js = D.detect(base * 11, cur)
    assert js.method == "jensenshannon"
    expected = distance.jensenshannon([330, 550, 220], [20, 50, 40])  # natural log
    assert close(js.statistic, expected)
    assert js.drifted == (expected >= 0.1)


def test_detect_same_constant_value_is_not_drift() -> None:
    """Identical constant samples: z-test p-value 1 and no drift."""
    res = D.detect(["a"] * 10, ["a"] * 5)
    assert (res.method, res.p_value, res.drifted) == ("z", 1.0, False)


def test_detect_explicit_psi_on_numeric_uses_sturges_bins() -> None:
    """PSI on raw numbers uses numpy's sturges bins over both samples (Evidently)."""
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=300), rng.normal(0.5, 1.2, size=200)
    edges = np.histogram_bin_edges(np.concatenate([x, y]), bins="sturges")
    hb, hc = np.histogram(x, edges)[0], np.histogram(y, edges)[0]
    res = D.detect(x.tolist(), y.tolist(), method="psi")
    assert close(res.statistic, evidently_psi(hb.astype(float), hc.astype(float)))
    assert res.drifted == (res.statistic >= 0.1)


def test_detect_validation() -> None:
    """Bad arguments to detect raise ValueError."""
    with pytest.raises(ValueError, match="method"):
        D.detect([1.0], [2.0], method="foo")
    with pytest.raises(ValueError, match=r"empty|at least one"):
        D.detect([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        D.detect([1.0, math.nan], [1.0])
    with pytest.raises(ValueError, match="None"):
        D.detect(["a", None], ["a"])
    with pytest.raises(ValueError, match="categorical"):
        D.detect(["a"], ["b"], method="ks")
    with pytest.raises(ValueError, match="finite"):
        D.detect([1.0, math.inf], [1.0])


def test_dataset_drift_share() -> None:
    """Dataset drift when the share of drifted features reaches the threshold."""
    yes = D.DriftResult("ks", 0.5, 0.01, 0.05, True, 10, 10)
    no = D.DriftResult("ks", 0.1, 0.5, 0.05, False, 10, 10)
    half = D.dataset_drift({"a": yes, "b": no})
    assert (half.share_of_drifted, half.drifted, half.drifted_features) == (0.5, True, ("a",))
    third = D.dataset_drift([yes, no, no])
    assert third.drifted is False
    assert third.number_of_drifted == 1
    assert D.dataset_drift([yes, no, no], share=0.3).drifted is True
    with pytest.raises(ValueError, match="empty"):
        D.dataset_drift([])
    with pytest.raises(ValueError, match="share"):
        D.dataset_drift([yes], share=0.0)
    assert half.to_dict()["drifted_features"] == ["a"]


def test_ks_exact_fallback_matches_scipy() -> None:
    """When the exact probability leaves [0, 1] both fall back to the asymptotic method."""
    x, y = [0.0] * 5, [0.0, 0.0, 0.0, 0.0, 1.0]
    with pytest.warns(RuntimeWarning, match="Exact calculation unsuccessful"):
        ref = stats.ks_2samp(x, y)
    res = D.ks_test(x, y)
    assert res.method == "asymp"
    assert close(res.p_value, ref.pvalue)


def test_raw_tests_accept_numpy_and_reject_bad_values() -> None:
    """numpy arrays work; empty samples and NaN raise ValueError."""
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=50), rng.normal(size=60)
    assert close(D.ks_test(x, y).p_value, stats.ks_2samp(x, y).pvalue)
    assert close(D.wasserstein(x, y).statistic, stats.wasserstein_distance(x, y))
    with pytest.raises(ValueError, match="at least one"):
        D.ks_test([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        D.wasserstein([1.0], [math.nan])
    with pytest.raises(ValueError, match="real number"):
        D.ks_test([1.0, None], [1.0])  # type: ignore[list-item]


# --- the method table -------------------------------------------------------------------

# Evidently's verdict rules, pinned here: (value compared, operator) per method.
EXPECTED_RULES = {
    "ks": ("p_value", "<="),
    "chisquare": ("p_value", "<"),
    "z": ("p_value", "<"),
    "wasserstein": ("statistic", ">="),
    "jensenshannon": ("statistic", ">="),
    "psi": ("statistic", ">="),
    "hellinger": ("statistic", ">="),
}
COMPARE = {"<": float.__lt__, "<=": float.__le__, ">=": float.__ge__}


def test_table_resolves_every_name_and_alias() -> None:
    """Every row resolves by name and alias; the derived constants come from the table."""
    assert set(D.DRIFT_METHODS) == set(EXPECTED_RULES)
    assert ("auto", *D.DRIFT_METHODS) == D.METHODS
    assert {n: m.threshold for n, m in D.DRIFT_METHODS.items()} == D.DEFAULT_THRESHOLDS
    assert D.DRIFT_METHODS["jensenshannon"].aliases == ("jensen_shannon",)
    assert D.DRIFT_METHODS["chisquare"].aliases == ("chi_square",)
    for name, row in D.DRIFT_METHODS.items():
        assert row.name == name
        for spelling in (name, *row.aliases):
            assert D.drift_method(spelling) is row
            assert D.resolve_method(spelling) == name
    assert D.resolve_method("auto") == "auto"
    base = ["a"] * 30 + ["b"] * 50 + ["c"] * 20
    cur = ["a"] * 20 + ["b"] * 50 + ["c"] * 40
    assert D.detect(base, cur, "chi_square") == D.detect(base, cur, "chisquare")
    assert D.detect(base, cur, "jensen_shannon") == D.detect(base, cur, "jensenshannon")


@pytest.mark.parametrize("bad", ["bogus", "KS", "", None, 3])
def test_unknown_method_names_the_value_and_the_allowed_names(bad: object) -> None:
    """An unknown method raises ValueError naming it and every accepted spelling."""
    spellings = [s for row in D.DRIFT_METHODS.values() for s in (row.name, *row.aliases)]
    for lookup in (D.drift_method, D.resolve_method):
        with pytest.raises(ValueError, match=f"method={bad!r}") as info:
            lookup(bad)
        assert all(repr(s) in str(info.value) for s in spellings)
    with pytest.raises(ValueError, match="'auto'"):
        D.drift_method("auto")


def test_table_rows_fit_their_data() -> None:
    """Raw-value rows need numeric data; the z-test takes at most two non-empty bins."""
    for row in D.DRIFT_METHODS.values():
        assert row.fits(numeric=True, bins=2)
        assert row.fits(numeric=False, bins=2) is (row.data == "counts")
    assert D.drift_method("z").fits(numeric=False, bins=3) is False
    assert D.drift_method("chisquare").fits(numeric=False, bins=3) is True


@pytest.mark.parametrize("name", sorted(EXPECTED_RULES))
def test_each_rows_verdict_rule_matches_its_function(name: str) -> None:
    """A row's verdict is its rule applied to its function's result, at and off the boundary."""
    row = D.drift_method(name)
    on, op = EXPECTED_RULES[name]
    assert (row.verdict.on, row.verdict.op) == (on, op)
    assert str(row.verdict) == f"{on} {op} threshold"
    rng = np.random.default_rng(11)
    if row.data == "raw":
        same = rng.normal(size=120).tolist()
        cases = [(same, same), (rng.normal(size=200).tolist(), rng.normal(0.8, 1, 150).tolist())]
    else:
        cases = [([50, 50], [50, 50]), ([40, 60], [70, 30]), ([45, 55], [50, 50])]
    for base, cur in cases:
        result = row.function(base, cur)
        value = float(getattr(result, "p_value" if on == "p_value" else row.score))
        for threshold in (None, value, value / 2, value * 2 + 0.01):
            limit = row.threshold if threshold is None else threshold
            res = row.test(base, cur, threshold, baseline_size=len(base), current_size=len(cur))
            assert (res.method, res.threshold) == (name, limit)
            assert res.statistic == getattr(result, row.score)
            assert res.drifted is COMPARE[op](value, float(limit))
        at_boundary = row.test(base, cur, value, baseline_size=1, current_size=1)
        assert at_boundary.drifted is (op != "<")
    if row.data == "raw":
        raw_base, raw_cur = cases[1]
        assert D.detect(raw_base, raw_cur, name) == row.test(
            raw_base, raw_cur, baseline_size=len(raw_base), current_size=len(raw_cur))
