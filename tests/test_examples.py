"""Every example script runs and every example config parses, so none rots."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))
CONFIGS = sorted(EXAMPLES.rglob("*.yml")) + sorted(EXAMPLES.rglob("*.yaml"))


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env["OTEL_EXPORTER_PROMETHEUS_PORT"] = "0"  # never collide with a running app
    env["OTEL_MEASURE_EXAMPLE_SECONDS"] = "2"  # examples that loop stop early in tests
    return env


def test_there_are_examples() -> None:
    """The quick start and the collector setup exist."""
    assert EXAMPLES / "quickstart.py" in SCRIPTS
    assert (EXAMPLES / "collector" / "docker-compose.yml") in CONFIGS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_script_runs(script: Path) -> None:
    """Each example exits 0 in a fresh interpreter."""
    proc = subprocess.run([sys.executable, str(script)], env=_env(), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    if script.name == "quickstart.py":
        assert "http://127.0.0.1:" in proc.stdout and "/metrics" in proc.stdout


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_example_config_parses(config: Path) -> None:
    """Each YAML file parses to a mapping."""
    assert isinstance(yaml.safe_load(config.read_text()), dict)


def test_collector_pipelines_are_consistent() -> None:
    """The collector's pipelines use only declared receivers/exporters and OTLP's ports."""
    cfg = yaml.safe_load((EXAMPLES / "collector" / "otel-collector-config.yaml").read_text())
    for pipeline in cfg["service"]["pipelines"].values():
        assert set(pipeline["receivers"]) <= set(cfg["receivers"])
        assert set(pipeline["exporters"]) <= set(cfg["exporters"])
        assert set(pipeline.get("processors", [])) <= set(cfg["processors"])
    protocols = cfg["receivers"]["otlp"]["protocols"]
    assert protocols["grpc"]["endpoint"].endswith(":4317")
    assert protocols["http"]["endpoint"].endswith(":4318")
    prom_port = cfg["exporters"]["prometheus"]["endpoint"].rsplit(":", 1)[1]
    scrape = yaml.safe_load((EXAMPLES / "collector" / "prometheus.yml").read_text())
    targets = [t for job in scrape["scrape_configs"] for sc in job["static_configs"]
               for t in sc["targets"]]
    assert f"otel-collector:{prom_port}" in targets
    compose = yaml.safe_load((EXAMPLES / "collector" / "docker-compose.yml").read_text())
    assert {"otel-collector", "prometheus", "grafana", "jaeger"} <= set(compose["services"])
    assert f"{prom_port}:{prom_port}" in compose["services"]["otel-collector"]["ports"]


def test_prometheus_config_passes_promtool() -> None:
    """promtool (shipped with the prometheus package) accepts the example scrape config."""
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("OTEL_MEASURE_REQUIRE_PROMETHEUS") == "1":
            pytest.fail("OTEL_MEASURE_REQUIRE_PROMETHEUS=1 but promtool is not installed")
        pytest.skip("promtool is not installed (Debian package 'prometheus')")
    proc = subprocess.run([promtool, "check", "config",
                           str(EXAMPLES / "collector" / "prometheus.yml")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
