"""Queries of ``m.models``: model state helpers, latency, cost, snapshots, dashboard.

A mixin of :class:`~otel_measure.instruments.models.ModelMetrics`: statistics are
computed outside the domain's lock from copies of per-model state.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from otel_measure.instruments.models import snapshots as snap
from otel_measure.instruments.models.checks import Checks
from otel_measure.instruments.models.pricing import ModelPrice, PriceTable, provider_from_name
from otel_measure.instruments.models.results import (
    CostMetrics,
    InferenceRecord,
    LatencyMetrics,
    ModelInfo,
    ModelPerformanceSnapshot,
)
from otel_measure.instruments.models.state import ModelState, Record
from otel_measure.options import ModelOptions

__all__ = ["OTHER", "Queries"]

OTHER = "_OTHER"  # gen_ai.provider.name / error.type when unknown


class Queries(Checks):
    """Model-state helpers and every read-only query of the models domain."""

    options: ModelOptions
    prices: PriceTable
    _lock: threading.Lock
    _models: dict[str, ModelState]
    _records: deque[Record]
    _clock: Callable[[], float]
    _wall: Callable[[], float]

    # --- model state ----------------------------------------------------------------

    def _new_state(self, model: str) -> ModelState | None:
        """Create a model's state (caller holds the lock); None past ``max_models``."""
        if len(self._models) >= self.options.max_models:
            return None
        state = ModelState(model, self.options.latency_buffer_size,
                           self.options.prediction_buffer_size)
        state.price = self.prices.lookup(model)
        self._models[model] = state
        return state

    def _recording_state(self, model: str) -> tuple[ModelState | None, tuple[str, str] | None]:
        """The state a recording call writes to, created on first use (caller holds the
        lock), or the rejection ``(reason, message)`` when the model cannot be tracked."""
        state = self._models.get(model)
        if state is not None:
            return state, None
        if self.options.require_registration:
            return None, ("models.unregistered_model",
                          f"model {model!r} is not registered; call register_model() first "
                          "or set ModelOptions(require_registration=False)")
        state = self._new_state(model)
        if state is None:
            return None, ("models.too_many_models",
                          f"model {model!r} is dropped: max_models={self.options.max_models} "
                          "models are already tracked")
        return state, None

    def _provider(self, state: ModelState, given: str | None) -> str:
        price = state.price
        return (given or state.provider or provider_from_name(state.name)
                or (price.provider if price is not None else None) or OTHER)

    # --- queries --------------------------------------------------------------------

    def _copy(self, model: str) -> snap.StateCopy:
        with self._lock:
            state = self._models.get(model) if isinstance(model, str) else None
            if state is None:
                known = sorted(self._models)
                raise ValueError(f"model={model!r} is unknown; recorded or registered models: "
                                 f"{known[:20]!r}{' ...' if len(known) > 20 else ''}")
            return snap.copy_state(state, self._provider(state, None))

    def list_models(self) -> tuple[str, ...]:
        """Names of every recorded or registered model."""
        with self._lock:
            return tuple(sorted(self._models))

    def get_model_info(self, model: str) -> ModelInfo:
        """Registration details and price of ``model`` (ValueError if unknown)."""
        return snap.model_info(self._copy(model))

    def get_price(self, model: str) -> ModelPrice | None:
        """The price ``model`` would be charged at (after normalisation), or None."""
        self.check_name("model", model)
        return self.prices.lookup(model)

    def get_latency_metrics(self, model: str) -> LatencyMetrics:
        """Count, mean, p50/p90/p95/p99, max, error rate and throughput of recent calls."""
        return snap.latency_metrics(self._copy(model))

    def get_cost_metrics(self, model: str | None = None) -> CostMetrics:
        """Cost since start: total, input/output/cached split, tokens, by model."""
        if model is not None:
            copies = [self._copy(model)]
        else:
            with self._lock:
                copies = [snap.copy_state(s, self._provider(s, None))
                          for s in self._models.values()]
        return snap.cost_metrics((snap.model_cost(c) for c in copies), self.prices.as_of)

    def get_model_performance_snapshot(self, model: str) -> ModelPerformanceSnapshot:
        """Latency, cost, errors and quality of ``model`` with a health status and reasons."""
        return self._snapshot(self._copy(model))

    def _snapshot(self, copy: snap.StateCopy) -> ModelPerformanceSnapshot:
        latency = snap.latency_metrics(copy)
        status, reasons = snap.health(latency, self.options)
        return ModelPerformanceSnapshot(
            model=snap.model_info(copy), status=status, reasons=reasons, latency=latency,
            cost=snap.model_cost(copy), errors=copy.errors, quality=copy.quality)

    def get_recent_inferences(self, model: str | None = None, limit: int = 100
                              ) -> tuple[InferenceRecord, ...]:
        """The most recent recorded calls (newest last), optionally of one model."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit={limit!r} is invalid: expected a positive integer")
        with self._lock:
            rows = [r for r in self._records if model is None or r[1].state.name == model]
        # Records keep the monotonic clock; shift them onto the wall clock.
        offset = self._wall() - self._clock()
        return tuple(
            InferenceRecord(
                timestamp=now + offset, model=series.state.name, operation=series.operation,
                provider=series.provider, latency_s=latency, input_tokens=inp,
                output_tokens=out, cached_input_tokens=cached, time_to_first_chunk_s=ttfc,
                cost_usd=None if c_in is None else c_in + (c_out or 0.0) + (c_cached or 0.0),
                error_type=series.error_type)
            for now, series, latency, inp, out, cached, ttfc, c_in, c_out, c_cached
            in rows[-limit:])

    # --- dashboard and lifecycle ----------------------------------------------------

    def dashboard_section(self) -> dict[str, Any]:
        """Every model's snapshot, the cost totals and the price table's as-of date."""
        with self._lock:
            copies = [snap.copy_state(s, self._provider(s, None))
                      for s in self._models.values()]
        snapshots = {c.name: self._snapshot(c) for c in copies}
        costs = snap.cost_metrics((s.cost for s in snapshots.values()), self.prices.as_of)
        order = ("unknown", "healthy", "degraded", "critical")
        worst = max((s.status for s in snapshots.values()), key=order.index, default="unknown")
        return {
            "status": worst,
            "models": {name: s.to_dict() for name, s in sorted(snapshots.items())},
            "cost": costs.to_dict(),
            "price_table": {"as_of": self.prices.as_of, "models": len(self.prices)},
        }
