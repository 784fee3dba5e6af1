"""Analytics events, sessions, engagement, funnels, retention and segments on an injected clock."""

from __future__ import annotations

import json
import random
import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics.export import HistogramDataPoint

import otel_measure
from otel_measure.calculators.funnel import engagement, funnel
from otel_measure.calculators.retention import retention_table
from otel_measure.demo.analytics import AnalyticsDriver
from otel_measure.names.analytics import (
    ANALYTICS_EVENTS,
    ANALYTICS_EVICTIONS,
    ANALYTICS_REVENUE,
    ANALYTICS_SESSION_DURATION,
    ANALYTICS_SESSIONS_ACTIVE,
    ANALYTICS_USERS,
)
from otel_measure.names.core import REJECTED
from tests.support.analytics import T0, AnalyticsRig
from tests.support.rig import by_attr

DAY = 86_400.0


@pytest.fixture
def rig() -> AnalyticsRig:
    """A fresh rig."""
    return AnalyticsRig()


# --- events --------------------------------------------------------------------------------------


def test_events_and_revenue_export_by_event_name_only(rig: AnalyticsRig) -> None:
    """measure.analytics.events / revenue carry event.name alone, with the catalog's units."""
    a = rig.analytics
    for i in range(5):
        a.track_event("page_view", f"u{i}", {"path": "/x", "user.id": f"u{i}"})
    a.track_event("purchase", "u1", revenue=12.5)
    a.track_event("purchase", 7, revenue=7.5)
    points = rig.all_points()
    events = points[ANALYTICS_EVENTS.name]
    assert by_attr(events, "event.name") == {"page_view": 5, "purchase": 2}
    assert all(set(p.attributes) == {"event.name"} for p in events)
    assert by_attr(points[ANALYTICS_REVENUE.name], "event.name") == {"purchase": 20.0}
    assert rig.metric(ANALYTICS_EVENTS.name).unit == "{event}"
    assert rig.metric(ANALYTICS_REVENUE.name).unit == "USD"
    assert points[ANALYTICS_USERS.name][0].value == 6


def test_event_names_beyond_allow_list_export_as_other() -> None:
    """With an allow-list, other names export as _OTHER; without one the first N are kept."""
    listed = AnalyticsRig(events=("signup",))
    for name in ("signup", "secret-campaign-1", "secret-campaign-2"):
        listed.analytics.track_event(name, "u")
    assert by_attr(listed.all_points()[ANALYTICS_EVENTS.name], "event.name") == {
        "signup": 1, "_OTHER": 2}
    capped = AnalyticsRig(max_event_names=2)
    for name in ("a", "b", "c", "d", "a"):
        capped.analytics.track_event(name, "u")
    assert by_attr(capped.all_points()[ANALYTICS_EVENTS.name], "event.name") == {
        "a": 2, "b": 1, "_OTHER": 2}
    # Every event is still buffered under its real name for the funnels.
    assert capped.analytics.get_conversion_metrics(["c", "d"], now=T0).converted == 1


BAD_CALLS: list[tuple[str, Any]] = [
    ("analytics.bad_event_name", lambda a: a.track_event("", "u")),
    ("analytics.bad_event_name", lambda a: a.track_event(None, "u")),
    ("analytics.bad_event_name", lambda a: a.track_event("x" * 201, "u")),
    ("analytics.bad_user_id", lambda a: a.track_event("e", "")),
    ("analytics.bad_user_id", lambda a: a.track_event("e", None)),
    ("analytics.bad_user_id", lambda a: a.track_event("e", True)),
    ("analytics.bad_user_id", lambda a: a.track_event("e", 1.5)),
    ("analytics.bad_timestamp", lambda a: a.track_event("e", "u", timestamp=float("nan"))),
    ("analytics.bad_timestamp", lambda a: a.track_event("e", "u", timestamp="yesterday")),
    ("analytics.bad_session_id", lambda a: a.track_event("e", "u", session_id=5)),
    ("analytics.bad_revenue", lambda a: a.track_event("e", "u", revenue=-1.0)),
    ("analytics.bad_revenue", lambda a: a.track_event("e", "u", revenue=float("inf"))),
    ("analytics.bad_properties", lambda a: a.track_event("e", "u", ["not", "a", "map"])),
    ("analytics.bad_properties", lambda a: a.track_event("e", "u", {1: "int key"})),
    ("analytics.bad_user_id", lambda a: a.start_session("")),
    ("analytics.unknown_session", lambda a: a.end_session("never-opened")),
    ("analytics.bad_session_id", lambda a: a.end_session("")),
]


