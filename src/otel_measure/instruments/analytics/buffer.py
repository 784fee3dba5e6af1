"""The bounded event buffer of the analytics domain, stored column by column.

A deque of per-event tuples spreads each event over three heap objects (the tuple, its
float time, its pseudonym string): about 200 bytes at scattered addresses. At 1M events
that is far beyond the CPU cache, so every query pays a cache miss per event and grew
30x from 100k to 1M events where 10x is linear (``docs/performance.md``). Here an event
is one slot of five parallel columns: times in ``array('d')``, user and name ids in
``array('i')`` (indices into intern tables), session numbers in ``array('q')`` and
properties in a list, written as a ring. Queries read contiguous memory.

The intern tables only grow with new distinct users or names; when one holds more than
twice the capacity (plus 16) after a batch, it is rebuilt from the buffered events
(amortised O(1) per event), so memory stays bounded by the capacity and the batch size.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from otel_measure.instruments.analytics.state import Event, User

__all__ = ["EventBuffer", "EventColumns"]


class EventColumns(NamedTuple):
    """A copy of the buffered events, oldest first, one sequence per field.

    ``users[i]`` indexes the buffer's ``user_table`` at the time of the copy (pseudonyms;
    not copied, the caller reads what it needs under the same lock), ``names[i]`` indexes
    ``name_keys``; ``sessions[i]`` is the session number, 0 for none. The tables may hold
    entries no buffered event refers to.
    """

    times: array[float]
    users: array[int]
    names: array[int]
    sessions: array[int]
    name_keys: list[str]


class _Interner:
    """Value ↔ small-int table, rebuilt by the buffer when it outgrows ``limit``."""

    __slots__ = ("ids", "keys", "limit")

    def __init__(self, limit: int) -> None:
        self.ids: dict[str, int] = {}
        self.keys: list[str] = []
        self.limit = limit

    def add(self, value: str) -> int:
        ident = self.ids[value] = len(self.keys)
        self.keys.append(value)
        return ident

    def rebuild(self, column: array[int]) -> None:
        """Keep only the values ``column`` refers to, renumbered in place."""
        old, self.ids, self.keys = self.keys, {}, []
        renumber: dict[int, int] = {}
        for i, ident in enumerate(column):
            new = renumber.get(ident)
            if new is None:
                new = renumber[ident] = self.add(old[ident])
            column[i] = new


def _ids(table: _Interner, values: tuple[str, ...]) -> list[int]:
    """Intern ids of ``values``, adding the new ones."""
    ids: list[int | None] = list(map(table.ids.get, values))
    if None in ids:
        for i, ident in enumerate(ids):
            if ident is None:
                ident = table.ids.get(values[i])
                ids[i] = table.add(values[i]) if ident is None else ident
    return ids  # type: ignore[return-value]


def _like(column: Any, values: Sequence[Any]) -> Any:
    """``values`` as the type of ``column`` (slice assignment to an array needs an array)."""
    return array(column.typecode, values) if isinstance(column, array) else list(values)


class EventBuffer:
    """Ring of the most recent ``maxlen`` events (time, pseudonym, name, session, properties).

    ``append`` only stages the event (one list append on the recording path); every
    ``batch`` events, and before any read, the staged events are written to the columns
    with C-level operations (``zip``, ``map``, slice assignment). Not thread-safe: the event
    store calls it under its lock.

    Args:
        maxlen: Capacity; the oldest event is overwritten past it.
        batch: Staged events that trigger a write to the columns.
    """

    __slots__ = ("_batch", "_head", "_names", "_props", "_sessions", "_staged", "_times",
                 "_users", "maxlen", "name_table", "user_table")

    def __init__(self, maxlen: int, batch: int = 1024) -> None:
        if isinstance(maxlen, bool) or not isinstance(maxlen, int) or maxlen < 1:
            raise ValueError(f"maxlen={maxlen!r} is not allowed; expected an integer >= 1")
        self.maxlen = maxlen
        self._batch = batch
        self._staged: list[tuple[float, str, str, int | None, Mapping[str, Any] | None]] = []
        self._head = 0  # once full, the slot of the oldest event (the next one written)
        self._times: array[float] = array("d")
        # Intern ids stay below 2 * maxlen + 16 + batch (tables are rebuilt past the limit).
        ids = "i" if 2 * maxlen + 16 + batch < 2**31 else "q"
        self._users: array[int] = array(ids)
        self._names: array[int] = array(ids)
        self._sessions: array[int] = array("q")
        self._props: list[Mapping[str, Any] | None] = []
        self.user_table = _Interner(2 * maxlen + 16)
        self.name_table = _Interner(2 * maxlen + 16)

    def __len__(self) -> int:
        self.flush()
        return len(self._times)

    def append(self, t: float, user: str, name: str, session: int | None,
               properties: Mapping[str, Any] | None) -> None:
        """Add an event; the oldest one is overwritten when full."""
        staged = self._staged
        staged.append((t, user, name, session, properties))
        if len(staged) >= self._batch:
            self.flush()

    def extend(self, events: list[tuple[float, str, str, int | None,
                                        Mapping[str, Any] | None]]) -> None:
        """Add events in order, as :meth:`append` of each would."""
        staged = self._staged
        staged.extend(events)
        if len(staged) >= self._batch:
            self.flush()

    def flush(self) -> None:
        """Write the staged events to the columns (every read calls it first)."""
        staged = self._staged
        if not staged:
            return
        self._staged = []
        if len(staged) > self.maxlen:  # the older ones would be overwritten at once
            del staged[:len(staged) - self.maxlen]
        times, users, names, sessions, props = zip(*staged, strict=True)
        values = (times, _ids(self.user_table, users), _ids(self.name_table, names),
                  list(map({None: 0}.get, sessions, sessions)), props)
        columns: tuple[Any, ...] = (self._times, self._users, self._names, self._sessions,
                                    self._props)
        done = min(self.maxlen - len(self._times), len(times))
        if done:  # still filling up
            for column, vals in zip(columns, values, strict=True):
                column.extend(_like(column, vals[:done]))
        rest = len(times) - done
        if rest:  # full: overwrite from the oldest slot, wrapping around
            head = self._head
            split = min(rest, self.maxlen - head)
            for column, vals in zip(columns, values, strict=True):
                part = vals[done:]
                column[head:head + split] = _like(column, part[:split])
                if split < rest:
                    column[:rest - split] = _like(column, part[split:])
            self._head = (head + rest) % self.maxlen
        for table, column in ((self.user_table, self._users), (self.name_table, self._names)):
            if len(table.keys) > table.limit:
                table.rebuild(column)

    def snapshot(self) -> Iterator[Event]:
        """Return an iterator over a copy of the events as tuples, oldest first.

        The copy is made now; the tuples are built while iterating (in C: zip and map),
        so a reader that unpacks them one by one never holds a million of them.
        """
        cols = self.columns()
        h = self._head
        sessions = cols.sessions
        return iter(zip(
            cols.times,
            map(list(self.user_table.keys).__getitem__, cols.users),
            map(cols.name_keys.__getitem__, cols.names),
            map({0: None}.get, sessions, sessions),  # session 0 -> None
            self._props[h:] + self._props[:h],
            strict=True,
        ))

    def __iter__(self) -> Iterator[Event]:
        """Iterate over a copy of the events as tuples, oldest first."""
        return self.snapshot()

    def columns(self, *, names: bool = True, sessions: bool = True) -> EventColumns:
        """Return a copy of the events column by column, oldest first.

        ``names=False`` / ``sessions=False`` leave that column empty (not copied).
        """
        self.flush()
        h = self._head
        return EventColumns(
            times=self._times[h:] + self._times[:h],
            users=self._users[h:] + self._users[:h],
            names=self._names[h:] + self._names[:h] if names else self._names[:0],
            sessions=self._sessions[h:] + self._sessions[:h] if sessions else self._sessions[:0],
            name_keys=list(self.name_table.keys),
        )

    def firsts(self, users: dict[str, User]) -> list[float | None]:
        """First-seen time per user index (None: not in ``users`` or never active).

        Held users with no buffered event get indices past the buffer's table.
        """
        self.flush()
        ids = self.user_table.ids
        firsts: list[float | None] = [None] * len(self.user_table.keys)
        # The base dict's view, in any order: an OrderedDict's own iteration walks its LRU
        # links with a lookup per item (6x slower at 50k users, docs/performance.md).
        for p, u in dict.items(users):
            if u.first_seen != math.inf:
                i = ids.get(p)
                if i is None:
                    firsts.append(u.first_seen)
                else:
                    firsts[i] = u.first_seen
        return firsts
