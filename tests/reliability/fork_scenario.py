"""Run by test_fork.py in a fresh interpreter: setup(), record, fork, record, exit.

Usage: ``python -m tests.reliability.fork_scenario EXPORTER [ENDPOINT]``. Prints one JSON
line per process: its pid role, ``service.instance.id`` and the calls it counted.
"""

from __future__ import annotations

import json
import os
import sys

import otel_measure


def main() -> None:
    """Record 3 calls, fork, record 2 in the child; both exit through shutdown/atexit."""
    exporter = sys.argv[1]
    protocol = "grpc" if exporter == "otlp-grpc" else "http/protobuf"
    kwargs: dict[str, object] = {"exporters": [exporter.split("-")[0]],
                                 "infrastructure": False, "analytics": False,
                                 "export_interval_s": 3600.0}
    if exporter.startswith("otlp"):
        kwargs.update(otlp_endpoint=sys.argv[2], otlp_protocol=protocol)
    if exporter == "prometheus":
        kwargs["prometheus_port"] = 0
    m = otel_measure.setup(service_name="forked", **kwargs)  # type: ignore[arg-type]
    for _ in range(3):
        m.models.record_inference("gpt-4o", 0.5)
    pid = os.fork()
    if pid == 0:
        for _ in range(2):
            m.models.record_inference("gpt-4o", 0.5)
        row = {"role": "child", "instance": m.resource["service.instance.id"],
               "calls": m.models.get_latency_metrics("gpt-4o").count,
               "serves": m.prometheus_url}
        print("ROW " + json.dumps(row), flush=True)
        sys.exit(0)  # atexit runs otel_measure.shutdown() in the child
    _, status = os.waitpid(pid, 0)
    row = {"role": "parent", "instance": m.resource["service.instance.id"],
           "calls": m.models.get_latency_metrics("gpt-4o").count, "child_status": status,
           "serves": m.prometheus_url}
    if m.prometheus_url is not None:
        import urllib.request

        with urllib.request.urlopen(m.prometheus_url, timeout=30) as resp:
            row["scrape"] = resp.status
    print("ROW " + json.dumps(row), flush=True)
    otel_measure.shutdown()


if __name__ == "__main__":
    main()
