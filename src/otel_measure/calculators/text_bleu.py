"""Corpus and sentence BLEU equal to sacrebleu's defaults, on the 0-1 scale.

What is reproduced (sacrebleu 2.x ``corpus_bleu`` / ``sentence_bleu`` defaults):

* the ``13a`` tokenizer (mteval-v13a): trailing whitespace stripped, ``<skipped>``
  removed, ``-\\n`` joined, newlines to spaces, ``&quot; &amp; &lt; &gt;`` unescaped in
  that order, ASCII punctuation split off, ``.`` and ``,`` split unless between digits,
  ``-`` split after a digit; no lowercasing and no Unicode normalisation;
* n-grams of order 1 to 4, hypothesis counts clipped by the maximum count over the
  references, reference length = the closest one (ties go to the shorter);
* brevity penalty ``exp(1 - r / c)`` when ``c < r`` (0 when ``c == 0``);
* ``exp`` smoothing: each order with no match gets ``1 / (2^k * total)``, k counting
  those orders; no match at all gives 0; ``effective_order`` only for sentences.

Scores and precisions are sacrebleu's divided by 100 (a perfect score that rounds to
1.0000000000000002 is clamped to 1.0). The tokenizer lives in :mod:`text_13a`.
Everything is built on :class:`BleuStats`, whose counts add up across batches and
processes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from otel_measure.calculators._result import Result
from otel_measure.calculators.text_13a import segment_tokens, tokenize_13a

__all__ = [
    "MAX_NGRAM_ORDER",
    "BleuResult",
    "BleuStats",
    "corpus_bleu",
    "sentence_bleu",
    "tokenize_13a",
]

MAX_NGRAM_ORDER = 4


def _ngrams(tokens: tuple[str, ...], order: int) -> Sequence[Any]:
    # Spelled out per order: zip over explicit slices is the fastest way in CPython.
    if order == 1:
        return tokens
    if order == 2:
        return list(pairwise(tokens))
    if order == 3:
        return list(zip(tokens, tokens[1:], tokens[2:], strict=False))
    return list(zip(tokens, tokens[1:], tokens[2:], tokens[3:], strict=False))


def _clipped_matches(hyp: tuple[str, ...], refs: list[tuple[str, ...]], order: int) -> int:
    """Count hypothesis n-grams matched, clipped by the maximum reference count."""
    hyp_grams = _ngrams(hyp, order)
    hyp_set = set(hyp_grams)
    ref_grams = [_ngrams(ref, order) for ref in refs]
    ref_sets = [set(grams) for grams in ref_grams]
    common = hyp_set.intersection(ref_sets[0].union(*ref_sets[1:]))
    # With every count on one side equal to 1, each common n-gram counts once;
    # set operations run in C, so only repeated n-grams on both sides need counting.
    if len(hyp_set) == len(hyp_grams) or all(
        len(s) == len(g) for s, g in zip(ref_sets, ref_grams, strict=True)
    ):
        return len(common)
    hyp_counts = Counter(hyp_grams)
    ref_counts = Counter(ref_grams[0])
    for grams in ref_grams[1:]:
        for ngram, count in Counter(grams).items():
            if count > ref_counts[ngram]:
                ref_counts[ngram] = count
    found = 0
    for ngram in common:
        hyp_count = hyp_counts[ngram]
        ref_count = ref_counts[ngram]
        found += hyp_count if hyp_count < ref_count else ref_count
    return found


@dataclass(frozen=True)
class BleuResult(Result):
    """A BLEU score with the statistics behind it (0-1 scale).

    Attributes:
        score: BLEU in [0, 1] (sacrebleu's score / 100).
        precisions: Smoothed n-gram precisions in [0, 1], orders 1 to 4.
        brevity_penalty: ``exp(1 - ref_len / sys_len)`` if shorter, else 1.
        sys_len: Hypothesis tokens.
        ref_len: Closest-reference tokens, summed over segments.
        ratio: ``sys_len / ref_len`` (0 when ``ref_len`` is 0).
        matches: Clipped matching n-grams per order.
        totals: Hypothesis n-grams per order.
        segments: Number of hypothesis segments.
    """

    score: float
    precisions: tuple[float, ...]
    brevity_penalty: float
    sys_len: int
    ref_len: int
    ratio: float
    matches: tuple[int, ...]
    totals: tuple[int, ...]
    segments: int

    def __float__(self) -> float:
        """The score, so ``float(result)`` reads as the origin's plain number."""
        return self.score


def _bleu_from_counts(
    matches: Sequence[int],
    totals: Sequence[int],
    sys_len: int,
    ref_len: int,
    segments: int,
    effective_order: bool,
) -> BleuResult:
    # Same operations in the same order as sacrebleu on its 0-100 scale, so the
    # scores agree to the last bit before the final division by 100.
    bp = 1.0
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    precisions = [0.0] * MAX_NGRAM_ORDER
    score = 0.0
    if any(matches):
        smooth = 1.0
        used_orders = MAX_NGRAM_ORDER
        for n in range(MAX_NGRAM_ORDER):
            if totals[n] == 0:
                break
            if effective_order:
                used_orders = n + 1
            if matches[n] == 0:
                smooth *= 2
                precisions[n] = 100.0 / (smooth * totals[n])
            else:
                precisions[n] = 100.0 * matches[n] / totals[n]
        # sacrebleu floors log(0) at -9999999999 instead of -inf.
        log_sum = sum([math.log(p) if p != 0.0 else -9999999999 for p in precisions[:used_orders]])
        score = bp * math.exp(log_sum / used_orders)
    return BleuResult(
        # A perfect match can round to 100.00000000000001; keep the 0-1 promise.
        score=min(score / 100.0, 1.0),
        precisions=tuple(p / 100.0 for p in precisions),
        brevity_penalty=bp,
        sys_len=sys_len,
        ref_len=ref_len,
        ratio=sys_len / ref_len if ref_len else 0.0,
        matches=tuple(matches),
        totals=tuple(totals),
        segments=segments,
    )


def _check_refs(references: Any, name: str) -> list[str]:
    if isinstance(references, (str, bytes)) or not isinstance(references, Iterable):
        raise ValueError(f"{name}={references!r} is not a sequence of reference strings")
    refs = list(references)
    for i, ref in enumerate(refs):
        if ref is not None and not isinstance(ref, str):
            raise ValueError(f"{name}[{i}]={ref!r} is not a string (or None to skip it)")
    present = [r for r in refs if r is not None]
    if not present:
        raise ValueError(f"{name}={refs!r} holds no reference string; at least one is needed")
    return present


class BleuStats:
    """Mergeable BLEU sufficient statistics: n-gram matches and totals, lengths.

    ``add`` each (hypothesis, references) segment, ``merge`` accumulators from other
    batches or processes, and ``result()`` gives the same score as ``corpus_bleu``
    over the concatenated segments.
    """

    __slots__ = ("_matches", "_ref_len", "_segments", "_sys_len", "_totals")

    def __init__(self) -> None:
        """Start with no segments."""
        self._matches = [0] * MAX_NGRAM_ORDER
        self._totals = [0] * MAX_NGRAM_ORDER
        self._sys_len = 0
        self._ref_len = 0
        self._segments = 0

    @classmethod
    def from_stats(cls, stats: Sequence[int], segments: int = 1) -> BleuStats:
        """Rebuild an accumulator from ``stats()`` output (sacrebleu's layout).

        Args:
            stats: ``[sys_len, ref_len, matches_1..4, totals_1..4]``.
            segments: How many segments the statistics cover.

        Raises:
            ValueError: If the statistics are not 10 non-negative integers.
        """
        values = list(stats)
        if len(values) != 2 + 2 * MAX_NGRAM_ORDER or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
        ):
            raise ValueError(
                f"stats={stats!r} is not 10 non-negative integers "
                "[sys_len, ref_len, matches_1..4, totals_1..4]"
            )
        if not isinstance(segments, int) or isinstance(segments, bool) or segments < 0:
            raise ValueError(f"segments={segments!r} is not a non-negative integer")
        acc = cls()
        acc._sys_len, acc._ref_len = values[0], values[1]
        acc._matches = values[2 : 2 + MAX_NGRAM_ORDER]
        acc._totals = values[2 + MAX_NGRAM_ORDER :]
        acc._segments = segments
        return acc

    @property
    def segments(self) -> int:
        """Number of segments added."""
        return self._segments

    @property
    def sys_len(self) -> int:
        """Hypothesis tokens so far."""
        return self._sys_len

    @property
    def ref_len(self) -> int:
        """Closest-reference tokens so far."""
        return self._ref_len

    @property
    def matches(self) -> tuple[int, ...]:
        """Clipped matching n-grams per order."""
        return tuple(self._matches)

    @property
    def totals(self) -> tuple[int, ...]:
        """Hypothesis n-grams per order."""
        return tuple(self._totals)

    def stats(self) -> tuple[int, ...]:
        """Return ``(sys_len, ref_len, matches_1..4, totals_1..4)``."""
        return (self._sys_len, self._ref_len, *self._matches, *self._totals)

    def add(self, hypothesis: str, references: Sequence[str | None]) -> None:
        """Add one segment.

        Args:
            hypothesis: The system output.
            references: One or more reference strings; ``None`` entries are skipped
                (sacrebleu's variable number of references).

        Raises:
            ValueError: If the hypothesis is not a string or no reference is given.
        """
        if not isinstance(hypothesis, str):
            raise ValueError(f"hypothesis={hypothesis!r} is not a string")
        self._add_checked(hypothesis, _check_refs(references, "references"))

    def _add_checked(self, hypothesis: str, references: list[str]) -> None:
        hyp = segment_tokens(hypothesis)
        refs = [segment_tokens(r) for r in references]
        hyp_len = len(hyp)
        ref_len = min((abs(len(r) - hyp_len), len(r)) for r in refs)[1]
        self._segments += 1
        self._sys_len += hyp_len
        self._ref_len += ref_len
        matches, totals = self._matches, self._totals
        matched = True
        for n in range(1, min(hyp_len, MAX_NGRAM_ORDER) + 1):
            totals[n - 1] += hyp_len - n + 1
            # An n-gram can only match if the (n-1)-grams inside it did.
            if matched:
                found = _clipped_matches(hyp, refs, n)
                matches[n - 1] += found
                matched = found > 0

    def merge(self, other: BleuStats) -> None:
        """Add another accumulator's statistics into this one.

        Raises:
            ValueError: If ``other`` is not a ``BleuStats``.
        """
        if not isinstance(other, BleuStats):
            raise ValueError(f"other={other!r} is not a BleuStats")
        self._segments += other._segments
        self._sys_len += other._sys_len
        self._ref_len += other._ref_len
        for n in range(MAX_NGRAM_ORDER):
            self._matches[n] += other._matches[n]
            self._totals[n] += other._totals[n]

    def result(self, effective_order: bool = False) -> BleuResult:
        """Return BLEU over everything added.

        Args:
            effective_order: Average only over the orders that have n-grams
                (sacrebleu's ``use_effective_order``; ``sentence_bleu`` uses it).

        Raises:
            ValueError: If no segment was added.
        """
        if self._segments == 0:
            raise ValueError("BleuStats holds no segments; add() at least one first")
        return _bleu_from_counts(
            self._matches,
            self._totals,
            self._sys_len,
            self._ref_len,
            self._segments,
            bool(effective_order),
        )


