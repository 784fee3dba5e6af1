"""Infrastructure-domain rigs: host metrics, GPU, service health and HTTP requests."""

from __future__ import annotations

from typing import Any

from otel_measure.instruments import InfrastructureMetrics
from otel_measure.instruments.infrastructure.gpu import GpuMetrics
from otel_measure.instruments.infrastructure.requests import RequestTracker
from otel_measure.instruments.infrastructure.services import ServiceHealth
from otel_measure.options import InfrastructureOptions
from tests.support.fake_nvml import FakeNvml
from tests.support.fake_psutil import FakePsutil
from tests.support.rig import Rig, by_attr

__all__ = ["ACTIVE", "DURATION", "WALL0", "GpuRig", "InfrastructureRig", "RequestsRig",
           "ServicesRig"]

WALL0 = 1_700_000_000.0
DURATION = "http.server.request.duration"
ACTIVE = "http.server.active_requests"


class InfrastructureRig(Rig):
    """Infrastructure metrics on an in-memory reader, a fake psutil and manual clocks.

    The clock starts at 1000 s and the wall clock at 2000 s; no sampler thread runs.
    """

    def __init__(self, options: InfrastructureOptions | None = None) -> None:
        super().__init__(start=1000.0, wall_offset=1000.0)
        self.fake = FakePsutil()
        self.infra = InfrastructureMetrics(
            self.meter, self.rejections, options or InfrastructureOptions(gpu=False),
            psutil_module=self.fake, clock=self.clock, wall_clock=self.wall_clock,
            start_sampler=False,
        )


class GpuRig(Rig):
    """GPU metrics over a :class:`FakeNvml`; probe failures are kept in ``failures``."""

    def __init__(self) -> None:
        super().__init__()
        self.nvml = FakeNvml()
        self.failures: list[tuple[str, Any]] = []
        self.gpu = GpuMetrics(self.meter, self.nvml,
                              on_failure=lambda name, exc: self.failures.append((name, exc)))


class ServicesRig(Rig):
    """A ServiceHealth on an in-memory reader with a manual clock and no scheduler thread.

    The clock starts at 100 s; the wall clock reads ``WALL0 + now``. Keyword arguments go
    to ``ServiceHealth``.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(start=100.0, wall_offset=WALL0)
        self.health = ServiceHealth(
            self.meter, self.rejections, clock=self.clock, wall_clock=self.wall_clock,
            **{"background": False, **kwargs},
        )

    def check_counts(self) -> dict[tuple[str, str], int]:
        """``measure.service.checks`` by (service, outcome)."""
        points = self.all_points().get("measure.service.checks", [])
        return by_attr(points, "measure.service.name", "outcome")


class RequestsRig(Rig):
    """A RequestTracker on an in-memory reader with a manual clock starting at 0 s.

    Keyword arguments go to ``RequestTracker``.
    """

    def __init__(self, *, strict: bool = False, **kwargs: Any) -> None:
        super().__init__(strict=strict)
        self.tracker = RequestTracker(self.meter, self.rejections, clock=self.clock, **kwargs)

    def durations(self) -> dict[tuple[tuple[str, Any], ...], tuple[int, float]]:
        """(count, sum) of the duration histogram by sorted attribute items."""
        return {tuple(sorted(p.attributes.items())): (p.count, p.sum)
                for p in self.points(DURATION)}

    def request(self, method: Any, route: Any, status: Any = None, took: float = 0.0) -> None:
        """Run one tracked request that takes ``took`` seconds on the manual clock."""
        with self.tracker.track_request(method, route) as req:
            self.tick(took)
            if status is not None:
                req.set_status(status)
