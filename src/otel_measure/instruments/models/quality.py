"""Quality scores of ``m.models.calculate_*``: computed by the pure calculators, exported.

Each evaluation sets gauges under ``measure.model.quality.*`` (attribute
``gen_ai.request.model``) and adds its sufficient statistics to counters (confusion
counts, BLEU n-gram counts and lengths, ROUGE sums and pair counts, perplexity's
negative log-likelihood and token count), so a backend can recompute each score over
every evaluation of every replica. Labelled inferences (``record_inference(...,
prediction=, label=)``) feed the confusion counter with ``measure.quality.source=online``.

Predictions and labels are private by default: a value becomes a ``measure.label.*``
attribute only when it is in the model's declared classes (``register_model(classes=)``)
or, without a declaration, among the first :data:`AUTO_CLASSES` short values seen; any
other value is exported as ``_OTHER``.
"""

from __future__ import annotations

import math
import numbers
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry.metrics import Meter

from otel_measure.calculators.classification import ClassificationMetrics, ConfusionAccumulator
from otel_measure.calculators.perplexity import PerplexityAccumulator, PerplexityResult
from otel_measure.calculators.text import BleuResult, RougeScores, corpus_bleu, rouge_scores
from otel_measure.names import create_instrument
from otel_measure.names.attributes import (
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_LABEL_PREDICTED,
    ATTR_LABEL_TRUE,
    ATTR_QUALITY_AVERAGE,
    ATTR_QUALITY_SCORE,
    ATTR_QUALITY_SOURCE,
    ATTR_ROUGE_TYPE,
    ATTR_STATISTIC,
)
from otel_measure.names.models import (
    MODEL_QUALITY_ACCURACY,
    MODEL_QUALITY_BLEU,
    MODEL_QUALITY_BLEU_STATISTICS,
    MODEL_QUALITY_CONFUSION,
    MODEL_QUALITY_F1,
    MODEL_QUALITY_PERPLEXITY,
    MODEL_QUALITY_PERPLEXITY_STATISTICS,
    MODEL_QUALITY_PRECISION,
    MODEL_QUALITY_RECALL,
    MODEL_QUALITY_ROUGE,
    MODEL_QUALITY_ROUGE_PAIRS,
    MODEL_QUALITY_ROUGE_SUM,
)

__all__ = ["AUTO_CLASSES", "QualityExporter"]

_MODEL = ATTR_GEN_AI_REQUEST_MODEL
AUTO_CLASSES = 20
"""Classes a model without declared classes exports by name (the first seen)."""
_MAX_CLASS = 64  # longer values are never exported by name
_OTHER = "_OTHER"


