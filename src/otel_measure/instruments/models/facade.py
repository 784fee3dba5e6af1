"""AI model metrics (``m.models``): GenAI conventions, cost, latency, quality, drift, fairness.

Recording follows the GenAI semantic conventions: ``gen_ai.client.operation.duration``,
``gen_ai.client.token.usage`` and, for streams only, ``gen_ai.client.operation.
time_to_first_chunk`` and ``time_per_output_chunk``, each with the conventions' buckets;
``track_inference`` adds a CLIENT span ``"{operation} {model}"``. Cost comes from the
offline price table (:mod:`models_pricing`) into ``measure.model.cost``; a model without
a price is never priced at 0: its calls are counted in ``measure.model.cost.unpriced``.

The hot path (``record_inference``) looks up one cached :class:`Series` per (model,
operation, provider, error type), so it builds no attribute dict and resolves no name;
everything else happens on the first call of a combination. Drift
(:mod:`models_drift_methods`) and fairness (:mod:`models_fairness`) are mixins.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from opentelemetry.metrics import Meter
from opentelemetry.trace import Tracer

from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.models.fairness import FairnessMethods
from otel_measure.instruments.models.pricing import PriceTable, parse_price, parse_price_overrides
from otel_measure.instruments.models.quality import QualityExporter
from otel_measure.instruments.models.queries import OTHER
from otel_measure.instruments.models.results import ModelInfo
from otel_measure.instruments.models.state import ModelState, Record, Series
from otel_measure.instruments.models.tracking import InferenceCall, current_inference
from otel_measure.names.attributes import ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE,
    MODEL_COST,
    MODEL_COST_UNPRICED,
)
from otel_measure.options import ModelOptions
from otel_measure.views.buckets import GEN_AI_DURATION_BUCKETS, GEN_AI_TOKEN_USAGE_BUCKETS

__all__ = ["InferenceCall", "ModelMetrics", "current_inference"]

_log = logging.getLogger("otel_measure")
_INF = math.inf
_SERIES_LIMIT = 10_000  # beyond this many combinations, series are built per call


class ModelMetrics(FairnessMethods):
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
        self.capture_content = options.capture_content
        self._rejections = rejections
        self._clock = clock
        self._wall = wall_clock
        self.prices = PriceTable(
            parse_price_overrides(options.pricing_file, "file", "ModelOptions.pricing_file"),
            parse_price_overrides(options.pricing, "options", "ModelOptions.pricing"),
        )
        hist = meter.create_histogram
        d, t = GEN_AI_CLIENT_OPERATION_DURATION, GEN_AI_CLIENT_TOKEN_USAGE
        f, c = GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK, GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK
        seconds = list(GEN_AI_DURATION_BUCKETS)
        self._duration = hist(d.name, unit=d.unit, description=d.description,
                              explicit_bucket_boundaries_advisory=seconds)
        self._tokens = hist(t.name, unit=t.unit, description=t.description,
                            explicit_bucket_boundaries_advisory=list(GEN_AI_TOKEN_USAGE_BUCKETS))
        self._ttfc = hist(f.name, unit=f.unit, description=f.description,
                          explicit_bucket_boundaries_advisory=seconds)
        self._chunk_gap = hist(c.name, unit=c.unit, description=c.description,
                               explicit_bucket_boundaries_advisory=seconds)
        cost, unpriced = MODEL_COST, MODEL_COST_UNPRICED
        self._cost = meter.create_counter(cost.name, unit=cost.unit,
                                          description=cost.description)
        self._unpriced = meter.create_counter(unpriced.name, unit=unpriced.unit,
                                              description=unpriced.description)
        self._quality = QualityExporter(meter)
        self._lock = threading.Lock()
        self._models: dict[str, ModelState] = {}
        self._series: dict[tuple[Any, ...], Series] = {}
        self._records: deque[Record] = deque(maxlen=options.inference_buffer_size)
        self._closed = False
        self._init_drift(meter)
        self._init_fairness(meter)

    # --- registration ---------------------------------------------------------------

    def register_model(self, name: str, version: str | None = None, provider: str | None = None,
                       task: str | None = None, pricing: Mapping[str, Any] | None = None,
                       *, groups: Iterable[Hashable] | None = None, positive_label: Any = None
                       ) -> ModelInfo:
        """Declare a model (again: updates it) with its version, provider, task and price.

        Args:
            name: Model name as the application records it (``gen_ai.request.model``).
            version: Free-form version of the model.
            provider: ``gen_ai.provider.name`` (``openai``, ``anthropic``, ``aws.bedrock``...).
            task: What it does: ``chat``, ``embeddings``, ``classification``...
            pricing: ``{"input": .., "output": .., "cached_input": ..}`` USD per million
                tokens; replaces the table's price for this name.
            groups: Fairness groups of the model; outcomes of any other group count as
                ``_OTHER`` (None: the first ``fairness_max_groups`` groups seen).
            positive_label: Positive class of ``observe_outcome`` (default 1, with labels
                restricted to 0 and 1).

        Raises:
            ValueError: A bad name, field, price or group, a new positive label once
                outcomes are counted, or ``max_models`` models already.
        """
        self.check_name("name", name)
        for field, value in (("version", version), ("provider", provider), ("task", task)):
            if value is not None and not (isinstance(value, str) and value.strip()):
                raise ValueError(f"{field}={value!r} is invalid: expected a non-empty string "
                                 "or None")
        price = None if pricing is None else parse_price(
            name.strip().lower(), pricing, "register_model", "pricing")
        declared, label = self.fairness_args(groups, positive_label)
        with self._lock:
            state = self._models.get(name)
            if state is None:
                state = self._new_state(name)
                if state is None:
                    raise ValueError(f"name={name!r} cannot be registered: "
                                     f"max_models={self.options.max_models} models are tracked")
            self.declare_fairness(state, declared, label, positive_label is not None)
            state.registered = True
            state.version, state.task = version, task
            state.provider = provider if provider is not None else state.provider
            if price is not None:
                self.prices.set_price(price)
                for other in self._models.values():  # aliases of this name may change too
                    other.price = self.prices.lookup(other.name)
            self._series.clear()  # providers may resolve differently now
        return self.get_model_info(name)

    def series_for(self, model: Any, operation: Any, provider: Any, error_type: Any
                   ) -> Series | None:
        """Return the cached series of a combination, creating it; None when rejected."""
        if not self.valid_series_args(model, operation, provider, error_type):
            return None
        key = (model, operation, provider, error_type)
        with self._lock:
            series = self._series.get(key)
            if series is not None:
                return series
            state, failure = self._recording_state(model)
            if state is not None:
                series = Series(state, operation, self._provider(state, provider),
                                None if error_type is None else str(error_type))
                if len(self._series) < _SERIES_LIMIT:
                    self._series[key] = series
                return series
        if failure is not None:
            self._rejections.reject(*failure)
        return None

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
        if error_type is None and not success:
            error_type = OTHER
        try:
            series = self._series.get((model, operation, provider, error_type))
        except TypeError:  # an unhashable argument: series_for rejects it
            series = None
        if series is None:
            series = self.series_for(model, operation, provider, error_type)
            if series is None:
                return
        latency: Any = latency_s
        inp: Any = input_tokens
        out: Any = output_tokens
        cached: Any = cached_input_tokens
        ttfc: Any = time_to_first_token_s
        # Fast checks for the common types; anything else goes through Checks.
        if type(latency) is not float or not 0.0 <= latency < _INF:
            latency = self.check_seconds("latency_s", latency, "models.invalid_latency")
            if latency is None:
                return
        if (inp is not None and (type(inp) is not int or inp < 0)) or (
                out is not None and (type(out) is not int or out < 0)) or (
                cached is not None and (type(cached) is not int or cached < 0
                                        or (inp is not None and cached > inp))):
            counts = self.check_tokens(inp, out, cached)
            if counts is None:
                return
            inp, out, cached = counts
        if ttfc is not None and (type(ttfc) is not float or not 0.0 <= ttfc <= latency):
            ttfc = self.check_ttfc(ttfc, latency)
            if ttfc is None:
                return
        state = series.state
        pair = value = None
        if prediction is not None:
            fits, value = self.prediction_value(state, prediction)
            if not fits:
                return
            if label is not None:
                pair = self.add_label(state, prediction, label)
                if pair is None:
                    return
        self._duration.record(latency, series.duration_attrs)
        if inp is not None:
            self._tokens.record(inp, series.input_attrs)
        if out is not None:
            self._tokens.record(out, series.output_attrs)
        if ttfc is not None:
            self._ttfc.record(ttfc, series.stream_attrs)
        price = state.price
        reported = inp is not None or out is not None  # tokens to price
        c_in: Any
        c_out: Any
        c_cached: Any
        if reported and price is not None:
            # USD = tokens x USD per million / 1e6, per token type (cached input is part
            # of input_tokens and priced at its own rate).
            c_cached = cached * price.cached_input / 1e6 if cached else 0.0
            c_in = (inp - (cached or 0)) * price.input / 1e6 if inp else 0.0
            c_out = out * price.output / 1e6 if out else 0.0
            attrs = series.cost_attrs
            if c_in:
                self._cost.add(c_in, attrs[0])
            if c_out:
                self._cost.add(c_out, attrs[1])
            if c_cached:
                self._cost.add(c_cached, attrs[2])
        else:
            if reported:
                self._unpriced_call(series)
            c_in = c_out = c_cached = None
        now = self._clock()
        error = series.error_type
        with self._lock:
            state.calls += 1
            if c_in is not None:
                state.priced_calls += 1
                total = state.cost
                total[0] += c_in
                total[1] += c_out
                total[2] += c_cached
            elif reported:
                state.unpriced_calls += 1
            if reported or cached is not None:
                tokens = state.tokens
                tokens[0] += inp or 0
                tokens[1] += out or 0
                tokens[2] += cached or 0
            if error is not None:
                state.errors[error] = state.errors.get(error, 0) + 1
            record = (now, series, latency, inp, out, cached, ttfc, c_in, c_out, c_cached)
            state.latencies.append(record)
            self._records.append(record)
            drifting = prediction is None or self.add_prediction(state, value)
            if prediction is not None:
                state.predictions.append(prediction)
        if pair is not None:
            self._quality.confusion(state.name, ((pair, 1),), "online")
        if not drifting:  # its kind changed under us (a baseline was just set): rare
            self._rejections.reject("models.bad_prediction", f"prediction={prediction!r} no "
                                    "longer fits the predictions' baseline")

    def _unpriced_call(self, series: Series) -> None:
        self._unpriced.add(1, series.unpriced_attrs)
        state = series.state
        if not state.unpriced_logged:
            state.unpriced_logged = True
            _log.warning("otel-measure: model %r has no price; its cost is not recorded and "
                         "its calls are counted in %s. Add it with ModelOptions(pricing=...) or "
                         "OTEL_MEASURE_PRICING_FILE", state.name, MODEL_COST_UNPRICED.name)

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
        extra = dict(attributes or {})
        if server_address is not None:
            extra[ATTR_SERVER_ADDRESS] = server_address
        if server_port is not None:
            extra[ATTR_SERVER_PORT] = server_port
        return InferenceCall(self, model, operation, provider, extra)

    @staticmethod
    def current_inference() -> InferenceCall:
        """The live tracked call of the current context (an inert one outside calls)."""
        return current_inference()

    # CallOwner protocol (used by InferenceCall).
    def clock(self) -> float:
        """Monotonic seconds from the injected clock."""
        return self._clock()

    def record_chunk_gap(self, series: Series, gap_s: float) -> None:
        """Record the time between two streamed chunks."""
        self._chunk_gap.record(max(0.0, gap_s), series.stream_attrs)

    def record_call(self, call: InferenceCall, series: Series, latency_s: float,
                    ttfc_s: float | None, error_type: str | None) -> None:
        """Record a finished tracked call through the same checks as record_inference."""
        inp, out, cached = call.usage
        prediction, label = call.prediction
        self.record_inference(series.state.name, latency_s, inp, out,
                              operation=series.operation, provider=series.provider,
                              error_type=error_type, time_to_first_token_s=ttfc_s,
                              cached_input_tokens=cached, prediction=prediction, label=label)

    def close(self) -> None:
        """Nothing runs in the background; kept for the domain protocol (idempotent)."""
        self._closed = True
