"""Patch the OpenAI and Anthropic clients: one measured call per logical request.

Both SDKs send every API call through one client method, ``request(cast_to, options,
stream=..., stream_cls=...)``, whose loop makes the retries and which returns the parsed
response or a ``Stream``/``AsyncStream``. Wrapping that method (on the client classes, or
on one client instance) measures every resource method and helper (``create``,
``parse``, ``stream()``, ``messages.stream()``) of sync and async clients once, retries
included. A stream's call ends when its iterator is exhausted, fails or is closed: the
wrapper replaces the stream's iterator and ``close`` on that object, so the object the
application gets is still the SDK's own.
"""

from __future__ import annotations

import contextvars
import importlib
import inspect
import threading
import types
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, Protocol

from otel_measure.errors import OtelMeasureConfigError
from otel_measure.instruments.models.clients.adapters import ADAPTERS, Adapter, Usage
from otel_measure.instruments.models.clients.span_bridge import (
    GenAISpanBridge,
    foreign_genai_span,
    install_bridge,
)
from otel_measure.instruments.models.tracking import CallOwner, InferenceCall, error_type_name
from otel_measure.names.attributes import ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT

__all__ = ["ClientInstrumentation", "instrument_client"]

# Set while a measured request runs: a request wrapped twice (the class and one client)
# is measured by the outer wrapper only.
_MEASURING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "otel_measure_client_call", default=False)
_LOCK = threading.Lock()
_GLOBAL: dict[str, ClientInstrumentation] = {}


def _import(library: str) -> Any:
    try:
        return importlib.import_module(library)
    except ImportError as exc:
        raise OtelMeasureConfigError(
            f"instrument={library!r} needs the {library!r} package, which is not installed: "
            f"pip install 'otel-measure[{library}]'") from exc


def error_name(adapter: Adapter, exc: BaseException) -> str:
    """``error.type`` of a failed call: ``openai.RateLimitError``, ``TimeoutError``..."""
    kind = type(exc)
    if kind.__module__.split(".")[0] == adapter.library:
        return f"{adapter.library}.{kind.__qualname__}"
    return error_type_name(kind)


def _server(client: Any) -> dict[str, Any]:
    url = getattr(client, "base_url", None)
    host = getattr(url, "host", None)
    if not isinstance(host, str) or not host:
        return {}
    port = getattr(url, "port", None)
    if not isinstance(port, int):
        port = 443 if getattr(url, "scheme", "https") == "https" else 80
    return {ATTR_SERVER_ADDRESS: host, ATTR_SERVER_PORT: port}


class ClientOwner(CallOwner, Protocol):
    """What the client hooks need from the models domain: tracked calls and ``record``."""

    def record(self, model: Any, latency_s: Any, input_tokens: Any, output_tokens: Any,
               operation: Any, provider: Any, success: Any, error_type: Any,
               time_to_first_token_s: Any, cached_input_tokens: Any, prediction: Any,
               label: Any, *, extra: tuple[tuple[str, Any], ...] = (),
               cache_write: Any = None, metrics: bool = True) -> None:
        """Record one call (``metrics=False``: cost and in-process statistics only)."""


def _foreign_patch(adapter: Adapter) -> bool:
    """Whether another instrumentation (wrapt-style) already wraps the library's calls."""
    try:
        module = importlib.import_module(adapter.patched_module)
        method = getattr(getattr(module, adapter.patched_class), "create", None)
    except (ImportError, AttributeError):
        return False
    return getattr(method, "__wrapped__", None) is not None


