"""The product analytics domain (``m.analytics``): a facade over its stores."""

from otel_measure.instruments.analytics.facade import UserAnalytics

__all__ = ["UserAnalytics"]
