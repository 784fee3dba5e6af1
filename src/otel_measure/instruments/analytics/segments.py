"""User segments: built-in lifecycle, recency and frequency segments, and property rules.

Built-in segments (days are UTC calendar days, windows end at ``now``):

- ``new``: first seen within the last 7 days.
- ``active`` / ``at_risk`` / ``churned``: last seen within 7 days / 7 to 30 days ago /
  more than 30 days ago (every user is in exactly one of the three).
- ``power``: active on at least 4 distinct days of the last 7 (from the buffered events).
- ``recency_*``: last seen < 1 day, 1-7 days, 7-30 days, over 30 days ago.
- ``frequency_*``: distinct active days in the last 30: 0, 1, 2-7, 8 or more.

Rules select users by their properties (``set_user_properties`` and ``start_session``): a
mapping of property → required value (all must match), or a callable taking the
properties and returning a bool. Users with no activity yet (known only from an A/B
assignment or their properties) are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from otel_measure.instruments.analytics.results import Segment, UserSegments
from otel_measure.instruments.analytics.state import Event

__all__ = ["BUILT_IN_SEGMENTS", "Rule", "segment_users"]

_DAY = 86_400.0

Rule = Mapping[str, Any] | Callable[[Mapping[str, Any]], bool]

BUILT_IN_SEGMENTS: dict[str, str] = {
    "new": "first seen within the last 7 days",
    "active": "last seen within the last 7 days",
    "at_risk": "last seen 7 to 30 days ago",
    "churned": "last seen more than 30 days ago",
    "power": "active on at least 4 distinct days of the last 7",
    "recency_under_1d": "last seen less than 1 day ago",
    "recency_1_7d": "last seen 1 to 7 days ago",
    "recency_7_30d": "last seen 7 to 30 days ago",
    "recency_over_30d": "last seen more than 30 days ago",
    "frequency_0d": "no active day in the last 30",
    "frequency_1d": "active on 1 day of the last 30",
    "frequency_2_7d": "active on 2 to 7 days of the last 30",
    "frequency_8d_plus": "active on 8 or more days of the last 30",
}


def _check_rules(rules: object) -> dict[str, Rule]:
    if rules is None:
        return {}
    if not isinstance(rules, Mapping):
        raise ValueError(
            f"rules={rules!r} is not allowed; expected a mapping of segment name to a "
            "property mapping or a callable"
        )
    out: dict[str, Rule] = {}
    for name, rule in rules.items():
        if not isinstance(name, str) or not name or name in BUILT_IN_SEGMENTS:
            raise ValueError(
                f"rules key {name!r} is not allowed; expected a non-empty str that is not a "
                f"built-in segment ({', '.join(BUILT_IN_SEGMENTS)})"
            )
        if not (callable(rule) or isinstance(rule, Mapping)):
            raise ValueError(
                f"rules[{name!r}]={rule!r} is not allowed; expected a mapping of property to "
                "value or a callable(properties) -> bool"
            )
        out[name] = rule
    return out


def _matches(name: str, rule: Rule, properties: Mapping[str, Any]) -> bool:
    if isinstance(rule, Mapping):
        return all(k in properties and properties[k] == v for k, v in rule.items())
    try:
        return bool(rule(properties))
    except Exception as exc:
        raise ValueError(f"rules[{name!r}] raised {exc!r} on a user's properties") from exc


def _recency(age: float) -> str:
    if age < _DAY:
        return "recency_under_1d"
    if age < 7 * _DAY:
        return "recency_1_7d"
    if age <= 30 * _DAY:
        return "recency_7_30d"
    return "recency_over_30d"


def _frequency(days: int) -> str:
    if days == 0:
        return "frequency_0d"
    if days == 1:
        return "frequency_1d"
    return "frequency_2_7d" if days <= 7 else "frequency_8d_plus"


def segment_users(
    users: Iterable[tuple[str, float, float, int, dict[str, Any]]],
    events: Iterable[Event],
    now: float,
    rules: object = None,
) -> UserSegments:
    """Assign users to the built-in segments and to rule-based ones.

    Args:
        users: (pseudonym, first seen, last seen, events, properties) per user.
        events: Buffered events, for the distinct active days.
        now: POSIX seconds the segments describe; users first seen later are left out, and
            a last activity after it counts as at ``now``.
        rules: Segment name → property mapping or callable, or None.

    Raises:
        ValueError: Malformed rules, a rule named like a built-in segment, or a rule
            callable that raised.
    """
    checked = _check_rules(rules)
    today = math.floor(now / _DAY)
    days: dict[str, set[int]] = {}
    for t, user, _name, _sid, _props in events:
        if now - 30 * _DAY < t <= now:
            days.setdefault(user, set()).add(math.floor(t / _DAY))
    members: dict[str, list[str]] = {name: [] for name in (*BUILT_IN_SEGMENTS, *checked)}
    count = 0
    for user, first, last, _events, properties in users:
        if first > now:
            continue
        count += 1
        last = min(last, now)
        age = now - last
        active_days = days.get(user, set())
        if now - first < 7 * _DAY:
            members["new"].append(user)
        lifecycle = "active" if age < 7 * _DAY else "at_risk" if age <= 30 * _DAY else "churned"
        members[lifecycle].append(user)
        if sum(1 for d in active_days if today - d < 7) >= 4:
            members["power"].append(user)
        members[_recency(age)].append(user)
        members[_frequency(len(active_days))].append(user)
        for name, rule in checked.items():
            if _matches(name, rule, properties):
                members[name].append(user)
    descriptions = {**BUILT_IN_SEGMENTS, **{n: f"rule {n!r} on user properties" for n in checked}}
    segments = {
        name: Segment(name, descriptions[name], len(found), tuple(sorted(found)))
        for name, found in members.items()
    }
    return UserSegments(now=now, users=count, segments=segments)
