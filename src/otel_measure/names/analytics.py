"""Product analytics metrics: ``measure.analytics.*`` and ``measure.experiment.*``.

Each metric is written once here; ``CATALOG`` in the package collects them in this order.
"""

from __future__ import annotations

from otel_measure.names.attributes import (
    ATTR_ANALYTICS_STATE,
    ATTR_EVENT_NAME,
    ATTR_EXPERIMENT,
    ATTR_EXPERIMENT_ALPHA,
    ATTR_EXPERIMENT_CONTROL,
    ATTR_EXPERIMENT_GOAL_EVENT,
    ATTR_EXPERIMENT_METRIC,
    ATTR_EXPERIMENT_WEIGHT,
    ATTR_NPS_CATEGORY,
    ATTR_VARIANT,
)
from otel_measure.names.metric import MetricName, collect, exported, metric_factory

_metric = metric_factory("analytics")

ANALYTICS_EVENTS = _metric(
    "measure.analytics.events", "counter", "{event}",
    "Product events tracked, by allow-listed event name (never by user).",
    (ATTR_EVENT_NAME,),
)
ANALYTICS_REVENUE = _metric(
    "measure.analytics.revenue", "counter", "USD",
    "Revenue attached to tracked events.",
    (ATTR_EVENT_NAME,),
)
ANALYTICS_SESSION_DURATION = _metric(
    "measure.analytics.session.duration", "histogram", "s",
    "Duration of ended user sessions.",
)
ANALYTICS_SESSIONS_ACTIVE = _metric(
    "measure.analytics.sessions.active", "updowncounter", "{session}",
    "User sessions open now (closed by end_session or after the idle timeout).",
)
ANALYTICS_USERS = _metric(
    "measure.analytics.users", "gauge", "{user}",
    "Users whose (pseudonymised) state is held in memory, at most max_users.",
)
ANALYTICS_EVICTIONS = _metric(
    "measure.analytics.evictions", "counter", "{entry}",
    "Per-user or per-session state dropped to stay within its cap (least recently used).",
    (ATTR_ANALYTICS_STATE,),
)
ANALYTICS_NPS_RESPONSES = _metric(
    "measure.analytics.nps.responses", "counter", "{response}",
    "NPS survey responses by category (promoter 9-10, passive 7-8, detractor 0-6); NPS = 100 "
    "(promoters - detractors) / total, mergeable across processes.",
    (ATTR_NPS_CATEGORY,),
)
ANALYTICS_NPS_SCORE = _metric(
    "measure.analytics.nps.score", "gauge", "1",
    "Net Promoter Score over the buffered responses of this process, in [-100, 100].",
)
EXPERIMENT_EXPOSURES = _metric(
    "measure.experiment.exposures", "counter", "{user}",
    "Users exposed to an A/B test variant (n of the variant; once per user).",
    (ATTR_EXPERIMENT, ATTR_VARIANT),
)
EXPERIMENT_CONVERSIONS = _metric(
    "measure.experiment.conversions", "counter", "{user}",
    "Exposed users who converted at least once, by test and variant.",
    (ATTR_EXPERIMENT, ATTR_VARIANT),
)
EXPERIMENT_VALUE_SUM = _metric(
    "measure.experiment.value.sum", "counter", "1",
    "Sum over exposed users of their metric value (1/0 for conversion tests).",
    (ATTR_EXPERIMENT, ATTR_VARIANT),
)
EXPERIMENT_VALUE_SUM_SQUARES = _metric(
    "measure.experiment.value.sum_squares", "counter", "1",
    "Sum over exposed users of their metric value squared (for the variance).",
    (ATTR_EXPERIMENT, ATTR_VARIANT),
)
EXPERIMENT_VALUE_M2 = _metric(
    "measure.experiment.value.m2", "gauge", "1",
    "This process's M2 = Σ(x − x̄)² of the per-user values; merge processes with "
    "Chan's formula using their exposures and value.sum.",
    (ATTR_EXPERIMENT, ATTR_VARIANT),
)
EXPERIMENT_INFO = _metric(
    "measure.experiment.info", "gauge", "1",
    "1 per A/B test variant (Prometheus `_info` convention), its definition as attributes: "
    "planned share, control or not, metric kind, goal event (absent when none) and alpha; "
    "one series per experiment and variant.",
    (ATTR_EXPERIMENT, ATTR_VARIANT, ATTR_EXPERIMENT_WEIGHT, ATTR_EXPERIMENT_CONTROL,
     ATTR_EXPERIMENT_METRIC, ATTR_EXPERIMENT_GOAL_EVENT, ATTR_EXPERIMENT_ALPHA),
)

METRICS: tuple[MetricName, ...] = collect(globals())
__all__ = exported(globals())
