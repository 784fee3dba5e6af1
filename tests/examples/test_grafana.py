"""The generated Grafana dashboards are current, and every panel's query returns data."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.support.net import free_port
from tests.support.prometheus_server import PrometheusServer

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "examples" / "grafana"
COLLECTOR = ROOT / "examples" / "collector"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grafana_generate", GRAFANA / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _queries() -> list[tuple[str, str, str]]:
    out = []
    for path in sorted((GRAFANA / "dashboards").glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                out.append((path.stem, panel["title"], target["expr"]))
    return out


def test_dashboards_are_generated_from_names() -> None:
    """Each committed dashboard equals the generator's output; there are the four of them."""
    generate = _generator()
    files = sorted(p.stem for p in (GRAFANA / "dashboards").glob("*.json"))
    assert files == sorted(generate.DASHBOARDS) == ["analytics", "infrastructure", "llm",
                                                    "models"]
    for key in files:
        assert (GRAFANA / "dashboards" / f"{key}.json").read_text() == generate.render(key), (
            f"{key}.json is stale: run python examples/grafana/generate.py")
    assert len(_queries()) >= 25


def test_compose_pins_images_and_provisions_dashboards() -> None:
    """Images carry a version tag, Grafana mounts the dashboards, exporters use current names."""
    compose = yaml.safe_load((COLLECTOR / "docker-compose.yml").read_text())
    for name, service in compose["services"].items():
        image = service["image"]
        assert ":" in image and not image.endswith(":latest"), (name, image)
    mounts = compose["services"]["grafana"]["volumes"]
    assert "../grafana/dashboards:/var/lib/grafana/dashboards/otel-measure:ro" in mounts
    provider = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "otel-measure.yaml").read_text())
    assert provider["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/otel-measure"
    collector = yaml.safe_load((COLLECTOR / "otel-collector-config.yaml").read_text())
    assert not [e for e in collector["exporters"] if e.split("/")[0] in ("otlp", "otlphttp")]


@pytest.fixture(scope="module")
def demo_prometheus() -> Iterator[PrometheusServer]:
    """A real Prometheus scraping ``otel-measure demo`` every second."""
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-c", "import sys; from otel_measure.cli import main; "
         f"sys.exit(main(['demo', '--duration', '120', '--port', '{port}']))"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = PrometheusServer(f"127.0.0.1:{port}")
    try:
        yield server
    finally:
        server.stop()
        demo.terminate()
        demo.wait(20)


@pytest.mark.prometheus
def test_every_panel_query_returns_data(demo_prometheus: PrometheusServer) -> None:
    """Every panel's PromQL, run against a Prometheus scraping the demo, returns samples."""
    queries = [(board, title, expr.replace("$__rate_interval", "30s"))
               for board, title, expr in _queries()]
    demo_prometheus.wait_for("up == 1", timeout_s=60)
    empty = queries
    deadline = time.monotonic() + 75
    while empty and time.monotonic() < deadline:
        empty = [q for q in empty if not demo_prometheus.query(q[2])]
        if empty:
            time.sleep(2)
    assert not empty, "panels without data:\n" + "\n".join(map(str, empty))
