"""The demo's real client calls: openai and anthropic through the stand-in, in the summary."""

from __future__ import annotations

import io
import random

import pytest

from otel_measure._measure import Measure
from otel_measure.demo import DemoDriver, run_demo
from otel_measure.demo.models import ModelsDriver


def test_demo_summary_shows_real_client_calls() -> None:
    """The summary lists the models the real SDK clients called, with calls and cost."""
    out = io.StringIO()

    def drivers(_measure: Measure, rng: random.Random) -> list[DemoDriver]:
        return [ModelsDriver(rng)]

    assert run_demo(duration_s=1.0, port=0, out=out, drivers=drivers) == 0
    text = out.getvalue()
    assert "real openai and anthropic client calls through the local stand-in" in text
    lines = {line.split(":")[0].strip(): line for line in text.splitlines()}
    for model in ("gpt-4.1-mini", "text-embedding-3-large", "claude-opus-4-1"):
        assert model in lines, model
        assert " 0 calls" not in lines[model] and "$" in lines[model]


def test_demo_summary_says_how_to_turn_client_calls_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the client packages (the README's plain install) the summary gives the hint."""
    monkeypatch.setattr("otel_measure.demo.clients._load", lambda _name: None)
    out = io.StringIO()

    def drivers(_measure: Measure, rng: random.Random) -> list[DemoDriver]:
        return [ModelsDriver(rng)]

    assert run_demo(duration_s=1.0, port=0, out=out, drivers=drivers) == 0
    text = out.getvalue()
    assert "real client calls: off; pip install 'otel-measure[openai,anthropic]'" in text
    assert "gpt-4.1-mini" not in text
