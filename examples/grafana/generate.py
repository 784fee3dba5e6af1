"""Generate the Grafana dashboards of ``examples/grafana/dashboards/`` from code.

Metric names come from ``otel_measure.names`` through ``otel_measure.report.prom_name``
(the Prometheus names the exporter gives them), so a renamed metric cannot leave a
dashboard querying nothing. Built with ``grafana-foundation-sdk`` (Grafana's own typed
builders; ``pip install 'otel-measure[test]'`` or ``pip install grafana-foundation-sdk``):

    python examples/grafana/generate.py          # rewrite the JSON files
    python examples/grafana/generate.py --check  # exit 1 when a file is out of date
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

from grafana_foundation_sdk.builders import prometheus, stat, text, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard, DatasourceVariable, Row
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from otel_measure.names import analytics as A
from otel_measure.names import infrastructure as I
from otel_measure.names import models as M
from otel_measure.names.metric import MetricName
from otel_measure.report import label_name, prom_name

OUT = Path(__file__).resolve().parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
RATE = "$__rate_interval"
MODEL = label_name("gen_ai.request.model")
TOKEN = label_name("gen_ai.token.type")


@dataclass(frozen=True)
class P:
    """One panel: title, Grafana unit, PromQL, legend; ``kind`` timeseries or stat."""

    title: str
    unit: str
    expr: str
    legend: str = ""
    kind: str = "timeseries"


def n(metric: MetricName, suffix: str = "") -> str:
    """The Prometheus name of ``metric``."""
    return prom_name(metric, suffix)


def rate(metric: MetricName, by: str = "", suffix: str = "") -> str:
    """Per-second rate summed over every process (grouped by ``by``)."""
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping} (rate({n(metric, suffix)}[{RATE}]))"


def quantile(q: float, metric: MetricName, by: str) -> str:
    """``histogram_quantile`` of a histogram's buckets summed over every process."""
    return (f"histogram_quantile({q}, sum by (le, {by}) "
            f"(rate({n(metric, 'bucket')}[{RATE}])))")


INFRA = [
    P("CPU utilization by mode", "percentunit",
      f"avg by ({label_name('cpu.mode')}) ({n(I.SYSTEM_CPU_UTILIZATION)})", "{{cpu_mode}}"),
    P("Memory used", "bytes",
      f'{n(I.SYSTEM_MEMORY_USAGE)}{{{label_name("system.memory.state")}="used"}}',
      "{{instance}}"),
    P("Process resident memory", "bytes", n(I.PROCESS_MEMORY_USAGE), "{{instance}}"),
    P("HTTP requests/s by route", "reqps",
      rate(I.HTTP_SERVER_REQUEST_DURATION, label_name("http.route"), "count"), "{{http_route}}"),
    P("HTTP p95 latency by route", "s",
      quantile(0.95, I.HTTP_SERVER_REQUEST_DURATION, label_name("http.route")),
      "{{http_route}}"),
    P("Dependencies up", "short",
      f"min by ({label_name('measure.service.name')}) ({n(I.SERVICE_UP)})",
      "{{measure_service_name}}"),
]
LLM = [
    P("Calls/s by model", "reqps", rate(M.GEN_AI_CLIENT_OPERATION_DURATION, MODEL, "count"),
      "{{gen_ai_request_model}}"),
    P("p50 latency by model", "s", quantile(0.5, M.GEN_AI_CLIENT_OPERATION_DURATION, MODEL),
      "{{gen_ai_request_model}}"),
    P("p95 latency by model", "s", quantile(0.95, M.GEN_AI_CLIENT_OPERATION_DURATION, MODEL),
      "{{gen_ai_request_model}}"),
    P("Errors/s by model and type", "reqps",
      f'sum by ({MODEL}, error_type) (rate({n(M.GEN_AI_CLIENT_OPERATION_DURATION, "count")}'
      f'{{error_type!=""}}[{RATE}]))', "{{gen_ai_request_model}} {{error_type}}"),
    P("Time to first chunk p95 (streams)", "s",
      quantile(0.95, M.GEN_AI_CLIENT_TIME_TO_FIRST_CHUNK, MODEL), "{{gen_ai_request_model}}"),
    P("Tokens/s by model and type", "short",
      rate(M.GEN_AI_CLIENT_TOKEN_USAGE, f"{MODEL}, {TOKEN}", "sum"),
      "{{gen_ai_request_model}} {{gen_ai_token_type}}"),
    P("Cost per hour by model", "currencyUSD", f"3600 * {rate(M.MODEL_COST, MODEL)}",
      "{{gen_ai_request_model}}"),
    P("Cost so far", "currencyUSD", f"sum({n(M.MODEL_COST)})", "total", "stat"),
]
QUALITY = [
    P("Accuracy (latest evaluation)", "percentunit", n(M.MODEL_QUALITY_ACCURACY),
      "{{gen_ai_request_model}}"),
    P("BLEU (latest evaluation)", "percentunit", n(M.MODEL_QUALITY_BLEU),
      "{{gen_ai_request_model}}"),
    P("Drift statistic by feature and test", "short", n(M.MODEL_DRIFT_SCORE),
      "{{gen_ai_request_model}} {{measure_drift_feature}} {{measure_drift_method}}"),
    P("Drift detected", "short", n(M.MODEL_DRIFT_DETECTED),
      "{{gen_ai_request_model}} {{measure_drift_feature}}"),
    P("Share of drifted features", "percentunit", n(M.MODEL_DRIFT_SHARE),
      "{{gen_ai_request_model}}"),
    P("Demographic parity ratio", "short", n(M.MODEL_FAIRNESS_DEMOGRAPHIC_PARITY_RATIO),
      "{{gen_ai_request_model}} {{measure_quality_source}}"),
    P("Equalized odds difference", "short", n(M.MODEL_FAIRNESS_EQUALIZED_ODDS_DIFFERENCE),
      "{{gen_ai_request_model}} {{measure_quality_source}}"),
    P("Disparate impact by group (four-fifths rule: >= 0.8)", "short",
      n(M.MODEL_FAIRNESS_DISPARATE_IMPACT), "{{gen_ai_request_model}} {{measure_fairness_group}}"),
]
_NPS, _CAT = n(A.ANALYTICS_NPS_RESPONSES), label_name("nps.category")
_EXP = f"{label_name('experiment')}, {label_name('variant')}"
PRODUCT = [
    P("Events/s by name", "short", rate(A.ANALYTICS_EVENTS, label_name("event.name")),
      "{{event_name}}"),
    P("Revenue per hour", "currencyUSD", f"3600 * {rate(A.ANALYTICS_REVENUE)}", "revenue"),
    P("Active sessions", "short", f"sum({n(A.ANALYTICS_SESSIONS_ACTIVE)})", "sessions"),
    P("NPS (fleet, without margin: see otel-measure report)", "short",
      f'100 * (sum({_NPS}{{{_CAT}="promoter"}}) - sum({_NPS}{{{_CAT}="detractor"}})) '
      f"/ sum({_NPS})", "NPS", "stat"),
    P("A/B exposures by variant", "short", f"sum by ({_EXP}) ({n(A.EXPERIMENT_EXPOSURES)})",
      "{{experiment}} {{variant}}"),
    P("A/B conversion rate by variant", "percentunit",
      f"sum by ({_EXP}) ({n(A.EXPERIMENT_CONVERSIONS)}) "
      f"/ sum by ({_EXP}) ({n(A.EXPERIMENT_EXPOSURES)})", "{{experiment}} {{variant}}"),
]
REPORT_NOTE = ("PromQL has no normal CDF: significance, intervals and SRM of A/B tests, NPS "
               "with its margin, KS and fairness verdicts come from `otel-measure report "
               "--prometheus URL` (docs/fleet.md).")
