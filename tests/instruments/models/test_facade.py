"""Models domain: GenAI convention metrics, cost, bad input, buffers, latency and health."""

from __future__ import annotations

import json
import logging
import math
import random
from importlib import resources
from typing import Any

import numpy as np
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

import otel_measure
from otel_measure.instruments import ModelMetrics
from otel_measure.options import ModelOptions
from tests.support.models import DURATION_BUCKETS, PRICES, TOKEN_BUCKETS, ModelsRig


@pytest.fixture
def rig() -> ModelsRig:
    """A fresh rig with the acme-chat price."""
    return ModelsRig()


def test_duration_and_token_usage_follow_the_conventions(rig: ModelsRig) -> None:
    """Names, units, attributes and bucket boundaries are the GenAI conventions'."""
    rig.models.record_inference("acme-chat", 1.5, 120, 30, provider="openai")
    metrics = rig.metrics()
    duration = metrics["gen_ai.client.operation.duration"]
    usage = metrics["gen_ai.client.token.usage"]
    assert (duration.unit, usage.unit) == ("s", "{token}")
    base = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "acme-chat"}
    [point] = duration.data.data_points
    assert dict(point.attributes) == base
    assert (point.count, point.sum) == (1, 1.5)
    assert tuple(point.explicit_bounds) == DURATION_BUCKETS
    tokens = {p.attributes["gen_ai.token.type"]: p for p in usage.data.data_points}
    assert {k: (p.sum, dict(p.attributes)) for k, p in tokens.items()} == {
        "input": (120, {**base, "gen_ai.token.type": "input"}),
        "output": (30, {**base, "gen_ai.token.type": "output"}),
    }
    assert tuple(tokens["input"].explicit_bounds) == TOKEN_BUCKETS


def test_default_views_keep_the_convention_buckets() -> None:
    """With the package's default Views the boundaries are still the conventions'."""
    rig = ModelsRig(views=True)
    rig.models.record_inference("acme-chat", 0.5, 10, 5, time_to_first_token_s=0.1)
    for name, bounds in (("gen_ai.client.operation.duration", DURATION_BUCKETS),
                         ("gen_ai.client.token.usage", TOKEN_BUCKETS),
                         ("gen_ai.client.operation.time_to_first_chunk", DURATION_BUCKETS)):
        assert {tuple(p.explicit_bounds) for p in rig.points(name)} == {bounds}, name


def test_failures_carry_error_type_on_duration_only(rig: ModelsRig) -> None:
    """error.type is on the duration of failed calls, never on token usage."""
    rig.models.record_inference("acme-chat", 0.2, 10, None, error_type="RateLimitError")
    rig.models.record_inference("acme-chat", 0.3, success=False)
    rig.models.record_inference("acme-chat", 0.4)
    errors = sorted(p.attributes.get("error.type", "-") for p in
                    rig.points("gen_ai.client.operation.duration"))
    assert errors == ["-", "RateLimitError", "_OTHER"]
    assert all("error.type" not in p.attributes for p in rig.points("gen_ai.client.token.usage"))
    snapshot = rig.models.get_model_performance_snapshot("acme-chat")
    assert snapshot.errors == {"RateLimitError": 1, "_OTHER": 1}


def test_time_to_first_chunk_only_for_streams(rig: ModelsRig) -> None:
    """A non-streamed call records no TTFC; a stream records its TTFC, not its duration."""
    rig.models.record_inference("acme-chat", 2.0, 10, 10)
    assert rig.points("gen_ai.client.operation.time_to_first_chunk") == []
    rig.models.record_inference("acme-chat", 2.0, 10, 10, time_to_first_token_s=0.25)
    [point] = rig.points("gen_ai.client.operation.time_to_first_chunk")
    assert (point.count, point.sum) == (1, 0.25)
    assert rig.metrics()["gen_ai.client.operation.time_to_first_chunk"].unit == "s"
    assert "error.type" not in point.attributes
    assert rig.models.get_latency_metrics("acme-chat").streamed == 1


