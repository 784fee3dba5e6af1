"""Accepted analytics events reach a real OTLP receiver as log records, once each."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk._logs import LoggerProvider, LogRecordProcessor
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

import otel_measure
from otel_measure import AnalyticsOptions, OtelMeasureConfigError
from otel_measure.config import resolve_settings
from otel_measure.instruments.analytics.event_logs import EventLogEmitter, loggable_value
from tests.support.net import free_port
from tests.support.otlp_receiver import GrpcReceiver, HttpReceiver, attributes

ROOT = Path(__file__).resolve().parents[3]
N = 1000
T0 = 1_700_000_000


@pytest.fixture(params=["grpc", "http/protobuf"])
def receiver(request: pytest.FixtureRequest) -> Iterator[tuple[str, GrpcReceiver | HttpReceiver]]:
    """A live OTLP receiver for each protocol."""
    server = GrpcReceiver() if request.param == "grpc" else HttpReceiver()
    yield request.param, server
    server.stop()


def _setup(endpoint: str, protocol: str, **options: Any) -> otel_measure.Measure:
    analytics = AnalyticsOptions(key="test-key", events_as_logs=True,
                                 event_log_properties=("seq", "plan"), **options)
    return otel_measure.setup(exporters="none", traces_exporters="otlp", otlp_endpoint=endpoint,
                              otlp_protocol=protocol, infrastructure=False, models=False,
                              analytics=analytics)


def _raw_id(i: int) -> str:
    return f"raw-user-{i % 37}@example.com"


def test_every_accepted_event_arrives_once_without_raw_ids(
    receiver: tuple[str, GrpcReceiver | HttpReceiver],
) -> None:
    """N accepted events give N records (one per seq); rejected ones and raw ids never appear."""
    protocol, server = receiver
    m = _setup(server.endpoint, protocol)
    a = m.analytics
    for i in range(N):
        a.track_event("page_view" if i % 3 else "purchase", _raw_id(i),
                      {"seq": i, "plan": "pro", "email": _raw_id(i)},
                      session_id=f"s-{i % 5}" if i % 2 else None,
                      timestamp=T0 + i, revenue=1.25 * i if i % 3 == 0 else None)
        if i % 100 == 0:  # bad input on each argument: dropped, never logged
            a.track_event("", _raw_id(i), {"seq": -1})
            a.track_event("purchase", None, {"seq": -2})  # type: ignore[arg-type]
            a.track_event("purchase", _raw_id(i), {"seq": -3}, revenue=math.nan)
            a.track_event("purchase", _raw_id(i), {"seq": -4}, timestamp=math.inf)
            a.track_event("purchase", _raw_id(i), {1: "x", "seq": -5})  # type: ignore[dict-item]
    with m.tracer.start_as_current_span("checkout") as span:
        a.track_event("purchase", _raw_id(0), {"seq": N, "plan": "pro"})
    trace_id = span.get_span_context().trace_id.to_bytes(16, "big")
    pseudonyms = {_raw_id(i): a.pseudonym(_raw_id(i)) for i in range(37)}
    rejected = sum(m.rejections.counts().values())
    m.shutdown()  # flushes the batch processor
    got = server.received
    assert got.wait_for(lambda: len(got.log_records()) >= N + 1)

    records = got.log_records()
    seqs = sorted(attributes(r.attributes)["measure.event.property.seq"] for r, _ in records)
    assert seqs == list(range(N + 1))  # each accepted event once, no rejected one
    assert rejected == 5 * (N // 100)
    for record, resource in records:
        attrs = attributes(record.attributes)
        i = attrs["measure.event.property.seq"]
        assert record.event_name == ("page_view" if i % 3 and i < N else "purchase")
        assert "event.name" not in attrs  # deprecated for log records: EventName instead
        assert record.severity_number == 9  # INFO
        assert attrs["user.hash"] == pseudonyms[_raw_id(i % N)]
        assert attrs["measure.event.property.plan"] == "pro"
        assert not any("email" in key for key in attrs)  # not allow-listed
        if i == N:
            assert record.trace_id == trace_id and len(record.span_id) == 8
            continue
        assert record.time_unix_nano == (T0 + i) * 1_000_000_000
        assert not record.trace_id
        assert attrs.get("session.id") == (f"s-{i % 5}" if i % 2 else None)
        if i % 3 == 0:
            assert attrs["measure.event.revenue"] == 1.25 * i
            assert attrs["measure.event.currency"] == "USD"
        else:
            assert "measure.event.revenue" not in attrs
        assert resource["service.instance.id"] == m.resource["service.instance.id"]
    wire = b"".join(request.SerializeToString() for request in got.logs)
    assert all(raw.encode() not in wire for raw in pseudonyms)
    assert all(p.encode() in wire for p in pseudonyms.values())
    if protocol == "http/protobuf":
        assert "/v1/logs" in got.paths


def test_option_off_sends_no_logs(receiver: tuple[str, GrpcReceiver | HttpReceiver]) -> None:
    """Without events_as_logs the logs service gets nothing, while metrics do arrive."""
    protocol, server = receiver
    m = otel_measure.setup(exporters="otlp", otlp_endpoint=server.endpoint, otlp_protocol=protocol,
                           infrastructure=False, models=False,
                           analytics=AnalyticsOptions(key="k", event_log_properties=("seq",)))
    for i in range(20):
        m.analytics.track_event("purchase", _raw_id(i), {"seq": i}, revenue=1.0)
    assert m.logger_provider is None and "logs" not in m.endpoints
    m.shutdown()
    got = server.received
    assert got.wait_for(lambda: got.metric("measure.analytics.events") is not None)
    assert got.logs == []
    assert not any(path.endswith("/v1/logs") for path in got.paths)


def test_environment_turns_event_logs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables enable the option, pick the keys and the logs endpoint (HTTP)."""
    server = HttpReceiver()
    try:
        monkeypatch.setenv("OTEL_MEASURE_ANALYTICS_EVENTS_AS_LOGS", "true")
        monkeypatch.setenv("OTEL_MEASURE_ANALYTICS_EVENT_LOG_PROPERTIES", "plan, seq")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", f"{server.endpoint}/custom/v1/logs")
        m = otel_measure.setup(exporters="none", infrastructure=False, models=False)
        assert m.endpoints["logs"]["otlp"]["endpoint"] == f"{server.endpoint}/custom/v1/logs"
        m.analytics.track_event("signup", 42, {"plan": "free", "seq": 7, "other": 1})
        m.shutdown()
        got = server.received
        assert got.wait_for(lambda: len(got.log_records()) == 1)
        record, _ = got.log_records()[0]
        assert record.event_name == "signup"
        assert attributes(record.attributes) == {
            "user.hash": m.analytics.pseudonym(42), "measure.event.property.plan": "free",
            "measure.event.property.seq": 7}
        assert got.paths == ["/custom/v1/logs"]
    finally:
        server.stop()


