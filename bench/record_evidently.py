"""Record Evidently 0.7.23 stattest results on tests/calculators/evidently_cases.py.

Evidently pulls a web stack (litestar, uvicorn[standard] with uvloop and httptools,
pyarrow...) into whatever environment it is installed in, so the project records its
answers once from a separate environment and the test suite compares against the table::

    python -m venv /tmp/evvenv && /tmp/evvenv/bin/pip install evidently==0.7.23
    PYTHONPATH=. /tmp/evvenv/bin/python bench/record_evidently.py \\
        > tests/calculators/data/evidently_0_7_23.json
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version

import pandas as pd
from evidently.legacy.calculations.stattests.registry import get_stattest
from evidently.legacy.core import ColumnType

from tests.calculators.evidently_cases import CASES, sample

_EXPLICIT = ("psi", "jensenshannon", "hellinger", "chisquare")


def main() -> None:
    """Write the table as JSON to stdout."""
    rows = []
    for seed, kind, n_ref, n_cur in CASES:
        ref, cur = sample(seed, kind, n_ref, n_cur)
        numeric = kind in ("normal", "gap", "outlier", "int")
        col = ColumnType.Numerical if numeric else ColumnType.Categorical
        ref_s, cur_s = pd.Series(ref), pd.Series(cur)
        row: dict[str, object] = {"case": [seed, kind, n_ref, n_cur]}
        auto = get_stattest(ref_s, cur_s, col, None)
        res = auto(ref_s, cur_s, col, None)
        row["auto"] = {"name": auto.name, "score": float(res.drift_score),
                       "drifted": bool(res.drifted)}
        for name in _EXPLICIT:
            if name == "chisquare" and col == ColumnType.Numerical:
                continue  # Evidently's chi-square is for categorical columns only
            test = get_stattest(ref_s, cur_s, col, name)
            res = test(ref_s.copy(), cur_s.copy(), col, None)
            row[name] = {"score": float(res.drift_score), "drifted": bool(res.drifted)}
        rows.append(row)
    json.dump({"evidently": version("evidently"), "rows": rows}, sys.stdout)


if __name__ == "__main__":
    main()
