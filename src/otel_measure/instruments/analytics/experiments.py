"""A/B tests: sticky assignment, per-variant sufficient statistics and their counters.

Each exposed user contributes one observation x to their variant: 1 or 0 (converted or
not) for a conversion test, the sum of their values for a mean test. The variant keeps
n, Σx, Σx² and M2 = Σ(x − x̄)² (from exact rational sums, since a user's value changes),
and exports them (counters exposures, value.sum, value.sum_squares; gauge value.m2;
attributes ``experiment`` and ``variant``), and each test's definition as the gauge
``measure.experiment.info`` (1 per variant; share, control, metric kind, goal event and
alpha as attributes: exactly what ``results`` passes to the calculator). Per-process n,
Σx and M2 merge exactly across a fleet with Chan's formula (``ArmStats.merge``), Σx² only
by plain summing, which loses the variance of values with a large mean. Values must be
non-negative, which keeps every counter increment non-negative.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from otel_measure.calculators.experiments import ArmStats, analyze_experiment
from otel_measure.instruments._rejections import safe_repr, text_problem
from otel_measure.instruments.analytics.events import EventStore
from otel_measure.instruments.analytics.privacy import BUCKETS, bucket_of, variant_for
from otel_measure.instruments.analytics.results import ABTest, ABTestResults, extend
from otel_measure.instruments.analytics.state import User
from otel_measure.names import create_instrument
from otel_measure.names.analytics import (
    EXPERIMENT_CONVERSIONS,
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_INFO,
    EXPERIMENT_VALUE_M2,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)
from otel_measure.names.attributes import (
    ATTR_EXPERIMENT,
    ATTR_EXPERIMENT_ALPHA,
    ATTR_EXPERIMENT_CONTROL,
    ATTR_EXPERIMENT_GOAL_EVENT,
    ATTR_EXPERIMENT_METRIC,
    ATTR_EXPERIMENT_WEIGHT,
    ATTR_VARIANT,
)

__all__ = ["METRICS", "ExperimentStore"]

METRICS = ("conversion", "mean")
_MAX_NAME = 100
_MAX_VARIANTS = 20


@dataclass
class _Arm:
    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0
    converted: int = 0
    exact_sum: Fraction = Fraction(0)
    exact_sq: Fraction = Fraction(0)

    def replace(self, old: float, new: float) -> None:
        """Change one user's value from ``old`` to ``new`` in the exact rational sums.

        A user's value moves from 0 to its total, so a running Welford update would pass
        through a huge intermediate spread; exact sums keep M2 correctly rounded instead.
        """
        before, after = Fraction(old), Fraction(new)
        self.exact_sum += after - before
        self.exact_sq += after * after - before * before

    @property
    def m2(self) -> float:
        """Σ(x − x̄)² of the users' values, correctly rounded."""
        if not self.n:
            return 0.0
        return max(0.0, float(self.exact_sq - self.exact_sum * self.exact_sum / self.n))

    def arm_stats(self, metric: str) -> ArmStats:
        """Return the arm as calculator statistics (counts, or n, Σx and the stable M2)."""
        if metric == "conversion":
            return ArmStats.from_counts(self.n, self.converted)
        return ArmStats.from_sums(self.n, float(self.exact_sum), m2=self.m2)


@dataclass
class _Test:
    definition: ABTest
    bounds: tuple[int, ...]
    attrs: tuple[dict[str, str], ...]
    arms: list[_Arm] = field(default_factory=list)
    info: tuple[dict[str, Any], ...] = ()


def _info_attributes(test: ABTest) -> tuple[dict[str, Any], ...]:
    # The definition inputs of ``results``: control (the first variant), shares, metric, alpha.
    goal = {} if test.goal_event is None else {ATTR_EXPERIMENT_GOAL_EVENT: test.goal_event}
    return tuple({ATTR_EXPERIMENT: test.name, ATTR_VARIANT: variant,
                  ATTR_EXPERIMENT_WEIGHT: weight, ATTR_EXPERIMENT_CONTROL: i == 0,
                  ATTR_EXPERIMENT_METRIC: test.metric, ATTR_EXPERIMENT_ALPHA: test.alpha,
                  **goal}
                 for i, (variant, weight) in enumerate(zip(test.variants, test.weights,
                                                           strict=True)))


def _check_name(arg: str, value: object) -> str:
    problem = text_problem(value, _MAX_NAME)
    if problem is not None:
        raise ValueError(
            f"{arg}={safe_repr(value)} is not allowed: {problem} (a non-empty str of at most "
            f"{_MAX_NAME} characters, valid Unicode, no control characters)"
        )
    assert isinstance(value, str)
    return value


