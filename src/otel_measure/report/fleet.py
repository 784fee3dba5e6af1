"""``build_report``: every fleet-wide answer PromQL alone cannot give, in one dict.

The ``analytics`` and ``models`` keys mirror the matching sections of ``m.dashboard()``
(``analytics.nps``, ``analytics.experiments``); ``experiment_definitions`` says where
each test's definition came from; ``caveats`` says where the fleet answer cannot equal a
single process's (``CAVEATS`` always, plus assumed or conflicting test definitions).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Any

from otel_measure.report.analytics import (
    CAVEAT_EXPOSURES,
    experiments_section,
    nps_section,
)
from otel_measure.report.definitions import Definitions, describe, read_definitions
from otel_measure.report.models import (
    cost_section,
    drift_section,
    fairness_section,
    latency_section,
)
from otel_measure.report.promql import PromQLClient, check_since

__all__ = ["CAVEATS", "build_report"]

CAVEATS = (
    CAVEAT_EXPOSURES,
    "Counters restart at zero when a process restarts: without --since the report sums "
    "the live processes' counters; with --since it sums increase() over the range, which "
    "the store extrapolates (counts are rounded, so not exact), and a series counts from "
    "its first sample in the range: what a process recorded before its first scrape is "
    "not in any increase (an A/B arm with no exposure in the range is read as empty, "
    "whatever its sums). A/B variances merge each process's M2 (Chan's formula) "
    "without --since; with it they come from the Σx² increase (M2 is a gauge of the "
    "whole run), which loses the variance of values with a large mean (near 1e8).",
    "Drift: baseline counts are taken once per layout (replicas given the same baseline "
    "export the same counts; 'baselines_differ' flags when they do not). The current "
    "window is every observation since the baseline, not the bounded in-process window. "
    "ks_binned (numeric layouts) is a lower bound on the raw-sample KS D; "
    "wasserstein_binned spreads values evenly inside their bins, its lower and upper "
    "bracket the raw distance.",
    "Latency quantiles are interpolated within the histogram buckets (as "
    "histogram_quantile), not the exact quantiles of the in-process samples.",
)


def build_report(
    client: PromQLClient, *, since: str | None = None, experiment: str | None = None,
    model: str | None = None, control: str | None = None,
    weights: Mapping[str, float] | None = None, alpha: float | None = None,
) -> dict[str, Any]:
    """Query the store and recompute A/B tests, NPS, drift, fairness, cost and latency.

    Args:
        client: The PromQL store to read.
        since: Only the increase over this PromQL range (``1h``); None: all of it.
        experiment: Only this A/B test (its analytics section then holds no NPS).
        model: Only this model (its models section).
        control: Control variant of the tests (default: the exported definition's, else
            ``control`` or the first by name).
        weights: Planned split per variant (default: the exported one, else equal).
        alpha: Significance level of the tests (default: the exported one, else 0.05).

    Raises:
        ValueError: A bad argument, or an experiment the store does not have.
        PromQLError: The store failed.
    """
    since = check_since(since)
    if alpha is not None and (not isinstance(alpha, float) or not 0.0 < alpha < 1.0):
        raise ValueError(f"alpha={alpha!r} is not allowed; expected a float in (0, 1)")
    definitions = read_definitions(client, experiment)
    experiments, notes = experiments_section(client, since, experiment, control, weights,
                                             alpha, definitions)
    analytics: dict[str, Any] = {"experiments": experiments}
    if experiment is None:
        analytics["nps"] = nps_section(client, since)
    models = {"drift": drift_section(client, since, model),
              "fairness": fairness_section(client, since, model),
              "latency": latency_section(client, since, model),
              "cost": cost_section(client, since, model)}
    return {
        "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
        "source": {"prometheus": client.url, "since": since, "experiment": experiment,
                   "model": model},
        "analytics": analytics,
        "models": models,
        "experiment_definitions": _definitions_section(definitions, experiments),
        "caveats": [*CAVEATS, *notes],
    }


def _definitions_section(found: Definitions, experiments: Mapping[str, Any]
                         ) -> dict[str, Any]:
    """Per test: ``exported`` (every process agrees), ``conflict`` or ``assumed``."""
    out: dict[str, Any] = {}
    for test in experiments:
        definition = found.tests.get(test)
        source = ("assumed" if definition is None
                  else "conflict" if test in found.conflicts else "exported")
        out[test] = {"source": source, "processes": found.processes.get(test, 0),
                     "definition": None if definition is None else describe(definition)}
    return out
