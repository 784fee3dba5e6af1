"""Engagement summaries at a point in time: DAU/WAU/MAU, stickiness, sessions, new users.

PostHog definitions; ``calculators/funnel.py`` re-exports these names.
"""

from __future__ import annotations

import collections
import math
import statistics
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.retention import Timestamp, to_posix

__all__ = ["EngagementResult", "engagement", "engagement_columns"]

_DAY = 86_400.0
_NO_SESSION = object()  # the session id of an event given without one


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


@dataclass(frozen=True)
class EngagementResult(Result):
    """Activity and session summary at a point in time.

    Attributes:
        dau: Distinct users with an event in (now − 1 day, now].
        wau: Distinct users with an event in (now − 7 days, now].
        mau: Distinct users with an event in (now − 30 days, now].
        stickiness: dau / mau (NaN when mau is 0).
        sessions: Number of sessions given.
        mean_session_duration_s: Mean of end − start (NaN without sessions).
        median_session_duration_s: Median of end − start (NaN without sessions).
        events_per_session: Events attributed to a given session / sessions (NaN without).
        bounce_rate: Sessions with exactly one event / sessions (NaN without sessions).
        new_users: MAU users whose first event in the data lies in the 30-day window.
        returning_users: MAU users with an event before the 30-day window.
    """

    dau: int
    wau: int
    mau: int
    stickiness: float
    sessions: int
    mean_session_duration_s: float
    median_session_duration_s: float
    events_per_session: float
    bounce_rate: float
    new_users: int
    returning_users: int


def engagement(
    sessions: Iterable[tuple[Hashable, Hashable, Timestamp, Timestamp]],
    events: Iterable[tuple[Hashable, Timestamp, Hashable | None]],
    now: Timestamp,
) -> EngagementResult:
    """Summarise engagement: DAU/WAU/MAU, stickiness, sessions, bounce rate, new users.

    Args:
        sessions: ``(session_id, user, start, end)`` with ``end >= start``; session ids must
            be unique. Every given session counts (pass only the ones you want summarised).
        events: ``(user, timestamp, session_id)``; ``session_id`` may be None or unknown, in
            which case the event counts for active users only. Events after ``now`` count
            neither as active users nor as returning history.
        now: Reference time (POSIX seconds or aware datetime).

    Returns:
        The engagement summary.

    Raises:
        ValueError: A bad timestamp, ``end < start``, or a duplicate session id.
    """
    now_s = to_posix("now", now)
    session_list = list(sessions)
    user_ids: dict[Hashable, int] = {}
    users: list[int] = []
    times: list[float] = []
    sids: list[object] = []
    for user, ts, sid in events:
        times.append(to_posix("event timestamp", ts))
        users.append(user_ids.setdefault(user, len(user_ids)))
        sids.append(_NO_SESSION if sid is None else sid)
    return engagement_columns(session_list, users, times, sids, now_s)


def engagement_columns(
    sessions: Iterable[tuple[Hashable, Hashable, Timestamp, Timestamp]],
    users: Sequence[int],
    times: Sequence[float],
    session_ids: Sequence[object],
    now: Timestamp,
    firsts: Sequence[float | None] = (),
) -> EngagementResult:
    """Summarise engagement from events stored column-wise, in one pass.

    Args:
        sessions: As in :func:`engagement`.
        users: User index of each event (small non-negative ints).
        times: POSIX seconds of each event (finite floats, in any order).
        session_ids: Session id of each event; one not in ``sessions`` (None, 0) counts for
            active users only.
        now: Reference time (POSIX seconds or aware datetime).
        firsts: First-seen time per user index, or None: extra activity without a session,
            so users stay "returning" after their first events leave a buffer.

    Returns:
        The same result as :func:`engagement` on the equivalent input.

    Raises:
        ValueError: A bad timestamp, ``end < start``, or a duplicate session id.
    """
    now_s = to_posix("now", now)
    durations: list[float] = []
    event_count: dict[Hashable, int] = {}
    for sid, _user, start, end in sessions:
        s = to_posix("session start", start)
        e = to_posix("session end", end)
        if e < s:
            raise ValueError(f"session {sid!r} has end={end!r} before start={start!r}")
        if sid in event_count:
            raise ValueError(f"session_id={sid!r} appears twice in sessions")
        event_count[sid] = 0
        durations.append(e - s)

    # Per user index, bits: 1 active in 30 days, 2 in 7 days, 4 in 1 day, 8 active before.
    flags = bytearray(max(len(firsts), max(users, default=-1) + 1))
    month, week, day = now_s - 30 * _DAY, now_s - 7 * _DAY, now_s - _DAY
    attributed = 0
    for u, t, sid in zip(users, times, session_ids, strict=True):
        if sid in event_count:
            event_count[sid] += 1
            attributed += 1
        if t <= now_s:
            flags[u] |= (8 if t <= month else 1 if t <= week else 3 if t <= day else 7)
    for u, first in enumerate(firsts):
        if first is not None and first <= now_s:
            flags[u] |= (8 if first <= month else 1 if first <= week else 3 if first <= day
                         else 7)
    counts = collections.Counter(flags)
    dau = sum(c for f, c in counts.items() if f & 4)
    wau = sum(c for f, c in counts.items() if f & 2)
    mau = sum(c for f, c in counts.items() if f & 1)
    returning = sum(c for f, c in counts.items() if f & 9 == 9)

    n_sessions = len(durations)
    bounces = sum(1 for c in event_count.values() if c == 1)
    return EngagementResult(
        dau=dau,
        wau=wau,
        mau=mau,
        stickiness=dau / mau if mau else math.nan,
        sessions=n_sessions,
        mean_session_duration_s=math.fsum(durations) / n_sessions if n_sessions else math.nan,
        median_session_duration_s=_median(durations),
        events_per_session=attributed / n_sessions if n_sessions else math.nan,
        bounce_rate=bounces / n_sessions if n_sessions else math.nan,
        new_users=mau - returning,
        returning_users=returning,
    )
