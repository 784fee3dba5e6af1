"""track_event exports exactly what the naive path (a Counter.add per event) records.

Ours counts events and sums revenue under the domain's lock, applies queued events in
batches and reports them through observable counters at collection; an exporter must see
the same points, values, kinds and scrape text as per-event synchronous adds.
"""

from __future__ import annotations

import math
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics.export import MetricsData

from otel_measure.instruments import Rejections, UserAnalytics
from otel_measure.instruments.analytics import event_reads as reads
from otel_measure.names.analytics import ANALYTICS_EVENTS, ANALYTICS_REVENUE
from otel_measure.options import AnalyticsOptions
from tests.support.equivalence import TwoReaders, run_while_collecting

NAMES = ("view", "cart", "buy", "search", "share")
COMPARED = (ANALYTICS_EVENTS.name, ANALYTICS_REVENUE.name)


class Side(TwoReaders):
    """Both readers of one provider; a collection gives compared points and scrape lines."""

    def collect(self) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """One collection of both readers, back to back: compared points and scrape lines."""
        data, text = self.read()
        return normalise(data), scraped(text)

def normalise(data: MetricsData | None) -> dict[str, Any]:
    """Kind, monotonicity, temporality, unit and points of the compared metrics."""
    out: dict[str, Any] = {}
    for rm in data.resource_metrics if data is not None else ():
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                if metric.name in COMPARED or metric.name == "measure.rejected":
                    body = metric.data
                    out[metric.name] = (
                        type(body).__name__, metric.unit, metric.description, body.is_monotonic,
                        body.aggregation_temporality,
                        sorted((tuple(sorted(p.attributes.items())), type(p.value).__name__,
                                p.value) for p in body.data_points))
    return out


def scraped(text: str) -> dict[str, list[str]]:
    """Exposition lines (HELP, TYPE, samples in order) of the compared families."""
    families: dict[str, list[str]] = {}
    prefixes = [name.replace(".", "_") for name in COMPARED]
    for line in text.splitlines():
        name = line.removeprefix("# HELP ").removeprefix("# TYPE ")
        for prefix in prefixes:
            if name.startswith(prefix) and not name[len(prefix)].isalpha():
                families.setdefault(prefix, []).append(line)
    return families


class Naive:
    """A synchronous Counter.add per accepted event, with the same labels and _OTHER rule."""

    def __init__(self, meter: Meter, allowed: tuple[str, ...] | None, max_names: int) -> None:
        self.events = meter.create_counter(ANALYTICS_EVENTS.name, unit=ANALYTICS_EVENTS.unit,
                                           description=ANALYTICS_EVENTS.description)
        self.revenue = meter.create_counter(ANALYTICS_REVENUE.name, unit=ANALYTICS_REVENUE.unit,
                                            description=ANALYTICS_REVENUE.description)
        self.allowed, self.max_names = allowed, max_names
        self.labels: list[str] = []

    def track(self, name: str, revenue: float | None) -> None:
        if self.allowed is not None:
            label = name if name in self.allowed else "_OTHER"
        elif name in self.labels or len(self.labels) < self.max_names:
            label = name
            if name not in self.labels:
                self.labels.append(name)
        else:
            label = "_OTHER"
        self.events.add(1, {"event.name": label})
        if revenue is not None:
            self.revenue.add(revenue, {"event.name": label})


@st.composite
def events(draw: st.DrawFn) -> tuple[Any, Any, Any, bool]:
    """(event name, user id, revenue, accepted) with some invalid arguments mixed in."""
    bad = draw(st.sampled_from((None,) * 5 + ("name", "user", "revenue")))
    name: Any = draw(st.sampled_from(NAMES)) if bad != "name" else draw(
        st.sampled_from(("", "bad\nname", None, 3)))
    user: Any = draw(st.sampled_from(("u1", "u2", "u3", 7))) if bad != "user" else draw(
        st.sampled_from(("", None, 1.5, "\udc80")))
    revenue: Any = draw(st.none() | st.floats(0.0, 500.0)) if bad != "revenue" else draw(
        st.sampled_from((-1.0, math.nan, math.inf, "12")))
    return name, user, revenue, bad is None


def _rigs(allowed: tuple[str, ...] | None, max_names: int
          ) -> tuple[Side, UserAnalytics, Side, Naive]:
    ours = Side()
    analytics = UserAnalytics(ours.meter, Rejections(ours.meter),
                              AnalyticsOptions(key="k", events=allowed,
                                               max_event_names=max_names),
                              clock=lambda: 1_700_000_000.0)
    naive_side = Side()
    return ours, analytics, naive_side, Naive(naive_side.meter, allowed, max_names)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(events(), max_size=300), min_size=1, max_size=4),
       st.sampled_from((None, ("view", "buy"))))
def test_exports_equal_the_naive_path(batches: list[list[tuple[Any, Any, Any, bool]]],
                                      allowed: tuple[str, ...] | None) -> None:
    """Counts, revenue sums, _OTHER, kinds and scrape lines match after every collection."""
    ours, analytics, naive_side, naive = _rigs(allowed, max_names=3)
    bad = 0
    for batch in batches:  # batches longer than the queue's batch size of 128 included
        for name, user, revenue, accepted in batch:
            analytics.track_event(name, user, revenue=revenue)
            if accepted:
                naive.track(name, revenue)
            bad += not accepted
        our_data, our_text = ours.collect()
        naive_data, naive_text = naive_side.collect()
        rejected = our_data.pop("measure.rejected", None)
        assert our_data == naive_data
        assert our_text == naive_text
        assert (sum(p[2] for p in rejected[-1]) if rejected else 0) == bad


def test_revenue_sums_fold_like_the_sdk_across_collections() -> None:
    """Revenue summed over many collections is the very float a synchronous Counter exports."""
    rng = random.Random(5)
    ours, analytics, naive_side, naive = _rigs(None, max_names=10)
    for _ in range(15):
        for _ in range(60):
            name, revenue = rng.choice(NAMES[:2]), rng.random() * 100
            analytics.track_event(name, f"u{rng.randrange(50)}", revenue=revenue)
            naive.track(name, revenue)
        our_data, _ = ours.collect()
        our_data.pop("measure.rejected", None)
        assert our_data == naive_side.collect()[0]


def test_concurrent_tracking_and_collection_give_exact_totals() -> None:
    """Threads tracking while another collects: every event and dollar is exported."""
    ours, analytics, _naive_side, _naive = _rigs(None, max_names=10)
    threads, each = 4, 700
    def worker(index: int) -> None:
        for i in range(each):
            analytics.track_event(NAMES[i % 2], f"user-{index}-{i % 37}", revenue=float(i % 5))

    run_while_collecting(ours.collect, worker, threads)
    data, _ = ours.collect()
    counts = {dict(a)["event.name"]: v for a, _k, v in data[ANALYTICS_EVENTS.name][-1]}
    assert counts == {"view": threads * each // 2, "cart": threads * each // 2}
    revenue = sum(v for _a, _k, v in data[ANALYTICS_REVENUE.name][-1])
    assert revenue == threads * sum(float(i % 5) for i in range(each))
    assert reads.sizes(analytics._events)["events_tracked"] == threads * each
