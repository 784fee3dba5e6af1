"""The input contract of the recording calls: the failures of issue 10, one test each."""

from __future__ import annotations

import decimal
import fractions

import numpy as np
import pytest

from otel_measure import OtelMeasureInputError
from otel_measure.instruments._rejections import MAX_MONEY, MAX_SECONDS, MAX_TOKENS
from otel_measure.options import ModelOptions
from tests.support.analytics import AnalyticsRig
from tests.support.infrastructure import InfrastructureRig
from tests.support.models import ModelsRig

SURROGATE = "gpt-4o\ud800"


def test_surrogate_names_are_rejected_and_never_exported() -> None:
    """A lone surrogate in any name is counted, and no exported attribute holds one."""
    rig = ModelsRig()
    models = rig.models
    models.record_inference(SURROGATE, 0.1)
    models.record_inference("ok", 0.1, operation=SURROGATE)
    models.record_inference("ok", 0.1, provider=SURROGATE)
    models.record_inference("ok", 0.1, error_type=SURROGATE)
    models.observe_feature("ok", SURROGATE, 1.0)
    counts = rig.rejections.counts()
    assert counts == {"models.invalid_model": 1, "models.invalid_operation": 1,
                      "models.invalid_provider": 1, "models.invalid_error_type": 1,
                      "models.invalid_feature": 1}
    for points in rig.all_points().values():
        for point in points:
            for value in point.attributes.values():
                str(value).encode("utf-8")  # raises on a surrogate


def test_surrogate_user_id_and_event_name_never_raise() -> None:
    """A surrogate user id or event name is rejected by each analytics recording call."""
    rig = AnalyticsRig()
    analytics = rig.analytics
    analytics.create_ab_test("t", goal_event="buy")
    analytics.track_event("buy", "user\udc80")
    analytics.track_event("buy\ud800", "user")
    analytics.start_session("user\udc80")
    analytics.set_user_properties("user\udc80", {"a": 1})
    analytics.record_nps_response("user\udc80", 9)
    analytics.record_nps_response("user", 9, segment="seg\ud800")
    assert analytics.assign_variant("t", "user\udc80") is None
    analytics.record_conversion("t", "user\udc80")
    counts = rig.rejections.counts()
    assert counts["analytics.bad_user_id"] == 6
    assert counts["analytics.bad_event_name"] == 1
    assert counts["analytics.bad_nps_segment"] == 1


@pytest.mark.parametrize("latency", [1e308, MAX_SECONDS * 2, 10**400, float("inf")])
def test_absurd_latency_is_rejected_and_reads_still_answer(latency: object) -> None:
    """Latency over one day (or too big for a float) is counted, and queries answer."""
    rig = ModelsRig()
    rig.models.record_inference("m", 0.5)
    rig.models.record_inference("m", latency)  # type: ignore[arg-type]
    rig.models.record_inference("m", latency)  # type: ignore[arg-type]
    assert rig.rejections.counts() == {"models.invalid_latency": 2}
    assert rig.models.get_latency_metrics("m").count == 1


def test_token_counts_past_the_bound_are_rejected_not_priced() -> None:
    """input_tokens=2**70 books no cost: it is rejected; 10**9 is the largest accepted."""
    rig = ModelsRig()
    rig.models.record_inference("acme-chat", 0.1, 2**70, 1)
    rig.models.record_inference("acme-chat", 0.1, MAX_TOKENS + 1, 1)
    rig.models.record_inference("acme-chat", 0.1, MAX_TOKENS, 0)
    assert rig.rejections.counts() == {"models.invalid_tokens": 2}
    cost = sum(p.value for p in rig.points("measure.model.cost"))
    assert cost == pytest.approx(MAX_TOKENS * 3.0 / 1e6)


@pytest.mark.parametrize("value", [1e308, MAX_MONEY * 2, 10**400, float("nan"), -1.0])
def test_absurd_money_is_rejected_and_reads_still_answer(value: object) -> None:
    """Revenue and conversion values over 1e9 are counted; revenue and A/B reads answer."""
    rig = AnalyticsRig()
    analytics = rig.analytics
    analytics.create_ab_test("t", metric="mean")
    variant = analytics.assign_variant("t", "u1")
    assert variant is not None
    analytics.track_event("buy", "u1", revenue=value)  # type: ignore[arg-type]
    analytics.record_conversion("t", "u1", value)  # type: ignore[arg-type]
    assert rig.rejections.counts() == {"analytics.bad_revenue": 1,
                                       "analytics.bad_conversion_value": 1}
    assert analytics.get_revenue_metrics().total == 0.0
    analytics.get_ab_test_results("t")
    assert "error" not in analytics.dashboard_section()


def test_conversions_of_decimal_fraction_numpy_and_bool() -> None:
    """Decimal, Fraction and numpy scalars are converted; bool and numpy bool are refused."""
    rig = ModelsRig()
    models = rig.models
    models.record_inference("m", decimal.Decimal("0.25"), np.int64(3), np.int32(4))
    models.record_inference("m", fractions.Fraction(1, 4))
    models.record_inference("m", np.float32(0.25))
    assert rig.rejections.counts() == {}
    models.record_inference("m", True)  # type: ignore[arg-type]
    models.record_inference("m", np.bool_(True))  # type: ignore[arg-type]
    models.record_inference("m", 0.1, True)  # type: ignore[arg-type]
    models.record_inference("m", 0.1, decimal.Decimal(3))  # type: ignore[arg-type]
    assert rig.rejections.counts() == {"models.invalid_latency": 2, "models.invalid_tokens": 2}
    assert models.get_latency_metrics("m").count == 3
    analytics = AnalyticsRig().analytics
    analytics.track_event("buy", "u", revenue=decimal.Decimal("9.99"))  # type: ignore[arg-type]
    analytics.track_event("buy", "u", revenue=np.float64(0.01))
    assert analytics.get_revenue_metrics().total == pytest.approx(10.0)


