"""Availability, check latency and MTTR from a history of health-check outcomes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.stats import mean_std, quantile

__all__ = ["CheckSummary", "mttr", "summarise_checks"]


@dataclass(frozen=True)
class CheckSummary(Result):
    """Checks since a point in time.

    ``availability`` is successful checks over checks (``None`` without checks);
    ``mttr_s`` the mean outage length, from an outage's first failed check to the next
    successful one, over outages that recovered in the window (``None`` without one).
    """

    checks: int
    failures: int
    availability: float | None
    mean_latency_s: float | None
    p95_latency_s: float | None
    mttr_s: float | None


def mttr(outcomes: Iterable[tuple[float, bool]], since: float) -> float | None:
    """Mean length of the outages that recovered at or after ``since``.

    Args:
        outcomes: ``(time, up)`` per check, in time order; the whole history, so an
            outage that began before ``since`` is measured from its real start.
        since: Start of the window.
    """
    outage_start: float | None = None
    lengths: list[float] = []
    for at, up in outcomes:
        if not up:
            if outage_start is None:
                outage_start = at
        elif outage_start is not None:
            if at >= since:
                lengths.append(at - outage_start)
            outage_start = None
    return mean_std(lengths)[0] if lengths else None


def summarise_checks(history: Iterable[tuple[float, bool, float | None]], since: float
                     ) -> CheckSummary:
    """Summarise ``(time, up, latency or None)`` checks in time order from ``since`` on."""
    checks = list(history)
    recent = [c for c in checks if c[0] >= since]
    ups = sum(1 for c in recent if c[1])
    latencies = [c[2] for c in recent if c[2] is not None]
    return CheckSummary(
        checks=len(recent),
        failures=len(recent) - ups,
        availability=ups / len(recent) if recent else None,
        mean_latency_s=mean_std(latencies)[0] if latencies else None,
        p95_latency_s=quantile(latencies, 0.95) if latencies else None,
        mttr_s=mttr(((c[0], c[1]) for c in checks), since),
    )
