"""The layout docs/architecture.md describes is the one in src/ (import rules: lint-imports)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from otel_measure.instruments import InfrastructureMetrics, ModelMetrics, UserAnalytics

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "otel_measure"
DOC = (ROOT / "docs" / "architecture.md").read_text()


def test_every_file_the_architecture_doc_names_exists() -> None:
    """Each `path.py` or `folder/` in docs/architecture.md is in the package (or the repo)."""
    named = set(re.findall(r"`([\w/]+(?:\.py|/))`", DOC))
    assert len(named) > 30
    files = {p.relative_to(SRC).as_posix() for p in SRC.rglob("*.py")}
    folders = {p.relative_to(SRC).as_posix() + "/" for p in SRC.rglob("*") if p.is_dir()}
    missing = [n for n in named if not (ROOT / n).exists()
               and not any(f == n or f.endswith("/" + n) for f in files | folders)]
    assert missing == []


@pytest.mark.parametrize("facade", [ModelMetrics, UserAnalytics, InfrastructureMetrics])
def test_every_public_method_of_a_domain_is_defined_in_its_facade(facade: type) -> None:
    """A domain is a facade over parts: no public method comes from a base class or mixin."""
    assert facade.__bases__ == (object,)
    path = Path(inspect.getfile(facade))
    assert path.name == "facade.py"
    public = [n for n, v in vars(facade).items() if not n.startswith("_")
              and (inspect.isfunction(v) or isinstance(v, (staticmethod, property)))]
    assert len(public) >= 10
    inherited = [n for n in dir(facade) if not n.startswith("_") and n not in vars(facade)]
    assert inherited == []


def test_no_source_module_is_over_450_lines() -> None:
    """Modules stay small enough to read in one sitting (DESIGN.md: ~400 lines)."""
    long = {p.relative_to(SRC).as_posix(): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 450}
    assert long == {}
