"""Event, revenue and session state of the analytics domain, bounded and thread-safe.

Everything here is keyed by pseudonyms (see ``instruments/analytics/privacy.py``); raw user
ids never arrive. Per-user state is an LRU capped at ``max_users``; open sessions are capped
at ``max_active_sessions``; the event buffer is a column-wise ring (``buffer.py``), the
revenue and ended-session buffers are deques with a maxlen. Sessions close after
``session_timeout_s`` without activity, measured in event time when events arrive and on
the clock when queried or collected.

Event, revenue and eviction counts are plain numbers exported through observable
counters: the same cumulative, mergeable sums a synchronous ``Counter`` gives, read once per
collection instead of paying the SDK's attribute hashing on every event.

``track`` never waits for the lock: it queues the event, and once ``_BATCH`` events are
queued it applies them in one pass when the lock is free (the holder applies what others
queued before releasing). Threads blocking on a lock held across a GIL switch form a
convoy; with the queue they keep going. Every other entry point (queries, observable
callbacks, experiments) takes the lock through :meth:`EventStore.locked`, which applies
the queue first, so none reads a stale state.
"""

from __future__ import annotations

import contextlib
import itertools
import secrets
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.instruments.analytics.buffer import EventBuffer
from otel_measure.instruments.analytics.state import Event, Session, User
from otel_measure.names import create_instrument
from otel_measure.names.analytics import (
    ANALYTICS_EVENTS,
    ANALYTICS_EVICTIONS,
    ANALYTICS_REVENUE,
    ANALYTICS_SESSION_DURATION,
    ANALYTICS_SESSIONS_ACTIVE,
    ANALYTICS_USERS,
)
from otel_measure.names.attributes import ATTR_ANALYTICS_STATE, ATTR_EVENT_NAME
from otel_measure.options import AnalyticsOptions

__all__ = ["EventStore"]

_OTHER = "_OTHER"
_RECENT_ENDED = 10_000  # ended external session ids remembered for a late end_session()
_BATCH = 128  # queued events a track() call applies at once (one lock round per batch)


