"""Fleet-wide drift, fairness, cost and latency per model from the exported counters.

- Drift: ``measure.model.drift.bin.count`` per layout digest. Current counts are summed
  over processes; baseline counts are taken once (``max``: replicas given the same
  baseline export the same counts), so PSI, Jensen-Shannon, Hellinger and chi-square are
  those of the fleet's window on the baseline's bins. ``measure.model.drift.bin.edge``
  marks numeric layouts and gives their edges: their count tests run on the bins as
  ``detect_model_drift`` does (out-of-range bins left out while empty, PSI filling empty
  bins as Evidently does), KS from the bins is a lower bound on the raw-sample D
  (``ks_binned``), and Wasserstein comes from the bins with bounds
  (``wasserstein_binned``). Other layouts (categories, or one bin per value) get the
  count tests only.
- Fairness: ``measure.model.fairness.outcomes`` (tp, fp, tn, fn per group and source) into
  :func:`~otel_measure.calculators.fairness.fairness_from_counts`.
- Cost: ``measure.model.cost`` per token type; tokens: the ``gen_ai.client.token.usage``
  sums; latency: quantiles interpolated in the ``gen_ai.client.operation.duration``
  buckets as PromQL's ``histogram_quantile`` does (not the exact in-process quantiles).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from otel_measure.calculators._result import to_plain
from otel_measure.calculators.drift import DRIFT_METHODS, StatResult, ks_from_counts
from otel_measure.calculators.drift_binned import inner_counts, wasserstein_binned
from otel_measure.calculators.fairness import ConfusionCounts, fairness_from_counts
from otel_measure.names.attributes import (
    ATTR_DRIFT_BIN,
    ATTR_DRIFT_FEATURE,
    ATTR_DRIFT_LAYOUT,
    ATTR_DRIFT_WINDOW,
    ATTR_FAIRNESS_GROUP,
    ATTR_FAIRNESS_OUTCOME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_GEN_AI_TOKEN_TYPE,
    ATTR_QUALITY_SOURCE,
)
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TOKEN_USAGE,
    MODEL_COST,
    MODEL_DRIFT_BIN_COUNT,
    MODEL_DRIFT_BIN_EDGE,
    MODEL_FAIRNESS_OUTCOMES,
)
from otel_measure.report.promql import PromQLClient, label_name, prom_name, series

__all__ = ["QUANTILES", "cost_section", "drift_section", "fairness_section",
           "latency_section", "quantile_from_buckets"]

QUANTILES = (0.5, 0.9, 0.95, 0.99)
_MODEL = label_name(ATTR_GEN_AI_REQUEST_MODEL)
# Every count test of the drift-method table that takes any number of bins (z takes
# two), with its options on numeric (sturges) bins.
_DRIFT_TESTS: tuple[tuple[str, Callable[..., StatResult], dict[str, str]], ...] = tuple(
    (m.name, m.function, dict(m.sturges_options)) for m in DRIFT_METHODS.values()
    if m.data == "counts" and m.max_bins is None)


def _sel(model: str | None) -> str:
    return f'{_MODEL}="{model}"' if model is not None else ""


def _range(name: str, since: str | None, sel: str) -> str:
    inner = f"{name}{{{sel}}}" if sel else name
    return f"increase({inner}[{since}])" if since is not None else inner


def drift_section(client: PromQLClient, since: str | None = None,
                  model: str | None = None) -> dict[str, Any]:
    """Per model, feature and layout: bin counts and every count-based drift statistic."""
    keys = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_DRIFT_FEATURE, ATTR_DRIFT_LAYOUT, ATTR_DRIFT_BIN)
    by = ", ".join(label_name(k) for k in keys)
    window = label_name(ATTR_DRIFT_WINDOW)
    name = prom_name(MODEL_DRIFT_BIN_COUNT)
    sel = ",".join(s for s in (_sel(model), f'{window}="baseline"') if s)
    base_max = client.query(f"max by ({by}) ({name}{{{sel}}})")
    base_min = {tuple(s.labels.get(label_name(k), "") for k in keys): s.value
                for s in client.query(f"min by ({by}) ({name}{{{sel}}})")}
    cur_sel = ",".join(s for s in (_sel(model), f'{window}="current"') if s)
    current = client.query(f"sum by ({by}) ({_range(name, since, cur_sel)})")
    bins: dict[tuple[str, str, str], dict[str, dict[int, float]]] = {}
    mixed: set[tuple[str, str, str]] = set()
    for kind, samples in (("baseline", base_max), ("current", current)):
        for s in samples:
            labels = tuple(s.labels.get(label_name(k), "") for k in keys)
            head = (labels[0], labels[1], labels[2])
            group = bins.setdefault(head, {"baseline": {}, "current": {}})
            group[kind][int(labels[3])] = s.value
            if kind == "baseline" and base_min.get(labels) != s.value:
                mixed.add(head)
    edges = _edges(client, model, keys)
    out: dict[str, Any] = {}
    for (mdl, feature, layout), windows in sorted(bins.items()):
        size = 1 + max(max(windows["baseline"], default=0), max(windows["current"], default=0))
        base = [windows["baseline"].get(i, 0.0) for i in range(size)]
        cur = [round(windows["current"].get(i, 0.0)) for i in range(size)]
        cuts = edges.get((mdl, feature, layout))
        numeric = cuts is not None and len(cuts) + 1 == size
        entry: dict[str, Any] = {"layout": layout, "kind": "numeric" if numeric else "values",
                                 "edges": cuts if numeric else None,
                                 "baseline_counts": [round(b) for b in base],
                                 "current_counts": cur,
                                 "baselines_differ": (mdl, feature, layout) in mixed,
                                 "tests": {}}
        if sum(base) > 0 and sum(cur) > 0:
            entry["tests"] = _drift_tests(base, cur, cuts if numeric else None)
        out.setdefault(mdl, {}).setdefault(feature, []).append(entry)
    plain: dict[str, Any] = to_plain(out)
    return plain


def _edges(client: PromQLClient, model: str | None, keys: tuple[str, ...]
           ) -> dict[tuple[str, str, str], list[float]]:
    """Edges of every numeric layout, in order (``max``: replicas export the same)."""
    by = ", ".join(label_name(k) for k in keys)
    sel = _sel(model)
    name = prom_name(MODEL_DRIFT_BIN_EDGE)
    found: dict[tuple[str, str, str], dict[int, float]] = {}
    for s in client.query(f"max by ({by}) ({name}{{{sel}}})" if sel else
                          f"max by ({by}) ({name})"):
        labels = tuple(s.labels.get(label_name(k), "") for k in keys)
        found.setdefault((labels[0], labels[1], labels[2]), {})[int(labels[3])] = s.value
    return {head: [cuts[i] for i in sorted(cuts)] for head, cuts in found.items()
            if sorted(cuts) == list(range(len(cuts)))}


def _drift_tests(base: Sequence[float], cur: Sequence[float], edges: list[float] | None
                 ) -> dict[str, Any]:
    """Count tests (as ``detect_model_drift`` runs them), plus KS and Wasserstein from
    the bins of a numeric layout."""
    if edges is None:
        return {label: fn(base, cur).to_dict() for label, fn, _options in _DRIFT_TESTS}
    b, c, outside = inner_counts(base, cur)
    tests: dict[str, Any] = {label: {**fn(b, c, **options).to_dict(), "outside": outside}
                             for label, fn, options in _DRIFT_TESTS}
    tests["ks_binned"] = ks_from_counts(base, cur).to_dict()
    if not outside:
        tests["wasserstein_binned"] = wasserstein_binned(edges, base, cur).to_dict()
    return tests


def fairness_section(client: PromQLClient, since: str | None = None,
                     model: str | None = None) -> dict[str, Any]:
    """Per model and source (online, evaluation): fairlearn's metrics from summed outcomes."""
    keys = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_QUALITY_SOURCE, ATTR_FAIRNESS_GROUP,
            ATTR_FAIRNESS_OUTCOME)
    counts: dict[tuple[str, str], dict[str, dict[str, int]]] = {}
    for s in client.query(series(MODEL_FAIRNESS_OUTCOMES, keys, since, _sel(model))):
        mdl, source, group, outcome = (s.labels.get(label_name(k), "") for k in keys)
        counts.setdefault((mdl, source), {}).setdefault(group, {})[outcome] = round(s.value)
    out: dict[str, Any] = {}
    for (mdl, source), groups in sorted(counts.items()):
        table: dict[Hashable, ConfusionCounts] = {
            g: ConfusionCounts(c.get("tp", 0), c.get("fp", 0), c.get("tn", 0), c.get("fn", 0))
            for g, c in groups.items()}
        if any(c.total > 0 for c in table.values()):
            out.setdefault(mdl, {})[source] = fairness_from_counts(table).to_dict()
    plain: dict[str, Any] = to_plain(out)
    return plain


