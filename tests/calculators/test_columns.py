"""The column-wise calculators equal the tuple ones they serve, on random and edge inputs."""

from __future__ import annotations

import random
from array import array

import pytest

from otel_measure.calculators.funnel import (
    engagement,
    engagement_columns,
    funnel,
    funnel_columns,
)
from otel_measure.calculators.retention import retention_columns, retention_table

DAY = 86_400.0
NOW = 1_700_000_000.0
NAMES = ["view", "cart", "buy", "other"]


def _events(rng: random.Random, n: int, users: int, ordered: bool) -> list[tuple[int, float, int]]:
    """(user index, time, name index); times over 40 days before NOW and a few after it."""
    times = [NOW - 40 * DAY + rng.random() * 41 * DAY for _ in range(n)]
    if ordered:
        times.sort()
    # Repeated times exercise the "ties keep input order" rule.
    times = [round(t / 3600) * 3600 for t in times]
    return [(rng.randrange(users), t, rng.randrange(len(NAMES))) for t in times]


def _columns(events: list[tuple[int, float, int]]) -> tuple[array[int], array[float], array[int]]:
    return (array("q", (e[0] for e in events)), array("d", (e[1] for e in events)),
            array("q", (e[2] for e in events)))


@pytest.mark.parametrize("seed", range(40))
def test_retention_columns_equal_retention_table(seed: int) -> None:
    """Firsts by index (None, after now, or without events) give retention_table's answer."""
    rng = random.Random(seed)
    users = rng.randrange(1, 30)
    events = _events(rng, rng.randrange(0, 300), users, ordered=seed % 2 == 0)
    firsts: list[float | None] = [None] * (users + 5)
    for u in range(users + 5):
        mine = [t for v, t, _ in events if v == u]
        roll = rng.random()
        if roll < 0.7 and mine:
            firsts[u] = min(mine) - rng.choice([0.0, 3 * DAY])
        elif roll < 0.85:
            firsts[u] = NOW - rng.random() * 50 * DAY + rng.choice([0.0, 20 * DAY])
    first_seen = {u: f for u, f in enumerate(firsts) if f is not None}
    users_col, times_col, _ = _columns(events)
    for period in ("day", "week"):
        expected = retention_table(first_seen, [(u, t) for u, t, _ in events],
                                   period=period, periods=6, now=NOW)
        got = retention_columns(firsts, users_col, times_col, period=period, periods=6,
                                now=NOW)
        assert got == expected


@pytest.mark.parametrize("seed", range(40))
def test_funnel_columns_equal_funnel(seed: int) -> None:
    """Grouping, the in-order shortcut and ``until`` give funnel()'s answer."""
    rng = random.Random(seed)
    events = _events(rng, rng.randrange(0, 300), rng.randrange(1, 20), ordered=seed % 2 == 0)
    steps = rng.choice([["view", "cart", "buy"], ["view", "view", "buy"], ["cart"],
                        ["view", "missing", "buy"]])
    window = rng.choice([2 * DAY, 14 * DAY])
    until = NOW - rng.choice([0.0, 5 * DAY])
    expected = funnel([(u, t, NAMES[n]) for u, t, n in events if t <= until], steps, window)
    users_col, times_col, names_col = _columns(events)
    got = funnel_columns(users_col, times_col, names_col, NAMES, steps, window, until=until)
    assert got == expected
    assert got.steps[0].users == len({u for u, t, n in events
                                      if t <= until and NAMES[n] == steps[0]})


def test_funnel_columns_out_of_order_times_are_sorted_per_user() -> None:
    """A purchase listed before its view still converts when its time is later."""
    users, names = array("q", [0, 0, 1]), array("q", [1, 0, 0])
    times = array("d", [20.0, 10.0, 5.0])
    result = funnel_columns(users, times, names, ["view", "buy"], ["view", "buy"], 100.0)
    assert [s.users for s in result.steps] == [2, 1]
    assert result.median_time_to_convert_s == 10.0


