"""Prices from genai-prices (the `prices` extra), the shipped fallback, and cache writes."""

from __future__ import annotations

import sys

import genai_prices
import pytest

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.options import ModelOptions
from otel_measure.pricing import parse_price
from tests.support.models import ModelsRig


def base(value: object) -> float:
    """A genai-prices price in USD per million tokens (the base tier of tiered ones)."""
    return float(getattr(value, "base", value))  # type: ignore[arg-type]


def reference(model: str) -> genai_prices.types.ModelPrice:
    """genai-prices' own price of ``model``, read through its public API."""
    return genai_prices.calc_price(genai_prices.Usage(input_tokens=1), model_ref=model
                                   ).model_price


def test_genai_prices_prices_known_models_with_provider_matching() -> None:
    """By default (installed) a dated OpenAI name is priced by genai-prices as its model."""
    rig = ModelsRig(ModelOptions())
    price = rig.models.get_price("gpt-4o-2024-08-06")
    expected = reference("gpt-4o-2024-08-06")
    assert price is not None and price.source == "genai-prices"
    assert (price.model, price.provider) == ("gpt-4o", "openai")
    assert price.input == base(expected.input_mtok)
    assert price.output == base(expected.output_mtok)
    assert price.cached_input == base(expected.cache_read_mtok)


def test_cache_write_price_and_cost_come_from_genai_prices() -> None:
    """An Anthropic model gets its cache-write price; a cache write is charged at it."""
    rig = ModelsRig(ModelOptions())
    expected = reference("claude-3-5-sonnet-latest")
    with rig.models.track_inference("claude-3-5-sonnet-latest", provider="anthropic") as call:
        call.set_usage(input_tokens=1_000, output_tokens=0, cached_input_tokens=0,
                       cache_write_input_tokens=400)
    cost = rig.models.get_cost_metrics()
    model = cost.by_model["claude-3-5-sonnet-latest"]
    assert model.price is not None and model.price.source == "genai-prices"
    assert model.price.cache_write == base(expected.cache_write_mtok)
    assert model.input_usd == pytest.approx(
        (600 * base(expected.input_mtok) + 400 * base(expected.cache_write_mtok)) / 1e6)


def test_shipped_source_and_overrides_win() -> None:
    """price_source='shipped' uses the offline table; an override beats genai-prices."""
    shipped = ModelsRig(ModelOptions(price_source="shipped")).models.get_price("gpt-4o")
    assert shipped is not None and shipped.source == "shipped"
    override = ModelsRig(ModelOptions(pricing={"gpt-4o": {"input": 1.0, "output": 2.0}}))
    price = override.models.get_price("gpt-4o")
    assert price is not None and (price.source, price.input) == ("options", 1.0)


def test_a_model_no_source_knows_is_counted_not_priced_at_zero() -> None:
    """Neither genai-prices nor the table: the call counts as unpriced."""
    rig = ModelsRig(ModelOptions())
    assert rig.models.get_price("acme-unknown-model") is None
    rig.models.record_inference("acme-unknown-model", 0.1, 10, 5)
    cost = rig.models.get_cost_metrics("acme-unknown-model")
    assert (cost.requests, cost.unpriced_requests, cost.unpriced_models) == (
        1, 1, ("acme-unknown-model",))
    assert sum(p.value for p in rig.points("measure.model.cost.unpriced")) == 1
    assert rig.points("measure.model.cost") == []


def test_asking_for_genai_prices_without_it_is_a_config_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """price_source='genai-prices' without the package names the extra; auto falls back."""
    monkeypatch.setitem(sys.modules, "genai_prices", None)
    with pytest.raises(OtelMeasureConfigError, match=r"otel-measure\[prices\]"):
        ModelsRig(ModelOptions(price_source="genai-prices"))
    price = ModelsRig(ModelOptions()).models.get_price("gpt-4o")
    assert price is not None and price.source == "shipped"


def test_bad_price_source_and_cache_write_are_refused() -> None:
    """An unknown price_source and a negative cache_write price raise."""
    with pytest.raises(OtelMeasureConfigError, match="price_source"):
        ModelOptions(price_source="web")
    with pytest.raises(ValueError, match="cache_write"):
        parse_price("m", {"input": 1, "output": 1, "cache_write": -1}, "options")
