"""Service health checks (``m.infrastructure.register_service``) and their availability.

One daemon scheduler thread ("otel-measure-health") decides which checks are due; each
check runs on its own short-lived daemon thread (at most 16 at once), so a
check that hangs never blocks the scheduler, the caller or the other services. The
scheduler records a check still running after ``timeout_s`` as a ``timeout``, and does not
start that service again until the hung run returns (each due slot meanwhile counts as a
skipped ``timeout``). Daemon threads, not a ``ThreadPoolExecutor``: the executor joins its
workers at interpreter exit, so one hung check would hang the host's shutdown.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, overload

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.instruments._rejections import Rejections, text_problem
from otel_measure.instruments.infrastructure.results import AvailabilityMetrics
from otel_measure.instruments.infrastructure.service_state import (
    ERROR_CHARS,
    CheckRecord,
    CheckRun,
    HttpGet,
    ServiceState,
    bad_argument,
    is_timeout,
    positive_seconds,
    probe_for,
    summarise,
    urllib_get,
)
from otel_measure.names import create_instrument
from otel_measure.names.infrastructure import SERVICE_CHECK_DURATION, SERVICE_CHECKS, SERVICE_UP
from otel_measure.views.buckets import SECONDS_BUCKETS

__all__ = ["ServiceHealth"]

_log = logging.getLogger("otel_measure")

_MAX_SLEEP_S = 5.0  # the scheduler re-reads its clock at least this often
_MAX_IN_FLIGHT = 16  # a due check beyond this many running ones is skipped as an "error"


class ServiceHealth:
    """Registered health checks, their scheduler, and ``measure.service.*`` metrics.

    Args:
        meter: Meter the instruments are created on.
        rejections: Shared bad-input helper (kept for symmetry with the other domains).
        clock: Monotonic clock in seconds (schedules, durations, windows).
        wall_clock: Wall clock in seconds since the epoch (reported check times).
        http_get: ``(url, timeout_s) -> status code`` used by URL checks; defaults to
            :func:`urllib_get`. Any exception it raises means the service is down.
        background: Start the scheduler thread on the first registration. With False
            nothing runs until :meth:`run_pending` is called (tests, scripts).
    """

    def __init__(
        self,
        meter: Meter,
        rejections: Rejections,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        http_get: HttpGet | None = None,
        background: bool = True,
    ) -> None:
        self._rejections = rejections
        self._clock = clock
        self._wall_clock = wall_clock
        self._http_get: HttpGet = http_get if http_get is not None else urllib_get
        self._background = background
        self._services: dict[str, ServiceState] = {}
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._dirty = False
        self._closed = False
        self._thread: threading.Thread | None = None
        create_instrument(meter, SERVICE_UP, callbacks=[self._observe_up])
        self._duration = create_instrument(meter, SERVICE_CHECK_DURATION, buckets=SECONDS_BUCKETS)
        self._checks = create_instrument(meter, SERVICE_CHECKS)

    # --- registration ----------------------------------------------------------------

    def register_service(
        self,
        name: str,
        check: Callable[[], object] | str,
        interval_s: float = 30,
        timeout_s: float = 5,
    ) -> None:
        """Check ``name`` every ``interval_s`` seconds; the first check runs promptly.

        Args:
            name: Service name, exported as ``measure.service.name`` (keep the set small).
                Registering a name again replaces its check and keeps its history.
            check: A callable returning truthy (up) or falsy (down), or an ``http://`` or
                ``https://`` URL (up when the response status is 2xx).
            interval_s: Seconds between checks, finite and > 0.
            timeout_s: Seconds after which a running check counts as a timeout.

        Raises:
            ValueError: naming the bad argument, its value and what is allowed.
        """
        if text_problem(name, 256) is not None:
            raise bad_argument("name", name, "a non-empty string of valid Unicode "
                               "without control characters, at most 256 characters")
        interval = positive_seconds("interval_s", interval_s)
        timeout = positive_seconds("timeout_s", timeout_s)
        probe = probe_for(check, timeout, self._http_get)
        with self._lock:
            service = self._services.get(name) or ServiceState(name)
            service.probe, service.interval_s, service.timeout_s = probe, interval, timeout
            service.next_due = -math.inf
            self._services[name] = service
            self._dirty = True
            self._wake.notify_all()
            if self._background and not self._closed and self._thread is None:
                self._thread = threading.Thread(
                    target=self._loop, name="otel-measure-health", daemon=True
                )
                self._thread.start()

    def unregister_service(self, name: str) -> None:
        """Stop checking ``name`` and forget its history; unknown names raise ValueError."""
        with self._lock:
            if self._services.pop(name, None) is None:
                raise bad_argument("name", name, f"a registered service ({self._known()})")

    def _known(self) -> str:
        return ", ".join(repr(n) for n in sorted(self._services)) or "none registered"

    # --- scheduling ------------------------------------------------------------------

    def run_pending(self, now: float | None = None, *, wait: bool = False) -> float | None:
        """Start the checks that are due and time out the ones running too long.

        Args:
            now: Monotonic time to act at (defaults to the clock).
            wait: Block until the checks started by this call finish or reach their
                timeout, then record them (for tests and scripts; the scheduler never waits).

        Returns:
            Seconds until the next check is due or a running check times out, or None
            when no service is registered.
        """
        now = self._clock() if now is None else now
        wall = self._wall_clock()
        records: list[tuple[ServiceState, CheckRecord]] = []
        started: list[tuple[ServiceState, CheckRun]] = []
        deadlines: list[float] = []
        with self._lock:
            in_flight = sum(s.running is not None for s in self._services.values())
            for service in self._services.values():
                run = service.running
                if run is not None and not run.timed_out:
                    if now - run.at < service.timeout_s:
                        # Due or not, wait for this run: its end wakes the scheduler.
                        deadlines.append(run.at + service.timeout_s)
                        continue
                    records.append((service, self._expire(service, run)))
                if now >= service.next_due:
                    service.next_due = now + service.interval_s
                    if run is not None:
                        skip = CheckRecord(now, wall, "timeout", None, "timeout")  # still hung
                        records.append((service, self._commit(service, skip)))
                    elif in_flight >= _MAX_IN_FLIGHT:
                        skip = CheckRecord(now, wall, "error", None,
                                           f"skipped: {in_flight} running")
                        records.append((service, self._commit(service, skip)))
                    else:
                        service.running = CheckRun(now, wall)
                        started.append((service, service.running))
                        in_flight += 1
                        deadlines.append(now + service.timeout_s)
                deadlines.append(service.next_due)
        for service, record in records:
            self._export(service, record)
        for service, run in started:
            run.thread = threading.Thread(
                target=self._work, args=(service, run), name="otel-measure-health-check",
                daemon=True,
            )
            run.thread.start()
        if wait:
            self._await(started)
        return max(0.0, min(deadlines) - now) if deadlines else None

    def _await(self, started: list[tuple[ServiceState, CheckRun]]) -> None:
        for service, run in started:
            assert run.thread is not None
            run.thread.join(service.timeout_s)
            if run.thread.is_alive():
                with self._lock:
                    record = None if run.timed_out else self._expire(service, run)
                if record is not None:
                    self._export(service, record)

    def _expire(self, service: ServiceState, run: CheckRun) -> CheckRecord:
        """Record a run still going at its deadline as a timeout (caller holds the lock)."""
        run.timed_out = True
        return self._commit(
            service, CheckRecord(run.at, run.wall, "timeout", service.timeout_s, "timeout")
        )

    def _work(self, service: ServiceState, run: CheckRun) -> None:
        start = self._clock()
        try:
            outcome, error = service.probe()
        except BaseException as exc:  # a check's failure, whatever it is, means "down"
            outcome = "timeout" if is_timeout(exc) else "error"
            error = repr(exc)[:ERROR_CHARS]
        duration = max(0.0, self._clock() - start)
        record: CheckRecord | None = None
        with self._lock:
            if service.running is run:
                service.running = None
            if not run.timed_out and self._services.get(service.name) is service:
                record = self._commit(
                    service, CheckRecord(run.at, run.wall, outcome, duration, error))
            self._dirty = True
            self._wake.notify_all()
        if record is not None:
            self._export(service, record)

    def _commit(self, service: ServiceState, record: CheckRecord) -> CheckRecord:
        """Append to the history and update the streaks (caller holds the lock)."""
        service.history.append(record)
        if record.outcome == "up":
            service.consecutive_failures = 0
        else:
            service.consecutive_failures += 1
            service.last_failure_time = record.wall
            service.last_error = record.error
        return record

    def _export(self, service: ServiceState, record: CheckRecord) -> None:
        # Outside the lock: the SDK takes its own locks, and collection calls _observe_up.
        attrs = service.outcome_attrs[record.outcome]
        self._checks.add(1, attrs)
        if record.duration is not None:
            self._duration.record(record.duration, attrs)

    def _loop(self) -> None:
        while True:
            try:
                delay = self.run_pending()
            except Exception as exc:  # the scheduler must outlive any bug in one pass
                _log.warning("otel-measure health scheduler pass failed: %r", exc)
                delay = _MAX_SLEEP_S
            with self._wake:
                if self._closed:
                    return
                if not self._dirty:
                    self._wake.wait(_MAX_SLEEP_S if delay is None else min(delay, _MAX_SLEEP_S))
                self._dirty = False
                if self._closed:
                    return

    # --- queries ---------------------------------------------------------------------

    @overload
    def get_availability_metrics(
        self, name: str, window_s: float = ...
    ) -> AvailabilityMetrics: ...

    @overload
    def get_availability_metrics(
        self, name: None = None, window_s: float = ...
    ) -> dict[str, AvailabilityMetrics]: ...

    def get_availability_metrics(
        self, name: str | None = None, window_s: float = 3600.0
    ) -> AvailabilityMetrics | dict[str, AvailabilityMetrics]:
        """Availability of one service, or of every service (a dict by name) when None.

        Raises:
            ValueError: for an unknown name or a window that is not a finite number > 0.
        """
        window = positive_seconds("window_s", window_s)
        now = self._clock()
        with self._lock:
            if name is None:
                chosen = list(self._services.values())
            elif isinstance(name, str) and name in self._services:
                chosen = [self._services[name]]
            else:
                raise bad_argument("name", name, f"a registered service ({self._known()})")
            # Under the lock: a consistent view, and a few ms at most for 10,000 checks.
            results = {s.name: summarise(s, now - window, window) for s in chosen}
        return results if name is None else results[name]

    def _observe_up(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            latest = [(s.attrs, s.history[-1].outcome) for s in self._services.values()
                      if s.history]
        return [Observation(1 if outcome == "up" else 0, attrs) for attrs, outcome in latest]

    # --- dashboard and lifecycle -----------------------------------------------------

    def dashboard_section(self) -> dict[str, Any]:
        """Return every service's availability over the last hour, by name."""
        return {n: m.to_dict() for n, m in self.get_availability_metrics().items()}

    def close(self) -> None:
        """Stop and join the scheduler thread (idempotent); hung checks are abandoned."""
        with self._lock:
            self._closed = True
            self._wake.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=_MAX_SLEEP_S)