def test_funnel_columns_repeated_vocabulary_names_are_one_name() -> None:
    """Two ids of the same name both match the step."""
    result = funnel_columns([0, 0], [1.0, 2.0], [0, 2], ["view", "buy", "buy"],
                            ["view", "buy"], 10.0)
    assert result.converted == 1


def test_funnel_columns_many_distinct_steps() -> None:
    """More than 255 distinct step names still match (wide name codes)."""
    steps = [f"s{i}" for i in range(300)]
    result = funnel_columns([0] * 300, [float(i) for i in range(300)], list(range(300)),
                            steps, steps, 1e6)
    assert result.converted == 1
    assert result.steps[299].median_time_from_previous_s == 1.0


@pytest.mark.parametrize("seed", range(40))
def test_engagement_columns_equal_engagement(seed: int) -> None:
    """Per-index first-seen times count like extra session-less events."""
    rng = random.Random(seed)
    users = rng.randrange(1, 25)
    events = _events(rng, rng.randrange(0, 200), users, ordered=False)
    sessions = [(sid, 0, NOW - rng.random() * 10 * DAY, NOW) for sid in range(1, 6)]
    sids = [rng.choice([0, 1, 2, 3, 4, 5, 9]) for _ in events]
    firsts: list[float | None] = [
        rng.choice([None, NOW - rng.random() * 60 * DAY, NOW + DAY]) for _ in range(users + 3)]
    expected = engagement(
        sessions,
        [(u, t, s or None) for (u, t, _), s in zip(events, sids, strict=True)]
        + [(u, f, None) for u, f in enumerate(firsts) if f is not None],
        NOW)
    users_col, times_col, _ = _columns(events)
    got = engagement_columns(sessions, users_col, times_col, array("q", sids), NOW, firsts)
    assert got == expected


def test_column_functions_validate_arguments() -> None:
    """Bad periods, steps and windows raise ValueError naming the argument."""
    with pytest.raises(ValueError, match="period='month'"):
        retention_columns([], [], [], period="month", now=NOW)
    with pytest.raises(ValueError, match="periods=0"):
        retention_columns([], [], [], periods=0, now=NOW)
    with pytest.raises(ValueError, match="steps="):
        funnel_columns([], [], [], [], [], 1.0)
    with pytest.raises(ValueError, match="window_s="):
        funnel_columns([], [], [], [], ["a"], 0.0)
    with pytest.raises(ValueError, match="appears twice"):
        engagement_columns([(1, 0, 1.0, 2.0), (1, 0, 1.0, 2.0)], [], [], [], NOW)


def test_funnel_columns_with_more_users_than_buckets() -> None:
    """10,000 users (several per bucket) with interleaved events are each counted alone."""
    users: list[int] = []
    times: list[float] = []
    names: list[int] = []
    for step, keep in enumerate([lambda u: True, lambda u: u % 2 == 1, lambda u: u % 3 == 0]):
        for u in range(10_000):
            if keep(u):
                users.append(u)
                times.append(step * 100.0 + u * 0.001)
                names.append(step)
    result = funnel_columns(users, times, names, ["view", "cart", "buy"],
                            ["view", "cart", "buy"], 1e6)
    assert [s.users for s in result.steps] == [10_000, 5_000, 1_667]
    assert result.steps[1].median_time_from_previous_s == pytest.approx(100.0)


def test_retention_with_timestamps_beyond_64_bit_period_indices() -> None:
    """Period indices past 2**63 (times near ±1e300) still count their cohorts."""
    result = retention_table({"a": -1e300, "b": 1e299, "c": 2e300},
                             [("a", -1e300), ("a", 1e299), ("b", 1e299)], now=1e300)
    assert [c.size for c in result.cohorts] == [1, 1]
    assert result.eligible_users[0] == 2
