"""HTTP: ``/metrics``, the REST API ``/api/v1/metrics/*`` with its OpenAPI document, and
the ``/dashboard`` page, as a WSGI app and an ASGI app built from one route table."""

from otel_measure.http.app import make_wsgi_app
from otel_measure.http.asgi import make_asgi_app
from otel_measure.http.server import MetricsServer

__all__ = ["MetricsServer", "make_asgi_app", "make_wsgi_app"]
