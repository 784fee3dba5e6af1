"""EventStore's batched apply (inlined user/session paths) equals applying events one by one."""

from __future__ import annotations

import random
import threading
import types
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider

from otel_measure.instruments.analytics.events import EventStore
from otel_measure.options import AnalyticsOptions


def _reference_apply(store: EventStore, batch: list[tuple[Any, ...]], staged: list[Any],
                     closed: list[float]) -> None:
    """The per-event path: user(), _touch(), then a sweep if the first session is idle."""
    for name, pseudonym, t, session_id, revenue, properties, on_goal, label in batch:
        state = store.user(pseudonym, t)
        state.events += 1
        sid = store._touch(state, pseudonym, t, session_id, closed)
        if store.active and next(iter(store.active.values())).last < t - store.timeout:
            store.sweep_locked(t, closed)
        staged.append((t, pseudonym, name, sid, properties))
        store._counts[label] = store._counts.get(label, 0) + 1
        if revenue is not None:
            store.revenue.append((t, pseudonym, name, revenue))
            store._revenue_pending[label] = store._revenue_pending.get(label, 0) + revenue
        if on_goal is not None:
            on_goal(state, name, revenue)


def _store(options: AnalyticsOptions, durations: list[float],
           goals: list[tuple[str, str | None]]) -> EventStore:
    store = EventStore(MeterProvider().get_meter("t"), options, lambda: 0.0, threading.Lock())
    store._record = durations.extend  # type: ignore[method-assign]
    return store


def _state(store: EventStore) -> dict[str, Any]:
    with store.locked():
        return {
            "users": [(p, u.first_seen, u.last_seen, u.events, u.session)
                      for p, u in store.users.items()],
            "active": [(s.sid, s.external, s.user, s.start, s.last, s.events)
                       for s in store.active.values()],
            "ended": list(store.ended),
            "events": list(store.events.snapshot()),
            "counts": dict(store._counts),
            "revenue": list(store.revenue),
            "pending": dict(store._revenue_pending),
            "external": dict(store._external),
            "tracked": store.tracked,
            "evicted": dict(store.evicted),
        }


@pytest.mark.parametrize("seed", range(12))
def test_batched_apply_equals_one_by_one(seed: int) -> None:
    """Same users, sessions (order, times, counts), buffer, counts, sweeps and durations."""
    rng = random.Random(seed)
    options = AnalyticsOptions(
        key="k", session_timeout_s=rng.choice([5.0, 30.0, 300.0]),
        max_users=rng.choice([3, 20, 1000]), max_active_sessions=rng.choice([2, 10, 1000]),
        max_event_names=3, event_buffer_size=rng.choice([50, 5000]))
    durations: dict[str, list[float]] = {"new": [], "ref": []}
    goals: dict[str, list[tuple[str, str | None]]] = {"new": [], "ref": []}
    new = _store(options, durations["new"], goals["new"])
    ref = _store(options, durations["ref"], goals["ref"])
    ref._apply = types.MethodType(_reference_apply, ref)  # type: ignore[method-assign]
    users = [f"p{i}" for i in range(rng.choice([2, 8, 40]))]
    t = 1000.0
    for step in range(rng.choice([300, 1500])):
        # Mostly forward, sometimes past the timeout, sometimes back in time.
        t += rng.choice([0.0, 0.5, 1.0, 2.0, 7.0, 40.0, 400.0, -3.0, -50.0])
        user = rng.choice(users)
        session = rng.choice([None, None, None, f"s{rng.randrange(6)}"])
        revenue = rng.choice([None, None, 1.5, 0.1])
        name = rng.choice(["a", "b", "c", "d", "e"])
        props = rng.choice([None, {"k": step}])
        for store, key in ((new, "new"), (ref, "ref")):
            log = goals[key]
            store.track(name, user, t, session, revenue, props,
                        (lambda _s, n, _r, log=log: log.append((n, None)))
                        if name == "c" else None)
        roll = rng.random()
        if roll < 0.01:
            new.sweep(t + 10.0)
            ref.sweep(t + 10.0)
        elif roll < 0.02:
            assert new.end_session("s1", t) == ref.end_session("s1", t)
        elif roll < 0.03:
            assert _state(new) == _state(ref)
    assert _state(new) == _state(ref)
    assert durations["new"] == durations["ref"]
    assert goals["new"] == goals["ref"]
    assert durations["new"], "no session closed: the case exercises nothing"
