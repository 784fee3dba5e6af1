"""Tests for ordered funnels and engagement against hand-made cases and brute force."""

from __future__ import annotations

import itertools
import math
import statistics
from datetime import datetime, timezone

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators.funnel import engagement, funnel

DAY = 86_400
T0 = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp())

Event = tuple[int, float, str]


def _user_rows(events: list[Event], steps: list[str]) -> dict[int, list[tuple[float, str]]]:
    """Events per user in time order, ties in input order, step events only."""
    rows: dict[int, list[tuple[float, int, str]]] = {}
    for i, (user, ts, name) in enumerate(events):
        if name in steps:
            rows.setdefault(user, []).append((ts, i, name))
    return {u: [(t, n) for t, _, n in sorted(r)] for u, r in rows.items()}


def _max_step_exhaustive(rows: list[tuple[float, str]], steps: list[str], window: float) -> int:
    """Furthest step over every increasing choice of events (exponential, tiny inputs)."""
    best = 0
    for k in range(1, len(steps) + 1):
        for combo in itertools.combinations(range(len(rows)), k):
            t0 = rows[combo[0]][0]
            if all(rows[c][1] == steps[j] for j, c in enumerate(combo)) and all(
                rows[c][0] - t0 <= window for c in combo
            ):
                best = k
                break
        if best < k:
            break
    return best


def _attempt_times(rows: list[tuple[float, str]], steps: list[str], window: float) -> list[float]:
    """Documented rule, by linear scans: earliest furthest attempt, first match per step."""
    best: list[float] = []
    for i, (t0, name) in enumerate(rows):
        if name != steps[0]:
            continue
        times = [t0]
        pos = i
        for step in steps[1:]:
            nxt = next((j for j in range(pos + 1, len(rows)) if rows[j][1] == step), None)
            if nxt is None or rows[nxt][0] - t0 > window:
                break
            pos = nxt
            times.append(rows[nxt][0])
        if len(times) > len(best):
            best = times
    return best


_events = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 40).map(lambda h: float(T0 + h * 3600)),
        st.sampled_from(["a", "b", "c", "x"]),
    ),
    max_size=40,
)
_steps = st.lists(st.sampled_from(["a", "b", "c"]), min_size=1, max_size=4)


@settings(max_examples=200, deadline=None)
@given(events=_events, steps=_steps, window_h=st.integers(1, 48))
def test_matches_brute_force(events: list[Event], steps: list[str], window_h: int) -> None:
    """Step counts equal an exhaustive search and times equal a linear-scan reimplementation."""
    window = window_h * 3600.0
    result = funnel(events, steps, window_s=window)
    rows = _user_rows(events, steps)
    reached = [0] * len(steps)
    gaps: list[list[float]] = [[] for _ in steps]
    totals: list[float] = []
    for user_rows in rows.values():
        if len(user_rows) <= 12:
            assert len(_attempt_times(user_rows, steps, window)) == _max_step_exhaustive(
                user_rows, steps, window
            )
        times = _attempt_times(user_rows, steps, window)
        for i in range(len(times)):
            reached[i] += 1
            if i:
                gaps[i].append(times[i] - times[i - 1])
        if len(times) == len(steps):
            totals.append(times[-1] - times[0])
    assert [s.users for s in result.steps] == reached
    assert result.entered == reached[0]
    assert result.converted == reached[-1]
    for i, step in enumerate(result.steps):
        prev = reached[i - 1] if i else reached[0]
        assert step.drop_off == prev - reached[i]
        if prev:
            assert step.conversion_from_previous == pytest.approx(reached[i] / prev)
        else:
            assert math.isnan(step.conversion_from_previous)
        if gaps[i]:
            assert step.median_time_from_previous_s == statistics.median(gaps[i])
        else:
            assert math.isnan(step.median_time_from_previous_s)
    if totals:
        assert result.median_time_to_convert_s == statistics.median(totals)
    else:
        assert math.isnan(result.median_time_to_convert_s)


def test_exhaustive_oracle_for_small_users() -> None:
    """The exhaustive oracle is exercised on a user where greedy order matters."""
    rows = [(0.0, "a"), (10.0, "a"), (20.0, "b"), (30.0, "c")]
    assert _max_step_exhaustive(rows, ["a", "b", "c"], 25.0) == 3
    result = funnel([(1, t, n) for t, n in rows], ["a", "b", "c"], window_s=25.0)
    # The first attempt (t=0) cannot reach c within 25 s; the second one can.
    assert [s.users for s in result.steps] == [1, 1, 1]
    assert result.median_time_to_convert_s == 20.0


def test_hand_computed_funnel() -> None:
    """Three users give the step counts, rates and times worked out by hand."""
    events = [
        (1, T0, "signup"),
        (1, T0 + 60, "activate"),
        (1, T0 + 600, "pay"),
        (2, T0, "signup"),
        (2, T0 + 120, "activate"),
        (3, T0 + 50, "activate"),  # activate before signup does not count
        (3, T0 + 100, "signup"),
        (4, T0, "signup"),
        (4, T0 + 15 * DAY, "activate"),  # outside the 14-day window
    ]
    result = funnel(events, ["signup", "activate", "pay"])
    assert [s.users for s in result.steps] == [4, 2, 1]
    assert [s.drop_off for s in result.steps] == [0, 2, 1]
    assert result.steps[1].conversion_from_previous == 0.5
    assert result.steps[2].conversion_from_first == 0.25
    assert result.overall_conversion == 0.25
    assert result.steps[1].median_time_from_previous_s == 90.0
    assert result.median_time_to_convert_s == 600.0


