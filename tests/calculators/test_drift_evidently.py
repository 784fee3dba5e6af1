"""detect() against Evidently 0.7.23's stattests on randomised data (recorded table).

Evidently 0.7.23 does not import with the pandas 3 of the test environment and brings a
web stack with it, so ``bench/record_evidently.py`` records its answers from a separate
environment on the samples that ``tests/calculators/evidently_cases.py`` rebuilds here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from scipy.spatial import distance

from otel_measure.calculators import drift as D
from tests.calculators.evidently_cases import sample

_TABLE = json.loads((Path(__file__).parent / "data" / "evidently_0_7_23.json").read_text())
_ROWS: list[dict[str, Any]] = _TABLE["rows"]
_P_VALUE_TESTS = ("ks", "chisquare", "z")


def _score(result: D.DriftResult) -> float:
    if result.method in _P_VALUE_TESTS:
        assert result.p_value is not None
        return result.p_value
    return result.statistic


def test_table_is_evidently_0_7_23_with_every_automatic_choice() -> None:
    """The table covers each automatic choice and both verdicts."""
    assert _TABLE["evidently"] == "0.7.23"
    assert {r["auto"]["name"] for r in _ROWS} == {
        "ks", "chisquare", "z", "jensenshannon", "wasserstein"}
    assert {r["auto"]["drifted"] for r in _ROWS} == {True, False}


@pytest.mark.parametrize("row", _ROWS, ids=[str(r["case"]) for r in _ROWS])
def test_detect_equals_evidently(row: dict[str, Any]) -> None:
    """Automatic choice, score and verdict, and explicit PSI/JS/Hellinger/chi-square agree."""
    ref, cur = sample(*row["case"])
    auto = D.detect(ref, cur)
    assert auto.method == row["auto"]["name"]
    assert _score(auto) == pytest.approx(row["auto"]["score"], rel=1e-7, abs=1e-9)
    assert auto.drifted == row["auto"]["drifted"]
    for name in ("psi", "jensenshannon", "hellinger", "chisquare"):
        if name not in row:
            continue
        got = D.detect(ref, cur, name)
        assert _score(got) == pytest.approx(row[name]["score"], rel=1e-7, abs=1e-9), name
        assert got.drifted == row[name]["drifted"], name


def test_jensen_shannon_base_argument() -> None:
    """base= follows scipy: e by default, 2 gives 1.2011x and a [0, 1] range."""
    b, c = [30, 50, 20], [20, 50, 40]
    natural = D.jensen_shannon(b, c).statistic
    assert natural == pytest.approx(distance.jensenshannon(b, c), rel=1e-12)
    assert D.jensen_shannon(b, c, base=2).statistic == pytest.approx(
        natural / math.sqrt(math.log(2)), rel=1e-12)
    assert D.jensen_shannon([1, 0], [0, 1]).statistic == pytest.approx(math.sqrt(math.log(2)))
    with pytest.raises(ValueError, match="base=1"):
        D.jensen_shannon(b, c, base=1)


def test_psi_fill_keeps_bins_empty_on_both_sides() -> None:
    """empty_bins='fill' zero-fills a bin empty on both sides, which then adds to PSI."""
    b, c = [50, 0, 50, 0], [30_000, 0, 69_999, 1]  # fills differ: 1e-4 and 1e-11
    dropped = D.psi(b, c).statistic
    filled = D.psi(b, c, empty_bins="fill").statistic
    assert dropped == pytest.approx(D.psi([50, 50, 0], [30_000, 69_999, 1]).statistic)
    assert filled - dropped == pytest.approx((1e-4 - 1e-11) * math.log(1e-4 / 1e-11))
    with pytest.raises(ValueError, match="empty_bins='keep'"):
        D.psi(b, c, empty_bins="keep")
