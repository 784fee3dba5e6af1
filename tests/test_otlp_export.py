"""Metrics and spans reach a real OTLP receiver over gRPC and HTTP/protobuf."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import otel_measure
from tests.support.otlp_receiver import GrpcReceiver, HttpReceiver, attributes


@pytest.fixture(params=["grpc", "http/protobuf"])
def receiver(request: pytest.FixtureRequest) -> Iterator[tuple[str, GrpcReceiver | HttpReceiver]]:
    """A live OTLP receiver for each protocol."""
    server = GrpcReceiver() if request.param == "grpc" else HttpReceiver()
    yield request.param, server
    server.stop()


def test_metrics_and_spans_arrive_with_resource_units_and_values(
    receiver: tuple[str, GrpcReceiver | HttpReceiver],
) -> None:
    """A flush delivers our metrics with units and values, spans, and the resource."""
    protocol, server = receiver
    m = otel_measure.setup(
        service_name="otlp-test", service_version="9.9", environment="ci",
        exporters=["otlp"], otlp_endpoint=server.endpoint, otlp_protocol=protocol,
        otlp_headers={"x-tenant": "acme"}, export_interval_s=3600,
    )
    assert m.endpoints["otlp"]["protocol"] == protocol
    m.rejections.reject("demo_reason", "dropped on purpose")
    with m.tracer.start_as_current_span("checkout") as span:
        span.set_attribute("cart.items", 3)
    m.shutdown()  # flushes the periodic reader and the batch span processor
    got = server.received
    assert got.wait_for(lambda: got.metric("measure.rejected") is not None)
    assert got.wait_for(lambda: len(got.spans()) >= 1)

    rejected, resource = got.metric("measure.rejected")  # type: ignore[misc]
    assert rejected.unit == "{input}"
    point = rejected.sum.data_points[0]
    assert point.as_int == 1 and rejected.sum.is_monotonic
    assert attributes(point.attributes) == {"reason": "demo_reason"}
    assert resource["service.name"] == "otlp-test"
    assert resource["service.version"] == "9.9"
    assert resource["deployment.environment.name"] == "ci"
    assert resource["telemetry.sdk.name"] == "opentelemetry"

    limit, _ = got.metric("system.memory.limit")  # type: ignore[misc]
    assert limit.unit == "By"
    assert limit.sum.data_points[0].as_int > 0

    span, span_resource = got.spans()[0]
    assert span.name == "checkout"
    assert attributes(span.attributes) == {"cart.items": 3}
    assert span_resource["service.name"] == "otlp-test"
    assert any(h.get("x-tenant") == "acme" for h in got.headers)
    if protocol == "http/protobuf":
        assert "/v1/metrics" in got.paths and "/v1/traces" in got.paths
