"""Frozen results returned by ``m.models`` queries (each has ``to_dict()``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from otel_measure.calculators._result import Result
from otel_measure.calculators.drift import DriftResult
from otel_measure.pricing import ModelPrice

__all__ = [
    "CostMetrics",
    "FeatureDrift",
    "InferenceRecord",
    "LatencyMetrics",
    "ModelCost",
    "ModelDriftMetrics",
    "ModelDriftStatus",
    "ModelInfo",
    "ModelPerformanceSnapshot",
]


@dataclass(frozen=True)
class ModelInfo(Result):
    """What is known about a model: registration details and its price.

    Attributes:
        name: The model name as the application passes it (``gen_ai.request.model``).
        version: Version given to ``register_model``.
        provider: ``gen_ai.provider.name`` (registered, from a ``provider/`` prefix or
            from the price table; ``None`` when unknown).
        task: Task given to ``register_model`` (``chat``, ``embeddings``,
            ``classification``...).
        registered: Whether ``register_model`` was called for it.
        price: Its price, or ``None`` when unpriced.
    """

    name: str
    version: str | None
    provider: str | None
    task: str | None
    registered: bool
    price: ModelPrice | None


@dataclass(frozen=True)
class LatencyMetrics(Result):
    """Latency of one model's most recent calls (seconds; None while there are none).

    Attributes:
        model: The model.
        count: Buffered calls the statistics cover (at most the latency buffer size).
        total_calls: Every call recorded since start.
        mean_s, p50_s, p90_s, p95_s, p99_s, max_s: Over buffered calls (numpy 'linear'
            percentiles).
        error_rate: Share of buffered calls that failed.
        throughput_per_s: Buffered calls per second between the first and last of them
            (``(count - 1) / span``; None with fewer than two calls or a zero span).
        streamed: Buffered calls that reported a first chunk.
        ttfc_p50_s, ttfc_p95_s: Time to first chunk of those streamed calls.
    """

    model: str
    count: int
    total_calls: int
    mean_s: float | None
    p50_s: float | None
    p90_s: float | None
    p95_s: float | None
    p99_s: float | None
    max_s: float | None
    error_rate: float | None
    throughput_per_s: float | None
    streamed: int = 0
    ttfc_p50_s: float | None = None
    ttfc_p95_s: float | None = None


@dataclass(frozen=True)
class ModelCost(Result):
    """Cost and tokens of one model since start (USD; tokens as reported).

    ``input_tokens`` includes cached input tokens (as providers report it);
    ``input_usd`` is the cost of the uncached part. ``cost_per_1k_requests`` divides by
    priced requests only, so unpriced calls do not dilute it.
    """

    model: str
    provider: str | None
    price: ModelPrice | None
    requests: int
    priced_requests: int
    unpriced_requests: int
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    input_usd: float
    output_usd: float
    cached_input_usd: float
    total_usd: float
    cost_per_1k_requests: float | None


@dataclass(frozen=True)
class CostMetrics(Result):
    """Cost totals across models (or of one model), with the split by model.

    Attributes:
        total_usd: Cost of every priced call.
        input_usd, output_usd, cached_input_usd: The split by token type.
        input_tokens, output_tokens, cached_input_tokens: Tokens reported.
        requests: Calls recorded; priced_requests / unpriced_requests: calls that
            reported tokens, with and without a price.
        cost_per_1k_requests: ``total_usd / priced_requests * 1000``.
        by_model: Each model's :class:`ModelCost`.
        unpriced_models: Models that reported tokens but have no price.
        price_table_as_of: As-of date of the shipped price table.
    """

    total_usd: float
    input_usd: float
    output_usd: float
    cached_input_usd: float
    input_tokens: int
    output_tokens: int
    cached_input_tokens: int
    requests: int
    priced_requests: int
    unpriced_requests: int
    cost_per_1k_requests: float | None
    by_model: Mapping[str, ModelCost]
    unpriced_models: tuple[str, ...]
    price_table_as_of: str


@dataclass(frozen=True)
class InferenceRecord(Result):
    """One recorded call, as kept in the recent-inference buffer."""

    timestamp: float
    model: str
    operation: str
    provider: str
    latency_s: float
    input_tokens: int | None
    output_tokens: int | None
    cached_input_tokens: int | None
    time_to_first_chunk_s: float | None
    cost_usd: float | None
    error_type: str | None


@dataclass(frozen=True)
class FeatureDrift(Result):
    """Drift state of one feature (``_prediction``: the model's predictions).

    Attributes:
        feature: The feature name.
        kind: ``pending`` (no baseline yet), ``numeric`` (sturges bins of the baseline),
            ``discrete`` (one bin per baseline value) or ``categorical``.
        baseline_size: Values in the baseline (0 while pending).
        pending: Values collected toward an automatic baseline.
        current_size: Values in the sliding current window.
        layout: Digest of the bins (the ``measure.drift.layout`` attribute); "" while pending.
        labels: Bin edges (numeric) or the binned values (discrete, categorical; other than
            numbers and strings shown as ``str()``); the overflow bin(s) have no label.
        baseline_counts: Baseline count per bin (numeric: below, interior bins, above;
            others: one per label, then the overflow bin).
        current_counts: Current-window count per bin, same layout.
        result: The automatic (``method="auto"``) check; None until baseline and window
            both hold data.
    """

    feature: str
    kind: str
    baseline_size: int
    pending: int
    current_size: int
    layout: str
    labels: tuple[float | int | str, ...]
    baseline_counts: tuple[int, ...]
    current_counts: tuple[int, ...]
    result: DriftResult | None


@dataclass(frozen=True)
class ModelDriftStatus(Result):
    """Live drift state of one model, as snapshots and the dashboard show it.

    Attributes:
        features: Every tracked feature, by name.
        number_of_features: Features with an automatic check result.
        number_of_drifted: Those whose check drifted.
        share_of_drifted: number_of_drifted / number_of_features (None when 0).
        dataset_drift: share_of_drifted >= 0.5.
    """

    features: Mapping[str, FeatureDrift]
    number_of_features: int
    number_of_drifted: int
    share_of_drifted: float | None
    dataset_drift: bool


@dataclass(frozen=True)
class ModelDriftMetrics(Result):
    """Result of ``detect_model_drift``: one feature's verdict and the dataset verdict.

    Attributes:
        model: The model.
        feature: The tested feature (``_prediction`` for the predictions).
        method: The test used (``ks``, ``wasserstein``, ``psi``, ``jensenshannon``,
            ``chisquare``, ``z``, ``hellinger``).
        statistic: Its statistic or distance (Wasserstein: normed by the baseline std).
        p_value: For ``ks``, ``chisquare`` and ``z``; None for distances.
        threshold: Threshold applied to the p-value or the distance.
        drifted: The verdict.
        baseline_size: Baseline values.
        current_size: Values in the current window.
        features: Results of every feature with a baseline and current data (this one
            included).
        number_of_features: len(features).
        number_of_drifted: Features that drifted.
        share_of_drifted: number_of_drifted / number_of_features.
        share_threshold: Share that makes dataset drift (0.5 by default, as Evidently).
        dataset_drift: share_of_drifted >= share_threshold.
        drifted_features: Names of the drifted features.
    """

    model: str
    feature: str
    method: str
    statistic: float
    p_value: float | None
    threshold: float
    drifted: bool
    baseline_size: int
    current_size: int
    features: Mapping[str, DriftResult]
    number_of_features: int
    number_of_drifted: int
    share_of_drifted: float
    share_threshold: float
    dataset_drift: bool
    drifted_features: tuple[str, ...]


@dataclass(frozen=True)
class ModelPerformanceSnapshot(Result):
    """Everything known about one model, with a health verdict.

    Attributes:
        model: The model's :class:`ModelInfo`.
        status: ``healthy``, ``degraded``, ``critical``, or ``unknown`` before any call.
        reasons: Why the status is not healthy (empty when healthy).
        latency: Latency statistics of recent calls.
        cost: Cost since start.
        errors: Failed calls since start, by ``error.type``.
        quality: Latest ``calculate_*`` results by kind (``accuracy``, ``bleu``,
            ``rouge``, ``perplexity``) and ``online_accuracy`` from labelled inferences.
        drift: Live drift state of every tracked feature (None when nothing is tracked).
        fairness: ``FairnessMetrics`` by source: ``online`` (from ``observe_outcome``) and
            ``evaluation`` (the latest ``calculate_fairness_metrics``); None when neither.
    """

    model: ModelInfo
    status: str
    reasons: tuple[str, ...]
    latency: LatencyMetrics
    cost: ModelCost
    errors: Mapping[str, int]
    quality: Mapping[str, Any] = field(default_factory=dict)
    drift: ModelDriftStatus | None = None
    fairness: Mapping[str, Any] | None = None
