"""Security by default: POST off without a token, every route locked off loopback."""

from __future__ import annotations

import io
import json
from typing import Any
from wsgiref.util import setup_testing_defaults

import otel_measure
from otel_measure.http import make_wsgi_app
from otel_measure.http.core import ROUTES
from otel_measure.http.openapi import OPENAPI_PATH
from tests.http.conftest import TOKEN, Client, populate

B = "/api/v1/metrics"


def _call(app: Any, method: str, path: str, token: str | None = None,
          body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request through the WSGI app itself (PEP 3333 environ)."""
    path, _, query = path.partition("?")
    environ: dict[str, Any] = {"REQUEST_METHOD": method, "PATH_INFO": path,
                               "QUERY_STRING": query}
    if token is not None:
        environ["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if body is not None:
        environ.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
        environ["wsgi.input"] = io.BytesIO(body)
    setup_testing_defaults(environ)
    got: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        got["status"], got["headers"] = int(status[:3]), dict(headers)

    data = b"".join(app(environ, start_response))
    return got["status"], got["headers"], data


def _example(path: str) -> str:
    return (path.replace("{model}", "clf").replace("{name}", "button")
            + ("?steps=page_view" if path.endswith("/funnel") else ""))


def test_post_routes_are_off_without_a_token() -> None:
    """Without api_token every POST answers 404 and the OpenAPI document has no POST."""
    m = otel_measure.setup(prometheus_port=0)
    populate(m)
    assert m.prometheus_url is not None
    client = Client(m.prometheus_url.removesuffix("/metrics"))
    for route in ROUTES:
        if route.method == "POST":
            reply = client.post(_example(route.path), {"user_id": "a"}, token="anything")
            assert reply.status == 404 and "api_token" in reply.json["message"]
    doc = client.get(OPENAPI_PATH).json
    assert all("post" not in item for item in doc["paths"].values())
    assert client.get(f"{B}/models/clf").status == 200


def test_off_loopback_every_route_but_metrics_needs_the_token() -> None:
    """public=True: 401 with WWW-Authenticate without the token, 200 with it; /metrics open."""
    m = otel_measure.setup(prometheus_port=0)
    populate(m)
    from prometheus_client import CollectorRegistry

    app = make_wsgi_app(CollectorRegistry(), lambda: m, api_token=TOKEN, public=True)
    for route in ROUTES:
        status, headers, _ = _call(app, route.method, _example(route.path))
        assert status == 401, route.path
        assert headers["WWW-Authenticate"].startswith("Bearer")
        if route.method == "GET":
            assert _call(app, "GET", _example(route.path), token=TOKEN)[0] == 200, route.path
            assert _call(app, "GET", _example(route.path), token="nope")[0] == 401
    assert _call(app, "GET", OPENAPI_PATH)[0] == 401
    doc = json.loads(_call(app, "GET", OPENAPI_PATH, token=TOKEN)[2])
    assert all(op.get("security") == [{"bearer": []}]
               for item in doc["paths"].values() for op in item.values())
    assert _call(app, "GET", "/metrics")[0] == 200


def test_public_without_a_token_locks_everything_but_metrics() -> None:
    """Bound off loopback with no token configured, no route but /metrics answers."""
    m = otel_measure.setup(prometheus_port=0)
    app = make_wsgi_app(None, lambda: m, public=True)
    status, _, body = _call(app, "GET", f"{B}/dashboard")
    assert status == 401 and b"no api_token is configured" in body


def test_setup_locks_reads_when_bound_off_loopback() -> None:
    """setup(prometheus_host='0.0.0.0') serves reads only with the token."""
    m = otel_measure.setup(prometheus_port=0, prometheus_host="0.0.0.0", api_token=TOKEN)
    assert m.prometheus_url is not None
    client = Client(m.prometheus_url.replace("0.0.0.0", "127.0.0.1").removesuffix("/metrics"))
    assert client.get(f"{B}/dashboard", token=None).status == 401
    assert client.get(f"{B}/dashboard").status == 200
    assert client.get("/metrics", token=None).status == 200


def test_the_page_holds_no_data_and_loads_nothing_from_outside() -> None:
    """/dashboard and its assets are served from the package, with only local URLs."""
    m = otel_measure.setup(prometheus_port=0)
    app = make_wsgi_app(None, lambda: m, public=True)
    status, headers, page = _call(app, "GET", "/dashboard")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for asset in ("/dashboard/charts.js", "/dashboard/dashboard.js", "/dashboard/dashboard.css"):
        code, _, body = _call(app, "GET", asset)
        assert code == 200 and body
        assert b"http://" not in body.replace(b"http://www.w3.org/2000/svg", b"")
        assert b"https://" not in body
    assert b"https://" not in page and b"http://" not in page
