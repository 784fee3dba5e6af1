"""ASGI middleware (Starlette, FastAPI, any ASGI app): the WSGI middleware's conventions.

Every HTTP request is measured into ``http.server.request.duration`` and
``http.server.active_requests`` through :meth:`RequestTracker.track_request`: the method
from the scope, the status from ``http.response.start``, ``url.scheme`` from the scope,
``http.route`` only from ``route_for`` (raw paths carry ids), ``error.type`` from an
exception or a 5xx status.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from otel_measure.instruments.infrastructure.requests import RequestTracker

__all__ = ["ASGIApp", "ASGIMiddleware"]

_log = logging.getLogger("otel_measure")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class ASGIMiddleware:
    """Wrap an ASGI app so every HTTP request is measured until its response is sent.

    Args:
        app: The ASGI application.
        tracker: The request tracker (``m.infrastructure.requests``).
        route_for: Returns the route template of a scope (e.g. from the app's router),
            or None to omit ``http.route``.
    """

    def __init__(self, app: ASGIApp, tracker: RequestTracker,
                 route_for: Callable[[Scope], str | None] | None = None) -> None:
        self.app = app
        self._tracker = tracker
        self._route_for = route_for
        self._route_for_failed = False

    def _route(self, scope: Scope) -> str | None:
        if self._route_for is None:
            return None
        try:
            return self._route_for(scope)
        except Exception as exc:  # a bug in route_for must not fail the request
            if not self._route_for_failed:
                self._route_for_failed = True
                _log.warning("otel-measure route_for raised %r; http.route omitted", exc)
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve one connection; lifespan and websocket scopes pass through untouched."""
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        request = self._tracker.track_request(
            scope.get("method", ""), self._route(scope), url_scheme=scope.get("scheme")
        ).__enter__()

        async def timed_send(message: Message) -> None:
            if message.get("type") == "http.response.start":
                request.set_status(message.get("status"))  # type: ignore[arg-type]
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        except BaseException as exc:
            request.fail(exc)
            raise
        finally:
            request.finish()
