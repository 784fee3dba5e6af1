"""A registered service's state: its probe, check records and availability summary.

The scheduler in ``instruments/infrastructure/services.py`` runs the probes and writes the
records; this module holds what it writes to and the pure helpers around it.
"""

from __future__ import annotations

import math
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from otel_measure.calculators.availability import summarise_checks
from otel_measure.instruments.infrastructure.results import AvailabilityMetrics
from otel_measure.names.attributes import ATTR_OUTCOME, ATTR_SERVICE_CHECK_NAME

__all__ = [
    "ERROR_CHARS",
    "OUTCOMES",
    "CheckRecord",
    "CheckRun",
    "HttpGet",
    "Probe",
    "ServiceState",
    "bad_argument",
    "is_timeout",
    "positive_seconds",
    "probe_for",
    "summarise",
    "urllib_get",
]

OUTCOMES = ("up", "down", "error", "timeout")
HttpGet = Callable[[str, float], int]
Probe = Callable[[], tuple[str, str | None]]
_HISTORY = 10_000
ERROR_CHARS = 200


def urllib_get(url: str, timeout_s: float) -> int:
    """GET ``url`` with urllib (its default redirect handling) and return the status code."""
    request = urllib.request.Request(url, headers={"User-Agent": "otel-measure-health"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:  # 4xx/5xx arrive as an exception carrying the code
        exc.close()
        return int(exc.code)


class CheckRecord(NamedTuple):
    """One check's outcome, as the history keeps it."""

    at: float  # monotonic start of the check (or of the skipped slot)
    wall: float
    outcome: str
    duration: float | None  # None for a slot skipped while a hung run is still in flight
    error: str | None


@dataclass(eq=False)
class CheckRun:
    """One check in flight."""

    at: float
    wall: float
    timed_out: bool = False
    thread: threading.Thread | None = None


class ServiceState:
    """A registration and its bounded check history."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.probe: Probe = lambda: ("up", None)
        self.interval_s = 30.0
        self.timeout_s = 5.0
        self.next_due = -math.inf
        self.running: CheckRun | None = None
        self.history: deque[CheckRecord] = deque(maxlen=_HISTORY)
        self.consecutive_failures = 0
        self.last_failure_time: float | None = None
        self.last_error: str | None = None
        self.attrs = {ATTR_SERVICE_CHECK_NAME: name}
        self.outcome_attrs = {
            o: {ATTR_SERVICE_CHECK_NAME: name, ATTR_OUTCOME: o} for o in OUTCOMES
        }


def bad_argument(argument: str, value: object, allowed: str) -> ValueError:
    """The ``ValueError`` naming a bad argument, its value and what is allowed."""
    return ValueError(f"{argument}={value!r} is not allowed; expected {allowed}")


def positive_seconds(argument: str, value: object) -> float:
    """Return ``value`` as float seconds, or raise unless it is a finite number > 0."""
    if (
        not isinstance(value, (int, float))
        or isinstance(value, bool)
        or not (math.isfinite(value) and value > 0)
    ):
        raise bad_argument(argument, value, "a finite number of seconds > 0")
    return float(value)


def is_timeout(exc: BaseException) -> bool:
    """Whether a check's exception is (or wraps) a timeout."""
    reason = getattr(exc, "reason", None)
    return isinstance(exc, TimeoutError) or isinstance(reason, TimeoutError)


def summarise(state: ServiceState, since: float, window: float) -> AvailabilityMetrics:
    """Availability of one service over the window ending now."""
    summary = summarise_checks(
        ((r.at, r.outcome == "up", r.duration) for r in state.history), since)
    last = state.history[-1] if state.history else None
    return AvailabilityMetrics(
        name=state.name,
        status="unknown" if last is None else ("up" if last.outcome == "up" else "down"),
        window_s=window,
        availability=summary.availability,
        checks=summary.checks,
        failures=summary.failures,
        consecutive_failures=state.consecutive_failures,
        last_check_time=last.wall if last else None,
        last_failure_time=state.last_failure_time,
        last_error=state.last_error,
        mean_check_latency_s=summary.mean_latency_s,
        p95_check_latency_s=summary.p95_latency_s,
        mttr_s=summary.mttr_s,
    )


def probe_for(check: object, timeout_s: float, http_get: HttpGet) -> Probe:
    """Return the probe of ``check``: a callable (truthy is up) or an HTTP(S) URL (2xx is up).

    Raises:
        ValueError: ``check`` is neither a callable nor an ``http://``/``https://`` URL.
    """
    if isinstance(check, str):
        parts = urllib.parse.urlsplit(check)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise bad_argument("check", check, "a callable or an http:// or https:// URL")

        def probe_url() -> tuple[str, str | None]:
            code = http_get(check, timeout_s)
            return ("up", None) if 200 <= code < 300 else ("down", f"HTTP {code}")

        return probe_url
    if not callable(check):
        raise bad_argument("check", check, "a callable or an http:// or https:// URL")
    call: Callable[[], object] = check

    def probe_callable() -> tuple[str, str | None]:
        result = call()
        return ("up", None) if result else ("down", f"check returned {result!r}"[:ERROR_CHARS])

    return probe_callable
