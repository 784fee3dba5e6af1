"""The ASGI app (Starlette, FastAPI, any ASGI server): the same routes as the WSGI app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from otel_measure.http.core import DEFAULT_MAX_BODY, Api, Request, Response

__all__ = ["ASGIApp", "make_asgi_app"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        more = bool(message.get("more_body", False))
    return b"".join(chunks)


def make_asgi_app(
    registry: CollectorRegistry | None,
    measure: Callable[[], Any],
    *,
    api_token: str | None = None,
    public: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> ASGIApp:
    """Build the ASGI app; the arguments are :func:`otel_measure.http.make_wsgi_app`'s.

    Handlers are the synchronous Python API's; they are short (no I/O), so they run on
    the event loop.
    """
    api = Api(measure, api_token=api_token, public=public, max_body_bytes=max_body_bytes)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        path = str(scope.get("path", "/"))
        method = str(scope.get("method", "GET")).upper()
        if path.rstrip("/") == "/metrics" and registry is not None:
            response = Response(200, generate_latest(registry), CONTENT_TYPE_LATEST)
        else:
            headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            body: bytes | None = b""
            if method in ("POST", "PUT", "PATCH"):
                body = await _read_body(receive, max_body_bytes)
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            try:
                query = query.encode("latin-1").decode("utf-8")
            except UnicodeDecodeError:
                query = "\ufffd"
            response = api.handle(Request(method, path, query, headers, body))
        await send({"type": "http.response.start", "status": response.status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                for k, v in response.header_list()]})
        await send({"type": "http.response.body",
                    "body": b"" if method == "HEAD" else response.body})

    return app
