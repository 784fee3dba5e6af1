"""Drift and fairness monitoring of a credit-scoring model, computed live with otel-measure.

The training data become the drift baseline (``set_baseline``: bins fixed once), then a
live stream of scored applications arrives: predictions through ``record_inference(...,
prediction=)``, inputs through ``observe_feature``, repayments known later through
``observe_outcome``. Half-way through the run the applicants change (lower incomes, more
self-employed): the drift verdicts flip, per feature and for the dataset. Everything is
also exported (``measure.model.drift.*``, ``measure.model.fairness.*``), bin counts and
outcome counts included, so a fleet of replicas gives one answer. Simulated, no network.

Run: python examples/drift_monitor.py   then scrape http://127.0.0.1:9464/metrics
(OTEL_MEASURE_EXAMPLE_SECONDS sets how long it runs; 20 s by default.)
"""

from __future__ import annotations

import math
import os
import random
import time
from dataclasses import dataclass

import otel_measure
from otel_measure.options import ModelOptions

MODEL = "credit-scorer"
SECONDS = float(os.environ.get("OTEL_MEASURE_EXAMPLE_SECONDS", "20"))
AGE_GROUPS = ("18-30", "31-50", "51+")
EMPLOYMENT = ("employed", "self-employed", "student", "retired")


@dataclass
class Applicant:
    income: float  # thousands per year
    employment: str
    age_group: str


def applicant(rng: random.Random, shifted: bool) -> Applicant:
    """One loan applicant; after the shift incomes fall and self-employment grows."""
    age = rng.choice(AGE_GROUPS)
    median = {"18-30": 32.0, "31-50": 48.0, "51+": 44.0}[age] * (0.75 if shifted else 1.0)
    weights = (0.45, 0.40, 0.05, 0.10) if shifted else (0.70, 0.15, 0.05, 0.10)
    employment = rng.choices(EMPLOYMENT, weights)[0]
    return Applicant(rng.lognormvariate(math.log(median), 0.4), employment, age)


def approve(app: Applicant) -> int:
    """The model under watch: approve (1) above an income cut-off."""
    return int(app.income > (40.0 if app.employment == "self-employed" else 35.0))


def report(m: otel_measure.Measure, elapsed_s: float) -> None:
    """Print each feature's drift verdict and the dataset verdict."""
    result = m.models.detect_model_drift(MODEL, "income")
    parts = [f"{name} {r.method} {r.statistic:.3f}{' DRIFT' if r.drifted else ''}"
             for name, r in sorted(result.features.items())]
    print(f"[{elapsed_s:5.1f} s] {'; '.join(parts)} -> dataset drift "
          f"{'YES' if result.dataset_drift else 'no'} ({result.number_of_drifted} of "
          f"{result.number_of_features} features)")


def main() -> None:
    m = otel_measure.setup(service_name="drift-monitor",
                           models=ModelOptions(drift_check_interval_s=5.0))
    print("metrics at", m.prometheus_url)
    models = m.models
    models.register_model(MODEL, version="1.4.0", task="classification", groups=AGE_GROUPS)
    train_rng = random.Random(1)
    training = [applicant(train_rng, shifted=False) for _ in range(2_000)]
    income = models.set_baseline(MODEL, [a.income for a in training], "income")
    models.set_baseline(MODEL, [a.employment for a in training], "employment")
    models.set_baseline(MODEL, [approve(a) for a in training])  # the predictions
    print(f"baseline: {income.baseline_size} training rows; income bins at "
          f"{', '.join(f'{edge:.0f}' for edge in income.labels)} (thousands)")

    rng = random.Random(2)
    start = time.monotonic()
    next_report = 0.0
    while (elapsed := time.monotonic() - start) < SECONDS:
        shifted = elapsed >= SECONDS / 2
        for _ in range(40):
            app = applicant(rng, shifted)
            decision = approve(app)
            models.record_inference(MODEL, rng.lognormvariate(math.log(0.003), 0.3),
                                    operation="predict", provider="internal",
                                    prediction=decision)
            models.observe_feature(MODEL, "income", app.income)
            models.observe_feature(MODEL, "employment", app.employment)
            if rng.random() < 0.3:  # the repayment outcome is known for some loans
                repaid = int(rng.random() < min(0.97, app.income / 45.0))
                models.observe_outcome(MODEL, app.age_group, decision, repaid)
        if elapsed >= next_report:
            report(m, elapsed)
            next_report += SECONDS / 4
        time.sleep(0.02)

    report(m, time.monotonic() - start)
    fairness = models.get_fairness_metrics(MODEL)
    rates = ", ".join(f"{g.group} {g.selection_rate:.2f}" for g in fairness.groups)
    print(f"fairness by age group: approval rates {rates}; demographic parity difference "
          f"{fairness.demographic_parity_difference:.3f}, equalized odds difference "
          f"{fairness.equalized_odds_difference:.3f}, four-fifths rule "
          f"{'passed' if fairness.four_fifths_passed else 'failed'}")
    m.shutdown()


if __name__ == "__main__":
    main()