def test_cost_is_tokens_times_price_per_token_type(rig: ModelsRig) -> None:
    """USD = tokens x price / 1e6 for uncached input, cached input and output."""
    rig.models.record_inference("acme-chat", 1.0, 10_000, 2_000, cached_input_tokens=4_000)
    costs = {p.attributes["gen_ai.token.type"]: p.value for p in rig.points("measure.model.cost")}
    assert costs == pytest.approx({"input": 6_000 * 3.0 / 1e6, "cached_input": 4_000 * 0.3 / 1e6,
                                   "output": 2_000 * 15.0 / 1e6}, rel=1e-12)
    assert rig.metrics()["measure.model.cost"].unit == "USD"
    [point] = [p for p in rig.points("measure.model.cost")
               if p.attributes["gen_ai.token.type"] == "output"]
    assert dict(point.attributes) == {"gen_ai.request.model": "acme-chat",
                                      "gen_ai.provider.name": "_OTHER",
                                      "gen_ai.token.type": "output"}
    total = rig.models.get_cost_metrics()
    assert total.total_usd == pytest.approx(sum(costs.values()), rel=1e-12)
    assert (total.input_tokens, total.cached_input_tokens, total.output_tokens) == (
        10_000, 4_000, 2_000)


def test_partial_usage_prices_only_what_was_reported(rig: ModelsRig) -> None:
    """Unknown input tokens are not invented: only output and cached input are priced."""
    rig.models.record_inference("acme-chat", 1.0, None, 100, cached_input_tokens=50)
    costs = {p.attributes["gen_ai.token.type"]: p.value for p in rig.points("measure.model.cost")}
    assert costs == pytest.approx({"output": 100 * 15.0 / 1e6, "cached_input": 50 * 0.3 / 1e6})
    assert [p.attributes["gen_ai.token.type"] for p in
            rig.points("gen_ai.client.token.usage")] == ["output"]
    assert rig.models.get_cost_metrics().input_usd == 0.0


def test_shipped_price_prices_a_dated_prefixed_name() -> None:
    """openai/gpt-4o-2024-08-06 is charged gpt-4o's shipped list price."""
    table = json.loads(resources.files("otel_measure").joinpath("data/pricing.json").read_text())
    price = table["models"]["gpt-4o"]
    rig = ModelsRig(ModelOptions())
    rig.models.record_inference("openai/gpt-4o-2024-08-06", 1.0, 1_000, 500)
    costs = {p.attributes["gen_ai.token.type"]: p.value for p in rig.points("measure.model.cost")}
    assert costs == pytest.approx({"input": 1_000 * price["input"] / 1e6,
                                   "output": 500 * price["output"] / 1e6}, rel=1e-12)
    assert {p.attributes["gen_ai.provider.name"] for p in rig.points("measure.model.cost")} == {
        "openai"}


def test_unpriced_model_is_counted_not_priced(rig: ModelsRig, caplog: pytest.LogCaptureFixture
                                              ) -> None:
    """No cost is recorded for a model without a price; its calls are counted, logged once."""
    with caplog.at_level(logging.WARNING, logger="otel_measure"):
        for _ in range(3):
            rig.models.record_inference("in-house-llm", 0.1, 100, 10)
        rig.models.record_inference("in-house-llm", 0.1)  # no tokens: nothing to price
    assert rig.points("measure.model.cost") == []
    [point] = rig.points("measure.model.cost.unpriced")
    assert point.value == 3 and point.attributes["gen_ai.request.model"] == "in-house-llm"
    assert sum("in-house-llm" in r.getMessage() for r in caplog.records) == 1
    cost = rig.models.get_cost_metrics()
    assert cost.unpriced_models == ("in-house-llm",)
    assert (cost.total_usd, cost.unpriced_requests, cost.cost_per_1k_requests) == (0.0, 3, None)
    assert cost.by_model["in-house-llm"].price is None


def test_cost_metrics_per_model_and_per_thousand_requests(rig: ModelsRig) -> None:
    """Totals add up over models; cost per 1,000 requests divides by priced calls."""
    for _ in range(4):
        rig.models.record_inference("acme-chat", 0.5, 1_000, 100)
    rig.models.record_inference("mystery", 0.5, 1_000, 100)
    one = (1_000 * 3.0 + 100 * 15.0) / 1e6
    cost = rig.models.get_cost_metrics()
    assert cost.total_usd == pytest.approx(4 * one, rel=1e-12)
    assert cost.cost_per_1k_requests == pytest.approx(one * 1000, rel=1e-12)
    assert (cost.requests, cost.priced_requests, cost.unpriced_requests) == (5, 4, 1)
    assert set(cost.by_model) == {"acme-chat", "mystery"}
    only = rig.models.get_cost_metrics("acme-chat")
    assert set(only.by_model) == {"acme-chat"} and only.requests == 4
    with pytest.raises(ValueError, match="unknown"):
        rig.models.get_cost_metrics("never-seen")