def test_logs_exporter_setting_resolves_and_validates() -> None:
    """OTEL_LOGS_EXPORTER=none builds no logs signal; prometheus is refused, naming it."""
    on = {"analytics": AnalyticsOptions(key="k", events_as_logs=True)}
    settings = resolve_settings(on, {"OTEL_LOGS_EXPORTER": "none"})
    assert settings.logs_exporters == () and "logs" not in settings.signal
    settings = resolve_settings(on, {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://h:4318",
                                     "OTEL_EXPORTER_OTLP_LOGS_PROTOCOL": "http/protobuf"})
    assert settings.signal["logs"].endpoint == "http://h:4318/v1/logs"
    assert "metrics" not in settings.signal  # metrics stay on Prometheus
    with pytest.raises(OtelMeasureConfigError, match=r"logs_exporters.*prometheus"):
        resolve_settings({**on, "logs_exporters": "prometheus"}, {})
    with pytest.raises(OtelMeasureConfigError, match="events_as_logs"):
        resolve_settings({}, {"OTEL_MEASURE_ANALYTICS_EVENTS_AS_LOGS": "maybe"})
    with pytest.raises(OtelMeasureConfigError, match="event_log_properties"):
        AnalyticsOptions(event_log_properties="plan")  # type: ignore[arg-type]
    m = otel_measure.setup(exporters="none", logs_exporters="none", infrastructure=False,
                           models=False, analytics=on["analytics"])
    assert m.logger_provider is None


