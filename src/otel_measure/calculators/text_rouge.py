"""ROUGE-1, ROUGE-2 and ROUGE-L equal to Google's ``rouge-score`` package.

Reproduces ``RougeScorer(['rouge1', 'rouge2', 'rougeL'], use_stemmer=False)
.score(target, prediction)``:

* tokens: the text is lowercased with ``str.lower()`` (so the few non-ASCII
  characters that lowercase to ASCII, such as the Kelvin sign, survive), then the
  tokens are the runs of ``[a-z0-9]``; everything else, accented letters and CJK
  included, separates tokens and vanishes;
* ROUGE-N: overlap = sum over n-grams of ``min(count in target, count in prediction)``,
  ``P = overlap / max(|prediction n-grams|, 1)``, ``R = overlap / max(|target n-grams|, 1)``;
* ROUGE-L: overlap = length of the longest common subsequence of the two token lists,
  ``P = lcs / |prediction|``, ``R = lcs / |target|``, all 0 if either is empty;
* ``F = 2PR / (P + R)``, 0 when ``P + R = 0``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from otel_measure.calculators._result import Result

__all__ = ["RougeScore", "RougeScores", "rouge_scores", "rouge_tokens"]

_TOKEN_RE = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class RougeScore(Result):
    """Precision, recall and F1 of one ROUGE variant, each in [0, 1]."""

    precision: float
    recall: float
    f1: float

    @property
    def fmeasure(self) -> float:
        """rouge-score's name for :attr:`f1`."""
        return self.f1


@dataclass(frozen=True)
class RougeScores(Result):
    """ROUGE-1, ROUGE-2 and ROUGE-L of a prediction against a target.

    The field names follow rouge-score's keys ``rouge1``, ``rouge2`` and ``rougeL``.
    """

    rouge1: RougeScore
    rouge2: RougeScore
    rougeL: RougeScore

    def __getitem__(self, key: str) -> RougeScore:
        """Look a variant up by rouge-score's key: ``"rouge1"``, ``"rouge2"``, ``"rougeL"``."""
        if key not in ("rouge1", "rouge2", "rougeL"):
            raise KeyError(f"{key!r} is not one of 'rouge1', 'rouge2', 'rougeL'")
        score: RougeScore = getattr(self, key)
        return score


def rouge_tokens(text: str) -> list[str]:
    """Tokenize text as rouge-score's default tokenizer does (no stemming).

    Raises:
        ValueError: If ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise ValueError(f"text={text!r} is not a string")
    return _TOKEN_RE.findall(text.lower())


def _score(overlap: int, predicted: int, expected: int) -> RougeScore:
    # Same operations in the same order as rouge-score, so results agree bitwise.
    precision = overlap / predicted
    recall = overlap / expected
    if precision + recall > 0:
        return RougeScore(precision, recall, 2 * precision * recall / (precision + recall))
    return RougeScore(precision, recall, 0.0)


def _overlap(a: Counter[Any], b: Counter[Any]) -> int:
    if len(b) < len(a):
        a, b = b, a
    found = 0
    for gram, count in a.items():
        other = b.get(gram)
        if other:
            found += count if count < other else other
    return found


def _lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence, bit-parallel over ``a``.

    Each token of ``a`` owns a bit mask of its positions; one pass over ``b`` with
    integer additions updates all LCS columns at once (Allison-Dix / Hyyrö), so the
    cost is ``len(b)`` big-integer steps instead of a ``len(a) * len(b)`` table.
    """
    if len(a) < len(b):
        a, b = b, a
    positions: dict[str, int] = {}
    for i, token in enumerate(a):
        positions[token] = positions.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    row = full
    for token in b:
        mask = positions.get(token)
        if mask is not None:
            matched = row & mask
            row = ((row + matched) | (row - matched)) & full
    return len(a) - row.bit_count()


def rouge_scores(prediction: str, target: str) -> RougeScores:
    """ROUGE-1, ROUGE-2 and ROUGE-L of ``prediction`` against ``target``.

    Equal to rouge-score's ``RougeScorer(['rouge1', 'rouge2', 'rougeL'])
    .score(target, prediction)`` (note its reversed argument order): precision is
    relative to the prediction, recall to the target.

    Args:
        prediction: The generated text.
        target: The reference text.

    Raises:
        ValueError: If either argument is not a string.
    """
    if not isinstance(prediction, str):
        raise ValueError(f"prediction={prediction!r} is not a string")
    if not isinstance(target, str):
        raise ValueError(f"target={target!r} is not a string")
    pred = _TOKEN_RE.findall(prediction.lower())
    tgt = _TOKEN_RE.findall(target.lower())
    n_pred, n_tgt = len(pred), len(tgt)
    rouge1 = _score(_overlap(Counter(pred), Counter(tgt)), max(n_pred, 1), max(n_tgt, 1))
    rouge2 = _score(
        _overlap(Counter(pairwise(pred)), Counter(pairwise(tgt))),
        max(n_pred - 1, 1),
        max(n_tgt - 1, 1),
    )
    if n_pred and n_tgt:
        rouge_l = _score(_lcs_length(tgt, pred), n_pred, n_tgt)
    else:
        rouge_l = RougeScore(0.0, 0.0, 0.0)
    return RougeScores(rouge1=rouge1, rouge2=rouge2, rougeL=rouge_l)