def test_same_event_never_fills_two_steps() -> None:
    """A repeated step needs two distinct events."""
    once = funnel([(1, T0, "view")], ["view", "view"])
    twice = funnel([(1, T0, "view"), (1, T0, "view")], ["view", "view"])
    assert [s.users for s in once.steps] == [1, 0]
    assert [s.users for s in twice.steps] == [1, 1]


def test_empty_funnel_is_nan_not_zero() -> None:
    """No events gives zero users and undefined (None in to_dict) rates."""
    result = funnel([], ["a", "b"])
    assert result.entered == 0
    assert math.isnan(result.overall_conversion)
    assert result.to_dict()["overall_conversion"] is None


@pytest.mark.parametrize(
    ("steps", "window", "match"),
    [
        ([], 10.0, "steps="),
        ("ab", 10.0, "steps="),
        (["a", 3], 10.0, "steps contains 3"),
        (["a"], 0.0, "window_s=0.0"),
        (["a"], math.nan, "window_s=nan"),
    ],
)
def test_bad_funnel_arguments(steps: object, window: float, match: str) -> None:
    """Bad steps or window raise ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        funnel([], steps, window_s=window)  # type: ignore[arg-type]


def test_naive_datetime_rejected() -> None:
    """A naive datetime is refused rather than guessed."""
    with pytest.raises(ValueError, match="timezone-aware"):
        funnel([(1, datetime(2024, 1, 1), "a")], ["a"])


_sessions = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.floats(T0 - 40 * DAY, T0, allow_nan=False),
        st.floats(0, 7200, allow_nan=False),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    sessions=_sessions,
    extra=st.lists(
        st.tuples(st.integers(0, 8), st.floats(T0 - 45 * DAY, T0 + DAY, allow_nan=False)),
        max_size=20,
    ),
    data=st.data(),
)
def test_engagement_matches_pandas(
    sessions: list[tuple[int, float, float]],
    extra: list[tuple[int, float]],
    data: st.DataObject,
) -> None:
    """DAU/WAU/MAU, session and bounce figures equal a pandas computation."""
    sess = [(f"s{i}", u, s, s + d) for i, (u, s, d) in enumerate(sessions)]
    events: list[tuple[int, float, str | None]] = []
    for sid, user, start, end in sess:
        n = data.draw(st.integers(0, 3))
        events += [(user, start + (end - start) * j / 3, sid) for j in range(n)]
    events += [(u, t, None) for u, t in extra]
    now = float(T0)
    result = engagement(sess, events, now)

    ev = pd.DataFrame(events, columns=["user", "ts", "sid"])
    past = ev[ev.ts <= now]

    def active(days: int) -> int:
        return int(past[past.ts > now - days * DAY].user.nunique())

    assert (result.dau, result.wau, result.mau) == (active(1), active(7), active(30))
    if result.mau:
        assert result.stickiness == pytest.approx(active(1) / active(30))
    else:
        assert math.isnan(result.stickiness)
    sdf = pd.DataFrame(sess, columns=["sid", "user", "start", "end"])
    assert result.sessions == len(sdf)
    if len(sdf):
        dur = sdf.end - sdf.start
        assert result.mean_session_duration_s == pytest.approx(dur.mean(), rel=1e-12, abs=1e-9)
        assert result.median_session_duration_s == pytest.approx(dur.median(), rel=1e-12)
        counts = ev.dropna().groupby("sid").size().reindex(sdf.sid, fill_value=0)
        assert result.events_per_session == pytest.approx(counts.sum() / len(sdf))
        assert result.bounce_rate == pytest.approx((counts == 1).sum() / len(sdf))
    else:
        assert math.isnan(result.bounce_rate)
    window = past[past.ts > now - 30 * DAY].user.unique()
    earlier = set(past[past.ts <= now - 30 * DAY].user)
    returning = sum(1 for u in window if u in earlier)
    assert result.returning_users == returning
    assert result.new_users == len(window) - returning


def test_engagement_hand_computed() -> None:
    """A small case gives the DAU, bounce rate and new/returning split worked out by hand."""
    now = T0 + 40 * DAY
    sessions = [("s1", "a", now - 100, now - 40), ("s2", "b", now - 3 * DAY, now - 3 * DAY + 20)]
    events = [
        ("a", now - 90, "s1"),
        ("a", now - 50, "s1"),
        ("b", now - 3 * DAY + 5, "s2"),
        ("b", now - 35 * DAY, None),
        ("c", now + 5, None),  # in the future: ignored
    ]
    result = engagement(sessions, events, now)
    assert (result.dau, result.wau, result.mau) == (1, 2, 2)
    assert result.stickiness == 0.5
    assert result.mean_session_duration_s == 40.0
    assert result.events_per_session == 1.5
    assert result.bounce_rate == 0.5
    assert (result.new_users, result.returning_users) == (1, 1)


def test_engagement_bad_sessions() -> None:
    """A session ending before it starts, or a repeated id, raises ValueError."""
    with pytest.raises(ValueError, match="before start"):
        engagement([("s", "u", 10.0, 5.0)], [], 20.0)
    with pytest.raises(ValueError, match="appears twice"):
        engagement([("s", "u", 1.0, 5.0), ("s", "v", 1.0, 5.0)], [], 20.0)
