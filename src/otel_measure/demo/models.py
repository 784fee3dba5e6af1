"""The models domain's part of ``otel-measure demo``: chat, embedding and classifier traffic.

Simulated, no network and no API key: a chat model whose calls the app timed itself
(``record_inference`` with realistic latencies, streams and rate-limit errors), a second
chat model streamed live through ``track_inference`` (spans and chunk timings), an
embedding model, an in-house classifier with occasional ground truth, and periodic
quality evaluations (BLEU of the chat answers, accuracy of the classifier). The
classifier's inputs drift half-way through the default 60-second run (transaction amounts
grow, a new merchant category appears): its drift score moves and the summary shows it,
with fairness across regions from the labelled outcomes.
"""

from __future__ import annotations

import math
import random
import time

from otel_measure._measure import Measure
from otel_measure.demo.clients import CLIENT_MODELS, ClientCalls

__all__ = ["ModelsDriver"]

CHAT, STREAMED, EMBED, CLASSIFIER = (
    "gpt-4o-mini", "claude-haiku-4-5", "text-embedding-3-small", "fraud-classifier")
REGIONS = ("north", "south", "east", "west")
_MERCHANTS = ("grocery", "travel", "electronics", "fuel")
_ANSWERS = (
    ("the order ships within two business days", "your order ships within two business days"),
    ("you can return any item within 30 days", "items can be returned within 30 days"),
    ("the store opens at 9 am on weekdays", "the store opens at 9 am every weekday"),
    ("payment failed because the card expired", "the payment failed since the card expired"),
)


class RateLimitError(Exception):
    """What the simulated provider raises now and then."""


