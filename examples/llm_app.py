"""An LLM application measured with otel-measure: the real ``openai`` client, one setup line.

``setup(instrument=("openai",))`` patches the OpenAI client, so every call below gets a
CLIENT span, ``gen_ai.client.operation.duration``, token usage, time to first chunk on
streams, its cost, and an entry in ``m.models``' in-process statistics; nothing is
wrapped by hand. Without ``OPENAI_API_KEY`` the client talks to otel-measure's local
stand-in server (it speaks the OpenAI wire protocol); with the key, to the real API.
At the end the app scores its answers with BLEU and prints cost and latency.

Needs: pip install 'otel-measure[openai]'
Run: python examples/llm_app.py   then scrape http://127.0.0.1:9464/metrics
(OTEL_MEASURE_EXAMPLE_SECONDS sets how long it runs; 10 s by default.)
"""

from __future__ import annotations

import os
import time

import openai

import otel_measure
from otel_measure.demo.stand_in import StandInLLM

MODEL = "gpt-4o-mini"
SECONDS = float(os.environ.get("OTEL_MEASURE_EXAMPLE_SECONDS", "10"))
FAQ = {
    "When will my order ship?": "your order ships within two business days",
    "Can I return an item?": "items can be returned within 30 days",
}


def ask(client: openai.OpenAI, question: str, stream: bool) -> str:
    """One chat call; streamed calls ask for usage so they are priced too."""
    messages = [{"role": "system", "content": "Answer in one short sentence."},
                {"role": "user", "content": question}]
    if not stream:
        reply = client.chat.completions.create(model=MODEL, messages=messages)
        return reply.choices[0].message.content or ""
    chunks = client.chat.completions.create(
        model=MODEL, messages=messages, stream=True,
        stream_options={"include_usage": True})
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def main() -> None:
    m = otel_measure.setup(service_name="llm-app", instrument=("openai",))
    print("metrics at", m.prometheus_url)
    stand_in = None if os.environ.get("OPENAI_API_KEY") else StandInLLM()
    client = openai.OpenAI(base_url=stand_in.openai_url, api_key="stand-in") if stand_in \
        else openai.OpenAI()
    answers: list[str] = []
    references: list[str] = []
    deadline = time.monotonic() + SECONDS
    try:
        while time.monotonic() < deadline and len(answers) < 50:
            for i, (question, reference) in enumerate(FAQ.items()):
                try:
                    answers.append(ask(client, question, stream=i % 2 == 1))
                    references.append(reference)
                except openai.APIError:
                    pass  # recorded with its error.type; a real app would back off
    finally:
        client.close()
        if stand_in is not None:
            stand_in.close()
    bleu = m.models.calculate_bleu_score(answers, [references], model=MODEL)
    latency = m.models.get_latency_metrics(MODEL)
    cost = m.models.get_cost_metrics()
    print(f"{latency.total_calls} calls, p95 {(latency.p95_s or 0) * 1000:.1f} ms, time to "
          f"first chunk p50 {(latency.ttfc_p50_s or 0) * 1000:.1f} ms, errors "
          f"{latency.error_rate or 0:.1%}")
    print(f"cost ${cost.total_usd:.6f} (${cost.cost_per_1k_requests or 0:.4f} per 1,000 "
          f"calls; prices as of {cost.price_table_as_of}), BLEU {bleu.score:.3f}")
    m.shutdown()


if __name__ == "__main__":
    main()
