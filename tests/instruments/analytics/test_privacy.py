"""Analytics privacy: keyed pseudonyms, and raw ids in no metric, dashboard or error."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import pytest

import otel_measure
from otel_measure import OtelMeasureConfigError
from otel_measure.instruments import UserAnalytics
from otel_measure.instruments.analytics.privacy import Pseudonymizer
from otel_measure.names.analytics import EXPERIMENT_INFO
from otel_measure.options import AnalyticsOptions
from tests.support.analytics import T0, AnalyticsRig
from tests.support.rig import Rig

RAW_IDS = ("alice@example.com", "bob-4242", "carol+vip@example.org")


@pytest.mark.parametrize("key", ["k", "x" * 64, "y" * 65, "ключ" * 40])
def test_pseudonym_is_truncated_hmac_sha256(key: str) -> None:
    """The pseudonym is the first 16 bytes of HMAC-SHA256(key, id), hex; ints as decimal."""
    pseudo = Pseudonymizer(key)
    for user in ("a", "user-1", "é" * 300, 42):
        want = hmac.new(key.encode(), str(user).encode(), hashlib.sha256).hexdigest()[:32]
        assert pseudo(user) == want


def test_shared_key_joins_ids_across_instances_random_keys_do_not(
        caplog: pytest.LogCaptureFixture) -> None:
    """Replicas sharing a key agree on pseudonyms; without a key each warns and differs."""
    assert Pseudonymizer("shared")("u") == Pseudonymizer("shared")("u")
    with caplog.at_level(logging.WARNING, logger="otel_measure"):
        first, second = Pseudonymizer(None), Pseudonymizer(None)
    assert first("u") != second("u")
    assert sum("will not join across processes" in r.getMessage() for r in caplog.records) == 2


def test_key_comes_from_the_environment_and_stays_out_of_repr(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """OTEL_MEASURE_ANALYTICS_KEY supplies the key; repr() never shows it."""
    monkeypatch.setenv("OTEL_MEASURE_ANALYTICS_KEY", "s3cret-from-env")
    options = AnalyticsOptions()
    assert options.key == "s3cret-from-env"
    assert "s3cret" not in repr(options)
    rig = Rig()
    analytics = UserAnalytics(rig.meter, rig.rejections, options)
    want = hmac.new(b"s3cret-from-env", b"u", hashlib.sha256).hexdigest()[:32]
    assert analytics.pseudonym("u") == want


def _exercise(rig: AnalyticsRig) -> None:
    a = rig.analytics
    a.create_ab_test("checkout", ("blue", "green"), goal_event="purchase")
    for i, user in enumerate(RAW_IDS):
        sid = a.start_session(user, {"email": user})
        a.track_event("view", user, {"user": user}, session_id=sid)
        a.assign_variant("checkout", user)
        a.track_event("purchase", user, session_id=sid, revenue=10.0)
        a.record_nps_response(user, 9 - i, comment=f"I am {user}", segment="vip")
        if sid is not None:
            a.end_session(sid)
    a.track_event(RAW_IDS[0], RAW_IDS[1])  # an id misused as an event name is capped too


def test_raw_ids_never_reach_metrics_or_the_dashboard() -> None:
    """No exported attribute and no dashboard value holds a raw id or a pseudonym."""
    rig = AnalyticsRig(events=("view", "purchase"))
    _exercise(rig)
    exported = rig.reader.get_metrics_data()
    assert exported is not None
    text = exported.to_json()
    dashboard = json.dumps(rig.analytics.dashboard_section(now=T0 + 60))
    pseudonyms = [rig.analytics.pseudonym(u) for u in RAW_IDS]
    for secret in (*RAW_IDS, *pseudonyms, "alice", "I am"):
        assert secret not in text
        assert secret not in dashboard
    attribute_keys = {k for rm in exported.resource_metrics for sm in rm.scope_metrics
                      for m in sm.metrics if m.name.startswith("measure.")
                      for p in m.data.data_points for k in (p.attributes or {})}
    assert attribute_keys == {"event.name", "nps.category", "experiment", "variant",
                              *EXPERIMENT_INFO.attributes}  # test definitions, no ids


def test_segments_list_pseudonyms_only() -> None:
    """segment_users members are pseudonyms, never the ids given."""
    rig = AnalyticsRig()
    _exercise(rig)
    segments = rig.analytics.segment_users(now=T0 + 60)
    members = {m for s in segments.segments.values() for m in s.members}
    assert members == {rig.analytics.pseudonym(u) for u in RAW_IDS}
    assert not any(raw in json.dumps(segments.to_dict()) for raw in RAW_IDS)


def test_default_views_drop_ids_attached_by_hand() -> None:
    """Even a caller adding a user id to an analytics instrument gets no such series."""
    rig = Rig(views=True)
    counter = rig.meter.create_counter("measure.experiment.exposures")
    counter.add(1, {"experiment": "t", "variant": "a", "user.id": RAW_IDS[0]})
    assert RAW_IDS[0] not in rig.reader.get_metrics_data().to_json()  # type: ignore[union-attr]


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"max_users": 0}, "max_users"), ({"event_buffer_size": True}, "event_buffer_size"),
    ({"session_timeout_s": float("nan")}, "session_timeout_s"), ({"events": "signup"}, "events"),
    ({"key": ""}, "key"),
])
def test_analytics_options_are_validated(kwargs: dict[str, object], field: str) -> None:
    """Invalid options raise OtelMeasureConfigError naming the field."""
    with pytest.raises(OtelMeasureConfigError, match=f"AnalyticsOptions.{field}"):
        AnalyticsOptions(**kwargs)  # type: ignore[arg-type]


def test_setup_with_a_key_reports_a_configured_key() -> None:
    """setup(analytics=AnalyticsOptions(key=...)) pseudonymises with that key."""
    m = otel_measure.setup(exporters="none", infrastructure=False,
                           analytics=AnalyticsOptions(key="fleet-key"))
    assert m.analytics.pseudonym("u") == hmac.new(b"fleet-key", b"u", "sha256").hexdigest()[:32]
    assert m.dashboard()["analytics"]["state"]["pseudonym_key"] == "configured"