BAD_INPUTS: list[tuple[dict[str, Any], str]] = [
    ({"latency_s": math.nan}, "models.invalid_latency"),
    ({"latency_s": -0.1}, "models.invalid_latency"),
    ({"latency_s": math.inf}, "models.invalid_latency"),
    ({"latency_s": "1.0"}, "models.invalid_latency"),
    ({"input_tokens": -1}, "models.invalid_tokens"),
    ({"output_tokens": 1.5}, "models.invalid_tokens"),
    ({"input_tokens": True}, "models.invalid_tokens"),
    ({"input_tokens": 10, "cached_input_tokens": 11}, "models.cached_exceeds_input"),
    ({"time_to_first_token_s": 2.0}, "models.invalid_time_to_first_chunk"),
    ({"time_to_first_token_s": -0.5}, "models.invalid_time_to_first_chunk"),
    ({"model": ""}, "models.invalid_model"),
    ({"model": 42}, "models.invalid_model"),
    ({"model": ["a"]}, "models.invalid_model"),
    ({"operation": None}, "models.invalid_operation"),
    ({"provider": ""}, "models.invalid_provider"),
    ({"error_type": 500}, "models.invalid_error_type"),
    ({"prediction": 1, "label": "yes"}, "models.invalid_label"),
]


def _call(models: ModelMetrics, **overrides: Any) -> None:
    args: dict[str, Any] = {"model": "acme-chat", "latency_s": 1.0, "input_tokens": 10,
                            "output_tokens": 5, **overrides}
    models.record_inference(args.pop("model"), args.pop("latency_s"), **args)


@pytest.mark.parametrize(("overrides", "reason"), BAD_INPUTS, ids=lambda v: str(v))
def test_bad_input_is_dropped_and_counted(overrides: dict[str, Any], reason: str) -> None:
    """Invalid input records nothing and is counted under its reason."""
    rig = ModelsRig()
    _call(rig.models, **overrides)
    assert rig.rejections.counts() == {reason: 1}
    assert rig.points("gen_ai.client.operation.duration") == []
    assert [p.value for p in rig.points("measure.rejected")] == [1]


@pytest.mark.parametrize(("overrides", "reason"), BAD_INPUTS, ids=lambda v: str(v))
def test_bad_input_raises_when_strict(overrides: dict[str, Any], reason: str) -> None:
    """With strict=True the same input raises ValueError and records nothing."""
    rig = ModelsRig(strict=True)
    with pytest.raises(ValueError):
        _call(rig.models, **overrides)
    assert rig.points("gen_ai.client.operation.duration") == []


def test_numpy_numbers_and_ints_are_accepted(rig: ModelsRig) -> None:
    """numpy floats and ints and a plain int latency are recorded as numbers."""
    rig.models.record_inference("acme-chat", np.float64(0.5), np.int64(7), np.int32(3))
    rig.models.record_inference("acme-chat", 2, 1, 1)
    [point] = rig.points("gen_ai.client.operation.duration")
    assert (point.count, point.sum) == (2, 2.5)
    assert rig.rejections.counts() == {}


def test_buffers_are_bounded() -> None:
    """Latency samples, inference records and predictions never exceed their maxlen."""
    rig = ModelsRig(ModelOptions(latency_buffer_size=5, inference_buffer_size=7,
                                 prediction_buffer_size=3))
    for i in range(20):
        rig.models.record_inference("acme-chat", float(i), prediction=i % 2)
        rig.tick(1.0)
    latency = rig.models.get_latency_metrics("acme-chat")
    assert (latency.count, latency.total_calls, latency.max_s) == (5, 20, 19.0)
    records = rig.models.get_recent_inferences(limit=100)
    assert [r.latency_s for r in records] == [float(i) for i in range(13, 20)]
    assert len(rig.models._registry.models["acme-chat"].predictions) == 3


def test_latency_metrics_equal_numpy(rig: ModelsRig) -> None:
    """Mean, percentiles, max, error rate and throughput over the buffered calls."""
    rng = random.Random(3)
    values = [rng.lognormvariate(-1.0, 0.7) for _ in range(300)]
    for i, value in enumerate(values):
        rig.models.record_inference("acme-chat", value, success=i % 10 != 0)
        rig.tick(0.25)
    m = rig.models.get_latency_metrics("acme-chat")
    arr = np.array(values)
    assert m.mean_s == pytest.approx(arr.mean(), rel=1e-12)
    for got, q in ((m.p50_s, 50), (m.p90_s, 90), (m.p95_s, 95), (m.p99_s, 99)):
        assert got == pytest.approx(np.percentile(arr, q), rel=1e-12)
    assert m.max_s == arr.max() and m.count == 300
    assert m.error_rate == pytest.approx(0.1)
    assert m.throughput_per_s == pytest.approx(4.0)


