"""One deterministic workload, split by item index into ``parts`` processes.

``python -m tests.report.workload PART PARTS PORT`` records part ``PART`` of ``PARTS``
with ``setup()`` serving ``/metrics`` on ``PORT``, prints ``ready`` and serves until its
stdin closes. ``record(m, part, parts)`` does the same recording in the calling process.
"""

from __future__ import annotations

import sys
from typing import Any

USERS = 1500
NPS_RESPONSES = 600
CALLS = 300
OBSERVATIONS = 600
OUTCOMES = 900
BASELINE = [float((j * 37) % 100) for j in range(400)]
LARGE = 1e8  # the "large" test's values: 1e8 + a spread of 0.25 steps (Σx² loses it)
# "pricing": control "old" is not first by name, the split is 0.2/0.8, alpha is not 0.05.
PRICING = {"variants": ("old", "new"), "weights": (0.2, 0.8), "alpha": 0.01}


def observation(i: int) -> float:
    """The i-th value of the drift feature ``amount``."""
    return float((i * 53) % 90) + 5.5


def observations() -> list[float]:
    """Every value of the drift feature ``amount``."""
    return [observation(i) for i in range(OBSERVATIONS)]


def record(m: Any, part: int, parts: int) -> None:
    """Record the items whose index is ``part`` modulo ``parts`` (NPS last)."""
    models, analytics = m.models, m.analytics
    models.set_baseline("scorer", BASELINE, feature="amount")
    for i in range(part, CALLS, parts):
        models.record_inference("gpt-4o-mini", 0.05 + (i % 50) * 0.02, 100 + i % 30,
                                20 + i % 10)
    for i in range(part, OBSERVATIONS, parts):
        models.observe_feature("scorer", "amount", observation(i))
    for i in range(part, OUTCOMES, parts):
        group = "abc"[i % 3]
        models.observe_outcome("scorer", group, int((i * 7) % 10 < 3 + i % 3),
                               int((i * 11) % 10 < 4))
    analytics.create_ab_test("checkout")
    analytics.create_ab_test("basket", metric="mean")
    analytics.create_ab_test("large", metric="mean")
    analytics.create_ab_test("pricing", PRICING["variants"], PRICING["weights"],
                             alpha=PRICING["alpha"])
    for i in range(part, USERS, parts):
        user = f"user-{i}"
        variant = analytics.assign_variant("checkout", user)
        if (i * 7919) % 100 < (12 if variant == "control" else 17):
            analytics.record_conversion("checkout", user)
        analytics.assign_variant("basket", user)
        if i % 4 == 0:
            analytics.record_conversion("basket", user, (i % 37) * 1.5)
        variant = analytics.assign_variant("large", user)
        lift = 0.5 if variant != "control" else 0.0
        analytics.record_conversion("large", user, LARGE + (i % 7) * 0.25 + lift)
        variant = analytics.assign_variant("pricing", user)
        if (i * 4391) % 100 < (10 if variant == "old" else 17):
            analytics.record_conversion("pricing", user)
    for i in range(part, NPS_RESPONSES, parts):
        analytics.record_nps_response(f"user-{i}", (i * 7) % 11)


def main(argv: list[str]) -> None:
    """Record one part behind a real ``/metrics`` endpoint until stdin closes."""
    import otel_measure
    from otel_measure.options import AnalyticsOptions

    part, parts, port = (int(a) for a in argv)
    m = otel_measure.setup(service_name="fleet", exporters=["prometheus"],
                           prometheus_port=port, infrastructure=False,
                           analytics=AnalyticsOptions(key="fleet-test-key"))
    record(m, part, parts)
    print("ready", flush=True)
    sys.stdin.read()
    m.shutdown()


if __name__ == "__main__":
    main(sys.argv[1:])
