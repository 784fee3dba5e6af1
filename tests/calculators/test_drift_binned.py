"""Wasserstein from bin counts and edges brackets scipy's raw distance; inner_counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from otel_measure.calculators import drift as D
from otel_measure.calculators.drift_binned import inner_counts, wasserstein_binned


def layout_counts(edges: list[float], values: np.ndarray) -> list[int]:
    """Below, numpy.histogram on the edges, above."""
    inner = np.histogram(values, edges)[0]
    return [int((values < edges[0]).sum()), *map(int, inner),
            int((values > edges[-1]).sum())]


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.integers(2, 300), st.integers(1, 300),
       st.floats(-1.0, 1.0), st.floats(0.2, 3.0))
def test_bounds_hold_the_raw_distance(seed: int, n1: int, n2: int, shift: float,
                                      scale: float) -> None:
    """lower <= scipy.wasserstein_distance(raw) <= upper, the estimate between them."""
    rng = np.random.default_rng(seed)
    base = rng.normal(0, 1, n1)
    cur = rng.normal(shift, scale, n2)
    both = np.concatenate([base, cur])
    edges = D.NumericBinner.sturges(both.tolist()).edges
    got = wasserstein_binned(edges, layout_counts(list(edges), base),
                             layout_counts(list(edges), cur))
    raw = stats.wasserstein_distance(base, cur)
    slack = 1e-9 * (1 + raw)
    assert got.lower - slack <= raw <= got.upper + slack
    assert got.lower <= got.statistic <= got.upper
    assert (got.baseline_size, got.current_size) == (n1, n2)


def test_uniform_values_inside_bins_give_the_exact_distance() -> None:
    """Values spread evenly inside their bins: the estimate is scipy's distance."""
    base = np.linspace(0, 1, 1001)[:-1] + 0.0005  # 1,000 values, 500 per half
    cur = np.concatenate([np.linspace(0, 0.5, 251)[:-1] + 0.001,
                          np.linspace(0.5, 1, 751)[:-1] + 1 / 3000])
    got = wasserstein_binned([0.0, 0.5, 1.0], [0, 500, 500, 0], [0, 250, 750, 0])
    assert math.isclose(got.statistic, stats.wasserstein_distance(base, cur), rel_tol=1e-3)
    assert math.isclose(got.statistic, 0.125)
    assert got.lower == 0.0 and got.upper == 0.5 * 0.5 + 0.5 * 0.75


def test_identical_counts_bound_the_distance_by_the_bin_widths() -> None:
    """Same counts: the estimate is 0, the upper bound the share-weighted bin widths."""
    got = wasserstein_binned([0.0, 1.0, 3.0], [0, 2, 2, 0], [0, 1, 1, 0])
    assert got.statistic == 0.0 and got.lower == 0.0 and got.upper == 1.0 * 0.5 + 2.0 * 0.5


@pytest.mark.parametrize(("edges", "base", "cur", "match"), [
    ([0.0], [0, 1], [0, 1], "edges="),
    ([1.0, 0.0], [0, 1, 0], [0, 1, 0], "edges="),
    ([0.0, 1.0], [0, 1], [0, 1], "3 counts"),
    ([0.0, 1.0], [0, -1, 0], [0, 1, 0], "3 counts"),
    ([0.0, 1.0], [0, 1, 0], [1, 1, 0], "outside the edges"),
    ([0.0, 1.0], [0, 1, 0], [0, 0, 0], "non-empty"),
    ([0.0, 1.0], [0, math.nan, 0], [0, 1, 0], "baseline"),
])
def test_bad_input_raises(edges: list[float], base: list[float], cur: list[float],
                          match: str) -> None:
    """Bad edges, counts, data outside the edges or an empty sample raise ValueError."""
    with pytest.raises(ValueError, match=match):
        wasserstein_binned(edges, base, cur)


def test_inner_counts_leaves_out_empty_outer_bins() -> None:
    """Outer bins go when the current sample has none there, else stay and are counted."""
    assert inner_counts([0, 3, 4, 0], [0, 1, 2, 0]) == ([3, 4], [1, 2], 0)
    assert inner_counts([0, 3, 4, 0], [2, 1, 2, 1]) == ([0, 3, 4, 0], [2, 1, 2, 1], 3)
    with pytest.raises(ValueError, match="lengths"):
        inner_counts([0, 1], [0, 1])
    with pytest.raises(ValueError, match="lengths"):
        inner_counts([0, 1, 0], [0, 1, 0, 0])
