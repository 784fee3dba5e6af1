"""Offline model price table: the shipped JSON, overrides, and model-name normalisation.

Prices are USD per million tokens for input, output and cached input. The table shipped
in ``otel_measure/data/pricing.json`` holds list prices with their as-of date; it is
never refreshed from the network. Overrides layer on top, in this order: the file named
by ``OTEL_MEASURE_PRICING_FILE`` (``ModelOptions.pricing_file``), then
``ModelOptions(pricing=...)``, then ``register_model(..., pricing=...)``.

With an external source (genai-prices, :mod:`.price_sources`) a model the overrides do
not price is looked up there first; the shipped table is the fallback.

Lookups normalise the model name (case, provider prefixes such as ``openai/`` or
``us.anthropic.``, dated or versioned suffixes such as ``-2024-08-06``, ``-20241022``,
``-0125``, ``-001``, ``-05-06``, ``-v1:0``, ``@20241022``, ``-latest``) and stop at the first
candidate the table knows, so ``openai/gpt-4o-2024-08-06`` prices as ``gpt-4o``. There
is no prefix guessing: ``gpt-4o-mini-audio`` is not priced as ``gpt-4o-mini``.

``ModelPrice`` and the parsing of price entries live in :mod:`otel_measure.pricing`
(below ``options``, which validates overrides with them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from importlib import resources

from otel_measure.pricing import ModelPrice, parse_price_overrides

__all__ = ["PriceTable", "load_shipped_table", "name_candidates", "provider_from_name"]

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


def load_shipped_table() -> tuple[dict[str, ModelPrice], dict[str, str], str]:
    """Return the shipped prices, aliases and as-of date from the package data."""
    text = resources.files("otel_measure").joinpath("data/pricing.json").read_text("utf-8")
    data = json.loads(text)
    aliases = {str(k).lower(): str(v).lower() for k, v in data.get("aliases", {}).items()}
    prices = parse_price_overrides(data, "shipped", "pricing.json")
    return prices, aliases, str(data["as_of"])


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
        external: A kept price source (genai-prices) consulted before the shipped table;
            overrides still win over it.
    """

    def __init__(self, *overrides: Mapping[str, ModelPrice],
                 external: Callable[[str], ModelPrice | None] | None = None) -> None:
        self._prices, self._aliases, self.as_of = load_shipped_table()
        for layer in overrides:
            self._prices.update(layer)
        self._external = external
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
        if self._external is not None and (found is None or found.source == "shipped"):
            found = self._external(model) or found  # the shipped table is the fallback
        if len(self._cache) < _LOOKUP_CACHE_LIMIT:
            self._cache[model] = found
        return found
