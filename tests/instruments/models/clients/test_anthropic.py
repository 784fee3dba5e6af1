"""The real ``anthropic`` client against the stand-in: messages, streams, tool use.

Anthropic reports input tokens without prompt-cache reads and writes; the recorded
input tokens include them (the GenAI conventions' definition).
"""

from __future__ import annotations

import asyncio
from typing import Any

import anthropic
import pytest
from opentelemetry.trace import SpanKind

from tests.instruments.models.clients.conftest import CLAUDE, count, tokens
from tests.support.llm_server import StandInLLM
from tests.support.models import ModelsRig

ARGS: dict[str, Any] = {"model": "acme-claude", "max_tokens": 64,
                        "messages": [{"role": "user", "content": "Where is my order?"}]}
TOOLS = [{"name": "get_weather", "input_schema": {"type": "object"}}]
TTFC = "gen_ai.client.operation.time_to_first_chunk"
INPUT = 10 + 6 + 3  # uncached + cache read + cache write


def run(server: StandInLLM, mode: str, sync: Any, async_: Any) -> Any:
    """Run ``sync(client)`` with a sync client, or ``async_(client)`` with an async one."""
    if mode == "sync":
        with anthropic.Anthropic(base_url=server.anthropic_url, api_key="test") as client:
            return sync(client)

    async def main() -> Any:
        async with anthropic.AsyncAnthropic(base_url=server.anthropic_url,
                                            api_key="test") as client:
            return await async_(client)

    return asyncio.run(main())


def check_call(rig: ModelsRig, finish: str, streamed: bool) -> None:
    """One span and one duration point with Anthropic's usage and cost."""
    [span] = rig.spans.get_finished_spans()
    assert (span.name, span.kind) == ("chat acme-claude", SpanKind.CLIENT)
    attrs = dict(span.attributes or {})
    assert attrs["gen_ai.provider.name"] == "anthropic"
    assert attrs["gen_ai.usage.input_tokens"] == INPUT
    assert attrs["gen_ai.usage.cache_read.input_tokens"] == 6
    assert attrs["gen_ai.usage.output_tokens"] == 7
    assert attrs["gen_ai.response.finish_reasons"] == (finish,)
    assert attrs["gen_ai.response.model"] == "acme-claude-2026-01-01"
    assert count(rig, "gen_ai.client.operation.duration") == 1
    assert count(rig, TTFC) == (1 if streamed else 0)
    assert tokens(rig) == {"input": INPUT, "output": 7}
    cost = rig.models.get_cost_metrics("acme-claude")
    assert cost.requests == 1
    assert cost.cached_input_usd == pytest.approx(6 * CLAUDE["cached_input"] / 1e6)
    # 10 uncached input tokens at the input price, 3 cache writes at the cache-write price.
    assert cost.input_usd == pytest.approx((10 * CLAUDE["input"] + 3 * CLAUDE["cache_write"])
                                           / 1e6)
    assert attrs["gen_ai.usage.cache_creation.input_tokens"] == 3
    assert cost.output_usd == pytest.approx(7 * CLAUDE["output"] / 1e6)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Sync or async client."""
    return str(request.param)


@pytest.mark.parametrize("tools", [False, True])
def test_message(rig: ModelsRig, server: StandInLLM, mode: str, tools: bool) -> None:
    """messages.create (text or tool use) is one call with cache-inclusive input tokens."""
    rig.models.instrument_anthropic()
    kwargs = {**ARGS, "tools": TOOLS} if tools else ARGS
    message = run(server, mode, lambda c: c.messages.create(**kwargs),
                  lambda c: c.messages.create(**kwargs))
    assert message.content[0].type == ("tool_use" if tools else "text")
    check_call(rig, "tool_use" if tools else "end_turn", streamed=False)


@pytest.mark.parametrize("tools", [False, True])
def test_streamed_message(rig: ModelsRig, server: StandInLLM, mode: str, tools: bool) -> None:
    """messages.create(stream=True) yields the SDK's events and is measured once."""
    rig.models.instrument_anthropic()
    kwargs = {**ARGS, "stream": True, **({"tools": TOOLS} if tools else {})}

    async def arun(c: Any) -> list[Any]:
        return [e async for e in await c.messages.create(**kwargs)]

    events = run(server, mode, lambda c: list(c.messages.create(**kwargs)), arun)
    assert events[0].type == "message_start" and events[-1].type == "message_stop"
    check_call(rig, "tool_use" if tools else "end_turn", streamed=True)


def test_stream_helper(rig: ModelsRig, server: StandInLLM, mode: str) -> None:
    """The messages.stream() helper (text_stream, get_final_message) is one call."""
    rig.models.instrument_anthropic()

    def sync(c: Any) -> Any:
        with c.messages.stream(**ARGS) as stream:
            return "".join(stream.text_stream), stream.get_final_message()

    async def arun(c: Any) -> Any:
        async with c.messages.stream(**ARGS) as stream:
            text = "".join([t async for t in stream.text_stream])
            return text, await stream.get_final_message()

    text, final = run(server, mode, sync, arun)
    assert text == "Hello from the stand-in."
    assert final.usage.cache_creation_input_tokens == 3
    check_call(rig, "end_turn", streamed=True)