def test_health_from_error_rate_and_latency() -> None:
    """Error rate and p95 latency thresholds set degraded and critical with reasons."""
    rig = ModelsRig(ModelOptions(pricing=PRICES, health_min_calls=5, latency_p95_degraded_s=1.0,
                                 latency_p95_critical_s=5.0))
    models = rig.models
    models.register_model("idle", task="chat")
    assert models.get_model_performance_snapshot("idle").status == "unknown"
    for i in range(3):
        models.record_inference("young", 0.1, success=i > 0)
    young = models.get_model_performance_snapshot("young")
    assert young.status == "healthy" and "at least 5" in young.reasons[0]
    for i in range(20):
        models.record_inference("flaky", 0.1, success=i % 4 != 0)
        models.record_inference("slow", 2.0)
        models.record_inference("fine", 0.1, success=i != 0)
    flaky = models.get_model_performance_snapshot("flaky")
    assert flaky.status == "critical" and "error rate 25.0%" in flaky.reasons[0]
    slow = models.get_model_performance_snapshot("slow")
    assert slow.status == "degraded" and "p95 latency" in slow.reasons[0]
    fine = models.get_model_performance_snapshot("fine")
    assert (fine.status, fine.reasons) == ("degraded", ("error rate 5.0% >= degraded 5%",))
    with pytest.raises(ValueError, match="unknown"):
        models.get_model_performance_snapshot("nope")


def test_register_model_sets_provider_version_and_price(rig: ModelsRig) -> None:
    """Registration details show in the snapshot; its price wins over the table's."""
    info = rig.models.register_model("gpt-4o", version="2024-08-06", provider="azure.ai.openai",
                                     task="chat", pricing={"input": 1.0, "output": 2.0})
    assert (info.version, info.provider, info.task, info.registered) == (
        "2024-08-06", "azure.ai.openai", "chat", True)
    assert info.price is not None and info.price.source == "register_model"
    assert info.price.cached_input == 1.0  # defaults to the input price
    rig.models.record_inference("gpt-4o", 1.0, 1_000_000, 1_000_000)
    costs = {p.attributes["gen_ai.token.type"]: p.value for p in rig.points("measure.model.cost")}
    assert costs == {"input": 1.0, "output": 2.0}
    assert {p.attributes["gen_ai.provider.name"] for p in rig.points("measure.model.cost")} == {
        "azure.ai.openai"}
    for bad in ({"input": -1.0, "output": 1.0}, {"input": 1.0}, {"input": 1, "output": 1, "x": 1}):
        with pytest.raises(ValueError, match="pricing"):
            rig.models.register_model("gpt-4o", pricing=bad)
    with pytest.raises(ValueError, match="name"):
        rig.models.register_model("")


def test_provider_resolution(rig: ModelsRig) -> None:
    """Explicit provider, then the name's prefix, then the price table, else _OTHER."""
    models = rig.models
    models.record_inference("anthropic/claude-3.5-sonnet", 0.1)
    models.record_inference("claude-haiku-4-5", 0.1)
    models.record_inference("claude-haiku-4-5", 0.1, provider="aws.bedrock")
    models.record_inference("home-made", 0.1)
    seen = {(p.attributes["gen_ai.request.model"], p.attributes["gen_ai.provider.name"])
            for p in rig.points("gen_ai.client.operation.duration")}
    assert seen == {("anthropic/claude-3.5-sonnet", "anthropic"),
                    ("claude-haiku-4-5", "anthropic"), ("claude-haiku-4-5", "aws.bedrock"),
                    ("home-made", "_OTHER")}


def test_registration_required_and_model_cap() -> None:
    """Unregistered models are rejected when required; names past max_models go to _OTHER."""
    rig = ModelsRig(ModelOptions(require_registration=True, max_models=2))
    rig.models.register_model("a")
    rig.models.record_inference("a", 0.1)
    rig.models.record_inference("b", 0.1)
    rig.models.register_model("b")
    with pytest.raises(ValueError, match="max_models"):
        rig.models.register_model("c")
    open_rig = ModelsRig(ModelOptions(max_models=1))
    open_rig.models.record_inference("x", 0.1)
    open_rig.models.record_inference("y", 0.1)
    assert rig.rejections.counts() == {"models.unregistered_model": 1}
    assert open_rig.rejections.counts() == {"models.model_overflow": 1}
    assert open_rig.models.list_models() == ("_OTHER", "x")