DASHBOARDS = {
    "infrastructure": ("otel-measure: infrastructure", INFRA),
    "llm": ("otel-measure: LLM latency, tokens and cost", LLM),
    "models": ("otel-measure: model quality, drift and fairness", QUALITY),
    "analytics": ("otel-measure: product analytics and experiments", PRODUCT),
}


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _panel(p: P) -> timeseries.Panel | stat.Panel:
    panel = timeseries.Panel() if p.kind == "timeseries" else stat.Panel()
    query = (prometheus.Dataquery().expr(p.expr).legend_format(p.legend or "__auto")
             .ref_id("A"))
    return (panel.title(p.title).unit(p.unit).datasource(DATASOURCE).with_target(query)
            .height(8).span(12))


def build(key: str) -> dict[str, object]:
    """Return one dashboard as Grafana JSON (a dict)."""
    title, panels = DASHBOARDS[key]
    board = (Dashboard(title).uid(f"otel-measure-{key}").tags(["otel-measure"])
             .refresh("30s").time("now-1h", "now").timezone("browser")
             .with_variable(DatasourceVariable("datasource").label("Data source")
                            .type("prometheus")))
    board = board.with_row(Row(title.split(": ", 1)[1]).id(1))
    for i, p in enumerate(panels, start=2):
        board = board.with_panel(_panel(p).id(i))
    if key in ("models", "analytics"):
        board = board.with_panel(text.Panel().id(len(panels) + 2)
                                 .title("Fleet statistics PromQL lacks")
                                 .content(REPORT_NOTE).height(4).span(24))
    data = _without_nulls(json.loads(JSONEncoder(sort_keys=True).encode(board.build())))
    assert isinstance(data, dict)
    return data


def render(key: str) -> str:
    """One dashboard file's text."""
    return json.dumps(build(key), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    """Write (or with ``--check`` compare) every dashboard file."""
    stale = []
    for key in DASHBOARDS:
        path = OUT / f"{key}.json"
        content = render(key)
        if "--check" in argv:
            if not path.exists() or path.read_text() != content:
                stale.append(str(path))
        else:
            path.write_text(content)
    if stale:
        print("out of date (run python examples/grafana/generate.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
