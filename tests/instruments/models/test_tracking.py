"""track_inference: CLIENT spans with gen_ai.* attributes, streams, errors, decorators."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from otel_measure.instruments.models import current_inference
from otel_measure.options import ModelOptions
from tests.support.models import PRICES, ModelsRig


class ProviderError(Exception):
    """An exception from a non-builtin module, like an SDK's."""


@pytest.fixture
def rig() -> ModelsRig:
    """A fresh rig with the acme-chat price."""
    return ModelsRig()


def test_span_name_kind_and_gen_ai_attributes(rig: ModelsRig) -> None:
    """The span is CLIENT "{operation} {model}" with the conventions' attributes."""
    with rig.models.track_inference("acme-chat", provider="openai",
                                    server_address="api.example.com", server_port=443,
                                    attributes={"gen_ai.request.temperature": 0.2}) as call:
        call.set_usage(input_tokens=120, output_tokens=30, cached_input_tokens=20)
        call.set_response(model="acme-chat-2025-01-01", id="resp-1", finish_reasons=["stop"])
    [span] = rig.spans.get_finished_spans()
    assert (span.name, span.kind) == ("chat acme-chat", SpanKind.CLIENT)
    assert dict(span.attributes or {}) == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "acme-chat",
        "server.address": "api.example.com",
        "server.port": 443,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.usage.input_tokens": 120,
        "gen_ai.usage.output_tokens": 30,
        "gen_ai.usage.cache_read.input_tokens": 20,
        "gen_ai.response.model": "acme-chat-2025-01-01",
        "gen_ai.response.id": "resp-1",
        "gen_ai.response.finish_reasons": ("stop",),
    }
    assert span.status.status_code == StatusCode.UNSET


def test_duration_comes_from_the_clock_and_usage_is_priced(rig: ModelsRig) -> None:
    """The block's time is the duration; reported usage is recorded and priced."""
    with rig.models.track_inference("acme-chat", operation="text_completion") as call:
        rig.tick(1.25)
        call.set_usage(input_tokens=1_000, output_tokens=100)
    [point] = rig.points("gen_ai.client.operation.duration")
    assert (point.sum, point.attributes["gen_ai.operation.name"]) == (1.25, "text_completion")
    assert rig.models.get_cost_metrics().total_usd == pytest.approx(
        (1_000 * 3.0 + 100 * 15.0) / 1e6)


def test_first_chunk_sets_ttfc_and_chunks_set_gaps(rig: ModelsRig) -> None:
    """TTFC is the time to the first chunk, never the whole call; later chunks set gaps."""
    with rig.models.track_inference("acme-chat") as call:
        rig.tick(0.3)
        call.first_chunk()
        for gap in (0.05, 0.15):
            rig.tick(gap)
            call.chunk()
        rig.tick(0.5)
    [ttfc] = rig.points("gen_ai.client.operation.time_to_first_chunk")
    [gaps] = rig.points("gen_ai.client.operation.time_per_output_chunk")
    [duration] = rig.points("gen_ai.client.operation.duration")
    assert ttfc.sum == pytest.approx(0.3) and duration.sum == pytest.approx(1.0)
    assert (gaps.count, gaps.sum) == (2, pytest.approx(0.2))
    assert rig.metrics()["gen_ai.client.operation.time_per_output_chunk"].unit == "s"
    [span] = rig.spans.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes["gen_ai.response.time_to_first_chunk"] == pytest.approx(0.3)


def test_non_streamed_call_records_no_chunk_metrics(rig: ModelsRig) -> None:
    """Without first_chunk()/chunk() there is no TTFC and no chunk gap."""
    with rig.models.track_inference("acme-chat"):
        rig.tick(2.0)
    assert rig.points("gen_ai.client.operation.time_to_first_chunk") == []
    assert rig.points("gen_ai.client.operation.time_per_output_chunk") == []


def test_exception_sets_error_type_and_is_reraised(rig: ModelsRig) -> None:
    """An exception in the block is re-raised, with error.type on span and duration."""
    with pytest.raises(ProviderError), rig.models.track_inference("acme-chat"):
        raise ProviderError("boom")
    with pytest.raises(KeyError), rig.models.track_inference("acme-chat"):
        raise KeyError("x")
    expected = {f"{ProviderError.__module__}.ProviderError", "KeyError"}
    spans = rig.spans.get_finished_spans()
    assert {s.attributes["error.type"] for s in spans if s.attributes} == expected
    assert {s.status.status_code for s in spans} == {StatusCode.ERROR}
    assert all(e.name == "exception" for s in spans for e in s.events)
    assert {p.attributes["error.type"] for p in
            rig.points("gen_ai.client.operation.duration")} == expected


