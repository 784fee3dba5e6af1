"""``otel-measure report``: fleet-wide statistics PromQL lacks, from the exported counters.

Reads a PromQL store over its HTTP API (standard library only) and recomputes A/B
results, NPS with its margin, drift, fairness, cost and latency with the same
calculators and result types as the in-process API.
"""

from __future__ import annotations

from otel_measure.report.fleet import CAVEATS, build_report
from otel_measure.report.promql import PromQLClient, PromQLError, label_name, prom_name
from otel_measure.report.render import render_text

__all__ = ["CAVEATS", "PromQLClient", "PromQLError", "build_report", "label_name",
           "prom_name", "render_text"]
