"""Every GET route: its happy path equals the Python API's to_dict(), and its 4xx."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import otel_measure
from otel_measure.http.core import ROUTES
from tests.http.conftest import Client

B = "/api/v1/metrics"


def _drop(d: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in d.items() if k not in keys}


@dataclass(frozen=True)
class Case:
    url: str
    check: Callable[[otel_measure.Measure, Any], None]
    bad: tuple[tuple[str, int], ...] = ()  # (url, status) of 4xx GETs besides the 405


def _same(method: Callable[[otel_measure.Measure], Any], *volatile: str
          ) -> Callable[[otel_measure.Measure, Any], None]:
    def check(m: otel_measure.Measure, body: Any) -> None:
        expected = method(m).to_dict()
        assert _drop(body, *volatile) == _drop(expected, *volatile)
    return check


def _same_keys(method: Callable[[otel_measure.Measure], Any]
               ) -> Callable[[otel_measure.Measure, Any], None]:
    def check(m: otel_measure.Measure, body: Any) -> None:
        assert set(body) == set(method(m).to_dict())
    return check


def _dashboard(m: otel_measure.Measure, body: Any) -> None:
    assert {"infrastructure", "models", "analytics", "rejected"} <= set(body)
    assert body["models"]["cost"] == m.models.get_cost_metrics().to_dict()


def _models(m: otel_measure.Measure, body: Any) -> None:
    assert set(body) == {"clf", "gpt-4o-mini"}
    assert body["clf"]["cost"] == m.models.get_model_performance_snapshot("clf").cost.to_dict()


def _model(m: otel_measure.Measure, body: Any) -> None:
    snap = m.models.get_model_performance_snapshot("clf").to_dict()
    assert body["cost"] == snap["cost"] and body["quality"] == snap["quality"]
    assert body["latency"]["total_calls"] == snap["latency"]["total_calls"] == 60


def _recent(m: otel_measure.Measure, body: Any) -> None:
    expected = [r.latency_s for r in m.models.get_recent_inferences("clf", 5)]
    assert [r["latency_s"] for r in body] == expected and len(expected) == 5


def _prometheus(m: otel_measure.Measure, body: Any) -> None:
    assert "gen_ai_client_operation_duration_seconds_count" in body


def _services(m: otel_measure.Measure, body: Any) -> None:
    assert set(body) == {"db"}
    assert set(body["db"]) == set(m.infrastructure.get_availability_metrics("db").to_dict())


def _ab_tests(m: otel_measure.Measure, body: Any) -> None:
    assert set(body) == {"button"}
    assert body["button"]["variants"] == m.analytics.get_ab_test_results(
        "button").to_dict()["variants"]


CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{B}/dashboard"): Case(f"{B}/dashboard", _dashboard),
    ("GET", f"{B}/infrastructure/cpu"): Case(
        f"{B}/infrastructure/cpu", _same_keys(lambda m: m.infrastructure.collect_cpu_metrics())),
    ("GET", f"{B}/infrastructure/memory"): Case(
        f"{B}/infrastructure/memory",
        _same_keys(lambda m: m.infrastructure.collect_memory_metrics())),
    ("GET", f"{B}/infrastructure/disk"): Case(
        f"{B}/infrastructure/disk", _same_keys(lambda m: m.infrastructure.collect_disk_metrics())),
    ("GET", f"{B}/infrastructure/network"): Case(
        f"{B}/infrastructure/network",
        _same_keys(lambda m: m.infrastructure.collect_network_metrics())),
    ("GET", f"{B}/infrastructure/snapshot"): Case(
        f"{B}/infrastructure/snapshot",
        _same_keys(lambda m: m.infrastructure.collect_system_snapshot())),
    ("GET", f"{B}/infrastructure/summary"): Case(
        f"{B}/infrastructure/summary?window_s=3600",
        _same(lambda m: m.infrastructure.get_metrics_summary(3600)),
        ((f"{B}/infrastructure/summary?window_s=abc", 400),
         (f"{B}/infrastructure/summary?window_s=-5", 422))),
    ("GET", f"{B}/infrastructure/history"): Case(
        f"{B}/infrastructure/history?window_s=3600",
        _same(lambda m: m.infrastructure.get_history(3600)),
        ((f"{B}/infrastructure/history?window_s=nan", 400),
         (f"{B}/infrastructure/history?window_s=0", 422))),
    ("GET", f"{B}/infrastructure/services"): Case(f"{B}/infrastructure/services", _services),
    ("GET", f"{B}/infrastructure/requests"): Case(
        f"{B}/infrastructure/requests",
        _same(lambda m: m.infrastructure.get_request_latency_metrics())),
    ("GET", f"{B}/infrastructure/prometheus"): Case(f"{B}/infrastructure/prometheus",
                                                    _prometheus),
    ("GET", f"{B}/models"): Case(f"{B}/models", _models),
    ("GET", f"{B}/models/cost"): Case(f"{B}/models/cost",
                                      _same(lambda m: m.models.get_cost_metrics())),
    ("GET", f"{B}/models/recent"): Case(
        f"{B}/models/recent?model=clf&limit=5", _recent,
        ((f"{B}/models/recent?limit=x", 400), (f"{B}/models/recent?limit=0", 422))),
    ("GET", f"{B}/models/{{model}}"): Case(f"{B}/models/clf", _model,
                                           ((f"{B}/models/nope", 404),)),
    ("GET", f"{B}/models/{{model}}/drift"): Case(
        f"{B}/models/clf/drift", _same(lambda m: m.models.detect_model_drift("clf")),
        ((f"{B}/models/nope/drift", 404), (f"{B}/models/gpt-4o-mini/drift", 422))),
    ("GET", f"{B}/models/{{model}}/fairness"): Case(
        f"{B}/models/clf/fairness", _same(lambda m: m.models.get_fairness_metrics("clf")),
        ((f"{B}/models/nope/fairness", 404), (f"{B}/models/gpt-4o-mini/fairness", 422))),
    ("GET", f"{B}/analytics/engagement"): Case(
        f"{B}/analytics/engagement", _same(lambda m: m.analytics.get_engagement_metrics(),
                                           "now")),
    ("GET", f"{B}/analytics/funnel"): Case(
        f"{B}/analytics/funnel?steps=page_view,purchase&window_s=3600",
        _same(lambda m: m.analytics.get_conversion_metrics(["page_view", "purchase"], 3600),
              "now"),
        ((f"{B}/analytics/funnel", 400), (f"{B}/analytics/funnel?steps=a&window_s=-1", 422))),
    ("GET", f"{B}/analytics/retention"): Case(
        f"{B}/analytics/retention?period=week",
        _same(lambda m: m.analytics.get_retention_metrics("week"), "now"),
        ((f"{B}/analytics/retention?period=month", 400),)),
    ("GET", f"{B}/analytics/nps"): Case(
        f"{B}/analytics/nps", _same(lambda m: m.analytics.get_nps_metrics(), "now")),
    ("GET", f"{B}/analytics/ab-tests"): Case(f"{B}/analytics/ab-tests", _ab_tests),
    ("GET", f"{B}/analytics/ab-tests/{{name}}"): Case(
        f"{B}/analytics/ab-tests/button",
        _same(lambda m: m.analytics.get_ab_test_results("button"), "now"),
        ((f"{B}/analytics/ab-tests/nope", 404),)),
    ("GET", f"{B}/analytics/segments"): Case(
        f"{B}/analytics/segments", _same(lambda m: m.analytics.segment_users(), "now")),
    ("GET", f"{B}/analytics/revenue"): Case(
        f"{B}/analytics/revenue", _same(lambda m: m.analytics.get_revenue_metrics(), "now")),
}


def test_every_get_route_of_the_table_has_a_case() -> None:
    """The case table covers exactly the GET routes the server dispatches on."""
    assert {(r.method, r.path) for r in ROUTES if r.method == "GET"} == set(CASES)


@pytest.mark.parametrize("key", sorted(CASES), ids=lambda k: k[1].removeprefix(B))
def test_get_route(served: tuple[otel_measure.Measure, Client], key: tuple[str, str]) -> None:
    """200 with the Python API's result; 405 for DELETE; each bad parameter's 4xx with JSON."""
    m, client = served
    m.infrastructure.register_service("db", lambda: True, interval_s=3600)
    with m.infrastructure.track_request("GET", "/x"):
        pass
    case = CASES[key]
    reply = client.get(case.url, token=None)
    assert reply.status == 200, reply.body
    if key[1].endswith("/prometheus"):
        assert reply.headers["content-type"].startswith("text/plain")
        case.check(m, reply.body.decode())
    else:
        assert reply.headers["content-type"] == "application/json"
        case.check(m, reply.json)
    wrong = client.request("DELETE", case.url)
    allowed = {r.method for r in ROUTES if r.path == key[1]}
    assert wrong.status == 405 and set(wrong.headers["allow"].split(", ")) == allowed
    assert wrong.json["status"] == 405
    for url, status in case.bad:
        bad = client.get(url)
        assert bad.status == status, (url, bad.body)
        assert bad.json["status"] == status and bad.json["message"]


def test_unknown_route_is_a_json_404(served: tuple[otel_measure.Measure, Client]) -> None:
    """A path outside the table answers 404 in JSON, pointing at the OpenAPI document."""
    reply = served[1].get(f"{B}/nothing/here")
    assert reply.status == 404 and "openapi.json" in reply.json["message"]


def test_docs_list_every_route() -> None:
    """docs/api.md has one table row per route of the table, with its query parameters."""
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text()
    for route in ROUTES:
        query = "?" + "&".join(f"{p.name}=" for p in route.query) if route.query else ""
        assert f"| `{route.method}` | `{route.path.removeprefix(B)}{query}` |" in docs
