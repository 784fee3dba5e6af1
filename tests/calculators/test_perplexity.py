"""Tests for token-weighted perplexity against a numpy computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators.perplexity import PerplexityAccumulator, perplexity

_logprob = st.floats(min_value=-30.0, max_value=0.0, allow_nan=False)
_sequence = st.lists(_logprob, min_size=1, max_size=50)


def _reference(sequences: list[list[float]]) -> float:
    """exp of the mean negative log-probability over all pooled tokens, with numpy."""
    pooled = np.concatenate([np.asarray(s, dtype=float) for s in sequences])
    return float(np.exp(-pooled.sum() / pooled.size))


@settings(max_examples=200, deadline=None)
@given(values=_sequence)
def test_single_sequence_matches_numpy(values: list[float]) -> None:
    """A flat sequence gives exp(-mean log p) as numpy computes it."""
    assert perplexity(values) == pytest.approx(_reference([values]), rel=1e-9)
    assert perplexity(np.asarray(values)) == pytest.approx(_reference([values]), rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(sequences=st.lists(_sequence, min_size=1, max_size=6))
def test_several_sequences_are_token_weighted(sequences: list[list[float]]) -> None:
    """Several sequences pool their tokens instead of averaging per-sequence perplexities."""
    expected = _reference(sequences)
    assert perplexity(sequences) == pytest.approx(expected, rel=1e-9)
    assert perplexity([tuple(s) for s in sequences]) == pytest.approx(expected, rel=1e-9)


@settings(max_examples=150, deadline=None)
@given(left=st.lists(_sequence, max_size=4), right=st.lists(_sequence, max_size=4))
def test_merge_equals_concatenation(left: list[list[float]], right: list[list[float]]) -> None:
    """Merged accumulators equal one accumulator over all sequences, and numpy."""
    if not left and not right:
        return
    a, b, whole = PerplexityAccumulator(), PerplexityAccumulator(), PerplexityAccumulator()
    for seq in left:
        a.add(seq)
        whole.add(seq)
    for seq in right:
        b.add(seq)
        whole.add(seq)
    a.merge(b)
    merged, single = a.result(), whole.result()
    assert merged.token_count == single.token_count == sum(map(len, left + right))
    assert merged.sequence_count == len(left) + len(right)
    assert merged.perplexity == pytest.approx(single.perplexity, rel=1e-12)
    assert merged.perplexity == pytest.approx(_reference(left + right), rel=1e-9)
    assert merged.mean_nll == pytest.approx(math.log(merged.perplexity), rel=1e-9, abs=1e-12)


def test_differs_from_mean_of_sequence_perplexities() -> None:
    """Unequal lengths make the token-weighted value differ from the per-sequence mean."""
    sequences = [[-0.1] * 9, [-3.0]]
    per_sequence_mean = float(np.mean([np.exp(-np.mean(s)) for s in sequences]))
    assert perplexity(sequences) == pytest.approx(_reference(sequences), rel=1e-12)
    assert perplexity(sequences) != pytest.approx(per_sequence_mean, rel=1e-3)


def test_certain_tokens_and_empty_inner_sequences() -> None:
    """Log-probability 0 gives perplexity 1, and empty inner sequences add no tokens."""
    assert perplexity([0.0, -0.0, 0]) == 1.0
    assert perplexity([[], [-1.0, -2.0]]) == pytest.approx(_reference([[-1.0, -2.0]]))
    acc = PerplexityAccumulator()
    acc.add([])
    acc.add([-2.0])
    assert acc.result().token_count == 1
    assert acc.result().sequence_count == 2
    assert acc.result().to_dict()["perplexity"] == pytest.approx(math.exp(2.0))


def test_minus_infinity_and_overflow_give_infinity() -> None:
    """A zero-probability token, or a mean too large for exp, gives inf (as numpy does)."""
    with np.errstate(over="ignore"):
        assert perplexity([-1.0, -math.inf]) == float(np.exp(np.inf))
        assert perplexity([-1000.0]) == float(np.exp(1000.0))
    assert perplexity([[-0.5], [-math.inf]]) == math.inf


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([], "no tokens"),
        ([[]], "no tokens"),
        ([[], []], "no tokens"),
        ([-1.0, math.nan], "token_logprobs\\[1\\]=nan"),
        ([math.inf], "token_logprobs\\[0\\]=inf"),
        ([0.5], "token_logprobs\\[0\\]=0.5"),
        ([[-1.0], [0.1]], "token_logprobs\\[1\\]\\[0\\]=0.1"),
        ([True], "mix or other values"),
        (["-1"], "mix or other values"),
        ([-1.0, [-1.0]], "mix or other values"),
        ([[-1.0, "x"]], "token_logprobs\\[0\\]\\[1\\]='x'"),
        ("abc", "token_logprobs='abc'"),
        (None, "token_logprobs=None"),
        (-1.0, "token_logprobs=-1.0"),
    ],
)
def test_rejects_bad_input(value: object, message: str) -> None:
    """Empty input, NaN, +inf, positive values and non-numbers raise ValueError."""
    with pytest.raises(ValueError, match=message):
        perplexity(value)  # type: ignore[arg-type]


def test_accumulator_rejects_bad_input() -> None:
    """The accumulator rejects bad values, foreign merges and results without tokens."""
    acc = PerplexityAccumulator()
    with pytest.raises(ValueError, match="no tokens"):
        acc.result()
    with pytest.raises(ValueError, match="token_logprobs\\[0\\]=nan"):
        acc.add([math.nan])
    with pytest.raises(ValueError, match="not a PerplexityAccumulator"):
        acc.merge([])  # type: ignore[arg-type]
    assert acc.token_count == 0
    assert acc.log_prob_sum == 0.0
