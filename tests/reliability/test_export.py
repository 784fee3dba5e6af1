"""Export under failure: a receiver killed and restarted, shutdown under load."""

from __future__ import annotations

import threading

import otel_measure
from tests.support.otlp_receiver import HttpReceiver


def _duration_count(receiver: HttpReceiver) -> int:
    found = receiver.received.metric("gen_ai.client.operation.duration")
    return 0 if found is None else sum(p.count for p in found[0].histogram.data_points)


def test_otlp_receiver_killed_and_restarted_loses_no_count() -> None:
    """Calls recorded while the receiver is down arrive once it is back (cumulative)."""
    receiver = HttpReceiver()
    port = receiver.port
    m = otel_measure.setup(service_name="restart", exporters=["otlp"],
                           otlp_protocol="http/protobuf", otlp_endpoint=receiver.endpoint,
                           otlp_timeout_s=2.0,
                           export_interval_s=3600.0, infrastructure=False, analytics=False)
    try:
        for _ in range(1_000):
            m.models.record_inference("gpt-4o", 0.1)
        assert m.force_flush()
        assert _duration_count(receiver) == 1_000
        receiver.stop()
        for _ in range(2_000):
            m.models.record_inference("gpt-4o", 0.1)
        m.force_flush(5_000)  # fails: nobody listens
        receiver = HttpReceiver(port)
        for _ in range(500):
            m.models.record_inference("gpt-4o", 0.1)
        assert m.force_flush()
        assert _duration_count(receiver) == 3_500
    finally:
        m.shutdown()
        receiver.stop()


def test_shutdown_under_load_never_raises_in_recording_threads() -> None:
    """Four threads recording through shutdown() see no exception, before or after it."""
    receiver = HttpReceiver()
    m = otel_measure.setup(service_name="load", exporters=["otlp"],
                           otlp_protocol="http/protobuf", otlp_endpoint=receiver.endpoint,
                           export_interval_s=3600.0,
                           infrastructure=False)
    errors: list[BaseException] = []
    started = threading.Barrier(5)
    calls = [0] * 4

    def work(i: int) -> None:
        started.wait()
        try:
            for n in range(5_000):
                m.models.record_inference("gpt-4o", 0.1, 10, 5)
                m.analytics.track_event("click", f"user-{n % 50}")
                calls[i] += 1
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    started.wait()
    m.shutdown()
    for t in threads:
        t.join()
    receiver.stop()
    assert errors == []
    assert calls == [5_000] * 4
    assert m.closed
