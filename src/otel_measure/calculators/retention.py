"""Cohort retention tables (PostHog / Amplitude definitions).

A user's cohort is the period (UTC day, or UTC week starting Monday 00:00) holding their
first activity. Period N of a cohort is the N-th period after the cohort's own one.
"Return on" counts users active in period N exactly; "return on or after" (Amplitude's
unbounded retention) counts users active in period N or any later period up to ``now``.

Eligibility (PostHog's behaviour): period N of a cohort is reported once it has begun,
i.e. when ``cohort_start + N periods <= now``; periods that have not begun are ``None``.
Period 0 is 100 % by construction, since the first activity defines the cohort.
"""

from __future__ import annotations

import math
import numbers
from array import array
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from otel_measure.calculators._result import Result

__all__ = [
    "CohortRetention",
    "RetentionResult",
    "retention_columns",
    "retention_table",
    "to_posix",
]

_DAY = 86_400.0
_WEEK = 7 * _DAY
# 1970-01-01 was a Thursday: the Monday of that week began three days earlier.
_WEEK_ORIGIN = -3 * _DAY
_PERIODS = {"day": (_DAY, 0.0), "week": (_WEEK, _WEEK_ORIGIN)}

_FINITE = float("inf")

Timestamp = float | datetime
User = TypeVar("User", bound=Hashable)


def to_posix(name: str, value: object) -> float:
    """Turn a POSIX-seconds number or a timezone-aware datetime into POSIX seconds.

    Raises:
        ValueError: ``value`` is naive, not a time, NaN or infinite.
    """
    cls = type(value)
    if cls is float or cls is int:
        # Fast path for the common case; NaN and inf fail the comparison chain.
        try:
            seconds = float(value)  # type: ignore[arg-type]
        except OverflowError:  # an int too big for a float
            seconds = _FINITE
        if -_FINITE < seconds < _FINITE:
            return seconds
        raise ValueError(f"{name}={value!r} is not allowed; expected a finite timestamp")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"{name}={value!r} is not allowed; datetimes must be timezone-aware (UTC)"
            )
        return value.timestamp()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{name}={value!r} is not allowed; expected POSIX seconds or an aware datetime"
        )
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ValueError(f"{name}={value!r} is not allowed; expected a finite timestamp")
    return seconds


@dataclass(frozen=True)
class CohortRetention(Result):
    """One cohort's row of the retention table.

    Attributes:
        cohort_start: POSIX seconds of the cohort period's start (UTC).
        size: Users whose first activity falls in the cohort period.
        active: Users active in period N, or None when period N has not begun.
        active_on_or_after: Users active in period N or later, or None likewise.
        rates: ``active / size`` per period (None when not begun).
        rates_on_or_after: ``active_on_or_after / size`` per period (None when not begun).
    """

    cohort_start: float
    size: int
    active: tuple[int | None, ...]
    active_on_or_after: tuple[int | None, ...]
    rates: tuple[float | None, ...]
    rates_on_or_after: tuple[float | None, ...]


@dataclass(frozen=True)
class RetentionResult(Result):
    """Retention table with its size-weighted summary curve.

    Attributes:
        period: ``"day"`` or ``"week"``.
        periods: Number of periods (columns), period 0 included.
        now: POSIX seconds the table was computed at.
        cohorts: Non-empty cohorts, oldest first.
        eligible_users: Σ size over cohorts whose period N has begun.
        average: Σ active / Σ size over those cohorts (None when no cohort is eligible).
        average_on_or_after: The same for "return on or after".
    """

    period: str
    periods: int
    now: float
    cohorts: tuple[CohortRetention, ...]
    eligible_users: tuple[int, ...]
    average: tuple[float | None, ...]
    average_on_or_after: tuple[float | None, ...]


def _check_period(period: object, periods: object) -> None:
    if not isinstance(period, str) or period not in _PERIODS:
        raise ValueError(f"period={period!r} is not one of 'day', 'week'")
    if isinstance(periods, bool) or not isinstance(periods, int) or periods < 1:
        raise ValueError(f"periods={periods!r} is not allowed; expected an integer >= 1")


def _seconds(ts: Timestamp) -> float:
    return to_posix("activity timestamp", ts)


def retention_table(
    first_seen: Mapping[User, Timestamp] | None,
    activity: Iterable[tuple[User, Timestamp]],
    *,
    period: str = "day",
    periods: int = 8,
    now: Timestamp,
) -> RetentionResult:
    """Build a cohort retention table.

    Args:
        first_seen: User → first-activity time, authoritative when given: activity of users
            missing from it, and activity before a user's first-seen time, are ignored.
            ``None`` derives it from each user's earliest activity.
        activity: ``(user, timestamp)`` pairs; timestamps are POSIX seconds (UTC) or aware
            datetimes. Activity after ``now`` is ignored.
        period: ``"day"`` (UTC midnight boundaries) or ``"week"`` (Monday 00:00 UTC).
        periods: Number of periods reported, period 0 included (at least 1).
        now: The time the table describes; users first seen after it are ignored.

    Returns:
        Per-cohort counts and rates, and the size-weighted average curves.

    Raises:
        ValueError: Unknown period, periods < 1, or a bad timestamp.
    """
    _check_period(period, periods)
    if first_seen is not None and not isinstance(first_seen, Mapping):
        raise ValueError(
            f"first_seen={first_seen!r} is not allowed; expected a mapping user -> time or None"
        )
    now_s = to_posix("now", now)

    # Users get a slot; per-slot state lives in flat lists (see retention_columns).
    slot_of: dict[User, int] = {}
    firsts: list[float | None] = []
    users: list[int] = []
    times: list[float] = []
    if first_seen is None:
        for user, ts in activity:
            t = _seconds(ts)
            i = slot_of.get(user)
            if i is None:
                i = slot_of[user] = len(firsts)
                firsts.append(None)
            if t <= now_s:
                first = firsts[i]
                if first is None or t < first:
                    firsts[i] = t
            users.append(i)
            times.append(t)
    else:
        for user, ts in first_seen.items():
            slot_of[user] = len(firsts)
            firsts.append(to_posix("first_seen timestamp", ts))
        get = slot_of.get
        for user, ts in activity:
            t = ts if type(ts) is float and -_FINITE < ts < _FINITE else _seconds(ts)
            i = get(user)
            if i is not None:
                users.append(i)
                times.append(t)
    return retention_columns(firsts, users, times, period=period, periods=periods, now=now_s)


