"""Streamed categorical drift equals batch detect() up to CATEGORY_CAP categories."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from otel_measure.calculators import drift as D
from otel_measure.instruments.models.drift_checks import CATEGORY_CAP
from otel_measure.options import ModelOptions
from tests.support.models import ModelsRig

_METHODS = ("psi", "jensenshannon", "hellinger", "chisquare")


def _streamed(base: list[str], cur: list[str], window: int = 5_000) -> ModelsRig:
    r = ModelsRig(ModelOptions(drift_window_size=window, drift_max_baseline_size=10_000,
                               drift_check_interval_s=3600.0))
    r.models.set_baseline("m", base, "segment")
    for value in cur:
        r.models.observe_feature("m", "segment", value)
    return r


@pytest.mark.parametrize("seed", range(4))
def test_thirty_categories_with_new_ones_equal_batch(seed: int) -> None:
    """30 categories (past the 20 exported) plus 5 new ones: every count test equals detect()."""
    rng = random.Random(seed)
    cats = [f"c{i}" for i in range(30)]
    base = rng.choices(cats, [1 + i for i in range(30)], k=3_000)
    cur = rng.choices([*cats, *(f"new{i}" for i in range(5))],
                      [30 - i for i in range(30)] + [3] * 5, k=1_500)
    r = _streamed(base, cur)
    assert r.models.detect_model_drift("m", "segment").method == D.detect(base, cur).method
    for method in _METHODS:
        got = r.models.detect_model_drift("m", "segment", method=method).features["segment"]
        want = D.detect(base, cur, method)
        assert got.merged == 0
        assert got.drifted == want.drifted, method
        if math.isinf(want.statistic):
            assert math.isinf(got.statistic)
        else:
            assert got.statistic == pytest.approx(want.statistic, rel=1e-9, abs=1e-12), method
        if want.p_value is not None:
            assert got.p_value == pytest.approx(want.p_value, rel=1e-9, abs=1e-300), method


def test_past_the_cap_the_result_says_how_much_was_merged() -> None:
    """With more than CATEGORY_CAP categories the rarest share one bin, counted in merged."""
    rng = random.Random(1)
    cats = [f"c{i:03d}" for i in range(CATEGORY_CAP + 20)]
    weights = [1.0 / (1 + i) for i in range(len(cats))]
    base = rng.choices(cats, weights, k=8_000)
    cur = rng.choices(cats, weights, k=3_000)
    got = _streamed(base, cur).models.detect_model_drift("m", "segment", method="psi")
    # The 20 exported labels (the baseline's most frequent) come first, then the rest by
    # frequency in both samples; past CATEGORY_CAP categories they share one bin.
    labels = {c for c, _ in Counter(base).most_common(20)}
    both = Counter(base) + Counter(cur)
    rest = sorted(set(both) - labels, key=lambda c: (-both[c], repr(c)))
    merged = sum(both[c] for c in rest[CATEGORY_CAP - 20:])
    assert 0 < got.features["segment"].merged == merged
