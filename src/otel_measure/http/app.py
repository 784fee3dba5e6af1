"""WSGI application serving Prometheus text and the JSON dashboard."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import make_wsgi_app as _prometheus_wsgi_app

__all__ = ["make_wsgi_app"]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _json(start_response: StartResponse, body: Any, status: str = "200 OK") -> list[bytes]:
    data = json.dumps(body, indent=2, sort_keys=True, default=str).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length",
                                                                    str(len(data)))])
    return [data]


def make_wsgi_app(
    registry: CollectorRegistry | None, dashboard: Callable[[], dict[str, Any]]
) -> WSGIApp:
    """Build the WSGI app.

    Args:
        registry: Prometheus registry served at ``/metrics`` (``None``: no such route).
        dashboard: Returns the unified dashboard served at ``/api/v1/metrics/dashboard``.
    """
    metrics_app = _prometheus_wsgi_app(registry) if registry is not None else None

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/").rstrip("/") or "/"
        if path == "/metrics" and metrics_app is not None:
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == "/api/v1/metrics/dashboard":
            return _json(start_response, dashboard())
        if path.startswith("/api/v1/metrics/"):
            section = path.rsplit("/", 1)[-1]
            snapshot = dashboard()
            if section in snapshot:
                return _json(start_response, snapshot[section])
            return _json(start_response, {"error": f"no section {section!r}"}, "404 Not Found")
        if path == "/":
            body = json.dumps(dashboard(), indent=2, sort_keys=True, default=str)
            page = (
                "<!doctype html><meta charset=utf-8><title>otel-measure</title>"
                "<h1>otel-measure</h1><p><a href=/metrics>/metrics</a> · "
                "<a href=/api/v1/metrics/dashboard>/api/v1/metrics/dashboard</a></p>"
                f"<pre>{html.escape(body)}</pre>"
            ).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return app
