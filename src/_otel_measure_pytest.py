"""The ``pytest11`` entry point of otel-measure: registers the ``measure`` fixture.

It lives outside the ``otel_measure`` package on purpose: pytest imports entry-point
plugins before coverage starts, and importing anything under ``otel_measure`` would run
the package's imports unmeasured. The fixture imports :mod:`otel_measure.testing` only
when a test asks for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["measure"]


@pytest.fixture
def measure() -> Iterator[Any]:
    """``otel_measure.setup()`` on in-memory readers; shut down after the test.

    Yields an :class:`otel_measure.testing.CapturedMeasure`.
    """
    from otel_measure.testing import captured_measure

    yield from captured_measure()
