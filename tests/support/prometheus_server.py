"""Start the real ``prometheus`` binary against a target and query it with PromQL."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from typing import Any

import pytest

from tests.support.net import free_port


def prometheus_binary() -> str:
    """Return the prometheus binary, skipping (or failing when required) without it."""
    binary = shutil.which("prometheus") or (
        "/usr/bin/prometheus" if os.path.exists("/usr/bin/prometheus") else None
    )
    if binary is None:
        reason = "the prometheus server binary is not installed (Debian package 'prometheus')"
        if os.environ.get("OTEL_MEASURE_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(f"OTEL_MEASURE_REQUIRE_PROMETHEUS=1 but {reason}")
        pytest.skip(reason)
    return binary


class PrometheusServer:
    """A throw-away Prometheus scraping ``target`` (host:port, or several) every second."""

    def __init__(self, target: str | list[str], metrics_path: str = "/metrics") -> None:
        targets = [target] if isinstance(target, str) else list(target)
        self._dir = tempfile.mkdtemp(prefix="otel-measure-prom-")
        config = os.path.join(self._dir, "prometheus.yml")
        with open(config, "w") as fh:
            fh.write(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                "scrape_configs:\n  - job_name: app\n"
                f"    metrics_path: {metrics_path}\n"
                f"    static_configs:\n      - targets: {targets!r}\n"
            )
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(os.path.join(self._dir, "prometheus.log"), "w")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [
                prometheus_binary(),
                f"--config.file={config}",
                f"--storage.tsdb.path={os.path.join(self._dir, 'data')}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def query(self, promql: str) -> list[dict[str, Any]]:
        """Run an instant PromQL query; return the result vector."""
        url = f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        with urllib.request.urlopen(url, timeout=5) as resp:
            body = json.loads(resp.read())
        assert body["status"] == "success", body
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    def wait_for(self, promql: str, timeout_s: float = 60.0) -> list[dict[str, Any]]:
        """Poll ``promql`` until it returns samples; fail with Prometheus's log otherwise."""
        deadline = time.monotonic() + timeout_s
        last_error = ""
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            try:
                result = self.query(promql)
                if result:
                    return result
            except OSError as exc:
                last_error = repr(exc)
            time.sleep(0.5)
        self._log.flush()
        with open(self._log.name) as fh:
            log = fh.read()[-3000:]
        pytest.fail(f"no samples for {promql!r} within {timeout_s}s ({last_error})\n{log}")

    def stop(self) -> None:
        """Stop the server and delete its data."""
        self._proc.terminate()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._log.close()
        shutil.rmtree(self._dir, ignore_errors=True)
