"""What otel-measure knows of each client library: endpoints, usage, response fields.

An :class:`Adapter` maps a request path to ``gen_ai.operation.name`` and reads usage,
response model, id and finish reasons from the SDK's response objects and stream events
(pydantic models; read with ``getattr`` so SDK versions that add fields keep working).
Token counts follow the GenAI conventions: input tokens include cached ones. Anthropic
reports ``input_tokens`` without cache reads and writes, so they are added back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ADAPTERS", "Adapter", "Usage"]


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if obj is None:
            return None
        obj = obj.get(key) if isinstance(obj, Mapping) else getattr(obj, key, None)
    return obj


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass
class Usage:
    """What a response or a stream reported so far (None: not reported)."""

    input_tokens: int | None = None
    output_tokens: int | None = None
    cached_input_tokens: int | None = None
    cache_write_tokens: int | None = None
    model: str | None = None
    id: str | None = None
    finish_reasons: list[str] = field(default_factory=list)

    def identify(self, obj: Any) -> None:
        """Take the response model and id of ``obj`` when it has them."""
        model, ident = _get(obj, "model"), _get(obj, "id")
        if isinstance(model, str):
            self.model = model
        if isinstance(ident, str):
            self.id = ident

    def finish(self, reason: Any) -> None:
        """Add one finish reason."""
        if isinstance(reason, str) and reason:
            self.finish_reasons.append(reason)


def _openai_usage(usage: Usage, reported: Any) -> None:
    # Chat and embeddings: prompt/completion tokens; Responses: input/output tokens.
    if reported is None:
        return
    usage.input_tokens = _int(_get(reported, "prompt_tokens")) or _int(
        _get(reported, "input_tokens"))
    out = _get(reported, "completion_tokens")
    usage.output_tokens = _int(out if out is not None else _get(reported, "output_tokens"))
    details = _get(reported, "prompt_tokens_details") or _get(reported, "input_tokens_details")
    usage.cached_input_tokens = _int(_get(details, "cached_tokens"))
    usage.cache_write_tokens = _int(_get(details, "cache_write_tokens"))


def _openai_response(usage: Usage, result: Any) -> None:
    usage.identify(result)
    _openai_usage(usage, _get(result, "usage"))
    for choice in _get(result, "choices") or ():
        usage.finish(_get(choice, "finish_reason"))


def _openai_event(usage: Usage, item: Any) -> None:
    kind = _get(item, "type")
    if isinstance(kind, str):  # a Responses API event
        response = _get(item, "response")
        if response is not None:
            usage.identify(response)
            _openai_usage(usage, _get(response, "usage"))
            status = _get(response, "status")
            if kind != "response.created" and status != "in_progress":
                usage.finish(status)
        return
    usage.identify(item)  # a chat completion chunk
    _openai_usage(usage, _get(item, "usage"))
    for choice in _get(item, "choices") or ():
        usage.finish(_get(choice, "finish_reason"))


def _anthropic_usage(usage: Usage, reported: Any) -> None:
    if reported is None:
        return
    uncached = _int(_get(reported, "input_tokens"))
    read = _int(_get(reported, "cache_read_input_tokens"))
    write = _int(_get(reported, "cache_creation_input_tokens"))
    if uncached is not None:
        usage.input_tokens = uncached + (read or 0) + (write or 0)
        usage.cached_input_tokens = read
        usage.cache_write_tokens = write
    out = _int(_get(reported, "output_tokens"))
    if out is not None:
        usage.output_tokens = out  # cumulative in message_delta events


def _anthropic_response(usage: Usage, result: Any) -> None:
    usage.identify(result)
    _anthropic_usage(usage, _get(result, "usage"))
    usage.finish(_get(result, "stop_reason"))


def _anthropic_event(usage: Usage, item: Any) -> None:
    kind = _get(item, "type")
    if kind == "message_start":
        _anthropic_response(usage, _get(item, "message"))
    elif kind == "message_delta":
        _anthropic_usage(usage, _get(item, "usage"))
        usage.finish(_get(item, "delta", "stop_reason"))


def _openai_output(result: Any) -> Any:
    choices = _get(result, "choices")
    if choices is not None:
        return [_get(c, "message") for c in choices]
    return _get(result, "output")


def _anthropic_output(result: Any) -> Any:
    return [{"role": "assistant", "content": _get(result, "content")}]


@dataclass(frozen=True)
class Adapter:
    """One client library.

    Attributes:
        library: Import name and extra (``openai``).
        provider: ``gen_ai.provider.name``.
        clients: Names of the sync and async client classes patched globally.
        operations: Request path suffix to ``gen_ai.operation.name``.
        response: Reads a whole response into a :class:`Usage`.
        event: Reads one stream event into a :class:`Usage`.
        output: The response's output messages (content capture).
        providers: ``gen_ai.provider.name`` values of the library's calls.
        patched_module, patched_class: Where other instrumentations wrap ``create``
            (how one already running is recognised).
    """

    library: str
    provider: str
    clients: tuple[str, str]
    operations: Mapping[str, str]
    response: Callable[[Usage, Any], None]
    event: Callable[[Usage, Any], None]
    output: Callable[[Any], Any]
    providers: tuple[str, ...]
    patched_module: str
    patched_class: str

    def operation(self, url: Any) -> str | None:
        """The operation of a request path, or None for endpoints not measured."""
        if not isinstance(url, str):
            return None
        path = url.split("?")[0].rstrip("/")
        for suffix, operation in self.operations.items():
            if path.endswith(suffix):
                return operation
        return None

    def provider_of(self, client: Any) -> str:
        """``gen_ai.provider.name`` of one client (Azure OpenAI has its own)."""
        if self.library == "openai" and "Azure" in type(client).__name__:
            return "azure.ai.openai"
        return self.provider


ADAPTERS = {
    "openai": Adapter("openai", "openai", ("OpenAI", "AsyncOpenAI"),
                      {"/chat/completions": "chat", "/responses": "chat",
                       "/embeddings": "embeddings", "/completions": "text_completion"},
                      _openai_response, _openai_event, _openai_output,
                      ("openai", "azure.ai.openai"), "openai.resources.chat.completions",
                      "Completions"),
    "anthropic": Adapter("anthropic", "anthropic", ("Anthropic", "AsyncAnthropic"),
                         {"/messages": "chat"},
                         _anthropic_response, _anthropic_event, _anthropic_output,
                         ("anthropic",), "anthropic.resources.messages", "Messages"),
}