def quantile_from_buckets(q: float, buckets: list[tuple[float, float]]) -> float:
    """Interpolate quantile ``q`` in cumulative ``(le, count)`` buckets as PromQL does.

    Returns NaN without observations; the upper bound of the highest finite bucket when
    the quantile falls in the ``+Inf`` bucket.
    """
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"q={q!r} is not allowed; expected a number in [0, 1]")
    buckets = sorted(buckets)
    if not buckets or buckets[-1][0] != math.inf or buckets[-1][1] <= 0:
        return math.nan
    rank = q * buckets[-1][1]
    lower_bound, lower_count = 0.0, 0.0
    for upper, count in buckets:
        if count >= rank:
            if upper == math.inf:
                return lower_bound
            if count == lower_count:
                return upper
            return lower_bound + (upper - lower_bound) * (rank - lower_count) / (
                count - lower_count)
        lower_bound, lower_count = upper, count
    return math.nan  # pragma: no cover - the +Inf bucket holds every observation


def latency_section(client: PromQLClient, since: str | None = None,
                    model: str | None = None) -> dict[str, Any]:
    """Per model: calls, mean and bucket-interpolated latency quantiles in seconds."""
    metric = GEN_AI_CLIENT_OPERATION_DURATION
    sel = _sel(model)
    buckets: dict[str, list[tuple[float, float]]] = {}
    for s in client.query(f"sum by ({_MODEL}, le) "
                          f"({_range(prom_name(metric, 'bucket'), since, sel)})"):
        buckets.setdefault(s.labels.get(_MODEL, ""), []).append(
            (float(s.labels.get("le", "nan")), s.value))
    totals = {s.labels.get(_MODEL, ""): s.value for s in client.query(
        f"sum by ({_MODEL}) ({_range(prom_name(metric, 'sum'), since, sel)})")}
    out: dict[str, Any] = {}
    for mdl, rows in sorted(buckets.items()):
        count = max((c for le, c in rows if le == math.inf), default=0.0)
        out[mdl] = {"requests": round(count),
                    "mean_s": totals.get(mdl, math.nan) / count if count else math.nan,
                    "quantiles_s": {f"p{round(q * 100)}": quantile_from_buckets(q, rows)
                                    for q in QUANTILES},
                    "method": "bucket-interpolated (as PromQL histogram_quantile)"}
    plain: dict[str, Any] = to_plain(out)
    return plain


