"""The ``analytics`` section of the unified dashboard: figures only, no user ids.

:func:`build_section` reads the figures through :class:`AnalyticsQueries`, the few query
methods it needs; the facade (``instruments/analytics/facade.py``) satisfies it and calls
down into this module, never the other way round.
"""

from __future__ import annotations

from typing import Any, Protocol

from otel_measure.calculators._result import to_plain
from otel_measure.instruments.analytics.results import (
    ABTest,
    ABTestResults,
    EngagementMetrics,
    NPSMetrics,
    RetentionMetrics,
    RevenueMetrics,
)

__all__ = ["AnalyticsQueries", "build_section", "experiment_summary"]


class AnalyticsQueries(Protocol):
    """The query methods the dashboard section reads (``UserAnalytics`` has them all)."""

    def get_engagement_metrics(self, *, now: float) -> EngagementMetrics:
        """Engagement figures at ``now``."""
        ...

    def get_nps_metrics(self, *, now: float) -> NPSMetrics:
        """NPS over every buffered response up to ``now``."""
        ...

    def get_retention_metrics(self, *, now: float) -> RetentionMetrics:
        """Daily cohort retention at ``now``."""
        ...

    def get_ab_tests(self) -> tuple[ABTest, ...]:
        """Every test's definition, in creation order."""
        ...

    def get_ab_test_results(self, test: str, *, now: float) -> ABTestResults:
        """One test's readout at ``now``."""
        ...

    def get_revenue_metrics(self, *, now: float) -> RevenueMetrics:
        """Revenue over the default window before ``now``."""
        ...

    def state_summary(self) -> dict[str, Any]:
        """Sizes of the bounded state."""
        ...


def experiment_summary(res: ABTestResults) -> dict[str, Any]:
    """Return a test's verdict, per-variant exposures and values, and each comparison."""
    return {
        "metric": res.metric,
        "verdict": res.verdict,
        "winner": res.winner,
        "srm_p_value": res.srm.p_value,
        "srm_flagged": res.srm.flagged,
        "variants": {v: {"exposures": s.n, "conversions": res.conversions[v], "value": s.value,
                         "standard_error": s.standard_error}
                     for v, s in res.variants.items()},
        "comparisons": {v: {"absolute_lift": c.comparison.absolute_lift,
                            "absolute_lift_ci": c.comparison.absolute_lift_ci,
                            "relative_lift": c.comparison.relative_lift,
                            "relative_lift_ci": c.comparison.relative_lift_ci,
                            "p_value": c.comparison.p_value, "p_adjusted": c.p_adjusted,
                            "chance_to_beat_control": c.comparison.chance_to_beat_control,
                            "verdict": c.verdict, "sample_size_needed": c.sample_size_needed}
                        for v, c in res.comparisons.items()},
    }


def build_section(analytics: AnalyticsQueries, now: float) -> dict[str, Any]:
    """Engagement, NPS with its interval, every A/B test's verdict, the latest retention curve.

    Args:
        analytics: The queries to read the figures from (the ``UserAnalytics`` facade).
        now: POSIX seconds of the readout.
    """
    retention = analytics.get_retention_metrics(now=now)
    section = {
        "now": now,
        "engagement": analytics.get_engagement_metrics(now=now).to_dict(),
        "nps": analytics.get_nps_metrics(now=now).to_dict(),
        "experiments": {t.name: experiment_summary(analytics.get_ab_test_results(t.name, now=now))
                        for t in analytics.get_ab_tests()},
        "retention": {"period": retention.period, "cohorts": len(retention.cohorts),
                      "eligible_users": retention.eligible_users,
                      "average": retention.average,
                      "average_on_or_after": retention.average_on_or_after},
        "revenue": analytics.get_revenue_metrics(now=now).to_dict(),
        "state": analytics.state_summary(),
    }
    plain: dict[str, Any] = to_plain(section)
    return plain
