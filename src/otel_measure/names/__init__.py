"""Every metric name, unit and attribute key otel-measure uses, each declared once.

One module per domain (:mod:`.core`, :mod:`.infrastructure`, :mod:`.models`,
:mod:`.analytics`) plus :mod:`.attributes` for attribute keys. Semantic-convention names
are used where a convention exists (``system.*``, ``process.*``, ``http.server.*``,
``gen_ai.*``, ``hw.gpu.*``); everything else lives under ``measure.``.
``docs/metrics.md`` is generated from :data:`CATALOG`; instruments are made from a
declaration with :func:`create_instrument`.
"""

from __future__ import annotations

from otel_measure.names import analytics, attributes, core, infrastructure, models
from otel_measure.names.metric import MetricName, create_instrument

__all__ = [
    "CATALOG",
    "METER_NAME",
    "MetricName",
    "analytics",
    "attributes",
    "core",
    "create_instrument",
    "infrastructure",
    "models",
    "render_catalog",
]

METER_NAME = "otel_measure"
CATALOG: tuple[MetricName, ...] = (
    core.METRICS + infrastructure.METRICS + models.METRICS + analytics.METRICS
)


def render_catalog() -> str:
    """Render the metric catalog as the Markdown kept in ``docs/metrics.md``."""
    lines = [
        "# Metric catalog",
        "",
        "Generated from the `src/otel_measure/names/` modules by `otel-measure catalog`;",
        "a test keeps this file equal to that output.",
        "",
        "| name | kind | unit | attributes | domain | description |",
        "|---|---|---|---|---|---|",
    ]
    for m in CATALOG:
        attrs = ", ".join(f"`{a}`" for a in m.attributes) or "-"
        lines.append(
            f"| `{m.name}` | {m.kind} | `{m.unit}` | {attrs} | {m.domain} | {m.description} |"
        )
    return "\n".join(lines) + "\n"