@pytest.mark.parametrize(("reason", "call"), BAD_CALLS)
def test_bad_recording_input_is_dropped_and_counted(reason: str, call: Any) -> None:
    """Bad input is counted under its reason and records nothing; strict mode raises."""
    rig = AnalyticsRig()
    call(rig.analytics)
    points = rig.all_points()
    assert by_attr(points[REJECTED.name], "reason") == {reason: 1}
    assert ANALYTICS_EVENTS.name not in points
    assert rig.analytics.get_engagement_metrics(now=T0).mau == 0
    with pytest.raises(ValueError, match=r"\S"):
        call(AnalyticsRig(strict=True).analytics)


def test_rejection_messages_do_not_repeat_user_ids() -> None:
    """A malformed id is not echoed in the error (it may still be personal data)."""
    long_id = "alice@example.com" * 100
    with pytest.raises(ValueError) as info:
        AnalyticsRig(strict=True).analytics.track_event("e", long_id)
    assert "alice" not in str(info.value) and "str" in str(info.value)


# --- sessions ------------------------------------------------------------------------------------


def test_sessions_close_after_the_idle_timeout(rig: AnalyticsRig) -> None:
    """Events 29 min apart share a session; a 31 min gap opens a new one; durations recorded."""
    a = rig.analytics
    a.track_event("a", "u")
    rig.tick(29 * 60)
    a.track_event("b", "u")
    assert rig.all_points()[ANALYTICS_SESSIONS_ACTIVE.name][0].value == 1
    rig.tick(31 * 60)
    a.track_event("c", "u")  # closes the first session at its last event
    (hist,) = rig.all_points()[ANALYTICS_SESSION_DURATION.name]
    assert isinstance(hist, HistogramDataPoint)
    assert (hist.count, hist.sum) == (1, 29 * 60)
    rig.tick(31 * 60)  # the collection sweeps on the clock: the single-event session ends
    points = rig.all_points()
    assert points[ANALYTICS_SESSIONS_ACTIVE.name][0].value == 0
    assert points[ANALYTICS_SESSION_DURATION.name][0].count == 2
    eng = a.get_engagement_metrics()
    assert (eng.sessions, eng.bounce_rate, eng.events_per_session) == (2, 0.5, 1.5)
    assert eng.median_session_duration_s == pytest.approx(29 * 60 / 2)


def test_idle_timeout_is_configurable() -> None:
    """session_timeout_s=60 splits events 61 s apart."""
    rig = AnalyticsRig(session_timeout_s=60)
    rig.analytics.track_event("a", "u")
    rig.tick(61)
    rig.analytics.track_event("b", "u")
    assert rig.analytics.get_engagement_metrics().sessions == 2


def test_start_and_end_session_return_duration(rig: AnalyticsRig) -> None:
    """end_session returns end - start; after the idle close it returns the closed duration."""
    a = rig.analytics
    sid = a.start_session("u", {"plan": "pro"})
    assert sid is not None
    rig.tick(90)
    a.track_event("click", "u", session_id=sid)
    rig.tick(30)
    assert a.end_session(sid) == 120.0
    other = a.start_session("v")
    assert other is not None and other != sid
    rig.tick(10)
    a.track_event("click", "v", session_id=other)
    rig.tick(3600)
    a.track_event("x", "w")  # sweeps v's idle session, closed at its last event
    assert a.end_session(other) == 10.0
    assert rig.rejections.counts() == {}
    assert a.segment_users({"pro": {"plan": "pro"}}).segments["pro"].members == (
        a.pseudonym("u"),)


