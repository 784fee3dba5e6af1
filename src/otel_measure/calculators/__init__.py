"""Pure math behind every answer otel-measure gives; no OpenTelemetry here.

Each module is a set of pure functions or small mergeable accumulators with
``add()``, ``merge()`` and ``result()``, tested against its reference library.
"""

__all__: list[str] = []
