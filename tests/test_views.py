"""Default Views: explicit semantic-convention buckets, allow-lists, cardinality limits."""

from __future__ import annotations

import urllib.request

import pytest
from opentelemetry.sdk.metrics.export import HistogramDataPoint

import otel_measure
from otel_measure.names.analytics import ANALYTICS_EVENTS, ANALYTICS_SESSION_DURATION
from otel_measure.names.infrastructure import HTTP_SERVER_REQUEST_DURATION
from otel_measure.names.models import (
    GEN_AI_CLIENT_OPERATION_DURATION,
    GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK,
    GEN_AI_CLIENT_TOKEN_USAGE,
)
from otel_measure.views import (
    GEN_AI_DURATION_BUCKETS,
    GEN_AI_TOKEN_USAGE_BUCKETS,
    HTTP_SERVER_DURATION_BUCKETS,
    SECONDS_BUCKETS,
    histogram_view,
)
from tests.support.rig import Rig


def test_bucket_constants_match_semantic_conventions() -> None:
    """GenAI buckets double from 0.01 s and quadruple from 1 token; HTTP buckets per spec."""
    assert tuple(round(0.01 * 2**i, 2) for i in range(14)) == GEN_AI_DURATION_BUCKETS
    assert GEN_AI_DURATION_BUCKETS[-1] == 81.92
    assert tuple(4**i for i in range(14)) == GEN_AI_TOKEN_USAGE_BUCKETS
    assert GEN_AI_TOKEN_USAGE_BUCKETS[-1] == 67108864
    assert HTTP_SERVER_DURATION_BUCKETS == (
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)
    for buckets in (GEN_AI_DURATION_BUCKETS, GEN_AI_TOKEN_USAGE_BUCKETS,
                    HTTP_SERVER_DURATION_BUCKETS, SECONDS_BUCKETS):
        assert list(buckets) == sorted(set(buckets))


def test_default_views_give_histograms_convention_buckets() -> None:
    """Without any advisory, the Views set the GenAI and HTTP buckets."""
    rig = Rig(views=True)
    meter = rig.meter
    cases = {
        GEN_AI_CLIENT_OPERATION_DURATION.name: GEN_AI_DURATION_BUCKETS,
        GEN_AI_CLIENT_TOKEN_USAGE.name: GEN_AI_TOKEN_USAGE_BUCKETS,
        GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK.name: GEN_AI_DURATION_BUCKETS,
        HTTP_SERVER_REQUEST_DURATION.name: HTTP_SERVER_DURATION_BUCKETS,
        ANALYTICS_SESSION_DURATION.name: SECONDS_BUCKETS,
    }
    for name in cases:
        meter.create_histogram(name).record(0.3)
    points = rig.all_points()
    for name, buckets in cases.items():
        (point,) = points[name]
        assert isinstance(point, HistogramDataPoint)
        assert tuple(point.explicit_bounds) == tuple(float(b) for b in buckets), name


def test_allow_list_drops_unbounded_attributes() -> None:
    """A user id or free text attached to an analytics event never becomes a series."""
    rig = Rig(views=True)
    counter = rig.meter.create_counter(ANALYTICS_EVENTS.name)
    for user in range(50):
        counter.add(1, {"event.name": "signup", "user.id": f"u{user}", "comment": "hi"})
    (point,) = rig.all_points()[ANALYTICS_EVENTS.name]
    assert dict(point.attributes) == {"event.name": "signup"}
    assert point.value == 50


def test_histogram_view_rejects_unsorted_buckets() -> None:
    """Bucket boundaries must be finite and strictly increasing."""
    with pytest.raises(ValueError, match="strictly increasing"):
        histogram_view(HTTP_SERVER_REQUEST_DURATION, [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        histogram_view(HTTP_SERVER_REQUEST_DURATION, [1.0, 1.0])


def test_cardinality_limit_overflows_to_one_series() -> None:
    """Past the configured limit, new attribute sets fold into otel.metric.overflow=true."""
    m = otel_measure.setup(prometheus_port=0, cardinality_limit=5, infrastructure=False)
    counter = m.meter.create_counter("measure.test.items")
    for i in range(40):
        counter.add(1, {"item": f"i{i}"})
    assert m.prometheus_url is not None
    with urllib.request.urlopen(m.prometheus_url, timeout=5) as resp:
        text = resp.read().decode()
    series = [line for line in text.splitlines() if line.startswith("measure_test_items_total")]
    overflow = [line for line in series if 'otel_metric_overflow="true"' in line]
    assert len(overflow) == 1
    assert len(series) - len(overflow) <= 5
    assert sum(float(line.rsplit(" ", 1)[1]) for line in series) == 40
