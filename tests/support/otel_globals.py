"""Reset OpenTelemetry's process-wide providers between tests."""

from __future__ import annotations

from opentelemetry import trace as otel_trace
from opentelemetry.metrics import _internal as otel_metrics_internal
from opentelemetry.util._once import Once

__all__ = ["reset_otel_globals"]


def reset_otel_globals() -> None:
    """Forget any global meter or tracer provider, as a fresh process would."""
    otel_metrics_internal._METER_PROVIDER_SET_ONCE = Once()
    otel_metrics_internal._METER_PROVIDER = None
    otel_metrics_internal._PROXY_METER_PROVIDER = otel_metrics_internal._ProxyMeterProvider()
    otel_trace._TRACER_PROVIDER_SET_ONCE = Once()
    otel_trace._TRACER_PROVIDER = None
