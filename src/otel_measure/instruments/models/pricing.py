"""Offline model price table: the shipped JSON, overrides, and model-name normalisation.

Prices are USD per million tokens for input, output and cached input. The table shipped
in ``otel_measure/data/pricing.json`` holds list prices with their as-of date; it is
never refreshed from the network. Overrides layer on top, in this order: the file named
by ``OTEL_MEASURE_PRICING_FILE`` (``ModelOptions.pricing_file``), then
``ModelOptions(pricing=...)``, then ``register_model(..., pricing=...)``.

Lookups normalise the model name (case, provider prefixes such as ``openai/`` or
``us.anthropic.``, dated or versioned suffixes such as ``-2024-08-06``, ``-20241022``,
``-0125``, ``-001``, ``-05-06``, ``-v1:0``, ``@20241022``, ``-latest``) and stop at the first
candidate the table knows, so ``openai/gpt-4o-2024-08-06`` prices as ``gpt-4o``. There
is no prefix guessing: ``gpt-4o-mini-audio`` is not priced as ``gpt-4o-mini``.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from otel_measure.calculators._result import Result

__all__ = [
    "PRICE_FIELDS",
    "ModelPrice",
    "PriceTable",
    "load_shipped_table",
    "name_candidates",
    "parse_price",
    "parse_price_overrides",
    "provider_from_name",
]

PRICE_FIELDS = ("input", "output", "cached_input")
_LOOKUP_CACHE_LIMIT = 4096

# Name prefixes that say which provider serves a model (``openai/gpt-4o``), mapped to
# the GenAI conventions' ``gen_ai.provider.name`` values.
_PROVIDER_PREFIXES = {
    "openai": "openai",
    "azure": "azure.ai.openai",
    "azure_ai": "azure.ai.inference",
    "anthropic": "anthropic",
    "google": "gcp.gemini",
    "gemini": "gcp.gemini",
    "vertex_ai": "gcp.vertex_ai",
    "bedrock": "aws.bedrock",
    "mistral": "mistral_ai",
    "mistralai": "mistral_ai",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "x-ai": "x_ai",
    "xai": "x_ai",
    "groq": "groq",
    "perplexity": "perplexity",
}
# Bedrock model ids: optional region group, then vendor, then a dot.
_BEDROCK_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|us-gov)\.)?(?:anthropic|meta|amazon|cohere|mistral|ai21|deepseek)\."
)
_SUFFIXES = (
    re.compile(r"-v\d+(?::\d+)?$"),  # bedrock -v1:0 / -v2
    re.compile(r"@[\w.-]+$"),  # vertex @20241022 / @001
    re.compile(r"-\d{4}-\d{2}-\d{2}$"),  # openai -2024-08-06
    re.compile(r"-\d{8}$"),  # anthropic -20241022
    re.compile(r"-\d{2}-\d{4}$"),  # gemini preview -09-2025
    re.compile(r"-\d{2}-\d{2}$"),  # gemini preview -05-06
    re.compile(r"-\d{4}$"),  # openai -0125, mistral -2411
    re.compile(r"-\d{3}$"),  # gemini -001
    re.compile(r"-latest$"),
)
_CLAUDE_DOTTED = re.compile(r"(?<=\d)\.(?=\d)")


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
        source: Where the price came from: ``shipped``, ``file``, ``options`` or
            ``register_model``.
    """

    model: str
    input: float
    output: float
    cached_input: float
    provider: str | None = None
    source: str = "shipped"

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
    string. Raises ``ValueError`` naming ``where`` and the bad field.
    """
    where = where or f"pricing[{model!r}]"
    if not isinstance(entry, Mapping):
        raise ValueError(f"{where}={entry!r} is invalid: expected a mapping with 'input' and "
                         "'output' (and optional 'cached_input', 'provider') in USD per "
                         "million tokens")
    unknown = sorted(set(entry) - {*PRICE_FIELDS, "provider", "note"})
    if unknown:
        raise ValueError(f"{where} has unknown key(s) {unknown}; allowed: input, output, "
                         "cached_input, provider, note")
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
    """Parse an override: a mapping of model name to prices, or a JSON file path.

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


def load_shipped_table() -> tuple[dict[str, ModelPrice], dict[str, str], str]:
    """Return the shipped prices, aliases and as-of date from the package data."""
    text = resources.files("otel_measure").joinpath("data/pricing.json").read_text("utf-8")
    data = json.loads(text)
    aliases = {str(k).lower(): str(v).lower() for k, v in data.get("aliases", {}).items()}
    return _parse_models(data, "shipped", "pricing.json"), aliases, str(data["as_of"])


def _strip_prefix(name: str) -> str:
    bedrock = _BEDROCK_PREFIX.sub("", name)
    if bedrock != name:
        return bedrock
    return name.rsplit("/", 1)[-1]


def name_candidates(model: str) -> list[str]:
    """Return the lookup keys tried for ``model``, most specific first."""
    name = model.strip().lower()
    out = [name]
    base = _strip_prefix(name)
    if base.startswith("claude"):
        base = _CLAUDE_DOTTED.sub("-", base)  # OpenRouter's claude-3.5-sonnet
    out.append(base)
    changed = True
    while changed:  # suffixes can stack: claude-3-5-sonnet-20241022-v2:0
        changed = False
        for pattern in _SUFFIXES:
            stripped = pattern.sub("", base)
            if stripped != base and stripped:
                base = stripped
                out.append(base)
                changed = True
    return list(dict.fromkeys(out))


def provider_from_name(model: str) -> str | None:
    """Return the provider named by a ``provider/model`` prefix, or None."""
    name = model.strip().lower()
    if "/" in name:
        return _PROVIDER_PREFIXES.get(name.split("/", 1)[0])
    if _BEDROCK_PREFIX.match(name):
        return "aws.bedrock"
    return None


class PriceTable:
    """The shipped table with overrides applied; lookups are normalised and cached.

    Args:
        overrides: Override layers applied in order over the shipped prices.
    """

    def __init__(self, *overrides: Mapping[str, ModelPrice]) -> None:
        self._prices, self._aliases, self.as_of = load_shipped_table()
        for layer in overrides:
            self._prices.update(layer)
        self._cache: dict[str, ModelPrice | None] = {}

    def __len__(self) -> int:
        return len(self._prices)

    def set_price(self, price: ModelPrice) -> None:
        """Add or replace one model's price (``register_model(pricing=...)``)."""
        self._prices[price.model] = price
        self._cache.clear()

    def lookup(self, model: str) -> ModelPrice | None:
        """Return the price of ``model`` after normalisation, or None when unpriced."""
        if model in self._cache:
            return self._cache[model]
        found = None
        for key in name_candidates(model):
            key = self._aliases.get(key, key)
            found = self._prices.get(key)
            if found is not None:
                break
        if len(self._cache) < _LOOKUP_CACHE_LIMIT:
            self._cache[model] = found
        return found
