"""Ordered conversion funnels and engagement summaries (PostHog definitions).

Funnel: a user reaches step k when they did steps 1..k in order, each event at or after the
previous one (events at equal timestamps keep their input order, and one event never fills
two steps), all within ``window_s`` of the step-1 event that starts the attempt. Every
step-1 event starts an attempt; each user counts with the attempt that gets furthest (the
earliest such attempt on ties), and its step times give the time-to-convert figures.
Within an attempt each step takes the first matching event, which reaches the furthest
possible step for that start.
"""

from __future__ import annotations

import bisect
import math
import statistics
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.retention import Timestamp, to_posix

__all__ = [
    "EngagementResult",
    "FunnelResult",
    "FunnelStep",
    "engagement",
    "funnel",
]

_DAY = 86_400.0


@dataclass(frozen=True)
class FunnelStep(Result):
    """One step of a funnel.

    Attributes:
        name: Event name of the step.
        users: Users who reached this step.
        conversion_from_previous: users / users at the previous step (1.0 for step 1 with
            users, NaN when the previous step has none).
        conversion_from_first: users / users at step 1 (NaN when step 1 has none).
        drop_off: Users at the previous step who did not reach this one (0 for step 1).
        median_time_from_previous_s: Median seconds from the previous step's event to this
            one's over users who reached it (NaN for step 1 or when nobody reached it).
    """

    name: str
    users: int
    conversion_from_previous: float
    conversion_from_first: float
    drop_off: int
    median_time_from_previous_s: float


@dataclass(frozen=True)
class FunnelResult(Result):
    """Ordered funnel outcome.

    Attributes:
        steps: Per-step counts, conversions and times.
        entered: Users with at least one step-1 event.
        converted: Users who reached the last step.
        overall_conversion: converted / entered (NaN when nobody entered).
        median_time_to_convert_s: Median seconds from step 1 to the last step over converted
            users (NaN when nobody converted).
        window_s: Conversion window in seconds.
    """

    steps: tuple[FunnelStep, ...]
    entered: int
    converted: int
    overall_conversion: float
    median_time_to_convert_s: float
    window_s: float


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else math.nan


def _check_window(window_s: object) -> float:
    if isinstance(window_s, bool) or not isinstance(window_s, (int, float)):
        raise ValueError(f"window_s={window_s!r} is not allowed; expected a positive number")
    try:
        window = float(window_s)
    except OverflowError:  # an int too big for a float
        window = math.inf
    if not (math.isfinite(window) and window > 0):
        raise ValueError(f"window_s={window_s!r} is not allowed; expected a positive number")
    return window


def _best_attempt(
    times: list[float], names: list[str], steps: Sequence[str], window: float
) -> list[float]:
    """Return the step times of the user's furthest-reaching attempt (earliest on ties)."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        positions.setdefault(name, []).append(i)
    starts = positions.get(steps[0])
    if not starts:
        return []
    best: list[float] = []
    for start in starts:
        t0 = times[start]
        reached = [t0]
        pos = start
        for step in steps[1:]:
            candidates = positions.get(step)
            if not candidates:
                break
            j = bisect.bisect_right(candidates, pos)
            if j == len(candidates) or times[candidates[j]] - t0 > window:
                break
            pos = candidates[j]
            reached.append(times[pos])
        if len(reached) > len(best):
            best = reached
            if len(best) == len(steps):
                break
    return best


def funnel(
    events: Iterable[tuple[Hashable, Timestamp, str]],
    steps: Sequence[str],
    window_s: float = 14 * _DAY,
) -> FunnelResult:
    """Compute an ordered funnel.

    Args:
        events: ``(user, timestamp, event_name)`` triples; timestamps are POSIX seconds or
            aware datetimes, in any order. Events not named in ``steps`` are ignored.
        steps: Event names in funnel order (at least one; repeats allowed).
        window_s: Conversion window in seconds counted from the step-1 event (inclusive).

    Returns:
        Per-step users, conversion rates, drop-offs and median times.

    Raises:
        ValueError: Empty or non-string steps, a bad window or a bad timestamp.
    """
    if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) == 0:
        raise ValueError(f"steps={steps!r} is not allowed; expected a non-empty list of names")
    for step in steps:
        if not isinstance(step, str):
            raise ValueError(f"steps contains {step!r}; every step must be an event name (str)")
    window = _check_window(window_s)
    wanted = set(steps)

    per_user: dict[Hashable, list[tuple[float, int, str]]] = {}
    for seq, (user, ts, name) in enumerate(events):
        t = to_posix("event timestamp", ts)
        if name in wanted:
            per_user.setdefault(user, []).append((t, seq, name))

    k = len(steps)
    reached = [0] * k
    gaps: list[list[float]] = [[] for _ in range(k)]
    totals: list[float] = []
    for rows in per_user.values():
        rows.sort()
        best = _best_attempt([r[0] for r in rows], [r[2] for r in rows], steps, window)
        for i, t in enumerate(best):
            reached[i] += 1
            if i:
                gaps[i].append(t - best[i - 1])
        if len(best) == k:
            totals.append(best[-1] - best[0])

    out: list[FunnelStep] = []
    first = reached[0]
    for i, name in enumerate(steps):
        prev = reached[i - 1] if i else first
        out.append(
            FunnelStep(
                name=name,
                users=reached[i],
                conversion_from_previous=reached[i] / prev if prev else math.nan,
                conversion_from_first=reached[i] / first if first else math.nan,
                drop_off=prev - reached[i],
                median_time_from_previous_s=_median(gaps[i]),
            )
        )
    return FunnelResult(
        steps=tuple(out),
        entered=first,
        converted=reached[-1],
        overall_conversion=reached[-1] / first if first else math.nan,
        median_time_to_convert_s=_median(totals),
        window_s=window,
    )


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

    windows = (now_s - _DAY, now_s - 7 * _DAY, now_s - 30 * _DAY)
    day: set[Hashable] = set()
    week: set[Hashable] = set()
    month: set[Hashable] = set()
    before: set[Hashable] = set()
    attributed = 0
    for user, ts, sid in events:
        t = to_posix("event timestamp", ts)
        if sid is not None and sid in event_count:
            event_count[sid] += 1
            attributed += 1
        if t > now_s:
            continue
        if t > windows[2]:
            month.add(user)
            if t > windows[1]:
                week.add(user)
                if t > windows[0]:
                    day.add(user)
        else:
            before.add(user)

    n_sessions = len(durations)
    bounces = sum(1 for c in event_count.values() if c == 1)
    returning = len(month & before)
    return EngagementResult(
        dau=len(day),
        wau=len(week),
        mau=len(month),
        stickiness=len(day) / len(month) if month else math.nan,
        sessions=n_sessions,
        mean_session_duration_s=math.fsum(durations) / n_sessions if n_sessions else math.nan,
        median_session_duration_s=_median(durations),
        events_per_session=attributed / n_sessions if n_sessions else math.nan,
        bounce_rate=bounces / n_sessions if n_sessions else math.nan,
        new_users=len(month) - returning,
        returning_users=returning,
    )
