"""The WSGI app: ``/metrics``, the REST API, its OpenAPI document and ``/dashboard``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client import make_wsgi_app as _prometheus_wsgi_app

from otel_measure.http.core import DEFAULT_MAX_BODY, Api, Request

__all__ = ["WSGIApp", "make_wsgi_app"]

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _wsgi_path(environ: dict[str, Any]) -> str:
    raw = str(environ.get("PATH_INFO", "/"))
    try:  # PEP 3333: PATH_INFO holds the URL-decoded bytes as latin-1
        return raw.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw


def make_wsgi_app(
    registry: CollectorRegistry | None,
    measure: Callable[[], Any],
    *,
    api_token: str | None = None,
    public: bool = False,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> WSGIApp:
    """Build the WSGI app (mount it in Flask or Django, or serve it with any WSGI server).

    Args:
        registry: Prometheus registry served at ``/metrics`` (``None``: no such route).
        measure: Returns the running ``Measure`` handle, e.g. ``otel_measure.get_measure``.
        api_token: Bearer token of the POST routes (None: they are off) and, when
            ``public``, of every route but ``/metrics``.
        public: Served off loopback: every route but ``/metrics`` needs the token.
        max_body_bytes: Larger request bodies answer 413 without being read.
    """
    metrics_app = _prometheus_wsgi_app(registry) if registry is not None else None
    api = Api(measure, api_token=api_token, public=public, max_body_bytes=max_body_bytes)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = _wsgi_path(environ)
        if path.rstrip("/") == "/metrics" and metrics_app is not None:
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        headers = {k[5:].replace("_", "-").lower(): str(v) for k, v in environ.items()
                   if k.startswith("HTTP_")}
        headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
        method = str(environ.get("REQUEST_METHOD", "GET")).upper()
        body: bytes | None = b""
        if method in ("POST", "PUT", "PATCH"):
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > max_body_bytes:
                body = None
            elif length > 0:
                body = environ["wsgi.input"].read(length)
        query = str(environ.get("QUERY_STRING", ""))
        try:
            query = query.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            query = "\ufffd"  # parse_qs answers 400 on it
        response = api.handle(Request(method, path, query, headers, body))
        start_response(response.status_line, response.header_list())
        return [b""] if method == "HEAD" else [response.body]

    return app
