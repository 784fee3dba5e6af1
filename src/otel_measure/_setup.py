"""``setup()`` / ``shutdown()``: provider, reader and exporter wiring; the one global."""

from __future__ import annotations

import atexit
import concurrent.futures.thread  # noqa: F401  (registers its fork hook first)
import dataclasses
import ipaddress
import logging
import os
import socket
import threading
import uuid
import weakref
from collections.abc import Sequence
from functools import partial
from typing import Any

from opentelemetry import metrics as otel_metrics
from opentelemetry import trace as otel_trace
from opentelemetry.metrics import MeterProvider, NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider as SDKMeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.metrics.view import View
from opentelemetry.sdk.resources import (
    HOST_NAME,
    PROCESS_PID,
    ProcessResourceDetector,
    Resource,
)
from opentelemetry.sdk.trace import TracerProvider as SDKTracerProvider
from opentelemetry.trace import NoOpTracerProvider, ProxyTracerProvider, TracerProvider

# The HTTP stack and a domain's code load on first use: only when served or enabled.
from otel_measure import http, instruments
from otel_measure._converters import PortRange
from otel_measure._exporters import Pipeline, build_pipeline
from otel_measure._log_export import build_event_logs
from otel_measure._measure import Measure
from otel_measure._version import __version__
from otel_measure.config import (
    AnalyticsOptions,
    InfrastructureOptions,
    ModelOptions,
    Settings,
    resolve_settings,
)
from otel_measure.errors import OtelMeasureConfigError, OtelMeasureError
from otel_measure.instruments import Rejections
from otel_measure.names import METER_NAME
from otel_measure.views import DEFAULT_VIEWS

__all__ = ["get_measure", "setup", "shutdown"]

_log = logging.getLogger("otel_measure")
_lock = threading.RLock()
_current: Measure | None = None
_current_key: tuple[Any, ...] | None = None
# Providers this module created, so a later setup() never mistakes them for the app's.
_ours: weakref.WeakSet[Any] = weakref.WeakSet()
# What a forked child needs to rebuild a handle: its pipeline and views.
_parts: weakref.WeakKeyDictionary[Measure, tuple[Pipeline, Sequence[View]]] = (
    weakref.WeakKeyDictionary())


def _is_unset_global_meter_provider(provider: Any) -> bool:
    return type(provider).__name__ == "_ProxyMeterProvider"


def _build_resource(settings: Settings) -> Resource:
    attrs: dict[str, Any] = dict(settings.resource_attributes)
    for key, value in (
        ("service.name", settings.service_name),
        ("service.version", settings.service_version),
        ("deployment.environment.name", settings.environment),
    ):
        if value is not None:
            attrs[key] = value
    resource = Resource.create(attrs)  # default telemetry.sdk.* + OTEL_RESOURCE_ATTRIBUTES
    resource = _process_identity().merge(resource)  # what is set explicitly wins
    if "service.instance.id" not in resource.attributes:
        resource = resource.merge(Resource({"service.instance.id": str(uuid.uuid4())}))
    return resource


def _process_identity() -> Resource:
    # process.pid, .parent_pid, .runtime.*, .executable.*, .owner (never the command line)
    # and host.name: on target_info, they tell the workers of one host apart.
    try:
        identity = ProcessResourceDetector().detect()
    except Exception:  # a failing probe never fails setup()
        identity = Resource({PROCESS_PID: os.getpid()})
    return identity.merge(Resource({HOST_NAME: socket.gethostname()}))


def _meter_provider(
    given: MeterProvider | None, settings: Settings, pipeline: Pipeline,
    resource: Resource, views: Sequence[View],
) -> tuple[MeterProvider, bool]:
    if settings.sdk_disabled:
        return NoOpMeterProvider(), False
    if given is not None:
        return given, False
    existing = otel_metrics.get_meter_provider()
    if isinstance(existing, SDKMeterProvider) and existing not in _ours:
        _log.info(
            "otel-measure: attaching to the application's global MeterProvider; its readers "
            "and exporters are the application's, so setup(exporters=...) is not applied"
        )
        return existing, False
    provider = SDKMeterProvider(
        metric_readers=pipeline.readers,
        resource=resource,
        views=list(views),
        shutdown_on_exit=False,
    )
    _ours.add(provider)
    if settings.set_global_providers and _is_unset_global_meter_provider(existing):
        otel_metrics.set_meter_provider(provider)
    return provider, True


def _tracer_provider(
    given: TracerProvider | None, settings: Settings, pipeline: Pipeline, resource: Resource
) -> tuple[TracerProvider, bool]:
    if settings.sdk_disabled:
        return NoOpTracerProvider(), False
    if given is not None:
        return given, False
    existing = otel_trace.get_tracer_provider()
    if isinstance(existing, SDKTracerProvider) and existing not in _ours:
        _log.info(
            "otel-measure: attaching to the application's global TracerProvider; its span "
            "processors are the application's"
        )
        return existing, False
    provider = SDKTracerProvider(resource=resource, shutdown_on_exit=False)
    for processor in pipeline.span_processors:
        provider.add_span_processor(processor)
    if not pipeline.span_processors:
        _log.info(
            "otel-measure: spans (track_inference, instrumented LLM clients) are not exported: "
            "no span exporter is set; use exporters=['otlp'] or OTEL_TRACES_EXPORTER=otlp")
    _ours.add(provider)
    if settings.set_global_providers and isinstance(existing, ProxyTracerProvider):
        otel_trace.set_tracer_provider(provider)
    return provider, True


