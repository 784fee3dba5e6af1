"""Fixed-bin drift accumulators: bin layouts come from the baseline, counts are mergeable.

Numeric layout (``len(edges) + 1`` counts): index 0 counts values below ``edges[0]``,
index ``i`` (1 <= i < len(edges)) counts ``edges[i-1] <= v < edges[i]`` (the last interior bin
also holds ``v == edges[-1]``, as in ``numpy.histogram``), and the last index counts values
above ``edges[-1]``. A constant baseline gives ``edges = (c, c)``: one interior bin holding
exactly ``c``. Categorical layout: one count per baseline category, in order, then one
overflow count for every value not seen in the baseline. ``value_counts`` and
``sturges_counts`` count two raw samples on bins of their own (what ``detect`` does);
``sturges_edges`` gives numpy's 'sturges' edges for a range and a sample size.
Import through :mod:`otel_measure.calculators.drift`.
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections.abc import Hashable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from otel_measure.calculators._result import Result
from otel_measure.calculators.stats import check_real, finite_floats, quantile_sorted

__all__ = [
    "CategoricalHistogram",
    "HistogramCounts",
    "NumericBinner",
    "NumericHistogram",
    "check_category",
    "sturges_counts",
    "sturges_edges",
    "value_counts",
]


@dataclass(frozen=True)
class HistogramCounts(Result):
    """Snapshot of a drift histogram.

    Attributes:
        kind: "numeric" or "categorical".
        labels: bin edges (numeric) or categories (categorical).
        counts: count per bin, overflow bins included (see the module layout).
        total: sum of the counts.
    """

    kind: str
    labels: tuple[Hashable, ...]
    counts: tuple[int, ...]
    total: int


def _check_edges(edges: Iterable[float]) -> tuple[float, ...]:
    values = tuple(finite_floats("edges", edges))
    if not values:
        raise ValueError("edges=() is not allowed; expected at least one edge")
    if len(values) == 1:
        values = (values[0], values[0])
    if len(values) == 2 and values[0] == values[1]:
        return values
    for left, right in pairwise(values):
        if not left < right:
            raise ValueError(
                f"edges={values!r} is not allowed; expected strictly increasing edges "
                "(or two equal edges for a constant baseline)"
            )
    return values


class NumericBinner:
    """Bin layout for a numeric feature: explicit edges, baseline quantiles or sturges."""

    __slots__ = ("edges",)

    def __init__(self, edges: Iterable[float]) -> None:
        """Use explicit ``edges`` (strictly increasing, finite)."""
        self.edges: tuple[float, ...] = _check_edges(edges)

    @classmethod
    def from_baseline(cls, values: Iterable[float], bins: int = 10) -> NumericBinner:
        """Edges at the baseline quantiles 0, 1/bins, ..., 1 (numpy 'linear'), ties merged.

        Raises:
            ValueError: if ``values`` is empty or non-finite, or ``bins`` is not a positive int.
        """
        if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
            raise ValueError(f"bins={bins!r} is not allowed; expected a positive integer")
        data = sorted(finite_floats("values", values))
        if not data:
            raise ValueError("values=[] is not allowed; expected at least one baseline value")
        edges: list[float] = []
        for i in range(bins + 1):
            edge = quantile_sorted(data, i / bins) if 0 < i < bins else data[0 if i == 0 else -1]
            if not edges or edge > edges[-1]:
                edges.append(edge)
        return cls(edges)

    @classmethod
    def sturges(cls, values: Iterable[float], size: int | None = None) -> NumericBinner:
        """numpy's 'sturges' edges over the range of ``values``, for ``size`` values.

        ``size`` (default: how many ``values``) is the sample size the bin count is
        computed for: Evidently bins baseline and current together, so a layout fixed
        from a baseline of n values for windows of w values passes n + w.

        Raises:
            ValueError: if ``values`` is empty or non-finite, or ``size`` < len(values).
        """
        data = finite_floats("values", values)
        if not data:
            raise ValueError("values=[] is not allowed; expected at least one baseline value")
        total = len(data) if size is None else size
        if isinstance(total, bool) or not isinstance(total, int) or total < len(data):
            raise ValueError(f"size={size!r} is not allowed; expected an int >= {len(data)}, "
                             "the number of values")
        return cls(sturges_edges(min(data), max(data), total))

    def index(self, value: float) -> int:
        """Return the bin index of ``value`` (0 = below the range, last = above it)."""
        edges = self.edges
        if value == edges[-1]:
            return len(edges) - 1
        return bisect_right(edges, value)

    def histogram(self, values: Iterable[float] = ()) -> NumericHistogram:
        """Return a new accumulator on these edges, filled with ``values``."""
        hist = NumericHistogram(self.edges)
        hist.update(values)
        return hist


class _BinCounts:
    """Shared bookkeeping of the two histogram kinds: merge, counts, frozen result."""

    __slots__ = ()
    _KIND = ""
    _LAYOUT = ""
    _counts: list[int]

    def _layout(self) -> tuple[Hashable, ...]:
        raise NotImplementedError  # pragma: no cover - abstract: each subclass defines it

    def add(self, value: Any) -> None:  # pragma: no cover - both subclasses define it
        raise NotImplementedError

    def update(self, values: Iterable[Any]) -> None:
        """Count every value in ``values``."""
        for value in values:
            self.add(value)

    def merge(self, other: _BinCounts) -> None:
        """Add the counts of ``other``, which must have an identical bin layout."""
        if type(other) is not type(self):
            raise ValueError(f"other={other!r} is not allowed; expected a {type(self).__name__}")
        if other._layout() != self._layout():
            raise ValueError(
                f"other.{self._LAYOUT}={other._layout()!r} is not allowed; expected the same "
                f"{self._LAYOUT} {self._layout()!r}"
            )
        for i, c in enumerate(other._counts):
            self._counts[i] += c

    def counts(self) -> tuple[int, ...]:
        """Return the counts: below range, interior bins, above range (numeric), or per
        category then the overflow count (categorical)."""
        return tuple(self._counts)

    def result(self) -> HistogramCounts:
        """Return a frozen snapshot."""
        counts = self.counts()
        return HistogramCounts(self._KIND, self._layout(), counts, sum(counts))


class NumericHistogram(_BinCounts):
    """Mergeable counts of numeric values on fixed edges; ``add`` costs one bisection."""

    __slots__ = ("_counts", "_edges", "_last", "_n_edges")
    _KIND = "numeric"
    _LAYOUT = "edges"

    def __init__(self, edges: Iterable[float]) -> None:
        """Start empty on ``edges`` (see the module docstring for the bin layout)."""
        self._edges: tuple[float, ...] = _check_edges(edges)
        self._last = self._edges[-1]
        self._n_edges = len(self._edges)
        self._counts = [0] * (self._n_edges + 1)

    @property
    def edges(self) -> tuple[float, ...]:
        """The fixed bin edges."""
        return self._edges

    def _layout(self) -> tuple[Hashable, ...]:
        return self._edges

    @property
    def total(self) -> int:
        """Number of values added."""
        return sum(self._counts)

    def add(self, value: float) -> None:
        """Count one value; ±inf land in the out-of-range bins, NaN raises ValueError."""
        if value != value or not isinstance(value, (int, float)) or isinstance(value, bool):
            value = check_real("value", value)
        if value == self._last:
            self._counts[self._n_edges - 1] += 1
        else:
            self._counts[bisect_right(self._edges, value)] += 1


def check_category(name: str, value: object) -> Hashable:
    """Return ``value`` if it is a usable category (hashable, not None, not NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name}={value!r} is not allowed; expected a category value")
    try:
        hash(value)
    except TypeError:
        raise ValueError(f"{name}={value!r} is not allowed; expected a hashable value") from None
    return value


