"""Property-based fuzzing of every public recording call and the main queries."""

from __future__ import annotations

import decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from otel_measure import OtelMeasureInputError
from tests.support.analytics import AnalyticsRig
from tests.support.infrastructure import InfrastructureRig
from tests.support.models import ModelsRig


class _Hostile:
    def __repr__(self) -> str:
        raise RuntimeError("repr")

    def __hash__(self) -> int:
        raise RuntimeError("hash")

    def __str__(self) -> str:
        raise RuntimeError("str")

    def __float__(self) -> float:
        raise RuntimeError("float")


ANY = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, float("inf"), float("nan"), 10**400, 2**70,
                     "gpt-4o\ud800", "\x00", "a" * 10_000, "", " ",
                     decimal.Decimal("NaN"), decimal.Decimal("1e400"), np.float64("nan"),
                     np.int64(-1), np.bool_(True), b"bytes"]),
    st.builds(_Hostile), st.builds(list), st.builds(dict),
    st.builds(lambda: {"k": _Hostile()}),
    st.text(max_size=20), st.binary(max_size=8),
)
SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

MODEL_CALLS = {
    "record_inference": lambda m, a: m.record_inference(
        a[0], a[1], a[2], a[3], operation=a[4], provider=a[5], error_type=a[6],
        time_to_first_token_s=a[7], cached_input_tokens=a[8], prediction=a[9], label=a[10]),
    "observe_feature": lambda m, a: m.observe_feature(a[0], a[1], a[2]),
    "observe_outcome": lambda m, a: m.observe_outcome(a[0], a[1], a[2], a[3]),
    "track_inference": lambda m, a: _track(m, a),
}
ANALYTICS_CALLS = {
    "track_event": lambda x, a: x.track_event(a[0], a[1], a[2], session_id=a[3],
                                              timestamp=a[4], revenue=a[5]),
    "start_session": lambda x, a: x.start_session(a[0], a[1], timestamp=a[2]),
    "end_session": lambda x, a: x.end_session(a[0], timestamp=a[1]),
    "set_user_properties": lambda x, a: x.set_user_properties(a[0], a[1]),
    "record_nps_response": lambda x, a: x.record_nps_response(a[0], a[1], a[2], a[3],
                                                              timestamp=a[4]),
    "assign_variant": lambda x, a: x.assign_variant(a[0], a[1]),
    "record_conversion": lambda x, a: x.record_conversion(a[0], a[1], a[2]),
}


def _track(models: Any, a: list[Any]) -> None:
    with models.track_inference(a[0], a[1], a[2], server_address=a[3], server_port=a[4],
                                attributes=a[5]) as call:
        call.set_usage(input_tokens=a[6], output_tokens=a[7])


def _strict_ok(exc: BaseException) -> bool:
    return isinstance(exc, OtelMeasureInputError)


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", sorted(MODEL_CALLS))
def test_model_recording_calls_never_raise(name: str, strict: bool) -> None:
    """Non-strict: no exception for any argument; strict: only OtelMeasureInputError."""
    rig = ModelsRig(strict=strict)
    call = MODEL_CALLS[name]

    @SETTINGS
    @given(st.lists(ANY, min_size=11, max_size=11))
    def run(args: list[Any]) -> None:
        try:
            call(rig.models, args)
        except Exception as exc:
            if not (strict and _strict_ok(exc)):
                raise
    run()
    rig.models.dashboard_section()
    rig.all_points() if rig.metrics() else None


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("name", sorted(ANALYTICS_CALLS))
def test_analytics_recording_calls_never_raise(name: str, strict: bool) -> None:
    """Non-strict: no exception for any argument; strict: only OtelMeasureInputError."""
    rig = AnalyticsRig(strict=strict)
    rig.analytics.create_ab_test("t", metric="mean")
    call = ANALYTICS_CALLS[name]

    @SETTINGS
    @given(st.lists(st.one_of(ANY, st.just("t"), st.just("u1")), min_size=6, max_size=6))
    def run(args: list[Any]) -> None:
        try:
            call(rig.analytics, args)
        except Exception as exc:
            if not (strict and _strict_ok(exc)):
                raise
    run()
    assert "error" not in rig.analytics.dashboard_section()
    rig.analytics.get_revenue_metrics()
    rig.analytics.get_ab_test_results("t")


