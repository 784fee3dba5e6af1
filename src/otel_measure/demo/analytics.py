"""The analytics part of ``otel-measure demo``: shoppers with sessions, a funnel, NPS and
an A/B test on the checkout button whose green variant really converts better.
"""

from __future__ import annotations

import math
import random
import time

from otel_measure._measure import Measure

__all__ = ["FUNNEL", "AnalyticsDriver"]

_TEST = "checkout_button"
FUNNEL = ("page_view", "view_item", "add_to_cart", "purchase")
# Chance that a shopper who reached the cart buys, by button colour: a real +50 % effect.
_BUY = {"blue": 0.30, "green": 0.45}


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None or not math.isfinite(value) else format(value, spec)


class AnalyticsDriver:
    """Simulated shoppers: each step a few visits walk down the funnel, some answer NPS."""

    name = "analytics"

    def __init__(self, rng: random.Random, shoppers: int = 5000, visits_per_step: int = 20
                 ) -> None:
        self._rng = rng
        self._shoppers = shoppers
        self._visits = visits_per_step
        self._created = False

    def _visit(self, measure: Measure) -> None:
        analytics, rng = measure.analytics, self._rng
        user = f"shopper-{rng.randrange(self._shoppers)}"
        # Visits are back-dated into the last half hour and spread over a few minutes, so
        # session durations look like a shop's rather than microseconds.
        clock = [time.time() - rng.uniform(300.0, 1800.0)]

        def at() -> float:
            clock[0] += rng.uniform(3.0, 60.0)
            return clock[0]

        session = analytics.start_session(user, {"device": rng.choice(("mobile", "desktop"))},
                                          timestamp=clock[0])
        analytics.track_event("page_view", user, session_id=session, timestamp=at())
        bought = False
        if rng.random() < 0.7:
            analytics.track_event("view_item", user, {"item": rng.choice(("mug", "shirt"))},
                                  session_id=session, timestamp=at())
            if rng.random() < 0.5:
                analytics.track_event("add_to_cart", user, session_id=session, timestamp=at())
                button = analytics.assign_variant(_TEST, user) or "blue"
                if rng.random() < _BUY[button]:
                    analytics.track_event("purchase", user, session_id=session,
                                          revenue=round(rng.uniform(8, 60), 2), timestamp=at())
                    bought = True
        if session is not None:
            analytics.end_session(session, timestamp=at())
        if rng.random() < 0.15:
            # Buyers are happier: promoters skew towards completed purchases.
            score = min(10, max(0, round(rng.gauss(9.0 if bought else 7.6, 1.5))))
            analytics.record_nps_response(user, score, segment="buyer" if bought else "browser")

    def step(self, measure: Measure, elapsed_s: float) -> None:
        """Run a few shopper visits."""
        if not self._created:
            measure.analytics.create_ab_test(_TEST, ("blue", "green"), goal_event="purchase")
            self._created = True
        for _ in range(self._visits):
            self._visit(measure)

    def status(self, measure: Measure) -> str:
        """NPS and the test's verdict so far."""
        nps = measure.analytics.get_nps_metrics()
        verdict = measure.analytics.get_ab_test_results(_TEST).verdict if self._created else "-"
        return f"nps {_fmt(nps.nps, '+.0f')} (n={nps.n})  A/B: {verdict}"

    def summary(self, measure: Measure) -> list[str]:
        """Engagement, funnel, NPS with its interval and the A/B verdict."""
        analytics = measure.analytics
        eng = analytics.get_engagement_metrics()
        funnel = analytics.get_conversion_metrics(list(FUNNEL))
        nps = analytics.get_nps_metrics()
        lines = [
            f"  engagement: {eng.dau} daily users, {eng.sessions} sessions, "
            f"{_fmt(eng.events_per_session, '.1f')} events/session, bounce rate "
            f"{_fmt(eng.bounce_rate, '.0%')}",
            "  funnel: " + " -> ".join(f"{s.name} {s.users}" for s in funnel.steps)
            + f" (overall {_fmt(funnel.overall_conversion, '.1%')})",
            f"  NPS: {_fmt(nps.nps, '+.1f')} (95% CI {_fmt(nps.ci_low, '+.1f')} to "
            f"{_fmt(nps.ci_high, '+.1f')}, n={nps.n})",
        ]
        if not self._created:
            return [*lines, "  A/B test: not started"]
        res = analytics.get_ab_test_results(_TEST)
        arms = ", ".join(f"{v} {s.total:.0f}/{s.n} ({_fmt(s.value, '.1%')})"
                         for v, s in res.variants.items())
        cmp = res.comparisons["green"].comparison
        lines += [
            f"  A/B {_TEST}: {arms}",
            f"    green vs blue: lift {_fmt(cmp.relative_lift, '+.0%')} (95% CI "
            f"{_fmt(cmp.relative_lift_ci[0], '+.0%')} to {_fmt(cmp.relative_lift_ci[1], '+.0%')}"
            f"), p={_fmt(cmp.p_value, '.3g')}, chance to beat control "
            f"{_fmt(cmp.chance_to_beat_control, '.0%')} -> {res.verdict}"
            + (" (sample ratio mismatch!)" if res.srm.flagged else ""),
        ]
        return lines
