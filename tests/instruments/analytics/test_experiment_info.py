"""``measure.experiment.info``: each test's definition, 1 per variant, no user data."""

from __future__ import annotations

from otel_measure.names.analytics import EXPERIMENT_INFO
from otel_measure.names.attributes import (
    ATTR_EXPERIMENT,
    ATTR_EXPERIMENT_ALPHA,
    ATTR_EXPERIMENT_CONTROL,
    ATTR_EXPERIMENT_GOAL_EVENT,
    ATTR_EXPERIMENT_METRIC,
    ATTR_EXPERIMENT_WEIGHT,
    ATTR_VARIANT,
)
from tests.support.analytics import AnalyticsRig
from tests.support.rig import by_attrs


def test_info_gauge_carries_each_definition_input_of_the_readout() -> None:
    """Shares as the readout uses them (normalised), control on the first variant only,
    metric, goal event when given, alpha; value 1; no user ids."""
    rig = AnalyticsRig()
    rig.analytics.create_ab_test("pricing", ("old", "new", "cheap"), (1, 3, 1),
                                 goal_event="purchase", metric="mean", alpha=0.01)
    rig.analytics.create_ab_test("checkout")
    for i in range(20):
        rig.analytics.assign_variant("pricing", f"user-{i}")
    points = rig.points(EXPERIMENT_INFO.name)
    assert EXPERIMENT_INFO.kind == "gauge" and len(points) == 5

    def attrs(test: str, variant: str, weight: float, control: bool, metric: str,
              alpha: float, goal: str | None = None) -> frozenset[tuple[str, object]]:
        out: dict[str, object] = {
            ATTR_EXPERIMENT: test, ATTR_VARIANT: variant, ATTR_EXPERIMENT_WEIGHT: weight,
            ATTR_EXPERIMENT_CONTROL: control, ATTR_EXPERIMENT_METRIC: metric,
            ATTR_EXPERIMENT_ALPHA: alpha}
        if goal is not None:
            out[ATTR_EXPERIMENT_GOAL_EVENT] = goal
        return frozenset(out.items())

    [pricing] = [t for t in rig.analytics.get_ab_tests() if t.name == "pricing"]
    assert by_attrs(points) == {
        attrs("pricing", "old", pricing.weights[0], True, "mean", 0.01, "purchase"): 1,
        attrs("pricing", "new", pricing.weights[1], False, "mean", 0.01, "purchase"): 1,
        attrs("pricing", "cheap", pricing.weights[2], False, "mean", 0.01, "purchase"): 1,
        attrs("checkout", "control", 0.5, True, "conversion", 0.05): 1,
        attrs("checkout", "treatment", 0.5, False, "conversion", 0.05): 1,
    }
    assert pricing.weights == (0.2, 0.6, 0.2)
    assert set(EXPERIMENT_INFO.attributes) == {k for p in points for k in p.attributes}
    assert not any("user" in str(v) for p in points for v in p.attributes.values())
