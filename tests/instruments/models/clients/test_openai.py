"""The real ``openai`` client against the stand-in: one measured call per API call.

Each test is one cell of the support matrix in docs/llm-clients.md, run with the sync
and the async client.
"""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest
from opentelemetry.trace import SpanKind

from tests.instruments.models.clients.conftest import EMBED, GPT, count, tokens
from tests.support.llm_server import StandInLLM
from tests.support.models import ModelsRig

MESSAGES = [{"role": "user", "content": "Where is my order?"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}}}}]
DURATION = "gen_ai.client.operation.duration"
TTFC = "gen_ai.client.operation.time_to_first_chunk"


def call(server: StandInLLM, mode: str, action: Any) -> Any:
    """Run ``action(client)`` with a sync client, or await it with an async one."""
    if mode == "sync":
        with openai.OpenAI(base_url=server.openai_url, api_key="test") as client:
            return action(client)

    async def run() -> Any:
        async with openai.AsyncOpenAI(base_url=server.openai_url, api_key="test") as client:
            return await action(client)

    return asyncio.run(run())


async def drain(stream: Any) -> list[Any]:
    """Every item of an async stream."""
    return [item async for item in stream]


def consume(mode: str, stream: Any) -> Any:
    """Every item of a stream: a list (sync) or an awaitable of one (async)."""
    return list(stream) if mode == "sync" else drain(stream)


def gpt_cost(inp: int, out: int, cached: int) -> float:
    """USD of one acme-gpt call."""
    return ((inp - cached) * GPT["input"] + out * GPT["output"]
            + cached * GPT["cached_input"]) / 1e6