QUERIES = {
    "get_latency_metrics": lambda m, a: m.get_latency_metrics(a[0]),
    "get_cost_metrics": lambda m, a: m.get_cost_metrics(a[0]),
    "get_model_performance_snapshot": lambda m, a: m.get_model_performance_snapshot(a[0]),
    "get_recent_inferences": lambda m, a: m.get_recent_inferences(a[0], a[1]),
    "get_fairness_metrics": lambda m, a: m.get_fairness_metrics(a[0], a[1]),
    "calculate_rouge_scores": lambda m, a: m.calculate_rouge_scores(a[0], a[1]),
    "calculate_perplexity": lambda m, a: m.calculate_perplexity(a[0]),
    "detect_model_drift": lambda m, a: m.detect_model_drift(a[0], a[1]),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_model_queries_raise_only_value_error(name: str) -> None:
    """A query with any argument answers or raises ValueError, nothing else."""
    rig = ModelsRig()
    rig.models.record_inference("m", 0.1, 1, 1)

    @SETTINGS
    @given(st.lists(st.one_of(ANY, st.just("m")), min_size=2, max_size=2))
    def run(args: list[Any]) -> None:
        try:
            QUERIES[name](rig.models, args)
        except ValueError:
            pass
        except RuntimeError as exc:  # the caller's own object failing is its own error
            assert str(exc) in ("repr", "hash", "str", "float"), exc
    run()


def test_track_request_never_raises() -> None:
    """track_request with any method, route and status records or counts, never raises."""
    rig = InfrastructureRig()

    @SETTINGS
    @given(st.lists(ANY, min_size=3, max_size=3))
    def run(args: list[Any]) -> None:
        with rig.infra.track_request(args[0], args[1]) as request:
            request.set_status(args[2])
    run()
    rig.infra.get_request_latency_metrics()
    for points in rig.all_points().values():
        for point in points:
            for value in point.attributes.values():
                str(value).encode("utf-8")


ANALYTICS_QUERIES = {
    "get_engagement_metrics": lambda x, a: x.get_engagement_metrics(
        now=a[0], session_window_s=a[1]),
    "get_conversion_metrics": lambda x, a: x.get_conversion_metrics(a[0], a[1], now=a[2]),
    "get_retention_metrics": lambda x, a: x.get_retention_metrics(a[0], a[1], now=a[2]),
    "segment_users": lambda x, a: x.segment_users(a[0], now=a[1]),
    "get_nps_metrics": lambda x, a: x.get_nps_metrics(a[0], window_s=a[1], now=a[2],
                                                      confidence=a[3]),
    "get_ab_test_results": lambda x, a: x.get_ab_test_results(a[0], now=a[1], min_sample=a[2],
                                                              min_count=a[3], power=a[4]),
    "get_revenue_metrics": lambda x, a: x.get_revenue_metrics(window_s=a[0], now=a[1]),
}


@pytest.mark.parametrize("name", sorted(ANALYTICS_QUERIES))
def test_analytics_queries_raise_only_value_error(name: str) -> None:
    """An analytics query with any argument answers or raises ValueError, nothing else."""
    rig = AnalyticsRig()
    analytics = rig.analytics
    analytics.create_ab_test("t")
    analytics.assign_variant("t", "u1")
    analytics.track_event("buy", "u1", revenue=5.0)
    analytics.record_nps_response("u1", 9, segment="s")

    @SETTINGS
    @given(st.lists(st.one_of(ANY, st.just("t"), st.just(["buy"])), min_size=5, max_size=5))
    def run(args: list[Any]) -> None:
        try:
            ANALYTICS_QUERIES[name](analytics, args)
        except ValueError:
            pass
        except RuntimeError as exc:  # the caller's own object failing is its own error
            assert str(exc) in ("repr", "hash", "str", "float"), exc
    run()
