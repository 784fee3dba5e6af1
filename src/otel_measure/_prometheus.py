"""The Prometheus registry ``setup()`` serves, and Prometheus text from OTel metrics data.

Imported only when the Prometheus exporter is enabled, or when Prometheus text is asked
for: it pulls in ``prometheus_client`` and ``opentelemetry-exporter-prometheus``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

from opentelemetry.sdk.metrics.export import MetricsData
from prometheus_client import CollectorRegistry, generate_latest

__all__ = ["SCOPE_LABEL_PREFIX", "SafeRegistry", "render_prometheus", "strip_scope_labels"]

_log = logging.getLogger("otel_measure")

#: The exporter's instrumentation-scope labels: ``otel_scope_name``,
#: ``otel_scope_version``, ``otel_scope_schema_url`` and one per scope attribute.
SCOPE_LABEL_PREFIX = "otel_scope_"


def _encodes(text: object) -> bool:
    if not isinstance(text, str):
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def strip_scope_labels(families: list[Any]) -> list[str]:
    """Remove the ``otel_scope_*`` labels from metric families, in place, where it is safe.

    Families are grouped by metric name. A name whose series stay distinct without the
    scope labels loses them; a name that two instrumentation scopes record with the same
    attributes keeps them on all its series, so that no two series merge into one.

    Returns:
        The metric names that kept their scope labels.
    """
    by_name: dict[str, list[Any]] = {}
    for family in families:
        by_name.setdefault(family.name, []).append(family)
    kept: list[str] = []
    for name, group in by_name.items():
        stripped = [[{k: v for k, v in s.labels.items() if not k.startswith(SCOPE_LABEL_PREFIX)}
                     for s in family.samples] for family in group]
        keys = [(s.name, tuple(sorted(labels.items())))
                for family, rows in zip(group, stripped, strict=True)
                for s, labels in zip(family.samples, rows, strict=True)]
        if len(set(keys)) != len(keys):
            kept.append(name)
            continue
        for family, rows in zip(group, stripped, strict=True):
            if any(len(labels) != len(s.labels)
                   for s, labels in zip(family.samples, rows, strict=True)):
                family.samples = [s._replace(labels=labels)
                                  for s, labels in zip(family.samples, rows, strict=True)]
    return kept


class SafeRegistry(CollectorRegistry):
    """The Prometheus registry of ``setup()``: a sample that cannot be encoded is left out.

    Recording calls check names on the way in; this is the defence in depth for what
    bypasses them (the application's own instruments on ``m.meter``). A series whose
    metric or label names or values are not valid UTF-8 would fail every scrape; here it
    is dropped from the exposition and reported through :attr:`on_drop` instead.

    With ``without_scope_info=True`` the exporter's ``otel_scope_*`` labels are removed
    from every series (see :func:`strip_scope_labels`; a metric two scopes record with
    the same attributes keeps them, and a warning is logged once per metric name).
    """

    def __init__(self, *, without_scope_info: bool = False) -> None:
        super().__init__(auto_describe=True)
        self.on_drop: Callable[[str], None] | None = None
        self.without_scope_info = without_scope_info
        self._warned: set[str] = set()
        self._warned_lock = threading.Lock()

    def collect(self) -> Iterator[Any]:
        """Yield the registered metric families without their unencodable samples."""
        dropped: list[str] = []
        families: list[Any] = []
        for family in super().collect():
            if not all(_encodes(t) for t in (family.name, family.documentation,
                                              getattr(family, "unit", ""))):
                dropped.append(family.name.encode("utf-8", "replace").decode())
                continue
            kept = [s for s in family.samples
                    if all(_encodes(k) and _encodes(v) for k, v in s.labels.items())]
            if len(kept) != len(family.samples):
                dropped.extend([family.name] * (len(family.samples) - len(kept)))
                family.samples = kept
            families.append(family)
        if self.without_scope_info:
            self._warn_kept(strip_scope_labels(families))
        yield from families
        if self.on_drop is not None:
            for name in dropped:
                self.on_drop(f"a series of {name} has a name or attribute value that is not "
                             "valid UTF-8; it is left out of /metrics")

    def _warn_kept(self, names: list[str]) -> None:
        with self._warned_lock:
            new = [n for n in names if n not in self._warned]
            self._warned.update(new)
        for name in new:
            _log.warning(
                "otel-measure: %s is recorded by several instrumentation scopes with the same "
                "attributes; it keeps its otel_scope_* labels (prometheus_without_scope_info) "
                "so that its series stay distinct", name)


def render_prometheus(data: MetricsData | None, *, without_scope_info: bool = False) -> str:
    """Render cumulative OpenTelemetry metrics data as Prometheus text."""
    from opentelemetry.exporter.prometheus import _CustomCollector

    registry = SafeRegistry(without_scope_info=without_scope_info)
    collector = _CustomCollector()
    registry.register(collector)  # registering collects once: add the data after
    if data is not None:
        collector.add_metrics_data(data)
    return generate_latest(registry).decode()
