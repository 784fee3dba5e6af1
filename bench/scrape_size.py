"""Bytes per /metrics scrape with and without the otel_scope_* labels, vs prometheus_client.

Run: ``.venv/bin/python bench/scrape_size.py``

One fixed workload (5 models x 2 operations of ``record_inference``, 20 event names,
NPS answers, rejections) goes through ``setup()`` once per value of
``prometheus_without_scope_info``, and each ``/metrics`` is fetched once; first with
the infrastructure domain off (figures independent of the host), then on (its series
depend on the host's CPUs, disks and interfaces).

The prometheus_client baseline is the same data exposed by prometheus_client's own
``Counter`` / ``Gauge`` / ``Histogram`` (``_created`` series disabled, so the series
are the same): every family of the scrape is replayed into a fresh registry with its
name, help text, label names and values, histogram bucket counts and sums.
"""

from __future__ import annotations

import logging
import urllib.request
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.parser import text_string_to_metric_families

import otel_measure

MODELS = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5-mini")


def _workload(m: otel_measure.Measure) -> None:
    for model in MODELS:
        for op, latency in (("chat", 0.4), ("embeddings", 0.05)):
            for j in range(50):
                m.models.record_inference(model, latency * (1 + j % 7), 100 + j,
                                          20 + j, operation=op, provider="openai")
    for e in range(20):
        for u in range(10):
            m.analytics.track_event(f"event_{e}", f"user-{u}")
    for u in range(30):
        m.analytics.record_nps_response(f"user-{u}", u % 11)
    for reason in ("bad_score", "nan_latency"):
        m.rejections.reject(reason, "bench")


def _scrape(without_scope_info: bool, infrastructure: bool) -> bytes:
    m = otel_measure.setup(prometheus_port=0, service_name="bench",
                           infrastructure=infrastructure,
                           prometheus_without_scope_info=without_scope_info)
    try:
        _workload(m)
        assert m.prometheus_url is not None
        with urllib.request.urlopen(m.prometheus_url, timeout=30) as response:
            return bytes(response.read())
    finally:
        m.shutdown()


def _replay(text: str) -> bytes:
    """The families of ``text`` (but target_info) exposed by prometheus_client itself."""
    disable_created_metrics()  # type: ignore[no-untyped-call]
    registry = CollectorRegistry()
    for family in text_string_to_metric_families(text):
        if family.type not in ("counter", "gauge", "histogram"):
            continue
        names = sorted({k for s in family.samples for k in s.labels if k != "le"})
        metric: Any
        if family.type == "counter":
            metric = Counter(family.name, family.documentation, names, registry=registry)
            for s in family.samples:
                (metric.labels(**s.labels) if names else metric).inc(s.value)
        elif family.type == "gauge":
            metric = Gauge(family.name, family.documentation, names, registry=registry)
            for s in family.samples:
                (metric.labels(**s.labels) if names else metric).set(s.value)
        else:
            bounds = sorted({float(s.labels["le"]) for s in family.samples
                             if s.name.endswith("_bucket") and s.labels["le"] != "+Inf"})
            metric = Histogram(family.name, family.documentation, names, buckets=bounds,
                               registry=registry)
            _replay_histogram(metric, family.samples, names)
    return generate_latest(registry)


def _replay_histogram(metric: Any, samples: list[Any], names: list[str]) -> None:
    by_series: dict[tuple[str, ...], dict[str, Any]] = {}
    for s in samples:
        key = tuple(s.labels.get(n, "") for n in names)
        entry = by_series.setdefault(key, {"buckets": [], "sum": 0.0})
        if s.name.endswith("_bucket"):
            entry["buckets"].append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_sum"):
            entry["sum"] = s.value
    for key, entry in by_series.items():
        child = metric.labels(*key) if names else metric
        previous = 0.0
        for bound, cumulative in sorted(entry["buckets"]):
            value = bound if bound != float("inf") else 1e308
            for _ in range(int(cumulative - previous)):
                child.observe(value)  # lands in this bucket (upper bounds are inclusive)
            previous = cumulative
        child._sum.set(entry["sum"])  # the same sum as the scrape


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    # ``le`` is compared as a number: the two libraries format large bounds differently.
    return {(s.name, frozenset((k, str(float(v)) if k == "le" else v)
                               for k, v in s.labels.items())): s.value
            for f in text_string_to_metric_families(text) if f.name != "target"
            for s in f.samples}


def main() -> None:
    """Print bytes per scrape for both settings and the prometheus_client baseline."""
    logging.getLogger("otel_measure").setLevel(logging.ERROR)
    print("| workload | samples | scope labels on (default) | `prometheus_without_scope_info"
          "=True` | prometheus_client, same series |")
    print("|---|---:|---:|---:|---:|")
    for title, infrastructure in (("models + analytics", False),
                                  ("the same + infrastructure domain (this host)", True)):
        labelled, bare = _scrape(False, infrastructure), _scrape(True, infrastructure)
        baseline = _replay(bare.decode())
        same = _samples(baseline.decode()) == _samples(bare.decode())
        assert same, "the prometheus_client replay differs from the scrape"
        samples = sum(1 for line in bare.decode().splitlines() if line and line[0] != "#")
        cells = [f"{len(b):,} B ({len(b) / len(baseline):.2f}x)"
                 for b in (labelled, bare, baseline)]
        print(f"| {title} | {samples} | {' | '.join(cells)} |")
    print("Samples include target_info; each replay has the scrape's samples and values.")


if __name__ == "__main__":
    main()
