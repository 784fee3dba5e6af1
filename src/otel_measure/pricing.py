"""Model prices: the ``ModelPrice`` record and the parsing of price tables.

Prices are USD per million tokens for input, output and cached input. This module sits
below ``options`` and ``config`` (it validates ``ModelOptions.pricing`` and the file named
by ``OTEL_MEASURE_PRICING_FILE``); the table itself, its lookups and model-name
normalisation live in ``otel_measure.instruments.models.pricing``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from otel_measure.calculators._result import Result

__all__ = ["PRICE_FIELDS", "ModelPrice", "parse_price", "parse_price_overrides"]

PRICE_FIELDS = ("input", "output", "cached_input", "cache_write")


@dataclass(frozen=True)
class ModelPrice(Result):
    """USD per million tokens for one model.

    Attributes:
        model: The table key the price was found under (a normalised name).
        input: Price of uncached input tokens.
        output: Price of output tokens.
        cached_input: Price of input tokens served from the provider's prompt cache
            (the input price when the provider gives no discount).
        provider: ``gen_ai.provider.name`` of the model, when the table knows it.
        source: Where the price came from: ``shipped``, ``file``, ``options``,
            ``register_model`` or ``genai-prices``.
        cache_write: Price of input tokens written to the prompt cache (Anthropic's
            cache creation); None: the input price.
    """

    model: str
    input: float
    output: float
    cached_input: float
    provider: str | None = None
    source: str = "shipped"
    cache_write: float | None = None

    def cost(self, input_tokens: int, output_tokens: int, cached_input_tokens: int
             ) -> tuple[float, float, float]:
        """Return the USD cost of (uncached input, output, cached input) tokens."""
        return (input_tokens * self.input / 1e6, output_tokens * self.output / 1e6,
                cached_input_tokens * self.cached_input / 1e6)


def _price_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0):
        raise ValueError(f"{where}={value!r} is invalid: expected a finite number >= 0 "
                         "(USD per million tokens)")
    return float(value)


def parse_price(model: str, entry: Any, source: str, where: str | None = None) -> ModelPrice:
    """Validate one ``{"input": .., "output": .., "cached_input": ..}`` entry.

    ``cached_input`` is optional (defaults to ``input``); ``provider`` is an optional
    string.

    Raises:
        ValueError: An entry is invalid; the message names ``where`` and the bad field.
    """
    where = where or f"pricing[{model!r}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}={entry!r} is invalid: expected a mapping with 'input' and "
                         "'output' (and optional 'cached_input', 'provider') in USD per "
                         "million tokens")
    unknown = sorted(set(entry) - {*PRICE_FIELDS, "provider", "note"})
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: input, output, "
                         "cached_input, cache_write, provider, note")
    for key in ("input", "output"):
        if key not in entry:
            raise ValueError(f"{where} lacks {key!r}; give input and output in USD per "
                             "million tokens")
    input_price = _price_number(entry["input"], f"{where}['input']")
    cached = entry.get("cached_input")
    provider = entry.get("provider")
    if provider is not None and not (isinstance(provider, str) and provider):
        raise ValueError(f"{where}['provider']={provider!r} is invalid: expected a string")
    return ModelPrice(
        model=model,
        input=input_price,
        output=_price_number(entry["output"], f"{where}['output']"),
        cached_input=input_price if cached is None
        else _price_number(cached, f"{where}['cached_input']"),
        provider=provider,
        source=source,
        cache_write=None if entry.get("cache_write") is None
        else _price_number(entry["cache_write"], f"{where}['cache_write']"),
    )


def _parse_models(data: Any, source: str, where: str) -> dict[str, ModelPrice]:
    if isinstance(data, Mapping) and isinstance(data.get("models"), Mapping):
        data = data["models"]  # the shipped file's layout
    if not isinstance(data, Mapping):
        raise ValueError(f"{where} is invalid: expected a mapping of model name to prices "
                         "(or {'models': {...}})")
    out: dict[str, ModelPrice] = {}
    for name, entry in data.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where} has model name {name!r}: expected a non-empty string")
        key = name.strip().lower()
        out[key] = parse_price(key, entry, source, f"{where}[{name!r}]")
    return out


def parse_price_overrides(value: Any, source: str, where: str) -> dict[str, ModelPrice]:
    """Parse a price table: a mapping of model name to prices, or a JSON file path.

    A mapping may also be in the shipped file's layout (``{"models": {...}}``); model
    names become lower-case keys.

    Raises:
        ValueError: The file cannot be read or parsed, or an entry is invalid; the
            message names ``where``.
    """
    if value is None:
        return {}
    if isinstance(value, (str, os.PathLike)):
        path = Path(value)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{where}={str(path)!r} cannot be loaded: {exc}") from None
        return _parse_models(data, source, f"{where} ({path})")
    return _parse_models(value, source, where)
