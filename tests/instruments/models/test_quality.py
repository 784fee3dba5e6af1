"""m.models.calculate_*: results equal the references and are exported for recomputation."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sacrebleu
from rouge_score import rouge_scorer
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

from otel_measure.calculators.text import BleuStats
from tests.support.models import ModelsRig
from tests.support.rig import by_attrs


@pytest.fixture
def rig() -> ModelsRig:
    """A fresh rig."""
    return ModelsRig()


def _gauges(rig: ModelsRig, name: str) -> dict[frozenset[tuple[str, object]], float]:
    return by_attrs(rig.points(name))


def test_accuracy_metrics_equal_sklearn_and_are_exported(rig: ModelsRig) -> None:
    """Scores equal scikit-learn's; gauges and confusion counts carry the model."""
    rng = random.Random(5)
    y_true = [rng.choice("abc") for _ in range(200)]
    y_pred = [t if rng.random() < 0.7 else rng.choice("abc") for t in y_true]
    result = rig.models.calculate_accuracy_metrics("ranker", y_true, y_pred, average="macro")
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro",
                                                 zero_division=0)
    assert result.accuracy == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert (result.precision, result.recall, result.f1) == pytest.approx((p, r, f), abs=1e-12)
    model = ("gen_ai.request.model", "ranker")
    assert _gauges(rig, "measure.model.quality.accuracy") == {
        frozenset({model}): pytest.approx(result.accuracy)}
    assert _gauges(rig, "measure.model.quality.f1") == {
        frozenset({model, ("measure.quality.average", "macro")}): pytest.approx(f)}
    matrix = confusion_matrix(y_true, y_pred, labels=["a", "b", "c"])
    counts = {(pt.attributes["measure.label.true"], pt.attributes["measure.label.predicted"]):
              pt.value for pt in rig.points("measure.model.quality.confusion")}
    for i, t in enumerate("abc"):
        for j, q in enumerate("abc"):
            assert counts.get((t, q), 0) == matrix[i, j]
    assert rig.models.get_model_performance_snapshot("ranker").quality["accuracy"] == result


def test_confusion_counters_add_up_across_evaluations(rig: ModelsRig) -> None:
    """Two evaluations' counters sum to the counts of the concatenated batches."""
    a_true, a_pred = [1, 0, 1, 1], [1, 0, 0, 1]
    b_true, b_pred = [0, 0, 1], [1, 0, 1]
    rig.models.calculate_accuracy_metrics("clf", a_true, a_pred)
    last = rig.models.calculate_accuracy_metrics("clf", b_true, b_pred)
    counts = {(int(pt.attributes["measure.label.true"]),
               int(pt.attributes["measure.label.predicted"])): pt.value
              for pt in rig.points("measure.model.quality.confusion")}
    matrix = confusion_matrix(a_true + b_true, a_pred + b_pred)
    assert counts == {(i, j): matrix[i, j] for i in (0, 1) for j in (0, 1) if matrix[i, j]}
    [accuracy] = rig.points("measure.model.quality.accuracy")
    assert accuracy.value == last.accuracy == pytest.approx(2 / 3)


def test_bleu_equals_sacrebleu_and_statistics_recompute_it(rig: ModelsRig) -> None:
    """BLEU is sacrebleu's / 100; the exported counters rebuild the same score."""
    hyps = ["the cat sat on the mat.", "a quick brown fox, 3.5 km away", "hello world"]
    refs = [["the cat is on the mat.", "a fast brown fox, 3.5 km off", "hello there world"],
            ["there is a cat on the mat", "the quick brown fox 3.5 km away", "hi world"]]
    result = rig.models.calculate_bleu_score(hyps, refs, model="writer")
    assert result.score == pytest.approx(sacrebleu.corpus_bleu(hyps, refs).score / 100,
                                         abs=1e-9)
    [gauge] = rig.points("measure.model.quality.bleu")
    assert gauge.value == pytest.approx(result.score)
    stats = {pt.attributes["measure.statistic"]: int(pt.value)
             for pt in rig.points("measure.model.quality.bleu.statistics")}
    rebuilt = BleuStats.from_stats(
        [stats.get(k, 0) for k in ("sys_len", "ref_len", *(f"matches_{n}" for n in range(1, 5)),
                                   *(f"totals_{n}" for n in range(1, 5)))], stats["segments"])
    assert rebuilt.result().score == pytest.approx(result.score, abs=1e-12)


