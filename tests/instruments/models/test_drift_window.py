"""detect_model_drift reads fine-bin accumulators; exact=True runs on the raw window."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import stats

from otel_measure.options import ModelOptions
from tests.support.models import ModelsRig


def _rig(window: int) -> ModelsRig:
    return ModelsRig(ModelOptions(drift_window_size=window, drift_check_interval_s=3600.0))


def test_sliding_window_ks_equals_scipy_on_the_window() -> None:
    """After evictions the default KS equals ks_2samp on the values still in the window."""
    rng = random.Random(2)
    base = [round(rng.gauss(0, 1), 2) for _ in range(800)]
    stream = [round(rng.gauss(0.3 if i > 3000 else 0.0, 1), 2) for i in range(4500)]
    r = _rig(2500)
    r.models.set_baseline("m", base, "x")
    for value in stream:
        r.models.observe_feature("m", "x", value)
    got = r.models.detect_model_drift("m", "x", method="ks")
    ref = stats.ks_2samp(base, stream[-2500:])
    assert got.current_size == 2500
    assert got.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert got.p_value == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)
    assert got.drifted == (ref.pvalue <= 0.05)


def test_exact_true_runs_scipy_on_the_raw_window() -> None:
    """exact=True gives scipy's Wasserstein on the raw window; the default is within 1e-3."""
    rng = random.Random(5)
    base = [rng.lognormvariate(0, 0.5) for _ in range(1500)]
    cur = [rng.lognormvariate(0.1, 0.6) for _ in range(3000)]
    r = _rig(3000)
    r.models.set_baseline("m", base, "income")
    for value in cur:
        r.models.observe_feature("m", "income", value)
    want = stats.wasserstein_distance(base, cur) / max(float(np.std(base)), 0.001)
    exact = r.models.detect_model_drift("m", "income", exact=True)
    fine = r.models.detect_model_drift("m", "income")
    assert exact.method == fine.method == "wasserstein"
    assert math.isclose(exact.statistic, want, rel_tol=1e-9)
    assert abs(fine.statistic - want) <= 1e-3 * want
    with pytest.raises(ValueError, match="exact='yes'"):
        r.models.detect_model_drift("m", "income", exact="yes")  # type: ignore[arg-type]


def test_automatic_choice_sees_new_values_of_a_tiny_baseline() -> None:
    """A 3-value baseline and a window of new values: |baseline ∪ window| > 5 picks KS."""
    r = _rig(100)
    r.models.set_baseline("m", [0.0, 1.0, 2.0] * 20, "x")
    for value in (0.0, 1.0, 2.0, 2.0):
        r.models.observe_feature("m", "x", value)
    assert r.models.detect_model_drift("m", "x").method == "chisquare"
    for value in (5.0, 6.0, 7.0):
        r.models.observe_feature("m", "x", value)
    assert r.models.detect_model_drift("m", "x").method == "ks"
    for _ in range(100):  # the new values slide out of the window
        r.models.observe_feature("m", "x", 1.0)
    assert r.models.detect_model_drift("m", "x").method == "chisquare"