def test_attribute_dicts_are_built_once_per_combination(rig: ModelsRig) -> None:
    """Repeated calls hand the SDK the very same attribute dicts (no per-call building)."""
    seen: list[int] = []
    real = rig.models._recorder._duration

    class Spy:
        def record(self, value: float, attributes: dict[str, Any]) -> None:
            seen.append(id(attributes))
            real.record(value, attributes)

    rig.models._recorder._duration = Spy()
    for _ in range(3):
        rig.models.record_inference("acme-chat", 0.1, 1, 1)
    rig.models.record_inference("acme-chat", 0.1, operation="embeddings")
    assert len(set(seen[:3])) == 1 and seen[3] != seen[0]


def test_online_labels_feed_confusion_counts(rig: ModelsRig) -> None:
    """Labelled predictions add online confusion counts and an online accuracy."""
    for prediction, label in ((1, 1), (0, 1.0), (np.int64(0), 0), (1, 1)):
        rig.models.record_inference("fraud", 0.01, prediction=prediction, label=label)
    rig.models.record_inference("fraud", 0.01, prediction=1)  # no label: drift buffer only
    counts = {(p.attributes["measure.label.true"], p.attributes["measure.label.predicted"]):
              p.value for p in rig.points("measure.model.quality.confusion")}
    assert counts == {("1", "1"): 2, ("1", "0"): 1, ("0", "0"): 1}
    assert {p.attributes["measure.quality.source"]
            for p in rig.points("measure.model.quality.confusion")} == {"online"}
    online = rig.models.get_model_performance_snapshot("fraud").quality["online"]
    assert (online.accuracy, online.support) == (0.75, 4)
    assert len(rig.models._registry.models["fraud"].predictions) == 5


def test_recent_inferences_carry_wall_time_and_cost(rig: ModelsRig) -> None:
    """Records are newest last, on the wall clock, with the call's cost."""
    rig.models.record_inference("acme-chat", 0.5, 1_000, 0)
    rig.tick(2.0)
    rig.models.record_inference("other", 0.5)
    first, second = rig.models.get_recent_inferences()
    assert first.timestamp == pytest.approx(1_700_000_100.0)
    assert second.timestamp == pytest.approx(1_700_000_102.0)
    assert first.cost_usd == pytest.approx(3.0 / 1e3) and second.cost_usd is None
    assert [r.model for r in rig.models.get_recent_inferences("other")] == ["other"]
    with pytest.raises(ValueError, match="limit"):
        rig.models.get_recent_inferences(limit=0)


def test_dashboard_section_is_json_and_complete(rig: ModelsRig) -> None:
    """Every model's snapshot and the cost totals, JSON-serialisable."""
    rig.models.record_inference("acme-chat", 0.5, 100, 10)
    rig.models.register_model("idle")
    section = json.loads(json.dumps(rig.models.dashboard_section()))
    assert set(section["models"]) == {"acme-chat", "idle"}
    assert section["models"]["idle"]["status"] == "unknown"
    assert section["cost"]["total_usd"] == pytest.approx((100 * 3.0 + 10 * 15.0) / 1e6)
    assert section["price_table"]["as_of"] == rig.models.prices.as_of
    rig.models.close()
    rig.models.close()


def test_setup_wires_models_into_the_dashboard() -> None:
    """setup() builds m.models with its options; the dashboard has the models section."""
    reader = InMemoryMetricReader()
    m = otel_measure.setup(meter_provider=MeterProvider(metric_readers=[reader]),
                           tracer_provider=TracerProvider(), infrastructure=False,
                           models=ModelOptions(pricing=PRICES))
    m.models.record_inference("acme-chat", 0.5, 1_000, 0)
    snapshot = m.dashboard()
    assert snapshot["models"]["cost"]["total_usd"] == pytest.approx(3.0 / 1e3)
    data = reader.get_metrics_data()
    assert data is not None
    found = {mt.name for rm in data.resource_metrics for sm in rm.scope_metrics
             for mt in sm.metrics}
    assert {"gen_ai.client.operation.duration", "measure.model.cost"} <= found
    m.shutdown()
