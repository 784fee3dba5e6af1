"""``m.models.track_inference``: time a model call, open its CLIENT span, record metrics.

An :class:`InferenceCall` is a context manager (``with`` and ``async with``) and a
decorator for plain, ``async``, generator and async-generator functions. Generators are
treated as streams: every yielded item is a chunk, the first one sets the time to first
chunk. Inside a decorated function :func:`current_inference` returns the live call.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import json
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar, cast

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from otel_measure.instruments._rejections import safe_repr
from otel_measure.instruments.models.state import Series
from otel_measure.names.attributes import (
    ATTR_ERROR_TYPE,
    ATTR_GEN_AI_INPUT_MESSAGES,
    ATTR_GEN_AI_OUTPUT_MESSAGES,
    ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
    ATTR_GEN_AI_RESPONSE_ID,
    ATTR_GEN_AI_RESPONSE_MODEL,
    ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
    ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_INPUT_TOKENS,
    ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
    ATTR_SERVER_ADDRESS,
    ATTR_SERVER_PORT,
)

__all__ = ["CallOwner", "InferenceCall", "current_inference", "error_type_name"]

F = TypeVar("F", bound=Callable[..., Any])
_CURRENT: contextvars.ContextVar[InferenceCall | None] = contextvars.ContextVar(
    "otel_measure_inference", default=None)


def error_type_name(exc_type: type[BaseException]) -> str:
    """Return the ``error.type`` of an exception class: ``ValueError``, ``openai.X``..."""
    module = exc_type.__module__
    if module in ("builtins", "__main__"):
        return exc_type.__qualname__
    return f"{module}.{exc_type.__qualname__}"


class CallOwner(Protocol):
    """What a call needs from the models domain."""

    tracer: trace.Tracer
    capture_content: bool

    def clock(self) -> float:
        """Monotonic seconds."""

    def series_for(self, model: Any, operation: Any, provider: Any,
                   error_type: Any) -> Series | None:
        """Resolve (or reject) the cached series."""

    def record_chunk_gap(self, series: Series, gap_s: float) -> None:
        """Record one ``time_per_output_chunk`` value."""

    def note_unreadable(self, reason: str, message: str) -> None:
        """Count (and log once) something of a call that could not be read, never raising."""

    def record_call(self, call: InferenceCall, series: Series, latency_s: float,
                    ttfc_s: float | None, error_type: str | None) -> None:
        """Record the finished call's metrics."""


def current_inference() -> InferenceCall:
    """Return the innermost live tracked call, or an inert one that records nothing."""
    call = _CURRENT.get()
    return call if call is not None else _INERT


def _usage_of(obj: Any) -> tuple[Any, Any, Any]:
    # OpenAI (prompt/completion, prompt_tokens_details.cached_tokens) and Anthropic
    # (input/output, cache_read_input_tokens) response shapes, as objects or dicts.
    usage = obj.get("usage") if isinstance(obj, Mapping) else getattr(obj, "usage", None)
    if usage is None:
        return None, None, None

    def get(source: Any, *keys: str) -> Any:
        for key in keys:
            value = source.get(key) if isinstance(source, Mapping) else getattr(
                source, key, None)
            if value is not None:
                return value
        return None

    details = get(usage, "prompt_tokens_details", "input_tokens_details")
    cached = get(usage, "cache_read_input_tokens")
    if cached is None and details is not None:
        cached = get(details, "cached_tokens")
    return (get(usage, "input_tokens", "prompt_tokens"),
            get(usage, "output_tokens", "completion_tokens"), cached)


