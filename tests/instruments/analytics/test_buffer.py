"""The column-wise event buffer: ring order, wraparound, bounded intern tables, and queries
through it equal the tuple calculators on the same buffered events."""

from __future__ import annotations

import dataclasses
import random
from collections import deque
from typing import Any

import pytest

from otel_measure.calculators.funnel import engagement, funnel
from otel_measure.calculators.retention import retention_table
from otel_measure.instruments.analytics import event_reads as reads
from otel_measure.instruments.analytics.buffer import EventBuffer
from tests.support.analytics import T0, AnalyticsRig

DAY = 86_400.0


@pytest.mark.parametrize(("maxlen", "batch"), [(1, 1), (1, 5), (7, 3), (7, 1024), (50, 16),
                                               (50, 120)])
def test_buffer_equals_a_bounded_deque(maxlen: int, batch: int) -> None:
    """Reads give the last maxlen events, oldest first, across batches and wraparounds."""
    rng = random.Random(maxlen * batch)
    buf, model = EventBuffer(maxlen, batch), deque[tuple[Any, ...]](maxlen=maxlen)
    for i in range(20 * maxlen + 3 * batch + 3):
        event = (float(rng.randrange(100)), f"u{rng.randrange(3 * maxlen)}",
                 rng.choice(["a", "b", f"n{i}"]), rng.choice([None, i + 1]),
                 rng.choice([None, {"i": i}]))
        buf.append(*event)
        model.append(event)
        if rng.random() < 0.05:  # reads flush what is staged, at random points
            assert len(buf) == len(model)
            assert list(buf) == list(model)
    assert list(buf) == list(model)
    cols = buf.columns()
    keys = buf.user_table.keys
    assert list(cols.times) == [e[0] for e in model]
    assert [keys[u] for u in cols.users] == [e[1] for e in model]
    assert [cols.name_keys[n] for n in cols.names] == [e[2] for e in model]
    assert list(cols.sessions) == [e[3] or 0 for e in model]
    bare = buf.columns(names=False, sessions=False)
    assert (bare.times, bare.users, len(bare.names), len(bare.sessions)) == (
        cols.times, cols.users, 0, 0)


@pytest.mark.parametrize("batch", [1, 7, 1024])
def test_intern_tables_stay_bounded_by_the_capacity(batch: int) -> None:
    """Tables are rebuilt past 2 * maxlen + 16 entries, keeping what is buffered."""
    buf = EventBuffer(10, batch)
    for i in range(1000):
        buf.append(float(i), f"user-{i}", f"name-{i}", None, None)
        assert len(buf._staged) < batch
        assert len(buf.user_table.keys) <= 36 + batch
    assert len(buf) == 10
    assert len(buf.user_table.keys) <= 36
    assert len(buf.name_table.keys) <= 36
    assert [e[1] for e in buf] == [f"user-{i}" for i in range(990, 1000)]
    assert [e[2] for e in buf] == [f"name-{i}" for i in range(990, 1000)]
    assert all(buf.user_table.ids[k] == i for i, k in enumerate(buf.user_table.keys))


def test_snapshot_is_a_copy_taken_when_called() -> None:
    """Events appended (and tables rebuilt) after snapshot() do not show in it."""
    buf = EventBuffer(4, batch=3)
    for i in range(6):
        buf.append(float(i), f"u{i}", "a", i, None)
    snap = buf.snapshot()
    for i in range(100):
        buf.append(100.0 + i, f"v{i}", f"n{i}", None, {"x": i})
    assert list(snap) == [(float(i), f"u{i}", "a", i, None) for i in range(2, 6)]


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_buffer_rejects_a_bad_capacity(bad: object) -> None:
    """The capacity must be an integer >= 1."""
    with pytest.raises(ValueError, match="maxlen="):
        EventBuffer(bad)  # type: ignore[arg-type]


def _same(got: object, want: object) -> None:
    for field in dataclasses.fields(want):  # type: ignore[arg-type]
        assert repr(getattr(got, field.name)) == repr(getattr(want, field.name)), field.name


@pytest.mark.parametrize("seed", range(6))
def test_queries_equal_the_tuple_calculators_on_the_buffered_events(seed: int) -> None:
    """Wraparound, evicted users, out-of-order times and intern rebuilds change no result."""
    rng = random.Random(seed)
    rig = AnalyticsRig(event_buffer_size=60, max_users=40, session_buffer_size=30)
    a = rig.analytics
    for _ in range(600):
        t = T0 - rng.random() * 45 * DAY  # out of order
        user = f"u{rng.randrange(150)}"
        if rng.random() < 0.1:  # some held users have no buffered event
            a.start_session(user, timestamp=t)
            continue
        a.track_event(rng.choice(["view", "cart", "buy", "x"]), user, timestamp=t)
    store = a._events
    events, first_seen = list(reads.snapshot_events(store)), reads.first_seen(store)
    now = T0 - rng.choice([0.0, 3 * DAY])

    for period in ("day", "week"):
        want = retention_table(first_seen, [(e[1], e[0]) for e in events], period=period,
                               periods=5, now=now)
        got = a.get_retention_metrics(period, 5, now=now)
        _same(got, want)
        assert got.users == sum(1 for f in first_seen.values() if f <= now)

    steps = ["view", "cart", "buy"]
    want_f = funnel([(e[1], e[0], e[2]) for e in events if e[0] <= now], steps, 7 * DAY)
    _same(a.get_conversion_metrics(steps, 7 * DAY, now=now), want_f)

    got_e = a.get_engagement_metrics(now=now, session_window_s=20 * DAY)
    sessions, _, _ = reads.engagement_inputs(store, now, 20 * DAY)
    activity = [(e[1], e[0], e[3]) for e in reads.snapshot_events(store)]
    activity += [(p, f, None) for p, f in reads.first_seen(store).items()]
    _same(got_e, engagement(sessions, activity, now))
