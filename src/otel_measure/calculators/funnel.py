"""Ordered conversion funnels (PostHog definitions); engagement is in ``engagement.py``.

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
import itertools
import math
import operator
import statistics
from array import array
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from otel_measure.calculators._result import Result
from otel_measure.calculators.engagement import (
    EngagementResult,
    engagement,
    engagement_columns,
)
from otel_measure.calculators.retention import Timestamp, to_posix

__all__ = [
    "EngagementResult",
    "FunnelResult",
    "FunnelStep",
    "engagement",
    "engagement_columns",
    "funnel",
    "funnel_columns",
]

_DAY = 86_400.0
_BUCKET_BITS = 12  # funnel_columns groups users in at most 2**12 buckets of nearby ids


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
    times: list[float], names: list[int], steps: list[int], window: float
) -> list[float]:
    """Return the step times of the user's furthest-reaching attempt (earliest on ties)."""
    positions: dict[int, list[int]] = {}
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
    _check_steps(steps)
    window = _check_window(window_s)
    user_ids: dict[Hashable, int] = {}
    name_ids: dict[str, int] = {}
    users: list[int] = []
    times: list[float] = []
    names: list[int] = []
    for user, ts, name in events:
        times.append(to_posix("event timestamp", ts))
        users.append(user_ids.setdefault(user, len(user_ids)))
        names.append(name_ids.setdefault(name, len(name_ids)))
    return funnel_columns(users, times, names, list(name_ids), steps, window)


def _check_steps(steps: object) -> None:
    if isinstance(steps, str) or not isinstance(steps, Sequence) or len(steps) == 0:
        raise ValueError(f"steps={steps!r} is not allowed; expected a non-empty list of names")
    for step in steps:
        if not isinstance(step, str):
            raise ValueError(f"steps contains {step!r}; every step must be an event name (str)")


def _by_user(
    users: Sequence[int],
    times: Sequence[float],
    names: Sequence[int],
    code_of: list[int],
    kind: str,
    until: float,
) -> Iterator[tuple[list[float], list[int]]]:
    """Yield each user's (times, name codes) of wanted events up to ``until``, input order.

    Cache blocking: a counting sort first partitions the events into at most
    ``_BUCKETS`` buckets of consecutive user ids, then each bucket (small enough for the CPU
    cache) is split per user. Scattering straight into one slot per user would write to
    as many places as there are users, which stops fitting in the cache near 10k users.
    """
    shift = max(0, (max(users, default=0) + 1).bit_length() - _BUCKET_BITS)
    bounds = array("q", bytes(8 * (((max(users, default=0)) >> shift) + 2)))
    for u, n, t in zip(users, names, times, strict=True):
        if code_of[n] and t <= until:
            bounds[(u >> shift) + 1] += 1
    for b in range(1, len(bounds)):
        bounds[b] += bounds[b - 1]
    size = bounds[-1]
    g_times = array("d", bytes(8 * size))
    g_names = array(kind, bytes(array(kind).itemsize * size))
    g_users = array("q", bytes(8 * size))
    fill = bounds[:-1]
    for u, n, t in zip(users, names, times, strict=True):
        code = code_of[n]
        if code and t <= until:
            b = u >> shift
            j = fill[b]
            g_times[j] = t
            g_names[j] = code
            g_users[j] = u
            fill[b] = j + 1
    for b in range(len(bounds) - 1):
        lo, hi = bounds[b], bounds[b + 1]
        per_user: dict[int, tuple[list[float], list[int]]] = {}
        for u, t, code in zip(g_users[lo:hi], g_times[lo:hi], g_names[lo:hi], strict=True):
            rows = per_user.get(u)
            if rows is None:
                rows = per_user[u] = ([], [])
            rows[0].append(t)
            rows[1].append(code)
        yield from per_user.values()


def funnel_columns(
    users: Sequence[int],
    times: Sequence[float],
    names: Sequence[int],
    vocabulary: Sequence[Hashable],
    steps: Sequence[str],
    window_s: float = 14 * _DAY,
    *,
    until: float = math.inf,
) -> FunnelResult:
    """Compute an ordered funnel from events stored column-wise.

    The events are grouped by user with two cache-friendly counting passes (stable, so
    equal timestamps keep their input order), and sorted per user only when ``times`` is
    not already in order: linear in the events for a time-ordered buffer.

    Args:
        users: User index of each event (small non-negative ints).
        times: POSIX seconds of each event (finite floats, in any order).
        names: Index into ``vocabulary`` of each event's name.
        vocabulary: Event names by index.
        steps: Event names in funnel order (at least one; repeats allowed).
        window_s: Conversion window in seconds counted from the step-1 event (inclusive).
        until: Events after this time are ignored.

    Returns:
        The same result as :func:`funnel` on the equivalent input.

    Raises:
        ValueError: Empty or non-string steps, or a bad window.
    """
    _check_steps(steps)
    window = _check_window(window_s)
    # Each step name gets a code 1..len(unique steps); other names 0 (not wanted).
    codes: dict[Hashable, int] = {}
    for step in steps:
        codes.setdefault(step, len(codes) + 1)
    step_codes = [codes[step] for step in steps]
    code_of = [codes.get(name, 0) for name in vocabulary]
    kind = "B" if len(codes) < 256 else "q"
    in_order = all(map(operator.le, times, itertools.islice(times, 1, None)))

    k = len(steps)
    reached = [0] * k
    gaps: list[list[float]] = [[] for _ in range(k)]
    totals: list[float] = []
    for ts, ns in _by_user(users, times, names, code_of, kind, until):
        if not in_order:  # a stable sort keeps equal times in input order
            order = sorted(range(len(ts)), key=ts.__getitem__)
            ts = [ts[i] for i in order]
            ns = [ns[i] for i in order]
        best = _best_attempt(ts, ns, step_codes, window)
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
