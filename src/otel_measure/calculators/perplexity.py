"""Token-weighted perplexity from per-token natural-log probabilities.

``perplexity = exp(-sum(log p) / N_tokens)`` over every token of every sequence: a
long sequence weighs more than a short one, unlike the mean of per-sequence
perplexities. The sufficient statistics are the log-probability sum and the token
count, which :class:`PerplexityAccumulator` adds up across batches and processes.

Input rules: log-probabilities are real numbers ``<= 0``. ``-inf`` (a token given
probability 0) is allowed and makes the perplexity ``inf``; so does a mean negative
log-likelihood too large for ``exp``. NaN, ``+inf`` and positive values raise
``ValueError``, as does input with no tokens at all.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from otel_measure.calculators._result import Result

__all__ = ["PerplexityAccumulator", "PerplexityResult", "perplexity"]


@dataclass(frozen=True)
class PerplexityResult(Result):
    """Perplexity with its sufficient statistics.

    Attributes:
        perplexity: ``exp(mean_nll)``; ``inf`` if any token had probability 0.
        mean_nll: Mean negative log-likelihood per token (nats), the cross-entropy.
        log_prob_sum: Sum of the natural-log probabilities (``<= 0``).
        token_count: Number of tokens.
        sequence_count: Number of sequences added.
    """

    perplexity: float
    mean_nll: float
    log_prob_sum: float
    token_count: int
    sequence_count: int

    def __float__(self) -> float:
        """The perplexity, so ``float(result)`` reads as a plain number."""
        return self.perplexity


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _checked_sum(values: Any, name: str) -> tuple[float, int]:
    """Return the exact-as-possible sum and count of one sequence of log-probs."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name}={values!r} is not a sequence of log-probabilities")
    items = list(values)
    for i, value in enumerate(items):
        if not _is_number(value):
            raise ValueError(
                f"{name}[{i}]={value!r} is not a real number (a natural-log probability)"
            )
        try:
            number = float(value)
        except OverflowError:  # an int too big for a float: positive or below -1e308
            number = math.inf if value > 0 else -math.inf
        if math.isnan(number) or number > 0.0:
            raise ValueError(
                f"{name}[{i}]={value!r} is not a log-probability; "
                "allowed values are <= 0 (-inf included), not NaN, +inf or positive"
            )
    # fsum keeps the sum independent of how tokens are batched, up to one rounding; an
    # int below -1e308 is -inf (probability 0), as float() of it would overflow.
    return math.fsum(_as_float(v) for v in items), len(items)


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # the check above let only ints below -1e308 through
        return -math.inf


def _perplexity(log_prob_sum: float, tokens: int) -> float:
    mean_nll = -log_prob_sum / tokens
    try:
        return math.exp(mean_nll)
    except OverflowError:
        return math.inf


class PerplexityAccumulator:
    """Mergeable sum of token log-probabilities and token count."""

    __slots__ = ("_log_prob_sum", "_sequences", "_tokens")

    def __init__(self) -> None:
        """Start with no tokens."""
        self._log_prob_sum = 0.0
        self._tokens = 0
        self._sequences = 0

    @property
    def log_prob_sum(self) -> float:
        """Sum of the log-probabilities added."""
        return self._log_prob_sum

    @property
    def token_count(self) -> int:
        """Number of tokens added."""
        return self._tokens

    @property
    def sequence_count(self) -> int:
        """Number of sequences added."""
        return self._sequences

    def add(self, token_logprobs: Iterable[float]) -> None:
        """Add one sequence of per-token natural-log probabilities.

        An empty sequence counts as a sequence with no tokens.

        Raises:
            ValueError: On non-numbers, NaN, ``+inf`` or positive values.
        """
        total, count = _checked_sum(token_logprobs, "token_logprobs")
        self._log_prob_sum += total
        self._tokens += count
        self._sequences += 1

    def merge(self, other: PerplexityAccumulator) -> None:
        """Add another accumulator's statistics into this one.

        Raises:
            ValueError: If ``other`` is not a ``PerplexityAccumulator``.
        """
        if not isinstance(other, PerplexityAccumulator):
            raise ValueError(f"other={other!r} is not a PerplexityAccumulator")
        self._log_prob_sum += other._log_prob_sum
        self._tokens += other._tokens
        self._sequences += other._sequences

    def result(self) -> PerplexityResult:
        """Return the token-weighted perplexity of everything added.

        Raises:
            ValueError: If no token was added.
        """
        if self._tokens == 0:
            raise ValueError("no tokens: add() at least one non-empty sequence first")
        return PerplexityResult(
            perplexity=_perplexity(self._log_prob_sum, self._tokens),
            mean_nll=-self._log_prob_sum / self._tokens,
            log_prob_sum=self._log_prob_sum,
            token_count=self._tokens,
            sequence_count=self._sequences,
        )


def perplexity(token_logprobs: Iterable[float] | Iterable[Iterable[float]]) -> float:
    """Token-weighted perplexity ``exp(-sum(log p) / N_tokens)``.

    Args:
        token_logprobs: Per-token natural-log probabilities of one sequence, or a
            sequence of such sequences (all tokens pooled, not a mean of
            per-sequence perplexities).

    Returns:
        The perplexity, ``>= 1``; ``inf`` if a token had log-probability ``-inf``.

    Raises:
        ValueError: On no tokens, a mix of numbers and sequences, non-numbers, NaN,
            ``+inf`` or positive values.
    """
    if isinstance(token_logprobs, (str, bytes)) or not isinstance(token_logprobs, Iterable):
        raise ValueError(
            f"token_logprobs={token_logprobs!r} is not a sequence of log-probabilities "
            "or of sequences of them"
        )
    items: list[Any] = list(token_logprobs)
    acc = PerplexityAccumulator()
    if items and all(_is_number(v) for v in items):
        acc.add(items)
    elif items and all(isinstance(v, Iterable) and not isinstance(v, (str, bytes)) for v in items):
        for i, sequence in enumerate(items):
            total, count = _checked_sum(sequence, f"token_logprobs[{i}]")
            acc._log_prob_sum += total
            acc._tokens += count
            acc._sequences += 1
    elif items:
        raise ValueError(
            "token_logprobs must hold either numbers (one sequence) or sequences of "
            f"numbers, not a mix or other values: {items[:5]!r}"
        )
    if acc.token_count == 0:
        raise ValueError("token_logprobs holds no tokens; at least one is needed")
    return acc.result().perplexity
