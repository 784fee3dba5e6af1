"""The AI models domain (``m.models``): a facade over its registry, recorder and monitors."""

from otel_measure.instruments.models.facade import InferenceCall, ModelMetrics, current_inference

__all__ = ["InferenceCall", "ModelMetrics", "current_inference"]
