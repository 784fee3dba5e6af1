"""What the analytics event store keeps per event, per user and per open session.

Plain records, keyed by pseudonyms; ``instruments/analytics/events.py`` owns and locks them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["Event", "Session", "User"]

Event = tuple[float, str, str, int | None, Mapping[str, Any] | None]
"""A buffered event: (POSIX seconds, pseudonym, event name, session number, properties)."""


class User:
    """What is kept about one (pseudonymised) user.

    ``first_seen`` / ``last_seen`` span the user's activity (events and sessions); a user
    known only from an A/B assignment or properties has none yet (inf / -inf).
    """

    __slots__ = ("events", "first_seen", "last_seen", "properties", "session", "tests")

    def __init__(self) -> None:
        self.first_seen = math.inf
        self.last_seen = -math.inf
        self.events = 0
        self.properties: dict[str, Any] | None = None
        self.session: int | None = None
        # test name -> [variant index, summed value, converted]
        self.tests: dict[str, list[Any]] | None = None


class Session:
    """One open session."""

    __slots__ = ("events", "external", "last", "sid", "start", "user")

    def __init__(self, sid: int, external: str | None, user: str, t: float) -> None:
        self.sid = sid
        self.external = external
        self.user = user
        self.start = t
        self.last = t
        self.events = 0
