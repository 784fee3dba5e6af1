"""The ``measure`` fixture of the installed pytest plugin, as a user's test suite sees it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

USER_TESTS = '''
import otel_measure


def test_points_values_spans_and_rejections(measure):
    assert otel_measure.get_measure() is measure.handle
    measure.models.record_inference("gpt-4o-mini", 0.5, 100, 20)
    measure.models.record_inference("gpt-4o-mini", 0.7, 100, 20)
    measure.models.record_inference("other", 0.1)
    assert measure.value("gen_ai.client.operation.duration",
                         gen_ai_request_model="gpt-4o-mini") == 2
    assert measure.value("gen_ai.client.token.usage", gen_ai_token_type="input") == 2
    assert len(measure.points("gen_ai.client.operation.duration")) == 2
    with measure.models.track_inference("gpt-4o-mini") as call:
        call.set_usage(input_tokens=3, output_tokens=4)
    assert [s.name for s in measure.spans()] == ["chat gpt-4o-mini"]
    assert measure.spans("chat nothing") == []
    measure.analytics.track_event("purchase", "u1", revenue=42.0)
    assert measure.value("measure.analytics.revenue") == 42.0
    measure.analytics.record_nps_response("u1", 11)
    assert measure.rejected() == {"analytics.bad_nps_score": 1}


def test_each_test_starts_clean(measure):
    assert measure.rejected() == {}
    assert measure.points("gen_ai.client.operation.duration") == []


def test_a_missing_metric_fails_with_its_name(measure):
    try:
        measure.value("gen_ai.client.operation.duration")
    except AssertionError as exc:
        assert "gen_ai.client.operation.duration" in str(exc)
    else:
        raise AssertionError("value() of a metric without points passed")
'''


def test_the_plugin_gives_users_a_measure_fixture(pytester: pytest.Pytester) -> None:
    """A plain test file gets ``measure`` from the entry point: points, values, spans."""
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
