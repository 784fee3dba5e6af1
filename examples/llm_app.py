"""An LLM application measured with otel-measure, runnable without any API key.

A simulated streaming chat client stands in for a provider SDK (``stream=True``): each
question is one ``track_inference`` call, so every call gets a CLIENT span, the GenAI
metrics (duration, token usage, time to first chunk, time per chunk), its cost from
the offline price table, and rate-limit errors as ``error.type``. At the end the app
scores its answers with BLEU and prints cost and latency.

Run: python examples/llm_app.py   then scrape http://127.0.0.1:9464/metrics
(OTEL_MEASURE_EXAMPLE_SECONDS sets how long it runs; 20 s by default.)
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import otel_measure

MODEL = "gpt-4o-mini"
SECONDS = float(os.environ.get("OTEL_MEASURE_EXAMPLE_SECONDS", "20"))
FAQ = {
    "When will my order ship?": "your order ships within two business days",
    "Can I return an item?": "items can be returned within 30 days",
    "When does the store open?": "the store opens at 9 am every weekday",
}


class RateLimitError(Exception):
    """HTTP 429 from the (simulated) provider."""


@dataclass
class Usage:
    prompt_tokens: int
    completion_tokens: int


@dataclass
class Chunk:
    """One streamed delta; the last one carries usage, as OpenAI's include_usage does."""

    text: str
    usage: Usage | None = None


class FakeChatClient:
    """Streams canned answers word by word with provider-like timing."""

    def __init__(self, seed: int = 1) -> None:
        self._rng = random.Random(seed)

    async def stream(self, model: str, question: str) -> AsyncIterator[Chunk]:
        rng = self._rng
        await asyncio.sleep(rng.uniform(0.02, 0.08))  # queueing + prompt processing
        if rng.random() < 0.05:
            raise RateLimitError("429: rate limit reached for " + model)
        words = FAQ[question].split()
        if rng.random() < 0.3:
            words = words[::-1][:3] + words[3:]  # a worse answer now and then
        for word in words:
            await asyncio.sleep(rng.uniform(0.002, 0.006))
            yield Chunk(word + " ")
        yield Chunk("", Usage(prompt_tokens=40 + len(question.split()) * 2,
                              completion_tokens=len(words) * 2))


async def ask(m: otel_measure.Measure, client: FakeChatClient, question: str) -> str | None:
    """One measured chat call; returns the answer, or None when rate-limited."""
    try:
        async with m.models.track_inference(MODEL, provider="openai",
                                            server_address="api.openai.com") as call:
            # Kept on the span only with ModelOptions(capture_content=True).
            call.set_input_messages([{"role": "user", "content": question}])
            parts = []
            async for chunk in client.stream(MODEL, question):
                if chunk.text:
                    call.chunk()  # first chunk → time to first chunk; later → chunk gaps
                    parts.append(chunk.text)
                if chunk.usage is not None:
                    call.set_usage(input_tokens=chunk.usage.prompt_tokens,
                                   output_tokens=chunk.usage.completion_tokens)
            answer = "".join(parts).strip()
            call.set_output_messages([{"role": "assistant", "content": answer}])
            return answer
    except RateLimitError:
        return None  # recorded with error.type; a real app would back off and retry


async def main() -> None:
    m = otel_measure.setup(service_name="llm-app")
    print("metrics at", m.prometheus_url)
    client = FakeChatClient()
    questions = list(FAQ)
    answers: list[str] = []
    references: list[str] = []
    deadline = time.monotonic() + SECONDS
    while time.monotonic() < deadline:
        batch = [questions[i % len(questions)] for i in range(len(answers), len(answers) + 4)]
        for question, answer in zip(batch, await asyncio.gather(
                *(ask(m, client, q) for q in batch)), strict=True):
            if answer is not None:
                answers.append(answer)
                references.append(FAQ[question])
    bleu = m.models.calculate_bleu_score(answers, [references], model=MODEL)
    latency = m.models.get_latency_metrics(MODEL)
    cost = m.models.get_cost_metrics()
    print(f"{latency.total_calls} calls, p95 {(latency.p95_s or 0) * 1000:.0f} ms, time to "
          f"first chunk p50 {(latency.ttfc_p50_s or 0) * 1000:.0f} ms, errors "
          f"{latency.error_rate or 0:.1%}")
    print(f"cost ${cost.total_usd:.6f} (${cost.cost_per_1k_requests or 0:.4f} per 1,000 "
          f"calls; prices as of {cost.price_table_as_of}), BLEU {bleu.score:.3f}")
    m.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