def test_option_off_loads_no_logs_sdk() -> None:
    """Without events_as_logs neither the logs API/SDK nor the emitter is imported."""
    code = ("import sys, otel_measure\n"
            "m = otel_measure.setup(exporters='none', infrastructure=False, models=False,\n"
            "                       analytics=otel_measure.AnalyticsOptions(key='k'))\n"
            "m.analytics.track_event('e', 'u')\n"
            "print(sorted(k for k in sys.modules if k.startswith('opentelemetry._logs')\n"
            "             or k.startswith('opentelemetry.sdk._logs') or k.endswith('event_logs')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "[]"


def test_a_down_collector_never_reaches_the_caller() -> None:
    """With nothing listening, tracking goes on, counts stay right, shutdown returns."""
    m = otel_measure.setup(exporters="none", otlp_endpoint=f"http://127.0.0.1:{free_port()}",
                           otlp_timeout_s=0.5, infrastructure=False, models=False,
                           analytics=AnalyticsOptions(key="k", events_as_logs=True))
    for i in range(600):  # more than one batch of 512
        m.analytics.track_event("purchase", _raw_id(i), revenue=1.0)
    assert m.analytics.state_summary()["events_tracked"] == 600
    assert m.rejections.counts() == {}
    m.shutdown()
    assert m.closed


# --- the emitter alone, on the SDK in-memory exporter ---------------------------------------------

def _emitter(keys: tuple[str, ...] = ()) -> tuple[EventLogEmitter, InMemoryLogRecordExporter]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    return EventLogEmitter(provider.get_logger("t"), keys), exporter


def test_only_values_the_otlp_encoder_takes_are_copied() -> None:
    """Unencodable strings, ints beyond int64, long strings and containers are left out."""
    emitter, exporter = _emitter(("ok", "big", "surrogate", "long", "list", "none", "flag"))
    emitter.emit("e", "p", T0, None, None, {
        "ok": "x", "big": 1 << 63, "surrogate": "\ud800", "long": "y" * 1025,
        "list": [1], "none": None, "flag": False, "unlisted": "z"})
    (record,) = exporter.get_finished_logs()
    assert dict(record.log_record.attributes or {}) == {
        "user.hash": "p", "measure.event.property.ok": "x", "measure.event.property.flag": False}
    assert loggable_value(-(1 << 63)) and not loggable_value(True + 0.5j)


@pytest.mark.parametrize(("t", "expected"), [
    (T0 + 0.5, (T0 * 2 + 1) * 500_000_000),
    (datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp(), 1_704_067_200_000_000_000),
    (-1.0, None), (1e12, None)])
def test_timestamp_is_the_events_or_unset_out_of_range(t: float, expected: int | None) -> None:
    """The record's time is the event's; before 1970 or past int64 nanoseconds it is unset."""
    emitter, exporter = _emitter()
    emitter.emit("e", "p", t, "s", 2.0, None)
    (record,) = exporter.get_finished_logs()
    assert record.log_record.timestamp == expected
    assert record.log_record.observed_timestamp is not None


class _Broken(LogRecordProcessor):
    def on_emit(self, log_record: Any) -> None:
        raise RuntimeError("processor broke")

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def test_a_failing_processor_is_logged_once_and_never_raises(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Emission errors stay inside: one warning, no exception for the caller."""
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(_Broken())
    emitter = EventLogEmitter(provider.get_logger("t"))
    for _ in range(3):
        emitter.emit("e", "p", T0, None, None, None)
    assert sum("could not be emitted" in r.getMessage() for r in caplog.records) == 1


# --- fork ---------------------------------------------------------------------------------------

_FORK = textwrap.dedent("""
    import faulthandler, os, sys
    faulthandler.dump_traceback_later(60, exit=True)  # a hang prints where, then fails
    import otel_measure
    from otel_measure import AnalyticsOptions
    m = otel_measure.setup(exporters="none", otlp_endpoint=sys.argv[1],
                           otlp_protocol="http/protobuf", infrastructure=False, models=False,
                           analytics=AnalyticsOptions(key="k", events_as_logs=True,
                                                      event_log_properties=("who",)))
    for i in range(3):  # still queued in the parent's batch processor at fork time
        m.analytics.track_event("e", "u", {"who": f"parent-{i}"})
    pid = os.fork()
    if pid == 0:
        for i in range(2):
            m.analytics.track_event("e", "u", {"who": f"child-{i}"})
        m.shutdown()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    m.analytics.track_event("e", "u", {"who": "parent-3"})
    m.shutdown()
    sys.exit(status)
""")


def test_forked_child_logs_its_own_events_once() -> None:
    """Parent and child each export their own events once, the child under a new instance."""
    server = HttpReceiver()
    try:
        # The timeout only turns a hang (a failure) into a failed test.
        proc = subprocess.run([sys.executable, "-c", _FORK, server.endpoint], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr[-3000:]
        got = server.received
        assert got.wait_for(lambda: len(got.log_records()) >= 6)
        by_who = {attributes(r.attributes)["measure.event.property.who"]: res[
            "service.instance.id"] for r, res in got.log_records()}
        assert sorted(by_who) == ["child-0", "child-1", "parent-0", "parent-1", "parent-2",
                                  "parent-3"]
        assert len(got.log_records()) == 6
        assert by_who["child-0"] == by_who["child-1"] != by_who["parent-0"]
        assert len({by_who[f"parent-{i}"] for i in range(4)}) == 1
    finally:
        server.stop()
