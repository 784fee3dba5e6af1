"""The drift monitor of ``m.models``: baselines, streamed observations and checks.

``set_baseline`` fixes a feature's bins; ``record_inference(..., prediction=)`` and
``observe_feature`` stream values into the sliding window; ``detect_model_drift`` tests
with the pure calculators. Per-feature trackers live in :mod:`.drift`; export and the
automatic checks in :mod:`.drift_export`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import Meter

from otel_measure.calculators.drift import DriftResult, dataset_drift
from otel_measure.instruments._rejections import safe_repr
from otel_measure.instruments.models.drift import (
    PREDICTION,
    FeatureTracker,
    Layout,
    TrackerCopy,
    clean_value,
    label_of,
    normalise_method,
)
from otel_measure.instruments.models.drift_checks import applicable, check, is_ready
from otel_measure.instruments.models.drift_export import DriftExport
from otel_measure.instruments.models.registry import ModelRegistry
from otel_measure.instruments.models.results import (
    FeatureDrift,
    ModelDriftMetrics,
    ModelDriftStatus,
)
from otel_measure.instruments.models.state import ModelState
from otel_measure.options import ModelOptions

__all__ = ["DATASET_SHARE", "DriftMonitor"]

DATASET_SHARE = 0.5


class DriftMonitor:
    """Drift baselines, sliding windows and checks of every model's features.

    Args:
        meter: Meter the observable drift instruments are created on.
        registry: Per-model state; the trackers live in ``ModelState.drift``.
        options: Drift settings (window, bins, caps, automatic baseline).
        clock: Monotonic clock in seconds (automatic check interval).
    """

    def __init__(self, meter: Meter, registry: ModelRegistry, options: ModelOptions,
                 clock: Callable[[], float]) -> None:
        self.options = options
        self._registry = registry
        self._checks = registry.checks
        self._reject = registry.checks.rejections.reject
        self._lock = registry.lock
        self._export = DriftExport(meter, registry, options, clock)

    # --- helpers --------------------------------------------------------------------

    def _tracker(self, state: ModelState, feature: str) -> FeatureTracker | None:
        """The feature's tracker, created on first use (caller holds the lock)."""
        tracker = state.drift.get(feature)
        if tracker is None:
            options = self.options
            inputs = len(state.drift) - (PREDICTION in state.drift)
            if feature != PREDICTION and inputs >= options.drift_max_features:
                return None
            tracker = FeatureTracker(feature, options.drift_window_size,
                                     options.drift_max_categories)
            state.drift[feature] = tracker
        return tracker

    def _feature_key(self, feature: Any) -> str:
        if feature is None:
            return PREDICTION
        self._checks.check_name("feature", feature)
        if feature == PREDICTION:
            raise ValueError(f"feature={feature!r} is reserved for the model's predictions; "
                             "pass feature=None")
        return str(feature)

    # --- recording ------------------------------------------------------------------

    def prediction_value(self, state: ModelState, prediction: Any) -> tuple[bool, Any]:
        """Check a prediction before its call is recorded: ``(ok, cleaned value)``."""
        value, why = clean_value(prediction)
        if why is None:
            tracker = state.drift.get(PREDICTION)
            if tracker is None or tracker.accepts(value):
                return True, value
            why = "expected a number, like the predictions of the baseline"
        self._reject("models.bad_prediction",
                                f"prediction={safe_repr(prediction)} is invalid for drift: "
                                f"{why}")
        return False, None

    def add_prediction(self, state: ModelState, value: Any) -> bool:
        """Stream a checked prediction into the drift window (caller holds the lock)."""
        tracker = self._tracker(state, PREDICTION)
        return tracker is not None and tracker.add(value, self._export.auto_size())

    def observe_feature(self, model: str, feature: str, value: Any) -> None:
        """``ModelMetrics.observe_feature`` (see its docstring)."""
        state = self._registry.stream_state(model)
        if state is None:
            return
        try:
            key = self._feature_key(feature)
            if feature is None:
                raise ValueError("feature=None is invalid: predictions come through "
                                 "record_inference(..., prediction=)")
        except ValueError as exc:
            self._reject("models.invalid_feature", str(exc))
            return
        cleaned, why = clean_value(value)
        if why is not None:
            self._reject("models.bad_feature_value",
                         f"value={safe_repr(value)} of feature {key!r} is invalid: {why}")
            return
        with self._lock:
            tracker = self._tracker(state, key)
            added = tracker is not None and tracker.add(cleaned, self._export.auto_size())
        if tracker is None:
            self._reject(
                "models.too_many_features",
                f"feature {key!r} of model {model!r} is dropped: drift_max_features="
                f"{self.options.drift_max_features} features are already tracked")
        elif not added:
            self._reject("models.bad_feature_value",
                         f"value={safe_repr(value)} of feature {key!r} is invalid: expected "
                         "a number, like its numeric baseline")

    # --- baseline and checks --------------------------------------------------------

    def set_baseline(self, model: str, values: Iterable[Any], feature: str | None = None
                     ) -> FeatureDrift:
        """``ModelMetrics.set_baseline`` (see its docstring)."""
        key = self._feature_key(feature)
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise ValueError(f"values={values!r} is invalid: expected an iterable of numbers "
                             "or categories")
        data = []
        for i, item in enumerate(values):
            cleaned, why = clean_value(item)
            if why is not None:
                raise ValueError(f"values[{i}]={item!r} is invalid: {why}")
            data.append(cleaned)
        limit = self.options.drift_max_baseline_size
        if not data or len(data) > limit:
            raise ValueError(f"values holds {len(data)} values; expected 1 to "
                             f"drift_max_baseline_size={limit}")
        layout = Layout(data, self.options.drift_window_size,
                        self.options.drift_max_categories)
        state = self._registry.query_state(model)
        with self._lock:
            tracker = self._tracker(state, key)
            if tracker is None:
                copy = None
            else:
                tracker.fix(layout)
                copy = tracker.copy()
        if copy is None:
            raise ValueError(f"feature={key!r} cannot be tracked: drift_max_features="
                             f"{self.options.drift_max_features} features already are")
        return self._feature_drift(model, copy, self._export.run_auto([(model, copy)]))

    def detect(self, model: str, feature: str | None, method: str,
               threshold: float | None, share: float, exact: bool = False) -> ModelDriftMetrics:
        """``ModelMetrics.detect_model_drift`` (see its docstring)."""
        if not isinstance(exact, bool):
            raise ValueError(f"exact={exact!r} is not allowed; expected True or False")
        name = normalise_method(method)
        key = self._feature_key(feature)
        copies = self._tracker_copies(model, raw=exact)
        target = copies.get(key)
        if target is None:
            what = "the predictions" if feature is None else f"feature {key!r}"
            raise ValueError(f"nothing is tracked for {what} of model {model!r} (no baseline "
                             f"or observation yet); tracked: {sorted(copies)!r}")
        auto = self._export.auto_size()
        results = {key: check(model, target, name, threshold, auto)}
        for other, copy in copies.items():
            if other == key or not is_ready(copy):
                continue
            fits = name == "auto" or applicable(name, copy)
            try:
                results[other] = check(model, copy, name if fits else "auto",
                                       threshold if fits else None, auto)
            except ValueError:
                results[other] = check(model, copy, "auto", None, auto)
        self._export.store(model, [(copies[f], r) for f, r in results.items()],
                    as_auto=name == "auto" and threshold is None)
        verdict = dataset_drift(results, share)
        main = results[key]
        return ModelDriftMetrics(
            model=model, feature=key, method=main.method, statistic=main.statistic,
            p_value=main.p_value, threshold=main.threshold, drifted=main.drifted,
            baseline_size=main.baseline_size, current_size=main.current_size,
            features=results, number_of_features=verdict.number_of_features,
            number_of_drifted=verdict.number_of_drifted,
            share_of_drifted=verdict.share_of_drifted, share_threshold=verdict.share_threshold,
            dataset_drift=verdict.drifted, drifted_features=verdict.drifted_features)

    def _tracker_copies(self, model: str, raw: bool = False) -> dict[str, TrackerCopy]:
        with self._lock:
            return {f: t.copy(raw) for f, t in self._registry.known(model).drift.items()}

    def _feature_drift(self, model: str, copy: TrackerCopy,
                       results: dict[tuple[str, str], DriftResult]) -> FeatureDrift:
        layout = copy.layout
        return FeatureDrift(
            feature=copy.feature, kind="pending" if layout is None else layout.kind,
            baseline_size=len(copy.baseline), pending=copy.pending,
            current_size=copy.window_size, layout="" if layout is None else layout.digest,
            labels=() if layout is None else tuple(label_of(v) for v in layout.labels),
            baseline_counts=copy.baseline_counts, current_counts=copy.counts,
            result=results.get((model, copy.feature)))

    def status(self, model: str) -> ModelDriftStatus | None:
        """Live drift state of every tracked feature of a model (None: nothing tracked)."""
        copies = self._tracker_copies(model)
        if not copies:
            return None
        results = self._export.run_auto([(model, c) for c in copies.values()])
        features = {f: self._feature_drift(model, c, results) for f, c in sorted(copies.items())}
        drifted = sum(1 for r in results.values() if r.drifted)
        share = drifted / len(results) if results else None
        return ModelDriftStatus(features, len(results), drifted, share,
                                share is not None and share >= DATASET_SHARE)
