"""Settings resolve argument → environment → default, and bad values name themselves."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from otel_measure import config
from otel_measure.config import (
    SETTINGS,
    AnalyticsOptions,
    InfrastructureOptions,
    ModelOptions,
    render_configuration_table,
    resolve_option_fields,
    resolve_settings,
)
from otel_measure.errors import OtelMeasureConfigError
from otel_measure.options import _opt

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_arguments_or_environment() -> None:
    """With nothing given, the documented defaults apply."""
    s = resolve_settings({}, env={})
    assert s.exporters == ("prometheus",)
    assert (s.prometheus_host, s.prometheus_port) == ("127.0.0.1", 9464)
    assert s.export_interval_s == 60.0 and s.export_timeout_s == 30.0
    assert s.cardinality_limit == 2000 and s.strict is False and s.sdk_disabled is False
    assert s.infrastructure == InfrastructureOptions()
    assert s.signal == {}


def test_environment_beats_default_and_argument_beats_environment() -> None:
    """An argument wins over its variable, which wins over the default."""
    env = {"OTEL_EXPORTER_PROMETHEUS_PORT": "9000", "OTEL_SERVICE_NAME": "from-env"}
    assert resolve_settings({}, env=env).prometheus_port == 9000
    assert resolve_settings({}, env=env).service_name == "from-env"
    s = resolve_settings({"prometheus_port": 9100, "service_name": "arg"}, env=env)
    assert (s.prometheus_port, s.service_name) == (9100, "arg")


def test_millisecond_variables_become_seconds() -> None:
    """OTEL_METRIC_EXPORT_INTERVAL and OTLP timeouts are milliseconds, as the spec says."""
    env = {"OTEL_METRIC_EXPORT_INTERVAL": "1500", "OTEL_METRIC_EXPORT_TIMEOUT": "250",
           "OTEL_EXPORTER_OTLP_TIMEOUT": "2000", "OTEL_MEASURE_EXPORTERS": "otlp"}
    s = resolve_settings({}, env=env)
    assert (s.export_interval_s, s.export_timeout_s, s.otlp_timeout_s) == (1.5, 0.25, 2.0)
    assert s.signal["metrics"].timeout_s == 2.0


def test_exporters_from_comma_list_variable() -> None:
    """OTEL_MEASURE_EXPORTERS is a comma list; 'none' means no exporter."""
    env = {"OTEL_MEASURE_EXPORTERS": " otlp , console,otlp"}
    assert resolve_settings({}, env=env).exporters == ("otlp", "console")
    assert resolve_settings({"exporters": "none"}, env={}).exporters == ()


def test_otlp_endpoints_per_protocol_and_signal() -> None:
    """gRPC uses the base URL; HTTP appends /v1/<signal>; signal variables are used as is."""
    grpc = resolve_settings({"exporters": ["otlp"]}, env={})
    assert grpc.signal["metrics"].endpoint == "http://localhost:4317"
    http = resolve_settings({"exporters": ["otlp"], "otlp_protocol": "http/protobuf"}, env={})
    assert http.signal["metrics"].endpoint == "http://localhost:4318/v1/metrics"
    assert http.signal["traces"].endpoint == "http://localhost:4318/v1/traces"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://tempo:443/custom",
        "OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%20d,x=1",
        "OTEL_EXPORTER_OTLP_METRICS_HEADERS": "m=2",
    }
    s = resolve_settings({"exporters": ["otlp"]}, env=env)
    assert s.signal["metrics"].endpoint == "http://collector:4318/v1/metrics"
    assert s.signal["traces"].endpoint == "https://tempo:443/custom"
    assert s.signal["traces"].headers == (("api-key", "abc d"), ("x", "1"))
    assert s.signal["metrics"].headers == (("m", "2"),)


def test_signal_protocol_variable_overrides_generic() -> None:
    """OTEL_EXPORTER_OTLP_METRICS_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL."""
    env = {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
           "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf"}
    s = resolve_settings({"exporters": ["otlp"]}, env=env)
    assert s.signal["metrics"].protocol == "http/protobuf"
    assert s.signal["traces"].protocol == "grpc"


@pytest.mark.parametrize(
    ("args", "env", "fragments"),
    [
        ({"exporters": ["prometheus", "zipkin"]}, {}, ["'exporters'", "zipkin", "otlp"]),
        ({}, {"OTEL_MEASURE_EXPORTERS": "kafka"}, ["OTEL_MEASURE_EXPORTERS", "kafka"]),
        ({"prometheus_port": 70000}, {}, ["'prometheus_port'", "70000", "0..65535"]),
        ({}, {"OTEL_EXPORTER_PROMETHEUS_PORT": "http"}, ["OTEL_EXPORTER_PROMETHEUS_PORT"]),
        ({"otlp_endpoint": "localhost:4317"}, {}, ["'otlp_endpoint'", "localhost:4317",
                                                    "http://"]),
        ({"otlp_endpoint": "http://"}, {}, ["'otlp_endpoint'"]),
        ({"export_interval_s": -5}, {}, ["'export_interval_s'", "-5", "positive"]),
        ({}, {"OTEL_METRIC_EXPORT_INTERVAL": "0"}, ["OTEL_METRIC_EXPORT_INTERVAL", "positive"]),
        ({"otlp_protocol": "thrift"}, {}, ["'otlp_protocol'", "thrift", "http/protobuf"]),
        ({"strict": "maybe"}, {}, ["'strict'", "maybe", "true or false"]),
        ({"infrastructure": 3}, {}, ["'infrastructure'", "InfrastructureOptions"]),
        ({"cardinality_limit": 0}, {}, ["'cardinality_limit'", "positive integer"]),
        ({"exporters": ["none", "otlp"]}, {}, ["'exporters'", "'none' cannot be combined"]),
        ({"resource_attributes": {"k": [1]}}, {}, ["'resource_attributes'"]),
        ({"otlp_headers": "novalue"}, {}, ["'otlp_headers'", "key=value"]),
        ({"prometheus_prot": 1}, {}, ["prometheus_prot", "prometheus_port"]),
    ],
)
def test_bad_settings_name_setting_value_and_allowed(
    args: dict[str, object], env: dict[str, str], fragments: list[str]
) -> None:
    """Each bad setting raises OtelMeasureConfigError naming it, the value and what is allowed."""
    with pytest.raises(OtelMeasureConfigError) as info:
        resolve_settings(args, env=env)
    assert isinstance(info.value, ValueError)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_domain_options_accept_bool_or_dataclass() -> None:
    """A domain is an options dataclass, True (defaults) or False (disabled)."""
    opts = InfrastructureOptions(process=False)
    assert resolve_settings({"infrastructure": opts}, env={}).infrastructure is opts
    assert resolve_settings({"infrastructure": False}, env={}).infrastructure is None
    env = {"OTEL_MEASURE_MODELS": "false"}
    assert resolve_settings({}, env=env).models is None


def test_configuration_doc_matches_settings_table() -> None:
    """docs/configuration.md carries exactly the table rendered from SETTINGS."""
    doc = (ROOT / "docs" / "configuration.md").read_text()
    assert render_configuration_table() in doc
    for setting in SETTINGS:
        assert f"`{setting.name}`" in doc


@dataclass(frozen=True)
class _Probe:
    """Environment-backed fields of each converted type, as a domain would declare them."""

    flag: bool = _opt(False, "A boolean.", "OTEL_MEASURE_PROBE_FLAG")
    size: int = _opt(10, "An integer.", "OTEL_MEASURE_PROBE_SIZE")
    names: tuple[str, ...] = _opt(("a",), "A list.", "OTEL_MEASURE_PROBE_NAMES")


def _message(call: Callable[..., object], *args: object, **kwargs: object) -> str:
    with pytest.raises(OtelMeasureConfigError) as info:
        call(*args, **kwargs)
    return str(info.value)


@pytest.mark.parametrize(("variable", "value", "top_variable", "why"), [
    ("OTEL_MEASURE_PROBE_FLAG", "maybe", "OTEL_MEASURE_STRICT", "expected true or false"),
    ("OTEL_MEASURE_PROBE_SIZE", "ten", "OTEL_MEASURE_CARDINALITY_LIMIT",
     "expected a positive integer"),
    ("OTEL_MEASURE_PROBE_SIZE", "0", "OTEL_MEASURE_CARDINALITY_LIMIT",
     "expected a positive integer"),
])
def test_bad_domain_variable_fails_like_a_top_level_one(
        variable: str, value: str, top_variable: str, why: str) -> None:
    """A bad boolean or integer variable of an option names itself exactly as top-level ones."""
    domain = _message(resolve_option_fields, _Probe, env={variable: value})
    top = _message(resolve_settings, {}, env={top_variable: value})
    assert f"(environment variable {variable}): {value!r} is invalid: {why}" in domain
    assert f"'_Probe.{variable.rsplit('_', 1)[1].lower()}'" in domain
    assert f"(environment variable {top_variable}): {value!r} is invalid: {why}" in top


@pytest.mark.parametrize(("variable", "value", "fragments"), [
    ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "maybe",
     ["'ModelOptions.capture_content'", "'maybe'", "true or false", "SPAN_ONLY"]),
    ("OTEL_MEASURE_ANALYTICS_EVENTS", " , ,", ["'AnalyticsOptions.events'", "' , ,'",
                                              "comma-separated list of one or more names"]),
    ("OTEL_MEASURE_INFRA_EXCLUDE", ",", ["'InfrastructureOptions.exclude'", "one or more"]),
    ("OTEL_MEASURE_PRICING_FILE", "/nonexistent/prices.json",
     ["'ModelOptions.pricing_file'", "/nonexistent/prices.json", "JSON price file"]),
    ("OTEL_MEASURE_MODELS", "maybe", ["'models'", "'maybe'", "ModelOptions(...)"]),
])
def test_bad_domain_variables_name_variable_value_and_allowed(
        variable: str, value: str, fragments: list[str]) -> None:
    """setup()'s resolver rejects a bad domain variable, naming it, the value and the rule."""
    message = _message(resolve_settings, {}, env={variable: value})
    for fragment in [f"environment variable {variable}", *fragments]:
        assert fragment in message


