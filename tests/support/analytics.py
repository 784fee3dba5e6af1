"""The analytics-domain rig and the test data its tests share."""

from __future__ import annotations

from typing import Any

from otel_measure.instruments import UserAnalytics
from otel_measure.options import AnalyticsOptions
from tests.support.rig import Rig

__all__ = ["T0", "AnalyticsRig"]

T0 = 1_700_000_000.0  # a Tuesday, 22:13 UTC


class AnalyticsRig(Rig):
    """UserAnalytics on an in-memory reader with the default Views and a manual clock.

    The clock starts at ``T0``. ``options`` go to ``AnalyticsOptions``, with
    ``key="test-key"`` unless given.
    """

    def __init__(self, strict: bool = False, **options: Any) -> None:
        super().__init__(strict=strict, views=True, start=T0)
        options.setdefault("key", "test-key")
        self.analytics = UserAnalytics(self.meter, self.rejections, AnalyticsOptions(**options),
                                       clock=self.clock)
