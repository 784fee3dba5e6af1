"""What a newcomer reads stays true: README commands, CI script, changelog, catalog."""

from __future__ import annotations

import re
from pathlib import Path

from otel_measure.names import CATALOG

ROOT = Path(__file__).resolve().parents[1]


def _bash_blocks(text: str) -> list[str]:
    return [b.strip() for b in re.findall(r"```bash\n(.*?)```", text, flags=re.S)]


def test_readme_test_command_is_what_ci_runs() -> None:
    """The README's test command appears verbatim in .ci/run, which CI executes."""
    blocks = _bash_blocks((ROOT / "README.md").read_text())
    test_cmd = next(b for b in blocks if "pytest" in b)
    assert test_cmd in (ROOT / ".ci" / "run").read_text().splitlines()
    demo_cmd = next(b for b in blocks if "demo" in b)
    assert demo_cmd.endswith("otel-measure demo")


def test_readme_quick_start_is_the_example() -> None:
    """The quick start's code lines are those of examples/quickstart.py."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, flags=re.S)
    assert block is not None
    example = (ROOT / "examples" / "quickstart.py").read_text()
    for line in block.group(1).splitlines():
        code = line.split("#")[0].strip()
        if code and not code.startswith(("print(m.dashboard", "checkouts.add")):
            assert code in example, code


def test_readme_domain_snippets_run() -> None:
    """The README's models and analytics snippets run against a real setup()."""
    import textwrap
    from types import SimpleNamespace

    import otel_measure

    readme = (ROOT / "README.md").read_text()
    snippets = [textwrap.dedent(b) for b in re.findall(r"```python\n(.*?)```", readme,
                                                        flags=re.S)
                if "track_inference" in b or "track_event" in b]
    assert len(snippets) == 2
    reply = SimpleNamespace(input_tokens=1200, output_tokens=300)
    client = SimpleNamespace(chat=lambda *args, **kwargs: reply)
    m = otel_measure.setup(exporters="none", infrastructure=False)
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), {"m": m, "client": client, "user_id": "u1"})
    assert m.models.get_cost_metrics().total_usd > 0
    assert m.analytics.get_ab_test_results("checkout_button").verdict == "not enough data"


def test_catalog_names_are_unique_and_convention_shaped() -> None:
    """Each metric is declared once, under a convention namespace or measure.*."""
    seen = [m.name for m in CATALOG]
    assert len(seen) == len(set(seen))
    prefixes = ("system.", "process.", "http.server.", "gen_ai.", "hw.", "cpython.", "measure.")
    assert all(n.startswith(prefixes) for n in seen)
    assert all(m.unit and m.description for m in CATALOG)


def test_changelog_follows_keep_a_changelog() -> None:
    """CHANGELOG.md has an Unreleased section with Added entries."""
    text = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in text and "### Added" in text