def test_options_built_by_hand_resolve_through_the_same_converters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An options object built by the caller reads and checks its variables too."""
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "tru")
    message = _message(ModelOptions)
    assert "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT" in message and "'tru'" in message
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "On")
    monkeypatch.setenv("OTEL_MEASURE_ANALYTICS_EVENTS", "buy, view,buy")
    assert ModelOptions().capture_content is True
    assert AnalyticsOptions().events == ("buy", "view")


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("TRUE", True), (" yes ", True), ("On", True),
    ("0", False), ("False", False), ("no", False), ("OFF", False),
])
def test_domain_boolean_takes_the_top_level_spellings(value: str, expected: bool) -> None:
    """A domain boolean accepts exactly the spellings a top-level boolean accepts."""
    assert resolve_settings({}, env={"OTEL_MEASURE_STRICT": value}).strict is expected
    assert resolve_option_fields(_Probe, env={"OTEL_MEASURE_PROBE_FLAG": value}) == {
        "flag": expected, "size": 10, "names": ("a",)}
    models = resolve_settings(
        {}, env={"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": value}).models
    assert models is not None and models.capture_content is expected


@pytest.mark.parametrize(("mode", "expected"), [
    ("SPAN_ONLY", True), ("span_and_event", True), ("NO_CONTENT", False), ("EVENT_ONLY", False),
])
def test_capture_content_takes_the_genai_modes(mode: str, expected: bool) -> None:
    """The variable shared with OpenTelemetry's GenAI instrumentations takes their modes."""
    env = {"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": mode}
    models = resolve_settings({}, env=env).models
    assert models is not None and models.capture_content is expected


