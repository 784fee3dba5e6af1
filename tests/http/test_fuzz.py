"""Fuzz every operation of the OpenAPI document with schemathesis (bounded examples).

No input may give a 5xx, and every answer must match the document: status code, content
type and response schema.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

import otel_measure
from otel_measure.http.core import ROUTES
from otel_measure.http.openapi import OPENAPI_PATH, openapi_document
from tests.http.conftest import TOKEN, populate

# The document a loopback server with ingestion on serves (checked below).
schema = schemathesis.openapi.from_dict(openapi_document(ROUTES))


@pytest.fixture
def base_url() -> Iterator[str]:
    """A populated ``setup()`` with ingestion on, served on a free loopback port."""
    m = otel_measure.setup(prometheus_port=0, api_token=TOKEN,
                           infrastructure=otel_measure.InfrastructureOptions(
                               sample_interval_s=3600.0))
    populate(m)
    assert m.prometheus_url is not None
    yield m.prometheus_url.removesuffix("/metrics")
    m.shutdown()


def test_the_fuzzed_document_is_the_served_one(base_url: str) -> None:
    """The server serves exactly the document generated from the route table."""
    with urllib.request.urlopen(base_url + OPENAPI_PATH) as reply:
        assert json.load(reply) == openapi_document(ROUTES)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_gives_a_5xx_or_breaks_the_document(case: Any, base_url: str) -> None:
    """Generated paths, queries and bodies: never a 5xx, always as documented."""
    case.call_and_validate(
        base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                response_schema_conformance])
