"""Drift checks of ``m.models``' features: readiness, applicability and the tests.

:func:`check` runs a feature's test with the pure calculators, looked up in their one
method table (``calculators.drift.DRIFT_METHODS``): count tests on the fixed bins (for
categorical features split per category up to :data:`CATEGORY_CAP`, as batch ``detect()``
counts them; for numeric features on their fixed sturges bins, the two out-of-range bins
left out while empty, as batch ``detect()`` bins them), KS and Wasserstein on the fine
fixed bins. When the copy holds the raw window (``exact=True``), KS, Wasserstein and the
count tests of numeric features run batch ``detect()`` on it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from otel_measure.calculators.drift import (
    AUTO,
    DriftResult,
    detect,
    drift_method,
    method_for,
    resolve_method,
)
from otel_measure.calculators.drift_binned import inner_counts
from otel_measure.calculators.drift_fine import ks_fine, wasserstein_fine
from otel_measure.instruments.models.drift import Layout, TrackerCopy

__all__ = ["CATEGORY_CAP", "applicable", "check", "is_ready"]

#: Most categories a query keeps apart for a categorical feature (baseline and window
#: together); the rarest past it share one bin, and ``DriftResult.merged`` counts them.
CATEGORY_CAP = 100


def is_ready(copy: TrackerCopy) -> bool:
    """Whether a feature has a baseline and at least one current observation."""
    return copy.layout is not None and copy.window_size > 0


def _not_ready(model: str, copy: TrackerCopy, auto_baseline: int | None) -> str | None:
    if copy.layout is None:
        if auto_baseline is not None:
            return (f"feature {copy.feature!r} of model {model!r} has no baseline yet: "
                    f"{copy.pending} of the {auto_baseline} observations of its automatic "
                    "baseline collected (or call set_baseline())")
        return (f"feature {copy.feature!r} of model {model!r} has no baseline: call "
                "set_baseline() or enable ModelOptions.drift_auto_baseline")
    if not copy.window_size:
        return (f"feature {copy.feature!r} of model {model!r} has a baseline but no current "
                "observation yet")
    return None


def applicable(method: str, copy: TrackerCopy) -> bool:
    """Whether ``method`` (a name, alias or "auto") can test this (ready) feature."""
    layout = copy.layout
    if layout is None:
        return False
    if resolve_method(method) == AUTO:
        return True
    used = sum(1 for b, c in zip(copy.baseline_counts, copy.counts, strict=True) if b or c)
    return drift_method(method).fits(numeric=layout.kind != "categorical", bins=used)


def check(model: str, copy: TrackerCopy, method: str, threshold: float | None,
          auto_baseline: int | None) -> DriftResult:
    """Test a feature's current window against its baseline with the calculators.

    ``method`` is a name or alias of ``calculators.drift.DRIFT_METHODS`` or "auto"
    (Evidently's choice from the baseline size and the distinct values of baseline and
    window). "raw" methods (KS, Wasserstein) run on the fine bins, "counts" methods on the
    fixed bins; when the copy holds the raw window (``exact=True``), numeric features run
    batch ``detect()`` on it instead. The table's row gives the default threshold and the
    verdict rule.

    Raises:
        ValueError: the feature is not ready, the method is unknown or does not fit its
            data, or the threshold is not a finite number.
    """
    reason = _not_ready(model, copy, auto_baseline)
    if reason is not None:
        raise ValueError(reason)
    layout = copy.layout
    assert layout is not None
    numeric = layout.kind != "categorical"
    name = resolve_method(method)
    if name == AUTO:
        name = method_for(len(copy.baseline), copy.unique, numeric=numeric)
    entry = drift_method(name)
    raw = entry.data == "raw"
    if raw and not numeric:
        raise ValueError(f"method={name!r} is not allowed for the categorical feature "
                         f"{copy.feature!r} of model {model!r}")
    limit = entry.limit(threshold)
    if raw and copy.window is None:
        return _fine_check(name, copy, limit)
    merged = outside = 0
    baseline: Any
    current: Any
    options: dict[str, str] | None = None
    try:
        if numeric and copy.window is not None:
            return detect(copy.baseline, copy.window, name, limit)
        if layout.kind == "categorical":
            baseline, current, merged = _category_counts(layout, copy)
        elif layout.kind == "numeric":
            baseline, current, outside = inner_counts(copy.baseline_counts, copy.counts)
            options = dict(entry.sturges_options)
        else:
            baseline, current = copy.baseline_counts, copy.counts
        result = entry.test(baseline, current, limit, baseline_size=len(copy.baseline),
                            current_size=copy.window_size, options=options)
        return replace(result, merged=merged, outside=outside) if merged or outside else result
    except ValueError as exc:
        raise ValueError(f"method={name!r} cannot test feature {copy.feature!r} of model "
                         f"{model!r}: {exc}") from None


def _category_counts(layout: Layout, copy: TrackerCopy) -> tuple[list[int], list[int], int]:
    """Per-category counts (the exported labels, then the rest by frequency) up to
    CATEGORY_CAP bins; the rest share a last bin whose observations are returned too."""
    extras = dict(copy.extras)
    labels = set(layout.labels)
    rest = {k: (layout.category_counts.get(k, 0), extras.get(k, 0))
            for k in (set(layout.category_counts) | set(extras)) - labels}
    order = sorted(rest, key=lambda k: (-rest[k][0] - rest[k][1], repr(k)))
    room = max(0, CATEGORY_CAP - len(layout.labels))
    kept, spill = order[:room], order[room:]
    base = [*copy.baseline_counts[:-1], *(rest[k][0] for k in kept)]
    cur = [*copy.counts[:-1], *(rest[k][1] for k in kept)]
    base.append(sum(rest[k][0] for k in spill))
    cur.append(sum(rest[k][1] for k in spill))
    return base, cur, base[-1] + cur[-1]


def _fine_check(name: str, copy: TrackerCopy, limit: float) -> DriftResult:
    """KS or Wasserstein of a numeric feature from its fine bins (O(bins))."""
    layout, fine = copy.layout, copy.fine
    assert layout is not None and layout.fine_baseline is not None and fine is not None
    entry = drift_method(name)
    result: Any = (ks_fine(layout.fine_baseline, fine) if name == "ks"
                   else wasserstein_fine(layout.fine_baseline, fine, layout.std))
    statistic: float = getattr(result, entry.score)
    p_value: float | None = getattr(result, "p_value", None)
    return DriftResult(name, statistic, p_value, limit,
                       entry.verdict.drifted(statistic, p_value, limit),
                       len(copy.baseline), copy.window_size)
