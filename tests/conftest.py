"""Shared fixtures: a clean OpenTelemetry global state and environment for every test."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator

import pytest
from opentelemetry import trace as otel_trace
from opentelemetry.metrics import _internal as otel_metrics_internal
from opentelemetry.util._once import Once

import otel_measure


def reset_otel_globals() -> None:
    """Forget any global meter or tracer provider, as a fresh process would."""
    otel_metrics_internal._METER_PROVIDER_SET_ONCE = Once()
    otel_metrics_internal._METER_PROVIDER = None
    otel_metrics_internal._PROXY_METER_PROVIDER = otel_metrics_internal._ProxyMeterProvider()
    otel_trace._TRACER_PROVIDER_SET_ONCE = Once()
    otel_trace._TRACER_PROVIDER = None


def free_port() -> int:
    """Return a loopback TCP port that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run every test without OTEL_* variables, globals or a live setup()."""
    for key in list(os.environ):
        if key.startswith("OTEL_") and key != "OTEL_MEASURE_REQUIRE_PROMETHEUS":
            monkeypatch.delenv(key)
    otel_measure.shutdown()
    reset_otel_globals()
    yield
    otel_measure.shutdown()
    reset_otel_globals()