def test_app_session_ids_reused_after_timeout_open_new_sessions(rig: AnalyticsRig) -> None:
    """An app's session id seen again after the idle timeout starts a distinct session."""
    a = rig.analytics
    a.track_event("a", "u", session_id="cookie-1")
    rig.tick(2 * 3600)
    a.track_event("b", "u", session_id="cookie-1")
    rig.tick(1)
    assert a.get_engagement_metrics().sessions == 2


# --- engagement, funnels, retention: differential against the calculators ------------------------


def _sessions_by_idle_rule(events: list[tuple[str, float]], timeout: float
                           ) -> list[tuple[int, str, float, float, list[float]]]:
    """Split each user's time-ordered events into sessions at gaps over ``timeout``."""
    out: list[tuple[int, str, float, float, list[float]]] = []
    per_user: dict[str, list[float]] = {}
    for user, t in events:
        per_user.setdefault(user, []).append(t)
    for user, times in per_user.items():
        start = last = times[0]
        members = [times[0]]
        for t in times[1:]:
            if t - last > timeout:
                out.append((len(out), user, start, last, members))
                start, members = t, []
            members.append(t)
            last = t
        out.append((len(out), user, start, last, members))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.floats(0, 40 * DAY)), min_size=1,
                max_size=60))
def test_engagement_equals_calculator(raw: list[tuple[int, float]]) -> None:
    """Engagement equals calculators.engagement on independently split sessions."""
    rig = AnalyticsRig()
    events = sorted((f"user{u}", T0 + t) for u, t in raw)
    events.sort(key=lambda e: e[1])
    for user, t in events:
        rig.analytics.track_event("e", user, timestamp=t)
    now = T0 + 40 * DAY + 1
    got = rig.analytics.get_engagement_metrics(now=now)
    sessions = _sessions_by_idle_rule(events, 1800.0)
    window = [s for s in sessions if now - 30 * DAY < s[2] <= now]
    sid_of = {(s[1], t): s[0] for s in sessions for t in s[4]}
    want = engagement([(s[0], s[1], s[2], s[3]) for s in window],
                      [(u, t, sid_of[(u, t)]) for u, t in events], now)
    for field in ("dau", "wau", "mau", "sessions", "new_users", "returning_users"):
        assert getattr(got, field) == getattr(want, field), field
    for field in ("stickiness", "mean_session_duration_s", "median_session_duration_s",
                  "events_per_session", "bounce_rate"):
        assert getattr(got, field) == pytest.approx(getattr(want, field), nan_ok=True), field


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.floats(0, 20 * DAY),
                          st.sampled_from(["visit", "cart", "buy", "noise"])),
                max_size=80),
       st.sampled_from([3600.0, DAY, 14 * DAY]))
def test_conversion_metrics_equal_funnel_calculator(raw: list[tuple[int, float, str]],
                                                    window: float) -> None:
    """get_conversion_metrics equals calculators.funnel on the raw events."""
    rig = AnalyticsRig()
    events = [(f"u{u}", T0 + t, name) for u, t, name in raw]
    for user, t, name in events:
        rig.analytics.track_event(name, user, timestamp=t)
    steps = ["visit", "cart", "buy"]
    got = rig.analytics.get_conversion_metrics(steps, window, now=T0 + 30 * DAY)
    want = funnel(events, steps, window)
    assert got.to_dict() == {**want.to_dict(), "now": T0 + 30 * DAY}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.floats(0, 60 * DAY)), max_size=80),
       st.sampled_from(["day", "week"]), st.floats(0, 70 * DAY))
def test_retention_equals_calculator(raw: list[tuple[int, float]], period: str,
                                     now_offset: float) -> None:
    """get_retention_metrics equals calculators.retention_table on the raw activity."""
    rig = AnalyticsRig()
    activity = [(f"u{u}", T0 + t) for u, t in raw]
    for user, t in activity:
        rig.analytics.track_event("e", user, timestamp=t)
    now = T0 + now_offset
    got = rig.analytics.get_retention_metrics(period, 6, now=now)
    want = retention_table(None, activity, period=period, periods=6, now=now)
    assert {k: v for k, v in got.to_dict().items() if k != "users"} == want.to_dict()
    assert got.users == len({u for u, t in activity if t <= now})