def retention_columns(
    firsts: Sequence[float | None],
    users: Sequence[int],
    times: Sequence[float],
    *,
    period: str = "day",
    periods: int = 8,
    now: Timestamp,
) -> RetentionResult:
    """Build a cohort retention table from events stored column-wise.

    One pass over the events with list lookups only, so the cost is linear in the events
    and reads them as contiguous memory when they are ``array`` columns.

    Args:
        firsts: First-activity time (POSIX seconds) per user index, or None for users
            outside the table; authoritative as ``first_seen`` in :func:`retention_table`.
        users: User index of each event (an index into ``firsts``).
        times: POSIX seconds of each event (finite floats, in any order).
        period: ``"day"`` or ``"week"``.
        periods: Number of periods reported, period 0 included (at least 1).
        now: The time the table describes.

    Returns:
        The same result as :func:`retention_table` on the equivalent input.

    Raises:
        ValueError: Unknown period, periods < 1, or a bad ``now``.
    """
    _check_period(period, periods)
    length, origin = _PERIODS[period]
    now_s = to_posix("now", now)
    now_idx = math.floor((now_s - origin) / length)
    floor = math.floor
    # A user's cohort index; `outside` (every event up to now gets k < 0) when unknown or
    # first seen after now. An array keeps the per-user state compact for the random
    # accesses below; a list holds indices of timestamps too far out for 64 bits.
    outside = now_idx + 1
    indices = [outside if f is None or f > now_s else floor((f - origin) / length)
               for f in firsts]
    cohorts: Sequence[int]
    try:
        cohorts = array("q", indices)
    except OverflowError:
        cohorts = indices

    # Bit N of masks[i] says "active in period N" for N < periods; lasts[i] is the
    # furthest period with activity, which may lie beyond the table. An event before the
    # first-seen time has k <= 0 and changes neither (period 0 is set by construction).
    masks = [1] * len(firsts)
    lasts = [0] * len(firsts)
    for i, t in zip(users, times, strict=True):
        k = floor((t - origin) / length) - cohorts[i]
        if k <= 0 or t > now_s:
            continue
        if k < periods:
            masks[i] |= 1 << k
        if k > lasts[i]:
            lasts[i] = k

    by_cohort: dict[int, list[int]] = {}
    for i, cohort in enumerate(cohorts):
        if cohort != outside:
            by_cohort.setdefault(cohort, []).append(i)

    rows: list[CohortRetention] = []
    sum_size = [0] * periods
    sum_on = [0] * periods
    sum_after = [0] * periods
    for cohort in sorted(by_cohort):
        members = by_cohort[cohort]
        size = len(members)
        begun = min(periods, now_idx - cohort + 1)
        on = [0] * periods
        after_hist = [0] * periods
        for i in members:
            m = masks[i]
            n = 0
            while m:
                if m & 1:
                    on[n] += 1
                m >>= 1
                n += 1
            after_hist[min(lasts[i], periods - 1)] += 1
        # "on or after N" = users whose furthest active period is >= N.
        after = [0] * periods
        running = 0
        for n in range(periods - 1, -1, -1):
            running += after_hist[n]
            after[n] = running
        active: list[int | None] = [None] * periods
        active_after: list[int | None] = [None] * periods
        rates: list[float | None] = [None] * periods
        rates_after: list[float | None] = [None] * periods
        for n in range(begun):
            active[n] = on[n]
            active_after[n] = after[n]
            rates[n] = on[n] / size
            rates_after[n] = after[n] / size
            sum_size[n] += size
            sum_on[n] += on[n]
            sum_after[n] += after[n]
        rows.append(
            CohortRetention(
                cohort_start=origin + cohort * length,
                size=size,
                active=tuple(active),
                active_on_or_after=tuple(active_after),
                rates=tuple(rates),
                rates_on_or_after=tuple(rates_after),
            )
        )
    return RetentionResult(
        period=period,
        periods=periods,
        now=now_s,
        cohorts=tuple(rows),
        eligible_users=tuple(sum_size),
        average=tuple(o / s if s else None for o, s in zip(sum_on, sum_size, strict=True)),
        average_on_or_after=tuple(
            a / s if s else None for a, s in zip(sum_after, sum_size, strict=True)
        ),
    )
