"""Plain-text rendering of :func:`~otel_measure.report.fleet.build_report`'s dict."""

from __future__ import annotations

from typing import Any

__all__ = ["render_text"]


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def _experiments(lines: list[str], experiments: dict[str, Any],
                 sources: dict[str, Any]) -> None:
    for name, test in experiments.items():
        srm = " SRM!" if test["srm_flagged"] else ""
        source = sources.get(name, {}).get("source", "assumed")
        note = "" if source == "exported" else f" [definition {source}, see caveats]"
        lines.append(f"  {name} ({test['metric']}): {test['verdict']}{srm} "
                     f"(SRM p={_num(test['srm_p_value'])}){note}")
        for variant, v in test["variants"].items():
            lines.append(f"    {variant:<12} n={v['exposures']:<7} conversions="
                         f"{v['conversions']:<6} value={_num(v['value'])}")
        control = next(iter(test["variants"]), "control")
        for variant, c in test["comparisons"].items():
            low, high = c["relative_lift_ci"] or (None, None)
            lines.append(f"    {variant} vs {control}: lift {_num(c['relative_lift'])} "
                         f"[{_num(low)}, {_num(high)}] p={_num(c['p_value'])} "
                         f"-> {c['verdict']}")


def render_text(report: dict[str, Any]) -> str:
    """Return a one-screen summary of a report."""
    source = report["source"]
    lines = [f"otel-measure report from {source['prometheus']}"
             + (f" over the last {source['since']}" if source["since"] else "")]
    analytics = report["analytics"]
    nps = analytics.get("nps")
    if nps is not None:
        lines.append(f"NPS {_num(nps['nps'], 3)} ± {_num(nps['margin_of_error'], 3)} "
                     f"(n={nps['n']}, {_num(nps['confidence'], 2)} confidence)")
    lines.append("A/B tests:" if analytics["experiments"] else "A/B tests: none exported")
    _experiments(lines, analytics["experiments"], report.get("experiment_definitions", {}))
    models = report["models"]
    for name, entry in models["cost"]["models"].items():
        lat = models["latency"].get(name, {})
        quant = lat.get("quantiles_s", {})
        lines.append(f"model {name}: cost ${_num(entry['total_cost_usd'])}, "
                     f"{lat.get('requests', 0)} calls, p50 {_num(quant.get('p50'))} s, "
                     f"p95 {_num(quant.get('p95'))} s")
    for name, features in models["drift"].items():
        for feature, layouts in features.items():
            for layout in layouts:
                tests = layout["tests"]
                if tests:
                    line = (f"drift {name}/{feature}: PSI {_num(tests['psi']['statistic'])}, "
                            f"JS {_num(tests['jensenshannon']['statistic'])}, chi-square p="
                            f"{_num(tests['chisquare']['p_value'])}")
                    if "ks_binned" in tests:
                        line += f", KS from bins {_num(tests['ks_binned']['statistic'])}"
                    if "wasserstein_binned" in tests:
                        line += (", Wasserstein from bins "
                                 f"{_num(tests['wasserstein_binned']['statistic'])}")
                    lines.append(line)
    for name, sources in models["fairness"].items():
        for source_name, f in sources.items():
            verdict = "passes" if f["four_fifths_passed"] else "fails"
            lines.append(f"fairness {name} ({source_name}): demographic parity ratio "
                         f"{_num(f['demographic_parity_ratio'])}, four-fifths rule {verdict}")
    lines.append("caveats:")
    lines.extend(f"  - {c}" for c in report["caveats"])
    return "\n".join(lines) + "\n"
