"""Option dataclasses of the three domains (`setup(infrastructure=..., models=..., ...)`).

Each field carries its documentation (and environment variable, where it has one) as
metadata; ``docs/configuration.md`` renders them. A field with an environment variable
that the caller leaves out is resolved by ``otel_measure.config`` (argument → variable →
default, with the converters of the top-level settings); this module reads no
environment itself. Validation runs at construction and raises
``OtelMeasureConfigError`` naming the field.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.pricing import parse_price_overrides

__all__ = ["AnalyticsOptions", "EnvResolver", "InfrastructureOptions", "ModelOptions",
           "set_env_resolver"]

# Given an options class and one of its environment-backed fields, returns its value.
EnvResolver = Callable[[type[Any], dataclasses.Field[Any]], Any]


class _Unset:
    def __repr__(self) -> str:
        return "<unset: resolved from the environment>"


_UNSET: Any = _Unset()


def _declared_default(_owner: type[Any], f: dataclasses.Field[Any]) -> Any:
    return f.metadata["default"]


_resolver: list[EnvResolver] = [_declared_default]


def set_env_resolver(resolver: EnvResolver) -> None:
    """Resolve environment-backed fields the caller leaves out with ``resolver``.

    ``otel_measure.config`` installs its resolver when imported, which importing any
    ``otel_measure`` module does; until then such fields take their declared default.
    """
    _resolver[0] = resolver


def _resolve_unset(options: Any) -> None:
    for f in dataclasses.fields(options):
        if getattr(options, f.name) is _UNSET:
            object.__setattr__(options, f.name, _resolver[0](type(options), f))


def _opt(default: Any, doc: str, env: str | None = None, *, show: bool = True) -> Any:
    if env is None:
        return field(default=default, repr=show, metadata={"doc": doc, "env": None})
    # Left out by the caller: resolved in __post_init__ (variable, else ``default``).
    return field(default=_UNSET, repr=show,
                 metadata={"doc": doc, "env": env, "default": default})


@dataclass(frozen=True)
class InfrastructureOptions:
    """Options of the infrastructure domain (``setup(infrastructure=InfrastructureOptions(...))``).

    Group switches turn whole metric families on or off; ``exclude`` holds glob patterns
    matched against metric names, disk and interface names and mountpoints.
    """

    system: bool = _opt(True, "Host-wide `system.*` metrics.")
    process: bool = _opt(True, "`process.*` metrics of this process.")
    cpu: bool = _opt(True, "`system.cpu.*`.")
    memory: bool = _opt(True, "`system.memory.*`.")
    paging: bool = _opt(True, "`system.paging.*` (swap).")
    disk: bool = _opt(True, "`system.disk.*`.")
    filesystem: bool = _opt(True, "`system.filesystem.*` (pseudo filesystems left out).")
    network: bool = _opt(True, "`system.network.*`.")
    connections: bool = _opt(True, "`system.network.connection.count` by transport, from "
                                   "`/proc/net/sockstat*` (cheap; Linux).")
    connection_states: bool = _opt(False, "Break connections down by TCP state: reads "
                                          "`/proc/net/tcp*` (or psutil), slow on some kernels.")
    gc: bool = _opt(True, "`cpython.gc.*`.")
    gpu: bool = _opt(True, "`hw.gpu.*` through NVML when `nvidia-ml-py` and a GPU are present.")
    per_cpu: bool = _opt(False, "Add `cpu.logical_number` to CPU time and frequency.")
    per_device: bool = _opt(True, "One series per disk and network interface; False sums "
                                  "them into host totals without the device attribute.")
    exclude: tuple[str, ...] = _opt(("loop*", "ram*"), "Glob patterns excluded (comma list "
                                                       "in the variable).",
                                    "OTEL_MEASURE_INFRA_EXCLUDE")
    sample_interval_s: float = _opt(10.0, "Interval of the background sampler behind "
                                           "`get_metrics_summary()`.")
    history_size: int = _opt(10_000, "Snapshots kept for `get_metrics_summary()`.")
    cpu_degraded: float = _opt(0.80, "CPU utilization at which health is degraded.")
    cpu_critical: float = _opt(0.95, "CPU utilization at which health is critical.")
    memory_degraded: float = _opt(0.85, "Memory utilization at which health is degraded.")
    memory_critical: float = _opt(0.95, "Memory utilization at which health is critical.")
    disk_degraded: float = _opt(0.85, "Fullest filesystem share at which health is degraded.")
    disk_critical: float = _opt(0.95, "Fullest filesystem share at which health is critical.")

    def __post_init__(self) -> None:
        _resolve_unset(self)
        if isinstance(self.exclude, str) or not all(isinstance(p, str) for p in self.exclude):
            raise OtelMeasureConfigError(
                f"InfrastructureOptions.exclude={self.exclude!r} is invalid: expected a tuple "
                "of glob strings such as ('loop*', 'docker*')"
            )
        object.__setattr__(self, "exclude", tuple(self.exclude))
        if not (math.isfinite(self.sample_interval_s) and self.sample_interval_s > 0):
            raise OtelMeasureConfigError(
                f"InfrastructureOptions.sample_interval_s={self.sample_interval_s!r} is "
                "invalid: expected a positive number of seconds"
            )
        if isinstance(self.history_size, bool) or not (
                isinstance(self.history_size, int) and self.history_size > 0):
            raise OtelMeasureConfigError(
                f"InfrastructureOptions.history_size={self.history_size!r} is invalid: "
                "expected a positive integer"
            )
        for res in ("cpu", "memory", "disk"):
            low, high = getattr(self, f"{res}_degraded"), getattr(self, f"{res}_critical")
            if not (0 < low <= high <= 1):
                raise OtelMeasureConfigError(
                    f"InfrastructureOptions.{res}_degraded={low!r} / {res}_critical={high!r} "
                    "are invalid: expected 0 < degraded <= critical <= 1"
                )


def _positive_int(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OtelMeasureConfigError(
            f"{owner}.{name}={value!r} is invalid: expected a positive integer"
        )


@dataclass(frozen=True)
class ModelOptions:
    """Options of the AI-model domain (``setup(models=ModelOptions(...))``).

    Prices are USD per million tokens. Override layers apply in this order over the
    shipped table: ``pricing_file``, then ``pricing``, then ``register_model(pricing=)``.
    """

    pricing: Any = field(default=None, metadata={
        "doc": "Price overrides: a mapping of model name to `{input, output, cached_input}` USD "
               "per million tokens, or the path of a JSON file in the shipped table's layout.",
        "env": None})
    pricing_file: str | None = _opt(None, "JSON price file applied over the shipped table "
                                          "(before `pricing`).", "OTEL_MEASURE_PRICING_FILE")
    price_source: str | None = _opt(None, "Where prices come from under the overrides: "
                                          "`genai-prices` (the `prices` extra), `shipped` "
                                          "(the offline table), or None: genai-prices when "
                                          "installed, else shipped.",
                                    "OTEL_MEASURE_PRICE_SOURCE")
    capture_content: bool = _opt(False, "Put prompt and response messages given to "
                                        "`call.set_input_messages()` / `set_output_messages()` "
                                        "on spans (off: they are dropped).",
                                 "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT")
    require_registration: bool = _opt(False, "Reject recordings for models not registered "
                                             "with `register_model()`.")
    max_models: int = _opt(1_000, "Distinct model names tracked; further names are rejected.")
    inference_buffer_size: int = _opt(10_000, "Recent inference records kept (all models).")
    latency_buffer_size: int = _opt(1_000, "Latency samples kept per model for percentiles.")
    prediction_buffer_size: int = _opt(1_000, "Predictions kept per model (for drift).")
    health_min_calls: int = _opt(10, "Buffered calls needed before error rate or latency "
                                     "can make a model degraded or critical.")
    error_rate_degraded: float = _opt(0.05, "Error rate at which a model is degraded.")
    error_rate_critical: float = _opt(0.20, "Error rate at which a model is critical.")
    latency_p95_degraded_s: float | None = _opt(10.0, "p95 latency (s) at which a model is "
                                                      "degraded; None disables.")
    latency_p95_critical_s: float | None = _opt(30.0, "p95 latency (s) at which a model is "
                                                      "critical; None disables.")
    drift_auto_baseline: bool = _opt(True, "Without `set_baseline()`, the first "
                                           "`drift_baseline_size` observations of a feature "
                                           "(or predictions) become its drift baseline.")
    drift_baseline_size: int = _opt(1_000, "Observations taken as an automatic baseline.")
    drift_max_baseline_size: int = _opt(100_000, "Largest baseline `set_baseline()` accepts "
                                                 "(its raw values are kept for KS and "
                                                 "Wasserstein).")
    drift_window_size: int = _opt(1_000, "Sliding current window per feature: the most recent "
                                         "observations compared with the baseline.")
    drift_bins: int | None = _opt(None, "Deprecated and ignored (a DeprecationWarning when "
                                        "set): numeric baselines get the sturges bins "
                                        "Evidently uses (docs/drift.md).", show=False)
    drift_max_categories: int = _opt(20, "Categories binned per feature (the most frequent; "
                                         "others share the overflow bin); numeric baselines "
                                         "with at most this many values get one bin per value.")
    drift_max_features: int = _opt(100, "Input features tracked per model (predictions come "
                                        "on top); further names are rejected.")
    drift_check_interval_s: float | None = _opt(30.0, "Automatic drift checks behind the "
                                                      "`measure.model.drift.*` gauges run at "
                                                      "collection time at most this often per "
                                                      "feature; None: only "
                                                      "`detect_model_drift()` updates them.")
    drift_export_bins: bool = _opt(True, "Export `measure.model.drift.bin.count` (at most "
                                         "2 x (max(sturges bins, drift_max_categories) + 2) "
                                         "series per feature; sturges bins are "
                                         "log2(baseline + window) + 1, 12 by default).")
    fairness_max_groups: int = _opt(20, "Groups per model when `register_model(groups=)` "
                                        "declares none: the first ones seen; later groups "
                                        "count as `other`.")

    def __post_init__(self) -> None:
        _resolve_unset(self)
        if self.price_source not in (None, "auto", "shipped", "genai-prices"):
            raise OtelMeasureConfigError(
                f"ModelOptions.price_source={self.price_source!r} is invalid: expected "
                "'genai-prices', 'shipped', 'auto' or None")
        for name in ("max_models", "inference_buffer_size", "latency_buffer_size",
                     "prediction_buffer_size", "health_min_calls", "drift_baseline_size",
                     "drift_max_baseline_size", "drift_window_size",
                     "drift_max_categories", "drift_max_features", "fairness_max_groups"):
            _positive_int("ModelOptions", name, getattr(self, name))
        if self.drift_bins is not None:
            warnings.warn("ModelOptions.drift_bins is deprecated and ignored: numeric "
                          "baselines get the sturges bins Evidently uses (docs/drift.md)",
                          DeprecationWarning, stacklevel=3)
        if self.drift_baseline_size > self.drift_max_baseline_size:
            raise OtelMeasureConfigError(
                f"ModelOptions.drift_baseline_size={self.drift_baseline_size!r} > "
                f"drift_max_baseline_size={self.drift_max_baseline_size!r}: expected "
                "baseline size <= max baseline size"
            )
        interval = self.drift_check_interval_s
        if interval is not None and (isinstance(interval, bool) or not isinstance(
                interval, (int, float)) or not (math.isfinite(interval) and interval >= 0)):
            raise OtelMeasureConfigError(
                f"ModelOptions.drift_check_interval_s={interval!r} is invalid: expected a "
                "number of seconds >= 0 or None"
            )
        low, high = self.error_rate_degraded, self.error_rate_critical
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float))
                and 0 < low <= high <= 1):
            raise OtelMeasureConfigError(
                f"ModelOptions.error_rate_degraded={low!r} / error_rate_critical={high!r} are "
                "invalid: expected 0 < degraded <= critical <= 1"
            )
        slow, slower = self.latency_p95_degraded_s, self.latency_p95_critical_s
        for name, value in (("latency_p95_degraded_s", slow), ("latency_p95_critical_s", slower)):
            if value is not None and (isinstance(value, bool) or not isinstance(
                    value, (int, float)) or not (math.isfinite(value) and value > 0)):
                raise OtelMeasureConfigError(
                    f"ModelOptions.{name}={value!r} is invalid: expected a positive number of "
                    "seconds or None"
                )
        if slow is not None and slower is not None and slow > slower:
            raise OtelMeasureConfigError(
                f"ModelOptions.latency_p95_degraded_s={slow!r} > latency_p95_critical_s="
                f"{slower!r}:"
                " expected degraded <= critical"
            )
        if isinstance(self.pricing, dict):
            # A private copy: the caller mutating its dict later must not change prices.
            object.__setattr__(self, "pricing", {k: dict(v) if isinstance(v, dict) else v
                                                 for k, v in self.pricing.items()})
        # Parse now so a bad price table fails setup() before any side effect.
        for name in ("pricing_file", "pricing"):
            try:
                parse_price_overrides(getattr(self, name), name, f"ModelOptions.{name}")
            except ValueError as exc:
                raise OtelMeasureConfigError(str(exc)) from None


_ANALYTICS_SIZES = ("max_users", "max_active_sessions", "max_event_names", "max_experiments",
                    "event_buffer_size", "revenue_buffer_size", "nps_buffer_size",
                    "session_buffer_size")


@dataclass(frozen=True)
class AnalyticsOptions:
    """Options of the user-analytics domain (``setup(analytics=AnalyticsOptions(...))``).

    User ids are pseudonymised with HMAC-SHA256 under ``key`` before anything is stored;
    without a key a random one is drawn per process (ids then do not join across processes).
    """

    key: str | None = _opt(None, "Secret for the HMAC-SHA256 pseudonyms of user ids; share it "
                                 "across replicas so ids join. Unset: a random key per process, "
                                 "with a warning.", "OTEL_MEASURE_ANALYTICS_KEY", show=False)
    session_timeout_s: float = _opt(1800.0, "Idle time after which a session closes by itself.")
    events: tuple[str, ...] | None = _opt(None, "Allow-list of event names exported as "
                                                "`event.name` (comma list in the variable); "
                                                "others export as `_OTHER`. Unset: the first "
                                                "`max_event_names` names seen.",
                                          "OTEL_MEASURE_ANALYTICS_EVENTS")
    max_event_names: int = _opt(200, "Distinct `event.name` values exported when `events` is "
                                      "unset; later names export as `_OTHER`.")
    max_users: int = _opt(100_000, "Users whose state is kept (LRU); evictions are counted in "
                                   "`measure.analytics.evictions`.")
    max_active_sessions: int = _opt(100_000, "Open sessions kept; the least recently active one "
                                             "is closed beyond it.")
    max_experiments: int = _opt(100, "A/B tests that can be created.")
    event_buffer_size: int = _opt(100_000, "Recent events kept for engagement, funnels and "
                                           "retention.")
    revenue_buffer_size: int = _opt(10_000, "Recent revenue events kept.")
    nps_buffer_size: int = _opt(10_000, "Recent NPS responses kept.")
    session_buffer_size: int = _opt(10_000, "Recently ended sessions kept for engagement.")
    events_as_logs: bool = _opt(False, "Also emit every accepted `track_event` as an OTel log "
                                       "record (an event) over OTLP logs; see docs/events.md.",
                                "OTEL_MEASURE_ANALYTICS_EVENTS_AS_LOGS")
    event_log_properties: tuple[str, ...] = _opt((), "Property keys copied onto event log "
                                                     "records (comma list in the variable); "
                                                     "other properties never leave the process.",
                                                 "OTEL_MEASURE_ANALYTICS_EVENT_LOG_PROPERTIES")

    def __post_init__(self) -> None:
        _resolve_unset(self)
        _check_event_logs(self)
        if self.key is not None and (not isinstance(self.key, str) or not self.key):
            raise OtelMeasureConfigError(
                "AnalyticsOptions.key is invalid: expected a non-empty string or None "
                "(the value is not shown: it is a secret)"
            )
        timeout = self.session_timeout_s
        if (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                or not (math.isfinite(timeout) and timeout > 0)):
            raise OtelMeasureConfigError(
                f"AnalyticsOptions.session_timeout_s={timeout!r} is invalid: expected a "
                "positive number of seconds"
            )
        if self.events is not None:
            if isinstance(self.events, str) or not all(
                    isinstance(e, str) and e for e in self.events):
                raise OtelMeasureConfigError(
                    f"AnalyticsOptions.events={self.events!r} is invalid: expected a tuple of "
                    "non-empty event names, or None"
                )
            object.__setattr__(self, "events", tuple(self.events))
        for name in _ANALYTICS_SIZES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise OtelMeasureConfigError(
                    f"AnalyticsOptions.{name}={value!r} is invalid: expected a positive integer"
                )


def _check_event_logs(options: AnalyticsOptions) -> None:
    if not isinstance(options.events_as_logs, bool):
        raise OtelMeasureConfigError(
            f"AnalyticsOptions.events_as_logs={options.events_as_logs!r} is invalid: expected "
            "True or False")
    keys = options.event_log_properties
    if isinstance(keys, str) or not isinstance(keys, (tuple, list)) or not all(
            isinstance(k, str) and k for k in keys):
        raise OtelMeasureConfigError(
            f"AnalyticsOptions.event_log_properties={keys!r} is invalid: expected a tuple of "
            "non-empty property keys")
    object.__setattr__(options, "event_log_properties", tuple(keys))
