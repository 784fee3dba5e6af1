"""The models demo driver runs under run_demo and summarises cost, p95 latency and BLEU."""

from __future__ import annotations

import io
import random

from otel_measure._measure import Measure
from otel_measure.demo import DemoDriver, run_demo
from otel_measure.demo.models import ModelsDriver


def test_models_driver_summary_shows_cost_latency_and_bleu() -> None:
    """A short demo run with only the models driver prints the promised figures."""
    out = io.StringIO()

    def drivers(_measure: Measure, rng: random.Random) -> list[DemoDriver]:
        return [ModelsDriver(rng)]

    assert run_demo(duration_s=1.0, port=0, out=out, drivers=drivers) == 0
    text = out.getvalue()
    assert " models:" in text and "cost: $" in text
    assert "gpt-4o-mini: " in text and "p95 " in text and "BLEU " in text
    assert "claude-haiku-4-5: " in text and "fraud-classifier: " in text
    assert "rejected inputs: 0" in text


def test_models_driver_status_before_and_after_steps() -> None:
    """status() works before the first step and after a few."""
    import otel_measure

    m = otel_measure.setup(exporters="none", infrastructure=False)
    driver = ModelsDriver(random.Random(1))
    assert driver.status(m).startswith("llm $0.0000")
    assert driver.summary(m) == ["  no model calls"]
    for step in range(3):
        driver.step(m, step * 0.2)
    assert "chat p95" in driver.status(m) and m.models.get_cost_metrics().total_usd > 0
    m.shutdown()


def _drift_line(drift_after_s: float, steps: list[float]) -> tuple[str, list[float]]:
    """The summary's drift line after the given steps, and the statistics checked."""
    import otel_measure

    m = otel_measure.setup(exporters="none", infrastructure=False)
    try:
        driver = ModelsDriver(random.Random(3), drift_after_s=drift_after_s)
        for elapsed in steps:
            driver.step(m, elapsed)
        [line] = [x for x in driver.summary(m) if "drift of amount" in x]
        return line, [s for _, s, _ in driver._drift]
    finally:
        m.shutdown()


def test_drift_line_never_labels_a_later_check_as_before_the_shift() -> None:
    """With no check before the shift the summary says so instead of printing one."""
    line, checked = _drift_line(0.0, [0.0, 6.0])
    assert checked and "no check before the shift" in line
    assert "before the shift," not in line.replace("no check before the shift,", "")
    line, checked = _drift_line(5.0, [0.0, 6.0, 12.0])
    assert f"statistic {checked[0]:.3f} before the shift" in line
