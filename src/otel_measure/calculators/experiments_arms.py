"""Mergeable per-arm sufficient statistics for A/B tests.

The spread is kept as Welford's M2 = Σ(x − x̄)², merged with Chan et al.'s parallel
formula, so the variance does not suffer the cancellation of Σx² − (Σx)²/n for data with a
large mean. n, Σx and M2 are what an arm exports; Σx² is still offered for sums-only
backends.
Import these through :mod:`otel_measure.calculators.experiments`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from otel_measure.calculators._result import Result
from otel_measure.calculators.experiments_inference import check_count, check_finite

__all__ = ["ArmStats", "ArmSummary"]


@dataclass(frozen=True)
class ArmSummary(Result):
    """Snapshot of an arm's statistics.

    Attributes:
        n: Number of values (users).
        total: Σx.
        total_sq: Σx².
        mean: Σx / n (NaN when n = 0).
        variance: Sample variance, ddof 1 (NaN when n < 2).
        is_binary: Every value is 0 or 1 (a conversion arm).
    """

    n: int
    total: float
    total_sq: float
    mean: float
    variance: float
    is_binary: bool


class ArmStats:
    """Streaming, mergeable n / Σx / Σx² for one experiment arm."""

    __slots__ = ("_binary", "_m2", "_mean", "_n", "_total")

    def __init__(self) -> None:
        """Start an empty arm."""
        self._n = 0
        self._total = 0.0
        self._mean = 0.0
        self._m2 = 0.0
        self._binary = True

    @classmethod
    def from_counts(cls, n: int, conversions: int) -> ArmStats:
        """Build a conversion arm from its user and conversion counts.

        Raises:
            ValueError: Counts are not integers with 0 <= conversions <= n.
        """
        size = check_count("n", n)
        conv = check_count("conversions", conversions)
        if conv > size:
            raise ValueError(f"conversions={conversions!r} is not allowed; it exceeds n={n!r}")
        arm = cls()
        arm._n = size
        arm._total = float(conv)
        if size:
            arm._mean = conv / size
            arm._m2 = conv * (size - conv) / size
        return arm

    @classmethod
    def from_sums(
        cls, n: int, total: float, total_sq: float | None = None, *, m2: float | None = None
    ) -> ArmStats:
        """Build an arm from exported sufficient statistics (n, Σx and M2 or Σx²).

        Pass ``m2`` = Σ(x − x̄)² (the ``value.m2`` export, merged across processes with
        Chan's formula) whenever it is known: it keeps the variance exact for data with a
        large mean. With only Σx², M2 is Σx² − (Σx)²/n evaluated in exact rational
        arithmetic on the given floats, so no cancellation is added; a float Σx² of values
        near 1e8 has already lost the variance, which no formula can recover.

        Raises:
            ValueError: n is not a non-negative integer, a sum is not finite, Σx² or M2 < 0,
                neither Σx² nor M2 given, or n = 0 with non-zero sums.
        """
        size = check_count("n", n)
        s1 = check_finite("total", total)
        if m2 is None and total_sq is None:
            raise ValueError("total_sq=None and m2=None: give M2 (preferred) or Σx²")
        s2 = None if total_sq is None else check_finite("total_sq", total_sq)
        spread = None if m2 is None else check_finite("m2", m2)
        for name, value in (("total_sq", s2), ("m2", spread)):
            if value is not None and value < 0:
                raise ValueError(f"{name}={value!r} is not allowed; a sum of squares is >= 0")
        if size == 0 and (s1 != 0 or s2 or spread):
            raise ValueError(f"total={total!r}, total_sq={total_sq!r}, m2={m2!r} must be 0 "
                             "when n=0")
        arm = cls()
        arm._n = size
        arm._total = s1
        if size:
            arm._mean = s1 / size
            if spread is None:
                assert s2 is not None
                exact = Fraction(s2) - Fraction(s1) * Fraction(s1) / size
                spread = max(0.0, float(exact))  # < 0 only for inconsistent sums
            arm._m2 = spread
        whole = s1.is_integer() and 0 <= s1 <= size
        if s2 is not None:
            arm._binary = whole and s2 == s1
        else:
            arm._binary = whole and (size == 0 or math.isclose(
                arm._m2, s1 * (size - s1) / size, rel_tol=1e-12, abs_tol=1e-12))
        return arm

    @classmethod
    def from_values(cls, values: Iterable[float]) -> ArmStats:
        """Build an arm by adding every value."""
        arm = cls()
        for value in values:
            arm.add(value)
        return arm

    def add(self, value: float) -> None:
        """Add one observation (a 0/1 conversion, or a metric value; bools count as 0/1).

        Raises:
            ValueError: The value is not a finite real number.
        """
        if not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ValueError(f"value={value!r} is not allowed; expected a finite number")
        x = float(value)
        self._n += 1
        self._total += x
        delta = x - self._mean
        self._mean += delta / self._n
        self._m2 += delta * (x - self._mean)
        if x != 0.0 and x != 1.0:
            self._binary = False

    def merge(self, other: ArmStats) -> None:
        """Add another arm's statistics into this one.

        Raises:
            ValueError: ``other`` is not an ArmStats.
        """
        if not isinstance(other, ArmStats):
            raise ValueError(f"other={other!r} is not allowed; expected an ArmStats")
        if other._n == 0:
            return
        n = self._n + other._n
        delta = other._mean - self._mean
        self._mean += delta * other._n / n
        self._m2 += other._m2 + delta * delta * self._n * other._n / n
        self._n = n
        self._total += other._total
        self._binary = self._binary and other._binary

    @property
    def n(self) -> int:
        """Number of observations."""
        return self._n

    @property
    def total(self) -> float:
        """Σx (the conversion count for 0/1 data)."""
        return self._total

    @property
    def total_sq(self) -> float:
        """Σx² (exactly Σx for 0/1 data)."""
        if self._binary:
            return self._total
        if self._n == 0:  # pragma: no cover - an empty arm is binary (every constructor)
            return 0.0
        return self._m2 + self._total * self._total / self._n

    @property
    def mean(self) -> float:
        """Σx / n, NaN when empty."""
        return self._total / self._n if self._n else math.nan

    @property
    def variance(self) -> float:
        """Sample variance (ddof 1), NaN with fewer than two observations."""
        return self._m2 / (self._n - 1) if self._n >= 2 else math.nan

    @property
    def m2(self) -> float:
        """Σ(x − x̄)², Welford's spread (merge across processes with Chan's formula)."""
        return self._m2

    @property
    def is_binary(self) -> bool:
        """Whether every observation was 0 or 1."""
        return self._binary

    def result(self) -> ArmSummary:
        """Return a frozen snapshot of the statistics."""
        return ArmSummary(
            self._n, self._total, self.total_sq, self.mean, self.variance, self._binary
        )

    def __repr__(self) -> str:
        """Show the sufficient statistics."""
        return f"ArmStats(n={self._n}, total={self._total!r}, total_sq={self.total_sq!r})"
