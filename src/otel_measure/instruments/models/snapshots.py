"""Build ``m.models`` query results from copies of per-model state.

The domain copies a model's state under its lock (:func:`copy_state`, cheap) and the
statistics are computed here outside the lock, by the pure calculators.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from otel_measure.calculators.stats import mean_std, quantile_sorted
from otel_measure.instruments.models.results import (
    CostMetrics,
    LatencyMetrics,
    ModelCost,
    ModelDriftStatus,
    ModelInfo,
    ModelPerformanceSnapshot,
)
from otel_measure.instruments.models.state import ModelState
from otel_measure.options import ModelOptions
from otel_measure.pricing import ModelPrice

__all__ = ["StateCopy", "copy_state", "cost_metrics", "dashboard", "health", "latency_metrics",
           "model_cost", "model_info", "performance_snapshot"]


@dataclass(frozen=True)
class StateCopy:
    """A consistent copy of one :class:`ModelState` (taken under the domain's lock)."""

    name: str
    version: str | None
    provider: str | None
    task: str | None
    registered: bool
    price: ModelPrice | None
    samples: tuple[tuple[float, float, bool, float | None], ...]
    calls: int
    priced_calls: int
    unpriced_calls: int
    tokens: tuple[int, int, int]
    cost: tuple[float, float, float]
    errors: Mapping[str, int]
    quality: Mapping[str, Any]


def copy_state(state: ModelState, provider: str | None) -> StateCopy:
    """Copy ``state``; ``provider`` is the resolved provider to report."""
    t, c = state.tokens, state.cost
    quality = dict(state.quality)
    if state.online is not None and state.online.n:
        quality["online"] = state.online.result(average="macro", zero_division=0.0)
    return StateCopy(
        name=state.name, version=state.version, provider=provider, task=state.task,
        registered=state.registered, price=state.price,
        samples=tuple((r[0], r[2], r[1].error_type is None, r[6]) for r in state.latencies),
        calls=state.calls, priced_calls=state.priced_calls,
        unpriced_calls=state.unpriced_calls, tokens=(t[0], t[1], t[2]),
        cost=(c[0], c[1], c[2]), errors=dict(state.errors), quality=quality,
    )


def model_info(copy: StateCopy) -> ModelInfo:
    """Return the registration details and price of a model."""
    return ModelInfo(copy.name, copy.version, copy.provider, copy.task, copy.registered,
                     copy.price)


def latency_metrics(copy: StateCopy) -> LatencyMetrics:
    """Latency percentiles, error rate, throughput and TTFC of the buffered calls."""
    samples = copy.samples
    if not samples:
        return LatencyMetrics(copy.name, 0, copy.calls, None, None, None, None, None, None,
                              None, None)
    latencies = sorted(s[1] for s in samples)
    failed = sum(1 for s in samples if not s[2])
    span = samples[-1][0] - samples[0][0]
    ttfc = sorted(s[3] for s in samples if s[3] is not None)
    return LatencyMetrics(
        model=copy.name,
        count=len(latencies),
        total_calls=copy.calls,
        mean_s=mean_std(latencies)[0],
        p50_s=quantile_sorted(latencies, 0.50),
        p90_s=quantile_sorted(latencies, 0.90),
        p95_s=quantile_sorted(latencies, 0.95),
        p99_s=quantile_sorted(latencies, 0.99),
        max_s=latencies[-1],
        error_rate=failed / len(latencies),
        throughput_per_s=(len(latencies) - 1) / span if span > 0 else None,
        streamed=len(ttfc),
        ttfc_p50_s=quantile_sorted(ttfc, 0.50) if ttfc else None,
        ttfc_p95_s=quantile_sorted(ttfc, 0.95) if ttfc else None,
    )


def _per_1k(total_usd: float, priced: int) -> float | None:
    return total_usd / priced * 1000.0 if priced else None


def model_cost(copy: StateCopy) -> ModelCost:
    """Cost and token totals of one model since start."""
    total = sum(copy.cost)
    return ModelCost(
        model=copy.name, provider=copy.provider, price=copy.price, requests=copy.calls,
        priced_requests=copy.priced_calls, unpriced_requests=copy.unpriced_calls,
        input_tokens=copy.tokens[0], output_tokens=copy.tokens[1],
        cached_input_tokens=copy.tokens[2], input_usd=copy.cost[0], output_usd=copy.cost[1],
        cached_input_usd=copy.cost[2], total_usd=total,
        cost_per_1k_requests=_per_1k(total, copy.priced_calls),
    )


def cost_metrics(costs: Iterable[ModelCost], as_of: str) -> CostMetrics:
    """Totals over ``costs`` with the split by model."""
    by_model = {c.model: c for c in costs}
    values = list(by_model.values())
    total = sum(c.total_usd for c in values)
    priced = sum(c.priced_requests for c in values)
    return CostMetrics(
        total_usd=total,
        input_usd=sum(c.input_usd for c in values),
        output_usd=sum(c.output_usd for c in values),
        cached_input_usd=sum(c.cached_input_usd for c in values),
        input_tokens=sum(c.input_tokens for c in values),
        output_tokens=sum(c.output_tokens for c in values),
        cached_input_tokens=sum(c.cached_input_tokens for c in values),
        requests=sum(c.requests for c in values),
        priced_requests=priced,
        unpriced_requests=sum(c.unpriced_requests for c in values),
        cost_per_1k_requests=_per_1k(total, priced),
        by_model=by_model,
        unpriced_models=tuple(sorted(c.model for c in values if c.unpriced_requests)),
        price_table_as_of=as_of,
    )


def health(latency: LatencyMetrics, options: ModelOptions) -> tuple[str, tuple[str, ...]]:
    """Return (status, reasons) from the error rate and p95 latency of recent calls.

    ``unknown`` before any call; with fewer buffered calls than
    ``options.health_min_calls`` the model stays healthy and a reason says why.
    """
    if latency.count == 0:
        return "unknown", ("no inference recorded yet",)
    if latency.count < options.health_min_calls:
        return "healthy", (f"only {latency.count} recent calls; at least "
                           f"{options.health_min_calls} are needed for a verdict",)
    level, reasons = 0, []
    error_rate = latency.error_rate or 0.0
    if error_rate >= options.error_rate_critical:
        level = 2
        reasons.append(f"error rate {error_rate:.1%} >= critical "
                       f"{options.error_rate_critical:.0%}")
    elif error_rate >= options.error_rate_degraded:
        level = 1
        reasons.append(f"error rate {error_rate:.1%} >= degraded "
                       f"{options.error_rate_degraded:.0%}")
    p95 = latency.p95_s or 0.0
    critical, degraded = options.latency_p95_critical_s, options.latency_p95_degraded_s
    if critical is not None and p95 >= critical:
        level = 2
        reasons.append(f"p95 latency {p95:.3g} s >= critical {critical:g} s")
    elif degraded is not None and p95 >= degraded:
        level = max(level, 1)
        reasons.append(f"p95 latency {p95:.3g} s >= degraded {degraded:g} s")
    return ("healthy", "degraded", "critical")[level], tuple(reasons)


def performance_snapshot(copy: StateCopy, options: ModelOptions,
                         drift: ModelDriftStatus | None,
                         fairness: Mapping[str, Any] | None) -> ModelPerformanceSnapshot:
    """Everything known about one model, with its health verdict."""
    latency = latency_metrics(copy)
    status, reasons = health(latency, options)
    return ModelPerformanceSnapshot(
        model=model_info(copy), status=status, reasons=reasons, latency=latency,
        cost=model_cost(copy), errors=copy.errors, quality=copy.quality, drift=drift,
        fairness=fairness)


_STATUS_ORDER = ("unknown", "healthy", "degraded", "critical")


def dashboard(snapshots: Mapping[str, ModelPerformanceSnapshot], as_of: str,
              price_models: int) -> dict[str, Any]:
    """The models section of the unified dashboard: worst status, snapshots, cost."""
    costs = cost_metrics((s.cost for s in snapshots.values()), as_of)
    worst = max((s.status for s in snapshots.values()), key=_STATUS_ORDER.index,
                default="unknown")
    return {
        "status": worst,
        "models": {name: s.to_dict() for name, s in sorted(snapshots.items())},
        "cost": costs.to_dict(),
        "price_table": {"as_of": as_of, "models": price_models},
    }
