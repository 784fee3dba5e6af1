"""AI model metrics (``m.models``): GenAI conventions, cost, latency, quality, drift, fairness.

:class:`ModelMetrics` is a facade: every public method of ``m.models`` is defined here
and passes the call forward to one of its named parts:

- :class:`~.registry.ModelRegistry`: per-model state, registration, caps, series cache;
- :class:`~.recorder.InferenceRecorder`: the ``record_inference`` hot path (GenAI
  metrics, cost, recent calls) and the owner of ``track_inference`` calls;
- :class:`~.quality.QualityExporter`: ``calculate_*`` scores and their statistics;
- :class:`~.drift_monitor.DriftMonitor`: baselines, windows, drift checks and export;
- :class:`~.fairness.FairnessMonitor`: per-group outcomes and fairlearn's metrics.

Recording follows the GenAI semantic conventions; cost comes from the offline price
table (:mod:`.pricing`) into ``measure.model.cost``; a model without a price is never
priced at 0: its calls are counted in ``measure.model.cost.unpriced``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from otel_measure.calculators.classification import ClassificationMetrics
from otel_measure.calculators.fairness import FairnessMetrics
from otel_measure.calculators.perplexity import PerplexityResult
from otel_measure.calculators.text import BleuResult, RougeScores
from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.models import snapshots as snap
from otel_measure.instruments.models.checks import Checks
from otel_measure.instruments.models.clients import ClientInstrumentation, instrument_client
from otel_measure.instruments.models.drift_monitor import DATASET_SHARE, DriftMonitor
from otel_measure.instruments.models.fairness import FairnessMonitor
from otel_measure.instruments.models.price_sources import external_prices
from otel_measure.instruments.models.pricing import PriceTable
from otel_measure.instruments.models.quality import QualityExporter
from otel_measure.instruments.models.recorder import InferenceRecorder
from otel_measure.instruments.models.registry import ModelRegistry
from otel_measure.instruments.models.results import (
    CostMetrics,
    FeatureDrift,
    InferenceRecord,
    LatencyMetrics,
    ModelDriftMetrics,
    ModelInfo,
    ModelPerformanceSnapshot,
)
from otel_measure.instruments.models.snapshots import StateCopy
from otel_measure.instruments.models.tracking import InferenceCall, current_inference
from otel_measure.names.attributes import ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT
from otel_measure.options import ModelOptions
from otel_measure.pricing import ModelPrice, parse_price, parse_price_overrides

__all__ = ["InferenceCall", "ModelMetrics", "current_inference"]


class ModelMetrics:
    """GenAI and ML model metrics: inference, cost, latency, health, quality, drift, fairness.

    Args:
        meter: Meter the instruments are created on.
        tracer: Tracer of the ``track_inference`` spans.
        rejections: Shared bad-input helper (drop and count, or raise when strict).
        options: Price overrides, buffer sizes, health thresholds, content capture.
        clock: Monotonic clock in seconds (latency, throughput).
        wall_clock: Epoch clock in seconds (timestamps of inference records).
    """

    def __init__(
        self,
        meter: Meter,
        tracer: Tracer,
        rejections: Rejections,
        options: ModelOptions,
        *,
        clock: Callable[[], float] = time.perf_counter,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.tracer = tracer
        self.prices = PriceTable(
            parse_price_overrides(options.pricing_file, "file", "ModelOptions.pricing_file"),
            parse_price_overrides(options.pricing, "options", "ModelOptions.pricing"),
            external=external_prices(options.price_source),
        )
        self._clock = clock
        self._wall = wall_clock
        self._checks = Checks(rejections)
        self._registry = ModelRegistry(options, self.prices, self._checks)
        self._quality = QualityExporter(meter)
        self._drift = DriftMonitor(meter, self._registry, options, clock)
        self._fairness = FairnessMonitor(meter, self._registry, options.fairness_max_groups)
        self._instrumented: list[ClientInstrumentation] = []
        self._recorder = InferenceRecorder(
            meter, tracer, self._registry, self._drift, self._quality, clock,
            capture_content=options.capture_content, buffer_size=options.inference_buffer_size)

    # --- registration ---------------------------------------------------------------

    def register_model(self, name: str, version: str | None = None, provider: str | None = None,
                       task: str | None = None, pricing: Mapping[str, Any] | None = None,
                       *, groups: Iterable[Hashable] | None = None, positive_label: Any = None,
                       classes: Iterable[Hashable] | None = None) -> ModelInfo:
        """Declare a model (again: updates it) with its version, provider, task and price.

        Args:
            name: Model name as the application records it (``gen_ai.request.model``).
            version: Free-form version of the model.
            provider: ``gen_ai.provider.name`` (``openai``, ``anthropic``, ``aws.bedrock``...).
            task: What it does: ``chat``, ``embeddings``, ``classification``...
            pricing: ``{"input": .., "output": .., "cached_input": ..}`` USD per million
                tokens; replaces the table's price for this name.
            groups: Fairness groups of the model; outcomes of any other group count as
                ``other`` (None: the first ``fairness_max_groups`` groups seen).
            positive_label: Positive class of ``observe_outcome`` (default 1, with labels
                restricted to 0 and 1).
            classes: Predictions and labels exported by name in ``measure.label.*``;
                others as ``_OTHER`` (None: the first 20 short values seen).

        Raises:
            ValueError: A bad name, field, price or group, a new positive label once
                outcomes are counted, or ``max_models`` models already.
        """
        self._checks.check_name("name", name)
        for field, value in (("version", version), ("provider", provider), ("task", task)):
            if value is not None and not (isinstance(value, str) and value.strip()):
                raise ValueError(f"{field}={value!r} is invalid: expected a non-empty string "
                                 "or None")
        price = None if pricing is None else parse_price(
            name.strip().lower(), pricing, "register_model", "pricing")
        declared, label = FairnessMonitor.check_args(groups, positive_label)
        self._quality.declare_classes(name, classes)
        relabel = positive_label is not None
        self._registry.register(
            name, version, provider, task, price,
            lambda state: self._fairness.declare(state, declared, label, relabel))
        return self.get_model_info(name)

    # --- recording ------------------------------------------------------------------

    def record_inference(
        self,
        model: str,
        latency_s: float,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        *,
        operation: str = "chat",
        provider: str | None = None,
        success: bool = True,
        error_type: str | None = None,
        time_to_first_token_s: float | None = None,
        cached_input_tokens: int | None = None,
        prediction: Any = None,
        label: Any = None,
    ) -> None:
        """Record one call the application timed itself.

        Args:
            model: Requested model name (``gen_ai.request.model``).
            latency_s: Whole-call duration in seconds (finite, >= 0).
            input_tokens: Billable input tokens, cached ones included; None if unknown
                (never invented).
            output_tokens: Billable output tokens; None if unknown.
            operation: ``gen_ai.operation.name``: chat, embeddings, text_completion...
            provider: ``gen_ai.provider.name``; default: registered, ``provider/``
                prefix of the name, the price table's, else ``_OTHER``.
            success: False marks a failure (``error.type`` ``_OTHER`` unless given).
            error_type: ``error.type`` of a failure; giving one implies failure.
            time_to_first_token_s: Time to the first streamed chunk (streams only);
                recorded as ``time_to_first_chunk``; must not exceed ``latency_s``.
            cached_input_tokens: Input tokens read from the prompt cache (part of
                ``input_tokens``), priced at the cached-input price.
            prediction: An ML model's output: kept (last 1,000 per model) and streamed into
                the predictions' drift window (see ``detect_model_drift``).
            label: True label of ``prediction`` when known: feeds online accuracy.

        Bad input (NaN or negative latency, negative tokens, cached > input, TTFC >
        latency, bad names, a NaN, infinite or unhashable prediction, or a
        non-number for a numeric baseline) is dropped and counted in ``measure.rejected``
        (raises ``ValueError`` with ``strict=True``).
        """
        self._recorder.record(model, latency_s, input_tokens, output_tokens, operation, provider,
                              success, error_type, time_to_first_token_s, cached_input_tokens,
                              prediction, label)

    def track_inference(self, model: str, operation: str = "chat", provider: str | None = None,
                        *, server_address: str | None = None, server_port: int | None = None,
                        attributes: Mapping[str, Any] | None = None) -> InferenceCall:
        """Time one call: ``with m.models.track_inference("gpt-4o") as call:`` or a decorator.

        Opens a CLIENT span ``"{operation} {model}"`` with ``gen_ai.*`` attributes. In the
        block, ``call.set_usage(input_tokens=, output_tokens=)``, ``call.first_chunk()``
        or ``call.chunk()`` per streamed chunk, ``call.set_response(...)``. An exception
        sets ``error.type`` and is re-raised. Decorated generators are streams (each item
        a chunk); decorated functions returning an OpenAI- or Anthropic-shaped response
        report its usage. Prompts and responses are only put on spans through
        ``call.set_input_messages`` / ``set_output_messages`` with ``capture_content``.
        """
        extra = self._checks.span_attributes(attributes)
        if server_address is not None:
            extra[ATTR_SERVER_ADDRESS] = server_address
        if server_port is not None:
            extra[ATTR_SERVER_PORT] = server_port
        return InferenceCall(self._recorder, model, operation, provider, extra)

    def instrument_openai(self, client: Any = None) -> ClientInstrumentation:
        """Measure every call of the ``openai`` client (or of one ``client``); see
        docs/llm-clients.md. ``uninstrument()`` on the handle undoes it.

        Raises:
            OtelMeasureConfigError: ``openai`` is not installed, or ``client`` is not one.
        """
        return self._keep(instrument_client("openai", self._recorder, client))

    def instrument_anthropic(self, client: Any = None) -> ClientInstrumentation:
        """Measure every call of the ``anthropic`` client (or of one ``client``)."""
        return self._keep(instrument_client("anthropic", self._recorder, client))

    def _keep(self, handle: ClientInstrumentation) -> ClientInstrumentation:
        self._instrumented.append(handle)
        return handle

    @staticmethod
    def current_inference() -> InferenceCall:
        """The live tracked call of the current context (an inert one outside calls)."""
        return current_inference()

    def observe_feature(self, model: str, feature: str, value: Any) -> None:
        """Stream one value of an input feature into its drift window.

        Until the feature has a baseline, values form its automatic baseline (the first
        ``drift_baseline_size``; see ``ModelOptions.drift_auto_baseline``). Bad input
        (None, NaN, infinities, unhashable values, a non-number for a numeric baseline, a
        bad or one-too-many feature name) is dropped and counted in ``measure.rejected``
        (``ValueError`` with ``strict=True``).
        """
        self._drift.observe_feature(model, feature, value)

    def observe_outcome(self, model: str, group: Hashable, prediction: Any, label: Any) -> None:
        """Count one binary outcome of ``model`` for ``group`` (streaming fairness).

        Labels and predictions are 0/1 unless ``register_model(positive_label=)`` set
        another positive label. Undeclared groups past the cap count as ``other``. Bad
        input (None/NaN/unhashable group, labels outside {0, 1}) is dropped and counted in
        ``measure.rejected`` (``ValueError`` with ``strict=True``).
        """
        self._fairness.observe(model, group, prediction, label)

    # --- drift ----------------------------------------------------------------------

    def set_baseline(self, model: str, values: Iterable[Any], feature: str | None = None
                     ) -> FeatureDrift:
        """Make ``values`` the drift baseline of a feature (None: the model's predictions).

        Fixes the bins (sturges edges over its range for numbers, categories otherwise)
        and re-bins the current window; a previous baseline and its exported series are replaced.

        Raises:
            ValueError: A bad model or feature name, no values, more than
                ``drift_max_baseline_size`` values, or a None, NaN, infinite or unhashable
                value.
        """
        return self._drift.set_baseline(model, values, feature)

    def detect_model_drift(self, model: str, feature: str | None = None,
                           method: str = "auto", threshold: float | None = None, *,
                           share: float = DATASET_SHARE, exact: bool = False,
                           ) -> ModelDriftMetrics:
        """Test a feature (None: the predictions) and every other ready feature for drift.

        Args:
            model: The model.
            feature: The feature whose verdict heads the result; None for predictions.
            method: ``auto`` (Evidently's choice per feature), ``ks``, ``wasserstein``,
                ``psi``, ``jensen_shannon``, ``chi_square``, ``z`` or ``hellinger``
                (calculators' spellings ``jensenshannon``/``chisquare`` work too). Other
                features use it where it fits their data, ``auto`` elsewhere.
            threshold: Overrides the method's default threshold (Evidently's).
            share: Share of drifted features that makes dataset drift.
            exact: Numeric features tested by batch ``calculators.drift.detect()`` on
                the raw window (copied and sorted: O(window log window)) instead of the
                fixed bins (O(bins); KS exact for baselines of at most 4,096 distinct
                values, Wasserstein within a small bound, count tests equal to batch
                where docs/drift.md says so).

        Raises:
            ValueError: Unknown model, feature or method; a feature without a baseline or
                current data; a method that does not fit the feature; a bad threshold.
        """
        return self._drift.detect(model, feature, method, threshold, share, exact)

    # --- fairness -------------------------------------------------------------------

    def calculate_fairness_metrics(self, model: str, y_true: Iterable[Any],
                                   y_pred: Iterable[Any], groups: Iterable[Hashable],
                                   positive_label: Any = 1,
                                   reference_group: Hashable | None = None) -> FairnessMetrics:
        """Fairlearn's group fairness metrics of one evaluation batch, exported.

        Args:
            model: The model.
            y_true: True labels.
            y_pred: Predicted labels.
            groups: Sensitive feature value of each row (bounded like ``observe_outcome``:
                undeclared groups past the cap become ``other``).
            positive_label: The positive class; with 1 (default) labels must be 0 or 1,
                with another value every other label is negative.
            reference_group: Group of the disparate impact; default the highest selection
                rate.

        Raises:
            ValueError: Unequal lengths, no rows, None/NaN/inf or unhashable values, labels
                outside {0, 1} with ``positive_label=1``, an unknown reference group.
        """
        return self._fairness.evaluate(model, y_true, y_pred, groups, positive_label,
                                       reference_group)

    def get_fairness_metrics(self, model: str, reference_group: Hashable | None = None
                             ) -> FairnessMetrics:
        """Fairness metrics of the outcomes streamed through ``observe_outcome``.

        Raises:
            ValueError: An unknown model, no outcome yet, or an unknown reference group.
        """
        return self._fairness.online(model, reference_group)

    # --- quality --------------------------------------------------------------------

    def calculate_accuracy_metrics(self, model: str, y_true: Iterable[Any],
                                   y_pred: Iterable[Any], average: str = "binary",
                                   pos_label: Any = 1, labels: Iterable[Any] | None = None,
                                   zero_division: Any = 0.0) -> ClassificationMetrics:
        """Accuracy, precision, recall, F1 and confusion matrix equal to scikit-learn's.

        Exported as ``measure.model.quality.{accuracy,precision,recall,f1}`` gauges and
        ``measure.model.quality.confusion`` counts. ``zero_division`` (0.0, 1.0, NaN or
        "warn", which acts as 0.0) is the value of a ratio with a zero denominator.

        Raises:
            ValueError: Bad arguments (see ``calculators.classification``).
        """
        state = self._registry.query_state(model)
        result = self._quality.accuracy(model, y_true, y_pred, average, pos_label, labels,
                                       zero_division)
        self._registry.keep(state, "accuracy", result)
        return result

    def calculate_bleu_score(self, hypotheses: Sequence[str],
                             references: Sequence[Sequence[str | None]], *,
                             model: str | None = None) -> BleuResult:
        """Corpus BLEU in [0, 1], equal to sacrebleu's ``corpus_bleu`` / 100.

        ``references`` are reference streams, each as long as ``hypotheses``. With
        ``model`` the score and its statistics are exported and kept in its snapshot.
        """
        state = None if model is None else self._registry.query_state(model)
        result = self._quality.bleu(model, hypotheses, references)
        self._registry.keep(state, "bleu", result)
        return result

    def calculate_rouge_scores(self, prediction: str, target: str, *,
                               model: str | None = None) -> RougeScores:
        """ROUGE-1, ROUGE-2 and ROUGE-L equal to Google's rouge-score (no stemming)."""
        state = None if model is None else self._registry.query_state(model)
        result = self._quality.rouge(model, prediction, target)
        self._registry.keep(state, "rouge", result)
        return result

    def calculate_perplexity(self, token_logprobs: Any, *, model: str | None = None
                             ) -> PerplexityResult:
        """Token-weighted perplexity of one sequence of log-probs, or of several pooled."""
        state = None if model is None else self._registry.query_state(model)
        result = self._quality.perplexity(model, token_logprobs)
        self._registry.keep(state, "perplexity", result)
        return result

    # --- queries --------------------------------------------------------------------

    def list_models(self) -> tuple[str, ...]:
        """Names of every recorded or registered model."""
        return self._registry.names()

    def get_model_info(self, model: str) -> ModelInfo:
        """Registration details and price of ``model`` (ValueError if unknown)."""
        return snap.model_info(self._registry.copy(model))

    def get_price(self, model: str) -> ModelPrice | None:
        """The price ``model`` would be charged at (after normalisation), or None."""
        self._checks.check_name("model", model)
        return self.prices.lookup(model)

    def get_latency_metrics(self, model: str) -> LatencyMetrics:
        """Count, mean, p50/p90/p95/p99, max, error rate and throughput of recent calls."""
        return snap.latency_metrics(self._registry.copy(model))

    def get_cost_metrics(self, model: str | None = None) -> CostMetrics:
        """Cost since start: total, input/output/cached split, tokens, by model."""
        copies = self._registry.copies() if model is None else [self._registry.copy(model)]
        return snap.cost_metrics((snap.model_cost(c) for c in copies), self.prices.as_of)

    def get_model_performance_snapshot(self, model: str) -> ModelPerformanceSnapshot:
        """Latency, cost, errors and quality of ``model`` with a health status and reasons."""
        return self._snapshot(self._registry.copy(model))

    def get_recent_inferences(self, model: str | None = None, limit: int = 100
                              ) -> tuple[InferenceRecord, ...]:
        """The most recent recorded calls (newest last), optionally of one model."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit={limit!r} is invalid: expected a positive integer")
        # Records keep the monotonic clock; shift them onto the wall clock.
        return self._recorder.recent(model, limit, self._wall() - self._clock())

    def dashboard_section(self) -> dict[str, Any]:
        """Every model's snapshot, the cost totals and the price table's as-of date."""
        snapshots = {c.name: self._snapshot(c) for c in self._registry.copies()}
        return snap.dashboard(snapshots, self.prices.as_of, len(self.prices))

    def _snapshot(self, copy: StateCopy) -> ModelPerformanceSnapshot:
        return snap.performance_snapshot(copy, self.options, self._drift.status(copy.name),
                                         self._fairness.of(copy.name))

    def close(self) -> None:
        """Undo ``instrument_*`` patches; nothing runs in the background (idempotent)."""
        while self._instrumented:
            self._instrumented.pop().uninstrument()
