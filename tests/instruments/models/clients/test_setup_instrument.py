"""setup(instrument=...) and OTEL_MEASURE_INSTRUMENT: client libraries patched at start-up."""

from __future__ import annotations

import anthropic
import openai
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

import otel_measure
from otel_measure import OtelMeasureConfigError
from tests.support.llm_server import StandInLLM
from tests.support.rig import metric_points

MESSAGES = [{"role": "user", "content": "hi"}]


def providers() -> tuple[InMemoryMetricReader, MeterProvider, TracerProvider]:
    """An in-memory meter provider and a tracer provider for setup()."""
    reader = InMemoryMetricReader()
    return reader, MeterProvider(metric_readers=[reader]), TracerProvider()


def durations(reader: InMemoryMetricReader) -> dict[str, int]:
    """Duration point counts by provider."""
    points = metric_points(reader.get_metrics_data()).get(
        "gen_ai.client.operation.duration", [])
    return {p.attributes["gen_ai.provider.name"]: p.count for p in points}


def calls(server: StandInLLM) -> None:
    """One OpenAI chat and one Anthropic message through fresh sync clients."""
    with openai.OpenAI(base_url=server.openai_url, api_key="t") as client:
        client.chat.completions.create(model="acme-gpt", messages=MESSAGES)
    with anthropic.Anthropic(base_url=server.anthropic_url, api_key="t") as claude:
        claude.messages.create(model="acme-claude", max_tokens=8, messages=MESSAGES)


@pytest.mark.parametrize("source", ["argument", "env"])
def test_setup_instruments_the_named_libraries_until_shutdown(
        server: StandInLLM, monkeypatch: pytest.MonkeyPatch, source: str) -> None:
    """Both libraries are measured after setup() and restored by shutdown()."""
    reader, mp, tp = providers()
    if source == "env":
        monkeypatch.setenv("OTEL_MEASURE_INSTRUMENT", "openai, anthropic")
        m = otel_measure.setup(meter_provider=mp, tracer_provider=tp, infrastructure=False)
    else:
        m = otel_measure.setup(meter_provider=mp, tracer_provider=tp, infrastructure=False,
                               instrument=("openai", "anthropic"))
    calls(server)
    assert durations(reader) == {"openai": 1, "anthropic": 1}
    m.shutdown()
    assert "request" not in openai.OpenAI.__dict__
    assert "request" not in anthropic.Anthropic.__dict__


def test_unknown_or_missing_library_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unknown name, a missing package or a disabled models domain fail setup()."""
    with pytest.raises(OtelMeasureConfigError, match="unknown library 'cohere'"):
        otel_measure.setup(exporters="none", instrument="cohere")
    with monkeypatch.context() as patch:
        patch.setattr("importlib.util.find_spec", lambda name: None)
        with pytest.raises(OtelMeasureConfigError,
                           match=r"pip install 'otel-measure\[openai\]'"):
            otel_measure.setup(exporters="none", instrument="openai")
    with pytest.raises(OtelMeasureConfigError, match="models domain"):
        otel_measure.setup(exporters="none", instrument="openai", models=False)
    assert "request" not in openai.OpenAI.__dict__