def _check_variants(variants: object) -> tuple[str, ...]:
    if isinstance(variants, str) or not isinstance(variants, Sequence):
        raise ValueError(f"variants={variants!r} is not allowed; expected a sequence of names")
    out = tuple(_check_name("variants[]", v) for v in variants)
    if not 2 <= len(out) <= _MAX_VARIANTS or len(set(out)) != len(out):
        raise ValueError(
            f"variants={variants!r} is not allowed; expected 2 to {_MAX_VARIANTS} distinct "
            "names, the control first"
        )
    return out


def _check_weights(weights: object, variants: tuple[str, ...]) -> tuple[float, ...]:
    if weights is None:
        return tuple(1.0 / len(variants) for _ in variants)
    if isinstance(weights, Mapping):
        if set(weights) != set(variants):
            raise ValueError(
                f"weights={weights!r} is not allowed; its keys must be the variants {variants!r}"
            )
        raw: list[Any] = [weights[v] for v in variants]
    elif isinstance(weights, Sequence) and not isinstance(weights, str):
        raw = list(weights)
    else:
        raw = []
    if len(raw) != len(variants) or not all(
        isinstance(w, numbers.Real) and not isinstance(w, bool) and math.isfinite(float(w))
        and float(w) > 0 for w in raw
    ):
        raise ValueError(
            f"weights={weights!r} is not allowed; expected one positive finite number per "
            f"variant ({len(variants)}), as a sequence or a mapping"
        )
    total = math.fsum(float(w) for w in raw)
    return tuple(float(w) / total for w in raw)


def _bounds(weights: tuple[float, ...]) -> tuple[int, ...]:
    # Cumulative shares of the bucket space; the last variant takes any rounding rest.
    out, running = [], 0.0
    for w in weights[:-1]:
        running += w
        out.append(min(BUCKETS, round(running * BUCKETS)))
    out.append(BUCKETS)
    return tuple(out)


