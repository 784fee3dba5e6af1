"""Fleet-wide A/B tests and NPS from the exported counters, with the in-process calculators.

A/B tests: per process (the scrape's ``job`` and ``instance`` labels), the arm's
``measure.experiment.exposures`` (n), ``value.sum`` (Σx) and ``value.m2`` (M2 = Σ(x − x̄)²)
per ``experiment`` and ``variant`` are merged with Chan's formula (``ArmStats.merge``), so
the variance stays exact for values with a large mean (Σx² of values near 1e8 has lost
it); ``conversions`` are summed. With ``--since`` (``increase()`` of the counters; M2 is
a gauge of the whole run) the variance comes from the ``value.sum_squares`` increase
instead. The arms go through
:func:`~otel_measure.calculators.experiments.analyze_experiment` exactly as
``get_ab_test_results`` does. NPS: ``measure.analytics.nps.responses`` per category into
:func:`~otel_measure.calculators.nps.nps_from_counts`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from otel_measure.calculators._result import to_plain
from otel_measure.calculators.experiments import ArmStats, analyze_experiment
from otel_measure.calculators.nps import nps_from_counts
from otel_measure.instruments.analytics.dashboard import experiment_summary
from otel_measure.instruments.analytics.results import ABTest, ABTestResults, extend
from otel_measure.names.analytics import (
    ANALYTICS_NPS_RESPONSES,
    EXPERIMENT_CONVERSIONS,
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_VALUE_M2,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)
from otel_measure.names.attributes import ATTR_EXPERIMENT, ATTR_NPS_CATEGORY, ATTR_VARIANT
from otel_measure.report.definitions import Definitions, describe
from otel_measure.report.promql import PromQLClient, label_name, prom_name, series

__all__ = ["CAVEAT_CONFLICT", "CAVEAT_DEFINITION", "CAVEAT_EXPOSURES", "PROCESS_LABELS",
           "experiments_section", "nps_section"]

CAVEAT_EXPOSURES = (
    "A/B exposures are counted once per process that saw the user: a user served by two "
    "processes counts twice, so n can exceed the in-process answer unless users stick to "
    "one process (or the counters come from one process)."
)
CAVEAT_DEFINITION = (
    "Tests without a measure.experiment.info series (processes older than it) are read "
    "with assumed definitions: the control is 'control' (else the first variant by name) "
    "unless given, the split is equal unless weights are given, alpha is 0.05, and the "
    "metric is 'conversion' when every arm's sums equal its conversions, else 'mean'. "
    "Assumed for: {tests}."
)
CAVEAT_CONFLICT = (
    "A/B test {test!r}: the processes export different definitions ({groups}); the "
    "readout uses the one most processes export ({chosen})."
)
_EXP, _VAR = label_name(ATTR_EXPERIMENT), label_name(ATTR_VARIANT)
#: Scrape labels that tell processes apart (Prometheus and VictoriaMetrics add both).
PROCESS_LABELS = ("job", "instance")
_Arm = tuple[str, str]


def _by_arm(client: PromQLClient, query: str) -> dict[_Arm, float]:
    return {(s.labels.get(_EXP, ""), s.labels.get(_VAR, "")): s.value
            for s in client.query(query)}


def _per_process(client: PromQLClient, metric: str, sel: str
                 ) -> dict[tuple[str, ...], float]:
    keys = ", ".join([_EXP, _VAR, *PROCESS_LABELS])
    inner = f"{metric}{{{sel}}}" if sel else metric
    return {(s.labels.get(_EXP, ""), s.labels.get(_VAR, ""),
             *(s.labels.get(k, "") for k in PROCESS_LABELS)): s.value
            for s in client.query(f"sum by ({keys}) ({inner})")}


def _merged_arms(client: PromQLClient, sel: str) -> dict[_Arm, ArmStats]:
    """Each arm's n, Σx and M2 per process, merged with Chan's formula."""
    n = _per_process(client, prom_name(EXPERIMENT_EXPOSURES), sel)
    s1 = _per_process(client, prom_name(EXPERIMENT_VALUE_SUM), sel)
    m2 = _per_process(client, prom_name(EXPERIMENT_VALUE_M2), sel)
    arms: dict[_Arm, ArmStats] = {}
    for key, count in sorted(n.items()):
        part = ArmStats.from_sums(round(count), s1.get(key, 0.0),
                                  m2=max(0.0, m2.get(key, 0.0)))
        arms.setdefault((key[0], key[1]), ArmStats()).merge(part)
    return arms


def _metric_of(arms: Mapping[str, tuple[ArmStats, float, int]]) -> str:
    binary = all(math.isclose(a.total, c, abs_tol=1e-9) and math.isclose(s2, c, abs_tol=1e-9)
                 for a, s2, c in arms.values())
    return "conversion" if binary else "mean"


def _order(variants: Sequence[str], control: str | None) -> list[str]:
    names = sorted(variants)
    first = control if control is not None else ("control" if "control" in names else names[0])
    if first not in names:
        raise ValueError(f"control={first!r} is not a variant of the exported test; "
                         f"variants: {names!r}")
    return [first] + [v for v in names if v != first]


def _guessed(test: str, arms: Mapping[str, tuple[ArmStats, float, int]],
             control: str | None, weights: Mapping[str, float] | None,
             alpha: float | None) -> ABTest:
    order = _order(list(arms), control)
    split = tuple(float(weights.get(v, 0.0)) if weights else 1.0 for v in order)
    total = math.fsum(split)
    return ABTest(test, tuple(order), tuple(w / total for w in split), None,
                  _metric_of(arms), 0.05 if alpha is None else alpha, math.nan)


def _exported(found: ABTest, control: str | None, weights: Mapping[str, float] | None,
              alpha: float | None) -> ABTest:
    """The exported definition with the caller's control, weights or alpha put over it."""
    order = list(found.variants)
    if control is not None:
        if control not in order:
            raise ValueError(f"control={control!r} is not a variant of the exported test; "
                             f"variants: {sorted(order)!r}")
        order = [control] + [v for v in order if v != control]
    share = dict(zip(found.variants, found.weights, strict=True))
    split = tuple(float(weights.get(v, 0.0)) if weights else share[v] for v in order)
    if weights:
        total = math.fsum(split)
        split = tuple(w / total for w in split)
    return ABTest(found.name, tuple(order), split, found.goal_event, found.metric,
                  found.alpha if alpha is None else alpha, math.nan)


