"""Fixtures of the client-instrumentation tests: the stand-in server and a priced rig."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from otel_measure.options import ModelOptions
from tests.support.llm_server import StandInLLM
from tests.support.models import ModelsRig

# USD per million tokens of the models the tests call.
GPT = {"input": 2.0, "output": 8.0, "cached_input": 0.5}
CLAUDE = {"input": 3.0, "output": 15.0, "cached_input": 0.3, "cache_write": 3.75}
EMBED = {"input": 0.02, "output": 0.0}
PRICES = {"acme-gpt": GPT, "acme-claude": CLAUDE, "acme-embed": EMBED}


@pytest.fixture(scope="module")
def server() -> Iterator[StandInLLM]:
    """One stand-in server per test module."""
    with StandInLLM() as stand_in:
        yield stand_in


@pytest.fixture
def rig(server: StandInLLM) -> Iterator[ModelsRig]:
    """A priced models rig; every instrumentation it made is undone afterwards."""
    rig = ModelsRig(ModelOptions(pricing=PRICES))
    yield rig
    rig.models.close()


def count(rig: ModelsRig, name: str) -> int:
    """Total count of a histogram's points (0 when none)."""
    return sum(p.count for p in rig.points(name))


def tokens(rig: ModelsRig) -> dict[str, Any]:
    """Token usage sums by ``gen_ai.token.type``."""
    return {p.attributes["gen_ai.token.type"]: p.sum
            for p in rig.points("gen_ai.client.token.usage")}