def one_call(rig: ModelsRig, operation: str = "chat", model: str = "acme-gpt") -> Any:
    """Check the single span and duration point of one call; return the span."""
    [span] = rig.spans.get_finished_spans()
    assert (span.name, span.kind) == (f"{operation} {model}", SpanKind.CLIENT)
    [point] = rig.points(DURATION)
    assert point.count == 1
    assert point.attributes["gen_ai.provider.name"] == "openai"
    assert point.attributes["gen_ai.operation.name"] == operation
    assert point.attributes["gen_ai.request.model"] == model
    assert rig.models.get_latency_metrics(model).count == 1
    return span


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Sync or async client."""
    return str(request.param)


def test_chat_completion_records_one_call_with_usage_and_cost(
        rig: ModelsRig, server: StandInLLM, mode: str) -> None:
    """A plain chat completion: span, duration, tokens, cost, server and response model."""
    rig.models.instrument_openai()
    result = call(server, mode, lambda c: c.chat.completions.create(
        model="acme-gpt", messages=MESSAGES))
    assert result.choices[0].message.content == "Hello from the stand-in."
    span = one_call(rig)
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.usage.input_tokens"] == 12
    assert attrs["gen_ai.usage.output_tokens"] == 5
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 4
    assert attrs["gen_ai.response.model"] == "acme-gpt-2026-01-01"
    assert attrs["gen_ai.response.finish_reasons"] == ("stop",)
    assert (attrs["server.address"], attrs["server.port"]) == ("127.0.0.1", server.port)
    [point] = rig.points(DURATION)
    assert point.attributes["gen_ai.response.model"] == "acme-gpt-2026-01-01"
    assert (point.attributes["server.address"], point.attributes["server.port"]) == (
        "127.0.0.1", server.port)
    assert "gen_ai.input.messages" not in attrs  # content capture is off by default
    assert tokens(rig) == {"input": 12, "output": 5}
    assert count(rig, TTFC) == 0
    assert rig.models.get_cost_metrics("acme-gpt").total_usd == pytest.approx(
        gpt_cost(12, 5, 4))


@pytest.mark.parametrize("include_usage", [True, False])
def test_streamed_chat_records_ttfc_and_usage_when_asked(
        rig: ModelsRig, server: StandInLLM, mode: str, include_usage: bool) -> None:
    """A streamed chat has TTFC; tokens and cost only with include_usage."""
    rig.models.instrument_openai()
    extra = {"stream_options": {"include_usage": True}} if include_usage else {}

    async def astream(c: Any) -> list[Any]:
        return await drain(await c.chat.completions.create(
            model="acme-gpt", messages=MESSAGES, stream=True, **extra))

    chunks = call(server, mode, (lambda c: list(c.chat.completions.create(
        model="acme-gpt", messages=MESSAGES, stream=True, **extra))) if mode == "sync"
        else astream)
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == "Hello from the stand-in."
    span = one_call(rig)
    assert count(rig, TTFC) == 1
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("stop",)
    cost = rig.models.get_cost_metrics("acme-gpt")
    if include_usage:
        assert tokens(rig) == {"input": 12, "output": 5}
        assert cost.total_usd == pytest.approx(gpt_cost(12, 5, 4))
    else:
        assert tokens(rig) == {}
        assert "gen_ai.usage.input_tokens" not in dict(span.attributes or {})
        assert cost.total_usd == 0.0


@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_are_one_call_each(rig: ModelsRig, server: StandInLLM, mode: str,
                                      stream: bool) -> None:
    """A tool-calling chat (plain or streamed) is one call finishing with tool_calls."""
    rig.models.instrument_openai()
    kwargs: dict[str, Any] = {"model": "acme-gpt", "messages": MESSAGES, "tools": TOOLS}
    if stream:
        kwargs.update(stream=True, stream_options={"include_usage": True})

    async def arun(c: Any) -> Any:
        result = await c.chat.completions.create(**kwargs)
        return await drain(result) if stream else result

    result = call(server, mode, (lambda c: (list if stream else (lambda r: r))(
        c.chat.completions.create(**kwargs))) if mode == "sync" else arun)
    if not stream:
        assert result.choices[0].message.tool_calls[0].function.name == "get_weather"
    span = one_call(rig)
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("tool_calls",)
    assert tokens(rig) == {"input": 12, "output": 5}
    assert count(rig, TTFC) == (1 if stream else 0)


@pytest.mark.parametrize("stream", [False, True])
def test_responses_api(rig: ModelsRig, server: StandInLLM, mode: str, stream: bool) -> None:
    """The Responses API, plain and streamed, reports usage with cached input."""
    rig.models.instrument_openai()

    async def arun(c: Any) -> Any:
        result = await c.responses.create(model="acme-gpt", input="hi", stream=stream)
        return await drain(result) if stream else result

    result = call(server, mode, (lambda c: (list if stream else (lambda r: r))(
        c.responses.create(model="acme-gpt", input="hi", stream=stream)))
        if mode == "sync" else arun)
    if stream:
        assert result[-1].type == "response.completed"
    else:
        assert result.output_text == "Hello from the stand-in."
    span = one_call(rig)
    assert dict(span.attributes or {})["gen_ai.response.id"] == "resp_1"
    assert tokens(rig) == {"input": 12, "output": 5}
    assert count(rig, TTFC) == (1 if stream else 0)
    assert rig.models.get_cost_metrics("acme-gpt").total_usd == pytest.approx(
        gpt_cost(12, 5, 4))


def test_embeddings(rig: ModelsRig, server: StandInLLM, mode: str) -> None:
    """Embeddings are operation ``embeddings`` with input tokens only."""
    rig.models.instrument_openai()

    async def arun(c: Any) -> Any:
        return await c.embeddings.create(model="acme-embed", input=["a", "b"])

    result = call(server, mode, (lambda c: c.embeddings.create(
        model="acme-embed", input=["a", "b"])) if mode == "sync" else arun)
    assert len(result.data) == 2
    one_call(rig, "embeddings", "acme-embed")
    assert tokens(rig) == {"input": 8}
    assert rig.models.get_cost_metrics("acme-embed").total_usd == pytest.approx(
        8 * EMBED["input"] / 1e6)


def test_stream_helper_is_one_call(rig: ModelsRig, server: StandInLLM) -> None:
    """``chat.completions.stream()`` goes through the same measured request once."""
    rig.models.instrument_openai()
    with openai.OpenAI(base_url=server.openai_url, api_key="test") as client, \
            client.chat.completions.stream(model="acme-gpt", messages=MESSAGES,
                                           stream_options={"include_usage": True}) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == "Hello from the stand-in."
    one_call(rig)
    assert tokens(rig) == {"input": 12, "output": 5}


def test_a_stream_closed_early_ends_its_call_once(rig: ModelsRig, server: StandInLLM) -> None:
    """Breaking out of a stream and closing it ends the call (once) with its TTFC."""
    rig.models.instrument_openai()
    with openai.OpenAI(base_url=server.openai_url, api_key="test") as client:
        stream = client.chat.completions.create(model="acme-gpt", messages=MESSAGES,
                                                stream=True)
        with stream:
            next(iter(stream))
        assert len(rig.spans.get_finished_spans()) == 1
        del stream
    one_call(rig)
    assert count(rig, TTFC) == 1
