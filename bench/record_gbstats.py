"""Record gbstats 0.8 results on random summary statistics, for the differential test.

gbstats 0.8.0 pins pandas < 2 and numpy < 2, so it cannot share the project's test
environment; run this in a separate one and commit the table it writes::

    python -m venv /tmp/gbvenv && /tmp/gbvenv/bin/pip install gbstats==0.8.0
    /tmp/gbvenv/bin/python bench/record_gbstats.py > tests/calculators/data/gbstats_0_8.json
"""

from __future__ import annotations

import json
import random
import sys

import gbstats
from gbstats.bayesian.tests import EffectBayesianABTest, EffectBayesianConfig
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import ProportionStatistic, SampleMeanStatistic


def _mean_arm(rng: random.Random) -> dict[str, float]:
    n = rng.choice([2, 3, 4, 5, 8, 30, 200, 5000])
    centre = rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 200.0)
    spread = rng.uniform(0.1, 80.0)
    xs = [rng.gauss(centre, spread) for _ in range(n)]
    return {"n": n, "sum": sum(xs), "sum_squares": sum(x * x for x in xs)}


def _prop_arm(rng: random.Random) -> dict[str, float]:
    n = rng.choice([5, 20, 150, 1000, 20000])
    return {"n": n, "sum": rng.randint(1, n - 1)}


def _run(kind: str, a: dict[str, float], b: dict[str, float]) -> dict[str, object]:
    def stat(arm: dict[str, float]) -> object:
        if kind == "mean":
            return SampleMeanStatistic(n=arm["n"], sum=arm["sum"],
                                       sum_squares=arm["sum_squares"])
        return ProportionStatistic(n=arm["n"], sum=arm["sum"])

    out: dict[str, object] = {"kind": kind, "a": a, "b": b}
    for diff in ("relative", "absolute"):
        res = TwoSidedTTest(stat(a), stat(b), FrequentistConfig(
            difference_type=diff, alpha=0.05)).compute_result()
        out[diff] = {"expected": res.expected, "ci": list(res.ci), "p_value": res.p_value,
                     "error": res.error_message}
    bayes = EffectBayesianABTest(stat(a), stat(b), EffectBayesianConfig(
        difference_type="relative")).compute_result()
    out["chance_to_win"] = bayes.chance_to_win
    out["bayes_error"] = bayes.error_message
    return out


def main() -> None:
    """Write the table as JSON to stdout."""
    rng = random.Random(20261130)
    cases = [_run("mean", _mean_arm(rng), _mean_arm(rng)) for _ in range(150)]
    cases += [_run("conversion", _prop_arm(rng), _prop_arm(rng)) for _ in range(80)]
    # The example arms and a negative control mean.
    for xa, xb in (([10, 12, 9], [14, 15, 11, 13]), ([-10, -12, -9], [-14, -15, -11, -13])):
        arm_a = {"n": len(xa), "sum": float(sum(xa)), "sum_squares": float(sum(x * x for x in xa))}
        arm_b = {"n": len(xb), "sum": float(sum(xb)), "sum_squares": float(sum(x * x for x in xb))}
        cases.append(_run("mean", arm_a, arm_b))
    json.dump({"gbstats": gbstats.__version__ if hasattr(gbstats, "__version__") else "0.8.0",
               "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
