"""Streamed numeric count tests equal batch detect() where docs/drift.md says they do."""

from __future__ import annotations

import math
import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators import drift as D
from otel_measure.options import ModelOptions
from tests.support.models import ModelsRig

COUNT_TESTS = ("psi", "jensenshannon", "hellinger")


def rig(window: int) -> ModelsRig:
    """A rig with a sliding window of ``window`` values and no automatic checks."""
    return ModelsRig(ModelOptions(drift_window_size=window, drift_check_interval_s=3600.0,
                                  drift_max_baseline_size=5000))


def inside(rng: random.Random, lo: float, hi: float, shift: float) -> float:
    """A shifted normal value folded into the open range (lo, hi)."""
    while True:
        value = rng.gauss(shift, 1.0)
        if lo < value < hi:
            return value


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.integers(25, 1500), st.integers(20, 600),
       st.integers(0, 300), st.floats(-1.0, 1.0), st.sampled_from(COUNT_TESTS))
def test_full_window_inside_the_baseline_range_equals_batch(
        seed: int, n_base: int, window: int, slid: int, shift: float, method: str) -> None:
    """PSI, Jensen-Shannon and Hellinger of a full window inside the baseline's range equal
    batch detect() on the same window exactly (same bins, same calculator)."""
    rng = random.Random(seed)
    base = [rng.gauss(0, 1) for _ in range(n_base)]
    lo, hi = min(base), max(base)
    values = [inside(rng, lo, hi, shift) for _ in range(window + slid)]
    r = rig(window)
    r.models.set_baseline("m", base, "x")
    for v in values:
        r.models.observe_feature("m", "x", v)
    got = r.models.detect_model_drift("m", "x", method=method).features["x"]
    want = D.detect(base, values[-window:], method)
    assert got == want and got.outside == 0


def test_bins_are_numpy_sturges_for_baseline_plus_window() -> None:
    """The fixed edges are numpy.histogram_bin_edges(sturges) of baseline + window values."""
    rng = random.Random(3)
    base = [rng.uniform(-2, 5) for _ in range(700)]
    r = rig(300)
    drift = r.models.set_baseline("m", base, "x")
    padded = np.concatenate([base, np.full(300, base[0])])
    assert drift.kind == "numeric"
    assert list(drift.labels) == np.histogram_bin_edges(padded, bins="sturges").tolist()


def test_partial_window_equals_batch_exactly_when_the_bin_count_matches() -> None:
    """While the window fills, streamed = batch iff ceil(log2(n_base + n) + 1) is the
    layout's bin count; the bound in docs/drift.md (n > 2**(k-2) - n_base) is exact."""
    rng = random.Random(11)
    base = [rng.gauss(0, 1) for _ in range(1000)]
    lo, hi = min(base), max(base)
    r = rig(1000)
    drift = r.models.set_baseline("m", base, "x")
    k = len(drift.labels) - 1
    assert k == math.ceil(math.log2(2000) + 1) == 12
    first_equal = 2 ** (k - 2) - 1000 + 1  # 25: log2(1000 + n) + 1 > 11 from here on
    window: list[float] = []
    outcomes = {}
    for n in range(1, 61):
        value = inside(rng, lo, hi, 0.3)
        window.append(value)
        r.models.observe_feature("m", "x", value)
        got = r.models.detect_model_drift("m", "x", method="psi").features["x"]
        outcomes[n] = got == D.detect(base, window, "psi")
    assert [n for n, same in outcomes.items() if same] == list(range(first_equal, 61))


def test_values_outside_the_baseline_range_are_reported_and_exact_gives_batch() -> None:
    """Window values outside the baseline range land in the outer bins and are counted in
    ``outside``; exact=True runs batch detect() on the raw window for every count test."""
    rng = random.Random(5)
    base = [rng.gauss(0, 1) for _ in range(800)]
    hi = max(base)
    window = [inside(rng, min(base), hi, 0.5) for _ in range(497)] + [hi + 1, hi + 2, 50.0]
    r = rig(500)
    r.models.set_baseline("m", base, "x")
    for v in window:
        r.models.observe_feature("m", "x", v)
    for method in (*COUNT_TESTS, "chisquare"):
        streamed = r.models.detect_model_drift("m", "x", method=method).features["x"]
        exact = r.models.detect_model_drift("m", "x", method=method, exact=True).features["x"]
        assert streamed.outside == 3 and exact.outside == 0
        assert exact == D.detect(base, window, method)
    # One value 50 standard deviations out stretches batch's bins over [min, 50], so batch
    # PSI drops to about a third of its value without that value; the fixed bins keep the
    # baseline's resolution and barely move (docs/drift.md quotes these numbers).
    psi = r.models.detect_model_drift("m", "x", method="psi").features["x"].statistic
    batch = D.detect(base, window, "psi").statistic
    without = D.detect(base, window[:-1], "psi").statistic
    assert (round(psi, 3), round(batch, 3), round(without, 3)) == (0.348, 0.113, 0.389)


def test_discrete_and_categorical_layouts_report_nothing_outside() -> None:
    """``outside`` is a numeric-layout count: a discrete feature keeps it 0."""
    r = rig(100)
    r.models.set_baseline("m", [float(i % 4) for i in range(100)], "x")
    for i in range(100):
        r.models.observe_feature("m", "x", float(i % 6))
    got = r.models.detect_model_drift("m", "x", method="psi").features["x"]
    assert got.outside == 0 and got.method == "psi"
