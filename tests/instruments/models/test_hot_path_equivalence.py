"""record_inference exports exactly what the naive bare-SDK path records for the same calls.

The naive path is the synchronous one: every call records its histograms and adds its cost
to a synchronous ``Counter``. Ours keeps cost sums under its lock and reports them through
observable counters at collection; an exporter must not see the difference.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.metrics import Meter
from opentelemetry.sdk.metrics.export import MetricsData
from opentelemetry.sdk.trace import TracerProvider

from otel_measure.instruments import ModelMetrics, Rejections
from otel_measure.instruments.models import registry as registry_module
from otel_measure.names import create_instrument
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE,
    GEN_AI_OPERATIONS,
    MODEL_COST,
    MODEL_COST_UNPRICED,
    MODEL_OPERATION_DURATION,
)
from otel_measure.options import ModelOptions
from otel_measure.views.buckets import (
    GEN_AI_DURATION_BUCKETS,
    GEN_AI_TOKEN_USAGE_BUCKETS,
    MODEL_DURATION_BUCKETS,
)
from tests.support.equivalence import TwoReaders, run_while_collecting

# Prices that make float sums depend on their association (0.3 / 1e6 is not exact).
PRICES = {
    "m0": {"input": 3.0, "output": 15.0, "cached_input": 0.3},
    "m1": {"input": 0.15, "output": 0.6, "cached_input": 0.075},
    "m2": {"input": 1.1, "output": 4.4},
}
MODELS = ("m0", "m1", "m2", "m3", "m4")  # m3 unpriced; with max_models=3 others are _OTHER
OTHER = "_OTHER"
SCRAPED = (GEN_AI_CLIENT_OPERATION_DURATION.name, GEN_AI_CLIENT_TOKEN_USAGE.name,
           GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK.name, MODEL_OPERATION_DURATION.name,
           MODEL_COST.name, MODEL_COST_UNPRICED.name)


class Side(TwoReaders):
    """Both readers of one provider; a collection gives normalised points and the scrape."""

    def collect(self) -> tuple[dict[str, Any], str]:
        """One collection of both readers, back to back: normalised points and the scrape."""
        data, text = self.read()
        return normalise(data), text

def normalise(data: MetricsData | None) -> dict[str, Any]:
    """What an exporter sees of each metric, timestamps and exemplars aside."""
    out: dict[str, Any] = {}
    if data is None:  # nothing recorded yet
        return out
    for rm in data.resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                body = metric.data
                points = []
                for p in body.data_points:
                    attrs = tuple(sorted(p.attributes.items()))
                    if hasattr(p, "bucket_counts"):
                        points.append((attrs, p.count, p.sum, tuple(p.bucket_counts),
                                       tuple(p.explicit_bounds), p.min, p.max))
                    else:
                        points.append((attrs, type(p.value).__name__, p.value))
                out[metric.name] = (type(body).__name__, metric.unit, metric.description,
                                    getattr(body, "is_monotonic", None),
                                    getattr(body, "aggregation_temporality", None),
                                    sorted(points))
    return out


class Naive:
    """The bare-SDK path: the synchronous calls the old recorder made, rule by rule."""

    def __init__(self, meter: Meter, max_models: int) -> None:
        self.duration = create_instrument(meter, GEN_AI_CLIENT_OPERATION_DURATION,
                                          buckets=GEN_AI_DURATION_BUCKETS)
        self.tokens = create_instrument(meter, GEN_AI_CLIENT_TOKEN_USAGE,
                                        buckets=GEN_AI_TOKEN_USAGE_BUCKETS)
        self.ttfc = create_instrument(meter, GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
                                      buckets=GEN_AI_DURATION_BUCKETS)
        self.model_duration = create_instrument(meter, MODEL_OPERATION_DURATION,
                                                buckets=MODEL_DURATION_BUCKETS)
        self.cost = meter.create_counter(MODEL_COST.name, unit=MODEL_COST.unit,
                                         description=MODEL_COST.description)
        self.unpriced = meter.create_counter(MODEL_COST_UNPRICED.name,
                                             unit=MODEL_COST_UNPRICED.unit,
                                             description=MODEL_COST_UNPRICED.description)
        self.max_models = max_models
        self.models: list[str] = []

    def record(self, call: dict[str, Any]) -> None:
        model = call["model"]
        if model not in self.models and len(self.models) < self.max_models:
            self.models.append(model)  # a rejected call still takes its model's slot
        if call["bad"] is not None:
            return
        name = model if model in self.models else OTHER
        price = PRICES.get(name)
        provider = call["provider"] or OTHER
        inp, out, cached, ttfc = call["inp"], call["out"], call["cached"], call["ttfc"]
        base = {"gen_ai.operation.name": call["operation"], "gen_ai.provider.name": provider,
                "gen_ai.request.model": name}
        error = call["error_type"] if call["success"] or call["error_type"] else OTHER
        duration = base if error is None else {**base, "error.type": error}
        if call["operation"] in GEN_AI_OPERATIONS:
            self.duration.record(call["latency"], duration)
            if inp is not None:
                self.tokens.record(inp, {**base, "gen_ai.token.type": "input"})
            if out is not None:
                self.tokens.record(out, {**base, "gen_ai.token.type": "output"})
            if ttfc is not None:
                self.ttfc.record(ttfc, base)
        else:
            self.model_duration.record(call["latency"], duration)
        if inp is None and out is None:
            return
        model_provider = {"gen_ai.request.model": name, "gen_ai.provider.name": provider}
        if price is None:
            self.unpriced.add(1, model_provider)
            return
        c_cached = cached * price.get("cached_input", price["input"]) / 1e6 if cached else 0.0
        c_in = (inp - (cached or 0)) * price["input"] / 1e6 if inp else 0.0
        c_out = out * price["output"] / 1e6 if out else 0.0
        for token_type, usd in (("input", c_in), ("output", c_out), ("cached_input", c_cached)):
            if usd:
                self.cost.add(usd, {**model_provider, "gen_ai.token.type": token_type})


@st.composite
def calls(draw: st.DrawFn) -> dict[str, Any]:
    """One record_inference call; ``bad`` names the one invalid argument, if any."""
    latency = draw(st.floats(0.0, 90.0))
    inp = draw(st.none() | st.integers(0, 2_000_000))
    cached = None if inp is None else draw(st.none() | st.integers(0, inp))
    call = {
        "model": draw(st.sampled_from(MODELS)),
        "operation": draw(st.sampled_from(("chat", "text_completion", "predict"))),
        "provider": draw(st.sampled_from((None, "openai", "acme"))),
        "success": draw(st.booleans()),
        "error_type": draw(st.sampled_from((None, "timeout"))),
        "latency": latency, "inp": inp, "out": draw(st.none() | st.integers(0, 200_000)),
        "cached": cached, "ttfc": draw(st.none() | st.floats(0.0, latency)),
        "bad": draw(st.sampled_from((None,) * 6 + ("latency", "tokens", "cached", "ttfc"))),
    }
    if call["bad"] == "cached" and inp is None:
        call["bad"] = None
    return call


def ours_args(call: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """record_inference arguments of a call, with its invalid argument spoiled."""
    latency, inp, cached, ttfc = call["latency"], call["inp"], call["cached"], call["ttfc"]
    bad = call["bad"]
    if bad == "latency":
        latency = -latency - 1.0 if call["inp"] else math.nan
    elif bad == "tokens":
        inp = -1
    elif bad == "cached":
        cached = inp + 1
    elif bad == "ttfc":
        ttfc = latency + 1.0
    return (call["model"], latency, inp, call["out"]), {
        "operation": call["operation"], "provider": call["provider"],
        "success": call["success"], "error_type": call["error_type"],
        "cached_input_tokens": cached, "time_to_first_token_s": ttfc}


def _rigs(max_models: int = 3) -> tuple[Side, ModelMetrics, Rejections, Side, Naive]:
    ours = Side()
    rejections = Rejections(ours.meter)
    models = ModelMetrics(ours.meter, TracerProvider().get_tracer("t"), rejections,
                          ModelOptions(pricing=PRICES, max_models=max_models))
    naive = Side()
    return ours, models, rejections, naive, Naive(naive.meter, max_models)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(calls(), max_size=25), min_size=1, max_size=4))
def test_exports_equal_the_naive_path(batches: list[list[dict[str, Any]]]) -> None:
    """Points, buckets, sums, attributes, kinds and the scrape text match after each batch."""
    ours, models, _rejections, naive_side, naive = _rigs()
    bad = 0
    for batch in batches:
        for call in batch:
            args, kwargs = ours_args(call)
            models.record_inference(*args, **kwargs)
            naive.record(call)
            bad += call["bad"] is not None
        our_data, our_text = ours.collect()
        naive_data, naive_text = naive_side.collect()
        rejected = our_data.pop("measure.rejected", None)
        assert our_data == naive_data
        assert _scraped(our_text) == _scraped(naive_text)
        reasons = {dict(a)["reason"]: v for a, _k, v in rejected[-1]} if rejected else {}
        assert sum(v for r, v in reasons.items() if r != "models.model_overflow") == bad


def test_cost_sums_fold_like_the_sdk_across_collections() -> None:
    """Costs summed over many collections are the very floats a synchronous Counter exports.

    A plain running sum rounds differently from the SDK's (delta since the last
    collection + previous total), so many collections of many calls expose it.
    """
    rng = random.Random(11)
    ours, models, _r, naive_side, naive = _rigs()
    for _ in range(12):
        for _ in range(40):
            inp = rng.randrange(1, 50_000)
            call = {"model": rng.choice(("m0", "m1")), "operation": "chat", "provider": None,
                    "success": True, "error_type": None, "latency": 0.3, "inp": inp,
                    "out": rng.randrange(1, 5_000), "cached": rng.randrange(0, inp),
                    "ttfc": None, "bad": None}
            args, kwargs = ours_args(call)
            models.record_inference(*args, **kwargs)
            naive.record(call)
        our_data = ours.collect()[0]
        our_data.pop("measure.rejected", None)
        assert our_data == naive_side.collect()[0]


def _scraped(text: str) -> dict[str, list[str]]:
    """The exposition lines (HELP, TYPE, samples in order) of each family both sides record.

    Prometheus reads families in any order; the SDK lists an observable instrument's
    family where its first observation came in, so only the order of families differs.
    """
    families: dict[str, list[str]] = {}
    for line in text.splitlines():
        name = line.removeprefix("# HELP ").removeprefix("# TYPE ")
        for metric in sorted(SCRAPED, key=len, reverse=True):  # longest prefix first
            prefix = metric.replace(".", "_")
            if name.startswith(prefix) and not name[len(prefix)].isalpha():
                families.setdefault(prefix, []).append(line)
                break
    assert families or "measure_model" not in text
    return families


def test_scrape_keeps_counter_kind_and_total_suffix() -> None:
    """Cost is still a Prometheus counter with the _total suffix, valued like the naive one."""
    ours, models, _r, naive_side, naive = _rigs()
    call = {"model": "m0", "operation": "chat", "provider": None, "success": True,
            "error_type": None, "latency": 0.5, "inp": 1_234, "out": 77, "cached": 100,
            "ttfc": None, "bad": None}
    for _ in range(3):
        args, kwargs = ours_args(call)
        models.record_inference(*args, **kwargs)
        naive.record(call)
    text = ours.collect()[1]
    assert "# TYPE measure_model_cost_USD_total counter" in text
    assert _scraped(text) == _scraped(naive_side.collect()[1])


def test_overflow_model_and_unpriced_calls_match() -> None:
    """Calls past max_models go to _OTHER (unpriced) exactly as on the naive path."""
    ours, models, _r, naive_side, naive = _rigs(max_models=1)
    for model in ("m0", "m1", "m2", "m0", "m3"):
        call = {"model": model, "operation": "chat", "provider": "openai", "success": True,
                "error_type": None, "latency": 0.2, "inp": 10, "out": 5, "cached": None,
                "ttfc": None, "bad": None}
        args, kwargs = ours_args(call)
        models.record_inference(*args, **kwargs)
        naive.record(call)
    our_data = ours.collect()[0]
    our_data.pop("measure.rejected")
    assert our_data == naive_side.collect()[0]
    unpriced = our_data[MODEL_COST_UNPRICED.name][-1]
    assert unpriced == [((("gen_ai.provider.name", "openai"), ("gen_ai.request.model", OTHER)),
                         "int", 3)]


def test_concurrent_recording_and_collection_give_exact_totals() -> None:
    """Threads recording while another collects: every call, token and dollar is exported."""
    ours = Side()
    # One million USD per million tokens: every cost is an integer, so sums are exact.
    prices = {"t": {"input": 1e6, "output": 2e6}}
    models = ModelMetrics(ours.meter, TracerProvider().get_tracer("t"), Rejections(ours.meter),
                          ModelOptions(pricing=prices))
    threads, calls_each = 4, 500
    def worker(index: int) -> None:
        for i in range(calls_each):
            models.record_inference("t", 0.1, index + i, 3, provider="p")
            models.record_inference("u", 0.1, 1, 1, provider="p")  # unpriced

    run_while_collecting(ours.collect, worker, threads)
    data = ours.collect()[0]
    inputs = sum(n + i for n in range(threads) for i in range(calls_each))
    cost = {dict(a)["gen_ai.token.type"]: v for a, _k, v in data[MODEL_COST.name][-1]}
    assert cost == {"input": float(inputs), "output": 2.0 * 3 * threads * calls_each}
    unpriced = data[MODEL_COST_UNPRICED.name][-1]
    assert [v for _a, _k, v in unpriced] == [threads * calls_each]
    durations = data[GEN_AI_CLIENT_OPERATION_DURATION.name][-1]
    assert sorted(p[1] for p in durations) == [threads * calls_each] * 2
    snapshot = models.get_cost_metrics("t")
    assert (snapshot.input_usd, snapshot.requests) == (float(inputs), threads * calls_each)


def test_cost_cells_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the cell cap, a new (model, provider) adds to the last cell instead of a new one."""
    monkeypatch.setattr(registry_module, "_CELL_LIMIT", 2)
    ours, models, _r, _n, _naive = _rigs()
    for provider in ("a", "b", "c", "d"):
        models.record_inference("m0", 0.1, 1_000_000, 0, provider=provider)
    assert len(models._registry.cells) == 2
    cost = ours.collect()[0][MODEL_COST.name][-1]
    by_provider = {dict(a)["gen_ai.provider.name"]: v for a, _k, v in cost}
    assert by_provider == {"a": 3.0, "b": 9.0}
