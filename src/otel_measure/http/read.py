"""GET handlers: each calls one public query method of the ``Measure`` handle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from otel_measure.http.routes import Call, Param, Route

__all__ = ["READ_ROUTES"]

_BASE = "/api/v1/metrics"


def _model_known(measure: Any, path: Mapping[str, str]) -> str | None:
    model = path["model"]
    if model in measure.models.list_models():
        return None
    return f"no model {model!r}; GET {_BASE}/models lists the recorded ones"


def _test_known(measure: Any, path: Mapping[str, str]) -> str | None:
    name = path["name"]
    if any(t.name == name for t in measure.analytics.get_ab_tests()):
        return None
    return f"no A/B test {name!r}; GET {_BASE}/analytics/ab-tests lists them"


def _models(measure: Any, _call: Call) -> dict[str, Any]:
    models = measure.models
    return {name: models.get_model_performance_snapshot(name).to_dict()
            for name in models.list_models()}


def _services(measure: Any, _call: Call) -> dict[str, Any]:
    found = measure.infrastructure.get_availability_metrics()
    return {name: result.to_dict() for name, result in found.items()}


def _ab_tests(measure: Any, _call: Call) -> dict[str, Any]:
    analytics = measure.analytics
    return {t.name: analytics.get_ab_test_results(t.name).to_dict()
            for t in analytics.get_ab_tests()}


_WINDOW = Param("window_s", "number", "Window in seconds before now (> 0).")

READ_ROUTES: tuple[Route, ...] = (
    Route("GET", f"{_BASE}/dashboard", lambda m, c: m.dashboard(),
          "The unified dashboard: every domain's section, rejections, service.", "dashboard"),
    Route("GET", f"{_BASE}/infrastructure/cpu",
          lambda m, c: m.infrastructure.collect_cpu_metrics(),
          "Host CPU since the previous query (collect_cpu_metrics).", "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/memory",
          lambda m, c: m.infrastructure.collect_memory_metrics(),
          "Host and process memory now (collect_memory_metrics).", "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/disk",
          lambda m, c: m.infrastructure.collect_disk_metrics(),
          "Filesystems and disk I/O rates (collect_disk_metrics).", "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/network",
          lambda m, c: m.infrastructure.collect_network_metrics(),
          "Network totals and rates (collect_network_metrics).", "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/snapshot",
          lambda m, c: m.infrastructure.collect_system_snapshot(),
          "Everything now with a health status (collect_system_snapshot).", "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/summary",
          lambda m, c: m.infrastructure.get_metrics_summary(c.query.get("window_s", 3600.0)),
          "min/mean/max/p95 per resource over the sampler's window (get_metrics_summary).",
          "infrastructure", query=(_WINDOW,)),
    Route("GET", f"{_BASE}/infrastructure/history",
          lambda m, c: m.infrastructure.get_history(c.query.get("window_s", 3600.0)),
          "The sampler's history over the window, oldest first (get_history).",
          "infrastructure", query=(_WINDOW,)),
    Route("GET", f"{_BASE}/infrastructure/services", _services,
          "Availability of every registered service (get_availability_metrics).",
          "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/requests",
          lambda m, c: m.infrastructure.get_request_latency_metrics(),
          "Latency percentiles of tracked requests (get_request_latency_metrics).",
          "infrastructure"),
    Route("GET", f"{_BASE}/infrastructure/prometheus",
          lambda m, c: m.infrastructure.export_prometheus_metrics(),
          "Prometheus text exposition (export_prometheus_metrics).", "infrastructure",
          text=True),
    Route("GET", f"{_BASE}/models", _models,
          "Every model with its performance snapshot.", "models"),
    Route("GET", f"{_BASE}/models/cost", lambda m, c: m.models.get_cost_metrics(),
          "Cost since start, by model (get_cost_metrics).", "models"),
    Route("GET", f"{_BASE}/models/recent",
          lambda m, c: [r.to_dict() for r in m.models.get_recent_inferences(
              c.query.get("model"), c.query.get("limit", 100))],
          "The most recent calls, newest last (get_recent_inferences).", "models",
          query=(Param("model", "string", "Only this model's calls."),
                 Param("limit", "integer", "At most this many calls (>= 1).", default=100))),
    Route("GET", f"{_BASE}/models/{{model}}",
          lambda m, c: m.models.get_model_performance_snapshot(c.path["model"]),
          "One model's performance snapshot (get_model_performance_snapshot).", "models",
          exists=_model_known),
    Route("GET", f"{_BASE}/models/{{model}}/drift",
          lambda m, c: m.models.detect_model_drift(c.path["model"]),
          "Drift of the predictions and every ready feature (detect_model_drift).", "models",
          exists=_model_known),
    Route("GET", f"{_BASE}/models/{{model}}/fairness",
          lambda m, c: m.models.get_fairness_metrics(c.path["model"]),
          "Fairness of the streamed outcomes (get_fairness_metrics).", "models",
          exists=_model_known),
    Route("GET", f"{_BASE}/analytics/engagement",
          lambda m, c: m.analytics.get_engagement_metrics(),
          "DAU/WAU/MAU, sessions, bounce rate (get_engagement_metrics).", "analytics"),
    Route("GET", f"{_BASE}/analytics/funnel",
          lambda m, c: m.analytics.get_conversion_metrics(
              c.query["steps"], c.query.get("window_s", 14 * 86400.0)),
          "Ordered funnel over the buffered events (get_conversion_metrics).", "analytics",
          query=(Param("steps", "csv", "Event names in order, comma-separated.", True),
                 _WINDOW)),
    Route("GET", f"{_BASE}/analytics/retention",
          lambda m, c: m.analytics.get_retention_metrics(c.query.get("period", "day")),
          "Cohort retention (get_retention_metrics).", "analytics",
          query=(Param("period", "string", "Cohort period.", enum=("day", "week"),
                       default="day"),)),
    Route("GET", f"{_BASE}/analytics/nps", lambda m, c: m.analytics.get_nps_metrics(),
          "NPS with its margin of error (get_nps_metrics).", "analytics"),
    Route("GET", f"{_BASE}/analytics/ab-tests", _ab_tests,
          "Every A/B test's results (get_ab_test_results).", "analytics"),
    Route("GET", f"{_BASE}/analytics/ab-tests/{{name}}",
          lambda m, c: m.analytics.get_ab_test_results(c.path["name"]),
          "One A/B test's results (get_ab_test_results).", "analytics", exists=_test_known),
    Route("GET", f"{_BASE}/analytics/segments", lambda m, c: m.analytics.segment_users(),
          "Built-in user segments (segment_users).", "analytics"),
    Route("GET", f"{_BASE}/analytics/revenue",
          lambda m, c: m.analytics.get_revenue_metrics(),
          "Revenue over the last 30 days (get_revenue_metrics).", "analytics"),
)
