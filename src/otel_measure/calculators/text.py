"""Text generation quality: BLEU (as sacrebleu) and ROUGE (as rouge-score).

BLEU lives in :mod:`text_bleu` (its 13a tokenizer in :mod:`text_13a`) and ROUGE in
:mod:`text_rouge`; this module gathers their public names. BLEU scores are on the
0-1 scale (sacrebleu's / 100).
"""

from __future__ import annotations

from otel_measure.calculators.text_bleu import (
    MAX_NGRAM_ORDER,
    BleuResult,
    BleuStats,
    corpus_bleu,
    sentence_bleu,
    tokenize_13a,
)
from otel_measure.calculators.text_rouge import (
    RougeScore,
    RougeScores,
    rouge_scores,
    rouge_tokens,
)

__all__ = [
    "MAX_NGRAM_ORDER",
    "BleuResult",
    "BleuStats",
    "RougeScore",
    "RougeScores",
    "corpus_bleu",
    "rouge_scores",
    "rouge_tokens",
    "sentence_bleu",
    "tokenize_13a",
]