class InferenceCall:
    """One model call being measured (see :meth:`ModelMetrics.track_inference`)."""

    __slots__ = ("_attrs", "_cached", "_ctx_token", "_error", "_finish", "_first", "_id",
                 "_input", "_label", "_last", "_live", "_model", "_operation", "_output",
                 "_owner", "_prediction", "_provider", "_response_model", "_series",
                 "_span", "_start", "_var_token", "_write")

    def __init__(self, owner: CallOwner | None, model: Any = "", operation: Any = "chat",
                 provider: Any = None, attributes: Mapping[str, Any] | None = None) -> None:
        self._owner = owner
        self._model, self._operation, self._provider = model, operation, provider
        self._attrs = dict(attributes or {})
        self._live = False
        self._series: Series | None = None
        self._span: trace.Span = trace.INVALID_SPAN
        self._ctx_token: object | None = None
        self._var_token: contextvars.Token[InferenceCall | None] | None = None
        self._start = self._last = 0.0
        self._first: float | None = None
        self._input: Any = None
        self._output: Any = None
        self._cached: Any = None
        self._write: Any = None
        self._error: str | None = None
        self._response_model: str | None = None
        self._id: str | None = None
        self._finish: Sequence[str] | None = None
        self._prediction: Any = None
        self._label: Any = None

    # --- what the application reports --------------------------------------------

    @property
    def span(self) -> trace.Span:
        """The call's span (an invalid span outside the call)."""
        return self._span

    @property
    def usage(self) -> tuple[Any, Any, Any]:
        """Reported (input, output, cached input) tokens; None where not reported."""
        return self._input, self._output, self._cached

    @property
    def cache_write_tokens(self) -> Any:
        """Reported input tokens written to the prompt cache (None: not reported)."""
        return self._write

    @property
    def metric_attributes(self) -> tuple[tuple[str, Any], ...]:
        """``gen_ai.response.model`` and ``server.*`` for the call's metrics, when known."""
        found = [(k, self._attrs[k]) for k in (ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT)
                 if isinstance(self._attrs.get(k), (str, int))]
        if isinstance(self._response_model, str):
            found.insert(0, (ATTR_GEN_AI_RESPONSE_MODEL, self._response_model))
        return tuple(found)

    @property
    def prediction(self) -> tuple[Any, Any]:
        """Reported (prediction, label)."""
        return self._prediction, self._label

    def set_usage(self, input_tokens: int | None = None, output_tokens: int | None = None,
                  cached_input_tokens: int | None = None,
                  cache_write_input_tokens: int | None = None) -> None:
        """Report billable tokens; ``input_tokens`` includes cache reads and writes."""
        if cache_write_input_tokens is not None:
            self._write = cache_write_input_tokens
        if input_tokens is not None:
            self._input = input_tokens
        if output_tokens is not None:
            self._output = output_tokens
        if cached_input_tokens is not None:
            self._cached = cached_input_tokens

    def first_chunk(self) -> None:
        """Mark the arrival of the first streamed chunk (later calls are ignored)."""
        if self._live and self._first is None and self._owner is not None:
            self._first = self._last = self._owner.clock()

    def chunk(self) -> None:
        """Mark one streamed chunk: the first sets TTFC, the next ones the chunk gaps."""
        owner, series = self._owner, self._series
        if not self._live or owner is None or series is None:
            return
        now = owner.clock()
        if self._first is None:
            self._first = now
        else:
            owner.record_chunk_gap(series, now - self._last)
        self._last = now

    def set_response(self, model: str | None = None, id: str | None = None,
                     finish_reasons: Sequence[str] | None = None) -> None:
        """Report the response's model, id and finish reasons (span attributes)."""
        self._response_model = model if model is not None else self._response_model
        self._id = id if id is not None else self._id
        self._finish = finish_reasons if finish_reasons is not None else self._finish

    def set_prediction(self, prediction: Any, label: Any = None) -> None:
        """Report an ML model's prediction (and its true label when known)."""
        self._prediction, self._label = prediction, label

    def fail(self, error_type: str) -> None:
        """Mark the call failed without an exception (e.g. a refusal or a retry)."""
        self._error = str(error_type)

    def set_input_messages(self, messages: Any) -> None:
        """Put the prompt messages on the span, only when content capture is enabled."""
        self._content(ATTR_GEN_AI_INPUT_MESSAGES, messages)

    def set_output_messages(self, messages: Any) -> None:
        """Put the response messages on the span, only when content capture is enabled."""
        self._content(ATTR_GEN_AI_OUTPUT_MESSAGES, messages)

    def _content(self, key: str, messages: Any) -> None:
        if self._live and self._owner is not None and self._owner.capture_content:
            text = messages if isinstance(messages, str) else json.dumps(
                messages, default=str, ensure_ascii=False)
            self._span.set_attribute(key, text)

    def absorb(self, result: Any) -> None:
        """Take usage, model and id from an OpenAI- or Anthropic-shaped response."""
        try:
            tokens = _usage_of(result)
            self.set_usage(*(t if isinstance(t, int) else None for t in tokens))
            get = result.get if isinstance(result, Mapping) else functools.partial(
                getattr, result)
            model, ident = get("model", None), get("id", None)
            self.set_response(model if isinstance(model, str) else None,
                              ident if isinstance(ident, str) else None)
        except Exception as exc:  # a strange response object must never fail the app
            if self._owner is not None:  # None: a rejected call, already counted
                self._owner.note_unreadable(
                    "models.unreadable_response",
                    f"the response of {type(result).__name__} could not be read for usage, "
                    f"model and id: {safe_repr(exc)}")

    # --- lifecycle ---------------------------------------------------------------

    def _begin(self) -> None:
        owner = self._owner
        if owner is None or self._live:
            return
        series = owner.series_for(self._model, self._operation, self._provider, None)
        if series is None:
            self._owner = None  # rejected: this call records nothing
            return
        self._series, self._live = series, True
        attrs: dict[str, Any] = {**series.stream_attrs, **self._attrs}
        self._span = owner.tracer.start_span(f"{series.operation} {series.state.name}",
                                             kind=SpanKind.CLIENT, attributes=attrs)
        self._start = owner.clock()

    def _activate(self) -> None:
        if self._live:
            self._ctx_token = otel_context.attach(trace.set_span_in_context(self._span))
            self._var_token = _CURRENT.set(self)

    def _deactivate(self) -> None:
        if self._var_token is not None:
            _CURRENT.reset(self._var_token)
            self._var_token = None
        if self._ctx_token is not None:
            otel_context.detach(cast(Any, self._ctx_token))
            self._ctx_token = None

    def _end(self, exc: BaseException | None) -> None:
        owner, series = self._owner, self._series
        if not self._live or owner is None or series is None:
            return
        latency = owner.clock() - self._start
        self._live = False
        error = self._error
        span = self._span
        if exc is not None and not isinstance(exc, GeneratorExit):
            error = error or error_type_name(type(exc))
            span.record_exception(exc)
        ttfc = None if self._first is None else self._first - self._start
        for key, value in (
            (ATTR_GEN_AI_USAGE_INPUT_TOKENS, self._input),
            (ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, self._output),
            (ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, self._cached),
            (ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS, self._write),
            (ATTR_GEN_AI_RESPONSE_MODEL, self._response_model),
            (ATTR_GEN_AI_RESPONSE_ID, self._id),
            (ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfc),
            (ATTR_ERROR_TYPE, error),
        ):
            if value is not None and isinstance(value, (str, int, float)):
                span.set_attribute(key, value)
        if self._finish is not None:
            span.set_attribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
                               [str(r) for r in self._finish])
        if error is not None:
            span.set_status(Status(StatusCode.ERROR))
        try:
            owner.record_call(self, series, latency, ttfc, error)
        finally:
            span.end()

    def __enter__(self) -> InferenceCall:
        self._begin()
        self._activate()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._deactivate()
        self._end(exc)  # returning None never swallows the app's exception

    async def __aenter__(self) -> InferenceCall:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        self.__exit__(exc_type, exc, tb)

    # --- decorator ---------------------------------------------------------------

    def _fresh(self) -> InferenceCall:
        return InferenceCall(self._owner, self._model, self._operation, self._provider,
                             self._attrs)

    def __call__(self, fn: F) -> F:
        """Decorate ``fn``: every invocation is one tracked call (a stream for generators)."""
        if inspect.isasyncgenfunction(fn):
            return cast(F, self._wrap_async_gen(fn))
        if inspect.isgeneratorfunction(fn):
            return cast(F, self._wrap_gen(fn))
        if inspect.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                async with self._fresh() as call:
                    result = await fn(*args, **kwargs)
                    call.absorb(result)
                    return result

            return cast(F, async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._fresh() as call:
                result = fn(*args, **kwargs)
                call.absorb(result)
                return result

        return cast(F, wrapper)

    def _wrap_gen(self, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Iterator[Any]:
            call = self._fresh()
            call._begin()
            failure: BaseException | None = None
            gen: Iterator[Any] | None = None
            try:
                while True:
                    # The span is current only while the generator body runs.
                    call._activate()
                    try:
                        if gen is None:
                            gen = fn(*args, **kwargs)
                        item = next(gen)
                    except StopIteration:
                        break
                    finally:
                        call._deactivate()
                    call.chunk()
                    call.absorb(item)
                    yield item
            except BaseException as exc:
                failure = exc
                raise
            finally:
                close = getattr(gen, "close", None)
                if close is not None:
                    close()
                call._end(failure)

        return wrapper

    def _wrap_async_gen(self, fn: Callable[..., AsyncIterator[Any]]
                        ) -> Callable[..., AsyncIterator[Any]]:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            call = self._fresh()
            call._begin()
            failure: BaseException | None = None
            gen: AsyncIterator[Any] | None = None
            try:
                while True:
                    call._activate()
                    try:
                        if gen is None:
                            gen = fn(*args, **kwargs)
                        item = await gen.__anext__()
                    except StopAsyncIteration:
                        break
                    finally:
                        call._deactivate()
                    call.chunk()
                    call.absorb(item)
                    yield item
            except BaseException as exc:
                failure = exc
                raise
            finally:
                aclose = getattr(gen, "aclose", None)
                if aclose is not None:
                    await aclose()
                call._end(failure)

        return wrapper


_INERT = InferenceCall(None)
