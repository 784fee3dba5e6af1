"""Histogram bucket boundaries as named, sorted constants (no OpenTelemetry import)."""

from __future__ import annotations

__all__ = [
    "GEN_AI_DURATION_BUCKETS",
    "GEN_AI_TOKEN_USAGE_BUCKETS",
    "HTTP_SERVER_DURATION_BUCKETS",
    "MODEL_DURATION_BUCKETS",
    "SECONDS_BUCKETS",
]

# GenAI semantic conventions: 0.01 s doubling to 81.92 s.
GEN_AI_DURATION_BUCKETS: tuple[float, ...] = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)
# GenAI semantic conventions: 1 token, times 4, up to 67,108,864.
GEN_AI_TOKEN_USAGE_BUCKETS: tuple[float, ...] = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)
# HTTP semantic conventions for http.server.request.duration (seconds).
HTTP_SERVER_DURATION_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)
# Classical model inference (measure.model.operation.duration): 0.5 ms to 10 s.
MODEL_DURATION_BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)
# General-purpose seconds buckets for measure.* durations (health checks, sessions).
SECONDS_BUCKETS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0,
    1800.0, 3600.0,
)
