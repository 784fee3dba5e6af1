"""Domain recorders: they own OpenTelemetry instruments and buffers, and call calculators."""

from otel_measure.instruments._rejections import Rejections
from otel_measure.instruments.analytics import UserAnalytics
from otel_measure.instruments.infrastructure import InfrastructureMetrics
from otel_measure.instruments.models import ModelMetrics

__all__ = ["InfrastructureMetrics", "ModelMetrics", "Rejections", "UserAnalytics"]
