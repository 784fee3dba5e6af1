"""Cost and in-process statistics from another GenAI instrumentation's spans.

When the application already runs a GenAI instrumentation (``opentelemetry-
instrumentation-openai-v2``, OpenLLMetry...) on a client, that instrumentation records
the call's span and its ``gen_ai.client.*`` metrics. Measuring the call again would
count it twice, so otel-measure's client wrapper lets such calls pass, and this span
processor reads the finished CLIENT spans keyed on the GenAI attributes
(``gen_ai.operation.name``, ``gen_ai.request.model``, ``gen_ai.provider.name``, usage,
``error.type``) into ``measure.model.cost`` and ``m.models``' in-process statistics only.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import SpanKind

from otel_measure.names.attributes import (
    ATTR_ERROR_TYPE,
    ATTR_GEN_AI_OPERATION_NAME,
    ATTR_GEN_AI_PROVIDER_NAME,
    ATTR_GEN_AI_REQUEST_MODEL,
    ATTR_GEN_AI_RESPONSE_MODEL,
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    ATTR_SERVER_ADDRESS,
    ATTR_SERVER_PORT,
)

__all__ = ["GenAISpanBridge", "foreign_genai_span", "install_bridge"]

_LEGACY_SYSTEM = "gen_ai.system"  # the provider attribute before gen_ai.provider.name
# Called with (model, latency_s, input, output, operation, provider, error_type,
# cached_input, extra attributes).
Record = Callable[[str, float, Any, Any, str, Any, Any, Any, tuple[tuple[str, Any], ...]], None]


def _scope_name(tracer: Any) -> str | None:
    scope = getattr(tracer, "_instrumentation_scope", None)  # the SDK tracer's scope
    name = getattr(scope, "name", None)
    return name if isinstance(name, str) else None


def foreign_genai_span(own_tracer: Any) -> bool:
    """Whether the current span is a GenAI span of another instrumentation."""
    span = trace.get_current_span(otel_context.get_current())
    if not span.is_recording() or not isinstance(span, Span):
        return False
    scope = span.instrumentation_scope
    if scope is not None and scope.name == _scope_name(own_tracer):
        return False
    return ATTR_GEN_AI_OPERATION_NAME in (span.attributes or {})


class GenAISpanBridge(SpanProcessor):
    """Feeds other instrumentations' GenAI CLIENT spans of some providers to ``record``.

    Args:
        record: Records cost and in-process statistics of one call (no GenAI metrics).
        providers: ``gen_ai.provider.name`` values this bridge takes.
        own_tracer: otel-measure's tracer: its own spans are never taken.
    """

    def __init__(self, record: Record, providers: Collection[str], own_tracer: Any) -> None:
        self.active = True
        self._record = record
        self._providers = frozenset(providers)
        self._own_scope = _scope_name(own_tracer)

    def on_end(self, span: ReadableSpan) -> None:
        """Record a finished foreign GenAI client span."""
        if not self.active or span.kind != SpanKind.CLIENT:
            return
        scope = span.instrumentation_scope
        if scope is not None and scope.name == self._own_scope:
            return
        attrs = span.attributes or {}
        operation = attrs.get(ATTR_GEN_AI_OPERATION_NAME)
        model = attrs.get(ATTR_GEN_AI_REQUEST_MODEL)
        provider = attrs.get(ATTR_GEN_AI_PROVIDER_NAME) or attrs.get(_LEGACY_SYSTEM)
        if not (isinstance(operation, str) and isinstance(model, str)
                and provider in self._providers and span.start_time and span.end_time):
            return
        extra = tuple((k, attrs[k]) for k in (ATTR_GEN_AI_RESPONSE_MODEL, ATTR_SERVER_ADDRESS,
                                              ATTR_SERVER_PORT)
                      if isinstance(attrs.get(k), (str, int)))
        try:
            self._record(model, max(0.0, (span.end_time - span.start_time) / 1e9),
                         attrs.get(ATTR_GEN_AI_USAGE_INPUT_TOKENS),
                         attrs.get(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS), operation, provider,
                         attrs.get(ATTR_ERROR_TYPE),
                         attrs.get(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS), extra)
        except Exception:  # a span processor must never fail the app
            return

    def shutdown(self) -> None:
        """Stop taking spans."""
        self.active = False

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        """Nothing is buffered."""
        return True


def install_bridge(bridge: GenAISpanBridge) -> bool:
    """Add the bridge to the global SDK tracer provider; False when there is none."""
    provider = trace.get_tracer_provider()
    add = getattr(provider, "add_span_processor", None)
    if not callable(add):
        return False
    add(bridge)
    return True
