"""Every metric name, unit and attribute key otel-measure uses, declared once.

Semantic-convention names are used where a convention exists (``system.*``,
``process.*``, ``http.server.*``, ``gen_ai.*``, ``hw.gpu.*``); everything else
lives under ``measure.``. ``docs/metrics.md`` is generated from :data:`CATALOG`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ANALYTICS_EVENTS",
    "ANALYTICS_REVENUE",
    "ANALYTICS_SESSION_DURATION",
    "ATTR_CPU_MODE",
    "ATTR_ERROR_TYPE",
    "ATTR_EVENT_NAME",
    "ATTR_GEN_AI_OPERATION_NAME",
    "ATTR_GEN_AI_PROVIDER_NAME",
    "ATTR_GEN_AI_REQUEST_MODEL",
    "ATTR_GEN_AI_TOKEN_TYPE",
    "ATTR_HTTP_REQUEST_METHOD",
    "ATTR_HTTP_RESPONSE_STATUS_CODE",
    "ATTR_HTTP_ROUTE",
    "ATTR_REASON",
    "ATTR_SYSTEM_MEMORY_STATE",
    "GEN_AI_CLIENT_OPERATION_DURATION",
    "GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK",
    "GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK",
    "GEN_AI_CLIENT_TOKEN_USAGE",
    "HTTP_SERVER_REQUEST_DURATION",
    "METER_NAME",
    "PROCESS_CPU_TIME",
    "PROCESS_CPU_UTILIZATION",
    "PROCESS_MEMORY_USAGE",
    "PROCESS_MEMORY_VIRTUAL",
    "PROCESS_THREAD_COUNT",
    "REJECTED",
    "SYSTEM_CPU_LOGICAL_COUNT",
    "SYSTEM_CPU_UTILIZATION",
    "SYSTEM_MEMORY_LIMIT",
    "SYSTEM_MEMORY_USAGE",
    "SYSTEM_MEMORY_UTILIZATION",
    "MetricName",
    "render_catalog",
]

METER_NAME = "otel_measure"


@dataclass(frozen=True)
class MetricName:
    """One exported metric: its name, instrument kind, unit, description and attributes."""

    name: str
    kind: str
    unit: str
    description: str
    attributes: tuple[str, ...] = ()
    domain: str = "core"
    available: bool = True


# Attribute keys.
ATTR_REASON = "reason"
ATTR_CPU_MODE = "cpu.mode"
ATTR_SYSTEM_MEMORY_STATE = "system.memory.state"
ATTR_ERROR_TYPE = "error.type"
ATTR_HTTP_REQUEST_METHOD = "http.request.method"
ATTR_HTTP_ROUTE = "http.route"
ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
ATTR_GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
ATTR_GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
ATTR_GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
ATTR_GEN_AI_TOKEN_TYPE = "gen_ai.token.type"
ATTR_EVENT_NAME = "event.name"

# Core.
REJECTED = MetricName(
    "measure.rejected",
    "counter",
    "{input}",
    "Inputs dropped on the recording path because they were invalid, by reason.",
    (ATTR_REASON,),
)

# Infrastructure (semantic conventions, system and process).
SYSTEM_CPU_UTILIZATION = MetricName(
    "system.cpu.utilization",
    "gauge",
    "1",
    "Share of CPU time spent in each mode since the previous collection, across all CPUs.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
SYSTEM_CPU_LOGICAL_COUNT = MetricName(
    "system.cpu.logical.count",
    "updowncounter",
    "{cpu}",
    "Number of logical CPUs on the host.",
    (),
    "infrastructure",
)
SYSTEM_MEMORY_USAGE = MetricName(
    "system.memory.usage",
    "updowncounter",
    "By",
    "Memory in use, by state (used = total - available, as on Linux).",
    (ATTR_SYSTEM_MEMORY_STATE,),
    "infrastructure",
)
SYSTEM_MEMORY_LIMIT = MetricName(
    "system.memory.limit",
    "updowncounter",
    "By",
    "Total physical memory.",
    (),
    "infrastructure",
)
SYSTEM_MEMORY_UTILIZATION = MetricName(
    "system.memory.utilization",
    "gauge",
    "1",
    "Share of physical memory in each state.",
    (ATTR_SYSTEM_MEMORY_STATE,),
    "infrastructure",
)
PROCESS_CPU_TIME = MetricName(
    "process.cpu.time",
    "counter",
    "s",
    "CPU time consumed by this process, by mode.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
PROCESS_CPU_UTILIZATION = MetricName(
    "process.cpu.utilization",
    "gauge",
    "1",
    "CPU time of this process since the previous collection, divided by elapsed time and by "
    "the CPUs available to the process.",
    (ATTR_CPU_MODE,),
    "infrastructure",
)
PROCESS_MEMORY_USAGE = MetricName(
    "process.memory.usage",
    "updowncounter",
    "By",
    "Resident set size of this process.",
    (),
    "infrastructure",
)
PROCESS_MEMORY_VIRTUAL = MetricName(
    "process.memory.virtual",
    "updowncounter",
    "By",
    "Virtual memory size of this process.",
    (),
    "infrastructure",
)
PROCESS_THREAD_COUNT = MetricName(
    "process.thread.count",
    "updowncounter",
    "{thread}",
    "Threads of this process.",
    (),
    "infrastructure",
)

# Declared ahead of their domains (views need them); ``available`` flips when they land.
HTTP_SERVER_REQUEST_DURATION = MetricName(
    "http.server.request.duration",
    "histogram",
    "s",
    "Duration of HTTP server requests.",
    (ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_ROUTE, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_ERROR_TYPE),
    "infrastructure",
    available=False,
)
GEN_AI_CLIENT_OPERATION_DURATION = MetricName(
    "gen_ai.client.operation.duration",
    "histogram",
    "s",
    "GenAI operation duration.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
     ATTR_ERROR_TYPE),
    "models",
    available=False,
)
GEN_AI_CLIENT_TOKEN_USAGE = MetricName(
    "gen_ai.client.token.usage",
    "histogram",
    "{token}",
    "Number of input and output tokens used.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL,
     ATTR_GEN_AI_TOKEN_TYPE),
    "models",
    available=False,
)
GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK = MetricName(
    "gen_ai.client.operation.time_to_first_chunk",
    "histogram",
    "s",
    "Time to receive the first chunk of a streamed response.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL),
    "models",
    available=False,
)
GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK = MetricName(
    "gen_ai.client.operation.time_per_output_chunk",
    "histogram",
    "s",
    "Time between consecutive chunks of a streamed response.",
    (ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL),
    "models",
    available=False,
)
ANALYTICS_EVENTS = MetricName(
    "measure.analytics.events",
    "counter",
    "{event}",
    "Product events tracked, by allow-listed event name (never by user).",
    (ATTR_EVENT_NAME,),
    "analytics",
    available=False,
)
ANALYTICS_REVENUE = MetricName(
    "measure.analytics.revenue",
    "counter",
    "USD",
    "Revenue attached to tracked events.",
    (ATTR_EVENT_NAME,),
    "analytics",
    available=False,
)
ANALYTICS_SESSION_DURATION = MetricName(
    "measure.analytics.session.duration",
    "histogram",
    "s",
    "Duration of ended user sessions.",
    (),
    "analytics",
    available=False,
)

CATALOG: tuple[MetricName, ...] = (
    REJECTED,
    SYSTEM_CPU_UTILIZATION,
    SYSTEM_CPU_LOGICAL_COUNT,
    SYSTEM_MEMORY_USAGE,
    SYSTEM_MEMORY_LIMIT,
    SYSTEM_MEMORY_UTILIZATION,
    PROCESS_CPU_TIME,
    PROCESS_CPU_UTILIZATION,
    PROCESS_MEMORY_USAGE,
    PROCESS_MEMORY_VIRTUAL,
    PROCESS_THREAD_COUNT,
    HTTP_SERVER_REQUEST_DURATION,
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TOKEN_USAGE,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TIME_PER_OUTPUT_CHUNK,
    ANALYTICS_EVENTS,
    ANALYTICS_REVENUE,
    ANALYTICS_SESSION_DURATION,
)


def render_catalog() -> str:
    """Render the metric catalog as the Markdown kept in ``docs/metrics.md``."""
    lines = [
        "# Metric catalog",
        "",
        "Generated from `src/otel_measure/names.py` by `otel-measure catalog`;",
        "a test keeps this file equal to that output.",
        "",
        "Metrics marked *planned* are declared (their Views and buckets exist) but their",
        "domain does not record them yet.",
        "",
        "| name | kind | unit | attributes | domain | description |",
        "|---|---|---|---|---|---|",
    ]
    for m in CATALOG:
        attrs = ", ".join(f"`{a}`" for a in m.attributes) or "-"
        domain = m.domain if m.available else f"{m.domain} (*planned*)"
        lines.append(
            f"| `{m.name}` | {m.kind} | `{m.unit}` | {attrs} | {domain} | {m.description} |"
        )
    return "\n".join(lines) + "\n"
