"""Every POST route: happy path through the Python API, its rejections and its 4xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import otel_measure
from otel_measure.http.core import ROUTES
from tests.http.conftest import Client

B = "/api/v1/metrics"


@dataclass(frozen=True)
class Case:
    url: str
    body: Any
    recorded: Callable[[otel_measure.Measure], Any]  # a figure the call must change
    rejected_body: Any
    reason: str  # the measure.rejected reason the Python API counts for rejected_body


CASES: dict[tuple[str, str], Case] = {
    ("POST", f"{B}/analytics/events"): Case(
        f"{B}/analytics/events",
        {"event_name": "signup", "user_id": "newcomer", "properties": {"plan": "pro"}},
        lambda m: m.analytics.get_engagement_metrics().dau,
        {"event_name": "signup", "user_id": "x", "revenue": -1}, "analytics.bad_revenue"),
    ("POST", f"{B}/analytics/nps"): Case(
        f"{B}/analytics/nps", {"user_id": "newcomer", "score": 10, "segment": "web"},
        lambda m: m.analytics.get_nps_metrics().n,
        {"user_id": "newcomer", "score": 11}, "analytics.bad_nps_score"),
    ("POST", f"{B}/analytics/ab-tests/{{name}}/assign"): Case(
        f"{B}/analytics/ab-tests/button/assign", {"user_id": "newcomer"},
        lambda m: sum(v.n for v in
                      m.analytics.get_ab_test_results("button").variants.values()),
        {"user_id": ["not", "an", "id"]}, "analytics.bad_user_id"),
    ("POST", f"{B}/analytics/ab-tests/{{name}}/conversions"): Case(
        f"{B}/analytics/ab-tests/button/conversions", {"user_id": "user-1"},
        lambda m: sum(v.total for v in
                      m.analytics.get_ab_test_results("button").variants.values()),
        {"user_id": "never-assigned"}, "analytics.conversion_without_exposure"),
    ("POST", f"{B}/models/{{model}}/inferences"): Case(
        f"{B}/models/clf/inferences", {"latency_s": 0.2, "prediction": 1, "label": 1},
        lambda m: m.models.get_latency_metrics("clf").total_calls,
        {"latency_s": -1}, "models.invalid_latency"),
    ("POST", f"{B}/models/{{model}}/outcomes"): Case(
        f"{B}/models/clf/outcomes", {"group": "east", "prediction": 1, "label": 0},
        lambda m: m.models.get_fairness_metrics("clf").overall.count,
        {"group": "east", "prediction": 1, "label": 7}, "models.invalid_outcome"),
}


def test_every_post_route_of_the_table_has_a_case() -> None:
    """The case table covers exactly the POST routes the server dispatches on."""
    assert {(r.method, r.path) for r in ROUTES if r.method == "POST"} == set(CASES)


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: k[1].removeprefix(B))
def test_post_route(served: tuple[otel_measure.Measure, Client], key: tuple[str, str]) -> None:
    """2xx records through the Python API; what it rejects is a counted 422; then each 4xx."""
    m, client = served
    case = CASES[key]
    before = case.recorded(m)
    reply = client.post(case.url, case.body)
    assert reply.status in (200, 202), reply.body
    assert case.recorded(m) == before + 1

    counted = m.rejections.counts().get(case.reason, 0)
    rejected = client.post(case.url, case.rejected_body)
    assert rejected.status == 422, rejected.body
    assert rejected.json["reasons"] == [{"reason": case.reason, "count": 1}]
    assert m.rejections.counts()[case.reason] == counted + 1
    assert case.recorded(m) == before + 1

    assert client.post(case.url, case.body, token=None).status == 401
    assert client.post(case.url, case.body, token="wrong").status == 401
    assert client.post(case.url, case.body, content_type="text/plain").status == 415
    assert client.post(case.url, raw=b'{"user_id": ').status == 400
    assert client.post(case.url, raw=b"NaN").status == 400
    # The declared length alone answers 413: the body is never read.
    assert client.post(case.url, raw=b"{}", headers={"Content-Length": "2000000"}).status == 413
    unknown = client.post(case.url, {**case.body, "surprise": 1})
    assert unknown.status == 422 and "surprise" in unknown.json["message"]
    assert case.recorded(m) == before + 1


def test_assign_returns_the_python_api_variant(
        served: tuple[otel_measure.Measure, Client]) -> None:
    """The variant answered is the sticky one the Python API gives the same user."""
    m, client = served
    answers = {client.post(f"{B}/analytics/ab-tests/button/assign",
                           {"user_id": f"u{i}"}).json["variant"] for i in range(20)}
    assert answers == {"blue", "green"}
    for i in range(20):
        reply = client.post(f"{B}/analytics/ab-tests/button/assign", {"user_id": f"u{i}"})
        assert reply.json == {"test": "button",
                              "variant": m.analytics.assign_variant("button", f"u{i}")}


def test_an_unknown_test_is_rejected_and_counted_like_a_python_call(
        served: tuple[otel_measure.Measure, Client]) -> None:
    """Assigning in an unknown test counts the reason the Python call counts."""
    m, client = served
    reply = client.post(f"{B}/analytics/ab-tests/nope/assign", {"user_id": "a"})
    assert reply.status == 422
    assert reply.json["reasons"] == [{"reason": "analytics.unknown_experiment", "count": 1}]
    assert m.analytics.assign_variant("nope", "a") is None
    assert m.rejections.counts()["analytics.unknown_experiment"] == 2


def test_events_are_pseudonymised_like_python_calls(
        served: tuple[otel_measure.Measure, Client]) -> None:
    """An ingested user id is held only as the Python API's pseudonym."""
    m, client = served
    assert client.post(f"{B}/analytics/events",
                       {"event_name": "page_view", "user_id": "alice@example.com"}).status == 202
    members = m.analytics.segment_users().to_dict()["segments"]["active"]["members"]
    assert m.analytics.pseudonym("alice@example.com") in members
    assert "alice@example.com" not in str(m.analytics.segment_users().to_dict())


def test_a_batch_records_the_good_events_and_reports_the_bad(
        served: tuple[otel_measure.Measure, Client]) -> None:
    """A batch answers 202 when all pass, else 422 naming each rejected index."""
    m, client = served
    ok = client.post(f"{B}/analytics/events", [
        {"event_name": "page_view", "user_id": f"b{i}"} for i in range(3)])
    assert ok.status == 202 and ok.json == {"accepted": 3}
    before = m.analytics.get_engagement_metrics().dau
    mixed = client.post(f"{B}/analytics/events", [
        {"event_name": "page_view", "user_id": "c1"},
        {"event_name": "", "user_id": "c2"},
        {"event_name": "page_view"}])
    assert mixed.status == 422
    assert mixed.json["accepted"] == 1
    assert [r["index"] for r in mixed.json["rejected"]] == [1, 2]
    assert m.analytics.get_engagement_metrics().dau == before + 1
    too_many = client.post(f"{B}/analytics/events", [])
    assert too_many.status == 422
