"""A running ``setup()`` with data in every domain, served on a real port, and a client."""

from __future__ import annotations

import http.client
import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import otel_measure
from otel_measure import InfrastructureOptions

TOKEN = "s3cret-token"


@dataclass
class Reply:
    """Status, headers and body of one answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


class Client:
    """A plain HTTP/1.1 client for one server."""

    def __init__(self, base: str) -> None:
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.base = base

    def request(self, method: str, path: str, body: Any = None, *, token: str | None = TOKEN,
                content_type: str = "application/json", raw: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = dict(headers or {})
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        if data is not None:
            sent["Content-Type"] = content_type
        conn.request(method, path, body=data, headers=sent)
        resp = conn.getresponse()
        reply = Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        conn.close()
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)


def populate(m: otel_measure.Measure) -> None:
    """Data in every domain: a classifier with drift and fairness, an LLM, events, NPS, a test."""
    m.models.register_model("clf", task="classification")
    m.models.set_baseline("clf", [i % 2 for i in range(200)])
    for i in range(60):
        m.models.record_inference("clf", 0.01 + i / 1000, prediction=i % 2, label=(i // 2) % 2)
        m.models.observe_outcome("clf", "east" if i % 3 else "west", i % 2, (i // 2) % 2)
    for i in range(20):
        m.models.record_inference("gpt-4o-mini", 0.5 + i / 100, 1000, 200)
    analytics = m.analytics
    analytics.create_ab_test("button", ("blue", "green"), goal_event="purchase")
    for i in range(40):
        user = f"user-{i}"
        analytics.track_event("page_view", user)
        analytics.assign_variant("button", user)
        if i % 3 == 0:
            analytics.track_event("purchase", user, revenue=10.0)
        analytics.record_nps_response(user, i % 11)
    m.infrastructure.sample()
    m.infrastructure.sample()


@pytest.fixture
def served() -> Iterator[tuple[otel_measure.Measure, Client]]:
    """``setup()`` with the API token, on a free loopback port, with data in every domain."""
    m = otel_measure.setup(service_name="api-test", prometheus_port=0, api_token=TOKEN,
                           infrastructure=InfrastructureOptions(sample_interval_s=3600.0))
    populate(m)
    assert m.prometheus_url is not None
    yield m, Client(m.prometheus_url.removesuffix("/metrics"))
    m.shutdown()
