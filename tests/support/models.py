"""The models-domain rig and the test data its tests share."""

from __future__ import annotations

from otel_measure.instruments import ModelMetrics
from otel_measure.options import ModelOptions
from tests.support.rig import Rig

__all__ = ["DURATION_BUCKETS", "PRICES", "TOKEN_BUCKETS", "ModelsRig"]

# The GenAI semantic conventions' advisory buckets, spelled out independently of our code.
DURATION_BUCKETS = (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
                    40.96, 81.92)
TOKEN_BUCKETS = (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
                 16777216, 67108864)
PRICES = {"acme-chat": {"input": 3.0, "output": 15.0, "cached_input": 0.3}}


class ModelsRig(Rig):
    """A models domain on in-memory metric and span exporters with a manual clock.

    The clock starts at 100 s; the wall clock reads ``1_700_000_000 + now``. Without
    ``options`` the domain gets ``ModelOptions(pricing=PRICES)``.
    """

    def __init__(self, options: ModelOptions | None = None, *, strict: bool = False,
                 views: bool = False) -> None:
        super().__init__(strict=strict, views=views, start=100.0, wall_offset=1_700_000_000.0,
                         tracing=True)
        self.models = ModelMetrics(
            self.meter, self.tracer, self.rejections, options or ModelOptions(pricing=PRICES),
            clock=self.clock, wall_clock=self.wall_clock)
