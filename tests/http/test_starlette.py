"""The docs/api.md Starlette snippets, run as written with a real Starlette under uvicorn."""

from __future__ import annotations

import pytest

starlette = pytest.importorskip("starlette", reason="starlette is in the test extra")

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import PlainTextResponse  # noqa: E402
from starlette.routing import Match, Route  # noqa: E402

import otel_measure  # noqa: E402
from otel_measure.http import make_asgi_app  # noqa: E402
from tests.http.conftest import TOKEN  # noqa: E402
from tests.http.test_asgi import uvicorn_serving  # noqa: E402

B = "/api/v1/metrics"


def _item(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"item {request.path_params['id']}")


def test_mounted_api_and_route_templates_from_the_docs() -> None:
    """``app.mount("/", asgi)`` answers the API; ``route_for`` labels with the template."""
    m = otel_measure.setup(prometheus_port=0)
    starlette_app = Starlette(routes=[Route("/items/{id}", _item)])
    asgi = make_asgi_app(None, otel_measure.get_measure, api_token=TOKEN)
    starlette_app.mount("/", asgi)
    # The docs' route_for, verbatim.
    app = m.infrastructure.asgi_middleware(starlette_app, route_for=lambda scope: next(
        (r.path for r in starlette_app.routes
         if isinstance(r, Route) and r.matches(scope)[0] == Match.FULL), None))
    m.models.record_inference("clf", latency_s=0.25)
    with uvicorn_serving(app) as client:
        for i in range(4):
            reply = client.get(f"/items/{i}", token=None)
            assert (reply.status, reply.body) == (200, f"item {i}".encode())
        dashboard = client.get(f"{B}/dashboard")
        assert dashboard.status == 200
        assert "models" in dashboard.json
        latency = client.get(f"{B}/models/clf")
        assert latency.status == 200
        assert client.post(f"{B}/models/clf/inferences", {"latency_s": 1}, token=None
                           ).status == 401
    text = m.infrastructure.export_prometheus_metrics()
    rows = [line for line in text.splitlines()
            if line.startswith("http_server_request_duration_seconds_count")]
    items = [r for r in rows if 'http_route="/items/{id}"' in r]
    assert len(items) == 1 and items[0].endswith(" 4.0"), rows
    # Raw paths never become labels; API calls through the mount carry no route.
    assert not any("/items/0" in r or "/api/v1" in r for r in rows), rows
    assert m.infrastructure.get_request_latency_metrics().total_requests == 7
    assert "invalid_http_route" not in text