def experiments_section(
    client: PromQLClient, since: str | None = None, experiment: str | None = None,
    control: str | None = None, weights: Mapping[str, float] | None = None,
    alpha: float | None = None, definitions: Definitions | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """Every A/B test's readout, as ``m.dashboard()["analytics"]["experiments"]``.

    Definitions come from ``definitions`` (``measure.experiment.info``) where a test has
    one, else they are assumed; ``control``, ``weights`` and ``alpha`` override either.

    Returns:
        The readouts, and the caveats they need (assumed or conflicting definitions).

    Raises:
        ValueError: ``experiment`` was asked for and is not exported, or a bad control.
        PromQLError: The store failed.
    """
    defined = definitions.tests if definitions is not None else {}
    by = (ATTR_EXPERIMENT, ATTR_VARIANT)
    sel = f'{_EXP}="{experiment}"' if experiment is not None else ""
    conv = _by_arm(client, series(EXPERIMENT_CONVERSIONS, by, since, sel))
    s2 = _by_arm(client, series(EXPERIMENT_VALUE_SUM_SQUARES, by, since, sel))
    if since is None:
        merged = _merged_arms(client, sel)
    else:
        n = _by_arm(client, series(EXPERIMENT_EXPOSURES, by, since, sel))
        s1 = _by_arm(client, series(EXPERIMENT_VALUE_SUM, by, since, sel))
        # An arm with no exposure in the range but conversions of users exposed before it
        # (or scraped mid-update) is read as empty: sums without n are no arm.
        merged = {key: ArmStats.from_sums(round(count), s1.get(key, 0.0),
                                          max(0.0, s2.get(key, 0.0)))
                  if round(count) else ArmStats() for key, count in sorted(n.items())}
    tests: dict[str, dict[str, tuple[ArmStats, float, int]]] = {}
    for (test, variant), arm in sorted(merged.items()):
        key = (test, variant)
        tests.setdefault(test, {})[variant] = (arm, s2.get(key, 0.0),
                                               round(conv.get(key, 0.0)))
    for test, given in defined.items():  # variants (or whole tests) nobody was exposed to
        for variant in given.variants:
            tests.setdefault(test, {}).setdefault(variant, (ArmStats(), 0.0, 0))
    if experiment is not None and experiment not in tests:
        raise ValueError(f"experiment={experiment!r} is not exported by the store; "
                         "no measure.experiment.exposures series carry it")
    out: dict[str, Any] = {}
    assumed: list[str] = []
    for test, arms in sorted(tests.items()):
        found = defined.get(test)
        if found is not None and set(arms) == set(found.variants):
            definition = _exported(found, control, weights, alpha)
        elif len(arms) < 2:
            continue
        else:
            definition = _guessed(test, arms, control, weights, alpha)
            assumed.append(test)
        order = definition.variants
        result = analyze_experiment({v: arms[v][0] for v in order}, control=order[0],
                                    weights=dict(zip(order, definition.weights, strict=True)),
                                    metric=definition.metric, alpha=definition.alpha)
        readout = extend(ABTestResults, result, test=definition,
                         conversions={v: arms[v][2] for v in order}, now=math.nan)
        out[test] = experiment_summary(readout)
    notes = [CAVEAT_DEFINITION.format(tests=", ".join(repr(t) for t in assumed))] if assumed \
        else []
    for test, groups in (definitions.conflicts.items() if definitions is not None else ()):
        text = "; ".join(f"{d} on {', '.join(p)}" for d, p in groups.items())
        notes.append(CAVEAT_CONFLICT.format(test=test, groups=text,
                                            chosen=describe(defined.get(test))))
    plain: dict[str, Any] = to_plain(out)
    return plain, notes


def nps_section(client: PromQLClient, since: str | None = None,
                confidence: float = 0.95) -> dict[str, Any]:
    """NPS with its margin from the summed category counts (``NPSResult.to_dict()``)."""
    counts = {s.labels.get(label_name(ATTR_NPS_CATEGORY), ""): round(s.value)
              for s in client.query(series(ANALYTICS_NPS_RESPONSES, (ATTR_NPS_CATEGORY,),
                                           since))}
    result = nps_from_counts(counts.get("promoter", 0), counts.get("passive", 0),
                             counts.get("detractor", 0), confidence)
    return result.to_dict()