def test_fail_marks_an_error_without_exception(rig: ModelsRig) -> None:
    """call.fail() records error.type while the block exits normally."""
    with rig.models.track_inference("acme-chat") as call:
        call.fail("content_filter")
    [point] = rig.points("gen_ai.client.operation.duration")
    assert point.attributes["error.type"] == "content_filter"
    assert rig.models.get_latency_metrics("acme-chat").error_rate == 1.0


def test_sync_decorator_reads_openai_and_anthropic_usage(rig: ModelsRig) -> None:
    """A decorated function's OpenAI- or Anthropic-shaped response reports usage."""

    @rig.models.track_inference("acme-chat")
    def openai_style(question: str) -> dict[str, Any]:
        return {"id": "chatcmpl-1", "model": "acme-chat-v2",
                "usage": {"prompt_tokens": 11, "completion_tokens": 7,
                          "prompt_tokens_details": {"cached_tokens": 4}}}

    @rig.models.track_inference("acme-chat")
    def anthropic_style() -> Any:
        return SimpleNamespace(id="msg_1", model="acme-chat-v3", usage=SimpleNamespace(
            input_tokens=5, output_tokens=2, cache_read_input_tokens=1))

    assert openai_style.__name__ == "openai_style"
    assert openai_style("hi")["id"] == "chatcmpl-1"
    anthropic_style()
    keys = ("gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
            "gen_ai.usage.cache_read.input_tokens", "gen_ai.response.id")
    got = [tuple(s.attributes[k] for k in keys) for s in rig.spans.get_finished_spans()
           if s.attributes]
    assert got == [(11, 7, 4, "chatcmpl-1"), (5, 2, 1, "msg_1")]


def test_async_decorator_and_async_with(rig: ModelsRig) -> None:
    """Coroutines are tracked; their exceptions are re-raised with error.type."""

    @rig.models.track_inference("acme-chat", operation="embeddings")
    async def embed(fail: bool) -> int:
        await asyncio.sleep(0)
        rig.tick(0.5)
        if fail:
            raise TimeoutError("slow")
        current_inference().set_usage(input_tokens=8)
        return 3

    async def main() -> None:
        assert await embed(False) == 3
        with pytest.raises(TimeoutError):
            await embed(True)
        async with rig.models.track_inference("acme-chat") as call:
            call.set_usage(output_tokens=2)

    asyncio.run(main())
    durations = {p.attributes.get("error.type", "ok"): p
                 for p in rig.points("gen_ai.client.operation.duration")
                 if p.attributes["gen_ai.operation.name"] == "embeddings"}
    assert {k: (p.count, p.sum) for k, p in durations.items()} == {
        "ok": (1, 0.5), "TimeoutError": (1, 0.5)}
    spans = rig.spans.get_finished_spans()
    assert [s.name for s in spans] == ["embeddings acme-chat"] * 2 + ["chat acme-chat"]
    assert spans[0].attributes is not None and spans[0].attributes[
        "gen_ai.usage.input_tokens"] == 8


def test_generator_decorator_is_a_stream(rig: ModelsRig) -> None:
    """Each yielded item is a chunk; TTFC is the time to the first one."""

    @rig.models.track_inference("acme-chat")
    def stream() -> Iterator[str]:
        rig.tick(0.4)
        yield "a"
        rig.tick(0.1)
        yield "b"
        rig.tick(0.1)
        yield "c"

    assert list(stream()) == ["a", "b", "c"]
    [ttfc] = rig.points("gen_ai.client.operation.time_to_first_chunk")
    [gaps] = rig.points("gen_ai.client.operation.time_per_output_chunk")
    assert ttfc.sum == pytest.approx(0.4) and gaps.count == 2
    early = stream()
    assert next(early) == "a"
    early.close()  # the consumer stops reading: not an error
    spans = rig.spans.get_finished_spans()
    assert len(spans) == 2 and all("error.type" not in (s.attributes or {}) for s in spans)


