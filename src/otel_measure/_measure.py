"""The ``Measure`` handle returned by ``setup()``."""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from otel_measure.errors import OtelMeasureError

if TYPE_CHECKING:  # annotations only: the domains and the HTTP stack load when enabled
    from opentelemetry.metrics import Meter, MeterProvider
    from opentelemetry.trace import Tracer, TracerProvider

    from otel_measure.config import Settings
    from otel_measure.http.server import MetricsServer
    from otel_measure.instruments import (
        InfrastructureMetrics,
        ModelMetrics,
        Rejections,
        UserAnalytics,
    )

__all__ = ["Measure"]

_log = logging.getLogger("otel_measure")


class Measure:
    """Everything ``setup()`` wired: providers, exporters and the three domains.

    Use ``m.infrastructure``, ``m.models`` and ``m.analytics`` to record and query,
    ``m.dashboard()`` for a JSON-serialisable snapshot, ``m.shutdown()`` to flush and stop.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        resource: Mapping[str, Any],
        meter_provider: MeterProvider,
        tracer_provider: TracerProvider,
        owns_meter_provider: bool,
        owns_tracer_provider: bool,
        meter: Meter,
        tracer: Tracer,
        rejections: Rejections,
        endpoints: Mapping[str, Any],
        server: MetricsServer | None,
        infrastructure: InfrastructureMetrics | None,
        models: ModelMetrics | None,
        analytics: UserAnalytics | None,
        on_shutdown: Callable[[Measure], None] | None = None,
        logger_provider: Any = None,
    ) -> None:
        self.settings = settings
        self.resource = dict(resource)
        self.meter_provider = meter_provider
        self.tracer_provider = tracer_provider
        self.meter = meter
        self.tracer = tracer
        self.rejections = rejections
        self.endpoints = dict(endpoints)
        self._owns = (owns_meter_provider, owns_tracer_provider)
        self._server = server
        self.logger_provider = logger_provider  # event log records (events_as_logs), or None
        self._domains = {
            "infrastructure": infrastructure,
            "models": models,
            "analytics": analytics,
        }
        self._on_shutdown = on_shutdown
        self._lock = threading.Lock()
        self._closed = False

    # --- domains --------------------------------------------------------------------

    def _domain(self, name: str) -> Any:
        domain = self._domains[name]
        if domain is None:
            raise OtelMeasureError(
                f"the {name} domain is disabled; call setup({name}=True) to enable it"
            )
        return domain

    @property
    def infrastructure(self) -> InfrastructureMetrics:
        """Host, process and service metrics."""
        domain: InfrastructureMetrics = self._domain("infrastructure")
        return domain

    @property
    def models(self) -> ModelMetrics:
        """AI model inference, cost, quality, drift and fairness."""
        domain: ModelMetrics = self._domain("models")
        return domain

    @property
    def analytics(self) -> UserAnalytics:
        """Product analytics: events, sessions, funnels, retention, NPS, A/B tests."""
        domain: UserAnalytics = self._domain("analytics")
        return domain

    @property
    def prometheus_url(self) -> str | None:
        """URL of the ``/metrics`` endpoint, or ``None`` without the Prometheus exporter."""
        return self._server.url if self._server is not None else None

    @property
    def closed(self) -> bool:
        """Whether ``shutdown()`` has run."""
        return self._closed

    # --- snapshot -------------------------------------------------------------------

    def dashboard(self) -> dict[str, Any]:
        """Return the unified dashboard: service, exporters, rejections, one section a domain."""
        snapshot: dict[str, Any] = {
            "generated_at": _dt.datetime.now(_dt.timezone.utc).isoformat(),
            "service": {
                "name": self.resource.get("service.name"),
                "version": self.resource.get("service.version"),
                "environment": self.resource.get("deployment.environment.name"),
                "instance_id": self.resource.get("service.instance.id"),
            },
            "resource": {k: v for k, v in sorted(self.resource.items())},
            "exporters": self.endpoints,
            "rejected": self.rejections.counts(),
        }
        for name, domain in self._domains.items():
            if domain is not None:
                try:
                    snapshot[name] = domain.dashboard_section()
                except Exception as exc:  # one broken section must not hide the others
                    _log.warning("otel-measure: the %s dashboard section failed: %r", name, exc)
                    snapshot[name] = {"error": repr(exc)}
        return snapshot

    # --- lifecycle ------------------------------------------------------------------

    def force_flush(self, timeout_millis: int = 10_000) -> bool:
        """Export everything buffered now; returns whether every flush finished in time."""
        ok = True
        for provider in (self.meter_provider, self.tracer_provider, self.logger_provider):
            flush = getattr(provider, "force_flush", None)
            if flush is not None:
                ok = bool(flush(timeout_millis)) and ok
        return ok

    def shutdown(self) -> None:
        """Flush and stop readers, span processors, the HTTP server and domain threads.

        Idempotent. Providers the application passed in or installed are flushed, never
        shut down: their exporters belong to the application.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for domain in self._domains.values():
            if domain is not None:
                _quietly("domain close", domain.close)
        if self._server is not None:
            _quietly("metrics server stop", self._server.stop)
        providers = (self.meter_provider, self.tracer_provider)
        for provider, owned in zip(providers, self._owns, strict=True):
            action = getattr(provider, "shutdown" if owned else "force_flush", None)
            if action is not None:
                _quietly("provider shutdown", action)
        if self.logger_provider is not None:  # ours alone: flush the queued event records
            _quietly("event log shutdown", self.logger_provider.shutdown)
        if self._on_shutdown is not None:
            self._on_shutdown(self)

    @property
    def owns_meter_provider(self) -> bool:
        """Whether ``setup()`` built the meter provider (and its exporters)."""
        return self._owns[0]

    def after_fork_in_child(self, fresh: Measure | None) -> None:
        """In a forked child: let go of the parent's server; take over ``fresh``'s parts.

        Called by ``setup()``'s fork hook. The server's loop thread did not survive the
        fork and is never waited for: only the child's copy of its socket is closed.
        With ``fresh`` (a handle built in the child), this handle records and exports
        through it from now on; without, it keeps the application's providers.
        """
        if self._server is not None:
            _quietly("metrics server close", self._server.stop)
            self._server = None
            self.endpoints.pop("prometheus", None)
        if fresh is None:
            self._lock = threading.Lock()
            return
        on_shutdown = self._on_shutdown
        self.__dict__.update(fresh.__dict__)
        self._on_shutdown = on_shutdown

    def __enter__(self) -> Measure:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()


def _quietly(what: str, action: Callable[[], Any]) -> None:
    try:
        action()
    except Exception as exc:  # shutdown must finish whatever one exporter does
        _log.warning("otel-measure: %s failed: %r", what, exc)