class CategoricalHistogram(_BinCounts):
    """Mergeable counts per baseline category, plus one overflow bin for unseen values."""

    __slots__ = ("_categories", "_counts", "_index")
    _KIND = "categorical"
    _LAYOUT = "categories"

    def _layout(self) -> tuple[Hashable, ...]:
        return self._categories

    def __init__(self, categories: Sequence[Hashable]) -> None:
        """Start empty on ``categories`` (distinct, not None or NaN)."""
        if isinstance(categories, (str, bytes)):
            raise ValueError(
                f"categories={categories!r} is not allowed; expected a sequence of categories"
            )
        cats = tuple(check_category(f"categories[{i}]", c) for i, c in enumerate(categories))
        index: dict[Hashable, int] = {}
        for i, c in enumerate(cats):
            if c in index:
                raise ValueError(f"categories[{i}]={c!r} is not allowed; it is a duplicate")
            index[c] = i
        self._categories = cats
        self._index = index
        self._counts = [0] * (len(cats) + 1)

    @classmethod
    def from_baseline(cls, values: Iterable[Hashable]) -> CategoricalHistogram:
        """Categories of ``values`` (sorted when comparable, else first-seen), filled with them."""
        data = [check_category(f"values[{i}]", v) for i, v in enumerate(values)]
        distinct = list(dict.fromkeys(data))
        with suppress(TypeError):
            distinct = sorted(distinct)  # type: ignore[type-var]
        hist = cls(distinct)
        hist.update(data)
        return hist

    @property
    def categories(self) -> tuple[Hashable, ...]:
        """The fixed categories (the overflow bin comes after them)."""
        return self._categories

    @property
    def total(self) -> int:
        """Number of values added."""
        return sum(self._counts)

    def empty_like(self) -> CategoricalHistogram:
        """Return an empty accumulator with the same categories."""
        return CategoricalHistogram(self._categories)

    def add(self, value: Hashable) -> None:
        """Count one value; values outside the categories go to the overflow bin."""
        try:
            i = self._index.get(value, -1)
        except TypeError:
            check_category("value", value)
            raise  # pragma: no cover - check_category raises for every unhashable value
        if i < 0:
            check_category("value", value)
        self._counts[i] += 1


