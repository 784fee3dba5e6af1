"""Errors, retries, instrument/uninstrument and content capture of the client hooks."""

from __future__ import annotations

import asyncio
import sys

import anthropic
import openai
import pytest
from opentelemetry.trace import StatusCode

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.options import ModelOptions
from tests.instruments.models.clients.conftest import PRICES, count
from tests.support.llm_server import SLOW_MODEL, StandInLLM
from tests.support.models import ModelsRig
from tests.support.net import free_port

MESSAGES = [{"role": "user", "content": "Where is my order?"}]
DURATION = "gen_ai.client.operation.duration"


def chat(server: StandInLLM, **options: object) -> object:
    """One plain chat completion through a fresh sync client."""
    with openai.OpenAI(base_url=server.openai_url, api_key="test", **options) as client:
        return client.chat.completions.create(model="acme-gpt", messages=MESSAGES)


def errors(rig: ModelsRig) -> dict[str, int]:
    """Duration point counts by error.type (``ok`` without one)."""
    return {p.attributes.get("error.type", "ok"): p.count for p in rig.points(DURATION)}


def test_http_error_is_recorded_and_reraised_unchanged(rig: ModelsRig,
                                                       server: StandInLLM) -> None:
    """A 404 is a failed call with error.type; the SDK's exception reaches the caller."""
    rig.models.instrument_openai()
    server.fail_next(404)
    with pytest.raises(openai.NotFoundError) as caught:
        chat(server, max_retries=0)
    assert caught.value.status_code == 404
    assert errors(rig) == {"openai.NotFoundError": 1}
    [span] = rig.spans.get_finished_spans()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "openai.NotFoundError"
    assert rig.models.get_latency_metrics("acme-gpt").error_rate == 1.0


def test_retries_are_one_logical_call(rig: ModelsRig, server: StandInLLM) -> None:
    """Two 500s then a success: three requests, one measured successful call."""
    rig.models.instrument_openai()
    before = len(server.requests)
    server.fail_next(500, times=2)
    chat(server, max_retries=2)
    assert len(server.requests) - before == 3
    assert errors(rig) == {"ok": 1}
    assert len(rig.spans.get_finished_spans()) == 1


def test_exhausted_retries_are_one_failed_call(rig: ModelsRig, server: StandInLLM) -> None:
    """Failing every attempt records one failure with the final error."""
    rig.models.instrument_anthropic()
    server.fail_next(500, times=2)
    with anthropic.Anthropic(base_url=server.anthropic_url, api_key="t", max_retries=1) as c, \
            pytest.raises(anthropic.InternalServerError):
        c.messages.create(model="acme-claude", max_tokens=8, messages=MESSAGES)
    assert errors(rig) == {"anthropic.InternalServerError": 1}


def test_timeout_and_connection_errors(rig: ModelsRig, server: StandInLLM) -> None:
    """A client timeout and a refused connection are failures with their error.type."""
    rig.models.instrument_openai()
    server.release.clear()
    with openai.OpenAI(base_url=server.openai_url, api_key="t", max_retries=0,
                       timeout=0.2) as client, pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model=SLOW_MODEL, messages=MESSAGES)
    server.release.set()
    closed = f"http://127.0.0.1:{free_port()}/v1"
    with openai.OpenAI(base_url=closed, api_key="t", max_retries=0) as client, \
            pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="acme-gpt", messages=MESSAGES)
    by_model = {(p.attributes["gen_ai.request.model"], p.attributes["error.type"])
                for p in rig.points(DURATION)}
    assert by_model == {(SLOW_MODEL, "openai.APITimeoutError"),
                        ("acme-gpt", "openai.APIConnectionError")}


def test_async_error(rig: ModelsRig, server: StandInLLM) -> None:
    """The async client records failures the same way."""
    rig.models.instrument_openai()
    server.fail_next(429)

    async def main() -> None:
        async with openai.AsyncOpenAI(base_url=server.openai_url, api_key="t",
                                      max_retries=0) as client:
            await client.chat.completions.create(model="acme-gpt", messages=MESSAGES)

    with pytest.raises(openai.RateLimitError):
        asyncio.run(main())
    assert errors(rig) == {"openai.RateLimitError": 1}


def test_uninstrument_restores_the_library(rig: ModelsRig, server: StandInLLM) -> None:
    """After uninstrument() the classes are the SDK's again and calls record nothing."""
    handle = rig.models.instrument_openai()
    assert "request" in openai.OpenAI.__dict__
    handle.uninstrument()
    handle.uninstrument()  # idempotent
    assert "request" not in openai.OpenAI.__dict__
    assert "request" not in openai.AsyncOpenAI.__dict__
    chat(server)
    assert rig.spans.get_finished_spans() == ()
    assert count(rig, DURATION) == 0


def test_one_client_only(rig: ModelsRig, server: StandInLLM) -> None:
    """instrument_openai(client) measures that client and no other."""
    with openai.OpenAI(base_url=server.openai_url, api_key="t") as mine, \
            openai.OpenAI(base_url=server.openai_url, api_key="t") as other:
        handle = rig.models.instrument_openai(mine)
        mine.chat.completions.create(model="acme-gpt", messages=MESSAGES)
        other.chat.completions.create(model="acme-gpt", messages=MESSAGES)
        assert count(rig, DURATION) == 1
        handle.uninstrument()
        mine.chat.completions.create(model="acme-gpt", messages=MESSAGES)
    assert count(rig, DURATION) == 1


def test_global_and_client_instrumentation_count_once(rig: ModelsRig,
                                                      server: StandInLLM) -> None:
    """A client instrumented on top of the global patch is still counted once."""
    rig.models.instrument_openai()
    assert rig.models.instrument_openai() is rig.models.instrument_openai()
    with openai.OpenAI(base_url=server.openai_url, api_key="t") as client:
        rig.models.instrument_openai(client)
        client.chat.completions.create(model="acme-gpt", messages=MESSAGES)
    assert count(rig, DURATION) == 1
    assert len(rig.spans.get_finished_spans()) == 1


def test_content_is_captured_only_when_enabled(server: StandInLLM) -> None:
    """With capture_content the prompt and the answer are on the span."""
    rig = ModelsRig(ModelOptions(pricing=PRICES, capture_content=True))
    rig.models.instrument_openai()
    try:
        chat(server)
    finally:
        rig.models.close()
    [span] = rig.spans.get_finished_spans()
    assert "Where is my order?" in span.attributes["gen_ai.input.messages"]
    assert "Hello from the stand-in." in span.attributes["gen_ai.output.messages"]


def test_other_endpoints_are_not_measured(rig: ModelsRig, server: StandInLLM) -> None:
    """A call outside the matrix (models.retrieve, unknown here) passes through unmeasured."""
    rig.models.instrument_openai()
    with openai.OpenAI(base_url=server.openai_url, api_key="t", max_retries=0) as client, \
            pytest.raises(openai.APIStatusError):
        client.models.retrieve("acme-gpt")
    assert count(rig, DURATION) == 0


def test_missing_library_gives_the_install_hint(rig: ModelsRig,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the package: OtelMeasureConfigError naming the extra to install."""
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(OtelMeasureConfigError, match=r"pip install 'otel-measure\[anthropic\]'"):
        rig.models.instrument_anthropic()


def test_not_a_client_is_refused(rig: ModelsRig) -> None:
    """Passing something that is not a client raises a config error."""
    with pytest.raises(OtelMeasureConfigError, match="client="):
        rig.models.instrument_openai(object())
