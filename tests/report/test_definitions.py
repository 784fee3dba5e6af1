"""Test definitions from ``measure.experiment.info``: agreement, conflicts, fallbacks.

Each "process" is a real ``setup()`` serving ``/metrics``; its scraped exposition (parsed
with prometheus_client) is what a small instant-query evaluator, injected as the
PromQL client's opener, answers from (``name{sel}`` and ``sum by (...) (name{sel})``).
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

import otel_measure
from otel_measure.instruments import UserAnalytics
from otel_measure.options import AnalyticsOptions
from otel_measure.report import PromQLClient
from otel_measure.report.analytics import experiments_section
from otel_measure.report.definitions import read_definitions
from tests.support.net import free_port

Series = dict[str, str]
_QUERY = re.compile(r"^(?:sum by \((?P<by>[^)]*)\) \()?(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
                    r"(?:\{(?P<sel>[^}]*)\})?\)?$")


def _scrape(record: Callable[[UserAnalytics], None]) -> list[tuple[Series, float]]:
    """Run ``record`` in a real setup() and return its /metrics samples."""
    port = free_port()
    m = otel_measure.setup(service_name="p", exporters=["prometheus"], prometheus_port=port,
                           infrastructure=False, analytics=AnalyticsOptions(key="k"))
    try:
        record(m.analytics)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
            text = r.read().decode()
    finally:
        m.shutdown()
    return [({**s.labels, "__name__": s.name}, s.value)
            for family in text_string_to_metric_families(text) for s in family.samples]


def _store(processes: list[list[tuple[Series, float]]]) -> PromQLClient:
    """A client whose opener evaluates the few instant queries the A/B report sends."""
    rows = [({**labels, "job": "app", "instance": f"p{i}"}, value)
            for i, samples in enumerate(processes) for labels, value in samples]

    def opener(url: str, _timeout: float) -> bytes:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["query"][0]
        match = _QUERY.match(query)
        assert match is not None, query
        want = dict(re.findall(r'(\w+)="([^"]*)"', match["sel"] or ""))
        hits = [(lab, v) for lab, v in rows if lab["__name__"] == match["name"]
                and all(lab.get(k) == w for k, w in want.items())]
        if match["by"] is not None:
            keys = [k.strip() for k in match["by"].split(",")]
            sums: dict[tuple[str, ...], float] = {}
            for lab, v in hits:
                key = tuple(lab.get(k, "") for k in keys)
                sums[key] = sums.get(key, 0.0) + v
            hits = [(dict(zip(keys, key, strict=True)), v) for key, v in sums.items()]
        result = [{"metric": lab, "value": [0, repr(v)]} for lab, v in hits]
        return json.dumps({"status": "success",
                           "data": {"resultType": "vector", "result": result}}).encode()

    return PromQLClient("http://store:9090", opener=opener)


def _pricing(weights: tuple[float, float], alpha: float = 0.01) -> Callable[[UserAnalytics],
                                                                             None]:
    def record(analytics: UserAnalytics) -> None:
        analytics.create_ab_test("pricing", ("old", "new"), weights, alpha=alpha,
                                 goal_event="purchase")
        for i in range(40):
            if analytics.assign_variant("pricing", f"u{i}") == "new" and i % 3 == 0:
                analytics.record_conversion("pricing", f"u{i}")
    return record


def test_agreeing_processes_give_the_exported_definition() -> None:
    """Control first, shares, alpha, metric and goal come from the series, not guesses."""
    store = _store([_scrape(_pricing((1, 4))), _scrape(_pricing((1, 4)))])
    found = read_definitions(store)
    test = found.tests["pricing"]
    assert (test.variants, test.weights, test.alpha, test.metric, test.goal_event) == (
        ("old", "new"), (0.2, 0.8), 0.01, "conversion", "purchase")
    assert found.processes == {"pricing": 2} and found.conflicts == {}
    readout, notes = experiments_section(store, definitions=found)
    assert list(readout["pricing"]["variants"]) == ["old", "new"] and notes == []
    assert sum(v["exposures"] for v in readout["pricing"]["variants"].values()) == 80


def test_disagreeing_processes_are_flagged_not_silently_merged() -> None:
    """Two processes at 0.2/0.8 and one at 0.5/0.5 with alpha 0.05: the majority's
    definition is used and a caveat names both definitions and their processes."""
    store = _store([_scrape(_pricing((1, 4))), _scrape(_pricing((1, 1), alpha=0.05)),
                    _scrape(_pricing((1, 4)))])
    found = read_definitions(store)
    assert found.tests["pricing"].weights == (0.2, 0.8)
    assert found.conflicts == {"pricing": {
        "control old, split old=0.2, new=0.8, conversion, goal purchase, alpha 0.01":
            ["app/p0", "app/p2"],
        "control old, split old=0.5, new=0.5, conversion, goal purchase, alpha 0.05":
            ["app/p1"]}}
    _, notes = experiments_section(store, definitions=found)
    [note] = notes
    assert "'pricing'" in note and "different definitions" in note
    assert "app/p1" in note and "alpha 0.05" in note


def test_without_info_series_the_old_guesses_apply_with_a_caveat() -> None:
    """No measure.experiment.info (an older process): control by name, equal split,
    alpha 0.05, and the caveat names the test; ``control`` still overrides."""
    samples = [(lab, v) for lab, v in _scrape(_pricing((1, 4)))
               if lab["__name__"] != "measure_experiment_info"]
    store = _store([samples])
    found = read_definitions(store)
    assert found.tests == {}
    readout, notes = experiments_section(store, definitions=found)
    assert list(readout["pricing"]["variants"]) == ["new", "old"]
    assert "Assumed for: 'pricing'" in notes[0]
    readout, _ = experiments_section(store, control="old", definitions=found)
    assert list(readout["pricing"]["variants"]) == ["old", "new"]


def test_control_override_and_malformed_series() -> None:
    """``control`` reorders an exported test; a series without a control label is
    flagged as malformed."""
    good = _scrape(_pricing((1, 4)))
    store = _store([good])
    readout, _ = experiments_section(store, control="new", definitions=read_definitions(store))
    assert list(readout["pricing"]["variants"]) == ["new", "old"]
    with pytest.raises(ValueError, match="control='nope'"):
        experiments_section(store, control="nope", definitions=read_definitions(store))
    broken: list[tuple[dict[str, Any], float]] = [
        ({k: v for k, v in lab.items() if k != "measure_experiment_control"}, v)
        for lab, v in good]
    found = read_definitions(_store([good, broken]))
    assert found.tests["pricing"].variants == ("old", "new")
    assert found.conflicts["pricing"]["malformed"] == ["app/p1"]