def test_retention_keeps_cohorts_after_events_leave_the_buffer() -> None:
    """First-seen times outlive the event buffer, so old users stay in their cohort."""
    rig = AnalyticsRig(event_buffer_size=3)
    rig.analytics.track_event("e", "old", timestamp=T0 - 3 * DAY)
    for i in range(3):
        rig.analytics.track_event("e", f"new{i}", timestamp=T0)
    res = rig.analytics.get_retention_metrics(periods=4, now=T0)
    assert [c.size for c in res.cohorts] == [1, 3]
    eng = rig.analytics.get_engagement_metrics(now=T0)
    assert eng.mau == 4  # the old user's first event counts as activity


def test_query_arguments_are_validated(rig: AnalyticsRig) -> None:
    """Bad query arguments raise ValueError naming the argument."""
    a = rig.analytics
    cases: list[tuple[Any, str]] = [
        (lambda: a.get_conversion_metrics([]), "steps"),
        (lambda: a.get_conversion_metrics(["a"], window_s=-1), "window_s"),
        (lambda: a.get_retention_metrics("month"), "period"),
        (lambda: a.get_retention_metrics("day", 0), "periods"),
        (lambda: a.get_engagement_metrics(now=float("nan")), "now"),
        (lambda: a.get_engagement_metrics(session_window_s=0), "session_window_s"),
        (lambda: a.get_nps_metrics(window_s=-5), "window_s"),
        (lambda: a.get_nps_metrics(confidence=1.5), "confidence"),
        (lambda: a.segment_users(rules=5), "rules"),  # type: ignore[arg-type]
        (lambda: a.segment_users(rules={"new": {"plan": "x"}}), "rules"),
        (lambda: a.pseudonym(""), "user_id"),
    ]
    for call, arg in cases:
        with pytest.raises(ValueError, match=arg):
            call()


# --- segments ------------------------------------------------------------------------------------


def test_built_in_and_rule_segments(rig: AnalyticsRig) -> None:
    """Lifecycle, power, recency and frequency segments follow their documented windows."""
    a = rig.analytics
    for day in range(6):  # active 6 of the last 7 days: power
        a.track_event("e", "power", timestamp=T0 - day * DAY)
    a.track_event("e", "lapsing", timestamp=T0 - 10 * DAY)
    a.track_event("e", "gone", timestamp=T0 - 40 * DAY)
    a.set_user_properties("gone", {"plan": "pro", "seats": 40})
    a.set_user_properties("power", {"plan": "free", "seats": 2})
    seg = a.segment_users({"pro": {"plan": "pro"}, "big": lambda p: p.get("seats", 0) > 10},
                          now=T0).segments
    p = a.pseudonym
    assert seg["active"].members == (p("power"),)
    assert seg["at_risk"].members == (p("lapsing"),)
    assert seg["churned"].members == (p("gone"),)
    assert seg["power"].members == (p("power"),)
    assert seg["new"].count == 1 and seg["recency_under_1d"].count == 1
    assert seg["frequency_2_7d"].members == (p("power"),)
    assert seg["frequency_1d"].members == (p("lapsing"),)
    assert seg["frequency_0d"].members == (p("gone"),)
    assert seg["pro"].members == seg["big"].members == (p("gone"),)


def test_assignment_and_properties_alone_are_not_activity(rig: AnalyticsRig) -> None:
    """A user only assigned or given properties is not active and starts no cohort."""
    rig.analytics.create_ab_test("t")
    rig.analytics.assign_variant("t", "assigned")
    rig.analytics.set_user_properties("described", {"plan": "pro"})
    assert rig.analytics.get_engagement_metrics().mau == 0
    assert rig.analytics.get_retention_metrics().users == 0
    assert rig.analytics.segment_users({"pro": {"plan": "pro"}}).users == 0
    rig.analytics.track_event("e", "described")
    assert rig.analytics.segment_users({"pro": {"plan": "pro"}}).segments["pro"].count == 1


