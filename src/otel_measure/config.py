"""Settings of ``setup()``: one table, resolved argument → environment variable → default.

Every setting is declared once in :data:`SETTINGS`; ``docs/configuration.md`` is
rendered from it (a test keeps the two equal). Validation happens here, before
``setup()`` has any side effect.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.options import AnalyticsOptions, InfrastructureOptions, ModelOptions

__all__ = [
    "EXPORTER_CHOICES",
    "OTLP_PROTOCOLS",
    "SETTINGS",
    "AnalyticsOptions",
    "InfrastructureOptions",
    "ModelOptions",
    "Setting",
    "Settings",
    "render_configuration_table",
    "resolve_settings",
]

EXPORTER_CHOICES = ("prometheus", "otlp", "console", "none")
OTLP_PROTOCOLS = ("grpc", "http/protobuf")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Setting:
    """One row of the settings table.

    Attributes:
        name: Keyword argument of ``setup()``.
        env: Environment variables consulted in order when the argument is not given.
        default: Value used when neither argument nor environment gives one.
        convert: Turns an argument or environment string into the typed value, raising
            ``ValueError`` with what is allowed.
        doc: One line for ``docs/configuration.md``.
    """

    name: str
    env: tuple[str, ...]
    default: Any
    convert: Callable[[Any], Any]
    doc: str


# --- converters: each accepts the typed value or the environment string -------------


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("expected true or false")


def _to_opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value.strip() or None


def _to_exporters(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise ValueError(f"expected a list of {', '.join(EXPORTER_CHOICES)}")
    out: list[str] = []
    for raw in items:
        name = str(raw).strip().lower()
        if not name:
            continue
        if name not in EXPORTER_CHOICES:
            raise ValueError(f"unknown exporter {name!r}; allowed: {', '.join(EXPORTER_CHOICES)}")
        if name not in out:
            out.append(name)
    if "none" in out and len(out) > 1:
        raise ValueError("'none' cannot be combined with other exporters")
    return tuple(n for n in out if n != "none")


def _to_port(value: Any) -> int:
    try:
        port = int(value) if not isinstance(value, bool) else -1
    except (TypeError, ValueError):
        port = -1
    if isinstance(value, float) and not value.is_integer():
        port = -1
    if not 0 <= port <= 65535:
        raise ValueError("expected a port number in 0..65535 (0 picks a free port)")
    return port


def _to_seconds(value: Any, *, from_ms: bool) -> float:
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = math.nan
        number = number / 1000.0 if from_ms else number
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    else:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        unit = "milliseconds in the environment, seconds as an argument" if from_ms else "seconds"
        raise ValueError(f"expected a positive number ({unit})")
    return number


def _ms_seconds(value: Any) -> float:
    return _to_seconds(value, from_ms=True)


def _to_endpoint(value: Any) -> str | None:
    text = _to_opt_str(value)
    if text is None:
        return None
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError("expected an http:// or https:// URL such as http://localhost:4317")
    return text


def _to_protocol(value: Any) -> str:
    text = str(value).strip().lower()
    if text not in OTLP_PROTOCOLS:
        raise ValueError(f"expected one of {', '.join(OTLP_PROTOCOLS)}")
    return text


def _to_headers(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if isinstance(value, Mapping):
        pairs = [(str(k), str(v)) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = []
        for item in value.split(","):
            if not item.strip():
                continue
            key, sep, val = item.partition("=")
            if not sep or not key.strip():
                raise ValueError("expected key=value pairs separated by commas")
            pairs.append((unquote(key.strip()), unquote(val.strip())))
    else:
        raise ValueError("expected a mapping or 'key=value,key2=value2'")
    return tuple(sorted(pairs))


def _to_attributes(value: Any) -> tuple[tuple[str, str | bool | int | float], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise ValueError("expected a mapping of attribute name to str, bool, int or float")
    for key, val in value.items():
        if not isinstance(key, str) or not isinstance(val, (str, bool, int, float)):
            raise ValueError(f"attribute {key!r}={val!r} is not str -> str|bool|int|float")
    return tuple(sorted(value.items()))


def _to_limit(value: Any) -> int:
    try:
        limit = int(value) if not isinstance(value, bool) else 0
    except (TypeError, ValueError):
        limit = 0
    if limit < 1:
        raise ValueError("expected a positive integer")
    return limit


def _domain(options_type: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        if isinstance(value, options_type):
            return value
        try:
            enabled = _to_bool(value)
        except ValueError:
            raise ValueError(f"expected True, False or {options_type.__name__}(...)") from None
        return options_type() if enabled else None

    return convert


SETTINGS: tuple[Setting, ...] = (
    Setting("service_name", ("OTEL_SERVICE_NAME",), None, _to_opt_str,
            "`service.name` resource attribute (else from `OTEL_RESOURCE_ATTRIBUTES`, "
            "else `unknown_service`)."),
    Setting("service_version", ("OTEL_MEASURE_SERVICE_VERSION",), None, _to_opt_str,
            "`service.version` resource attribute."),
    Setting("environment", ("OTEL_MEASURE_ENVIRONMENT",), None, _to_opt_str,
            "`deployment.environment.name` resource attribute."),
    Setting("resource_attributes", (), None, _to_attributes,
            "Extra resource attributes; merged over `OTEL_RESOURCE_ATTRIBUTES`."),
    Setting("exporters", ("OTEL_MEASURE_EXPORTERS",), ("prometheus",), _to_exporters,
            "Any of `prometheus`, `otlp`, `console`, or `none` (comma list in the environment)."),
    Setting("prometheus_host", ("OTEL_EXPORTER_PROMETHEUS_HOST",), "127.0.0.1", _to_opt_str,
            "Address the `/metrics` endpoint binds to."),
    Setting("prometheus_port", ("OTEL_EXPORTER_PROMETHEUS_PORT",), 9464, _to_port,
            "Port of the `/metrics` endpoint (0 picks a free port)."),
    Setting("otlp_endpoint", ("OTEL_EXPORTER_OTLP_ENDPOINT",), None, _to_endpoint,
            "OTLP base URL; default `http://localhost:4317` (grpc) or "
            "`http://localhost:4318` (http/protobuf, `/v1/metrics` and `/v1/traces` appended)."),
    Setting("otlp_metrics_endpoint", ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",), None,
            _to_endpoint, "OTLP metrics URL, used as is; wins over `otlp_endpoint`."),
    Setting("otlp_traces_endpoint", ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",), None,
            _to_endpoint, "OTLP traces URL, used as is; wins over `otlp_endpoint`."),
    Setting("otlp_protocol", ("OTEL_EXPORTER_OTLP_PROTOCOL",), "grpc", _to_protocol,
            "`grpc` or `http/protobuf` (signal-specific `OTEL_EXPORTER_OTLP_{METRICS,TRACES}"
            "_PROTOCOL` also honoured)."),
    Setting("otlp_headers", ("OTEL_EXPORTER_OTLP_HEADERS",), None, _to_headers,
            "Headers sent with every OTLP request (`k=v,k2=v2`; signal-specific variables "
            "also honoured)."),
    Setting("otlp_timeout_s", ("OTEL_EXPORTER_OTLP_TIMEOUT",), 10.0, _ms_seconds,
            "OTLP request timeout; the variable is in milliseconds, as the specification says."),
    Setting("export_interval_s", ("OTEL_METRIC_EXPORT_INTERVAL",), 60.0, _ms_seconds,
            "Interval of the periodic OTLP/console reader; the variable is in milliseconds."),
    Setting("export_timeout_s", ("OTEL_METRIC_EXPORT_TIMEOUT",), 30.0, _ms_seconds,
            "Timeout of one periodic export; the variable is in milliseconds."),
    Setting("cardinality_limit", ("OTEL_MEASURE_CARDINALITY_LIMIT",), 2000, _to_limit,
            "Series per metric per reader before overflow to `otel.metric.overflow=true`."),
    Setting("strict", ("OTEL_MEASURE_STRICT",), False, _to_bool,
            "Raise `ValueError` on bad recording input instead of dropping and counting it."),
    Setting("sdk_disabled", ("OTEL_SDK_DISABLED",), False, _to_bool,
            "Disable export entirely: no-op providers, no server, no threads."),
    Setting("set_global_providers", ("OTEL_MEASURE_SET_GLOBAL_PROVIDERS",), True, _to_bool,
            "Install the providers as the OpenTelemetry globals when none is installed yet."),
    Setting("infrastructure", ("OTEL_MEASURE_INFRASTRUCTURE",), True,
            _domain(InfrastructureOptions), "Enable the infrastructure domain (or options)."),
    Setting("models", ("OTEL_MEASURE_MODELS",), True, _domain(ModelOptions),
            "Enable the AI-model domain (or options)."),
    Setting("analytics", ("OTEL_MEASURE_ANALYTICS",), True, _domain(AnalyticsOptions),
            "Enable the user-analytics domain (or options)."),
)


@dataclass(frozen=True)
class Settings:
    """Resolved, validated settings (compared by value to detect a conflicting ``setup()``)."""

    service_name: str | None
    service_version: str | None
    environment: str | None
    resource_attributes: tuple[tuple[str, str | bool | int | float], ...]
    exporters: tuple[str, ...]
    prometheus_host: str | None
    prometheus_port: int
    otlp_endpoint: str | None
    otlp_metrics_endpoint: str | None
    otlp_traces_endpoint: str | None
    otlp_protocol: str
    otlp_headers: tuple[tuple[str, str], ...]
    otlp_timeout_s: float
    export_interval_s: float
    export_timeout_s: float
    cardinality_limit: int
    strict: bool
    sdk_disabled: bool
    set_global_providers: bool
    infrastructure: InfrastructureOptions | None
    models: ModelOptions | None
    analytics: AnalyticsOptions | None
    signal: Mapping[str, OtlpSignal] = field(default_factory=dict, compare=True)


@dataclass(frozen=True)
class OtlpSignal:
    """Where and how one OTLP signal (metrics or traces) is sent."""

    endpoint: str
    protocol: str
    headers: tuple[tuple[str, str], ...]
    timeout_s: float


def _fail(setting: str, source: str, value: Any, why: str) -> OtelMeasureConfigError:
    return OtelMeasureConfigError(f"setting {setting!r} ({source}): {value!r} is invalid: {why}")


def _resolve_one(setting: Setting, args: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    if args.get(setting.name) is not None:
        source, raw = "argument", args[setting.name]
    else:
        found = next(((e, env[e]) for e in setting.env if env.get(e, "").strip()), None)
        if found is None:
            return setting.convert(setting.default)
        source, raw = f"environment variable {found[0]}", found[1]
    try:
        return setting.convert(raw)
    except ValueError as exc:
        raise _fail(setting.name, source, raw, str(exc)) from None


def _signal(name: str, values: Mapping[str, Any], args: Mapping[str, Any],
            env: Mapping[str, str]) -> OtlpSignal:
    upper = name.upper()

    def pick(key: str, env_name: str, convert: Callable[[Any], Any]) -> Any:
        # An explicit argument beats any variable; a signal variable beats the generic one.
        if args.get(key) is None and env.get(env_name, "").strip():
            try:
                return convert(env[env_name])
            except ValueError as exc:
                raise _fail(key, f"environment variable {env_name}", env[env_name],
                            str(exc)) from None
        return values[key]

    protocol = pick("otlp_protocol", f"OTEL_EXPORTER_OTLP_{upper}_PROTOCOL", _to_protocol)
    headers = pick("otlp_headers", f"OTEL_EXPORTER_OTLP_{upper}_HEADERS", _to_headers)
    timeout = pick("otlp_timeout_s", f"OTEL_EXPORTER_OTLP_{upper}_TIMEOUT", _ms_seconds)
    endpoint = values[f"otlp_{name}_endpoint"]
    if endpoint is None:
        base = values["otlp_endpoint"]
        if base is None:
            base = "http://localhost:4317" if protocol == "grpc" else "http://localhost:4318"
        endpoint = base if protocol == "grpc" else base.rstrip("/") + f"/v1/{name}"
    return OtlpSignal(endpoint, protocol, headers, timeout)


def resolve_settings(args: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Settings:
    """Resolve every setting from arguments, then the environment, then defaults.

    Args:
        args: Keyword arguments given to ``setup()`` (``None`` means "not given").
        env: Environment to read; ``os.environ`` when omitted.

    Raises:
        OtelMeasureConfigError: A value is invalid; the message names the setting,
            where the value came from and what is allowed.
    """
    environ = os.environ if env is None else env
    known = {s.name for s in SETTINGS}
    unknown = sorted(set(args) - known)
    if unknown:
        raise OtelMeasureConfigError(
            f"unknown setting(s) {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
        )
    values = {s.name: _resolve_one(s, args, environ) for s in SETTINGS}
    signals = {}
    if "otlp" in values["exporters"]:
        signals = {n: _signal(n, values, args, environ) for n in ("metrics", "traces")}
    return Settings(**values, signal=signals)


def render_configuration_table() -> str:
    """Render the settings tables kept in ``docs/configuration.md``."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        env = ", ".join(f"`{e}`" for e in s.env) or "-"
        default = "-" if s.default is None else f"`{s.default!r}`"
        rows.append(f"| `{s.name}` | {env} | {default} | {s.doc} |")
    for options in (InfrastructureOptions, ModelOptions, AnalyticsOptions):
        opt_fields = dataclasses.fields(options)
        if not opt_fields:
            continue
        rows += ["", f"### `{options.__name__}`", "",
                 "| field | environment variable | default | meaning |", "|---|---|---|---|"]
        for f in opt_fields:
            env = f"`{f.metadata['env']}`" if f.metadata.get("env") else "-"
            missing = f.default is dataclasses.MISSING
            default = "see meaning" if missing else f"`{f.default!r}`"
            rows.append(f"| `{f.name}` | {env} | {default} | {f.metadata.get('doc', '')} |")
    return "\n".join(rows) + "\n"
