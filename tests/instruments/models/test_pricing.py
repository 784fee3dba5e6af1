"""Offline price table: shipped data, name normalisation, overrides and their validation."""

from __future__ import annotations

import json
import math
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import otel_measure
from otel_measure import OtelMeasureConfigError
from otel_measure.instruments.models.pricing import PriceTable, name_candidates
from otel_measure.options import ModelOptions
from otel_measure.pricing import parse_price
from tests.support.models import ModelsRig


def shipped() -> dict[str, Any]:
    """The shipped JSON, read directly."""
    text = resources.files("otel_measure").joinpath("data/pricing.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def test_shipped_table_is_dated_complete_and_valid() -> None:
    """As-of date, the note about overriding, valid prices for the major providers."""
    data = shipped()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["as_of"])
    assert "override" in data["note"].lower() and data["currency"] == "USD"
    providers = set()
    for name, entry in data["models"].items():
        assert name == name.lower().strip()
        price = parse_price(name, entry, "shipped")
        assert all(math.isfinite(v) and v >= 0 for v in (price.input, price.output,
                                                         price.cached_input))
        assert price.cached_input <= price.input
        providers.add(entry["provider"])
    assert {"openai", "anthropic", "gcp.gemini", "mistral_ai", "cohere", "deepseek",
            "x_ai"} <= providers
    for alias, target in data["aliases"].items():
        assert target in data["models"], alias
    assert len(PriceTable()) == len(data["models"])
    assert PriceTable().as_of == data["as_of"]


@pytest.mark.parametrize(("name", "key"), [
    ("gpt-4o", "gpt-4o"),
    ("GPT-4o", "gpt-4o"),
    ("openai/gpt-4o-2024-08-06", "gpt-4o"),
    ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
    ("gpt-3.5-turbo-0125", "gpt-3.5-turbo"),
    ("o1-2024-12-17", "o1"),
    ("claude-3-5-sonnet-20241022", "claude-3-5-sonnet"),
    ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
    ("anthropic/claude-3.5-sonnet", "claude-3-5-sonnet"),
    ("anthropic.claude-3-5-sonnet-20241022-v2:0", "claude-3-5-sonnet"),
    ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
    ("claude-3-5-sonnet-v2@20241022", "claude-3-5-sonnet"),
    ("models/gemini-2.5-flash", "gemini-2.5-flash"),
    ("gemini-1.5-pro-002", "gemini-1.5-pro"),
    ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro"),
    ("mistral-large-latest", "mistral-large"),
    ("mistral-large-2411", "mistral-large"),
    ("chatgpt-4o-latest", "gpt-4o"),
    ("gpt-4o-mini-audio-preview", None),
    ("ft:gpt-4o-mini-2024-07-18:acme::abc123", None),
    ("my-own-model", None),
])
def test_model_names_are_normalised_before_lookup(name: str, key: str | None) -> None:
    """Prefixes and dated suffixes are removed; no prefix guessing for other models."""
    price = PriceTable().lookup(name)
    assert (price.model if price is not None else None) == key
    if key is not None:
        assert price == PriceTable().lookup(key)


def test_candidates_go_from_specific_to_general() -> None:
    """The raw name is tried first, so an exact override beats the normalised entry."""
    assert name_candidates("openai/gpt-4o-2024-08-06") == [
        "openai/gpt-4o-2024-08-06", "gpt-4o-2024-08-06", "gpt-4o"]
    table = PriceTable({"gpt-4o-2024-08-06": parse_price("gpt-4o-2024-08-06",
                                                          {"input": 9, "output": 9}, "options")})
    assert table.lookup("openai/gpt-4o-2024-08-06").input == 9  # type: ignore[union-attr]
    assert table.lookup("gpt-4o").input == 2.5  # type: ignore[union-attr]


