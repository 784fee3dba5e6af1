"""Prices from a kept source: ``genai-prices`` (the ``prices`` extra), when installed.

`genai-prices <https://pypi.org/project/genai-prices/>`_ is a maintained price database
with provider-specific model matching (dated and aliased names) and prompt-cache read and
write prices. Its prices ship inside the package: nothing is fetched from the network.
The price of a model is its base tier (prices above a long-context threshold are not
applied), converted to a :class:`~otel_measure.pricing.ModelPrice` with source
``genai-prices``. The shipped table stays the offline fallback, and overrides (file,
options, ``register_model``) still win (see :class:`~.pricing.PriceTable`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.pricing import ModelPrice

__all__ = ["PRICE_SOURCES", "GenaiPrices", "external_prices"]

PRICE_SOURCES = ("auto", "shipped", "genai-prices")
SOURCE = "genai-prices"
# genai-prices provider ids that differ from gen_ai.provider.name.
_PROVIDERS = {"google": "gcp.gemini", "mistral": "mistral_ai", "x-ai": "x_ai",
              "azure": "azure.ai.openai", "aws": "aws.bedrock"}


def _per_million(value: Any) -> float | None:
    value = getattr(value, "base", value)  # TieredPrices: the base tier
    return None if value is None else float(value)


class GenaiPrices:
    """Model prices looked up in the ``genai_prices`` package.

    Args:
        module: The imported ``genai_prices`` module (injected in tests).
    """

    def __init__(self, module: Any) -> None:
        self._module = module

    def __call__(self, model: str) -> ModelPrice | None:
        """The price of ``model``, or None when genai-prices does not know it."""
        try:
            found = self._module.calc_price(self._module.Usage(input_tokens=1_000_000),
                                            model_ref=model)
            prices = found.model_price
            inp = _per_million(prices.input_mtok)
            out = _per_million(prices.output_mtok)
            if inp is None or out is None:
                return None
            cached = _per_million(prices.cache_read_mtok)
            provider = str(found.provider.id)
            return ModelPrice(
                model=str(found.model.id), input=inp, output=out,
                cached_input=inp if cached is None else cached,
                provider=_PROVIDERS.get(provider, provider), source=SOURCE,
                cache_write=_per_million(prices.cache_write_mtok))
        except Exception:  # LookupError for unknown models; never fail a recording
            return None


def external_prices(choice: str | None) -> Callable[[str], ModelPrice | None] | None:
    """The external price source for ``ModelOptions.price_source`` (None: shipped only).

    Raises:
        OtelMeasureConfigError: ``genai-prices`` was asked for and is not installed.
    """
    if choice == "shipped":
        return None
    try:
        module = importlib.import_module("genai_prices")
    except ImportError:
        if choice == SOURCE:
            raise OtelMeasureConfigError(
                "ModelOptions.price_source='genai-prices' needs the genai-prices package: "
                "pip install 'otel-measure[prices]'") from None
        return None
    return GenaiPrices(module)
