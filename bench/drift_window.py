"""Benchmark: ``m.models.detect_model_drift`` at windows of 1k, 100k and 1M observations.

Run: ``.venv/bin/python bench/drift_window.py``

The public call through ``otel_measure.setup(exporters=[])``: one numeric feature with a
1,000-row baseline (Evidently's choice: KS) and a current window of N observations
(``ModelOptions(drift_window_size=N)``). The default check reads the fine-bin accumulators
(O(bins)); ``exact=True`` copies and sorts the raw window and is timed too. Medians of
repeated calls (201 default, 3 exact), all in one run; the last line checks the 1M/1k
ratio of the default call against the issue's bound (<= 3).
"""

from __future__ import annotations

import random

from _timing import median_seconds

import otel_measure
from otel_measure.options import ModelOptions

WINDOWS = (1_000, 100_000, 1_000_000)
BASELINE_N = 1_000



def timed(window: int) -> tuple[float, float, str]:
    """Median seconds of the default and the exact call at one window size."""
    rng = random.Random(window)
    m = otel_measure.setup(service_name="bench", exporters=[], analytics=False,
                           infrastructure=False,
                           models=ModelOptions(drift_window_size=window,
                                               drift_check_interval_s=3600.0))
    try:
        m.models.set_baseline("m", [rng.gauss(0, 1) for _ in range(BASELINE_N)], "x")
        for _ in range(window):
            m.models.observe_feature("m", "x", rng.gauss(0.05, 1))
        default = median_seconds(lambda: m.models.detect_model_drift("m", "x"), 201)
        exact = median_seconds(lambda: m.models.detect_model_drift("m", "x", exact=True), 3)
        method = m.models.detect_model_drift("m", "x").method
    finally:
        m.shutdown()
    return default, exact, method


def main() -> None:
    """Print the table and the 1M/1k ratio."""
    results = {w: timed(w) for w in WINDOWS}
    print(f"{'window':>10} {'method':>6} {'default ms':>11} {'exact=True ms':>14}")
    for w, (default, exact, method) in results.items():
        print(f"{w:>10,} {method:>6} {default * 1e3:>11.2f} {exact * 1e3:>14.1f}")
    ratio = results[WINDOWS[-1]][0] / results[WINDOWS[0]][0]
    print(f"default 1M/1k = {ratio:.2f} ({'ok' if ratio <= 3 else 'over'} the bound 3)")


if __name__ == "__main__":
    main()
