"""Benchmark: retention, funnel and engagement queries at 10k, 100k and 1M buffered events.

Run: ``.venv/bin/python bench/analytics_queries.py``

The public calls (``get_retention_metrics`` weekly and daily, ``get_conversion_metrics``
with three steps, ``get_engagement_metrics``) through ``otel_measure.setup(exporters=[])``
with ``AnalyticsOptions(event_buffer_size=N)``, after N ``track_event`` calls spread over
60 days and N / 20 users. Medians of three calls each, all in one run; the last line gives
the 1M/100k ratio of each query against the issue's bound (<= 12; linear is 10).
"""

from __future__ import annotations

import random

from _timing import median_seconds

import otel_measure
from otel_measure.options import AnalyticsOptions

SIZES = (10_000, 100_000, 1_000_000)
_DAY = 86_400.0
NOW = 1_800_000_000.0



def timed(n: int) -> dict[str, float]:
    """Median seconds of each query with ``n`` buffered events."""
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
            "retention week": median_seconds(
                lambda: a.get_retention_metrics("week", 8, now=NOW)),
            "retention day": median_seconds(lambda: a.get_retention_metrics("day", 8, now=NOW)),
            "funnel": median_seconds(
                lambda: a.get_conversion_metrics(["view", "cart", "purchase"], now=NOW)),
            "engagement": median_seconds(lambda: a.get_engagement_metrics(now=NOW)),
        }
    finally:
        m.shutdown()


def main() -> None:
    """Print the table and the 1M/100k ratios."""
    results = {n: timed(n) for n in SIZES}
    queries = list(results[SIZES[0]])
    print(f"{'events':>10} " + " ".join(f"{q:>15}" for q in queries))
    for n, row in results.items():
        print(f"{n:>10,} " + " ".join(f"{row[q] * 1e3:>12.1f} ms" for q in queries))
    for q in queries:
        ratio = results[SIZES[-1]][q] / results[SIZES[1]][q]
        print(f"{q}: 1M/100k = {ratio:.1f} ({'ok' if ratio <= 12 else 'over'} the bound 12)")


if __name__ == "__main__":
    main()
