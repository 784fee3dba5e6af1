"""Results read the way the reference libraries' users expect (keys, fmeasure, float())."""

from __future__ import annotations

import math

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from otel_measure.calculators.perplexity import PerplexityAccumulator
from otel_measure.calculators.text import corpus_bleu, rouge_scores


def test_rouge_keys_and_fmeasure_match_rouge_score() -> None:
    """result["rougeL"].fmeasure equals rouge-score's, for every key."""
    target, prediction = "the cat sat on the mat", "a cat sat on a mat today"
    ref = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"]).score(target, prediction)
    ours = rouge_scores(prediction, target)
    for key in ("rouge1", "rouge2", "rougeL"):
        assert ours[key].fmeasure == pytest.approx(ref[key].fmeasure, abs=1e-12)
        assert ours[key].precision == pytest.approx(ref[key].precision, abs=1e-12)
    with pytest.raises(KeyError, match="rougeLsum"):
        ours["rougeLsum"]


def test_bleu_and_perplexity_convert_to_float() -> None:
    """float() of a BLEU result is sacrebleu's score / 100; of perplexity, the perplexity."""
    hyps = ["the cat sat on the mat", "hello there general kenobi"]
    refs = [["the cat is on the mat", "hello there general kenobi"]]
    assert float(corpus_bleu(hyps, refs)) == pytest.approx(
        sacrebleu.corpus_bleu(hyps, refs).score / 100, abs=1e-12)
    acc = PerplexityAccumulator()
    acc.add([math.log(0.5), math.log(0.25)])
    assert float(acc.result()) == pytest.approx(math.exp(-(math.log(0.5) + math.log(0.25)) / 2))