def _write(tmp_path: Path, data: Any, name: str = "prices.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_overrides_layer_file_then_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    """OTEL_MEASURE_PRICING_FILE overrides the table; ModelOptions(pricing=) overrides both."""
    env_file = _write(tmp_path, {"models": {"gpt-4o": {"input": 1, "output": 2},
                                            "house-llm": {"input": 0.5, "output": 0.5}}})
    monkeypatch.setenv("OTEL_MEASURE_PRICING_FILE", str(env_file))
    options = ModelOptions(pricing={"house-llm": {"input": 7, "output": 8,
                                                  "cached_input": 1}})
    assert options.pricing_file == str(env_file)
    rig = ModelsRig(options)
    gpt, house = rig.models.get_price("gpt-4o"), rig.models.get_price("house-llm")
    assert gpt is not None and (gpt.input, gpt.output, gpt.source) == (1.0, 2.0, "file")
    assert house is not None and (house.input, house.cached_input, house.source) == (
        7.0, 1.0, "options")
    path_rig = ModelsRig(ModelOptions(pricing=_write(
        tmp_path, {"house-llm": {"input": 4, "output": 4}}, "b.json")))
    assert path_rig.models.get_price("house-llm").input == 4.0  # type: ignore[union-attr]


def test_options_keep_a_private_copy_of_the_pricing_dict() -> None:
    """Mutating the dict after ModelOptions(...) does not change prices."""
    prices = {"house-llm": {"input": 1.0, "output": 1.0}}
    options = ModelOptions(pricing=prices)
    prices["house-llm"]["input"] = 100.0
    assert ModelsRig(options).models.get_price("house-llm").input == 1.0  # type: ignore[union-attr]


@pytest.mark.parametrize(("pricing", "match"), [
    ({"m": {"input": -1, "output": 1}}, r"\['input'\]=-1"),
    ({"m": {"input": 1}}, "lacks 'output'"),
    ({"m": {"input": 1, "output": math.nan}}, "output"),
    ({"m": {"input": 1, "output": 1, "batch": 0.5}}, "unknown key"),
    ({"m": "cheap"}, "expected a mapping"),
    ({"": {"input": 1, "output": 1}}, "non-empty"),
    (42, "expected a mapping"),
    ("/nonexistent/prices.json", "cannot be loaded"),
])
def test_bad_pricing_fails_construction(pricing: Any, match: str) -> None:
    """Invalid overrides raise OtelMeasureConfigError naming ModelOptions.pricing."""
    with pytest.raises(OtelMeasureConfigError, match=r"ModelOptions\.pricing") as info:
        ModelOptions(pricing=pricing)
    assert re.search(match, str(info.value))


def test_bad_pricing_file_fails_setup_before_side_effects(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken OTEL_MEASURE_PRICING_FILE makes setup() raise a config error."""
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    monkeypatch.setenv("OTEL_MEASURE_PRICING_FILE", str(bad))
    with pytest.raises(OtelMeasureConfigError, match="pricing_file"):
        otel_measure.setup(exporters="none")
    with pytest.raises(otel_measure.OtelMeasureError):
        otel_measure.get_measure()


@pytest.mark.parametrize("kwargs", [
    {"max_models": 0}, {"latency_buffer_size": -1}, {"inference_buffer_size": True},
    {"error_rate_degraded": 0.5, "error_rate_critical": 0.1}, {"error_rate_critical": 1.5},
    {"latency_p95_degraded_s": 0}, {"latency_p95_critical_s": math.inf},
    {"latency_p95_degraded_s": 9.0, "latency_p95_critical_s": 3.0},
])
def test_option_validation_names_the_field(kwargs: dict[str, Any]) -> None:
    """Out-of-range options raise OtelMeasureConfigError naming the field."""
    with pytest.raises(OtelMeasureConfigError, match=next(iter(kwargs))):
        ModelOptions(**kwargs)


def test_model_price_cost_and_cached_default() -> None:
    """cost() multiplies tokens by USD per million; cached input defaults to input."""
    price = parse_price("m", {"input": 2.0, "output": 8.0}, "options")
    assert price.cached_input == 2.0
    assert price.cost(1_000_000, 500_000, 250_000) == (2.0, 4.0, 0.5)
