"""The WSGI app the gunicorn test serves: ``setup()`` at import, one event per request.

As docs/fleet.md shows: ``prometheus_port`` is a range, so each worker binds its own
port (with ``--preload`` the master binds one too, and each forked worker rebinds).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import otel_measure

m = otel_measure.setup(service_name="fleet-app", prometheus_port=os.environ["FLEET_PORTS"],
                       infrastructure=False, models=False)


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Count the request as a ``hit`` event; answer with this worker's pid."""
    m.analytics.track_event("hit", environ.get("HTTP_X_USER", "anonymous"))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