def test_rouge_equals_rouge_score_and_sums_give_the_mean(rig: ModelsRig) -> None:
    """ROUGE equals rouge-score; the sum and pair counters give the mean F1."""
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    pairs = [("the cat sat on the mat", "the cat is on the mat"),
             ("Payment failed: card expired!", "the payment failed since the card expired")]
    f1s = []
    for prediction, target in pairs:
        got = rig.models.calculate_rouge_scores(prediction, target, model="writer")
        want = scorer.score(target, prediction)
        for kind in ("rouge1", "rouge2", "rougeL"):
            score = getattr(got, kind)
            assert (score.precision, score.recall, score.f1) == pytest.approx(
                (want[kind].precision, want[kind].recall, want[kind].fmeasure), abs=1e-12)
        f1s.append(got.rougeL.f1)
    sums = {(pt.attributes["measure.rouge.type"], pt.attributes["measure.quality.score"]):
            pt.value for pt in rig.points("measure.model.quality.rouge.sum")}
    [pairs_point] = rig.points("measure.model.quality.rouge.pairs")
    assert sums[("rougeL", "f1")] / pairs_point.value == pytest.approx(np.mean(f1s))
    gauges = _gauges(rig, "measure.model.quality.rouge")
    assert len(gauges) == 9
    assert gauges[frozenset({("gen_ai.request.model", "writer"), ("measure.rouge.type", "rougeL"),
                             ("measure.quality.score", "f1")})] == pytest.approx(f1s[-1])


def test_perplexity_is_token_weighted_and_recomputable(rig: ModelsRig) -> None:
    """Perplexity pools tokens; exp(nll_sum / tokens) from the counters gives it back."""
    seqs = [[-0.1, -2.3, -0.7], [-1.2], [-0.05, -0.4]]
    result = rig.models.calculate_perplexity(seqs, model="lm")
    flat = np.array([v for s in seqs for v in s])
    assert result.perplexity == pytest.approx(math.exp(-flat.mean()), rel=1e-12)
    assert (result.token_count, result.sequence_count) == (6, 3)
    stats = {pt.attributes["measure.statistic"]: pt.value
             for pt in rig.points("measure.model.quality.perplexity.statistics")}
    assert math.exp(stats["nll_sum"] / stats["tokens"]) == pytest.approx(result.perplexity)
    assert stats["sequences"] == 3
    single = rig.models.calculate_perplexity([-0.5, -0.5])
    assert single.perplexity == pytest.approx(math.exp(0.5))


def test_infinite_perplexity_is_returned_not_exported(rig: ModelsRig) -> None:
    """A token with probability 0 gives inf: kept in the snapshot, exported nowhere."""
    result = rig.models.calculate_perplexity([[-0.1, -math.inf]], model="lm")
    assert result.perplexity == math.inf
    assert rig.points("measure.model.quality.perplexity") == []
    assert rig.points("measure.model.quality.perplexity.statistics") == []
    snapshot = rig.models.get_model_performance_snapshot("lm")
    assert snapshot.quality["perplexity"].perplexity == math.inf


def test_without_model_nothing_is_exported(rig: ModelsRig) -> None:
    """calculate_* without model= return results and export nothing."""
    rig.models.calculate_bleu_score(["a b c"], [["a b c"]])
    rig.models.calculate_rouge_scores("a b", "a b")
    rig.models.calculate_perplexity([-1.0])
    assert rig.metrics() == {} and rig.models.list_models() == ()


@pytest.mark.parametrize(("call", "match"), [
    (lambda m: m.calculate_accuracy_metrics("c", [1, 0], [1]), "same length"),
    (lambda m: m.calculate_accuracy_metrics("c", [1, 0], [1, 0], average="foo"), "average"),
    (lambda m: m.calculate_accuracy_metrics("", [1], [1]), "model"),
    (lambda m: m.calculate_bleu_score(["a", "b"], [["a"]]), "segments"),
    (lambda m: m.calculate_rouge_scores(None, "a"), "prediction"),
    (lambda m: m.calculate_perplexity([0.5]), "log-probability"),
    (lambda m: m.calculate_perplexity([]), "no tokens"),
    (lambda m: m.calculate_perplexity([-1.0, [-1.0]]), "mix"),
])
def test_bad_arguments_raise_value_error(rig: ModelsRig, call: object, match: str) -> None:
    """Query calls raise ValueError naming the problem and export nothing."""
    with pytest.raises(ValueError, match=match):
        call(rig.models)  # type: ignore[operator]
    assert rig.points("measure.model.quality.accuracy") == []
