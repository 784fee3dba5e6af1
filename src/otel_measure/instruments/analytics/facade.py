"""User analytics (``m.analytics``): events, sessions, engagement, funnels, retention, NPS, A/B.

Recording calls (``track_event``, ``record_*``, ``assign_variant``, sessions) run on the
application's hot path: bad input is dropped and counted in ``measure.rejected{reason}``
(raises with ``strict=True``). Queries (``get_*``, ``create_ab_test``, ``segment_users``)
raise ``ValueError`` naming the bad argument. User ids are pseudonymised (HMAC-SHA256)
before anything is stored; raw ids reach no metric, span, buffer or dashboard. Figures come
from :mod:`otel_measure.calculators` over bounded buffers.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from opentelemetry.metrics import Meter

from otel_measure.calculators.engagement import engagement_columns
from otel_measure.calculators.funnel import funnel_columns
from otel_measure.calculators.nps import nps
from otel_measure.calculators.retention import retention_columns, to_posix
from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.analytics import event_reads as reads
from otel_measure.instruments.analytics.checks import (
    INVALID,
    USER_ID_RULE,
    Checks,
    positive,
    usable_user_id,
)
from otel_measure.instruments.analytics.dashboard import build_section
from otel_measure.instruments.analytics.events import EventStore
from otel_measure.instruments.analytics.experiments import ExperimentStore
from otel_measure.instruments.analytics.nps import NPSStore
from otel_measure.instruments.analytics.privacy import MAX_ID_LENGTH, Pseudonymizer
from otel_measure.instruments.analytics.results import (
    ABTest,
    ABTestResults,
    ConversionMetrics,
    EngagementMetrics,
    NPSMetrics,
    RetentionMetrics,
    RevenueMetrics,
    UserSegments,
    extend,
)
from otel_measure.instruments.analytics.segments import segment_users as _segment_users
from otel_measure.options import AnalyticsOptions

if TYPE_CHECKING:  # built by setup() only with events_as_logs (the logs API loads then)
    from otel_measure.instruments.analytics.event_logs import EventLogEmitter

__all__ = ["UserAnalytics"]

_DAY = 86_400.0
Time = float | datetime


class UserAnalytics:
    """Product analytics over OpenTelemetry, private by default.

    Args:
        meter: Meter the instruments are created on.
        rejections: Shared bad-input helper (drop and count, or raise when strict).
        options: Key, idle timeout, caps and buffer sizes.
        clock: POSIX-seconds clock (injectable for tests); ``now=`` arguments override it.
        event_log: Emits accepted events as log records (``events_as_logs``); None: none.
    """

    def __init__(
        self,
        meter: Meter,
        rejections: Rejections,
        options: AnalyticsOptions,
        *,
        clock: Callable[[], float] = time.time,
        event_log: EventLogEmitter | None = None,
    ) -> None:
        self.options = options
        self._clock = clock
        self._pseudonym = Pseudonymizer(options.key)
        self._check = Checks(rejections, clock, self._pseudonym)
        self._events = EventStore(meter, options, clock, threading.Lock())
        self._experiments = ExperimentStore(meter, self._events, options.max_experiments)
        self._nps = NPSStore(meter, options)
        self._event_log = event_log
        self._closed = False

    def _now(self, now: Time | None) -> float:
        return self._clock() if now is None else to_posix("now", now)

    def pseudonym(self, user_id: str | int) -> str:
        """Return the pseudonym under which ``user_id`` is stored (to find it in a segment).

        Raises:
            ValueError: ``user_id`` is not a non-empty str (at most 1024 characters) or an int.
        """
        if not usable_user_id(user_id):
            raise ValueError(USER_ID_RULE.format(type(user_id).__name__))
        return self._pseudonym(user_id)

    # --- events and sessions -----------------------------------------------------------

    def track_event(
        self,
        event_name: str,
        user_id: str | int,
        properties: Mapping[str, Any] | None = None,
        *,
        session_id: str | None = None,
        timestamp: Time | None = None,
        revenue: float | None = None,
    ) -> None:
        """Record a product event; it opens or extends the user's session.

        Args:
            event_name: Event name (at most 200 characters); exported as ``event.name``
                when allow-listed (``AnalyticsOptions.events``, else the first
                ``max_event_names`` names), otherwise as ``_OTHER``.
            user_id: The user (pseudonymised before use).
            properties: Event properties, kept with the buffered event; never exported as
                metrics (``event_log_properties`` keys go on event log records).
            session_id: A session from ``start_session`` or the app's own id; None uses
                the user's current session, opening a new one after the idle timeout.
            timestamp: POSIX seconds or an aware datetime; None means now.
            revenue: Amount in USD (>= 0) added to ``measure.analytics.revenue``; also the
                value of mean A/B tests whose goal is this event.
        """
        if self._closed:
            return
        check, store = self._check, self._events
        # A name already accepted skips the checks; an ASCII str id skips usable_user_id.
        label = store.known_names.get(event_name) if type(event_name) is str else None
        if label is None and not check.event_name(event_name):
            return
        if not (type(user_id) is str and user_id.isascii()
                and 0 < len(user_id) <= MAX_ID_LENGTH) and not usable_user_id(user_id):
            check.user(user_id)
            return
        t = self._clock() if timestamp is None else check.time(timestamp)
        if t is None or (session_id is not None and not check.session_id(session_id)):
            return
        if revenue is not None and not check.amount("analytics.bad_revenue", "revenue", revenue):
            return
        props = None
        if properties is not None:
            props = check.properties(properties)
            if props is INVALID:
                return
        goals, pseudonym = self._experiments.goals, self._pseudonym.of(user_id)
        amount = None if revenue is None else float(revenue)
        store.track(
            event_name, pseudonym, t, session_id, amount, props,
            self._experiments.on_goal if goals and event_name in goals else None, label,
        )
        if self._event_log is not None:
            self._event_log.emit(event_name, pseudonym, t, session_id, amount, props)

    def start_session(
        self, user_id: str | int, properties: Mapping[str, Any] | None = None,
        *, timestamp: Time | None = None,
    ) -> str | None:
        """Open a session and return its id (None when the input was rejected).

        ``properties`` are merged into the user's properties (see ``segment_users``).
        """
        if self._closed:
            return None
        pseudonym = self._check.user(user_id)
        props = self._check.properties(properties)
        t = self._check.time(timestamp)
        if pseudonym is None or props is INVALID or t is None:
            return None
        return self._events.start_session(pseudonym, t, props)

    def end_session(self, session_id: str, *, timestamp: Time | None = None) -> float | None:
        """Close a session; return its duration in seconds (None for an unknown id).

        A session already closed by the idle timeout returns that duration; unknown ids are
        bad input.
        """
        t = self._check.time(timestamp)
        if t is None or not self._check.session_id(session_id):
            return None
        duration = self._events.end_session(session_id, t)
        if duration is None:
            self._check.reject("analytics.unknown_session",
                               "end_session() got a session id neither open nor recently ended")
        return duration

    def set_user_properties(self, user_id: str | int, properties: Mapping[str, Any]) -> None:
        """Merge ``properties`` into the user's properties (used by ``segment_users`` rules)."""
        pseudonym = self._check.user(user_id)
        props = self._check.properties(properties)
        if pseudonym is not None and props is not INVALID and props:
            self._events.set_properties(pseudonym, props)

    # --- engagement, funnels, retention, segments --------------------------------------

    def get_engagement_metrics(
        self, *, now: Time | None = None, session_window_s: float = 30 * _DAY
    ) -> EngagementMetrics:
        """DAU/WAU/MAU, stickiness, sessions, durations, bounce rate, new vs returning users.

        Sessions that started within ``session_window_s`` before ``now`` are summarised
        (open ones up to their last activity; sessions idle at ``now`` are closed first).
        Each held user's first-seen time counts as activity, so a returning user stays
        returning after their early events leave the buffer.

        Raises:
            ValueError: A bad ``now`` or ``session_window_s``.
        """
        t = self._now(now)
        window = positive("session_window_s", session_window_s)
        sessions, c, firsts = reads.engagement_inputs(self._events, t, window)
        result = engagement_columns(sessions, c.users, c.times, c.sessions, t, firsts)
        return extend(EngagementMetrics, result, now=t, session_window_s=window)

    def get_conversion_metrics(
        self, steps: Sequence[str], window_s: float = 14 * _DAY, *, now: Time | None = None
    ) -> ConversionMetrics:
        """Ordered funnel over the buffered events up to ``now`` (PostHog's definition).

        Raises:
            ValueError: Empty or non-str ``steps``, a bad ``window_s`` or ``now``.
        """
        t = self._now(now)
        c, _firsts = reads.query_inputs(self._events, names=True)
        result = funnel_columns(c.users, c.times, c.names, c.name_keys, steps, window_s,
                                until=t)
        return extend(ConversionMetrics, result, now=t)

    def get_retention_metrics(
        self, period: str = "day", periods: int = 8, *, now: Time | None = None
    ) -> RetentionMetrics:
        """Cohort retention ("return on" and "on or after") with the size-weighted curve.

        Cohorts come from each held user's first-seen time, activity from buffered events.

        Raises:
            ValueError: ``period`` not 'day' or 'week', ``periods`` < 1, or a bad ``now``.
        """
        t = self._now(now)
        c, firsts = reads.query_inputs(self._events, names=False)
        result = retention_columns(firsts, c.users, c.times, period=period, periods=periods,
                                   now=t)
        users = sum(1 for f in firsts if f is not None and f <= t)
        return extend(RetentionMetrics, result, users=users)

    def segment_users(
        self, rules: Mapping[str, Any] | None = None, *, now: Time | None = None
    ) -> UserSegments:
        """Built-in segments and rule-based ones on user properties (pseudonymised members).

        See :mod:`otel_measure.instruments.analytics.segments` for the definitions.

        Raises:
            ValueError: Malformed rules, a rule named like a built-in segment, or a bad ``now``.
        """
        t = self._now(now)
        events = self._events
        return _segment_users(reads.snapshot_users(events), reads.snapshot_events(events),
                              t, rules)

    # --- NPS -------------------------------------------------------------------------------

    def record_nps_response(
        self, user_id: str | int, score: int, comment: str | None = None,
        segment: str | None = None, *, timestamp: Time | None = None,
    ) -> None:
        """Record an NPS answer: ``score`` an int 0-10; comment and segment optional text.

        The comment is kept in the bounded buffer only, never exported or shown.
        """
        if self._closed or not self._check.nps(score, comment, segment):
            return
        pseudonym = self._check.user(user_id)
        t = self._check.time(timestamp)
        if pseudonym is not None and t is not None:
            self._nps.record(pseudonym, score, comment, segment, t)

    def get_nps_metrics(
        self, segment: str | None = None, *, window_s: float | None = None,
        now: Time | None = None, confidence: float = 0.95,
    ) -> NPSMetrics:
        """NPS with counts, shares and its margin of error over the buffered responses.

        Args:
            segment: Only responses recorded with this segment; None for all.
            window_s: Only responses within this many seconds before ``now``; None for all.
            now: Reference time (responses after it are ignored).
            confidence: Level of the interval.

        Raises:
            ValueError: A bad segment, window, ``now`` or confidence.
        """
        t = self._now(now)
        if segment is not None and not isinstance(segment, str):
            raise ValueError(f"segment={segment!r} is not allowed; expected a str or None")
        since = -math.inf if window_s is None else t - positive("window_s", window_s)
        scores = [r[2] for r in self._nps.snapshot()
                  if since < r[0] <= t and (segment is None or r[3] == segment)]
        result = nps(scores, confidence)
        return extend(NPSMetrics, result, segment=segment, window_s=window_s, now=t)

    # --- A/B tests -------------------------------------------------------------------------

    def create_ab_test(
        self,
        name: str,
        variants: Sequence[str] = ("control", "treatment"),
        weights: Sequence[float] | Mapping[str, float] | None = None,
        *,
        goal_event: str | None = None,
        metric: str = "conversion",
        alpha: float = 0.05,
    ) -> ABTest:
        """Define an A/B test (the first variant is the control); idempotent when identical.

        Args:
            name: Test name, the ``experiment`` attribute of the exported counters.
            variants: 2 to 20 distinct names, the control first.
            weights: Traffic split (any positive scale; None for equal), as a sequence
                aligned with ``variants`` or a mapping from variant name.
            goal_event: ``track_event`` name that converts an exposed user (its revenue,
                or 1, is the value for mean tests).
            metric: ``"conversion"`` (share of exposed users converting) or ``"mean"``
                (mean per exposed user of the values given to ``record_conversion``).
            alpha: Significance level.

        Raises:
            ValueError: A bad argument, another test under this name, or too many tests.
        """
        return self._experiments.create(name, variants, weights, goal_event, metric, alpha,
                                        self._clock())

    def assign_variant(self, test: str, user_id: str | int) -> str | None:
        """Return the user's variant: SHA-256 of test name and id into buckets by weight.

        Sticky across calls, processes and keys; the first call per held user counts an
        exposure. Returns None when the input is rejected (unknown test, bad id).
        """
        if not self._experiments.known(test):
            self._check.unknown_test(test)
            return None
        pseudonym = self._check.user(user_id)
        if pseudonym is None or self._closed:
            return None
        return self._experiments.assign(test, user_id, pseudonym)

    def record_conversion(self, test: str, user_id: str | int, value: float = 1.0) -> None:
        """Convert an exposed user; ``value`` (>= 0) adds to their total in mean tests.

        Conversion tests count each user once, whatever the value. A user never assigned
        to the test is bad input (conversions count only after exposure).
        """
        if not self._experiments.known(test):
            self._check.unknown_test(test)
            return
        if not self._check.amount("analytics.bad_conversion_value", "value", value):
            return
        pseudonym = self._check.user(user_id)
        if pseudonym is None or self._closed:
            return
        if not self._experiments.convert(test, pseudonym, float(value)):
            self._check.reject(
                "analytics.conversion_without_exposure",
                f"record_conversion({test!r}, ...) for a user never assigned to it (call "
                "assign_variant first)")

    def get_ab_test_results(
        self, test: str, *, now: Time | None = None, min_sample: float = 150.0,
        min_count: int = 5, power: float = 0.8, method: str = "gbstats",
    ) -> ABTestResults:
        """Per-variant rates or means, lifts with intervals, p-values (Holm with several
        treatments), chance to beat control, SRM check and a verdict.

        Args:
            test: Test name.
            now: Time of the readout.
            min_sample: Metric total the larger arm must reach before a verdict (GrowthBook).
            min_count: Minimum users, conversions and non-conversions per arm (PostHog).
            power: Power behind ``sample_size_needed``.
            method: ``"gbstats"`` (gbstats 0.8's t-test on the relative lift), ``"welch"``
                or ``"pooled-z"`` (conversions); see ``calculators.experiments``.

        Raises:
            ValueError: Unknown test or a bad ``min_sample``, ``min_count``, ``power``,
                ``now`` or ``method``.
        """
        return self._experiments.results(test, self._now(now), min_sample, min_count, power,
                                         method)

    def get_ab_tests(self) -> tuple[ABTest, ...]:
        """Return every test's definition, in creation order."""
        return self._experiments.definitions()

    # --- dashboard and lifecycle -------------------------------------------------------------

    def get_revenue_metrics(
        self, *, window_s: float = 30 * _DAY, now: Time | None = None
    ) -> RevenueMetrics:
        """Total, events and paying users over the buffered revenue events in the window.

        Raises:
            ValueError: A bad ``window_s`` or ``now``.
        """
        t = self._now(now)
        window = positive("window_s", window_s)
        rows = [r for r in reads.snapshot_revenue(self._events) if t - window < r[0] <= t]
        return RevenueMetrics(total=math.fsum(r[3] for r in rows), events=len(rows),
                              paying_users=len({r[1] for r in rows}), window_s=window, now=t)

    def state_summary(self) -> dict[str, Any]:
        """Sizes of the bounded state: users, buffers, open sessions, evictions."""
        return {**reads.sizes(self._events), "nps_responses": self._nps.total,
                "pseudonym_key": "configured" if self._pseudonym.keyed else "random per process"}

    def dashboard_section(self, *, now: Time | None = None) -> dict[str, Any]:
        """Engagement, NPS with its interval, every A/B verdict, the latest retention curve."""
        return build_section(self, self._now(now))

    def close(self) -> None:
        """End open sessions (recording their durations) and ignore later recordings."""
        if not self._closed:
            self._closed = True
            self._events.close_all()