def setup(
    *,
    service_name: str | None = None,
    service_version: str | None = None,
    environment: str | None = None,
    resource_attributes: dict[str, Any] | None = None,
    exporters: Sequence[str] | str | None = None,
    prometheus_host: str | None = None,
    prometheus_port: int | str | None = None,
    prometheus_without_scope_info: bool | None = None,
    api_token: str | None = None,
    otlp_endpoint: str | None = None,
    otlp_metrics_endpoint: str | None = None,
    otlp_traces_endpoint: str | None = None,
    otlp_protocol: str | None = None,
    otlp_headers: dict[str, str] | str | None = None,
    otlp_timeout_s: float | None = None,
    export_interval_s: float | None = None,
    export_timeout_s: float | None = None,
    cardinality_limit: int | None = None,
    views: Sequence[View] | None = None,
    meter_provider: MeterProvider | None = None,
    tracer_provider: TracerProvider | None = None,
    infrastructure: bool | InfrastructureOptions | None = None,
    models: bool | ModelOptions | None = None,
    analytics: bool | AnalyticsOptions | None = None,
    strict: bool | None = None,
    sdk_disabled: bool | None = None,
    set_global_providers: bool | None = None,
    instrument: Sequence[str] | str | None = None,
    traces_exporters: Sequence[str] | str | None = None,
    otlp_logs_endpoint: str | None = None,
    logs_exporters: Sequence[str] | str | None = None,
) -> Measure:
    """Wire OpenTelemetry providers, exporters and the three domains; return the handle.

    Every setting resolves argument → environment variable → default (see
    ``docs/configuration.md``). Everything is validated before any side effect.

    With ``meter_provider=`` / ``tracer_provider=`` (or a global SDK provider the
    application already installed) instruments go onto those providers and no readers
    or exporters are created: exporting is then the application's business.

    Raises:
        OtelMeasureConfigError: A setting is invalid (the message names it), the metrics
            port cannot be bound, or ``setup()`` already ran with other settings.

    ``instrument=("openai", "anthropic")`` (or ``OTEL_MEASURE_INSTRUMENT``) instruments
    those client libraries, as ``m.models.instrument_openai()`` does.
    """
    global _current, _current_key
    args = {k: v for k, v in locals().items()
            if k not in ("views", "meter_provider", "tracer_provider")}
    settings = resolve_settings(args)
    chosen_views = tuple(DEFAULT_VIEWS if views is None else views)
    if not all(isinstance(v, View) for v in chosen_views):
        raise OtelMeasureConfigError(
            f"setting 'views': {views!r} is invalid: expected a sequence of "
            "opentelemetry.sdk.metrics.view.View"
        )
    key = (settings, id(meter_provider), id(tracer_provider), tuple(map(id, chosen_views)))
    with _lock:
        if _current is not None and not _current.closed:
            if key == _current_key:
                return _current
            raise OtelMeasureConfigError(
                "setup() was already called with different settings; call "
                "otel_measure.shutdown() first to reconfigure"
            )
        measure = _start(settings, chosen_views, meter_provider, tracer_provider)
        _current, _current_key = measure, key
        return measure