class EventStore:
    """Users, buffered events and sessions, with their OpenTelemetry instruments.

    Args:
        meter: Meter the instruments are created on.
        options: Buffer sizes, caps, idle timeout and the event-name allow-list.
        clock: POSIX-seconds clock used when collections sweep idle sessions.
        lock: Lock guarding all analytics state (shared with the experiments).
    """

    def __init__(
        self,
        meter: Meter,
        options: AnalyticsOptions,
        clock: Callable[[], float],
        lock: threading.Lock,
    ) -> None:
        self.lock = lock
        self._clock = clock
        self.timeout = float(options.session_timeout_s)
        self._max_users = options.max_users
        self._max_sessions = options.max_active_sessions
        self._allowed = None if options.events is None else frozenset(options.events)
        self._max_names = options.max_event_names
        self.users: OrderedDict[str, User] = OrderedDict()
        # Column-wise ring (buffer.py): append(t, pseudonym, name, session number, props).
        self.events = EventBuffer(options.event_buffer_size)
        self.revenue: deque[tuple[float, str, str, float]] = deque(
            maxlen=options.revenue_buffer_size)
        self.active: OrderedDict[int, Session] = OrderedDict()
        self.ended: deque[tuple[int, str, float, float, int]] = deque(
            maxlen=options.session_buffer_size)
        self._external: dict[str, int] = {}
        self._recent_ended: OrderedDict[str, float] = OrderedDict()
        self._ids = itertools.count(1)
        self._prefix = secrets.token_hex(4) + "-"
        self.tracked = 0
        self.evicted = {"user": 0, "session": 0}
        # event name -> exported label (the name, or _OTHER beyond the allow-list)
        self._labels: dict[str, str] = {}
        # Names that passed the checks (read without the lock: a dict lookup is atomic).
        self.known_names: Mapping[str, str] = self._labels
        self._inbox: deque[tuple[Any, ...]] = deque()
        self._counts: dict[str, int] = {}
        # Revenue since the last collection, folded into the sums like the SDK's cumulative
        # sum of a synchronous Counter (delta + previous total): the very same floats.
        self._revenue_pending: dict[str, float] = {}
        self._revenue_sums: dict[str, float] = {}
        self._duration = create_instrument(meter, ANALYTICS_SESSION_DURATION)
        for metric, callback in (
            (ANALYTICS_EVENTS, self._observe_events),
            (ANALYTICS_REVENUE, self._observe_revenue),
            (ANALYTICS_SESSIONS_ACTIVE, self._observe_sessions),
            (ANALYTICS_EVICTIONS, self._observe_evictions),
            (ANALYTICS_USERS, self._observe_users),
        ):
            create_instrument(meter, metric, callbacks=[callback])

    # --- recording (callers validate and pseudonymise first) ---------------------------

    def label(self, name: str) -> str:
        """Return the exported ``event.name`` of an event name (the name or ``_OTHER``)."""
        label = self._labels.get(name)
        if label is not None:
            return label
        # Names beyond the allow-list are not remembered (they could be unbounded), and
        # once the cap is reached no lock is taken for them.
        if self._allowed is not None:
            if name not in self._allowed:
                return _OTHER
        elif len(self._labels) >= self._max_names:
            return _OTHER
        with self.lock:
            if self._allowed is None and len(self._labels) >= self._max_names:
                return _OTHER
            self._labels[name] = name
        return name

    def user(self, pseudonym: str, t: float | None) -> User:
        """Return the user's state, creating it (and evicting the LRU one); hold the lock.

        ``t`` is the time of an activity of the user, or None for other uses.
        """
        users = self.users
        state = users.get(pseudonym)
        if state is None:
            state = users[pseudonym] = User()
            if len(users) > self._max_users:
                users.popitem(last=False)
                self.evicted["user"] += 1
        else:
            users.move_to_end(pseudonym)
        if t is not None:
            if t > state.last_seen:
                state.last_seen = t
            if t < state.first_seen:
                state.first_seen = t
        return state

    def track(
        self,
        name: str,
        pseudonym: str,
        t: float,
        session_id: str | None,
        revenue: float | None,
        properties: Mapping[str, Any] | None,
        on_goal: Callable[[User, str, float | None], None] | None,
        label: str | None = None,
    ) -> None:
        """Record one validated event (``on_goal`` runs under the lock for goal events).

        ``label`` is ``known_names[name]`` when the caller already looked it up.
        """
        if label is None:
            label = self._labels.get(name) or self.label(name)
        inbox = self._inbox
        inbox.append((name, pseudonym, t, session_id, revenue, properties, on_goal, label))
        if len(inbox) < _BATCH:  # applied by the next batch, query or collection
            return
        lock = self.lock
        # Re-checking after each release picks up whatever was queued while we held it.
        while len(inbox) >= _BATCH and lock.acquire(blocking=False):
            closed: list[float] = []
            try:
                self._apply_queued(closed)
            finally:
                lock.release()
            if closed:
                self._record(closed)

    def _apply_queued(self, closed: list[float]) -> None:
        inbox = self._inbox
        if not inbox:
            return
        popleft = inbox.popleft
        staged: list[Event] = []
        try:
            while inbox:
                self._apply([popleft() for _ in range(len(inbox))], staged, closed)
        finally:  # what was applied is buffered and counted even if on_goal raised
            self.tracked += len(staged)
            self.events.extend(staged)

    def _apply(self, batch: list[tuple[Any, ...]], staged: list[Event],
               closed: list[float]) -> None:
        # The common paths of user() and _touch() are inlined (the user is held and the
        # event extends its open session); the result is the same as calling them.
        counts, timeout, users, active = self._counts, self.timeout, self.users, self.active
        user, touch, stage = self.user, self._touch, staged.append
        held, current = users.move_to_end, active.move_to_end
        oldest: Session | None = None  # the first active session (a sweep looks at it)
        for name, pseudonym, t, session_id, revenue, properties, on_goal, label in batch:
            state = users.get(pseudonym)
            if state is None:
                state = user(pseudonym, t)
            else:
                held(pseudonym)
                if t > state.last_seen:
                    state.last_seen = t
                if t < state.first_seen:
                    state.first_seen = t
            state.events += 1
            # (active has int keys: get(None) is None)
            session = active.get(state.session) if session_id is None else None  # type: ignore[arg-type]
            if session is not None and t - session.last <= timeout:
                session.events += 1
                if t > session.last:
                    session.last = t
                sid = session.sid
                current(sid)
                if session is oldest:
                    oldest = None
            else:
                sid = touch(state, pseudonym, t, session_id, closed)
                oldest = None
            if oldest is None:  # active holds the event's session, so it is not empty
                oldest = next(iter(active.values()))
            if oldest.last < t - timeout:
                self.sweep_locked(t, closed)
                oldest = None
            stage((t, pseudonym, name, sid, properties))
            if label in counts:
                counts[label] += 1
            else:
                counts[label] = 1
            if revenue is not None:
                self.revenue.append((t, pseudonym, name, revenue))
                pending = self._revenue_pending  # folded into _revenue_sums when observed
                pending[label] = pending.get(label, 0) + revenue
            if on_goal is not None:
                on_goal(state, name, revenue)

    @contextlib.contextmanager
    def locked(self) -> Iterator[list[float]]:
        """Hold the lock with queued events applied; yields a list for closed sessions."""
        closed: list[float] = []
        with self.lock:
            self._apply_queued(closed)
            yield closed
        self._record(closed)

    def _record(self, closed: list[float]) -> None:
        for duration in closed:
            self._duration.record(duration)

    def _touch(
        self, state: User, pseudonym: str, t: float, external: str | None, closed: list[float]
    ) -> int:
        sid = state.session if external is None else self._external.get(external)
        session = self.active.get(sid) if sid is not None else None
        if session is not None:
            if t - session.last <= self.timeout:
                session.events += 1
                if t > session.last:
                    session.last = t
                self.active.move_to_end(session.sid)
                state.session = session.sid
                return session.sid
            self._close(session, session.last, closed)
        session = self._open(state, pseudonym, t, external, closed)
        session.events = 1
        return session.sid

    def _open(
        self, state: User, pseudonym: str, t: float, external: str | None, closed: list[float]
    ) -> Session:
        sid = next(self._ids)
        session = Session(sid, external, pseudonym, t)
        self.active[sid] = session
        if external is not None:
            self._external[external] = sid
        state.session = sid
        if len(self.active) > self._max_sessions:
            oldest = next(iter(self.active.values()))
            self._close(oldest, oldest.last, closed)
            self.evicted["session"] += 1
        return session

    def _close(self, session: Session, end: float, closed: list[float]) -> float:
        del self.active[session.sid]
        end = max(end, session.start)
        duration = end - session.start
        external = session.external
        if external is not None:
            if self._external.get(external) == session.sid:
                del self._external[external]
            self._recent_ended[external] = duration
            if len(self._recent_ended) > _RECENT_ENDED:
                self._recent_ended.popitem(last=False)
        self.ended.append((session.sid, session.user, session.start, end, session.events))
        closed.append(duration)
        return duration

    def sweep_locked(self, now: float, closed: list[float]) -> None:
        """Close sessions idle at ``now``; the caller holds the lock (``locked()``)."""
        active, limit = self.active, now - self.timeout
        while active:
            oldest = next(iter(active.values()))
            if oldest.last >= limit:
                break
            self._close(oldest, oldest.last, closed)

    # --- explicit sessions and properties ------------------------------------------------

    def start_session(
        self, pseudonym: str, t: float, properties: Mapping[str, Any] | None
    ) -> str:
        """Open a session for the user and return its id."""
        with self.locked() as closed:
            state = self.user(pseudonym, t)
            if properties:
                self._merge(state, properties)
            external = f"{self._prefix}{next(self._ids):x}"
            self._open(state, pseudonym, t, external, closed)
            self.sweep_locked(t, closed)
        return external

    def end_session(self, external: str, t: float) -> float | None:
        """Close a session; return its duration, or None when the id is unknown."""
        with self.locked() as closed:
            sid = self._external.get(external)
            session = self.active.get(sid) if sid is not None else None
            if session is None:
                return self._recent_ended.get(external)
            return self._close(session, max(t, session.last), closed)

    def set_properties(self, pseudonym: str, properties: Mapping[str, Any]) -> None:
        """Merge properties into the user's properties (not activity: times stay as they are)."""
        with self.locked():
            self._merge(self.user(pseudonym, None), properties)

    @staticmethod
    def _merge(state: User, properties: Mapping[str, Any]) -> None:
        if state.properties is None:
            state.properties = {}
        state.properties.update(properties)

    def sweep(self, now: float) -> None:
        """Apply queued events, then close sessions idle at ``now``."""
        with self.locked() as closed:
            self.sweep_locked(now, closed)

    def close_all(self) -> None:
        """End every open session at its last activity (the process is stopping)."""
        with self.locked() as closed:
            for session in list(self.active.values()):
                self._close(session, session.last, closed)

    # --- observable instruments -----------------------------------------------------------

    def _observe_events(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self.locked():
            counts = list(self._counts.items())
        return [Observation(n, {ATTR_EVENT_NAME: label}) for label, n in counts]

    def _observe_revenue(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self.locked():
            sums, pending = self._revenue_sums, self._revenue_pending
            for label, value in pending.items():
                sums[label] = value + sums.get(label, 0)
            pending.clear()
            points = list(sums.items())
        return [Observation(v, {ATTR_EVENT_NAME: label}) for label, v in points]

    def _observe_sessions(self, _options: CallbackOptions) -> Iterable[Observation]:
        self.sweep(self._clock())
        return [Observation(len(self.active))]

    def _observe_evictions(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self.locked():
            evicted = list(self.evicted.items())
        return [Observation(n, {ATTR_ANALYTICS_STATE: kind}) for kind, n in evicted
                if n]

    def _observe_users(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self.locked():
            return [Observation(len(self.users))]

    # --- snapshots for queries -------------------------------------------------------------