def test_async_generator_decorator_is_a_stream(rig: ModelsRig) -> None:
    """Async generators are streams too; an error mid-stream sets error.type."""

    @rig.models.track_inference("acme-chat")
    async def stream(fail: bool) -> AsyncIterator[str]:
        rig.tick(0.2)
        yield "x"
        if fail:
            raise ProviderError("stream cut")
        rig.tick(0.3)
        yield "y"

    async def main() -> list[str]:
        out = [chunk async for chunk in stream(False)]
        with pytest.raises(ProviderError):
            async for _ in stream(True):
                pass
        return out

    assert asyncio.run(main()) == ["x", "y"]
    ttfc = rig.points("gen_ai.client.operation.time_to_first_chunk")
    assert sum(p.count for p in ttfc) == 2
    errors = [s.attributes.get("error.type") for s in rig.spans.get_finished_spans()
              if s.attributes]
    assert errors == [None, f"{ProviderError.__module__}.ProviderError"]


def test_inner_spans_are_children_and_current_inference_is_scoped(rig: ModelsRig) -> None:
    """Spans opened in the block are children; current_inference() is inert outside."""
    with rig.models.track_inference("acme-chat") as call:
        assert current_inference() is call
        assert trace.get_current_span() is call.span
        child = rig.models.tracer.start_span("http POST")
        child.end()
    outside = current_inference()
    outside.set_usage(input_tokens=5)
    outside.chunk()
    spans = {s.name: s for s in rig.spans.get_finished_spans()}
    assert spans["http POST"].parent is not None
    assert spans["http POST"].parent.span_id == spans["chat acme-chat"].context.span_id
    assert len(rig.points("gen_ai.client.operation.duration")) == 1


def test_content_is_captured_only_when_opted_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prompt and response messages reach the span only with capture_content."""
    messages = [{"role": "user", "content": "secret question"}]
    off = ModelsRig()
    with off.models.track_inference("acme-chat") as call:
        call.set_input_messages(messages)
        call.set_output_messages("secret answer")
    [span] = off.spans.get_finished_spans()
    assert "secret" not in json.dumps(dict(span.attributes or {}))
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    on = ModelsRig(ModelOptions(pricing=PRICES))
    with on.models.track_inference("acme-chat") as call:
        call.set_input_messages(messages)
        call.set_output_messages("secret answer")
    [span] = on.spans.get_finished_spans()
    assert span.attributes is not None
    assert json.loads(str(span.attributes["gen_ai.input.messages"])) == messages
    assert span.attributes["gen_ai.output.messages"] == "secret answer"


def test_rejected_call_runs_the_block_and_records_nothing() -> None:
    """A bad model name is counted; the app's block still runs; strict raises at once."""
    rig = ModelsRig()
    ran = []
    with rig.models.track_inference("") as call:
        ran.append(True)
        call.set_usage(input_tokens=3)
    assert ran == [True] and rig.spans.get_finished_spans() == ()
    assert rig.rejections.counts() == {"models.invalid_model": 1}
    strict = ModelsRig(strict=True)
    with pytest.raises(ValueError, match="model"), strict.models.track_inference(""):
        pass


def test_bad_usage_reported_in_a_call_is_rejected(rig: ModelsRig) -> None:
    """Negative tokens from set_usage() drop the call's metrics but still end its span."""
    with rig.models.track_inference("acme-chat") as call:
        call.set_usage(input_tokens=-5)
    assert rig.rejections.counts() == {"models.invalid_tokens": 1}
    assert rig.points("gen_ai.client.operation.duration") == []
    assert len(rig.spans.get_finished_spans()) == 1


class _HostileResponse:
    """A response whose ``usage`` property raises, as a broken SDK object might."""

    id = "resp-9"

    @property
    def usage(self) -> Any:
        raise RuntimeError("usage is not available")


def test_unreadable_response_is_counted_and_logged_once(
        rig: ModelsRig, caplog: pytest.LogCaptureFixture) -> None:
    """A response absorb() cannot read never fails the app; it is counted and logged once."""

    @rig.models.track_inference("acme-chat")
    def broken() -> Any:
        return _HostileResponse()

    with caplog.at_level("WARNING", logger="otel_measure"):
        assert isinstance(broken(), _HostileResponse)
        assert isinstance(broken(), _HostileResponse)
    assert rig.rejections.counts() == {"models.unreadable_response": 2}
    counted = {p.attributes["reason"]: p.value for p in rig.points("measure.rejected")}
    assert counted == {"models.unreadable_response": 2}
    assert sum("unreadable_response" in r.getMessage() for r in caplog.records) == 1
    # The call itself is still measured: a span and a duration each time.
    assert len(rig.spans.get_finished_spans()) == 2
    assert sum(p.count for p in rig.points("gen_ai.client.operation.duration")) == 2
    strict = ModelsRig(strict=True)
    strict.models.track_inference("acme-chat")(lambda: _HostileResponse())()
    assert strict.rejections.counts() == {"models.unreadable_response": 1}
