"""Enforce the coverage floors on the data the test run left in ``.coverage``.

Run after ``pytest --cov`` (the README's test command does both; pytest-cov prints the
report of files below 100 % with their missing lines and branches). Prints each floor with
its measured value and exits 1 when one is not met. The floors are documented in
``docs/testing.md``; lines marked ``# pragma: no cover`` (with a reason) are left out.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import coverage

# (label, path prefix under src/otel_measure/, minimum line %, minimum branch %)
FLOORS: tuple[tuple[str, str, float, float], ...] = (
    ("calculators/", "calculators/", 100.0, 95.0),
    ("whole package", "", 90.0, 0.0),
)


def _totals(files: dict[str, dict[str, dict[str, int]]], prefix: str) -> tuple[float, float]:
    """Line and branch percentages over the files under ``prefix``."""
    lines = covered = branches = taken = 0
    for name, data in files.items():
        rel = Path(name).as_posix().split("src/otel_measure/", 1)[-1]
        if not rel.startswith(prefix):
            continue
        summary = data["summary"]
        lines += summary["num_statements"]
        covered += summary["covered_lines"]
        branches += summary.get("num_branches", 0)
        taken += summary.get("covered_branches", 0)
    if lines == 0:
        raise SystemExit(f"no measured file under {prefix!r}: did pytest run with --cov?")
    return 100.0 * covered / lines, 100.0 * taken / branches if branches else 100.0


def main() -> int:
    """Print every floor and its measured value; return 1 if one is not met."""
    cov = coverage.Coverage()
    cov.load()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "coverage.json"
        cov.json_report(outfile=str(out))
        files = json.loads(out.read_text())["files"]
    failed = False
    for label, prefix, min_lines, min_branches in FLOORS:
        line_pct, branch_pct = _totals(files, prefix)
        ok = line_pct >= min_lines and branch_pct >= min_branches
        failed |= not ok
        print(f"coverage floor {label}: lines {line_pct:.2f}% (>= {min_lines:g}%), "
              f"branches {branch_pct:.2f}% (>= {min_branches:g}%): {'ok' if ok else 'FAILED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
