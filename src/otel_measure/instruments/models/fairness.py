"""Fairness methods of ``m.models``: per-group outcomes, fairlearn's metrics, export.

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
from dataclasses import replace
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.drift_bins import check_category
from otel_measure.calculators.fairness import (
    FairnessMetrics,
    GroupConfusion,
    fairness_from_counts,
    fairness_metrics,
)
from otel_measure.instruments.models.drift_methods import DriftMethods
from otel_measure.instruments.models.results import ModelPerformanceSnapshot
from otel_measure.instruments.models.snapshots import StateCopy
from otel_measure.instruments.models.state import ModelState
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

__all__ = ["OTHER_GROUP", "FairnessMethods", "FairnessState"]

OTHER_GROUP = "other"  # the name for the overflow bucket
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


class FairnessState:
    """One model's groups and outcome counts (guarded by the domain's lock)."""

    __slots__ = ("admitted", "cached", "cached_version", "declared", "evaluation", "latest",
                 "max_groups", "online", "version")

    def __init__(self, max_groups: int) -> None:
        self.max_groups = max_groups
        self.declared: dict[Hashable, None] | None = None
        self.admitted: dict[Hashable, None] = {}
        self.online = GroupConfusion()
        self.evaluation: dict[Hashable, list[int]] = {}  # [tp, fp, tn, fn] summed
        self.latest: FairnessMetrics | None = None  # latest evaluation
        self.version = 0
        self.cached: FairnessMetrics | None = None  # online metrics at cached_version
        self.cached_version = -1

    def group_for(self, group: Hashable) -> Hashable:
        """The bucket of a valid group value (without admitting it)."""
        if self.declared is not None:
            return group if group in self.declared else OTHER_GROUP
        if group in self.admitted or len(self.admitted) < self.max_groups:
            return group
        return OTHER_GROUP

    def admit(self, group: Hashable) -> None:
        """Remember a group that got counts (undeclared groups only)."""
        if self.declared is None and group != OTHER_GROUP and group not in self.admitted:
            self.admitted[group] = None


class FairnessMethods(DriftMethods):
    """The fairness part of ``m.models`` (a mixin of ``ModelMetrics``)."""

    def _init_fairness(self, meter: Meter) -> None:
        """Create the observable fairness instruments."""
        outcomes = MODEL_FAIRNESS_OUTCOMES
        meter.create_observable_counter(outcomes.name, callbacks=[self._observe_outcomes],
                                        unit=outcomes.unit, description=outcomes.description)
        for metric, field in (*_AGGREGATES, *_PER_GROUP):
            meter.create_observable_gauge(metric.name, callbacks=[self._gauge(field)],
                                          unit=metric.unit, description=metric.description)

    def _fairness(self, state: ModelState) -> FairnessState:
        """The model's fairness state, created on first use (caller holds the lock)."""
        if state.fairness is None:
            state.fairness = FairnessState(self.options.fairness_max_groups)
        return state.fairness

    @staticmethod
    def fairness_args(groups: Iterable[Hashable] | None, positive_label: Any
                      ) -> tuple[dict[Hashable, None] | None, Hashable | None]:
        """Validate ``register_model``'s ``groups`` and ``positive_label``."""
        if groups is None:
            return None, _positive(positive_label)
        declared: dict[Hashable, None] = {}
        for i, group in enumerate(_as_list("groups", groups)):
            check_category(f"groups[{i}]", group)
            if group in declared:
                raise ValueError(f"groups[{i}]={group!r} is invalid: it is a duplicate")
            declared[group] = None
        if not declared:
            raise ValueError("groups=[] is invalid: declare at least one group or pass None")
        return declared, _positive(positive_label)

    def declare_fairness(self, state: ModelState, declared: dict[Hashable, None] | None,
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

    def observe_outcome(self, model: str, group: Hashable, prediction: Any, label: Any) -> None:
        """Count one binary outcome of ``model`` for ``group`` (streaming fairness).

        Labels and predictions are 0/1 unless ``register_model(positive_label=)`` set
        another positive label. Undeclared groups past the cap count as ``other``. Bad
        input (None/NaN/unhashable group, labels outside {0, 1}) is dropped and counted in
        ``measure.rejected`` (``ValueError`` with ``strict=True``).
        """
        state = self._stream_state(model)
        if state is None:
            return
        try:
            check_category("group", group)
        except ValueError as exc:
            self._rejections.reject("models.invalid_group", str(exc))
            return
        error = None
        with self._lock:
            fs = self._fairness(state)
            bucket = fs.group_for(group)
            try:
                fs.online.add(bucket, prediction, label)
            except ValueError as exc:
                error = str(exc)
            else:
                fs.admit(bucket)
                fs.version += 1
        if error is not None:
            self._rejections.reject("models.invalid_outcome",
                                    f"prediction={prediction!r} / label={label!r} are invalid "
                                    f"for fairness: {error}")

    def calculate_fairness_metrics(self, model: str, y_true: Iterable[Any],
                                   y_pred: Iterable[Any], groups: Iterable[Hashable],
                                   positive_label: Any = 1,
                                   reference_group: Hashable | None = None) -> FairnessMetrics:
        """Fairlearn's group fairness metrics of one evaluation batch, exported.

        Args:
            model: The model.
            y_true: True labels.
            y_pred: Predicted labels.
            groups: Sensitive feature value of each row (bounded like ``observe_outcome``:
                undeclared groups past the cap become ``other``).
            positive_label: The positive class; with 1 (default) labels must be 0 or 1,
                with another value every other label is negative.
            reference_group: Group of the disparate impact; default the highest selection
                rate.

        Raises:
            ValueError: Unequal lengths, no rows, None/NaN/inf or unhashable values, labels
                outside {0, 1} with ``positive_label=1``, an unknown reference group.
        """
        state = self._quality_state(model)
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

    def get_fairness_metrics(self, model: str, reference_group: Hashable | None = None
                             ) -> FairnessMetrics:
        """Fairness metrics of the outcomes streamed through ``observe_outcome``.

        Raises:
            ValueError: An unknown model, no outcome yet, or an unknown reference group.
        """
        counts = None
        with self._lock:
            state = self._models.get(model) if isinstance(model, str) else None
            if state is not None and state.fairness is not None:
                counts = state.fairness.online.counts()
        if not counts:
            raise ValueError(f"model={model!r} has no outcome yet; call observe_outcome()")
        return fairness_from_counts(counts, reference_group)

    def _fairness_results(self, model: str | None = None
                          ) -> list[tuple[str, str, FairnessMetrics]]:
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

    def _snapshot(self, copy: StateCopy) -> ModelPerformanceSnapshot:
        snapshot = super()._snapshot(copy)
        found = {source: result for _, source, result in self._fairness_results(copy.name)}
        return replace(snapshot, fairness=dict(sorted(found.items()))) if found else snapshot

    def _gauge(self, field: str) -> Any:
        per_group = field in ("selection_rate", "disparate_impact")

        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            out = []
            for model, source, result in self._fairness_results():
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