class ModelsDriver:
    """Simulated LLM, embedding and classifier workload for the models domain."""

    name = "models"

    def __init__(self, rng: random.Random, drift_after_s: float = 30.0) -> None:
        self._rng = rng
        self._drift_after_s = drift_after_s
        self._drift: list[tuple[float, float, bool]] = []  # (elapsed, statistic, drifted)
        self._registered = False
        self._last_eval = -math.inf
        self._hypotheses: list[str] = []
        self._references: list[str] = []
        self._truth: list[int] = []
        self._predicted: list[int] = []
        self._clients = ClientCalls(rng)  # real openai/anthropic calls via the stand-in

    def _register(self, measure: Measure) -> None:
        models = measure.models
        models.register_model(CHAT, provider="openai", task="chat")
        models.register_model(STREAMED, provider="anthropic", task="chat")
        models.register_model(EMBED, provider="openai", task="embeddings")
        models.register_model(CLASSIFIER, version="2.3.0", task="classification",
                              groups=REGIONS)
        # The training sample the classifier was fitted on is its drift baseline.
        train = random.Random(11)
        amounts = [train.lognormvariate(math.log(40.0), 0.8) for _ in range(1_000)]
        models.set_baseline(CLASSIFIER, amounts, "amount")
        models.set_baseline(CLASSIFIER, [train.choice(_MERCHANTS) for _ in range(1_000)],
                            "merchant")
        # About 16% of live predictions are positive (10% fraud, 8% errors).
        models.set_baseline(CLASSIFIER, [int(train.random() < 0.164) for _ in range(1_000)])
        self._registered = True

    def step(self, measure: Measure, elapsed_s: float) -> None:
        """Record a few calls of each model; evaluate quality every five seconds."""
        if not self._registered:
            self._register(measure)
        rng, models = self._rng, measure.models
        busy = 1 + (1 + math.sin(elapsed_s / 7.0)) / 2  # traffic breathes slowly
        for _ in range(rng.randint(1, int(3 * busy))):
            self._chat(measure)
        self._stream(measure)
        self._clients.step(measure)
        for _ in range(rng.randint(1, 4)):
            models.record_inference(EMBED, rng.lognormvariate(math.log(0.05), 0.3),
                                    rng.randint(8, 400), None, operation="embeddings")
        drifting = elapsed_s >= self._drift_after_s
        for _ in range(rng.randint(2, 6)):
            truth = int(rng.random() < 0.1)
            predicted = truth if rng.random() < 0.92 else 1 - truth
            known = rng.random() < 0.3  # ground truth arrives for some transactions
            amount = rng.lognormvariate(math.log(90.0 if drifting else 40.0), 0.8)
            models.observe_feature(CLASSIFIER, "amount", amount)
            models.observe_feature(CLASSIFIER, "merchant", "crypto" if drifting and
                                   rng.random() < 0.3 else rng.choice(_MERCHANTS))
            models.record_inference(CLASSIFIER, rng.lognormvariate(math.log(0.004), 0.4),
                                    operation="predict", provider="internal",
                                    prediction=predicted, label=truth if known else None)
            if known:
                models.observe_outcome(CLASSIFIER, rng.choice(REGIONS), predicted, truth)
            self._truth.append(truth)
            self._predicted.append(predicted)
        if elapsed_s - self._last_eval >= 5.0:
            self._evaluate(measure)
            self._check_drift(measure, elapsed_s)
            self._last_eval = elapsed_s

    def _chat(self, measure: Measure) -> None:
        rng = self._rng
        if rng.random() < 0.04:
            measure.models.record_inference(CHAT, rng.uniform(0.05, 0.3), operation="chat",
                                            error_type="RateLimitError")
            return
        answer, reference = rng.choice(_ANSWERS)
        ttfc = rng.lognormvariate(math.log(0.35), 0.4)
        out = rng.randint(30, 250)
        latency = ttfc + out * rng.uniform(0.008, 0.02)
        prompt = rng.randint(200, 3000)
        measure.models.record_inference(
            CHAT, latency, prompt, out, time_to_first_token_s=ttfc,
            cached_input_tokens=int(prompt * 0.6) if rng.random() < 0.3 else None)
        self._hypotheses.append(answer if rng.random() < 0.7 else reference)
        self._references.append(reference)

    def _stream(self, measure: Measure) -> None:
        rng = self._rng
        try:
            with measure.models.track_inference(STREAMED, provider="anthropic",
                                                server_address="api.anthropic.com") as call:
                time.sleep(rng.uniform(0.002, 0.01))  # waiting for the first chunk
                if rng.random() < 0.03:
                    raise RateLimitError("429 Too Many Requests")
                words = rng.choice(_ANSWERS)[0].split()
                for _ in words:
                    call.chunk()
                    time.sleep(0.0005)
                call.set_usage(input_tokens=rng.randint(100, 900), output_tokens=len(words) * 2)
                call.set_response(model=f"{STREAMED}-20251001", finish_reasons=["end_turn"])
        except RateLimitError:
            pass  # a real app would back off and retry

    def _evaluate(self, measure: Measure) -> None:
        models = measure.models
        if self._hypotheses:
            models.calculate_bleu_score(self._hypotheses[-200:], [self._references[-200:]],
                                        model=CHAT)
        if len(set(self._truth[-500:]) | set(self._predicted[-500:])) == 2:
            models.calculate_accuracy_metrics(CLASSIFIER, self._truth[-500:],
                                              self._predicted[-500:])

    def _check_drift(self, measure: Measure, elapsed_s: float) -> None:
        try:
            result = measure.models.detect_model_drift(CLASSIFIER, "amount")
        except ValueError:  # no current transaction yet
            return
        self._drift.append((elapsed_s, result.statistic, result.drifted))

    def status(self, measure: Measure) -> str:
        """Total cost so far, the chat model's p95 latency and the latest drift score."""
        cost = measure.models.get_cost_metrics()
        p95 = measure.models.get_latency_metrics(CHAT).p95_s if self._registered else None
        p95_text = "n/a" if p95 is None else f"{p95 * 1000:.0f} ms"
        drift = f"  drift {self._drift[-1][1]:.3f}" if self._drift else ""
        return f"llm ${cost.total_usd:.4f}  chat p95 {p95_text}{drift}"

    def summary(self, measure: Measure) -> list[str]:
        """Per-model calls, p95 latency, error rate and cost; BLEU and accuracy."""
        models = measure.models
        if not self._registered:
            return ["  no model calls"]
        cost = models.get_cost_metrics()
        lines = [f"  cost: ${cost.total_usd:.4f} over {cost.requests} calls (input "
                 f"${cost.input_usd:.4f}, cached ${cost.cached_input_usd:.4f}, output "
                 f"${cost.output_usd:.4f}); price table as of {cost.price_table_as_of}"]
        self._clients.close()
        called = tuple(n for n in CLIENT_MODELS if n in models.list_models())
        if called:
            lines.append(f"  {', '.join(called)}: real {' and '.join(self._clients.libraries)} "
                         "client calls through the local stand-in server (instrument_*)")
        elif not self._clients.libraries:
            lines.append("  real client calls: off; pip install 'otel-measure[openai,anthropic]' "
                         "to drive the openai and anthropic clients through a local stand-in")
        for name in (CHAT, STREAMED, EMBED, CLASSIFIER, *called):
            snap = models.get_model_performance_snapshot(name)
            lat = snap.latency
            p95 = "n/a" if lat.p95_s is None else f"{lat.p95_s * 1000:.0f} ms"
            spent = "no price" if snap.cost.price is None else f"${snap.cost.total_usd:.4f}"
            lines.append(f"  {name}: {snap.status}, {lat.total_calls} calls, p95 {p95}, "
                         f"errors {lat.error_rate or 0:.1%}, {spent}")
            bleu = snap.quality.get("bleu")
            if bleu is not None:
                lines.append(f"    BLEU {bleu.score:.3f} over {bleu.segments} answers")
            accuracy = snap.quality.get("accuracy")
            if accuracy is not None:
                lines.append(f"    accuracy {accuracy.accuracy:.3f}, F1 {accuracy.f1:.3f} "
                             f"over {accuracy.support} predictions")
        return lines + self._drift_lines(measure)

    def _drift_lines(self, measure: Measure) -> list[str]:
        models = measure.models
        try:
            now = models.detect_model_drift(CLASSIFIER, "amount")
        except ValueError:
            return ["  fraud-classifier drift: no transaction yet"]
        before = [s for t, s, _ in self._drift if t < self._drift_after_s]
        # Without a check before the shift there is no "before" figure to show.
        first = (f"statistic {before[-1]:.3f} before the shift, {now.statistic:.3f} now"
                 if before else f"no check before the shift, statistic {now.statistic:.3f} now")
        history = ", ".join(f"{s:.3f}" for _, s, _ in self._drift[-6:])
        since = next((t for t, _, drifted in self._drift if drifted), None)
        lines = [f"  fraud-classifier drift of amount ({now.method}, inputs shift at "
                 f"{self._drift_after_s:g} s): {first}"
                 f"{' (drift detected' if now.drifted else ' (no drift'}"
                 f"{f' since {since:.0f} s)' if now.drifted and since is not None else ')'}",
                 f"    recent checks: {history or 'none'}; drifted features "
                 f"{now.number_of_drifted} of {now.number_of_features}, dataset drift "
                 f"{'yes' if now.dataset_drift else 'no'}"]
        fairness = (models.get_model_performance_snapshot(CLASSIFIER).fairness or {}).get(
            "online")
        if fairness is not None:
            verdict = ("passes" if fairness.four_fifths_passed else
                       f"fails for {', '.join(map(str, fairness.four_fifths_failing))}")
            lines.append(f"    fairness by region: demographic parity difference "
                         f"{fairness.demographic_parity_difference:.3f}, equalized odds "
                         f"difference {fairness.equalized_odds_difference:.3f}; four-fifths "
                         f"rule {verdict}")
        return lines
