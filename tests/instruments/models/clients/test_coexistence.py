"""With opentelemetry-instrumentation-openai-v2 running too, no call is counted twice.

openai-v2 records the chat and embeddings calls (spans and gen_ai.client.* metrics);
otel-measure lets them pass and takes their cost and in-process statistics from
openai-v2's spans (the span bridge). The Responses API, which openai-v2 does not cover,
is still measured by otel-measure.
"""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.openai_v2 import OpenAIInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from otel_measure.options import ModelOptions
from tests.instruments.models.clients.conftest import GPT, PRICES, count
from tests.support.llm_server import StandInLLM
from tests.support.models import ModelsRig
from tests.support.rig import metric_points

MESSAGES = [{"role": "user", "content": "hi"}]
DURATION = "gen_ai.client.operation.duration"


class V2:
    """openai-v2 on the global tracer provider, with its own in-memory readers."""

    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(self.spans))
        trace.set_tracer_provider(provider)
        self.reader = InMemoryMetricReader()
        self.instrumentor = OpenAIInstrumentor()
        self.instrumentor.instrument(tracer_provider=provider,
                                     meter_provider=MeterProvider(metric_readers=[self.reader]))

    def durations(self) -> int:
        """Calls in openai-v2's gen_ai.client.operation.duration."""
        points = metric_points(self.reader.get_metrics_data()).get(DURATION, [])
        return sum(p.count for p in points)


@pytest.fixture
def v2() -> Iterator[V2]:
    """openai-v2 instrumented for one test."""
    running = V2()
    yield running
    running.instrumentor.uninstrument()


@pytest.mark.parametrize("order", ["v2_first", "ours_first"])
def test_each_call_is_counted_once(server: StandInLLM, order: str) -> None:
    """Chat, streamed chat and embeddings by openai-v2, Responses by us; stats have all."""
    rig = ModelsRig(ModelOptions(pricing=PRICES))
    running: V2 | None = None
    if order == "v2_first":
        running = V2()
    handle = rig.models.instrument_openai()
    if running is None:
        running = V2()
    try:
        with openai.OpenAI(base_url=server.openai_url, api_key="t") as client:
            client.chat.completions.create(model="acme-gpt", messages=MESSAGES)
            list(client.chat.completions.create(model="acme-gpt", messages=MESSAGES,
                                                stream=True,
                                                stream_options={"include_usage": True}))
            client.embeddings.create(model="acme-embed", input=["a"])
            client.responses.create(model="acme-gpt", input="hi")
        assert handle.bridge is not None
    finally:
        running.instrumentor.uninstrument()
        rig.models.close()
    # openai-v2 has the three calls it covers, otel-measure only the Responses call.
    assert len(running.spans.get_finished_spans()) == 3 and running.durations() == 3
    [ours] = rig.spans.get_finished_spans()
    assert ours.attributes["gen_ai.response.id"] == "resp_1"
    assert count(rig, DURATION) == 1
    # In-process statistics and cost have every call once.
    assert rig.models.get_latency_metrics("acme-gpt").count == 3
    assert rig.models.get_latency_metrics("acme-embed").count == 1
    cost = rig.models.get_cost_metrics("acme-gpt")
    # openai-v2 reports no cached tokens: its two chats are priced as 12 uncached inputs.
    chats = 2 * (12 * GPT["input"] + 5 * GPT["output"])
    responses = 8 * GPT["input"] + 4 * GPT["cached_input"] + 5 * GPT["output"]
    assert cost.total_usd == pytest.approx((chats + responses) / 1e6)


def test_uninstrument_stops_the_bridge(server: StandInLLM, v2: V2) -> None:
    """After uninstrument() openai-v2's spans no longer reach m.models."""
    rig = ModelsRig(ModelOptions(pricing=PRICES))
    rig.models.instrument_openai().uninstrument()
    with openai.OpenAI(base_url=server.openai_url, api_key="t") as client:
        client.chat.completions.create(model="acme-gpt", messages=MESSAGES)
    assert v2.durations() == 1
    assert rig.models.list_models() == ()
