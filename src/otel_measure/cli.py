"""The ``otel-measure`` command: ``demo``, ``snapshot``, ``report``, ``targets``, ``catalog``,
``settings``."""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.request
from collections.abc import Sequence

from otel_measure.config import render_configuration_table
from otel_measure.errors import OtelMeasureError
from otel_measure.names import render_catalog

__all__ = ["main"]


def _cmd_demo(args: argparse.Namespace) -> int:
    from otel_measure.demo import run_demo

    return run_demo(duration_s=args.duration, port=args.port, host=args.host)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    if args.url:
        url = args.url.rstrip("/")
        if not url.endswith("/api/v1/metrics/dashboard"):
            url += "/api/v1/metrics/dashboard"
        with urllib.request.urlopen(url, timeout=10) as response:
            snapshot = json.loads(response.read())
    else:
        import otel_measure

        measure = otel_measure.setup(exporters="none")
        try:
            time.sleep(1.0)  # utilizations are deltas: give them one second to measure
            snapshot = measure.dashboard()
        finally:
            measure.shutdown()
    print(json.dumps(snapshot, indent=2, sort_keys=True, default=str))
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from otel_measure.report import PromQLClient, PromQLError, build_report, render_text

    try:
        report = build_report(PromQLClient(args.prometheus), since=args.since,
                              experiment=args.experiment, model=args.model,
                              control=args.control)
    except (ValueError, PromQLError) as exc:
        print(f"otel-measure report: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ValueError) else 1
    if args.json:
        print(json.dumps(report, indent=2, sort_keys=True))
    else:
        sys.stdout.write(render_text(report))
    return 0


def _cmd_targets(args: argparse.Namespace) -> int:
    from otel_measure.targets import (
        file_sd,
        live_targets,
        parse_labels,
        parse_ports,
        render,
        write_atomically,
    )

    try:
        ports, labels = parse_ports(args.ports), parse_labels(args.label)
        found = live_targets(args.host, ports, timeout_s=args.timeout)
    except ValueError as exc:
        print(f"otel-measure targets: {exc}", file=sys.stderr)
        return 2
    text = render(file_sd(found, labels))
    if args.output:
        write_atomically(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_catalog(_args: argparse.Namespace) -> int:
    sys.stdout.write(render_catalog())
    return 0


def _cmd_settings(_args: argparse.Namespace) -> int:
    sys.stdout.write(render_configuration_table())
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otel-measure", description="Measure everything through OpenTelemetry."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="serve /metrics while driving a synthetic workload")
    demo.add_argument("--duration", type=float, default=60.0,
                      help="seconds to run; 0 runs until Ctrl-C (default 60)")
    demo.add_argument("--port", type=int, default=None,
                      help="port of /metrics (default 9464 or OTEL_EXPORTER_PROMETHEUS_PORT, "
                           "which may be a range such as 9464-9471; 0 picks a free one)")
    demo.add_argument("--host", default=None, help="address to bind (default 127.0.0.1)")
    demo.set_defaults(func=_cmd_demo)
    snap = sub.add_parser("snapshot", help="print the unified dashboard as JSON once")
    snap.add_argument("--url", default=None,
                      help="read it from a running app (e.g. http://127.0.0.1:9464) instead "
                           "of measuring this process")
    snap.set_defaults(func=_cmd_snapshot)
    report = sub.add_parser("report", help="fleet-wide A/B tests, NPS, drift, fairness, cost "
                            "and latency recomputed from a PromQL store")
    report.add_argument("--prometheus", required=True,
                        help="base URL of Prometheus or any PromQL store "
                             "(e.g. http://localhost:9090)")
    report.add_argument("--json", action="store_true",
                        help="print JSON shaped like the matching m.dashboard() sections")
    report.add_argument("--since", default=None,
                        help="only the increase over this PromQL range (e.g. 1h); "
                             "default: the live counters")
    report.add_argument("--experiment", default=None, help="only this A/B test")
    report.add_argument("--model", default=None, help="only this model")
    report.add_argument("--control", default=None,
                        help="control variant (default: the exported definition's; without "
                             "one, 'control', else the first by name)")
    report.set_defaults(func=_cmd_report)
    targets = sub.add_parser("targets", help="print the live /metrics endpoints of a port "
                             "range as Prometheus file_sd JSON (docs/fleet.md)")
    targets.add_argument("--ports", required=True,
                         help="the prometheus_port range of the workers (e.g. 9464-9471)")
    targets.add_argument("--host", default="127.0.0.1",
                         help="address the workers bind (default 127.0.0.1)")
    targets.add_argument("--label", action="append", default=[], metavar="KEY=VALUE",
                         help="label of the target group (repeatable)")
    targets.add_argument("--timeout", type=float, default=0.5,
                         help="seconds each port may take to answer (default 0.5)")
    targets.add_argument("--output", default=None,
                         help="write the file here (atomically, for file_sd_configs) "
                              "instead of printing it")
    targets.set_defaults(func=_cmd_targets)
    sub.add_parser("catalog", help="print the metric catalog (docs/metrics.md)").set_defaults(
        func=_cmd_catalog)
    sub.add_parser("settings", help="print the settings table (docs/configuration.md)"
                   ).set_defaults(func=_cmd_settings)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        status: int = args.func(args)
    except OtelMeasureError as exc:
        print(f"otel-measure: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"otel-measure: {exc}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
