"""Differential tests of the pure-Python distribution functions against scipy and numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from otel_measure.calculators import stats as S

REL = 1e-9


def close(actual: float, expected: float, rel: float = REL) -> bool:
    """Relative comparison that also accepts exact equality (0, inf) and sub-1e-300 values."""
    expected = float(expected)
    if actual == expected:
        return True
    if abs(expected) < 1e-300:
        return abs(actual) < 1e-290
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=0.0)


def test_norm_cdf_sf_sweep() -> None:
    """norm_cdf and norm_sf match scipy over [-37, 37], deep tails included."""
    for x in np.linspace(-37.0, 37.0, 1481):
        assert close(S.norm_cdf(float(x)), stats.norm.cdf(x)), x
        assert close(S.norm_sf(float(x)), stats.norm.sf(x)), x


@settings(max_examples=200, deadline=None)
@given(st.floats(-38.0, 38.0))
def test_norm_cdf_random(x: float) -> None:
    """norm_cdf matches scipy on random points."""
    assert close(S.norm_cdf(x), stats.norm.cdf(x))


def test_norm_ppf_sweep() -> None:
    """norm_ppf matches scipy from p = 1e-300 to 1 - 1e-16."""
    ps = [*np.logspace(-300, -1, 400), *np.linspace(0.001, 0.999, 999), 1 - 1e-10, 1 - 1e-16]
    for p in ps:
        assert close(S.norm_ppf(float(p)), stats.norm.ppf(p)), p
    assert S.norm_ppf(0.0) == -math.inf
    assert S.norm_ppf(1.0) == math.inf
    assert S.norm_ppf(0.5) == 0.0


@settings(max_examples=200, deadline=None)
@given(st.floats(1e-300, 1.0, exclude_max=True))
def test_norm_ppf_random(p: float) -> None:
    """norm_ppf matches scipy on random probabilities."""
    assert close(S.norm_ppf(p), stats.norm.ppf(p))


def _chi2_points(df: float) -> list[float]:
    qs = np.concatenate([np.linspace(0.01, 0.99, 5), np.logspace(-250, -4, 4)])
    xs = [*stats.chi2.ppf(qs, df), *stats.chi2.isf(qs, df)]
    return [float(x) for x in xs if 0.0 < x < math.inf]


def test_chi2_df_sweep() -> None:
    """chi2_cdf and chi2_sf match scipy for df 1..1000 (and half-integers), tails included."""
    for df in [1, 2, 3, 5, 7.5, 10, 31, 100, 250.5, 499, 1000]:
        for x in _chi2_points(df):
            assert close(S.chi2_cdf(x, df), stats.chi2.cdf(x, df)), (x, df)
            assert close(S.chi2_sf(x, df), stats.chi2.sf(x, df)), (x, df)


@settings(max_examples=150, deadline=None)
@given(st.floats(0.05, 1000.0), st.floats(0.0, 1.0))
def test_chi2_random(df: float, u: float) -> None:
    """chi2 functions match scipy for random non-integer df and quantile positions."""
    x = float(stats.chi2.ppf(min(max(u, 1e-12), 1 - 1e-12), df))
    if not 0.0 < x < math.inf:
        return
    assert close(S.chi2_cdf(x, df), stats.chi2.cdf(x, df))
    assert close(S.chi2_sf(x, df), stats.chi2.sf(x, df))


def test_chi2_edges() -> None:
    """chi2 at x <= 0 and x = inf gives the limits."""
    assert S.chi2_cdf(0.0, 3) == 0.0
    assert S.chi2_sf(0.0, 3) == 1.0
    assert S.chi2_sf(-1.0, 3) == 1.0
    assert S.chi2_cdf(math.inf, 3) == 1.0
    assert S.chi2_sf(math.inf, 3) == 0.0


T_DFS = [0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.5, 10.0, 30.0, 100.0, 1e3, 1e4, 1e5, 1e6]


def test_t_cdf_sf_sweep() -> None:
    """t_cdf and t_sf match scipy for df 0.5..1e6 and p-values down to 1e-300."""
    for df in T_DFS:
        ps = np.logspace(-300, -1, 12)
        # Keep the tail points where scipy is self-consistent (it saturates near t ~ 1e153).
        tails = [
            x
            for x, p in zip(stats.t.isf(ps, df), ps, strict=True)
            if close(stats.t.sf(x, df), p, 1e-6)
        ]
        for x in [*np.linspace(-40, 40, 41), *tails]:
            assert close(S.t_cdf(float(x), df), stats.t.cdf(x, df)), (x, df)
            assert close(S.t_sf(float(x), df), stats.t.sf(x, df)), (x, df)


@settings(max_examples=200, deadline=None)
@given(st.floats(0.5, 1e6), st.floats(-60.0, 60.0))
def test_t_random(df: float, x: float) -> None:
    """t_cdf matches scipy for random Welch-like df."""
    assert close(S.t_cdf(x, df), stats.t.cdf(x, df))
    assert close(S.t_sf(x, df), stats.t.sf(x, df))


@pytest.mark.parametrize("df", [2e4, 1e7, 1e9, 1e12])
def test_t_huge_df(df: float) -> None:
    """Very large df (huge Welch samples) keep full accuracy in both tails and the centre."""
    for x in [-40.0, -5.0, -2.0, 0.001, 1.7, 2.0, 8.0, 37.0]:
        assert close(S.t_sf(x, df), stats.t.sf(x, df)), x
        assert close(S.t_cdf(x, df), stats.t.cdf(x, df)), x
    for p in [1e-200, 1e-10, 0.01, 0.3, 0.7, 0.99]:
        assert close(S.t_ppf(p, df), stats.t.ppf(p, df)), p


def test_t_ppf_sweep() -> None:
    """t_ppf matches scipy wherever scipy's own quantile round-trips."""
    checked = 0
    for df in T_DFS:
        for p in [*np.logspace(-300, -1, 16), *np.linspace(0.02, 0.98, 25)]:
            expected = stats.t.ppf(p, df)
            if not math.isfinite(expected) or not close(stats.t.cdf(expected, df), p, 1e-12):
                continue
            checked += 1
            assert close(S.t_ppf(float(p), df), expected), (p, df)
    assert checked > 400


