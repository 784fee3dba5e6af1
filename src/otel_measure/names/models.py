"""AI model metrics: ``gen_ai.client.*`` (GenAI semantic conventions) and ``measure.model.*``
(cost, quality, drift, fairness).

Each metric is written once here; ``CATALOG`` in the package collects them in this order.
"""

from __future__ import annotations

from otel_measure.names.attributes import (
    ATTR_DRIFT_BIN,
    ATTR_DRIFT_FEATURE,
    ATTR_DRIFT_LAYOUT,
    ATTR_DRIFT_METHOD,
    ATTR_DRIFT_WINDOW,
    ATTR_ERROR_TYPE,
    ATTR_FAIRNESS_GROUP,
    ATTR_FAIRNESS_OUTCOME,
    ATTR_GEN_AI_OPERATION_NAME,
    ATTR_GEN_AI_PROVIDER_NAME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_GEN_AI_RESPONSE_MODEL,
    ATTR_GEN_AI_TOKEN_TYPE,
    ATTR_LABEL_PREDICTED,
    ATTR_LABEL_TRUE,
    ATTR_QUALITY_AVERAGE,
    ATTR_QUALITY_SCORE,
    ATTR_QUALITY_SOURCE,
    ATTR_ROUGE_TYPE,
    ATTR_SERVER_ADDRESS,
    ATTR_SERVER_PORT,
    ATTR_STATISTIC,
)
from otel_measure.names.metric import MetricName, collect, exported, metric_factory

_metric = metric_factory("models")

_MODEL_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL,)
_DRIFT_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_METHOD)
_FAIRNESS_ATTRS = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_SOURCE)

# The operations of the GenAI conventions: only these go to gen_ai.client.* metrics; any
# other operation (predict, classify, score...) is a classical model, measured in
# measure.model.operation.duration.
GEN_AI_OPERATIONS = frozenset({
    "chat", "create_agent", "embeddings", "execute_tool", "generate_content", "invoke_agent",
    "retrieval", "text_completion"})
# Recommended when known: the served model and the server called (server.port is
# conditionally required with server.address).
_CALL_ATTRS = (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
               ATTR_GEN_AI_RESPONSE_MODEL, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT)