def _start(
    settings: Settings, views: Sequence[View],
    meter_provider: MeterProvider | None, tracer_provider: TracerProvider | None,
    instance_id: str | None = None,
) -> Measure:
    resource = _build_resource(settings)
    if instance_id is not None:  # a forked child: never the parent's instance
        resource = resource.merge(Resource({"service.instance.id": instance_id}))
    exporting = not settings.sdk_disabled and meter_provider is None
    server: http.MetricsServer | None = None
    pipeline = Pipeline()
    measure_holder: list[Measure] = []
    if exporting and "prometheus" in settings.exporters:
        # Bind first: a busy port is the one failure left after validation, and nothing
        # else has started yet.
        server = http.MetricsServer(
            settings.prometheus_host or "127.0.0.1",
            settings.prometheus_port,
            http.make_wsgi_app(None, lambda: measure_holder[0], **_api_options(settings)),
        )
    try:
        if exporting:
            pipeline = build_pipeline(settings)
        mp, owns_mp = _meter_provider(meter_provider, settings, pipeline, resource, views)
        if exporting and not owns_mp:
            # Attached to the app's provider: our readers would never be used.
            for reader in pipeline.readers:
                reader.shutdown()
            pipeline = Pipeline()
            if server is not None:
                server.stop()
                server = None
        tp, owns_tp = _tracer_provider(tracer_provider, settings, pipeline, resource)
    except BaseException:
        if server is not None:
            server.stop()
        raise
    if server is not None:
        server.set_app(http.make_wsgi_app(pipeline.registry, lambda: measure_holder[0],
                                          **_api_options(settings)))
        pipeline.endpoints["prometheus"] = server.url
    meter = mp.get_meter(METER_NAME, __version__)
    tracer = tp.get_tracer(METER_NAME, __version__)
    rejections = Rejections(meter, strict=settings.strict)
    logger_provider, event_log = build_event_logs(settings, resource, pipeline.endpoints)
    if pipeline.registry is not None:
        pipeline.registry.on_drop = partial(rejections.count, "export.unencodable")
    measure = Measure(
        settings=settings,
        resource=dict(resource.attributes),
        meter_provider=mp,
        tracer_provider=tp,
        owns_meter_provider=owns_mp,
        owns_tracer_provider=owns_tp,
        meter=meter,
        tracer=tracer,
        rejections=rejections,
        endpoints=pipeline.endpoints,
        server=server,
        logger_provider=logger_provider,
        infrastructure=(
            instruments.InfrastructureMetrics(
                meter, rejections, settings.infrastructure,
                prometheus_text=pipeline.prometheus_text if owns_mp else None,
            )
            if settings.infrastructure else None
        ),
        models=instruments.ModelMetrics(meter, tracer, rejections, settings.models)
        if settings.models else None,
        analytics=instruments.UserAnalytics(meter, rejections, settings.analytics,
                                            event_log=event_log)
        if settings.analytics else None,
        on_shutdown=_forget,
    )
    measure_holder.append(measure)
    _parts[measure] = (pipeline, tuple(views))
    if settings.models is not None:  # validated: installed, and models enabled
        for library in settings.instrument:
            getattr(measure.models, f"instrument_{library}")()
    if server is not None:
        server.start()
    return measure


class _Discard(MetricExporter):
    """Where a forked child's inherited readers export: nowhere (the parent reports them)."""

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000,
               **kwargs: Any) -> MetricExportResult:
        """Drop the batch."""
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        """Nothing to flush."""
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        """Nothing to stop."""


def _after_fork_in_child() -> None:
    """Make the handle a forked child inherited its own (``os.register_at_fork``).

    The child never touches the parent's server thread, and the parent's readers export
    nothing from the child, so no count is reported twice. When ``setup()`` built the
    providers, the same handle is rebuilt in place: fresh instruments and counts, a new
    ``service.instance.id``, the same exporters; the Prometheus server binds the first
    free port of a ``prometheus_port`` range, and is left out with a single port (the
    parent's).
    """
    global _lock
    _lock = threading.RLock()  # another thread may have held it at fork time
    measure = _current
    if measure is None or measure.closed:
        return
    try:
        pipeline, views = _parts.pop(measure, (None, ()))
        if pipeline is None or not measure.owns_meter_provider:
            measure.after_fork_in_child(None)
            return
        for _, keep in pipeline._periodic:
            keep.inner = _Discard()
        settings = dataclasses.replace(measure.settings, set_global_providers=False)
        try:  # a port range: bind the first free port (the parent holds its own)
            if not isinstance(settings.prometheus_port, PortRange):
                raise OtelMeasureConfigError(
                    f"prometheus_port={settings.prometheus_port} is the parent's; set a range "
                    "such as '9464-9471' to serve from every process, or export over OTLP")
            fresh = _start(settings, views, None, None, instance_id=str(uuid.uuid4()))
        except OtelMeasureConfigError as exc:
            if "prometheus" in settings.exporters:
                _log.warning("otel-measure: process %d, forked after setup(), does not serve "
                             "/metrics: %s", os.getpid(), exc)
            settings = dataclasses.replace(settings, exporters=tuple(
                e for e in settings.exporters if e != "prometheus"))
            fresh = _start(settings, views, None, None, instance_id=str(uuid.uuid4()))
        _parts[measure] = _parts.pop(fresh)
        measure.after_fork_in_child(fresh)
    except Exception as exc:  # a fork must never fail because of us
        _log.warning("otel-measure: rebuilding the handle after fork failed: %r", exc)


def _api_options(settings: Settings) -> dict[str, Any]:
    host = settings.prometheus_host or "127.0.0.1"
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = host == "localhost"
    return {"api_token": settings.api_token, "public": not loopback}


def _forget(measure: Measure) -> None:
    global _current, _current_key
    with _lock:
        if _current is measure:
            _current, _current_key = None, None


def get_measure() -> Measure:
    """Return the handle of the running ``setup()``.

    Raises:
        OtelMeasureError: ``setup()`` has not been called, or was shut down.
    """
    with _lock:
        if _current is None:
            raise OtelMeasureError("otel_measure.setup() has not been called")
        return _current


def shutdown() -> None:
    """Flush and stop everything ``setup()`` started; safe to call any number of times."""
    with _lock:
        measure = _current
    if measure is not None:
        measure.shutdown()


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    # After-fork hooks run in registration order: concurrent.futures (imported above)
    # reinitialises its pools' lock before the child rebuilds its handle with pools
    # (Resource.create, the server); imported later, the child would deadlock.
    os.register_at_fork(after_in_child=_after_fork_in_child)
