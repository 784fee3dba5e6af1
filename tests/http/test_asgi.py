"""The ASGI app and the ASGI middleware, served by a real uvicorn."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import uvicorn

import otel_measure
from otel_measure.http import make_asgi_app, make_wsgi_app
from otel_measure.http.core import ROUTES
from tests.http.conftest import TOKEN, Client
from tests.support.net import free_port

B = "/api/v1/metrics"


@contextmanager
def uvicorn_serving(app: Any) -> Iterator[Client]:
    """Serve ``app`` with uvicorn on a free loopback port, on a thread."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            threading.Event().wait(0.02)
        yield Client(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join()


def test_asgi_app_answers_like_the_wsgi_app(
        served: tuple[otel_measure.Measure, Client]) -> None:
    """Under uvicorn every route answers the status and JSON keys the WSGI server gives."""
    m, wsgi = served
    app = make_asgi_app(None, lambda: m, api_token=TOKEN)
    urls = [f"{B}/dashboard", f"{B}/models/clf", f"{B}/models/nope",
            f"{B}/analytics/funnel?steps=page_view,purchase", f"{B}/analytics/funnel",
            f"{B}/analytics/ab-tests/button", f"{B}/models/cost", "/api/v1/openapi.json"]
    with uvicorn_serving(app) as asgi:
        for url in urls:
            a, w = asgi.get(url), wsgi.get(url)
            assert (a.status, set(a.json)) == (w.status, set(w.json)), url
        assert asgi.get(f"{B}/models/cost").json == wsgi.get(f"{B}/models/cost").json
        assert asgi.get("/api/v1/openapi.json").json == wsgi.get("/api/v1/openapi.json").json
        page = asgi.get("/dashboard")
        assert page.status == 200 and b"/dashboard/charts.js" in page.body
        before = m.models.get_latency_metrics("clf").total_calls
        ok = asgi.post(f"{B}/models/clf/inferences", {"latency_s": 0.1})
        assert ok.status == 202
        assert m.models.get_latency_metrics("clf").total_calls == before + 1
        rejected = asgi.post(f"{B}/models/clf/inferences", {"latency_s": -0.1})
        assert rejected.status == 422
        too_big = asgi.post(f"{B}/models/clf/inferences", raw=b"{" + b" " * (1 << 20) + b"}")
        assert too_big.status == 413
        assert asgi.post(f"{B}/models/clf/inferences", {"latency_s": 1}, token=None
                         ).status == 401


def test_both_apps_come_from_the_one_route_table() -> None:
    """The OpenAPI document lists the same operations as the table, in both apps."""
    wsgi = make_wsgi_app(None, lambda: None, api_token="t")
    assert callable(wsgi)
    from otel_measure.http.openapi import openapi_document

    doc = openapi_document(ROUTES)
    ops = {(method.upper(), path) for path, item in doc["paths"].items() for method in item}
    assert ops == {(r.method, r.path) for r in ROUTES}
    assert doc["openapi"] == "3.1.0"


async def _starlette_like(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] == "/boom":
        raise RuntimeError("boom")
    status = 200 if scope["path"].startswith("/items/") else 503
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def test_asgi_middleware_records_http_server_metrics_under_uvicorn() -> None:
    """Status, route template, 5xx and exceptions land in http.server.* like the WSGI one."""
    m = otel_measure.setup(prometheus_port=0)
    infra = m.infrastructure

    def route_for(scope: Any) -> str | None:
        return "/items/{id}" if scope["path"].startswith("/items/") else None

    app = infra.asgi_middleware(_starlette_like, route_for=route_for)
    with uvicorn_serving(app) as client:
        for i in range(3):
            assert client.get(f"/items/{i}", token=None).status == 200
        assert client.get("/down", token=None).status == 503
        assert client.get("/boom", token=None).status == 500
    latency = infra.get_request_latency_metrics()
    assert latency.total_requests == 5
    assert latency.error_rate == pytest.approx(2 / 5)
    text = infra.export_prometheus_metrics()
    rows = [line for line in text.splitlines()
            if line.startswith("http_server_request_duration_seconds_count")]
    items = [r for r in rows if 'http_route="/items/{id}"' in r]
    assert len(items) == 1 and items[0].endswith(" 3.0")
    assert 'http_response_status_code="200"' in items[0]
    assert any('error_type="503"' in r for r in rows)
    assert any('error_type="builtins.RuntimeError"' in r or 'error_type="RuntimeError"' in r
               for r in rows)
    assert all("/items/0" not in r for r in rows)
