"""Optional WSGI app: ``/metrics``, ``/api/v1/metrics/*`` and a small dashboard page."""

from otel_measure.http.app import make_wsgi_app
from otel_measure.http.server import MetricsServer

__all__ = ["MetricsServer", "make_wsgi_app"]