def cost_section(client: PromQLClient, since: str | None = None,
                 model: str | None = None) -> dict[str, Any]:
    """Per model: cost in USD by token type and in total, and tokens by type."""
    token = label_name(ATTR_GEN_AI_TOKEN_TYPE)
    by = (ATTR_GEN_AI_REQUEST_MODEL, ATTR_GEN_AI_TOKEN_TYPE)
    out: dict[str, Any] = {}
    for s in client.query(series(MODEL_COST, by, since, _sel(model))):
        entry = out.setdefault(s.labels.get(_MODEL, ""), {"cost_usd": {}, "tokens": {}})
        entry["cost_usd"][s.labels.get(token, "")] = s.value
    usage = prom_name(GEN_AI_CLIENT_TOKEN_USAGE, "sum")
    for s in client.query(f"sum by ({_MODEL}, {token}) ({_range(usage, since, _sel(model))})"):
        entry = out.setdefault(s.labels.get(_MODEL, ""), {"cost_usd": {}, "tokens": {}})
        entry["tokens"][s.labels.get(token, "")] = round(s.value)
    for entry in out.values():
        entry["total_cost_usd"] = math.fsum(entry["cost_usd"].values())
    total = math.fsum(e["total_cost_usd"] for e in out.values())
    plain: dict[str, Any] = to_plain({"models": dict(sorted(out.items())),
                                      "total_cost_usd": total})
    return plain
