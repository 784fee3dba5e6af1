"""The bounded /metrics server: idle connections, slow clients, big bodies, threads."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

import otel_measure
from otel_measure.http import server as http_server


@pytest.fixture
def measure(monkeypatch: pytest.MonkeyPatch) -> Iterator[otel_measure.Measure]:
    """A real setup() serving /metrics on a free port, with short timeouts."""
    monkeypatch.setattr(http_server, "IDLE_TIMEOUT_S", 1.0)
    monkeypatch.setattr(http_server, "READ_TIMEOUT_S", 1.0)
    m = otel_measure.setup(service_name="bounded", prometheus_port=0, infrastructure=False)
    yield m
    m.shutdown()


def _address(m: otel_measure.Measure) -> tuple[str, int]:
    assert m.prometheus_url is not None
    return "127.0.0.1", int(m.prometheus_url.rsplit(":", 1)[1].split("/")[0])


def _closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(30)  # a guard against a hang, not a measurement
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_scrape_succeeds_with_500_idle_connections_and_threads_stay_bounded(
        measure: otel_measure.Measure, monkeypatch: pytest.MonkeyPatch) -> None:
    """500 silent connections hold no thread; a scrape among them answers 200."""
    monkeypatch.setattr(http_server, "IDLE_TIMEOUT_S", 60.0)
    measure.models.record_inference("gpt-4o", 0.2)
    before = threading.active_count()
    idle = [socket.create_connection(_address(measure)) for _ in range(500)]
    try:
        with urllib.request.urlopen(measure.prometheus_url, timeout=30) as resp:
            assert resp.status == 200
            assert b"gen_ai_client_operation_duration" in resp.read()
        assert threading.active_count() <= before + http_server.WORKERS
    finally:
        for sock in idle:
            sock.close()


def test_idle_connection_is_closed_by_the_server(measure: otel_measure.Measure) -> None:
    """A connection that sends nothing is closed after the idle timeout."""
    with socket.create_connection(_address(measure)) as sock:
        assert _closed_by_server(sock)


def test_slowloris_is_cut_off_at_the_read_deadline(measure: otel_measure.Measure) -> None:
    """A client trickling its head one byte at a time is disconnected, answer or not."""
    with socket.create_connection(_address(measure)) as sock:
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        sock.settimeout(0.1)
        closed = False
        for _ in range(600):  # up to ~60 s of trickling, far past the 1 s deadline
            try:
                sock.sendall(b"X")
                data = sock.recv(1024)
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            closed = data == b"" or data.startswith(b"HTTP/1.0 408") or b" 408 " in data[:20]
            break
        assert closed


def test_request_body_over_the_limit_gets_413(measure: otel_measure.Measure) -> None:
    """A Content-Length over MAX_REQUEST_BYTES is refused before its body is read."""
    host, port = _address(measure)
    request = urllib.request.Request(
        f"http://{host}:{port}/api/v1/metrics/dashboard", method="POST",
        data=b"x", headers={"Content-Length": str(http_server.MAX_REQUEST_BYTES + 1)})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(request, timeout=30)
    assert info.value.code == 413