@settings(max_examples=150, deadline=None)
@given(st.floats(0.5, 1e5), st.floats(1e-12, 1 - 1e-12))
def test_t_ppf_roundtrip(df: float, p: float) -> None:
    """t_cdf(t_ppf(p)) returns p (scipy's ppf loses digits near p = 0.5, so check both ways)."""
    t = S.t_ppf(p, df)
    assert close(stats.t.cdf(t, df), p, 1e-8)


def test_t_special_cases() -> None:
    """t_ppf limits, symmetry and infinite df (normal)."""
    assert S.t_ppf(0.0, 3) == -math.inf
    assert S.t_ppf(1.0, 3) == math.inf
    assert S.t_ppf(0.5, 3) == 0.0
    assert S.t_ppf(0.25, 7.3) == -S.t_ppf(0.75, 7.3)
    assert close(S.t_cdf(1.3, math.inf), stats.norm.cdf(1.3))


def test_kolmogorov_sf() -> None:
    """kolmogorov_sf equals scipy.special.kolmogorov on a fine grid."""
    for x in [*np.linspace(0.0, 6.0, 1201), 0.0406, 0.0407, 0.82, 0.8200001]:
        assert close(S.kolmogorov_sf(float(x)), special.kolmogorov(x)), x


KS_NS = [1, 2, 3, 5, 10, 50, 139, 140, 141, 500, 1000, 5000, 20000]


def test_kstwo_sf() -> None:
    """kstwo_sf equals scipy.stats.kstwo.sf across scipy's method regions."""
    for n in KS_NS:
        base = np.array([0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6, 2.0, 3.0, 5.0]) / math.sqrt(n)
        xs = [*np.linspace(0.001, 0.999, 25), *base, 0.5 / n, 0.75 / n, 1 / n, 1 - 1 / n]
        for x in xs:
            if 0.0 < x < 1.0:
                assert close(S.kstwo_sf(float(x), n), stats.kstwo.sf(x, n)), (x, n)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 3000), st.floats(0.0, 2.5))
def test_kstwo_sf_random(n: int, z: float) -> None:
    """kstwo_sf matches scipy at random sizes and scaled statistics."""
    x = min(z / math.sqrt(n), 1.0)
    assert close(S.kstwo_sf(x, n), stats.kstwo.sf(x, n))


def test_smirnov_sf() -> None:
    """smirnov_sf equals scipy.special.smirnov."""
    for n in [1, 2, 5, 10, 100, 1000, 100000, 2000000]:
        for x in np.linspace(0.0, 1.0, 41):
            assert close(S.smirnov_sf(n, float(x)), special.smirnov(n, x)), (n, x)


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=1, max_size=40), st.floats(0.0, 1.0))
def test_quantile_matches_numpy(values: list[float], q: float) -> None:
    """quantile equals numpy.quantile (default linear method)."""
    expected = float(np.quantile(values, q))
    assert math.isclose(S.quantile(values, q), expected, rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=200, deadline=None)
@given(st.lists(finite, min_size=2, max_size=40), st.integers(0, 1))
def test_mean_std_matches_numpy(values: list[float], ddof: int) -> None:
    """mean_std equals numpy.mean and numpy.std(ddof)."""
    mean, std = S.mean_std(values, ddof=ddof)
    assert math.isclose(mean, float(np.mean(values)), rel_tol=1e-12, abs_tol=1e-6)
    assert math.isclose(std, float(np.std(values, ddof=ddof)), rel_tol=1e-9, abs_tol=1e-6)


def test_quantile_generator_and_endpoints() -> None:
    """quantile takes any iterable and returns the extremes at q = 0 and 1."""
    assert S.quantile((v for v in [3.0, 1.0, 2.0]), 0.0) == 1.0
    assert S.quantile([3.0, 1.0, 2.0], 1.0) == 3.0
    assert S.quantile([5], 0.3) == 5.0


@pytest.mark.parametrize(
    ("func", "args"),
    [
        (S.norm_cdf, (math.nan,)),
        (S.norm_cdf, ("1",)),
        (S.norm_cdf, (None,)),
        (S.norm_ppf, (1.5,)),
        (S.norm_ppf, (-0.1,)),
        (S.chi2_sf, (1.0, 0.0)),
        (S.chi2_cdf, (1.0, -2.0)),
        (S.chi2_cdf, (1.0, math.inf)),
        (S.t_cdf, (1.0, 0.0)),
        (S.t_ppf, (2.0, 3.0)),
        (S.kstwo_sf, (0.1, 0)),
        (S.kstwo_sf, (0.1, 2.5)),
        (S.smirnov_sf, (0, 0.1)),
        (S.quantile, ([], 0.5)),
        (S.quantile, ([1.0], 1.5)),
        (S.quantile, ([1.0, math.nan], 0.5)),
        (S.quantile, ([1.0, None], 0.5)),
        (S.mean_std, ([],)),
        (S.mean_std, ([1.0], 1)),
        (S.mean_std, ([1.0, math.inf],)),
    ],
)
def test_bad_arguments_raise(func: object, args: tuple[object, ...]) -> None:
    """Bad arguments raise ValueError naming the problem."""
    assert callable(func)
    with pytest.raises(ValueError, match=r"not allowed|expected"):
        func(*args)
