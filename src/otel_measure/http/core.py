"""The framework-neutral API: a request in, a response out; WSGI and ASGI adapt to it."""

from __future__ import annotations

import hmac
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from otel_measure.calculators._result import to_plain
from otel_measure.errors import OtelMeasureError
from otel_measure.http import page
from otel_measure.http.ingest import INGEST_ROUTES
from otel_measure.http.openapi import OPENAPI_PATH, openapi_document
from otel_measure.http.read import READ_ROUTES
from otel_measure.http.routes import ApiError, Call, Param, Route, match

__all__ = ["ROUTES", "Api", "Request", "Response"]

_log = logging.getLogger("otel_measure")
ROUTES: tuple[Route, ...] = READ_ROUTES + INGEST_ROUTES
DEFAULT_MAX_BODY = 1 << 20


@dataclass(frozen=True)
class Request:
    """One HTTP request; ``body`` is None when it was larger than the limit (not read)."""

    method: str
    path: str
    query_string: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes | None = b""


@dataclass(frozen=True)
class Response:
    """Status, content type, body and extra headers."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def status_line(self) -> str:
        """``"200 OK"`` for WSGI."""
        return f"{self.status} {HTTPStatus(self.status).phrase}"

    def header_list(self) -> list[tuple[str, str]]:
        """Every header, Content-Type and Content-Length included."""
        return [("Content-Type", self.content_type), ("Content-Length", str(len(self.body))),
                ("Cache-Control", "no-store"), *self.headers]


def json_response(status: int, body: Any, headers: tuple[tuple[str, str], ...] = ()
                  ) -> Response:
    """Serialise ``body`` (non-finite floats become null) into a JSON response."""
    data = json.dumps(to_plain(body), sort_keys=True, default=str, allow_nan=False)
    return Response(status, data.encode(), "application/json", headers)


def error(status: int, message: str, **extra: Any) -> Response:
    """A JSON error: ``{"status", "error", "message", ...}``."""
    allow = extra.pop("allow", None)
    headers = (("Allow", allow),) if allow else ()
    if status == 401:
        headers = (*headers, ("WWW-Authenticate", 'Bearer realm="otel-measure"'))
    return json_response(status, {"status": status, "error": HTTPStatus(status).phrase,
                                  "message": message, **extra}, headers)


class Api:
    """Routes, security and errors of ``/api/v1/*`` and the ``/dashboard`` page.

    Args:
        measure: Returns the running ``Measure`` handle (called per request).
        api_token: Bearer token of POST routes (None: POST routes are off) and, when
            ``public``, of every route.
        public: Bound off loopback: every route needs the token.
        max_body_bytes: Larger request bodies answer 413.
    """

    def __init__(self, measure: Callable[[], Any], *, api_token: str | None = None,
                 public: bool = False, max_body_bytes: int = DEFAULT_MAX_BODY) -> None:
        self._measure = measure
        self._token = api_token or None
        self.public = public
        self.max_body_bytes = max_body_bytes
        self.routes = ROUTES if self._token else READ_ROUTES

    def _authorised(self, headers: Mapping[str, str]) -> bool:
        if self._token is None:
            return False
        scheme, _, given = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self._token.encode())

    def handle(self, request: Request) -> Response:
        """Answer one request; never raises."""
        try:
            return self._handle(request)
        except ApiError as exc:
            return error(exc.status, exc.message, **exc.extra)
        except Exception as exc:  # a defect: logged, answered without a traceback
            _log.exception("otel-measure API: %s %s failed", request.method, request.path)
            return error(500, f"internal error: {type(exc).__name__}")

    def _handle(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        asset = page.asset(path)
        if asset is not None:
            if request.method not in ("GET", "HEAD"):
                return error(405, f"{request.method} is not allowed on {path}", allow="GET")
            return Response(200, asset[0], asset[1])
        if path == OPENAPI_PATH:
            self._check_read(request)
            return json_response(200, openapi_document(self.routes, self.public))
        found = match(ROUTES, path)
        if not found:
            return error(404, f"no route {path}; see {OPENAPI_PATH}")
        method = "GET" if request.method == "HEAD" else request.method
        chosen = [(r, p) for r, p in found if r.method == method]
        if not chosen:
            allow = ", ".join(r.method for r, _ in found)
            return error(405, f"{request.method} is not allowed on {path}", allow=allow)
        route, params = chosen[0]
        if route.method == "POST":
            if self._token is None:
                return error(404, "ingestion is off: no api_token is configured "
                             "(setup(api_token=...) or OTEL_MEASURE_API_TOKEN)")
            if not self._authorised(request.headers):
                return error(401, "POST needs 'Authorization: Bearer <api_token>'")
        else:
            self._check_read(request)
        return self._run(route, params, request)

    def _check_read(self, request: Request) -> None:
        if self.public and not self._authorised(request.headers):
            raise ApiError(401, "off loopback every route but /metrics needs "
                           "'Authorization: Bearer <api_token>'" + (
                               "" if self._token else "; no api_token is configured"))

    def _run(self, route: Route, params: dict[str, str], request: Request) -> Response:
        body: Any = None
        if route.body is not None:
            body = _json_body(request, self.max_body_bytes)
        query = _parse_query(route.query, request.query_string)
        measure = self._measure()
        if route.tag in ("infrastructure", "models", "analytics"):
            try:
                getattr(measure, route.tag)
            except OtelMeasureError as exc:
                raise ApiError(404, str(exc)) from None
        if route.exists is not None:
            missing = route.exists(measure, params)
            if missing is not None:
                raise ApiError(404, missing)
        try:
            result = route.handler(measure, Call(params, query, body))
        except ApiError:
            raise
        except ValueError as exc:  # the Python API's message names argument and value
            raise ApiError(422, str(exc)) from None
        if route.text:
            return Response(route.success, str(result).encode(),
                            "text/plain; version=0.0.4; charset=utf-8")
        return json_response(route.success, result)


def _json_body(request: Request, limit: int) -> Any:
    if request.body is None:
        raise ApiError(413, f"the body is over {limit} bytes")
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, f"Content-Type must be application/json, not {kind or 'none'!r}")
    try:
        return json.loads(request.body.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ApiError(400, f"the body is not valid JSON: {exc}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_query(params: tuple[Param, ...], query_string: str) -> dict[str, Any]:
    try:
        raw = parse_qs(query_string, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "the query string is not valid UTF-8") from None
    out: dict[str, Any] = {}
    for param in params:
        values = raw.get(param.name)
        if not values:
            if param.required:
                raise ApiError(400, f"query parameter {param.name!r} is required")
            continue
        value = values[-1]
        if param.kind in ("number", "integer"):
            try:
                number = float(value) if param.kind == "number" else int(value)
            except ValueError:
                raise ApiError(400, f"query parameter {param.name}={value!r} is not a "
                               f"{param.kind}") from None
            if not math.isfinite(number):
                raise ApiError(400, f"query parameter {param.name}={value!r} is not finite")
            out[param.name] = number
        elif param.kind == "csv":
            out[param.name] = [v for v in value.split(",") if v]
        else:
            if param.enum and value not in param.enum:
                raise ApiError(400, f"query parameter {param.name}={value!r}: allowed "
                               f"{list(param.enum)}")
            out[param.name] = value
    return out
