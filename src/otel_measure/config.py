"""Settings of ``setup()``: one table, resolved argument → environment variable → default.

Every setting is declared once in :data:`SETTINGS`; ``docs/configuration.md`` is
rendered from it (a test keeps the two equal). Validation happens here, before
``setup()`` has any side effect.

Fields of the domain option dataclasses that declare an environment variable resolve
here too, with the same converters and the same error messages: a field given to the
constructor wins, else its variable, else its declared default. This module installs
that resolver into ``otel_measure.options`` when imported.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from otel_measure._converters import (
    EXPORTER_CHOICES,
    INSTRUMENT_CHOICES,
    OTLP_PROTOCOLS,
    PortRange,
    ms_seconds,
    to_attributes,
    to_bool,
    to_capture_content,
    to_endpoint,
    to_exporters,
    to_headers,
    to_instrument,
    to_limit,
    to_logs_exporters,
    to_names,
    to_opt_str,
    to_ports,
    to_price_file,
    to_protocol,
    to_secret,
    to_traces_exporters,
)
from otel_measure.errors import OtelMeasureConfigError
from otel_measure.options import (
    AnalyticsOptions,
    InfrastructureOptions,
    ModelOptions,
    set_env_resolver,
)

__all__ = [
    "EXPORTER_CHOICES",
    "INSTRUMENT_CHOICES",
    "OTLP_PROTOCOLS",
    "SETTINGS",
    "AnalyticsOptions",
    "InfrastructureOptions",
    "ModelOptions",
    "Setting",
    "Settings",
    "render_configuration_table",
    "resolve_option_fields",
    "resolve_settings",
    "to_instrument",
    "to_logs_exporters",
    "to_traces_exporters",
]


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


def _domain(options_type: type) -> Callable[[Any], Any]:
    # True/False as given; an options object as is (it resolved its own fields).
    def convert(value: Any) -> Any:
        if isinstance(value, options_type):
            return value
        try:
            return to_bool(value)
        except ValueError:
            raise ValueError(f"expected True, False or {options_type.__name__}(...)") from None

    return convert


SETTINGS: tuple[Setting, ...] = (
    Setting("service_name", ("OTEL_SERVICE_NAME",), None, to_opt_str,
            "`service.name` resource attribute (else from `OTEL_RESOURCE_ATTRIBUTES`, "
            "else `unknown_service`)."),
    Setting("service_version", ("OTEL_MEASURE_SERVICE_VERSION",), None, to_opt_str,
            "`service.version` resource attribute."),
    Setting("environment", ("OTEL_MEASURE_ENVIRONMENT",), None, to_opt_str,
            "`deployment.environment.name` resource attribute."),
    Setting("resource_attributes", (), None, to_attributes,
            "Extra resource attributes; merged over `OTEL_RESOURCE_ATTRIBUTES`."),
    Setting("exporters", ("OTEL_MEASURE_EXPORTERS", "OTEL_METRICS_EXPORTER"), ("prometheus",),
            to_exporters, "Metric exporters: any of `prometheus`, `otlp`, `console`, or "
            "`none` (comma list in the environment). Given as an argument, it also sets the "
            "span exporters."),
    Setting("traces_exporters", ("OTEL_TRACES_EXPORTER",), None,
            lambda v: None if v is None else to_traces_exporters(v),
            "Span exporters: `otlp`, `console` or `none` (default: the metric exporters but "
            "`prometheus`, which takes no spans)."),
    Setting("prometheus_host", ("OTEL_EXPORTER_PROMETHEUS_HOST",), "127.0.0.1", to_opt_str,
            "Address the `/metrics` endpoint binds to."),
    Setting("prometheus_port", ("OTEL_EXPORTER_PROMETHEUS_PORT",), 9464, to_ports,
            "Port of the `/metrics` endpoint (0 picks a free port), or a range `9464-9471`: "
            "each process binds the first free port in it, a child forked after `setup()` "
            "too (docs/fleet.md)."),
    Setting("prometheus_without_scope_info", ("OTEL_MEASURE_PROMETHEUS_WITHOUT_SCOPE_INFO",),
            False, to_bool, "Leave the `otel_scope_*` labels off every `/metrics` series "
            "(the specification's `without_scope_info`; smaller scrapes, see "
            "docs/performance.md). A metric two scopes record alike keeps them."),
    Setting("api_token", ("OTEL_MEASURE_API_TOKEN",), None, to_opt_str,
            "Bearer token of the REST API's POST routes (none: they are off) and, when "
            "`prometheus_host` is not loopback, of every route but `/metrics`."),
    Setting("otlp_endpoint", ("OTEL_EXPORTER_OTLP_ENDPOINT",), None, to_endpoint,
            "OTLP base URL; default `http://localhost:4317` (grpc) or "
            "`http://localhost:4318` (http/protobuf, `/v1/metrics` and `/v1/traces` appended)."),
    Setting("otlp_metrics_endpoint", ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",), None,
            to_endpoint, "OTLP metrics URL, used as is; wins over `otlp_endpoint`."),
    Setting("otlp_logs_endpoint", ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT",), None, to_endpoint,
            "OTLP logs URL (event log records), used as is; wins over `otlp_endpoint`."),
    Setting("logs_exporters", ("OTEL_LOGS_EXPORTER",), ("otlp",),
            lambda v: to_logs_exporters(v),
            "Exporters of event log records (`AnalyticsOptions.events_as_logs`): `otlp`, "
            "`console` or `none`."),
    Setting("otlp_traces_endpoint", ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",), None,
            to_endpoint, "OTLP traces URL, used as is; wins over `otlp_endpoint`."),
    Setting("otlp_protocol", ("OTEL_EXPORTER_OTLP_PROTOCOL",), "grpc", to_protocol,
            "`grpc` or `http/protobuf` (signal-specific `OTEL_EXPORTER_OTLP_{METRICS,TRACES}"
            "_PROTOCOL` also honoured)."),
    Setting("otlp_headers", ("OTEL_EXPORTER_OTLP_HEADERS",), None, to_headers,
            "Headers sent with every OTLP request (`k=v,k2=v2`; signal-specific variables "
            "also honoured)."),
    Setting("otlp_timeout_s", ("OTEL_EXPORTER_OTLP_TIMEOUT",), 10.0, ms_seconds,
            "OTLP request timeout; the variable is in milliseconds, as the specification says."),
    Setting("export_interval_s", ("OTEL_METRIC_EXPORT_INTERVAL",), 60.0, ms_seconds,
            "Interval of the periodic OTLP/console reader; the variable is in milliseconds."),
    Setting("export_timeout_s", ("OTEL_METRIC_EXPORT_TIMEOUT",), 30.0, ms_seconds,
            "Timeout of one periodic export; the variable is in milliseconds."),
    Setting("cardinality_limit", ("OTEL_MEASURE_CARDINALITY_LIMIT",), 2000, to_limit,
            "Series per metric per reader before overflow to `otel.metric.overflow=true`."),
    Setting("strict", ("OTEL_MEASURE_STRICT",), False, to_bool,
            "Raise `ValueError` on bad recording input instead of dropping and counting it."),
    Setting("sdk_disabled", ("OTEL_SDK_DISABLED",), False, to_bool,
            "Disable export entirely: no-op providers, no server, no threads."),
    Setting("set_global_providers", ("OTEL_MEASURE_SET_GLOBAL_PROVIDERS",), True, to_bool,
            "Install the providers as the OpenTelemetry globals when none is installed yet."),
    Setting("infrastructure", ("OTEL_MEASURE_INFRASTRUCTURE",), True,
            _domain(InfrastructureOptions), "Enable the infrastructure domain (or options)."),
    Setting("models", ("OTEL_MEASURE_MODELS",), True, _domain(ModelOptions),
            "Enable the AI-model domain (or options)."),
    Setting("analytics", ("OTEL_MEASURE_ANALYTICS",), True, _domain(AnalyticsOptions),
            "Enable the user-analytics domain (or options)."),
    Setting("instrument", ("OTEL_MEASURE_INSTRUMENT",), (), lambda v: to_instrument(v),
            "Client libraries to instrument at start-up: `openai`, `anthropic` (comma list; "
            "see docs/llm-clients.md)."),
)

_DOMAINS: tuple[tuple[str, type[Any]], ...] = (
    ("infrastructure", InfrastructureOptions), ("models", ModelOptions),
    ("analytics", AnalyticsOptions))


@dataclass(frozen=True)
class Settings:
    """Resolved, validated settings (compared by value to detect a conflicting ``setup()``)."""

    service_name: str | None
    service_version: str | None
    environment: str | None
    resource_attributes: tuple[tuple[str, str | bool | int | float], ...]
    exporters: tuple[str, ...]
    prometheus_host: str | None
    prometheus_port: int | PortRange
    api_token: str | None = field(repr=False)
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
    instrument: tuple[str, ...] = ()
    traces_exporters: tuple[str, ...] = ()
    prometheus_without_scope_info: bool = False
    otlp_logs_endpoint: str | None = None
    logs_exporters: tuple[str, ...] = ("otlp",)
    signal: Mapping[str, OtlpSignal] = field(default_factory=dict, compare=True)


@dataclass(frozen=True)
class OtlpSignal:
    """Where and how one OTLP signal (metrics, traces or logs) is sent."""

    endpoint: str
    protocol: str
    headers: tuple[tuple[str, str], ...]
    timeout_s: float


def _fail(setting: str, source: str, value: Any, why: str, *,
          secret: bool = False) -> OtelMeasureConfigError:
    shown = "the value (not shown: it is a secret)" if secret else repr(value)
    return OtelMeasureConfigError(f"setting {setting!r} ({source}): {shown} is invalid: {why}")


# Converters of environment-backed option fields: by variable, else by the field's type.
_OPTION_CONVERTERS_BY_ENV: dict[str, Callable[[Any], Any]] = {
    "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": to_capture_content,
    "OTEL_MEASURE_PRICING_FILE": to_price_file,
    "OTEL_MEASURE_ANALYTICS_KEY": to_secret,
}
_OPTION_CONVERTERS_BY_TYPE: dict[str, Callable[[Any], Any]] = {
    "bool": to_bool,
    "int": to_limit,
    "str | None": to_opt_str,
    "tuple[str, ...]": to_names,
    "tuple[str, ...] | None": to_names,
}


def _option_converter(f: dataclasses.Field[Any]) -> Callable[[Any], Any]:
    by_env = _OPTION_CONVERTERS_BY_ENV.get(f.metadata["env"])
    if by_env is not None:
        return by_env
    try:
        return _OPTION_CONVERTERS_BY_TYPE[str(f.type)]
    except KeyError:
        raise TypeError(f"no converter for environment-backed field {f.name}: {f.type}; "
                        "add one to config._OPTION_CONVERTERS_BY_TYPE") from None


def _resolve_option(owner: type[Any], f: dataclasses.Field[Any], env: Mapping[str, str]) -> Any:
    variable = f.metadata["env"]
    raw = env.get(variable, "")
    if not raw.strip():  # unset or blank: the default, as for top-level settings
        return f.metadata["default"]
    try:
        return _option_converter(f)(raw)
    except ValueError as exc:
        raise _fail(f"{owner.__name__}.{f.name}", f"environment variable {variable}", raw,
                    str(exc), secret=not f.repr) from None


def _resolve_option_from_os(owner: type[Any], f: dataclasses.Field[Any]) -> Any:
    return _resolve_option(owner, f, os.environ)


def resolve_option_fields(options_type: type[Any], env: Mapping[str, str] | None = None
                          ) -> dict[str, Any]:
    """Resolve the environment-backed fields of an options dataclass.

    Args:
        options_type: ``InfrastructureOptions``, ``ModelOptions`` or ``AnalyticsOptions``.
        env: Environment to read; ``os.environ`` when omitted.

    Returns:
        Keyword arguments for ``options_type``: each field's variable, else its default.

    Raises:
        OtelMeasureConfigError: A variable is invalid; the message names it, the field,
            the value and what is allowed.
    """
    environ = os.environ if env is None else env
    return {f.name: _resolve_option(options_type, f, environ)
            for f in dataclasses.fields(options_type) if f.metadata.get("env")}


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

    protocol = pick("otlp_protocol", f"OTEL_EXPORTER_OTLP_{upper}_PROTOCOL", to_protocol)
    headers = pick("otlp_headers", f"OTEL_EXPORTER_OTLP_{upper}_HEADERS", to_headers)
    timeout = pick("otlp_timeout_s", f"OTEL_EXPORTER_OTLP_{upper}_TIMEOUT", ms_seconds)
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
    for name, options_type in _DOMAINS:
        if values[name] is True:
            values[name] = options_type(**resolve_option_fields(options_type, environ))
        elif values[name] is False:
            values[name] = None
    if values["instrument"] and values["models"] is None:
        raise _fail("instrument", "argument or OTEL_MEASURE_INSTRUMENT", values["instrument"],
                    "client instrumentation needs the models domain (models=True)")
    if values["traces_exporters"] is None or (
            args.get("exporters") is not None and args.get("traces_exporters") is None):
        # exporters= given as an argument wins over OTEL_TRACES_EXPORTER.
        values["traces_exporters"] = tuple(e for e in values["exporters"] if e != "prometheus")
    signals = {}
    if "otlp" in values["exporters"] or "otlp" in values["traces_exporters"]:
        signals = {n: _signal(n, values, args, environ) for n in ("metrics", "traces")}
    if values["analytics"] is not None and values["analytics"].events_as_logs and (
            "otlp" in values["logs_exporters"]):
        signals["logs"] = _signal("logs", values, args, environ)
    return Settings(**values, signal=signals)


def render_configuration_table() -> str:
    """Render the settings tables kept in ``docs/configuration.md``."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for s in SETTINGS:
        env = ", ".join(f"`{e}`" for e in s.env) or "-"
        default = "-" if s.default is None else f"`{s.default!r}`"
        rows.append(f"| `{s.name}` | {env} | {default} | {s.doc} |")
    for _, options in _DOMAINS:
        rows += ["", f"### `{options.__name__}`", "",
                 "| field | environment variable | default | meaning |", "|---|---|---|---|"]
        for f in dataclasses.fields(options):
            variable = f"`{f.metadata['env']}`" if f.metadata.get("env") else "-"
            value = f.metadata["default"] if f.metadata.get("env") else f.default
            rows.append(f"| `{f.name}` | {variable} | `{value!r}` | {f.metadata['doc']} |")
    return "\n".join(rows) + "\n"


set_env_resolver(_resolve_option_from_os)
