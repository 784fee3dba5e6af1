"""Tests for NPS counts, score and margin of error against a numpy/scipy computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from otel_measure.calculators.nps import NPSAccumulator, nps, nps_from_counts

_scores = st.lists(st.integers(0, 10), max_size=300)


def _reference(scores: list[int], confidence: float) -> dict[str, float]:
    """NPS, margin and clipped interval computed with numpy and scipy."""
    arr = np.asarray(scores)
    p = float(np.mean(arr >= 9))
    d = float(np.mean(arr <= 6))
    z = float(stats.norm.ppf((1 + confidence) / 2))
    score = 100 * (p - d)
    margin = z * 100 * math.sqrt(max(0.0, p + d - (p - d) ** 2) / len(arr))
    return {
        "nps": score,
        "margin": margin,
        "low": max(-100.0, score - margin),
        "high": min(100.0, score + margin),
        "z": z,
    }


@settings(max_examples=200, deadline=None)
@given(
    scores=_scores.filter(bool),
    confidence=st.one_of(st.sampled_from([0.8, 0.9, 0.95, 0.99]), st.floats(0.5, 0.999)),
)
def test_matches_numpy_scipy(scores: list[int], confidence: float) -> None:
    """Score, margin, interval and z equal a numpy/scipy computation."""
    result = nps(scores, confidence)
    ref = _reference(scores, confidence)
    assert result.nps == pytest.approx(ref["nps"], rel=1e-9, abs=1e-9)
    assert result.margin_of_error == pytest.approx(ref["margin"], rel=1e-9, abs=1e-9)
    assert result.ci_low == pytest.approx(ref["low"], rel=1e-9, abs=1e-9)
    assert result.ci_high == pytest.approx(ref["high"], rel=1e-9, abs=1e-9)
    assert result.z == pytest.approx(ref["z"], rel=1e-12)
    assert -100.0 <= result.ci_low <= result.nps <= result.ci_high <= 100.0
    arr = np.asarray(scores)
    assert result.promoters == int(np.sum(arr >= 9))
    assert result.passives == int(np.sum((arr >= 7) & (arr <= 8)))
    assert result.detractors == int(np.sum(arr <= 6))
    assert result.n == len(scores)


@settings(max_examples=150, deadline=None)
@given(left=_scores, right=_scores)
def test_merge_equals_concatenation(left: list[int], right: list[int]) -> None:
    """Merging two accumulators equals accumulating the concatenated scores."""
    a = NPSAccumulator()
    b = NPSAccumulator()
    for s in left:
        a.add(s)
    for s in right:
        b.add(s)
    a.merge(b)
    whole = nps(left + right)
    assert a.counts() == (whole.promoters, whole.passives, whole.detractors)
    assert a.n == len(left) + len(right)
    assert a.result() == whole or (whole.n == 0 and a.result().n == 0)


@pytest.mark.parametrize("confidence", [0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999])
def test_z_is_the_exact_normal_quantile_at_every_level(confidence: float) -> None:
    """z is scipy's Φ⁻¹((1 + c) / 2) at every level, 95 % included (not the rounded 1.96)."""
    result = nps_from_counts(50, 30, 20, confidence=confidence)
    assert result.z == pytest.approx(stats.norm.ppf((1 + confidence) / 2), rel=1e-12)


def test_margin_grows_with_confidence_across_95() -> None:
    """The margin is monotone in the confidence level, with no jump at exactly 0.95."""
    levels = [0.9499999, 0.95, 0.9500001]
    margins = [nps_from_counts(50, 30, 20, confidence=c).margin_of_error for c in levels]
    assert margins[0] < margins[1] < margins[2]


def test_hand_computed_example() -> None:
    """50 promoters, 30 passives, 20 detractors give NPS 30 and Var 0.61/100."""
    result = nps_from_counts(50, 30, 20)
    assert result.nps == pytest.approx(30.0)
    assert result.margin_of_error == pytest.approx(
        stats.norm.ppf(0.975) * 100 * math.sqrt(0.0061), rel=1e-12
    )
    assert (result.promoter_share, result.passive_share, result.detractor_share) == (
        0.5,
        0.3,
        0.2,
    )


def test_interval_is_clipped() -> None:
    """A near-all-promoter panel has its upper bound clipped to 100."""
    result = nps_from_counts(19, 0, 1)
    assert result.ci_high == 100.0
    assert result.ci_low < result.nps


def test_single_bucket_has_zero_margin() -> None:
    """All promoters give NPS 100 with zero margin of error."""
    result = nps([10, 9, 10])
    assert (result.nps, result.margin_of_error, result.ci_low, result.ci_high) == (
        100.0,
        0.0,
        100.0,
        100.0,
    )


def test_empty_is_nan_and_null() -> None:
    """No responses give NaN score and interval, None in to_dict."""
    result = nps([])
    assert result.n == 0
    assert math.isnan(result.nps)
    assert math.isnan(result.margin_of_error)
    d = result.to_dict()
    assert d["nps"] is None
    assert d["ci_low"] is None
    assert d["n"] == 0


@pytest.mark.parametrize("score", [True, False, 7.5, 7.0, 11, -1, math.nan, "9", None])
def test_bad_scores_rejected(score: object) -> None:
    """Non-integer or out-of-range scores raise ValueError naming the score."""
    acc = NPSAccumulator()
    with pytest.raises(ValueError, match="score="):
        acc.add(score)  # type: ignore[arg-type]
    assert acc.n == 0


def test_numpy_integers_accepted() -> None:
    """numpy integer scores are accepted like Python ints."""
    assert nps(np.array([10, 3, 8])).n == 3


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 0, 0), "promoters=-1"),
        ((0, 1.5, 0), "passives=1.5"),
        ((0, 0, True), "detractors=True"),
    ],
)
def test_bad_counts_rejected(args: tuple[object, object, object], match: str) -> None:
    """Negative, fractional or bool counts raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        nps_from_counts(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize("confidence", [0.0, 1.0, 1.5, math.nan, True])
def test_bad_confidence_rejected(confidence: float) -> None:
    """A confidence outside (0, 1) raises ValueError."""
    with pytest.raises(ValueError, match="confidence="):
        nps_from_counts(1, 1, 1, confidence)


def test_merge_rejects_other_types() -> None:
    """Merging something that is not an accumulator raises ValueError."""
    with pytest.raises(ValueError, match="other="):
        NPSAccumulator().merge(object())  # type: ignore[arg-type]
