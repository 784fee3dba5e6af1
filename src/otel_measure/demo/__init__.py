"""``otel-measure demo``: a synthetic workload per domain against a live ``setup()``."""

from otel_measure.demo.run import DemoDriver, InfrastructureDriver, run_demo

__all__ = ["DemoDriver", "InfrastructureDriver", "run_demo"]
