"""The fairness monitor of ``m.models``: per-group outcomes, fairlearn's metrics, export.

Groups are bounded per model: those declared with ``register_model(groups=...)``, or
else the first ``fairness_max_groups`` values seen; any other value counts as ``other``
(in results, series and snapshots alike), so a group never becomes an unbounded series.

Exported (observable, so ``observe_outcome`` pays nothing for them), with
``gen_ai.request.model`` and ``measure.quality.source`` (``online``: the streamed
outcomes; ``evaluation``: the latest ``calculate_fairness_metrics``):

- ``measure.model.fairness.outcomes`` (counter, ``measure.fairness.group`` and
  ``measure.fairness.outcome`` tp/fp/tn/fn): online outcomes, and the sum of every
  evaluation's; every metric is recomputable from these counts fleet-wide;
- gauges: demographic parity difference and ratio, equalized odds difference and ratio,
  equal opportunity difference, and per group the selection rate and the disparate impact
  (NaN values, such as a ratio whose maximum is 0, are left out).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.drift_bins import check_category
from otel_measure.calculators.fairness import (
    FairnessMetrics,
    GroupConfusion,
    fairness_from_counts,
    fairness_metrics,
)
from otel_measure.instruments._rejections import safe_repr, text_problem
from otel_measure.instruments.models.registry import ModelRegistry
from otel_measure.instruments.models.state import FairnessState, ModelState
from otel_measure.names import create_instrument
from otel_measure.names.attributes import (
    ATTR_FAIRNESS_GROUP,
    ATTR_FAIRNESS_OUTCOME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_QUALITY_SOURCE,
)
from otel_measure.names.models import (
    MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE,
    MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO,
    MODEL_FAIRNESS_DISPARATE_IMPACT,
    MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE,
    MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE,
    MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO,
    MODEL_FAIRNESS_OUTCOMES,
    MODEL_FAIRNESS_SELECTION_RATE,
)

__all__ = ["FairnessMonitor"]

_MODEL = ATTR_GEN_AI_REQUEST_MODEL
_SOURCE = ATTR_QUALITY_SOURCE
_GROUP = ATTR_FAIRNESS_GROUP
_OUTCOMES = ("tp", "fp", "tn", "fn")
_AGGREGATES = (
    (MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_DIFFERENCE, "demographic_parity_difference"),
    (MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO, "demographic_parity_ratio"),
    (MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE, "equalized_odds_difference"),
    (MODEL_FAIRNESS_EQUALIZED_ODDS_RATIO, "equalized_odds_ratio"),
    (MODEL_FAIRNESS_EQUAL_OPPORTUNITY_DIFFERENCE, "equal_opportunity_difference"),
)
_PER_GROUP = ((MODEL_FAIRNESS_SELECTION_RATE, "selection_rate"),
              (MODEL_FAIRNESS_DISPARATE_IMPACT, "disparate_impact"))


def _positive(label: Any) -> Hashable | None:
    """The calculators' positive label: None (labels must be 0 or 1) for 1."""
    if label is None or (isinstance(label, numbers.Real) and label == 1):
        return None
    return check_category("positive_label", label)


