"""The infrastructure domain (``m.infrastructure``): a facade over host, GPU, services, requests."""

from otel_measure.instruments.infrastructure.facade import InfrastructureMetrics

__all__ = ["InfrastructureMetrics"]
