"""Real ``openai`` and ``anthropic`` client calls in ``otel-measure demo``.

When the packages are installed, the demo starts the local stand-in server
(:mod:`.stand_in`), instruments one client of each library with
``m.models.instrument_openai(client)`` / ``instrument_anthropic(client)`` and makes real
SDK calls through them: plain and streamed chats, a tool call, embeddings, an Anthropic
stream and, now and then, a 500 the client retries. Nothing leaves the machine.
"""

from __future__ import annotations

import importlib
import random
from typing import Any

from otel_measure._measure import Measure
from otel_measure.demo.stand_in import StandInLLM

__all__ = ["CLIENT_MODELS", "ClientCalls"]

OPENAI_CHAT, OPENAI_EMBED, ANTHROPIC_CHAT = "gpt-4.1-mini", "text-embedding-3-large", \
    "claude-opus-4-1"
CLIENT_MODELS = (OPENAI_CHAT, OPENAI_EMBED, ANTHROPIC_CHAT)
_ASK = [{"role": "user", "content": "Where is my order?"}]
_TOOLS = [{"type": "function", "function": {"name": "order_status", "parameters": {
    "type": "object", "properties": {"order_id": {"type": "string"}}}}}]


def _load(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


class ClientCalls:
    """Drives the real client libraries through the stand-in (nothing when not installed)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._openai_lib, self._anthropic_lib = _load("openai"), _load("anthropic")
        self._server: StandInLLM | None = None
        self._openai: Any = None
        self._anthropic: Any = None
        self.calls = 0

    @property
    def libraries(self) -> tuple[str, ...]:
        """The client libraries the demo drives."""
        return tuple(n for n, lib in (("openai", self._openai_lib),
                                      ("anthropic", self._anthropic_lib)) if lib is not None)

    def _start(self, measure: Measure) -> None:
        self._server = StandInLLM()
        if self._openai_lib is not None:
            self._openai = self._openai_lib.OpenAI(
                base_url=self._server.openai_url, api_key="stand-in", max_retries=2)
            measure.models.instrument_openai(self._openai)
        if self._anthropic_lib is not None:
            self._anthropic = self._anthropic_lib.Anthropic(
                base_url=self._server.anthropic_url, api_key="stand-in", max_retries=2)
            measure.models.instrument_anthropic(self._anthropic)

    def step(self, measure: Measure) -> None:
        """A few real client calls (the first step starts the stand-in)."""
        if not self.libraries:
            return
        if self._server is None:
            self._start(measure)
        rng, server = self._rng, self._server
        assert server is not None
        if rng.random() < 0.1:
            server.fail_next(500)  # the client retries: still one measured call
        if self._openai is not None:
            chat = self._openai.chat.completions
            if rng.random() < 0.5:
                chat.create(model=OPENAI_CHAT, messages=_ASK)
            else:
                for _ in chat.create(model=OPENAI_CHAT, messages=_ASK, stream=True,
                                     stream_options={"include_usage": True}):
                    pass
            if rng.random() < 0.3:
                chat.create(model=OPENAI_CHAT, messages=_ASK, tools=_TOOLS)
            self._openai.embeddings.create(model=OPENAI_EMBED, input=["order 1234"])
            self.calls += 2
        if self._anthropic is not None:
            with self._anthropic.messages.stream(model=ANTHROPIC_CHAT, max_tokens=256,
                                                 messages=_ASK) as stream:
                stream.until_done()
            self.calls += 1

    def close(self) -> None:
        """Close the clients and stop the stand-in (idempotent)."""
        for client in (self._openai, self._anthropic):
            if client is not None:
                client.close()
        self._openai = self._anthropic = None
        if self._server is not None:
            self._server.close()
            self._server = None