def _as_list(name: str, values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{name}={values!r} is invalid: expected a sequence of values")
    return list(values)


class FairnessMonitor:
    """Per-group outcome counts and fairlearn's metrics of every model, exported.

    Args:
        meter: Meter the observable fairness instruments are created on.
        registry: Per-model state; each model's counts live in ``ModelState.fairness``.
        max_groups: Undeclared groups kept per model before the rest count as ``other``.
    """

    def __init__(self, meter: Meter, registry: ModelRegistry, max_groups: int) -> None:
        self._registry = registry
        self._lock = registry.lock
        self._models = registry.models
        self._reject = registry.checks.rejections.reject
        self._max_groups = max_groups
        create_instrument(meter, MODEL_FAIRNESS_OUTCOMES, callbacks=[self._observe_outcomes])
        for metric, field in (*_AGGREGATES, *_PER_GROUP):
            create_instrument(meter, metric, callbacks=[self._gauge(field)])

    def _fairness(self, state: ModelState) -> FairnessState:
        """The model's fairness state, created on first use (caller holds the lock)."""
        if state.fairness is None:
            state.fairness = FairnessState(self._max_groups)
        return state.fairness

    @staticmethod
    def check_args(groups: Iterable[Hashable] | None, positive_label: Any
                      ) -> tuple[dict[Hashable, None] | None, Hashable | None]:
        """Validate ``register_model``'s ``groups`` and ``positive_label``."""
        if groups is None:
            return None, _positive(positive_label)
        declared: dict[Hashable, None] = {}
        for i, group in enumerate(_as_list("groups", groups)):
            check_category(f"groups[{i}]", group)
            if text_problem(str(group), 256) is not None:
                raise ValueError(f"groups[{i}]={safe_repr(group)} is invalid: "
                                 f"{text_problem(str(group), 256)}")
            if group in declared:
                raise ValueError(f"groups[{i}]={group!r} is invalid: it is a duplicate")
            declared[group] = None
        if not declared:
            raise ValueError("groups=[] is invalid: declare at least one group or pass None")
        return declared, _positive(positive_label)

    def declare(self, state: ModelState, declared: dict[Hashable, None] | None,
                         positive_label: Hashable | None, relabel: bool) -> None:
        """Apply checked registration arguments (caller holds the lock).

        Raises:
            ValueError: A new positive label while outcomes with another one are counted.
        """
        if declared is None and not relabel:
            return
        fs = self._fairness(state)
        if relabel and positive_label != fs.online.positive_label:
            if fs.online.counts():
                raise ValueError(f"positive_label={positive_label!r} is invalid: outcomes of "
                                 f"model {state.name!r} are already counted with "
                                 f"positive_label={fs.online.positive_label!r}")
            fs.online = GroupConfusion(positive_label)
        if declared is not None:
            fs.declared = declared

    def observe(self, model: str, group: Hashable, prediction: Any, label: Any) -> None:
        """``ModelMetrics.observe_outcome`` (see its docstring)."""
        state = self._registry.stream_state(model)
        if state is None:
            return
        try:
            check_category("group", group)
            hash(group)
            problem = text_problem(str(group), 256)
        except Exception as exc:  # also a hostile __hash__/__repr__ of the caller's object
            self._reject("models.invalid_group", str(exc) if isinstance(exc, ValueError)
                         else f"group of type {type(group).__name__} is not allowed: {exc!r}")
            return
        if problem is not None:
            self._reject("models.invalid_group", f"group={safe_repr(group)} is not allowed: "
                                                 f"{problem}")
            return
        error = None
        with self._lock:
            fs = self._fairness(state)
            bucket = fs.group_for(group)
            try:
                fs.online.add(bucket, prediction, label)
            except Exception as exc:  # also a hostile __repr__ in the calculator's message
                error = str(exc) if isinstance(exc, ValueError) else repr(exc)
            else:
                fs.admit(bucket)
                fs.version += 1
        if error is not None:
            self._reject("models.invalid_outcome",
                         f"prediction={safe_repr(prediction)} / label={safe_repr(label)} "
                         "are invalid "
                         f"for fairness: {error}")

    def evaluate(self, model: str, y_true: Iterable[Any], y_pred: Iterable[Any],
                 groups: Iterable[Hashable], positive_label: Any,
                 reference_group: Hashable | None) -> FairnessMetrics:
        """``ModelMetrics.calculate_fairness_metrics`` (see its docstring)."""
        state = self._registry.query_state(model)
        truth, predicted = _as_list("y_true", y_true), _as_list("y_pred", y_pred)
        raw = _as_list("groups", groups)
        label = _positive(positive_label)
        fairness_metrics(truth, predicted, raw, label)  # validates every row first
        with self._lock:
            fs = self._fairness(state)
            bucketed = []
            for group in raw:
                bucket = fs.group_for(group)
                fs.admit(bucket)
                bucketed.append(bucket)
        result = fairness_metrics(truth, predicted, bucketed, label, reference_group)
        with self._lock:
            fs.latest = result
            for rates in result.groups:
                row = fs.evaluation.setdefault(rates.group, [0, 0, 0, 0])
                for i, count in enumerate((rates.tp, rates.fp, rates.tn, rates.fn)):
                    row[i] += count
        return result

    def online(self, model: str, reference_group: Hashable | None) -> FairnessMetrics:
        """``ModelMetrics.get_fairness_metrics`` (see its docstring)."""
        counts = None
        with self._lock:
            state = self._models.get(model) if isinstance(model, str) else None
            if state is not None and state.fairness is not None:
                counts = state.fairness.online.counts()
        if not counts:
            raise ValueError(f"model={model!r} has no outcome yet; call observe_outcome()")
        return fairness_from_counts(counts, reference_group)

    def results(self, model: str | None = None) -> list[tuple[str, str, FairnessMetrics]]:
        """(model, source, metrics) of every model (or one): online (cached), evaluation."""
        todo = []
        out: list[tuple[str, str, FairnessMetrics]] = []
        with self._lock:
            for state in self._models.values():
                fs = state.fairness
                if fs is None or (model is not None and state.name != model):
                    continue
                if fs.cached_version == fs.version and fs.cached is not None:
                    out.append((state.name, "online", fs.cached))
                elif fs.online.counts():
                    todo.append((state.name, fs, fs.version, fs.online.counts()))
                if fs.latest is not None:
                    out.append((state.name, "evaluation", fs.latest))
        for name, fs, version, counts in todo:
            result = fairness_from_counts(counts)
            out.append((name, "online", result))
            with self._lock:
                fs.cached, fs.cached_version = result, version
        return out

    def of(self, model: str) -> dict[str, FairnessMetrics] | None:
        """A model's metrics by source (``online``, ``evaluation``); None when neither."""
        found = {source: result for _, source, result in self.results(model)}
        return dict(sorted(found.items())) if found else None

    def _gauge(self, field: str) -> Any:
        per_group = field in ("selection_rate", "disparate_impact")

        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            out = []
            for model, source, result in self.results():
                base = {_MODEL: model, _SOURCE: source}
                if not per_group:
                    value = getattr(result, field)
                    if math.isfinite(value):
                        out.append(Observation(value, base))
                    continue
                for rates in result.groups:
                    value = getattr(rates, field)
                    if math.isfinite(value):
                        out.append(Observation(value, {**base, _GROUP: str(rates.group)}))
            return out

        return callback

    def _observe_outcomes(self, _options: CallbackOptions) -> Iterable[Observation]:
        out = []
        with self._lock:
            for state in self._models.values():
                fs = state.fairness
                if fs is None:
                    continue
                online = {g: (c.tp, c.fp, c.tn, c.fn) for g, c in fs.online.counts().items()}
                for source, rows in (("online", online), ("evaluation", fs.evaluation)):
                    for group, row in rows.items():
                        for outcome, count in zip(_OUTCOMES, row, strict=True):
                            out.append(Observation(count, {
                                _MODEL: state.name, _GROUP: str(group),
                                ATTR_FAIRNESS_OUTCOME: outcome, _SOURCE: source}))
        return out
