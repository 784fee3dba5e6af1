"""Start the real single-node ``victoria-metrics`` binary scraping targets, query it with PromQL.

It speaks Prometheus's query API, so :class:`VictoriaMetricsServer` reuses
:class:`~tests.support.prometheus_server.PrometheusServer`'s ``query``, ``wait_for`` and
``stop``; only the start differs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from tests.support.net import free_port
from tests.support.prometheus_server import PrometheusServer

__all__ = ["VictoriaMetricsServer", "victoria_metrics_binary"]


def victoria_metrics_binary() -> str:
    """Return the binary, skipping (or failing when Prometheus is required) without it."""
    binary = shutil.which("victoria-metrics")
    if binary is None:
        reason = ("the victoria-metrics binary is not installed "
                  "(Debian package 'victoria-metrics')")
        if os.environ.get("OTEL_MEASURE_REQUIRE_PROMETHEUS") == "1":
            pytest.fail(f"OTEL_MEASURE_REQUIRE_PROMETHEUS=1 but {reason}")
        pytest.skip(reason)
    return binary


class VictoriaMetricsServer(PrometheusServer):
    """A throw-away VictoriaMetrics scraping ``targets`` every second."""

    def __init__(self, targets: list[str], metrics_path: str = "/metrics") -> None:
        self._dir = tempfile.mkdtemp(prefix="otel-measure-vm-")
        config = os.path.join(self._dir, "scrape.yml")
        with open(config, "w") as fh:
            fh.write("scrape_configs:\n  - job_name: app\n    scrape_interval: 1s\n"
                     f"    metrics_path: {metrics_path}\n"
                     f"    static_configs:\n      - targets: {targets!r}\n")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(os.path.join(self._dir, "vm.log"), "w")  # noqa: SIM115
        self._proc = subprocess.Popen(
            [victoria_metrics_binary(), f"-promscrape.config={config}",
             f"-storageDataPath={os.path.join(self._dir, 'data')}",
             f"-httpListenAddr=127.0.0.1:{self.port}",
             # Answer with the newest samples at once (the default hides the last 30 s).
             "-search.latencyOffset=0s", "-search.disableCache"],
            stdout=self._log, stderr=subprocess.STDOUT)
