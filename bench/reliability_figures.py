"""The figures of docs/reliability.md: idle connections, a silent connection, a model flood.

Run: .venv/bin/python bench/reliability_figures.py

Prints the threads with 500 idle connections open and whether a scrape among them
answers, how long the server keeps a silent connection, and what a flood of 200,000
model names past ``max_models`` costs in peak memory and per call, with where 300 later
calls of a real model went. Run it against another checkout with
``PYTHONPATH=<checkout>/src`` to compare.
"""

from __future__ import annotations

import resource
import socket
import threading
import time
import urllib.request

import otel_measure


def idle_connections() -> None:
    """Threads with 500 idle connections, a scrape among them, a silent connection."""
    m = otel_measure.setup(service_name="bench", prometheus_port=0, infrastructure=False,
                           analytics=False)
    assert m.prometheus_url is not None
    port = int(m.prometheus_url.rsplit(":", 1)[1].split("/")[0])
    before = threading.active_count()
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(500)]
    time.sleep(1)
    with urllib.request.urlopen(m.prometheus_url, timeout=60) as resp:
        status = resp.status
    print(f"threads: {before} before, {threading.active_count()} with 500 idle connections; "
          f"scrape among them: HTTP {status}")
    for sock in socks:
        sock.close()
    silent = socket.create_connection(("127.0.0.1", port))
    silent.settimeout(120)
    start = time.monotonic()
    try:
        closed = silent.recv(1) == b""
        print(f"silent connection closed by the server after {time.monotonic() - start:.2f} s"
              if closed else "silent connection got data")
    except TimeoutError:
        print("silent connection still open after 120 s")
    m.shutdown()


def model_flood() -> None:
    """Peak memory and time per call of 200,000 names past max_models, then a real model."""
    m = otel_measure.setup(service_name="bench", exporters="none", infrastructure=False,
                           analytics=False)
    for i in range(2_000):
        m.models.record_inference(f"bogus-{i}", 0.1)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    for i in range(200_000):
        m.models.record_inference(f"flood-{i}", 0.1)
    per_call = (time.perf_counter() - start) / 200_000
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
    for _ in range(300):
        m.models.record_inference("gpt-4o-mini", 0.2)
    names = m.models.list_models()
    other = m.models.get_latency_metrics("_OTHER").count if "_OTHER" in names else 0
    print(f"flood: {len(names)} models tracked, peak RSS +{grown:.1f} MiB over 200,000 names, "
          f"{per_call * 1e6:.1f} us per call; _OTHER latency buffer {other}; "
          f"rejected {m.rejections.counts()}")
    m.shutdown()


if __name__ == "__main__":
    idle_connections()
    model_flood()