GEN_AI_CLIENT_OPERATION_DURATION = _metric(
    "gen_ai.client.operation.duration", "histogram", "s",
    "GenAI operation duration.",
    (*_CALL_ATTRS, ATTR_ERROR_TYPE),
)
GEN_AI_CLIENT_TOKEN_USAGE = _metric(
    "gen_ai.client.token.usage", "histogram", "{token}",
    "Number of input and output tokens used.",
    (*_CALL_ATTRS, ATTR_GEN_AI_TOKEN_TYPE),
)
GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK = _metric(
    "gen_ai.client.operation.time_to_first_chunk", "histogram", "s",
    "Time to receive the first chunk of a streamed response.",
    _CALL_ATTRS,
)
GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK = _metric(
    "gen_ai.client.operation.time_per_output_chunk", "histogram", "s",
    "Time between consecutive chunks of a streamed response.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL),
)
MODEL_OPERATION_DURATION = _metric(
    "measure.model.operation.duration", "histogram", "s",
    "Duration of a classical (non-GenAI) model's inference: any operation outside the GenAI "
    "conventions' (predict, classify...).",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
     ATTR_ERROR_TYPE),
)
MODEL_COST = _metric(
    "measure.model.cost", "counter", "USD",
    "Cost of model calls from the price table: tokens x USD per million / 1e6, by token type "
    "(input = uncached input, cached_input, output).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_TOKEN_TYPE),
)
MODEL_COST_UNPRICED = _metric(
    "measure.model.cost.unpriced", "counter", "{request}",
    "Calls that reported tokens for a model with no price (their cost is not recorded).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_PROVIDER_NAME),
)
MODEL_QUALITY_ACCURACY = _metric(
    "measure.model.quality.accuracy", "gauge", "1",
    "Accuracy of the latest calculate_accuracy_metrics() evaluation.",
    _MODEL_ATTRS,
)
MODEL_QUALITY_PRECISION = _metric(
    "measure.model.quality.precision", "gauge", "1",
    "Precision of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE),
)
MODEL_QUALITY_RECALL = _metric(
    "measure.model.quality.recall", "gauge", "1",
    "Recall of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE),
)
MODEL_QUALITY_F1 = _metric(
    "measure.model.quality.f1", "gauge", "1",
    "F1 of the latest classification evaluation, by averaging.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_AVERAGE),
)
MODEL_QUALITY_CONFUSION = _metric(
    "measure.model.quality.confusion", "counter", "{prediction}",
    "Confusion-matrix counts (sufficient statistics of accuracy, precision, recall, F1), from "
    "evaluations and from labelled inferences.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_LABEL_TRUE, ATTR_LABEL_PREDICTED, ATTR_QUALITY_SOURCE),
)
MODEL_QUALITY_BLEU = _metric(
    "measure.model.quality.bleu", "gauge", "1",
    "Corpus BLEU (0-1, sacrebleu defaults) of the latest calculate_bleu_score() call.",
    _MODEL_ATTRS,
)
MODEL_QUALITY_BLEU_STATISTICS = _metric(
    "measure.model.quality.bleu.statistics", "counter", "1",
    "BLEU sufficient statistics summed over evaluations (sys_len, ref_len, matches_1..4, "
    "totals_1..4, segments): corpus BLEU can be recomputed fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_STATISTIC),
)
MODEL_QUALITY_ROUGE = _metric(
    "measure.model.quality.rouge", "gauge", "1",
    "ROUGE of the latest calculate_rouge_scores() call, by type and score.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_ROUGE_TYPE, ATTR_QUALITY_SCORE),
)
MODEL_QUALITY_ROUGE_SUM = _metric(
    "measure.model.quality.rouge.sum", "counter", "1",
    "Sum of ROUGE scores over evaluated pairs (divide by rouge.pairs for the mean).",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_ROUGE_TYPE, ATTR_QUALITY_SCORE),
)
MODEL_QUALITY_ROUGE_PAIRS = _metric(
    "measure.model.quality.rouge.pairs", "counter", "{pair}",
    "Prediction/target pairs scored with ROUGE.",
    _MODEL_ATTRS,
)
MODEL_QUALITY_PERPLEXITY = _metric(
    "measure.model.quality.perplexity", "gauge", "1",
    "Token-weighted perplexity of the latest calculate_perplexity() call.",
    _MODEL_ATTRS,
)
MODEL_QUALITY_PERPLEXITY_STATISTICS = _metric(
    "measure.model.quality.perplexity.statistics", "counter", "1",
    "Perplexity sufficient statistics (nll_sum in nats, tokens, sequences): perplexity = "
    "exp(nll_sum / tokens) fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_STATISTIC),
)
MODEL_DRIFT_SCORE = _metric(
    "measure.model.drift.score", "gauge", "1",
    "Latest drift statistic of a model's feature (`_prediction`: its predictions) by test: KS "
    "D, normed Wasserstein, PSI, Jensen-Shannon distance, chi-square, z.",
    _DRIFT_ATTRS,
)
MODEL_DRIFT_P_VALUE = _metric(
    "measure.model.drift.p_value", "gauge", "1",
    "p-value of the latest drift test, for tests that have one (ks, chisquare, z).",
    _DRIFT_ATTRS,
)
MODEL_DRIFT_DETECTED = _metric(
    "measure.model.drift.detected", "gauge", "1",
    "1 when the latest drift test of the feature crossed its threshold, else 0.",
    _DRIFT_ATTRS,
)
MODEL_DRIFT_SHARE = _metric(
    "measure.model.drift.share", "gauge", "1",
    "Share of a model's checked features (predictions included) that drifted; dataset drift "
    "when >= 0.5.",
    (ATTR_GEN_AI_REQUEST_MODEL,),
)
MODEL_DRIFT_BIN_COUNT = _metric(
    "measure.model.drift.bin.count", "counter", "{observation}",
    "Observations per drift bin (baseline, and every current observation since the baseline) "
    "on bins fixed by the baseline, whose layout digest is `measure.drift.layout`: PSI, "
    "Jensen-Shannon and chi-square can be recomputed fleet-wide from increases.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_LAYOUT, ATTR_DRIFT_WINDOW,
     ATTR_DRIFT_BIN),
)
MODEL_DRIFT_BIN_EDGE = _metric(
    "measure.model.drift.bin.edge", "gauge", "1",
    "Edge `measure.drift.bin` = i of a numeric feature's fixed drift bins (bin i + 1 of "
    "`measure.model.drift.bin.count` lies between edges i and i + 1; bin 0 below edge 0); "
    "only numeric layouts have edges, so the report knows the layout kind.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_LAYOUT, ATTR_DRIFT_BIN),
)
MODEL_FAIRNESS_OUTCOMES = _metric(
    "measure.model.fairness.outcomes", "counter", "{prediction}",
    "Binary outcomes (tp, fp, tn, fn) per group, from observed outcomes (online) and "
    "evaluations: every fairness metric can be recomputed fleet-wide.",
    (ATTR_GEN_AI_REQUEST_MODEL, ATTR_FAIRNESS_GROUP, ATTR_FAIRNESS_OUTCOME, ATTR_QUALITY_SOURCE),
)
MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE = _metric(
    "measure.model.fairness.demographic_parity_difference", "gauge", "1",
    "Max minus min selection rate across groups (fairlearn).",
    _FAIRNESS_ATTRS,
)
MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO = _metric(
    "measure.model.fairness.demographic_parity_ratio", "gauge", "1",
    "Min over max selection rate across groups (fairlearn).",
    _FAIRNESS_ATTRS,
)
MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE = _metric(
    "measure.model.fairness.equalized_odds_difference", "gauge", "1",
    "Worst of the TPR and FPR differences across groups (fairlearn).",
    _FAIRNESS_ATTRS,
)
MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO = _metric(
    "measure.model.fairness.equalized_odds_ratio", "gauge", "1",
    "Worst of the TPR and FPR ratios across groups (fairlearn).",
    _FAIRNESS_ATTRS,
)
MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE = _metric(
    "measure.model.fairness.equal_opportunity_difference", "gauge", "1",
    "Max minus min true positive rate across groups (fairlearn).",
    _FAIRNESS_ATTRS,
)
MODEL_FAIRNESS_SELECTION_RATE = _metric(
    "measure.model.fairness.selection_rate", "gauge", "1",
    "Share of a group's predictions that are positive.",
    (*_FAIRNESS_ATTRS, ATTR_FAIRNESS_GROUP),
)
MODEL_FAIRNESS_DISPARATE_IMPACT = _metric(
    "measure.model.fairness.disparate_impact", "gauge", "1",
    "A group's selection rate over the reference group's (the highest); below 0.8 fails the "
    "four-fifths rule.",
    (*_FAIRNESS_ATTRS, ATTR_FAIRNESS_GROUP),
)

METRICS: tuple[MetricName, ...] = collect(globals())
__all__ = exported(globals())
