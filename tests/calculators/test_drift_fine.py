"""KS and Wasserstein from fine fixed bins against scipy on the raw samples."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from otel_measure.calculators.drift_fine import (
    FineCounts,
    FineLayout,
    baseline_std,
    ks_fine,
    wasserstein_fine,
)


def _samples(seed: int, n_base: int, n_cur: int, shift: float, digits: int | None
             ) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    base = [rng.gauss(0, 1) for _ in range(n_base)]
    cur = [rng.gauss(shift, 1.3) for _ in range(n_cur)]
    if digits is not None:
        base, cur = [round(v, digits) for v in base], [round(v, digits) for v in cur]
    return base, cur


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10**6), st.integers(1, 600), st.integers(1, 600),
       st.floats(-1.0, 1.0), st.sampled_from([None, 0, 1, 2]))
def test_exact_layout_gives_scipy_ks(seed: int, n_base: int, n_cur: int, shift: float,
                                     digits: int | None) -> None:
    """Every distinct baseline value a point: D and p equal ks_2samp; Wasserstein in its bound."""
    base, cur = _samples(seed, n_base, n_cur, shift, digits)
    layout = FineLayout(base)
    b, c = FineCounts(layout, base), FineCounts(layout, cur)
    assert layout.exact
    got, ref = ks_fine(b, c), stats.ks_2samp(base, cur)
    assert got.error_bound == 0.0
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-12, abs=1e-15)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-14)
    w = wasserstein_fine(b, c, baseline_std(base))
    raw = stats.wasserstein_distance(base, cur)
    assert w.statistic - 1e-9 <= raw <= w.statistic + w.error_bound + 1e-9
    assert w.normed == pytest.approx(w.statistic / max(float(np.std(base)), 0.001))


@pytest.mark.parametrize("seed", range(6))
def test_quantile_layout_bounds_the_error(seed: int) -> None:
    """Past max_points the D is a lower bound within error_bound, the bound small."""
    base, cur = _samples(seed, 5_000, 3_000, 0.1 * seed, None)
    layout = FineLayout(base, max_points=256)
    b, c = FineCounts(layout, base), FineCounts(layout, cur)
    assert not layout.exact and len(layout.points) == 256
    assert layout.points[0] == min(base) and layout.points[-1] == max(base)
    got, ref = ks_fine(b, c), stats.ks_2samp(base, cur)
    assert got.statistic - 1e-12 <= ref.statistic <= got.statistic + got.error_bound + 1e-12
    assert got.error_bound <= 0.01
    w = wasserstein_fine(b, c, baseline_std(base))
    raw = stats.wasserstein_distance(base, cur)
    assert w.statistic - 1e-9 <= raw <= w.statistic + w.error_bound + 1e-9
    assert w.error_bound <= 0.05 * max(raw, 0.05)  # a guarantee; the real error is far less
    assert abs(w.statistic - raw) <= 1e-3 * max(raw, 0.05)


def test_remove_and_merge_equal_a_fresh_count() -> None:
    """A sliding window (add, remove) and a merge of parts equal counting from scratch."""
    base, cur = _samples(7, 300, 900, 0.2, 1)
    layout = FineLayout(base)
    window = FineCounts(layout)
    for i, value in enumerate(cur):
        window.add(value)
        if i >= 400:
            window.remove(cur[i - 400])
    fresh = FineCounts(layout, cur[-400:])
    assert window.counts == fresh.counts and window.n == fresh.n == 400
    assert window.gaps == pytest.approx(fresh.gaps, abs=1e-9)
    parts = FineCounts(layout, cur[:500])
    parts.merge(FineCounts(layout, cur[500:]))
    assert parts.counts == FineCounts(layout, cur).counts
    with pytest.raises(ValueError, match="same FineLayout"):
        parts.merge(FineCounts(FineLayout(cur)))


def test_bad_arguments() -> None:
    """Empty baselines, bad max_points and empty samples raise ValueError."""
    with pytest.raises(ValueError, match="baseline is empty"):
        FineLayout([])
    with pytest.raises(ValueError, match="max_points=1"):
        FineLayout([1.0, 2.0], max_points=1)
    layout = FineLayout([1.0, 2.0])
    with pytest.raises(ValueError, match="non-empty"):
        ks_fine(FineCounts(layout, [1.0]), FineCounts(layout))
