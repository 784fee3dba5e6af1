"""Instrumentation of the OpenAI and Anthropic client libraries (``m.models.instrument_*``)."""

from __future__ import annotations

from otel_measure.instruments.models.clients.adapters import ADAPTERS
from otel_measure.instruments.models.clients.patching import (
    ClientInstrumentation,
    instrument_client,
)

__all__ = ["LIBRARIES", "ClientInstrumentation", "instrument_client"]

LIBRARIES = tuple(ADAPTERS)  # the names setup(instrument=...) accepts
