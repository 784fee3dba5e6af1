"""Importing otel_measure loads no exporter, HTTP stack or domain; public names still resolve."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import textwrap

import pytest

import otel_measure

#: Heavy modules that ``import otel_measure`` must leave alone.
NOT_ON_IMPORT = (
    "grpc",
    "opentelemetry.exporter.otlp",
    "opentelemetry.exporter.prometheus",
    "opentelemetry.sdk",
    "prometheus_client",
    "otel_measure._setup",
    "otel_measure.http",
    "otel_measure.instruments",
    "otel_measure.instruments.models",
    "otel_measure.instruments.analytics",
    "otel_measure.instruments.infrastructure",
)

#: Packages whose public names are imported on first access (PEP 562).
LAZY_PACKAGES = ("otel_measure", "otel_measure.instruments", "otel_measure.http")


def _loaded_after(code: str) -> set[str]:
    """Modules in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], check=True,
                         capture_output=True, text=True, timeout=120)
    return set(json.loads(out.stdout.splitlines()[-1]))


def _under(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if any(m == p or m.startswith(p + ".") for p in prefixes))


def test_import_loads_no_exporter_http_stack_or_domain() -> None:
    """A fresh `import otel_measure` loads the package, version, errors and _lazy: no more."""
    loaded = _loaded_after("import otel_measure")
    assert "otel_measure" in loaded
    assert _under(loaded, NOT_ON_IMPORT) == []
    assert _under(loaded, ("otel_measure",)) == [
        "otel_measure", "otel_measure._lazy", "otel_measure._version", "otel_measure.errors"]


def test_setup_without_exporters_or_domains_loads_none_of_them() -> None:
    """setup() imports only the exporters and domains it is asked for."""
    loaded = _loaded_after(
        "import otel_measure\n"
        "otel_measure.setup(exporters=[], infrastructure=False, models=False,"
        " analytics=False).shutdown()\n")
    assert "otel_measure._setup" in loaded and "opentelemetry.sdk.metrics" in loaded
    assert _under(loaded, (
        "grpc", "opentelemetry.exporter", "prometheus_client", "otel_measure.http.app",
        "otel_measure.http.server", "otel_measure.instruments.models",
        "otel_measure.instruments.analytics", "otel_measure.instruments.infrastructure")) == []


def test_setup_loads_only_the_enabled_domain() -> None:
    """With only the models domain, the analytics and infrastructure code stay unloaded."""
    loaded = _loaded_after(
        "import otel_measure\n"
        "m = otel_measure.setup(exporters=[], infrastructure=False, analytics=False)\n"
        "m.models.record_inference('m1', 0.5, 10, 2)\n"
        "m.shutdown()\n")
    assert "otel_measure.instruments.models" in loaded
    assert _under(loaded, ("otel_measure.instruments.analytics",
                           "otel_measure.instruments.infrastructure", "grpc",
                           "otel_measure.http.server")) == []


def test_prometheus_exporter_loads_http_stack_but_not_otlp() -> None:
    """The Prometheus exporter brings prometheus_client and the server, never gRPC."""
    loaded = _loaded_after(
        "import otel_measure\n"
        "otel_measure.setup(prometheus_port=0, infrastructure=False, models=False,"
        " analytics=False).shutdown()\n")
    assert {"prometheus_client", "otel_measure.http.server",
            "opentelemetry.exporter.prometheus"} <= loaded
    assert _under(loaded, ("grpc", "opentelemetry.exporter.otlp")) == []


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_resolves(package: str) -> None:
    """Each name in a lazy package's __all__ resolves, by attribute and by from-import."""
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert value is not None, name
        namespace: dict[str, object] = {}
        exec(f"from {package} import {name} as value", namespace)
        assert namespace["value"] is value
        assert name in dir(module)


def test_public_names_resolve_in_a_fresh_interpreter() -> None:
    """`from otel_measure import *` in a fresh process binds every name of __all__."""
    loaded = _loaded_after(
        "from otel_measure import *\n"
        "import otel_measure\n"
        "missing = [n for n in otel_measure.__all__ if n not in globals()]\n"
        "assert missing == [], missing\n"
        "assert setup is otel_measure._setup.setup\n"
        "assert DEFAULT_VIEWS and ModelOptions().__class__.__name__ == 'ModelOptions'\n")
    assert "otel_measure.views" in loaded


def test_unknown_name_raises_attribute_error() -> None:
    """A name no lazy table knows is an AttributeError naming the module."""
    with pytest.raises(AttributeError, match=r"otel_measure.*no_such_name"):
        _ = otel_measure.no_such_name  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from otel_measure.instruments import NoSuchDomain", {})
