"""Export and automatic checks of the drift monitor of ``m.models``.

Observable instruments, so recording pays nothing for them:

- ``measure.model.drift.score`` / ``p_value`` / ``detected`` with ``gen_ai.request.model``,
  ``measure.drift.feature`` and ``measure.drift.method``: the latest result per method,
  from ``detect_model_drift`` calls and from automatic ``auto`` checks run at collection
  time (at most every ``drift_check_interval_s`` per feature, only when it got new data);
- ``measure.model.drift.share``: share of a model's features whose automatic check drifted;
- ``measure.model.drift.bin.count`` (``drift_export_bins``): baseline counts
  (``measure.drift.window=baseline``) and every current observation since the baseline
  (``current``) per bin index ``measure.drift.bin``, with the layout digest
  ``measure.drift.layout``. Replicas given the same baseline share a digest; summing the
  ``current`` increases over a time range across them gives the fleet-wide window, from
  which PSI, Jensen-Shannon and chi-square are exact. Cardinality per feature is at most
  2 x (bins + 2), bins being max(drift_max_categories, k) with k the sturges bin count
  ceil(log2(baseline size + drift_window_size) + 1); a replaced baseline starts new series;
- ``measure.model.drift.bin.edge`` (with the bin counts): the k + 1 edges of a numeric
  layout, by edge index ``measure.drift.bin``; categorical and discrete layouts have none,
  so a reader of the store knows each layout's kind (the report computes Wasserstein
  from them and keeps ``ks_binned`` to numeric features).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.drift import DriftResult
from otel_measure.instruments._rejections import safe_repr
from otel_measure.instruments.models.drift import TrackerCopy
from otel_measure.instruments.models.drift_checks import check, is_ready
from otel_measure.instruments.models.registry import ModelRegistry
from otel_measure.names import create_instrument
from otel_measure.names.attributes import (
    ATTR_DRIFT_BIN,
    ATTR_DRIFT_FEATURE,
    ATTR_DRIFT_LAYOUT,
    ATTR_DRIFT_METHOD,
    ATTR_DRIFT_WINDOW,
    ATTR_GEN_AI_REQUEST_MODEL,
)
from otel_measure.names.models import (
    MODEL_DRIFT_BIN_COUNT,
    MODEL_DRIFT_BIN_EDGE,
    MODEL_DRIFT_DETECTED,
    MODEL_DRIFT_P_VALUE,
    MODEL_DRIFT_SCORE,
    MODEL_DRIFT_SHARE,
)
from otel_measure.options import ModelOptions

__all__ = ["DriftExport"]

_MODEL = ATTR_GEN_AI_REQUEST_MODEL
_FEATURE = ATTR_DRIFT_FEATURE
_METHOD = ATTR_DRIFT_METHOD


class DriftExport:
    """Automatic drift checks, the latest results, and the observable drift instruments.

    Args:
        meter: Meter the observable drift instruments are created on.
        registry: Per-model state (the trackers live in ``ModelState.drift``).
        options: Drift settings (check interval, automatic baseline, bin export).
        clock: Monotonic clock in seconds (check interval).
    """

    def __init__(self, meter: Meter, registry: ModelRegistry, options: ModelOptions,
                 clock: Callable[[], float]) -> None:
        self.options = options
        self._lock = registry.lock
        self._models = registry.models
        self._rejections = registry.checks.rejections
        self._clock = clock
        for metric, callback in ((MODEL_DRIFT_SCORE, self._observe_score),
                                 (MODEL_DRIFT_P_VALUE, self._observe_p_value),
                                 (MODEL_DRIFT_DETECTED, self._observe_detected),
                                 (MODEL_DRIFT_SHARE, self._observe_share)):
            create_instrument(meter, metric, callbacks=[callback])
        if self.options.drift_export_bins:
            create_instrument(meter, MODEL_DRIFT_BIN_COUNT, callbacks=[self._observe_bins])
            create_instrument(meter, MODEL_DRIFT_BIN_EDGE, callbacks=[self._observe_edges])

    def auto_size(self) -> int | None:
        """Size of the automatic baseline, or None when it is off."""
        options = self.options
        return options.drift_baseline_size if options.drift_auto_baseline else None

    def store(self, model: str, results: list[tuple[TrackerCopy, DriftResult]],
               as_auto: bool) -> None:
        """Keep results as the latest per method (exported), and as auto results."""
        with self._lock:
            state = self._models.get(model)
            for copy, result in results:
                tracker = state.drift.get(copy.feature) if state is not None else None
                if tracker is None or tracker.layout is not copy.layout:
                    continue  # the baseline changed meanwhile: the result is obsolete
                tracker.latest[result.method] = result
                if as_auto:
                    tracker.auto, tracker.auto_version = result, copy.version

    def run_auto(self, due: list[tuple[str, TrackerCopy]]
                  ) -> dict[tuple[str, str], DriftResult]:
        """Run (or reuse) the automatic check of each ready copy; store the new ones."""
        auto = self.auto_size()
        done: dict[tuple[str, str], DriftResult] = {}
        fresh: dict[str, list[tuple[TrackerCopy, DriftResult]]] = {}
        for model, copy in due:
            if copy.auto is not None:
                done[(model, copy.feature)] = copy.auto
            elif is_ready(copy):
                try:
                    result = check(model, copy, "auto", None, auto)
                except Exception as exc:  # a defect: count it, keep exporting the others
                    self._rejections.count(
                        "models.drift_check_failed",
                        f"the automatic drift check of feature {copy.feature!r} of model "
                        f"{model!r} failed: {safe_repr(exc)}")
                    continue
                done[(model, copy.feature)] = result
                fresh.setdefault(model, []).append((copy, result))
        for model, results in fresh.items():
            self.store(model, results, as_auto=True)
        return done

    # --- export ---------------------------------------------------------------------

    def _refresh_drift(self) -> None:
        """Run the automatic checks that are due (collection time)."""
        interval = self.options.drift_check_interval_s
        if interval is None:
            return
        now = self._clock()
        due: list[tuple[str, TrackerCopy]] = []
        with self._lock:
            for state in self._models.values():
                for tracker in state.drift.values():
                    if (tracker.layout is not None and tracker.window
                            and tracker.auto_version != tracker.version
                            and now - tracker.checked_at >= interval):
                        tracker.checked_at = now
                        due.append((state.name, tracker.copy()))
        self.run_auto(due)

    def _latest(self) -> list[tuple[dict[str, str], DriftResult]]:
        self._refresh_drift()
        with self._lock:
            return [({_MODEL: state.name, _FEATURE: tracker.feature, _METHOD: method}, result)
                    for state in self._models.values() for tracker in state.drift.values()
                    for method, result in tracker.latest.items()]

    def _observe_score(self, _options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(r.statistic, a) for a, r in self._latest()
                if math.isfinite(r.statistic)]

    def _observe_p_value(self, _options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(r.p_value, a) for a, r in self._latest() if r.p_value is not None]

    def _observe_detected(self, _options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(1 if r.drifted else 0, a) for a, r in self._latest()]

    def _observe_share(self, _options: CallbackOptions) -> Iterable[Observation]:
        self._refresh_drift()
        out = []
        with self._lock:
            for state in self._models.values():
                autos = [t.auto for t in state.drift.values() if t.auto is not None]
                if autos:
                    share = sum(1 for r in autos if r.drifted) / len(autos)
                    out.append(Observation(share, {_MODEL: state.name}))
        return out

    def _observe_bins(self, _options: CallbackOptions) -> Iterable[Observation]:
        out = []
        with self._lock:
            for state in self._models.values():
                for tracker in state.drift.values():
                    layout = tracker.layout
                    if layout is None:
                        continue
                    for window, counts in (("baseline", tracker.baseline_counts),
                                           ("current", tracker.totals)):
                        for i, count in enumerate(counts):
                            out.append(Observation(count, {
                                _MODEL: state.name, _FEATURE: tracker.feature,
                                ATTR_DRIFT_LAYOUT: layout.digest,
                                ATTR_DRIFT_WINDOW: window, ATTR_DRIFT_BIN: i}))
        return out

    def _observe_edges(self, _options: CallbackOptions) -> Iterable[Observation]:
        out = []
        with self._lock:
            for state in self._models.values():
                for tracker in state.drift.values():
                    layout = tracker.layout
                    if layout is None or layout.kind != "numeric":
                        continue
                    for i, edge in enumerate(layout.labels):
                        out.append(Observation(edge, {
                            _MODEL: state.name, _FEATURE: tracker.feature,
                            ATTR_DRIFT_LAYOUT: layout.digest, ATTR_DRIFT_BIN: i}))
        return out
