"""Import and start-up time of otel_measure vs the OpenTelemetry SDK and prometheus_client.

Run: ``.venv/bin/python bench/import_time.py [--runs 21]``

Every case runs in a fresh interpreter (bytecode caches warm: one warm-up round first)
that times its own statement with ``perf_counter``, so interpreter start-up is left out.
The cases are interleaved in a new random order each round; medians over the rounds.

``import otel_measure`` defers everything (PEP 562): the rows below it show what is
paid later, when ``setup`` is touched and when ``setup()`` runs, next to a bare SDK
``MeterProvider`` set up by hand.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys

CASES: dict[str, str] = {
    "import otel_measure": "import otel_measure",
    "import opentelemetry.sdk.metrics": "import opentelemetry.sdk.metrics",
    "import prometheus_client": "import prometheus_client",
    "from otel_measure import setup": "from otel_measure import setup",
    "otel_measure.setup(exporters=[]), no domains": (
        "import otel_measure\n"
        "otel_measure.setup(exporters=[], infrastructure=False, models=False,"
        " analytics=False)"),
    "otel_measure.setup(exporters=[]), default domains": (
        "import otel_measure\notel_measure.setup(exporters=[])"),
    "otel_measure.setup(), Prometheus on a free port": (
        "import otel_measure\notel_measure.setup(prometheus_port=0)"),
    "bare SDK MeterProvider + Resource + meter": (
        "from opentelemetry.sdk.metrics import MeterProvider\n"
        "from opentelemetry.sdk.resources import Resource\n"
        "MeterProvider(resource=Resource.create({'service.name': 'x'})).get_meter('x')"),
}

_RUNNER = """
import time
_t0 = time.perf_counter()
{body}
_t1 = time.perf_counter()
print(repr(_t1 - _t0))
import os
os._exit(0)
"""


def _time_once(body: str, env: dict[str, str]) -> float:
    out = subprocess.run([sys.executable, "-c", _RUNNER.format(body=body)], env=env,
                         check=True, capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Time every case in interleaved fresh interpreters and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21, help="rounds (default 21)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    rng = random.Random(args.seed)
    names = list(CASES)
    for name in names:  # warm-up: bytecode caches
        _time_once(CASES[name], env)
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(args.runs):
        rng.shuffle(names)
        for name in names:
            times[name].append(_time_once(CASES[name], env))
    med = {name: statistics.median(values) for name, values in times.items()}
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"{args.runs} interleaved rounds, medians; load average {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} CPUs; Python "
          f"{sys.version.split()[0]}")
    sdk = med["import opentelemetry.sdk.metrics"]
    prom = med["import prometheus_client"]
    bare = med["bare SDK MeterProvider + Resource + meter"]
    print("| case | median ms | / import SDK metrics | / import prometheus_client "
          "| / bare SDK setup |")
    print("|---|---:|---:|---:|---:|")
    for name in CASES:
        print(f"| `{name}` | {med[name] * 1000:.1f} | {med[name] / sdk:.2f} | "
              f"{med[name] / prom:.2f} | {med[name] / bare:.2f} |")


if __name__ == "__main__":
    main()
