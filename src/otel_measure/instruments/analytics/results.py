"""Frozen results of the analytics queries (``to_dict()`` gives JSON-ready data).

Each extends the calculator result it wraps with the context of the query (the time it
describes, the segment, the test's definition), so the figures themselves are exactly
the calculators'.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from otel_measure.calculators._result import Result
from otel_measure.calculators.experiments import ExperimentResult
from otel_measure.calculators.funnel import EngagementResult, FunnelResult
from otel_measure.calculators.nps import NPSResult
from otel_measure.calculators.retention import RetentionResult

__all__ = [
    "ABTest",
    "ABTestResults",
    "ConversionMetrics",
    "EngagementMetrics",
    "NPSMetrics",
    "RetentionMetrics",
    "RevenueMetrics",
    "Segment",
    "UserSegments",
    "extend",
]

R = TypeVar("R")


def extend(cls: type[R], base: Any, **extra: Any) -> R:
    """Build ``cls`` from the fields of the calculator result ``base`` plus ``extra``."""
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return cls(**fields, **extra)


@dataclass(frozen=True)
class EngagementMetrics(EngagementResult):
    """Engagement at ``now`` (see :class:`~otel_measure.calculators.funnel.EngagementResult`).

    Attributes:
        now: POSIX seconds the figures describe.
        session_window_s: Sessions that started within this many seconds before ``now``
            are summarised.
    """

    now: float
    session_window_s: float


@dataclass(frozen=True)
class ConversionMetrics(FunnelResult):
    """Ordered funnel over the buffered events up to ``now``.

    Attributes:
        now: POSIX seconds; later events are ignored.
    """

    now: float


@dataclass(frozen=True)
class RetentionMetrics(RetentionResult):
    """Cohort retention (see :class:`~otel_measure.calculators.retention.RetentionResult`).

    Attributes:
        users: Users with a known first-seen time considered for the cohorts.
    """

    users: int


@dataclass(frozen=True)
class RevenueMetrics(Result):
    """Revenue over the buffered revenue events (``track_event(..., revenue=...)``).

    Attributes:
        total: Sum of the amounts, USD.
        events: Revenue events counted.
        paying_users: Distinct users among them.
        window_s: Events within this many seconds before ``now`` count.
        now: POSIX seconds the figures describe.
    """

    total: float
    events: int
    paying_users: int
    window_s: float
    now: float


@dataclass(frozen=True)
class NPSMetrics(NPSResult):
    """NPS over the buffered responses (see :class:`~otel_measure.calculators.nps.NPSResult`).

    Attributes:
        segment: The segment the responses were filtered on, or None for all.
        window_s: Only responses within this many seconds before ``now``, or None for all.
        now: POSIX seconds the figures describe.
    """

    segment: str | None
    window_s: float | None
    now: float


@dataclass(frozen=True)
class ABTest(Result):
    """Definition of an A/B test.

    Attributes:
        name: Test name (the ``experiment`` attribute of the exported counters).
        variants: Variant names; the first is the control.
        weights: Planned traffic share of each variant (sums to 1).
        goal_event: Event whose tracking converts an exposed user, or None.
        metric: ``"conversion"`` (share of exposed users who converted) or ``"mean"``
            (mean per exposed user of the values given to ``record_conversion``).
        alpha: Significance level.
        created_at: POSIX seconds of creation.
    """

    name: str
    variants: tuple[str, ...]
    weights: tuple[float, ...]
    goal_event: str | None
    metric: str
    alpha: float
    created_at: float


@dataclass(frozen=True)
class ABTestResults(ExperimentResult):
    """Readout of an A/B test (see :class:`~otel_measure.calculators.experiments.ExperimentResult`).

    ``variants[v].n`` is the exposures of variant v and ``variants[v].total`` its
    conversions (conversion metric) or summed value (mean metric).

    Attributes:
        test: The test's definition.
        conversions: Exposed users who converted at least once, per variant.
        now: POSIX seconds of the readout.
    """

    test: ABTest
    conversions: Mapping[str, int]
    now: float


@dataclass(frozen=True)
class Segment(Result):
    """One user segment.

    Attributes:
        name: Segment name.
        description: How membership is decided.
        count: Users in the segment.
        members: Their pseudonymised ids, sorted (never the raw ids).
    """

    name: str
    description: str
    count: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class UserSegments(Result):
    """Built-in and rule-based segments of the users whose state is held.

    Attributes:
        now: POSIX seconds the segments describe.
        users: Users considered.
        segments: Segment name → segment, built-in ones first.
    """

    now: float
    users: int
    segments: Mapping[str, Segment]