def test_rule_errors_name_the_rule(rig: AnalyticsRig) -> None:
    """A rule callable that raises becomes a ValueError naming the rule."""
    rig.analytics.track_event("e", "u")
    with pytest.raises(ValueError, match="'seats'"):
        rig.analytics.segment_users({"seats": lambda p: p["seats"] > 1})


# --- scale and concurrency -----------------------------------------------------------------------


def test_eight_threads_lose_no_event() -> None:
    """8 threads tracking concurrently: every event is counted, buffered and attributed."""
    rig = AnalyticsRig()
    per_thread, barrier = 4000, threading.Barrier(8)

    def work(k: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            rig.analytics.track_event(("view", "click")[i % 2], f"user{(k * 7 + i) % 50}",
                                      revenue=1.0 if i % 10 == 0 else None)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    points = rig.all_points()
    assert by_attr(points[ANALYTICS_EVENTS.name], "event.name") == {
        "view": 16_000, "click": 16_000}
    assert by_attr(points[ANALYTICS_REVENUE.name], "event.name") == {"view": 3200.0}
    state = rig.analytics.state_summary()
    assert (state["events_tracked"], state["events_buffered"], state["users"]) == (
        32_000, 32_000, 50)


def test_distinct_user_flood_keeps_state_at_its_caps() -> None:
    """200,000 distinct users against caps of 1,000: state stays at the caps, evictions counted."""
    rig = AnalyticsRig(max_users=1000, max_active_sessions=1000, event_buffer_size=1000,
                       session_buffer_size=1000)
    flood = 200_000
    for i in range(flood):
        rig.analytics.track_event("visit", i)
    state = rig.analytics.state_summary()
    assert (state["users"], state["active_sessions"], state["events_buffered"]) == (
        1000, 1000, 1000)
    points = rig.all_points()
    assert by_attr(points[ANALYTICS_EVICTIONS.name], "analytics.state") == {
        "user": flood - 1000, "session": flood - 1000}
    assert points[ANALYTICS_USERS.name][0].value == 1000
    assert points[ANALYTICS_SESSION_DURATION.name][0].count == flood - 1000


# --- wiring, dashboard, demo, close --------------------------------------------------------------


def test_setup_wires_analytics_into_the_dashboard() -> None:
    """setup() builds UserAnalytics; its dashboard section is JSON with every part."""
    m = otel_measure.setup(exporters="none", infrastructure=False)
    a = m.analytics
    a.create_ab_test("btn", goal_event="buy")
    a.track_event("visit", "u1")
    a.assign_variant("btn", "u1")
    a.record_nps_response("u1", 9)
    section = json.loads(json.dumps(m.dashboard()["analytics"]))
    assert section["engagement"]["dau"] == 1
    assert section["nps"]["nps"] == 100.0 and section["nps"]["ci_low"] == 100.0
    assert section["experiments"]["btn"]["verdict"] == "not enough data"
    assert section["retention"]["average"][0] == 1.0
    assert section["state"]["pseudonym_key"] == "random per process"


def test_close_ends_sessions_and_ignores_later_recordings(rig: AnalyticsRig) -> None:
    """close() records open sessions' durations; recordings after it are ignored."""
    rig.analytics.track_event("a", "u")
    rig.tick(5)
    rig.analytics.track_event("b", "u")
    rig.analytics.close()
    rig.analytics.track_event("c", "u")
    points = rig.all_points()
    assert points[ANALYTICS_SESSION_DURATION.name][0].sum == 5.0
    assert by_attr(points[ANALYTICS_EVENTS.name], "event.name") == {"a": 1, "b": 1}


def test_demo_driver_reports_nps_interval_and_verdict() -> None:
    """The demo's analytics driver simulates shoppers and summarises NPS and the A/B test."""
    m = otel_measure.setup(exporters="none", infrastructure=False)
    driver = AnalyticsDriver(random.Random(7))
    for step in range(150):
        driver.step(m, step * 0.2)
    assert driver.name == "analytics" and "nps" in driver.status(m)
    text = "\n".join(driver.summary(m))
    assert "95% CI" in text and "A/B checkout_button" in text
    assert m.analytics.get_ab_test_results("checkout_button").verdict == "treatment wins"
    assert "shopper-" not in json.dumps(m.dashboard())
