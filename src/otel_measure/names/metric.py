"""The :class:`MetricName` record, the helpers that declare and collect them, and
:func:`create_instrument`, the one place an instrument is made from its declaration."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

__all__ = ["MetricName", "collect", "create_instrument", "exported", "metric_factory"]

Callback = Callable[[CallbackOptions], Iterable[Observation]]


@dataclass(frozen=True)
class MetricName:
    """One exported metric: its name, instrument kind, unit, description and attributes.

    ``kind`` is ``counter``, ``updowncounter``, ``gauge`` or ``histogram``; whether the
    instrument is observable is the recorder's choice (it passes callbacks).
    """

    name: str
    kind: str
    unit: str
    description: str
    attributes: tuple[str, ...] = ()
    domain: str = "core"


def metric_factory(domain: str) -> Callable[..., MetricName]:
    """Return a ``MetricName`` constructor for one domain's module (the domain written once)."""

    def declare(name: str, kind: str, unit: str, description: str,
                attributes: Sequence[str] = ()) -> MetricName:
        if kind not in _SYNC:
            raise ValueError(f"kind={kind!r} is invalid: expected one of {sorted(_SYNC)}")
        return MetricName(name, kind, unit, description, tuple(attributes), domain)

    return declare


def collect(namespace: Mapping[str, object]) -> tuple[MetricName, ...]:
    """The metrics a module declared, in declaration order (its ``globals()``)."""
    return tuple(v for v in namespace.values() if isinstance(v, MetricName))


def exported(namespace: Mapping[str, object]) -> list[str]:
    """A names module's ``__all__``: its public upper-case constants, sorted."""
    return sorted(k for k in namespace if k.isupper() and not k.startswith("_"))


_SYNC = {"counter": "create_counter", "updowncounter": "create_up_down_counter",
         "gauge": "create_gauge", "histogram": "create_histogram"}
_OBSERVABLE = {"counter": "create_observable_counter",
               "updowncounter": "create_observable_up_down_counter",
               "gauge": "create_observable_gauge"}


def create_instrument(meter: Meter, metric: MetricName, *,
                      callbacks: Sequence[Callback] | None = None,
                      buckets: Sequence[float] | None = None) -> Any:
    """Create the instrument ``metric`` declares on ``meter``.

    Args:
        meter: The meter to create it on.
        metric: The declaration (name, kind, unit, description).
        callbacks: Makes the instrument observable (counters, up-down counters, gauges).
        buckets: Explicit bucket boundaries advised for a histogram.

    Raises:
        ValueError: Callbacks for a histogram, or buckets for anything but a histogram.
    """
    if buckets is not None and metric.kind != "histogram":
        raise ValueError(f"buckets are only for histograms; {metric.name} is a {metric.kind}")
    common: dict[str, Any] = {"unit": metric.unit, "description": metric.description}
    if callbacks is not None:
        if metric.kind not in _OBSERVABLE:
            raise ValueError(f"{metric.name} is a {metric.kind}, which cannot be observable")
        return getattr(meter, _OBSERVABLE[metric.kind])(metric.name, callbacks=list(callbacks),
                                                        **common)
    if buckets is not None:
        common["explicit_bucket_boundaries_advisory"] = list(buckets)
    return getattr(meter, _SYNC[metric.kind])(metric.name, **common)