def test_track_inference_with_bad_attributes_records_the_call() -> None:
    """attributes=5 is counted and dropped; the call itself is still timed."""
    rig = ModelsRig()
    with rig.models.track_inference("m", attributes=5):  # type: ignore[arg-type]
        rig.tick(0.5)
    assert rig.rejections.counts() == {"models.invalid_attributes": 1}
    assert rig.models.get_latency_metrics("m").count == 1


def test_strict_mode_raises_the_one_input_error() -> None:
    """Every rejection raises OtelMeasureInputError, a ValueError naming argument and rule."""
    models = ModelsRig(strict=True).models
    with pytest.raises(OtelMeasureInputError, match=r"latency_s=1e\+308 .*86400"):
        models.record_inference("m", 1e308)
    with pytest.raises(OtelMeasureInputError, match=r"model=.gpt-4o\\ud800. .*surrogate"):
        models.record_inference(SURROGATE, 0.1)
    analytics = AnalyticsRig(strict=True).analytics
    with pytest.raises(OtelMeasureInputError) as info:
        analytics.track_event("buy", "u\udc80")
    assert isinstance(info.value, ValueError)
    assert info.value.reason == "analytics.bad_user_id"
    assert "\udc80" not in str(info.value)  # a user id never appears in a message


def test_hostile_repr_and_hash_never_escape() -> None:
    """Objects whose __repr__, __hash__ and __str__ raise are rejected and counted."""

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("repr")

        def __hash__(self) -> int:
            raise RuntimeError("hash")

        def __str__(self) -> str:
            raise RuntimeError("str")

    rig = ModelsRig()
    rig.models.record_inference(Hostile(), 0.1)  # type: ignore[arg-type]
    rig.models.record_inference("m", Hostile())  # type: ignore[arg-type]
    rig.models.record_inference("m", 0.1, Hostile())  # type: ignore[arg-type]
    assert rig.rejections.counts() == {"models.invalid_model": 1, "models.invalid_latency": 1,
                                       "models.invalid_tokens": 1}
    with pytest.raises(OtelMeasureInputError, match="failing __repr__"):
        ModelsRig(strict=True).models.record_inference(Hostile(), 0.1)  # type: ignore[arg-type]


def test_model_flood_then_real_model_loses_none_of_its_calls() -> None:
    """Past max_models, bogus names go to _OTHER; a real model's later calls all count."""
    rig = ModelsRig(ModelOptions(max_models=50))
    for i in range(2_000):
        rig.models.record_inference(f"bogus-{i}", 0.1)
    for _ in range(300):
        rig.models.record_inference("gpt-4o-mini", 0.2)
    assert rig.rejections.counts() == {"models.model_overflow": 1_950 + 300}
    duration = {p.attributes["gen_ai.request.model"]: p.count
                for p in rig.points("gen_ai.client.operation.duration")}
    assert duration["_OTHER"] == 1_950 + 300
    assert rig.models.get_latency_metrics("_OTHER").count <= 1_000  # bounded buffer
    assert len(duration) == 51


def test_predictions_and_labels_are_private_by_default() -> None:
    """Only declared classes, or the first 20 short values, become label attributes."""
    rig = ModelsRig()
    rig.models.register_model("clf", classes=["cat", "dog"])
    rig.models.record_inference("clf", 0.1, prediction="cat", label="dog")
    rig.models.record_inference("clf", 0.1, prediction="my SSN is 123", label="cat")
    for i in range(30):
        rig.models.record_inference("auto", 0.1, prediction=f"p{i}", label=f"p{i}")
    seen = {(p.attributes["gen_ai.request.model"], p.attributes["measure.label.predicted"])
            for p in rig.points("measure.model.quality.confusion")}
    assert ("clf", "cat") in seen and ("clf", "_OTHER") in seen
    assert ("clf", "my SSN is 123") not in seen
    auto = {pred for model, pred in seen if model == "auto"}
    assert auto == {f"p{i}" for i in range(20)} | {"_OTHER"}


def test_surrogate_route_group_service_and_test_names_are_refused() -> None:
    """Routes and fairness groups are counted; service and test definitions raise."""
    infra = InfrastructureRig()
    with infra.infra.track_request("GET", "/users\ud800"):
        pass
    assert infra.rejections.counts() == {"invalid_http_route": 1}
    with pytest.raises(ValueError, match="valid Unicode"):
        infra.infra.register_service("svc\ud800", lambda: True)
    models = ModelsRig()
    models.models.observe_outcome("m", "group\ud800", 1, 1)
    assert models.rejections.counts() == {"models.invalid_group": 1}
    with pytest.raises(ValueError, match="surrogate"):
        models.models.register_model("m2", groups=["a", "b\ud800"])
    analytics = AnalyticsRig().analytics
    with pytest.raises(ValueError, match="surrogate"):
        analytics.create_ab_test("test\ud800")
    with pytest.raises(ValueError, match="surrogate"):
        analytics.create_ab_test("t", variants=("a", "b\ud800"))
