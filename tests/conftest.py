"""Shared fixtures: a clean OpenTelemetry global state and environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

import otel_measure
from tests.support.otel_globals import reset_otel_globals


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
