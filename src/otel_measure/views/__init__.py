"""Default Views: explicit buckets for every histogram, attribute allow-lists.

Extend rather than replace: ``setup(views=[*DEFAULT_VIEWS, View(...)])``. Histograms
use explicit buckets because the Prometheus exporter cannot serve exponential ones.
The per-metric cardinality limit is set on each reader by ``setup(cardinality_limit=...)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence

from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View

from otel_measure.names import MetricName
from otel_measure.names.analytics import (
    ANALYTICS_EVENTS,
    ANALYTICS_EVICTIONS,
    ANALYTICS_NPS_RESPONSES,
    ANALYTICS_NPS_SCORE,
    ANALYTICS_REVENUE,
    ANALYTICS_SESSION_DURATION,
    ANALYTICS_SESSIONS_ACTIVE,
    ANALYTICS_USERS,
    EXPERIMENT_CONVERSIONS,
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_INFO,
    EXPERIMENT_VALUE_M2,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)
from otel_measure.names.infrastructure import HTTP_SERVER_REQUEST_DURATION
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE,
    MODEL_OPERATION_DURATION,
)
from otel_measure.views.buckets import (
    GEN_AI_DURATION_BUCKETS,
    GEN_AI_TOKEN_USAGE_BUCKETS,
    HTTP_SERVER_DURATION_BUCKETS,
    MODEL_DURATION_BUCKETS,
    SECONDS_BUCKETS,
)

__all__ = [
    "DEFAULT_VIEWS",
    "GEN_AI_DURATION_BUCKETS",
    "GEN_AI_TOKEN_USAGE_BUCKETS",
    "HTTP_SERVER_DURATION_BUCKETS",
    "SECONDS_BUCKETS",
    "allow_list_view",
    "histogram_view",
]


def _check_buckets(boundaries: Sequence[float]) -> list[float]:
    bounds = [float(b) for b in boundaries]
    if (
        not bounds
        or not all(math.isfinite(b) for b in bounds)
        or any(later <= earlier for earlier, later in itertools.pairwise(bounds))
    ):
        raise ValueError(
            f"bucket boundaries {bounds!r} are invalid: need finite, strictly increasing values"
        )
    return bounds


def histogram_view(metric: MetricName, boundaries: Sequence[float]) -> View:
    """Return a View giving ``metric`` explicit bucket ``boundaries`` (strictly increasing)."""
    return View(
        instrument_name=metric.name,
        aggregation=ExplicitBucketHistogramAggregation(_check_buckets(boundaries)),
    )


def allow_list_view(metric: MetricName, keys: Iterable[str] | None = None) -> View:
    """Return a View that keeps only allow-listed attribute ``keys`` on ``metric``.

    Any other attribute a caller attaches (a user id, a free-text property) is dropped
    before aggregation, so it can never become an unbounded series.
    """
    return View(instrument_name=metric.name, attribute_keys=set(keys or metric.attributes))


DEFAULT_VIEWS: tuple[View, ...] = (
    histogram_view(GEN_AI_CLIENT_OPERATION_DURATION, GEN_AI_DURATION_BUCKETS),
    histogram_view(GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK, GEN_AI_DURATION_BUCKETS),
    histogram_view(GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK, GEN_AI_DURATION_BUCKETS),
    histogram_view(GEN_AI_CLIENT_TOKEN_USAGE, GEN_AI_TOKEN_USAGE_BUCKETS),
    histogram_view(MODEL_OPERATION_DURATION, MODEL_DURATION_BUCKETS),
    histogram_view(HTTP_SERVER_REQUEST_DURATION, HTTP_SERVER_DURATION_BUCKETS),
    # Session durations are histograms with no attributes: buckets and allow-list at once.
    View(
        instrument_name=ANALYTICS_SESSION_DURATION.name,
        aggregation=ExplicitBucketHistogramAggregation(list(SECONDS_BUCKETS)),
        attribute_keys=set(),
    ),
    allow_list_view(ANALYTICS_EVENTS),
    allow_list_view(ANALYTICS_REVENUE),
    # Analytics metrics never carry a user id, whatever a caller attaches.
    *(allow_list_view(metric) for metric in (
        ANALYTICS_SESSIONS_ACTIVE, ANALYTICS_USERS, ANALYTICS_EVICTIONS,
        ANALYTICS_NPS_RESPONSES, ANALYTICS_NPS_SCORE,
        EXPERIMENT_EXPOSURES, EXPERIMENT_CONVERSIONS,
        EXPERIMENT_VALUE_SUM, EXPERIMENT_VALUE_SUM_SQUARES, EXPERIMENT_VALUE_M2,
        EXPERIMENT_INFO,  # experiments × variants series (max_experiments × 20 at most)
    )),
)
