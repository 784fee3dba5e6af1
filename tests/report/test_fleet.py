"""``otel-measure report`` over 3 real processes and a real PromQL store equals one process."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scipy import stats

import otel_measure
from otel_measure.calculators.experiments import ArmStats
from otel_measure.cli import main
from otel_measure.names.analytics import (
    EXPERIMENT_EXPOSURES,
    EXPERIMENT_VALUE_SUM,
    EXPERIMENT_VALUE_SUM_SQUARES,
)
from otel_measure.names.attributes import ATTR_EXPERIMENT, ATTR_VARIANT
from otel_measure.options import AnalyticsOptions
from otel_measure.report import PromQLClient, build_report, label_name, prom_name
from otel_measure.report.analytics import experiments_section
from tests.report import workload
from tests.support.net import free_port
from tests.support.prometheus_server import PrometheusServer
from tests.support.victoria_metrics import VictoriaMetricsServer

pytestmark = pytest.mark.prometheus
ROOT = Path(__file__).resolve().parents[2]
PARTS = 3
DONE = f"sum(measure_analytics_nps_responses_total) == {workload.NPS_RESPONSES}"


@pytest.fixture(scope="module")
def fleet() -> Iterator[list[str]]:
    """Three processes, each recording a third of the workload behind its own /metrics."""
    procs, targets = [], []
    try:
        for part in range(PARTS):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "tests.report.workload", str(part), str(PARTS),
                 str(port)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                text=True)
            procs.append(proc)
            targets.append(f"127.0.0.1:{port}")
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield targets
    finally:
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture(scope="module", params=["prometheus", "victoria-metrics"])
def store(request: pytest.FixtureRequest, fleet: list[str]) -> Iterator[PrometheusServer]:
    """A real PromQL store scraping the three processes, once they recorded everything."""
    server = (PrometheusServer(fleet) if request.param == "prometheus"
              else VictoriaMetricsServer(fleet))
    try:
        server.wait_for(DONE, timeout_s=90)
        yield server
    finally:
        server.stop()


def _single_process() -> dict[str, Any]:
    m = otel_measure.setup(service_name="one", exporters="none", infrastructure=False,
                           analytics=AnalyticsOptions(key="fleet-test-key"))
    try:
        workload.record(m, 0, 1)
        models = m.models
        return {
            "dashboard": m.dashboard()["analytics"],
            "drift": {method: models.detect_model_drift("scorer", "amount", method=method)
                      for method in ("psi", "jensenshannon", "hellinger", "chisquare")},
            "edges": list(models.get_model_performance_snapshot(  # type: ignore[union-attr]
                "scorer").drift.features["amount"].labels),
            "fairness": models.get_fairness_metrics("scorer").to_dict(),
            "cost": models.get_cost_metrics("gpt-4o-mini"),
        }
    finally:
        m.shutdown()


def _same(got: Any, want: Any, path: str = "") -> None:
    if isinstance(want, float) and isinstance(got, (int, float)):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12), path
    elif isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want), path
        for key in want:
            _same(got[key], want[key], f"{path}.{key}")
    elif isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want), path
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _same(g, w, f"{path}[{i}]")
    else:
        assert got == want, path


def test_report_over_three_processes_equals_one_process(store: PrometheusServer) -> None:
    """A/B readouts (p-values to 1e-9), NPS exactly, drift, fairness and cost match one process."""
    report = build_report(PromQLClient(store.url))
    one = _single_process()

    _same(report["analytics"]["experiments"], one["dashboard"]["experiments"])
    assert set(report["analytics"]["experiments"]) == {"checkout", "basket", "large",
                                                       "pricing"}
    assert report["analytics"]["experiments"]["basket"]["metric"] == "mean"
    assert report["analytics"]["experiments"]["large"]["metric"] == "mean"
    nps_one = one["dashboard"]["nps"]
    assert report["analytics"]["nps"] == {k: nps_one[k] for k in report["analytics"]["nps"]}
    assert report["analytics"]["nps"]["n"] == workload.NPS_RESPONSES

    [layout] = report["models"]["drift"]["scorer"]["amount"]
    assert sum(layout["current_counts"]) == workload.OBSERVATIONS
    assert sum(layout["baseline_counts"]) == len(workload.BASELINE)
    assert layout["baselines_differ"] is False
    assert layout["kind"] == "numeric" and layout["edges"] == one["edges"]
    raw = stats.wasserstein_distance(workload.BASELINE, workload.observations())
    binned = layout["tests"]["wasserstein_binned"]
    assert binned["lower"] <= raw <= binned["upper"]
    assert binned["lower"] <= binned["statistic"] <= binned["upper"]
    assert layout["tests"]["psi"]["outside"] == 0
    for method, result in one["drift"].items():
        test = layout["tests"][method]
        assert test["statistic"] == pytest.approx(result.statistic, rel=1e-9), method
        if result.p_value is not None:
            assert test["p_value"] == pytest.approx(result.p_value, rel=1e-9, abs=1e-300)

    _same(report["models"]["fairness"]["scorer"]["online"], one["fairness"])
    cost = report["models"]["cost"]["models"]["gpt-4o-mini"]
    assert cost["total_cost_usd"] == pytest.approx(one["cost"].total_usd, rel=1e-9)
    assert cost["tokens"] == {"input": one["cost"].input_tokens,
                              "output": one["cost"].output_tokens}
    latency = report["models"]["latency"]["gpt-4o-mini"]
    assert latency["requests"] == workload.CALLS
    [p95] = store.query("histogram_quantile(0.95, sum by (le) "
                        "(gen_ai_client_operation_duration_seconds_bucket))")
    assert latency["quantiles_s"]["p95"] == pytest.approx(float(p95["value"][1]), rel=1e-9)


def test_cli_report_prints_json_and_text(store: PrometheusServer,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """``otel-measure report --json`` prints the report; without it a summary naming each test."""
    assert main(["report", "--prometheus", store.url, "--json",
                 "--experiment", "checkout"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed["analytics"]["experiments"]) == ["checkout"]
    assert "nps" not in printed["analytics"]
    assert main(["report", "--prometheus", store.url]) == 0
    text = capsys.readouterr().out
    assert "checkout (conversion)" in text and "basket (mean)" in text
    assert "pricing (conversion)" in text and "[definition" not in text  # all exported
    assert printed["experiment_definitions"]["checkout"]["source"] == "exported"
    assert f"(n={workload.NPS_RESPONSES}," in text
    assert main(["report", "--prometheus", store.url, "--since", "10m", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["source"]["since"] == "10m"
    assert main(["report", "--prometheus", store.url, "--experiment", "nope"]) == 2
    assert "experiment='nope'" in capsys.readouterr().err
    assert not math.isnan(printed["analytics"]["experiments"]["checkout"]["srm_p_value"])


def test_large_values_keep_their_variance_through_m2(store: PrometheusServer) -> None:
    """Values near 1e8: the Chan merge of per-process M2 gives the one-process standard
    errors (to 1e-9), where the summed Σx² has lost the variance."""
    report = build_report(PromQLClient(store.url), experiment="large")
    one = _single_process()["dashboard"]["experiments"]["large"]
    _same(report["analytics"]["experiments"]["large"], one)
    exp, var = label_name(ATTR_EXPERIMENT), label_name(ATTR_VARIANT)

    def summed(metric: str) -> dict[str, float]:
        rows = store.query(f'sum by ({var}) ({metric}{{{exp}="large"}})')
        return {row["metric"][var]: float(row["value"][1]) for row in rows}

    n = summed(prom_name(EXPERIMENT_EXPOSURES))
    s1 = summed(prom_name(EXPERIMENT_VALUE_SUM))
    s2 = summed(prom_name(EXPERIMENT_VALUE_SUM_SQUARES))
    assert set(n) == set(one["variants"]) and min(n.values()) > 100
    for variant, want in one["variants"].items():
        true_var = want["standard_error"] ** 2 * want["exposures"]
        assert 0.01 < true_var < 1.0  # values 1e8 + (0 .. 1.5): a spread of ~0.2
        lost = ArmStats.from_sums(round(n[variant]), s1[variant], s2[variant]).variance
        assert not math.isclose(lost, true_var, rel_tol=0.05), variant


def test_exported_definition_gives_the_one_process_readout(store: PrometheusServer) -> None:
    """"pricing" (control "old" not first by name, split 0.2/0.8, alpha 0.01) reads as in
    one process from measure.experiment.info; the old guesses (control "new", equal split,
    alpha 0.05) give another verdict and SRM p-value."""
    client = PromQLClient(store.url)
    report = build_report(client, experiment="pricing")
    one = _single_process()["dashboard"]["experiments"]["pricing"]
    got = report["analytics"]["experiments"]["pricing"]
    _same(got, one)
    assert list(got["variants"]) == ["old", "new"] and list(got["comparisons"]) == ["new"]
    assert got["srm_flagged"] is False and 0.01 < got["comparisons"]["new"]["p_value"] < 0.05
    assert got["verdict"] == "no significant difference"  # significant only at alpha 0.05
    assert report["experiment_definitions"] == {"pricing": {
        "source": "exported", "processes": PARTS,
        "definition": "control old, split old=0.2, new=0.8, conversion, alpha 0.01"}}
    assert not any("assumed" in c.lower() or "different definitions" in c
                   for c in report["caveats"])

    guessed, notes = experiments_section(client, experiment="pricing")
    old = guessed["pricing"]
    assert list(old["variants"]) == ["new", "old"] and old["srm_flagged"] is True
    assert old["verdict"] != one["verdict"] and old["srm_p_value"] < 1e-6
    assert "Assumed for: 'pricing'" in notes[0]
