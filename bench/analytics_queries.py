"""Benchmark: retention, funnel and engagement queries at 10k, 100k and 1M buffered events.

Run: ``.venv/bin/python bench/analytics_queries.py [RUNS]``

The public calls (``get_retention_metrics`` weekly and daily, ``get_conversion_metrics``
with three steps, ``get_engagement_metrics``) through ``otel_measure.setup(exporters=[])``
with ``AnalyticsOptions(event_buffer_size=N)``, after N ``track_event`` calls spread over
60 days and N / 20 users. Each query is timed RUNS times (default 7); the table gives the
median CPU time of the process (``time.process_time``: on a shared machine wall time also
counts the time spent waiting for a core) and the median wall time. The last lines give
the 1M/100k ratio of each query against the issue's bound (<= 12; linear is 10), with the
load average before and after.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Callable

import otel_measure
from otel_measure.options import AnalyticsOptions

SIZES = (10_000, 100_000, 1_000_000)
_DAY = 86_400.0
NOW = 1_800_000_000.0


def medians(func: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median CPU seconds and median wall seconds of ``runs`` calls of ``func``."""
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        func()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def timed(n: int, runs: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds of each query with ``n`` buffered events."""
    rng = random.Random(n)
    m = otel_measure.setup(service_name="bench", exporters=[], models=False,
                           infrastructure=False,
                           analytics=AnalyticsOptions(event_buffer_size=n, max_users=n,
                                                      key="bench-key"))
    try:
        a = m.analytics
        users = max(1, n // 20)
        names = ("view", "cart", "purchase")
        for i in range(n):
            t = NOW - 60 * _DAY + 60 * _DAY * i / n
            a.track_event(names[rng.randrange(3)], f"u{rng.randrange(users)}", timestamp=t)
        return {
            "retention week": medians(
                lambda: a.get_retention_metrics("week", 8, now=NOW), runs),
            "retention day": medians(
                lambda: a.get_retention_metrics("day", 8, now=NOW), runs),
            "funnel": medians(
                lambda: a.get_conversion_metrics(["view", "cart", "purchase"], now=NOW), runs),
            "engagement": medians(lambda: a.get_engagement_metrics(now=NOW), runs),
        }
    finally:
        m.shutdown()


def main() -> None:
    """Print the table (CPU / wall ms) and the 1M/100k ratios."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    load = os.getloadavg()[0]
    results = {n: timed(n, runs) for n in SIZES}
    queries = list(results[SIZES[0]])
    print(f"median of {runs} calls, CPU / wall ms")
    print(f"{'events':>10} " + " ".join(f"{q:>18}" for q in queries))
    for n, row in results.items():
        print(f"{n:>10,} " + " ".join(f"{row[q][0] * 1e3:>8.1f} /{row[q][1] * 1e3:>8.1f}"
                                      for q in queries))
    for q in queries:
        cpu = results[SIZES[-1]][q][0] / results[SIZES[1]][q][0]
        wall = results[SIZES[-1]][q][1] / results[SIZES[1]][q][1]
        print(f"{q}: 1M/100k = {cpu:.1f} CPU, {wall:.1f} wall "
              f"({'ok' if cpu <= 12 else 'over'} the bound 12)")
    print(f"load average (1 min): {load:.2f} before, {os.getloadavg()[0]:.2f} after, "
          f"{os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