def corpus_bleu(
    hypotheses: Sequence[str], references: Sequence[Sequence[str | None]]
) -> BleuResult:
    """Corpus BLEU, equal to ``sacrebleu.corpus_bleu(...).score / 100``.

    Args:
        hypotheses: One system output per segment.
        references: Reference streams, as sacrebleu takes them: each stream holds one
            reference per segment (``None`` skips it for that segment).

    Returns:
        The score with its precisions, brevity penalty, lengths and counts.

    Raises:
        ValueError: On an empty corpus, non-string items, a stream whose length differs
            from ``hypotheses``, or a segment with no reference at all.
    """
    if isinstance(hypotheses, (str, bytes)) or not isinstance(hypotheses, Iterable):
        raise ValueError(f"hypotheses={hypotheses!r} is not a sequence of strings")
    hyps = list(hypotheses)
    if not hyps:
        raise ValueError("hypotheses=[] is empty; at least one segment is needed")
    for i, hyp in enumerate(hyps):
        if not isinstance(hyp, str):
            raise ValueError(f"hypotheses[{i}]={hyp!r} is not a string")
    if isinstance(references, (str, bytes)) or not isinstance(references, Iterable):
        raise ValueError(
            f"references={references!r} is not a list of reference streams "
            "(each a list of strings as long as hypotheses)"
        )
    streams = [_check_stream(stream, i, len(hyps)) for i, stream in enumerate(references)]
    if not streams:
        raise ValueError("references=[] holds no reference stream; at least one is needed")
    acc = BleuStats()
    for i, hyp in enumerate(hyps):
        refs = [ref for stream in streams if (ref := stream[i]) is not None]
        if not refs:
            raise ValueError(f"references hold no reference for segment {i} (all None)")
        acc._add_checked(hyp, refs)
    return acc.result()


def _check_stream(stream: Any, index: int, length: int) -> list[str | None]:
    if isinstance(stream, (str, bytes)) or not isinstance(stream, Iterable):
        raise ValueError(
            f"references[{index}]={stream!r} is not a reference stream (a list of strings)"
        )
    items = list(stream)
    if len(items) != length:
        raise ValueError(
            f"references[{index}] has {len(items)} segments; it must have "
            f"{length}, one per hypothesis"
        )
    for j, item in enumerate(items):
        if item is not None and not isinstance(item, str):
            raise ValueError(f"references[{index}][{j}]={item!r} is not a string (or None)")
    return items


def sentence_bleu(hypothesis: str, references: Sequence[str | None]) -> BleuResult:
    """Sentence BLEU, equal to ``sacrebleu.sentence_bleu(...).score / 100``.

    Uses the effective order (orders without any n-gram are left out), as sacrebleu
    does by default for sentences.

    Args:
        hypothesis: The system output.
        references: One or more reference strings for it.

    Raises:
        ValueError: If the hypothesis is not a string or no reference is given.
    """
    acc = BleuStats()
    acc.add(hypothesis, references)
    return acc.result(effective_order=True)
