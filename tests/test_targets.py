"""``otel-measure targets``: live /metrics endpoints of a port range as file_sd JSON."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from otel_measure.cli import main
from otel_measure.targets import file_sd, live_targets, parse_labels, parse_ports
from tests.support.port_range import free_port_range


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        serves = getattr(self.server, "serves_metrics", False)
        status = 200 if self.path == "/metrics" and serves else 404
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"up 1\n")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def fleet() -> Iterator[tuple[int, int]]:
    """Ports first..first+3: 0 and 2 serve /metrics, 1 answers 404, 3 is closed."""
    first, last = free_port_range(4)
    servers = []
    for offset, serves in ((0, True), (1, False), (2, True)):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", first + offset), _Handler)
        server.serves_metrics = serves  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    try:
        yield first, last
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def test_only_ports_answering_metrics_are_live(fleet: tuple[int, int]) -> None:
    """A 404 and a closed port are left out; the rest come in port order."""
    first, last = fleet
    assert live_targets("127.0.0.1", range(first, last + 1)) == [
        f"127.0.0.1:{first}", f"127.0.0.1:{first + 2}"]


def test_the_command_prints_file_sd_json(fleet: tuple[int, int],
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """One target group with the given labels, as Prometheus file_sd reads it."""
    first, last = fleet
    assert main(["targets", "--ports", f"{first}-{last}", "--label", "job=api",
                 "--label", "env=prod"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"targets": [f"127.0.0.1:{first}", f"127.0.0.1:{first + 2}"],
         "labels": {"job": "api", "env": "prod"}}]


def test_the_command_writes_the_file_atomically(fleet: tuple[int, int], tmp_path: Path) -> None:
    """--output replaces the file whole and leaves no temporary file behind."""
    first, last = fleet
    out = tmp_path / "targets.json"
    out.write_text("stale")
    assert main(["targets", "--ports", f"{first}-{last}", "--output", str(out)]) == 0
    assert json.loads(out.read_text())[0]["targets"] == [
        f"127.0.0.1:{first}", f"127.0.0.1:{first + 2}"]
    assert [p.name for p in tmp_path.iterdir()] == ["targets.json"]


def test_no_live_port_gives_an_empty_list(capsys: pytest.CaptureFixture[str]) -> None:
    """A range where nothing listens prints [] (Prometheus then scrapes nothing)."""
    first, last = free_port_range(2)
    assert main(["targets", "--ports", f"{first}-{last}"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize("argv, expected", [
    (["--ports", "9471-9464"], "--ports '9471-9464' is invalid"),
    (["--ports", "0"], "--ports '0' is invalid"),
    (["--ports", "http"], "--ports 'http' is invalid"),
    (["--ports", "9464", "--label", "no-equals"], "--label 'no-equals' is invalid"),
    (["--ports", "9464", "--label", "__name__=x"], "--label '__name__=x' is invalid"),
    (["--ports", "9464", "--timeout", "0"], "timeout_s=0.0 is invalid"),
])
def test_bad_arguments_exit_2_naming_the_argument(
        argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each bad argument is named with its value and what is allowed."""
    assert main(["targets", *argv]) == 2
    assert expected in capsys.readouterr().err


def test_parsers_and_document_shape() -> None:
    """Ranges and single ports parse; labels map; no target gives no group."""
    assert parse_ports("9464-9466") == [9464, 9465, 9466]
    assert parse_ports("9464") == [9464]
    assert parse_labels(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    assert file_sd([]) == []
    assert file_sd(["h:1"], {"a": "1"}) == [{"targets": ["h:1"], "labels": {"a": "1"}}]


def test_an_ipv6_host_is_bracketed() -> None:
    """Targets on an IPv6 address are written [addr]:port, as Prometheus expects."""
    seen: list[str] = []

    def probe(url: str, timeout_s: float) -> bool:
        seen.append(url)
        return True

    assert live_targets("::1", [9464], probe=probe) == ["[::1]:9464"]
    assert seen == ["http://[::1]:9464/metrics"]
