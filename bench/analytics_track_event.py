"""Cost of ``track_event`` against prometheus_client and a bare OpenTelemetry ``Counter.add``.

Run: .venv/bin/python bench/analytics_track_event.py [--rounds 21] [--calls 20000]

The issue's baseline is prometheus_client's ``Counter.labels(name).inc()`` with the same
label (``event_name``) on its own registry; the bare OpenTelemetry ``Counter.add(1,
{"event.name": ...})`` with a prebuilt attribute dict on the same MeterProvider (default
Views, an InMemoryMetricReader) is shown too. ``track_event`` also validates its input,
pseudonymises the user id (HMAC-SHA256 through the memo keyed by ``hash(id)``: the 10,000
ids used here hit it after the warm-up, so the HMAC itself is paid only then), buffers
the event and updates the user's LRU state and session. It makes no SDK call:
``measure.analytics.events`` is an observable counter over counts kept under the domain's
lock. Events are queued and applied in batches; each timed round of ours ends by applying
what is still queued, so the rounds pay for all the work. Rounds alternate
(prometheus_client, OTel, ours, ...) so machine noise hits all; per-call times are medians
over the rounds and each ratio is the median of the per-round ratios. Then the same with
four threads sharing the work, and ``get_retention_metrics`` over 100,000 events from
10,000 users.
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
from collections.abc import Callable

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry
from prometheus_client import Counter as PromCounter

from otel_measure.instruments import Rejections, UserAnalytics
from otel_measure.options import AnalyticsOptions
from otel_measure.views import DEFAULT_VIEWS

EVENTS = ("page_view", "add_to_cart", "checkout", "search")


def _rig() -> tuple[Callable[[int], None], Callable[[int], None], Callable[[int], None]]:
    """(prometheus_client, bare OTel Counter.add, track_event), each making n calls."""
    meter = MeterProvider(metric_readers=[InMemoryMetricReader()],
                          views=list(DEFAULT_VIEWS)).get_meter("bench")
    analytics = UserAnalytics(meter, Rejections(meter), AnalyticsOptions(key="bench-key"))
    counter = meter.create_counter("bench.baseline.events", unit="{event}")
    prom = PromCounter("bench_events", "Events.", ["event_name"], registry=CollectorRegistry())
    users = [f"user-{i}" for i in range(10_000)]
    attrs = [{"event.name": e} for e in EVENTS]

    def prometheus(n: int) -> None:
        labels = prom.labels
        for i in range(n):
            labels(EVENTS[i & 3]).inc()

    def baseline(n: int) -> None:
        add = counter.add
        for i in range(n):
            add(1, attrs[i & 3])

    def ours(n: int) -> None:
        track = analytics.track_event
        for i in range(n):
            track(EVENTS[i & 3], users[i % 10_000])
        with analytics._events.locked():  # apply what is still queued: pay for all of it
            pass

    return prometheus, baseline, ours


def _timed(fn: Callable[[int], None], n: int) -> float:
    start = time.perf_counter()
    fn(n)
    return (time.perf_counter() - start) / n * 1e6


def _threaded(fn: Callable[[int], None], n: int, threads: int) -> float:
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        fn(n // threads)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in pool:
        t.join()
    return n / (time.perf_counter() - start)


def bench_track(rounds: int, n: int) -> list[str]:
    """Per-call cost and throughput, one thread and four."""
    prometheus, baseline, ours = _rig()
    for fn in (prometheus, baseline, ours):  # warm caches and the user table
        fn(n)
    times: dict[str, list[float]] = {"prom": [], "otel": [], "ours": []}
    for _ in range(rounds):
        for key, fn in (("prom", prometheus), ("otel", baseline), ("ours", ours)):
            times[key].append(_timed(fn, n))
    vs_prom = statistics.median(o / p for o, p in zip(times["ours"], times["prom"], strict=True))
    vs_otel = statistics.median(o / b for o, b in zip(times["ours"], times["otel"], strict=True))
    prom4, base4, our4 = [], [], []
    for _ in range(max(3, rounds // 3)):
        prom4.append(_threaded(prometheus, n, 4))
        base4.append(_threaded(baseline, n, 4))
        our4.append(_threaded(ours, n, 4))
    mp, mb, mo = (statistics.median(times[k]) for k in ("prom", "otel", "ours"))
    p4, b4, o4 = (statistics.median(x) for x in (prom4, base4, our4))
    return [
        "| measure | prometheus_client `labels().inc()` | OTel `Counter.add` | track_event | "
        "ours / prometheus_client | ours / OTel |",
        "|---|---|---|---|---|---|",
        f"| per call, 1 thread (median of {rounds} x {n}) | {mp:.2f} µs | {mb:.2f} µs | "
        f"{mo:.2f} µs | **{vs_prom:.2f}x** | {vs_otel:.2f}x |",
        f"| throughput, 4 threads (median of {len(our4)}) | {p4:,.0f}/s | {b4:,.0f}/s | "
        f"{o4:,.0f}/s | {p4 / o4:.2f}x | {b4 / o4:.2f}x |",
    ]


def bench_retention(runs: int) -> list[str]:
    """get_retention_metrics over 100,000 events and 10,000 users spread over 8 weeks."""
    rng = random.Random(1)
    clock = [1_700_000_000.0]
    meter = MeterProvider().get_meter("bench")
    analytics = UserAnalytics(meter, Rejections(meter), AnalyticsOptions(key="bench-key"),
                              clock=lambda: clock[0])
    start = clock[0] - 56 * 86_400
    firsts = [start + rng.random() * 50 * 86_400 for _ in range(10_000)]
    rows = []
    for i in range(100_000):
        user = i % 10_000
        rows.append((firsts[user] + rng.random() * (clock[0] - firsts[user]), user))
    rows.sort()
    for t, user in rows:
        analytics.track_event("page_view", f"user-{user}", timestamp=t)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = analytics.get_retention_metrics("day", 8)
        times.append(time.perf_counter() - t0)
    assert result.users == 10_000
    times_w = []
    for _ in range(runs):
        t0 = time.perf_counter()
        analytics.get_retention_metrics("week", 8)
        times_w.append(time.perf_counter() - t0)
    return [
        "| get_retention_metrics (100,000 events, 10,000 users) | median | max |",
        "|---|---|---|",
        f"| period='day', periods=8 ({runs} runs) | {statistics.median(times) * 1000:.0f} ms | "
        f"{max(times) * 1000:.0f} ms |",
        f"| period='week', periods=8 ({runs} runs) | {statistics.median(times_w) * 1000:.0f} ms"
        f" | {max(times_w) * 1000:.0f} ms |",
    ]


def main() -> None:
    """Print both tables as markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--retention-runs", type=int, default=7)
    args = parser.parse_args()
    print("\n".join(bench_track(args.rounds, args.calls)))
    print()
    print("\n".join(bench_retention(args.retention_runs)))


if __name__ == "__main__":
    main()