class ClientInstrumentation:
    """The handle ``instrument_openai`` / ``instrument_anthropic`` return.

    Attributes:
        library: ``openai`` or ``anthropic``.
        client: The instrumented client, or None when the library is instrumented globally.
        bridge: The span processor taking another GenAI instrumentation's spans of this
            library (see :mod:`.span_bridge`), once one was found; else None.
    """

    def __init__(self, adapter: Adapter, owner: ClientOwner, client: Any) -> None:
        self.library = adapter.library
        self.client = client
        self.active = True
        self.bridge: GenAISpanBridge | None = None
        self._adapter = adapter
        self._owner = owner
        self._undo: list[Callable[[], None]] = []

    def _ensure_bridge(self) -> None:
        """Take the other instrumentation's spans of this library (once)."""
        if self.bridge is not None:
            return
        owner = self._owner

        def record(model: str, latency: float, inp: Any, out: Any, operation: str,
                   provider: Any, error: Any, cached: Any,
                   extra: tuple[tuple[str, Any], ...]) -> None:
            owner.record(model, latency, inp, out, operation, provider, error is None,
                         error, None, cached, None, None, extra=extra, metrics=False)

        bridge = GenAISpanBridge(record, self._adapter.providers, owner.tracer)
        with _LOCK:
            if self.bridge is None and install_bridge(bridge):
                self.bridge = bridge

    def uninstrument(self) -> None:
        """Restore the original client methods (idempotent)."""
        with _LOCK:
            if not self.active:
                return
            self.active = False
            if self.bridge is not None:
                self.bridge.active = False
            for undo in reversed(self._undo):
                undo()
            self._undo.clear()
            if _GLOBAL.get(self.library) is self:
                del _GLOBAL[self.library]

    # --- patching ---------------------------------------------------------------

    def _patch_class(self, cls: type) -> None:
        had = "request" in cls.__dict__
        original = cls.__dict__.get("request")
        inherited = cls.request  # type: ignore[attr-defined]
        is_async = _is_async(inherited)
        cls.request = self._wrap(inherited, is_async)  # type: ignore[attr-defined]

        def undo() -> None:
            if had:
                cls.request = original  # type: ignore[attr-defined]
            else:
                delattr(cls, "request")

        self._undo.append(undo)

    def _patch_client(self, client: Any) -> None:
        bound = client.request
        wrapper = self._wrap(bound.__func__, _is_async(bound))
        client.request = types.MethodType(wrapper, client)
        self._undo.append(lambda: client.__dict__.pop("request", None))

    def _wrap(self, original: Callable[..., Any], is_async: bool) -> Callable[..., Any]:
        if is_async:
            async def arequest(client: Any, cast_to: Any, options: Any, *args: Any,
                               **kwargs: Any) -> Any:
                call = self._start(client, options)
                if call is None:
                    return await original(client, cast_to, options, *args, **kwargs)
                token = _MEASURING.set(True)
                try:
                    result = await original(client, cast_to, options, *args, **kwargs)
                except BaseException as exc:
                    self._fail(call, exc)
                    raise
                finally:
                    _MEASURING.reset(token)
                    call._deactivate()
                return self._returned(call, result, options)

            return arequest

        def request(client: Any, cast_to: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
            call = self._start(client, options)
            if call is None:
                return original(client, cast_to, options, *args, **kwargs)
            token = _MEASURING.set(True)
            try:
                result = original(client, cast_to, options, *args, **kwargs)
            except BaseException as exc:
                self._fail(call, exc)
                raise
            finally:
                _MEASURING.reset(token)
                call._deactivate()
            return self._returned(call, result, options)

        return request

    # --- one call ---------------------------------------------------------------

    def _start(self, client: Any, options: Any) -> InferenceCall | None:
        """Open the call's span, or None when the request is not measured."""
        if not self.active or _MEASURING.get():
            return None
        if foreign_genai_span(self._owner.tracer):  # measured by another instrumentation
            self._ensure_bridge()
            return None
        operation = self._adapter.operation(getattr(options, "url", None))
        body = getattr(options, "json_data", None)
        model = body.get("model") if isinstance(body, Mapping) else None
        if operation is None or not isinstance(model, str):
            return None
        call = InferenceCall(self._owner, model, operation, self._adapter.provider_of(client),
                             _server(client))
        call._begin()
        call._activate()
        if self._owner.capture_content and isinstance(body, Mapping):
            messages = body.get("messages") or body.get("input")
            call.set_input_messages(messages if "system" not in body
                                    else {"system": body["system"], "messages": messages})
        return call

    def _fail(self, call: InferenceCall, exc: BaseException) -> None:
        call.fail(error_name(self._adapter, exc))
        call._end(exc)

    def _returned(self, call: InferenceCall, result: Any, options: Any) -> Any:
        iterator = getattr(result, "_iterator", None)
        if iterator is not None and hasattr(result, "close"):
            if hasattr(iterator, "__anext__"):
                self._watch_async(call, result, iterator)
            else:
                self._watch(call, result, iterator)
            return result
        try:
            usage = Usage()
            self._adapter.response(usage, result)
            _report(call, usage)
            if self._owner.capture_content:
                call.set_output_messages(_plain(self._adapter.output(result)))
        except Exception:  # an unexpected response shape must never fail the app
            pass
        call._end(None)
        return result

    def _watch(self, call: InferenceCall, stream: Any, iterator: Iterator[Any]) -> None:
        usage = Usage()
        finish = _finisher(call, usage)
        read = self._adapter.event

        def measured() -> Iterator[Any]:
            failure: BaseException | None = None
            try:
                for item in iterator:
                    call.chunk()
                    read(usage, item)
                    yield item
            except GeneratorExit:
                raise
            except BaseException as exc:
                failure = exc
                call.fail(error_name(self._adapter, exc))
                raise
            finally:
                finish(failure)

        close = stream.close

        def closing() -> None:
            try:
                close()
            finally:
                finish(None)

        stream._iterator = measured()
        stream.close = closing

    def _watch_async(self, call: InferenceCall, stream: Any, iterator: AsyncIterator[Any]
                     ) -> None:
        usage = Usage()
        finish = _finisher(call, usage)
        read = self._adapter.event

        async def measured() -> AsyncIterator[Any]:
            failure: BaseException | None = None
            try:
                async for item in iterator:
                    call.chunk()
                    read(usage, item)
                    yield item
            except GeneratorExit:
                raise
            except BaseException as exc:
                failure = exc
                call.fail(error_name(self._adapter, exc))
                raise
            finally:
                finish(failure)

        aclose = stream.close

        async def closing() -> None:
            try:
                await aclose()
            finally:
                finish(None)

        stream._iterator = measured()
        stream.close = closing


def _is_async(method: Any) -> bool:
    return inspect.iscoroutinefunction(getattr(method, "__func__", method))


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    dump = getattr(value, "model_dump", None)
    return dump(mode="json", exclude_none=True) if callable(dump) else value


def _report(call: InferenceCall, usage: Usage) -> None:
    call.set_usage(usage.input_tokens, usage.output_tokens, usage.cached_input_tokens,
                   usage.cache_write_tokens)
    call.set_response(usage.model, usage.id, usage.finish_reasons or None)


def _finisher(call: InferenceCall, usage: Usage) -> Callable[[BaseException | None], None]:
    done = threading.Lock()

    def finish(failure: BaseException | None) -> None:
        if not done.acquire(blocking=False):
            return  # already ended (exhausted, then closed)
        _report(call, usage)
        call._end(failure)

    return finish


def instrument_client(library: str, owner: ClientOwner, client: Any = None
                      ) -> ClientInstrumentation:
    """Instrument one client, or every client of ``library`` when ``client`` is None.

    Instrumenting a library that is already instrumented globally returns the same handle,
    which from then on records into ``owner``: the newest ``m.models`` that asked for it,
    such as the handle ``setup()`` rebuilds in a child forked after it.

    Raises:
        OtelMeasureConfigError: The library is not installed, or ``client`` is not one of
            its clients.
    """
    adapter = ADAPTERS[library]
    module = _import(library)
    classes = [getattr(module, name) for name in adapter.clients]
    with _LOCK:
        if client is None:
            existing = _GLOBAL.get(library)
            if existing is not None:
                existing._owner = owner  # the class patch outlives a fork; its owner not
                return existing
            handle = ClientInstrumentation(adapter, owner, None)
            for cls in classes:
                handle._patch_class(cls)
            _GLOBAL[library] = handle
        else:
            if not isinstance(client, tuple(classes)) and not callable(
                    getattr(client, "request", None)):
                raise OtelMeasureConfigError(
                    f"client={client!r} is not an {library} client: expected one of "
                    f"{', '.join(adapter.clients)}")
            handle = ClientInstrumentation(adapter, owner, client)
            handle._patch_client(client)
    if _foreign_patch(adapter):
        handle._ensure_bridge()
    return handle
