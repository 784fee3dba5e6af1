"""The read side of :class:`~otel_measure.instruments.analytics.events.EventStore`.

Each function takes the store's lock through ``EventStore.locked`` (which applies the
queued events first) and returns copies, so callers compute outside the lock.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from otel_measure.instruments.analytics.buffer import EventColumns
from otel_measure.instruments.analytics.events import EventStore
from otel_measure.instruments.analytics.state import Event

__all__ = [
    "engagement_inputs",
    "first_seen",
    "query_inputs",
    "sizes",
    "snapshot_events",
    "snapshot_revenue",
    "snapshot_users",
]


def snapshot_events(store: EventStore) -> Iterator[Event]:
    """Return an iterator over a copy of the buffered events, oldest first."""
    with store.locked():
        return store.events.snapshot()


def engagement_inputs(store: EventStore, now: float, window_s: float) -> tuple[
        list[tuple[int, str, float, float]], EventColumns, list[float | None]]:
    """Sessions started in the window (idle ones closed at ``now`` first), and inputs.

    The inputs are those of :func:`query_inputs`.
    """
    with store.locked() as closed:
        store.sweep_locked(now, closed)
        sessions = [(s[0], s[1], s[2], s[3]) for s in store.ended
                    if now - window_s < s[2] <= now]
        sessions.extend((s.sid, s.user, s.start, s.last) for s in store.active.values()
                        if now - window_s < s.start <= now)
        columns = store.events.columns(names=False)
        firsts = store.events.firsts(store.users)
    return sessions, columns, firsts


def query_inputs(store: EventStore, *, names: bool
                 ) -> tuple[EventColumns, list[float | None]]:
    """Buffered events column-wise (names only if asked), and each user's first seen.

    ``firsts`` extends the buffer's user numbering to held users with no buffered
    event; it is None for users not held or never active.
    """
    with store.locked():
        return (store.events.columns(names=names, sessions=False),
                store.events.firsts(store.users))


def snapshot_users(store: EventStore) -> list[tuple[str, float, float, int, dict[str, Any]]]:
    """Return (pseudonym, first seen, last seen, events, properties) per held user."""
    with store.locked():
        return [(p, u.first_seen, u.last_seen, u.events, dict(u.properties or {}))
                for p, u in store.users.items()]


def first_seen(store: EventStore) -> dict[str, float]:
    """Return pseudonym → first-seen time for the held users."""
    with store.locked():
        return {p: u.first_seen for p, u in store.users.items() if u.first_seen != math.inf}


def sizes(store: EventStore) -> dict[str, Any]:
    """Return the sizes of the bounded state and the eviction counts."""
    with store.locked():
        return {"users": len(store.users), "events_tracked": store.tracked,
                "events_buffered": len(store.events), "active_sessions": len(store.active),
                "evictions": dict(store.evicted)}


def snapshot_revenue(store: EventStore) -> list[tuple[float, str, str, float]]:
    """Return a copy of the buffered revenue events."""
    with store.locked():
        return list(store.revenue)
