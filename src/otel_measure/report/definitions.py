"""A/B test definitions from ``measure.experiment.info``, process by process.

Each process exports its tests' definitions (one series per experiment and variant, the
planned share, whether it is the control, the metric kind, the goal event and alpha as
labels). The report reads them per process (the scrape's ``job`` and ``instance``) and
keeps a test's definition when every process agrees; when processes disagree it keeps
the one most processes export (ties: the first in sorted order) and says so.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from otel_measure.instruments.analytics.results import ABTest
from otel_measure.names.analytics import EXPERIMENT_INFO
from otel_measure.names.attributes import (
    ATTR_EXPERIMENT,
    ATTR_EXPERIMENT_ALPHA,
    ATTR_EXPERIMENT_CONTROL,
    ATTR_EXPERIMENT_GOAL_EVENT,
    ATTR_EXPERIMENT_METRIC,
    ATTR_EXPERIMENT_WEIGHT,
    ATTR_VARIANT,
)
from otel_measure.report.promql import PromQLClient, label_name, prom_name

__all__ = ["Definitions", "describe", "read_definitions"]

_PROCESS = ("job", "instance")
_Variant = tuple[str, float, bool, str, str, float]  # variant, weight, control, metric, goal, α


@dataclass(frozen=True)
class Definitions:
    """Exported test definitions.

    Attributes:
        tests: Test name → the definition used (control first, other variants by name).
        processes: Test name → how many processes export it.
        conflicts: Test name → each distinct definition (``describe``) → its processes;
            only tests whose processes disagree (or export a malformed definition).
    """

    tests: dict[str, ABTest] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _parse(labels: dict[str, str]) -> _Variant | None:
    try:
        weight = float(labels[label_name(ATTR_EXPERIMENT_WEIGHT)])
        alpha = float(labels[label_name(ATTR_EXPERIMENT_ALPHA)])
        control = labels[label_name(ATTR_EXPERIMENT_CONTROL)]
        metric = labels[label_name(ATTR_EXPERIMENT_METRIC)]
    except (KeyError, ValueError):
        return None
    if control not in ("true", "false") or not (math.isfinite(weight) and weight > 0):
        return None
    return (labels.get(label_name(ATTR_VARIANT), ""), weight, control == "true", metric,
            labels.get(label_name(ATTR_EXPERIMENT_GOAL_EVENT), ""), alpha)


def _definition(name: str, rows: list[_Variant | None]) -> ABTest | None:
    """One process's rows as an ABTest, or None when they are not one consistent test."""
    if any(r is None for r in rows):
        return None
    good = [r for r in rows if r is not None]
    controls = [r for r in good if r[2]]
    shared = {(r[3], r[4], r[5]) for r in good}
    variants = [r[0] for r in good]
    if len(controls) != 1 or len(shared) != 1 or len(set(variants)) != len(variants):
        return None
    (metric, goal, alpha), = shared
    ordered = [controls[0], *sorted((r for r in good if not r[2]), key=lambda r: r[0])]
    # The exported shares as they are: the calculator gets the in-process floats.
    return ABTest(name, tuple(r[0] for r in ordered), tuple(r[1] for r in ordered),
                  goal or None, metric, alpha, math.nan)


def describe(test: ABTest | None) -> str:
    """A short text of a definition (``malformed`` for None), as the report prints it."""
    if test is None:
        return "malformed"
    split = ", ".join(f"{v}={w:.6g}" for v, w in zip(test.variants, test.weights,
                                                       strict=True))
    goal = f", goal {test.goal_event}" if test.goal_event else ""
    return (f"control {test.variants[0]}, split {split}, {test.metric}{goal}, "
            f"alpha {test.alpha:g}")


def _key(test: ABTest | None) -> tuple[object, ...]:
    if test is None:
        return ()
    return (test.variants, test.weights, test.goal_event, test.metric, test.alpha)


def read_definitions(client: PromQLClient, experiment: str | None = None) -> Definitions:
    """Read every process's ``measure.experiment.info`` series and reconcile them.

    Raises:
        PromQLError: The store failed.
    """
    exp = label_name(ATTR_EXPERIMENT)
    sel = f'{{{exp}="{experiment}"}}' if experiment is not None else ""
    rows: dict[str, dict[tuple[str, ...], list[_Variant | None]]] = {}
    for s in client.query(f"{prom_name(EXPERIMENT_INFO)}{sel}"):
        process = tuple(s.labels.get(k, "") for k in _PROCESS)
        rows.setdefault(s.labels.get(exp, ""), {}).setdefault(process, []).append(
            _parse(s.labels))
    out = Definitions()
    for name, per_process in sorted(rows.items()):
        found = {p: _definition(name, r) for p, r in sorted(per_process.items())}
        votes = Counter(_key(d) for d in found.values() if d is not None)
        out.processes[name] = len(found)
        if votes:
            best = max(votes.values())
            chosen = next(d for d in found.values()
                          if d is not None and votes[_key(d)] == best)
            out.tests[name] = chosen
        if len(votes) > 1 or None in found.values():
            groups: dict[str, list[str]] = {}
            for process, d in found.items():
                groups.setdefault(describe(d), []).append("/".join(process))
            out.conflicts[name] = groups
    return out