def test_domain_option_resolution_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Constructor argument, else variable, else default; a blank variable is unset."""
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"house-llm": {"input": 1, "output": 2}}))
    env = {"OTEL_MEASURE_INFRA_EXCLUDE": "eth*, loop*", "OTEL_MEASURE_PRICING_FILE": str(prices),
           "OTEL_MEASURE_ANALYTICS_EVENTS": "  "}
    s = resolve_settings({}, env=env)
    assert s.infrastructure is not None and s.infrastructure.exclude == ("eth*", "loop*")
    assert s.models is not None and s.models.pricing_file == str(prices)
    assert s.analytics is not None and s.analytics.events is None
    assert resolve_settings({}, env={}).infrastructure == InfrastructureOptions()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    given = ModelOptions(pricing={"x": {"input": 1, "output": 1}})
    assert given.pricing_file == str(prices)  # left out: from the variable
    assert ModelOptions(pricing_file=None).pricing_file is None  # given: wins
    assert InfrastructureOptions(exclude=()).exclude == ()
    assert resolve_settings({"models": given}, env={}).models is given


def test_every_domain_variable_has_a_converter() -> None:
    """Each environment-backed option field resolves through a converter of config.py."""
    for options in (InfrastructureOptions, ModelOptions, AnalyticsOptions):
        for f in dataclasses.fields(options):
            if f.metadata.get("env"):
                assert callable(config._option_converter(f))


def test_deprecated_drift_bins_warns_and_changes_nothing() -> None:
    """``drift_bins`` is accepted for old code, warns, and is otherwise ignored."""
    from otel_measure.config import ModelOptions

    with pytest.warns(DeprecationWarning, match="drift_bins is deprecated"):
        old = ModelOptions(drift_bins=10)
    assert dataclasses.replace(old, drift_bins=None) == ModelOptions()
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ModelOptions()
