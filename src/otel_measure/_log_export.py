"""The log pipeline of analytics events (``AnalyticsOptions.events_as_logs``).

Built only when the option is on: the logs SDK and the OTLP log exporter are imported
here, lazily, so ``import otel_measure`` and a ``setup()`` without event logs never load
them. Records go through a ``BatchLogRecordProcessor``: emitting appends to a bounded
queue (``OTEL_BLRP_MAX_QUEUE_SIZE``, 2048 by default) and a background thread exports;
when the exporter is down or slow the queue fills and further records are dropped, so
the recording call never waits on the network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from otel_measure._version import __version__
from otel_measure.config import OtlpSignal, Settings
from otel_measure.names import METER_NAME

if TYPE_CHECKING:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk.resources import Resource

    from otel_measure.instruments.analytics.event_logs import EventLogEmitter

__all__ = ["build_event_logs"]


def _otlp_log_exporter(signal: OtlpSignal) -> Any:
    if signal.protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        return OTLPLogExporter(endpoint=signal.endpoint,
                               insecure=signal.endpoint.startswith("http://"),
                               headers=dict(signal.headers), timeout=signal.timeout_s)
    from opentelemetry.exporter.otlp.proto.http._log_exporter import (
        OTLPLogExporter as HTTPLogExporter,
    )

    return HTTPLogExporter(endpoint=signal.endpoint, headers=dict(signal.headers),
                           timeout=signal.timeout_s)


def build_event_logs(
    settings: Settings, resource: Resource, endpoints: dict[str, Any]
) -> tuple[LoggerProvider, EventLogEmitter] | tuple[None, None]:
    """Return the provider exporting event log records and the emitter writing to it.

    ``(None, None)`` when they are off.

    Off when the analytics domain or ``events_as_logs`` is off, the SDK is disabled, or
    ``logs_exporters`` (``OTEL_LOGS_EXPORTER``) is ``none``. The provider is private to
    otel-measure (never installed as the global one) and is shut down by
    ``Measure.shutdown()``. Adds where records go to ``endpoints["logs"]``.
    """
    analytics = settings.analytics
    if (analytics is None or not analytics.events_as_logs or settings.sdk_disabled
            or not settings.logs_exporters):
        return None, None
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, ConsoleLogRecordExporter

    from otel_measure.instruments.analytics.event_logs import EventLogEmitter

    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    where: dict[str, Any] = {}
    signal = settings.signal.get("logs")
    if "otlp" in settings.logs_exporters and signal is not None:
        provider.add_log_record_processor(BatchLogRecordProcessor(_otlp_log_exporter(signal)))
        where["otlp"] = {"endpoint": signal.endpoint, "protocol": signal.protocol}
    if "console" in settings.logs_exporters:
        provider.add_log_record_processor(BatchLogRecordProcessor(ConsoleLogRecordExporter()))
        where["console"] = "stdout"
    endpoints["logs"] = where
    logger = provider.get_logger(METER_NAME, __version__)
    return provider, EventLogEmitter(logger, analytics.event_log_properties)