class ExperimentStore:
    """A/B test definitions and per-variant statistics; per-user exposure lives in users.

    Args:
        meter: Meter the counters are created on.
        events: The event store, whose lock and user table hold the exposures.
        max_experiments: How many tests may be created.
    """

    def __init__(self, meter: Meter, events: EventStore, max_experiments: int) -> None:
        self._events = events
        self._max = max_experiments
        self._tests: dict[str, _Test] = {}
        self.goals: dict[str, list[_Test]] = {}
        self._exposures = create_instrument(meter, EXPERIMENT_EXPOSURES)
        self._conversions = create_instrument(meter, EXPERIMENT_CONVERSIONS)
        self._sum = create_instrument(meter, EXPERIMENT_VALUE_SUM)
        self._sum_sq = create_instrument(meter, EXPERIMENT_VALUE_SUM_SQUARES)
        create_instrument(meter, EXPERIMENT_VALUE_M2, callbacks=[self._observe_m2])
        create_instrument(meter, EXPERIMENT_INFO, callbacks=[self._observe_info])

    def _observe_m2(self, _options: CallbackOptions) -> list[Observation]:
        with self._events.locked():
            return [Observation(arm.m2, attrs) for test in self._tests.values()
                    for arm, attrs in zip(test.arms, test.attrs, strict=True)]

    def _observe_info(self, _options: CallbackOptions) -> list[Observation]:
        with self._events.locked():
            return [Observation(1, attrs) for test in self._tests.values()
                    for attrs in test.info]

    def create(
        self,
        name: object,
        variants: object,
        weights: object,
        goal_event: object,
        metric: object,
        alpha: object,
        now: float,
    ) -> ABTest:
        """Define a test (idempotent for an identical definition).

        Raises:
            ValueError: A bad argument, a different test under the same name, or more
                than ``max_experiments`` tests.
        """
        test_name = _check_name("name", name)
        names_ = _check_variants(variants)
        shares = _check_weights(weights, names_)
        if goal_event is not None:
            _check_name("goal_event", goal_event)
        if not isinstance(metric, str) or metric not in METRICS:
            raise ValueError(f"metric={metric!r} is not one of 'conversion', 'mean'")
        if (isinstance(alpha, bool) or not isinstance(alpha, numbers.Real)
                or not 0.0 < float(alpha) < 1.0):
            raise ValueError(f"alpha={alpha!r} is not allowed; expected a number in (0, 1)")
        goal = goal_event if isinstance(goal_event, str) else None
        with self._events.locked():
            existing = self._tests.get(test_name)
            if existing is not None:
                old = existing.definition
                if (old.variants, old.weights, old.goal_event, old.metric, old.alpha) == (
                        names_, shares, goal, metric, float(alpha)):
                    return old
                raise ValueError(
                    f"name={test_name!r} is already an A/B test with another definition "
                    f"({old.to_dict()}); pick a new name"
                )
            if len(self._tests) >= self._max:
                raise ValueError(
                    f"name={test_name!r} is not allowed: max_experiments={self._max} tests "
                    "exist already (AnalyticsOptions.max_experiments)"
                )
            definition = ABTest(test_name, names_, shares, goal, metric, float(alpha), now)
            attrs = tuple({ATTR_EXPERIMENT: test_name, ATTR_VARIANT: v}
                          for v in names_)
            test = _Test(definition, _bounds(shares), attrs, [_Arm() for _ in names_],
                         _info_attributes(definition))
            self._tests[test_name] = test
            if goal is not None:
                self.goals.setdefault(goal, []).append(test)
        return definition

    def known(self, name: object) -> bool:
        """Whether ``name`` is a created test."""
        return isinstance(name, str) and name in self._tests

    def definitions(self) -> tuple[ABTest, ...]:
        """Return every test's definition, in creation order."""
        with self._events.locked():
            return tuple(t.definition for t in self._tests.values())

    def assign(self, name: str, user_id: str | int, pseudonym: str) -> str:
        """Return the user's variant, counting the exposure the first time."""
        test = self._tests[name]
        index = variant_for(bucket_of(name, user_id), test.bounds)
        events = self._events
        with self._events.locked():
            state = events.user(pseudonym, None)
            if state.tests is None:
                state.tests = {}
            entry = state.tests.get(name)
            first = entry is None
            if first:
                state.tests[name] = [index, 0.0, False]
                arm = test.arms[index]
                arm.n += 1  # a new user with value 0
            else:
                index = entry[0]  # type: ignore[index]
        if first:
            self._exposures.add(1, test.attrs[index])
        return test.definition.variants[index]

    def convert(self, name: str, pseudonym: str, value: float) -> bool:
        """Record a conversion of an exposed user; False when the user was not exposed."""
        with self._events.locked():
            state = self._events.users.get(pseudonym)
            if state is None:
                return False
            return self._convert(self._tests[name], state, value)

    def on_goal(self, state: User, event_name: str, revenue: float | None) -> None:
        """Convert the user in every test whose goal is ``event_name`` (lock held)."""
        value = 1.0 if revenue is None else revenue
        for test in self.goals.get(event_name, ()):
            self._convert(test, state, value)

    def _convert(self, test: _Test, state: User, value: float) -> bool:
        entry = state.tests.get(test.definition.name) if state.tests else None
        if entry is None:
            return False
        index, old, converted = entry
        arm, attrs = test.arms[index], test.attrs[index]
        if test.definition.metric == "conversion":
            if converted:
                return True
            delta, delta_sq = 1.0, 1.0
            entry[1] = 1.0
        else:
            new = old + value
            delta, delta_sq = value, new * new - old * old
            entry[1] = new
        arm.total += delta
        arm.total_sq += delta_sq
        arm.replace(old, old + delta)
        if not converted:
            entry[2] = True
            arm.converted += 1
            self._conversions.add(1, attrs)
        # Rare (a goal reached once per user for conversions): adding under the lock is fine.
        self._sum.add(delta, attrs)
        self._sum_sq.add(delta_sq, attrs)
        return True

    def results(
        self, name: str, now: float, min_sample: float, min_count: int, power: float,
        method: str = "gbstats",
    ) -> ABTestResults:
        """Analyse the test with :func:`~otel_measure.calculators.experiments.analyze_experiment`.

        Raises:
            ValueError: Unknown test, or a bad ``min_sample``, ``min_count``, ``power`` or
                ``method``.
        """
        if not self.known(name):
            raise ValueError(
                f"test={name!r} is not an A/B test; known tests: {sorted(self._tests)!r}"
            )
        test = self._tests[name]
        definition = test.definition
        with self._events.locked():
            stats = [a.arm_stats(definition.metric) for a in test.arms]
            converted = [a.converted for a in test.arms]
        arms = dict(zip(definition.variants, stats, strict=True))
        result = analyze_experiment(
            arms,
            control=definition.variants[0],
            weights=dict(zip(definition.variants, definition.weights, strict=True)),
            metric=definition.metric,
            alpha=definition.alpha,
            min_sample=min_sample,
            min_count=min_count,
            power=power,
            method=method,
        )
        conversions = dict(zip(definition.variants, converted, strict=True))
        return extend(ABTestResults, result, test=definition, conversions=conversions, now=now)
