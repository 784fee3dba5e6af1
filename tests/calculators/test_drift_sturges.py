"""numpy's 'sturges' edges fixed from a baseline: NumericBinner.sturges and sturges_edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators import drift as D
from otel_measure.calculators.drift_bins import sturges_edges


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=300),
       st.integers(0, 5000))
def test_sturges_binner_equals_numpy_on_baseline_plus_padding(values: list[float],
                                                             extra: int) -> None:
    """Edges for n + extra values = numpy's on the values padded with extra copies of one."""
    padded = np.concatenate([values, np.full(extra, values[0])])
    want = np.histogram_bin_edges(padded, bins="sturges").tolist()
    got = D.NumericBinner.sturges(values, len(values) + extra).edges
    assert list(got) == want or (len(set(values)) == 1 and got == (want[0], want[-1]))


def test_sturges_binner_defaults_to_the_number_of_values() -> None:
    """Without a size the edges are numpy's for the values alone."""
    values = [0.5 * i for i in range(50)]
    assert list(D.NumericBinner.sturges(values).edges) == np.histogram_bin_edges(
        values, bins="sturges").tolist()


def test_integral_edges_keep_a_width_of_at_least_one() -> None:
    """Integer data (numpy's integer dtype rule): width at least 1."""
    assert sturges_edges(0, 4, 10**6, integral=True) == np.histogram_bin_edges(
        np.array([0] * (10**6 - 1) + [4]), bins="sturges").tolist()


@pytest.mark.parametrize("values", [[], [float("nan")], "ab"])
def test_sturges_binner_rejects_bad_values(values: object) -> None:
    """Empty, NaN or non-numeric baselines raise ValueError naming the argument."""
    with pytest.raises(ValueError, match="values"):
        D.NumericBinner.sturges(values)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, 10, True, 2.5])
def test_sturges_binner_rejects_a_size_below_the_values(bad: object) -> None:
    """The size must be an int of at least the number of values."""
    with pytest.raises(ValueError, match="size="):
        D.NumericBinner.sturges([float(i) for i in range(20)], bad)  # type: ignore[arg-type]


def test_sturges_binner_bins_values_like_numpy_histogram() -> None:
    """index() puts a value where numpy.histogram counts it (last edge inclusive)."""
    values = [0.1 * i for i in range(40)]
    binner = D.NumericBinner.sturges(values, 100)
    probe = [-1.0, *values, 3.9, 5.0]
    counts = [0] * (len(binner.edges) + 1)
    for v in probe:
        counts[binner.index(v)] += 1
    inner = np.histogram(probe, binner.edges)[0].tolist()
    assert counts == [1, *inner, 1]