def value_counts(base: list[Hashable], cur: list[Hashable]) -> tuple[list[int], list[int]]:
    """Counts of each distinct value of both samples, in first-seen order."""
    keys = list(dict.fromkeys([*base, *cur]))
    index = {k: i for i, k in enumerate(keys)}
    b = [0] * len(keys)
    c = [0] * len(keys)
    for v in base:
        b[index[v]] += 1
    for v in cur:
        c[index[v]] += 1
    return b, c


def sturges_edges(first: float, last: float, size: int, *, integral: bool = False
                  ) -> list[float]:
    """Edges of numpy's 'sturges' bins for ``size`` values spanning ``[first, last]``.

    As ``numpy.histogram_bin_edges(values, bins="sturges")``: width = range / (log2(size)
    + 1), at least 1 for integer data (``integral``), ceil(range / width) equal bins; a
    zero range becomes ``[first - 0.5, last + 0.5]`` in one bin.
    """
    width = (last - first) / (math.log2(size) + 1.0)
    if first == last:
        first, last = first - 0.5, last + 0.5
    if width and integral and width < 1:
        width = 1.0
    n_bins = math.ceil((last - first) / width) if width else 1
    step = (last - first) / n_bins
    return [i * 1.0 * step + first for i in range(n_bins)] + [last]


def sturges_counts(
    base: list[float], cur: list[float], edge_values: list[float] | None = None
) -> tuple[list[int], list[int]]:
    """Counts on numpy's 'sturges' equal-width bins (Evidently's binning).

    The edges come from ``edge_values``, by default both samples (Evidently's PSI and JS);
    its numeric Hellinger passes the distinct values of both samples instead.
    """
    both = base + cur if edge_values is None else edge_values
    integral = all(isinstance(v, numbers.Integral) for v in both)
    edges = sturges_edges(min(both), max(both), len(both), integral=integral)
    hist_b = NumericHistogram(edges)
    hist_c = NumericHistogram(edges)
    hist_b.update(base)
    hist_c.update(cur)
    # Both samples lie inside [first, last] (edge_values spans them), so the two
    # out-of-range bins stay empty.
    return list(hist_b.counts()[1:-1]), list(hist_c.counts()[1:-1])
