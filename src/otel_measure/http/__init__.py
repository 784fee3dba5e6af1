"""HTTP: ``/metrics``, the REST API ``/api/v1/metrics/*`` with its OpenAPI document, and
the ``/dashboard`` page, as a WSGI app and an ASGI app built from one route table.

The names below are imported on first access (PEP 562), so ``setup()`` without the
Prometheus exporter never loads the HTTP stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from otel_measure._lazy import lazy_exports

if TYPE_CHECKING:
    from otel_measure.http.app import make_wsgi_app
    from otel_measure.http.asgi import make_asgi_app
    from otel_measure.http.server import MetricsServer

__all__ = ["MetricsServer", "make_asgi_app", "make_wsgi_app"]

_LAZY: dict[str, str] = {
    "MetricsServer": "otel_measure.http.server",
    "make_asgi_app": "otel_measure.http.asgi",
    "make_wsgi_app": "otel_measure.http.app",
}



if not TYPE_CHECKING:  # type checkers see the imports above; typos stay errors
    __getattr__, __dir__ = lazy_exports(globals(), _LAZY)
