"""The recording hot path of ``m.models``: GenAI metrics, cost, and the recent-call buffer.

``record_inference`` looks up one cached :class:`Series` per (model, operation, provider,
error type), so it builds no attribute dict and resolves no name; everything else happens
on the first call of a combination (:meth:`ModelRegistry.series_for`). Predictions and
labels are passed forward to the drift monitor and the quality exporter.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.trace import Tracer

from otel_measure.calculators.classification import ConfusionAccumulator
from otel_measure.instruments._rejections import MAX_SECONDS, MAX_TOKENS, safe_repr
from otel_measure.instruments.models.checks import Checks
from otel_measure.instruments.models.drift_monitor import DriftMonitor
from otel_measure.instruments.models.quality import QualityExporter
from otel_measure.instruments.models.registry import ModelRegistry
from otel_measure.instruments.models.results import InferenceRecord
from otel_measure.instruments.models.state import OTHER, ModelState, Record, Series
from otel_measure.instruments.models.tracking import InferenceCall
from otel_measure.names import create_instrument
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE,
    MODEL_COST,
    MODEL_COST_UNPRICED,
    MODEL_OPERATION_DURATION,
)
from otel_measure.views.buckets import (
    GEN_AI_DURATION_BUCKETS,
    GEN_AI_TOKEN_USAGE_BUCKETS,
    MODEL_DURATION_BUCKETS,
)

__all__ = ["InferenceRecorder"]

_log = logging.getLogger("otel_measure")
_INF = math.inf


class InferenceRecorder:
    """Records calls into the GenAI instruments and the per-model totals and buffers.

    It is also the owner of tracked calls (:class:`~.tracking.CallOwner`).

    Args:
        meter: Meter the GenAI and cost instruments are created on.
        tracer: Tracer of the ``track_inference`` spans.
        registry: Per-model state and the series cache.
        drift: Receives predictions (their drift window).
        quality: Receives labelled predictions (online confusion counts).
        clock: Monotonic clock in seconds.
        capture_content: Whether tracked calls may put messages on spans.
        buffer_size: Recent calls kept across models.
    """

    def __init__(self, meter: Meter, tracer: Tracer, registry: ModelRegistry,
                 drift: DriftMonitor, quality: QualityExporter, clock: Callable[[], float],
                 *, capture_content: bool, buffer_size: int) -> None:
        self.tracer = tracer
        self.capture_content = capture_content
        self._registry = registry
        self._checks: Checks = registry.checks
        self._drift = drift
        self._quality = quality
        self._clock = clock
        seconds = GEN_AI_DURATION_BUCKETS
        self._duration = create_instrument(meter, GEN_AI_CLIENT_OPERATION_DURATION,
                                           buckets=seconds)
        self._tokens = create_instrument(meter, GEN_AI_CLIENT_TOKEN_USAGE,
                                         buckets=GEN_AI_TOKEN_USAGE_BUCKETS)
        self._ttfc = create_instrument(meter, GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK, buckets=seconds)
        self._chunk_gap = create_instrument(meter, GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
                                            buckets=seconds)
        self._model_duration = create_instrument(meter, MODEL_OPERATION_DURATION,
                                                 buckets=MODEL_DURATION_BUCKETS)
        # Cost sums are kept in the registry's cost cells (under the lock the call takes
        # anyway) and read at collection: two to three fewer SDK calls per call.
        create_instrument(meter, MODEL_COST, callbacks=[self._observe_cost])
        create_instrument(meter, MODEL_COST_UNPRICED, callbacks=[self._observe_unpriced])
        self.records: deque[Record] = deque(maxlen=buffer_size)

    def record(self, model: Any, latency_s: Any, input_tokens: Any, output_tokens: Any,
               operation: Any, provider: Any, success: Any, error_type: Any,
               time_to_first_token_s: Any, cached_input_tokens: Any, prediction: Any,
               label: Any, *, extra: tuple[tuple[str, Any], ...] = (),
               cache_write: Any = None, metrics: bool = True) -> None:
        """The body of ``ModelMetrics.record_inference`` (see its docstring).

        ``extra``: attributes a client call adds to its GenAI metrics (response model,
        server address and port); ``cache_write``: input tokens written to the prompt
        cache (part of ``input_tokens``), priced at the cache-write price when it has one;
        ``metrics=False``: cost and in-process statistics only (another instrumentation
        records the call's ``gen_ai.client.*`` metrics).
        """
        if error_type is None and not success:
            error_type = OTHER
        key = (model, operation, provider, error_type, extra) if extra else (
            model, operation, provider, error_type)
        try:
            series = self._registry.series.get(key)
        except Exception:  # unhashable or a hostile __hash__/__eq__: series_for rejects it
            series = None
        if series is None:
            series = self._registry.series_for(model, operation, provider, error_type, extra)
            if series is None:
                return
        checks = self._checks
        latency: Any = latency_s
        inp: Any = input_tokens
        out: Any = output_tokens
        cached: Any = cached_input_tokens
        ttfc: Any = time_to_first_token_s
        # Fast checks for the common types; anything else goes through Checks.
        if type(latency) is not float or not 0.0 <= latency <= MAX_SECONDS:
            latency = checks.check_seconds("latency_s", latency, "models.invalid_latency")
            if latency is None:
                return
        if (inp is not None and (type(inp) is not int or not 0 <= inp <= MAX_TOKENS)) or (
                out is not None and (type(out) is not int or not 0 <= out <= MAX_TOKENS)) or (
                cached is not None and (type(cached) is not int or cached < 0
                                        or (inp is not None and cached > inp))):
            counts = checks.check_tokens(inp, out, cached)
            if counts is None:
                return
            inp, out, cached = counts
        if ttfc is not None and (type(ttfc) is not float or not 0.0 <= ttfc <= latency):
            ttfc = checks.check_ttfc(ttfc, latency)
            if ttfc is None:
                return
        state = series.state
        pair = value = None
        if prediction is not None:
            fits, value = self._drift.prediction_value(state, prediction)
            if not fits:
                return
            if label is not None:
                pair = self._add_label(state, prediction, label)
                if pair is None:
                    return
        if metrics and not series.genai:  # a classical model: never in gen_ai.client.*
            self._model_duration.record(latency, series.duration_attrs)
        elif metrics:
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
            if (type(cache_write) is int and price.cache_write is not None and inp
                    and 0 < cache_write <= inp - (cached or 0)):
                # Cache writes are part of input_tokens: priced at their own rate, in the
                # input cost (ignored when they do not fit in the uncached input).
                c_in += cache_write * (price.cache_write - price.input) / 1e6
            c_out = out * price.output / 1e6 if out else 0.0
        else:
            if reported and not state.unpriced_logged:
                self._log_unpriced(state)
            c_in = c_out = c_cached = None
        now = self._clock()
        error = series.error_type
        registry = self._registry
        with registry.lock:
            state.calls += 1
            if c_in is not None:
                state.priced_calls += 1
                total = state.cost
                total[0] += c_in
                total[1] += c_out
                total[2] += c_cached
                series.cell.add((c_in, c_out, c_cached), registry.cost_order)
            elif reported:
                state.unpriced_calls += 1
                cell = series.cell
                cell.unpriced += 1
                if cell.unpriced == 1:
                    registry.unpriced_order.append(cell)
            if reported or cached is not None:
                tokens = state.tokens
                tokens[0] += inp or 0
                tokens[1] += out or 0
                tokens[2] += cached or 0
            if error is not None:
                state.errors[error] = state.errors.get(error, 0) + 1
            record = (now, series, latency, inp, out, cached, ttfc, c_in, c_out, c_cached)
            state.latencies.append(record)
            self.records.append(record)
            drifting = prediction is None or self._drift.add_prediction(state, value)
            if prediction is not None:
                state.predictions.append(prediction)
        if pair is not None:
            self._quality.confusion(state.name, ((pair, 1),), "online")
        if not drifting:  # its kind changed under us (a baseline was just set): rare
            checks.rejections.reject("models.bad_prediction",
                                     f"prediction={safe_repr(prediction)} no longer fits the "
                                     "predictions' baseline")

    def _add_label(self, state: ModelState, prediction: Any, label: Any
                   ) -> tuple[Any, Any] | None:
        """Add a labelled prediction to the model's online confusion counts.

        Returns the (true, predicted) pair as the calculators normalise it (``1.0`` is
        ``1``), or None after rejecting labels of a bad or mixed kind.
        """
        one = ConfusionAccumulator()
        try:
            one.add((label,), (prediction,))
            with self._registry.lock:
                if state.online is None:
                    state.online = ConfusionAccumulator()
                state.online.merge(one)
        except ValueError as exc:
            self._checks.rejections.reject(
                "models.invalid_label",
                f"prediction={safe_repr(prediction)} / label={safe_repr(label)} are invalid: "
                f"{exc}")
            return None
        pair: tuple[Any, Any] = next(iter(one.counts))
        return pair

    @staticmethod
    def _log_unpriced(state: ModelState) -> None:
        if not state.unpriced_logged:
            state.unpriced_logged = True
            _log.warning("otel-measure: model %r has no price; its cost is not recorded and "
                         "its calls are counted in %s. Add it with ModelOptions(pricing=...) or "
                         "OTEL_MEASURE_PRICING_FILE", state.name, MODEL_COST_UNPRICED.name)

    # --- observable cost counters -----------------------------------------------------

    def _observe_cost(self, _options: CallbackOptions) -> Iterable[Observation]:
        """USD per (model, provider, token type), in the order the points got data."""
        with self._registry.lock:
            points = [(cell.fold(index), cell.attrs[index])
                      for cell, index in self._registry.cost_order]
        return [Observation(value, attrs) for value, attrs in points]

    def _observe_unpriced(self, _options: CallbackOptions) -> Iterable[Observation]:
        """Unpriced calls per (model, provider)."""
        with self._registry.lock:
            points = [(cell.unpriced, cell.unpriced_attrs)
                      for cell in self._registry.unpriced_order]
        return [Observation(value, attrs) for value, attrs in points]

    # --- CallOwner (used by InferenceCall) -------------------------------------------

    def clock(self) -> float:
        """Monotonic seconds from the injected clock."""
        return self._clock()

    def series_for(self, model: Any, operation: Any, provider: Any, error_type: Any
                   ) -> Series | None:
        """Resolve (or reject) the cached series of a tracked call."""
        return self._registry.series_for(model, operation, provider, error_type)

    def record_chunk_gap(self, series: Series, gap_s: float) -> None:
        """Record the time between two streamed chunks (GenAI operations only)."""
        if series.genai:
            self._chunk_gap.record(max(0.0, gap_s), series.stream_attrs)

    def note_unreadable(self, reason: str, message: str) -> None:
        """Count (and log once) an unreadable part of a tracked call; never raises."""
        self._checks.rejections.count(reason, message)

    def record_call(self, call: InferenceCall, series: Series, latency_s: float,
                    ttfc_s: float | None, error_type: str | None) -> None:
        """Record a finished tracked call through the same checks as ``record``."""
        inp, out, cached = call.usage
        prediction, label = call.prediction
        self.record(series.state.name, latency_s, inp, out, series.operation, series.provider,
                    True, error_type, ttfc_s, cached, prediction, label,
                    extra=call.metric_attributes, cache_write=call.cache_write_tokens)

    # --- recent calls ---------------------------------------------------------------

    def recent(self, model: str | None, limit: int, wall_offset_s: float
               ) -> tuple[InferenceRecord, ...]:
        """The last ``limit`` recorded calls (of one model or all), on the wall clock."""
        with self._registry.lock:
            rows = [r for r in self.records if model is None or r[1].state.name == model]
        return tuple(
            InferenceRecord(
                timestamp=now + wall_offset_s, model=series.state.name,
                operation=series.operation, provider=series.provider, latency_s=latency,
                input_tokens=inp, output_tokens=out, cached_input_tokens=cached,
                time_to_first_chunk_s=ttfc,
                cost_usd=None if c_in is None else c_in + (c_out or 0.0) + (c_cached or 0.0),
                error_type=series.error_type)
            for now, series, latency, inp, out, cached, ttfc, c_in, c_out, c_cached
            in rows[-limit:])
