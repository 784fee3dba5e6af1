"""Tests for cohort retention against hand-made cases and a pandas brute force."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otel_measure.calculators.retention import RetentionResult, retention_table

DAY = 86_400
WEEK = 7 * DAY
# Monday 2024-01-01 00:00 UTC.
T0 = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp())


def _pandas_table(
    activity: list[tuple[int, float]], period: str, periods: int, now: float
) -> dict[pd.Timestamp, tuple[int, list[int | None], list[int | None]]]:
    """Brute-force retention with pandas: cohort start -> (size, on, on_or_after)."""
    df = pd.DataFrame(activity, columns=["user", "ts"])
    df = df[df.ts <= now]
    dt = pd.to_datetime(df.ts, unit="s", utc=True)
    start = dt.dt.floor("D")
    if period == "week":
        start = start - pd.to_timedelta(start.dt.day_of_week, unit="D")
    df = df.assign(start=start)
    cohort = df.groupby("user").start.min().rename("cohort")
    df = df.join(cohort, on="user")
    length = pd.Timedelta(days=1 if period == "day" else 7)
    df = df.assign(k=((df.start - df.cohort) / length).astype(int))
    now_dt = pd.Timestamp(now, unit="s", tz="UTC")
    out = {}
    for c, group in df.groupby("cohort"):
        size = group.user.nunique()
        on: list[int | None] = []
        after: list[int | None] = []
        for n in range(periods):
            if c + n * length > now_dt:
                on.append(None)
                after.append(None)
                continue
            on.append(group[group.k == n].user.nunique())
            after.append(group[group.k >= n].user.nunique())
        out[c] = (size, on, after)
    return out


def _check_against_pandas(
    result: RetentionResult, activity: list[tuple[int, float]], period: str, now: float
) -> None:
    expected = _pandas_table(activity, period, result.periods, now)
    assert len(result.cohorts) == len(expected)
    sizes = [0] * result.periods
    ons = [0] * result.periods
    afters = [0] * result.periods
    for row in result.cohorts:
        key = pd.Timestamp(row.cohort_start, unit="s", tz="UTC")
        size, on, after = expected[key]
        assert row.size == size
        assert list(row.active) == on
        assert list(row.active_on_or_after) == after
        for n in range(result.periods):
            on_n, after_n = on[n], after[n]
            if on_n is None or after_n is None:
                assert row.rates[n] is None
                assert row.rates_on_or_after[n] is None
                continue
            assert row.rates[n] == pytest.approx(on_n / size, rel=1e-12)
            assert row.rates_on_or_after[n] == pytest.approx(after_n / size, rel=1e-12)
            sizes[n] += size
            ons[n] += on_n
            afters[n] += after_n
    for n in range(result.periods):
        assert result.eligible_users[n] == sizes[n]
        if sizes[n] == 0:
            assert result.average[n] is None
        else:
            assert result.average[n] == pytest.approx(ons[n] / sizes[n], rel=1e-12)
            assert result.average_on_or_after[n] == pytest.approx(afters[n] / sizes[n], rel=1e-12)


_activity = st.lists(
    st.tuples(
        st.integers(0, 15),
        st.floats(T0 - 10 * DAY, T0 + 70 * DAY, allow_nan=False).map(lambda x: round(x, 3)),
    ),
    max_size=80,
)


@settings(max_examples=150, deadline=None)
@given(
    activity=_activity,
    period=st.sampled_from(["day", "week"]),
    periods=st.integers(1, 10),
    now=st.floats(T0, T0 + 80 * DAY, allow_nan=False),
)
def test_matches_pandas_brute_force(
    activity: list[tuple[int, float]], period: str, periods: int, now: float
) -> None:
    """Counts, rates and the weighted curve equal a pandas brute force on random activity."""
    result = retention_table(None, activity, period=period, periods=periods, now=now)
    _check_against_pandas(result, activity, period, now)
    for row in result.cohorts:
        assert row.active[0] == row.size
        assert row.active_on_or_after[0] == row.size


def test_hand_computed_daily_table() -> None:
    """A three-user daily table matches counts worked out by hand."""
    activity = [
        ("a", T0 + 10),
        ("a", T0 + DAY + 5),
        ("a", T0 + 3 * DAY),
        ("b", T0 + 3600),
        ("b", T0 + 2 * DAY + 1),
        ("c", T0 + DAY + 100),
    ]
    result = retention_table(None, activity, period="day", periods=4, now=T0 + 2 * DAY + 10)
    first, second = result.cohorts
    assert first.cohort_start == T0
    assert first.size == 2
    assert first.active == (2, 1, 1, None)
    # b returns on day 2, so is "on or after" day 1; a's day-3 activity is after now.
    assert first.active_on_or_after == (2, 2, 1, None)
    assert second.cohort_start == T0 + DAY
    assert second.active == (1, 0, None, None)
    assert result.eligible_users == (3, 3, 2, 0)
    assert result.average == (1.0, 1 / 3, 0.5, None)
    assert result.average_on_or_after == (1.0, 2 / 3, 0.5, None)


def test_on_or_after_counts_activity_beyond_the_table() -> None:
    """Activity past the last reported period still counts for 'return on or after'."""
    activity = [("a", T0), ("a", T0 + 5 * DAY)]
    result = retention_table(None, activity, period="day", periods=3, now=T0 + 10 * DAY)
    (row,) = result.cohorts
    assert row.active == (1, 0, 0)
    assert row.active_on_or_after == (1, 1, 1)


def test_weeks_start_on_monday_utc() -> None:
    """A Sunday-night event and the following Monday fall in consecutive weeks."""
    sunday = T0 - 60  # Sunday 2023-12-31 23:59 UTC
    activity = [("a", sunday), ("a", T0 + 1)]
    result = retention_table(None, activity, period="week", periods=2, now=T0 + DAY)
    (row,) = result.cohorts
    assert row.cohort_start == T0 - WEEK
    assert datetime.fromtimestamp(row.cohort_start, timezone.utc).weekday() == 0
    assert row.active == (1, 1)


def test_period_counted_once_it_has_begun() -> None:
    """Period N is reported exactly when cohort start + N periods <= now."""
    activity = [("a", T0 + 10)]
    before = retention_table(None, activity, periods=3, now=T0 + DAY - 1)
    at = retention_table(None, activity, periods=3, now=T0 + DAY)
    assert before.cohorts[0].active == (1, None, None)
    assert at.cohorts[0].active == (1, 0, None)


def test_datetimes_equal_posix_seconds() -> None:
    """Aware datetimes in any zone give the same table as POSIX seconds."""
    tz = timezone(timedelta(hours=5))
    secs = [("a", T0 + 100.5), ("b", T0 + DAY + 7), ("a", T0 + 2 * DAY + 3)]
    dts = [(u, datetime.fromtimestamp(t, tz)) for u, t in secs]
    now = T0 + 3 * DAY
    a = retention_table(None, secs, periods=4, now=now)
    b = retention_table(None, dts, periods=4, now=datetime.fromtimestamp(now, tz))
    assert a == b


def test_first_seen_is_authoritative() -> None:
    """Given first_seen defines cohorts; unknown users and earlier activity are ignored."""
    first_seen = {"a": T0 + DAY, "b": T0 + 2 * DAY}
    activity = [("a", T0), ("a", T0 + 3 * DAY), ("zz", T0 + DAY)]
    result = retention_table(first_seen, activity, periods=3, now=T0 + 5 * DAY)
    rows = {r.cohort_start: r for r in result.cohorts}
    assert set(rows) == {T0 + DAY, T0 + 2 * DAY}
    assert rows[T0 + DAY].active == (1, 0, 1)
    # b has no activity at all: first_seen alone makes period 0.
    assert rows[T0 + 2 * DAY].active == (1, 0, 0)
    assert result.eligible_users == (2, 2, 2)


def test_empty_activity() -> None:
    """No activity gives no cohorts and undefined averages."""
    result = retention_table(None, [], periods=2, now=T0)
    assert result.cohorts == ()
    assert result.average == (None, None)
    assert result.to_dict()["average"] == [None, None]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"period": "month"}, "period='month'"),
        ({"periods": 0}, "periods=0"),
        ({"periods": True}, "periods=True"),
        ({"now": math.nan}, "now=nan"),
        ({"now": datetime(2024, 1, 1)}, "timezone-aware"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], match: str) -> None:
    """Bad period, periods or now raise ValueError naming the argument."""
    args: dict[str, object] = {"period": "day", "periods": 3, "now": T0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        retention_table(None, [("a", T0)], **args)  # type: ignore[arg-type]


def test_bad_first_seen() -> None:
    """A first_seen that is not a mapping raises ValueError."""
    with pytest.raises(ValueError, match="first_seen="):
        retention_table([("a", T0)], [], now=T0)  # type: ignore[arg-type]


def test_bad_activity_timestamp() -> None:
    """A non-finite activity timestamp raises ValueError."""
    with pytest.raises(ValueError, match="activity timestamp"):
        retention_table(None, [("a", math.inf)], now=T0)
