"""The ASGI app the uvicorn ``--workers`` test serves: ``setup()`` at import in each worker."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from typing import Any

import otel_measure

m = otel_measure.setup(service_name="fleet-asgi", prometheus_port=os.environ["FLEET_PORTS"],
                       infrastructure=False, models=False)


async def app(scope: dict[str, Any], receive: Callable[[], Awaitable[Any]],
              send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    """Count each HTTP request as a ``hit`` event; answer with this worker's pid."""
    if scope["type"] != "http":
        return
    m.analytics.track_event("hit", "anonymous")
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": str(os.getpid()).encode()})