class QualityExporter:
    """Runs quality calculators and exports their results and sufficient statistics."""

    def __init__(self, meter: Meter) -> None:
        self._accuracy = create_instrument(meter, MODEL_QUALITY_ACCURACY)
        self._precision = create_instrument(meter, MODEL_QUALITY_PRECISION)
        self._recall = create_instrument(meter, MODEL_QUALITY_RECALL)
        self._f1 = create_instrument(meter, MODEL_QUALITY_F1)
        self._confusion = create_instrument(meter, MODEL_QUALITY_CONFUSION)
        self._bleu = create_instrument(meter, MODEL_QUALITY_BLEU)
        self._bleu_stats = create_instrument(meter, MODEL_QUALITY_BLEU_STATISTICS)
        self._rouge = create_instrument(meter, MODEL_QUALITY_ROUGE)
        self._rouge_sum = create_instrument(meter, MODEL_QUALITY_ROUGE_SUM)
        self._rouge_pairs = create_instrument(meter, MODEL_QUALITY_ROUGE_PAIRS)
        self._perplexity = create_instrument(meter, MODEL_QUALITY_PERPLEXITY)
        self._perplexity_stats = create_instrument(meter, MODEL_QUALITY_PERPLEXITY_STATISTICS)
        self._declared: dict[str, frozenset[str]] = {}
        self._seen: dict[str, set[str]] = {}
        self._lock = threading.Lock()

    def declare_classes(self, model: str, classes: Iterable[Any] | None) -> None:
        """Set the classes whose names ``model``'s confusion counts may carry (None: auto).

        Raises:
            ValueError: ``classes`` is not an iterable of at most 1,000 values, or holds a
                value longer than 64 characters.
        """
        if classes is None:
            return
        try:
            names = frozenset(str(c) for c in classes)
        except Exception as exc:
            raise ValueError(f"classes is invalid: expected an iterable of values ({exc})"
                             ) from None
        if len(names) > 1000 or any(len(n) > _MAX_CLASS for n in names):
            raise ValueError(f"classes is invalid: expected at most 1000 values of at most "
                             f"{_MAX_CLASS} characters each")
        with self._lock:
            self._declared[model] = names

    def exported_class(self, model: str, value: Any) -> str:
        """The attribute value of a prediction or label: its name if allowed, else _OTHER."""
        try:
            name = str(value)
        except Exception:  # a hostile __str__
            return _OTHER
        with self._lock:
            declared = self._declared.get(model)
            if declared is not None:
                return name if name in declared else _OTHER
            seen = self._seen.setdefault(model, set())
            if name in seen:
                return name
            if len(seen) < AUTO_CLASSES and 0 < len(name) <= _MAX_CLASS and name.isprintable():
                seen.add(name)
                return name
        return _OTHER

    # --- classification ------------------------------------------------------------

    def accuracy(self, model: str, y_true: Iterable[Any], y_pred: Iterable[Any], average: str,
                 pos_label: Any, labels: Iterable[Any] | None, zero_division: Any
                 ) -> ClassificationMetrics:
        """Score a batch like scikit-learn and export gauges and confusion counts."""
        acc = ConfusionAccumulator()
        acc.add(y_true, y_pred)
        result = acc.result(average=average, pos_label=pos_label, labels=labels,
                            zero_division=zero_division)
        attrs = {_MODEL: model}
        self._accuracy.set(result.accuracy, attrs)
        averaged = {_MODEL: model, ATTR_QUALITY_AVERAGE: average}
        for gauge, value in ((self._precision, result.precision), (self._recall, result.recall),
                             (self._f1, result.f1)):
            if math.isfinite(value):  # zero_division=nan leaves undefined values out
                gauge.set(value, averaged)
        self.confusion(model, acc.counts.items(), "evaluation")
        return result

    def confusion(self, model: str, counts: Iterable[tuple[tuple[Any, Any], int]],
                  source: str) -> None:
        """Add (true, predicted) pair counts to the confusion counter."""
        for (true, pred), count in counts:
            if count:
                self._confusion.add(count, {
                    _MODEL: model, ATTR_LABEL_TRUE: self.exported_class(model, true),
                    ATTR_LABEL_PREDICTED: self.exported_class(model, pred),
                    ATTR_QUALITY_SOURCE: source,
                })

    # --- text generation -----------------------------------------------------------

    def bleu(self, model: str | None, hypotheses: Sequence[str],
             references: Sequence[Sequence[str | None]]) -> BleuResult:
        """Corpus BLEU (0-1); exported with its 10 statistics and segment count."""
        result = corpus_bleu(hypotheses, references)
        if model is not None:
            self._bleu.set(result.score, {_MODEL: model})
            stats = [("sys_len", result.sys_len), ("ref_len", result.ref_len),
                     ("segments", result.segments)]
            stats += [(f"matches_{n + 1}", m) for n, m in enumerate(result.matches)]
            stats += [(f"totals_{n + 1}", t) for n, t in enumerate(result.totals)]
            for name, value in stats:
                if value:
                    self._bleu_stats.add(value, {_MODEL: model, ATTR_STATISTIC: name})
        return result

    def rouge(self, model: str | None, prediction: str, target: str) -> RougeScores:
        """ROUGE-1/2/L of one pair; gauges plus running sums and the pair count."""
        result = rouge_scores(prediction, target)
        if model is not None:
            for rouge_type in ("rouge1", "rouge2", "rougeL"):
                score = getattr(result, rouge_type)
                for measure in ("precision", "recall", "f1"):
                    attrs = {_MODEL: model, ATTR_ROUGE_TYPE: rouge_type,
                             ATTR_QUALITY_SCORE: measure}
                    value = getattr(score, measure)
                    self._rouge.set(value, attrs)
                    if value:
                        self._rouge_sum.add(value, attrs)
            self._rouge_pairs.add(1, {_MODEL: model})
        return result

    def perplexity(self, model: str | None, token_logprobs: Any) -> PerplexityResult:
        """Token-weighted perplexity of one sequence or of several (tokens pooled).

        A ``-inf`` log-probability makes the perplexity ``inf``: returned and kept in the
        snapshot, but not exported (the SDK drops non-finite values, and the counters
        must stay finite).
        """
        acc = PerplexityAccumulator()
        items = _as_items(token_logprobs)
        if items and all(_is_number(v) for v in items):
            acc.add(items)
        elif items and all(isinstance(v, Iterable) and not isinstance(v, (str, bytes))
                           for v in items):
            for sequence in items:
                acc.add(sequence)
        elif items:
            raise ValueError("token_logprobs must hold either numbers (one sequence) or "
                             f"sequences of numbers, not a mix or other values: {items[:5]!r}")
        result = acc.result()  # raises ValueError when there is no token
        if model is not None:
            if math.isfinite(result.perplexity):
                self._perplexity.set(result.perplexity, {_MODEL: model})
            if math.isfinite(result.log_prob_sum):
                for name, value in (("nll_sum", -result.log_prob_sum),
                                    ("tokens", result.token_count),
                                    ("sequences", result.sequence_count)):
                    if value:
                        self._perplexity_stats.add(
                            value, {_MODEL: model, ATTR_STATISTIC: name})
        return result


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_items(values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"token_logprobs={values!r} is not a sequence of log-probabilities "
                         "or of sequences of them")
    return list(values)
