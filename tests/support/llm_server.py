"""The OpenAI/Anthropic stand-in server of the client-instrumentation tests.

It lives in the package (``otel_measure.demo.stand_in``) because ``otel-measure demo``
drives the real clients through it too; the tests import it from here.
"""

from __future__ import annotations

from otel_measure.demo.stand_in import SLOW_MODEL, StandInLLM

__all__ = ["SLOW_MODEL", "StandInLLM"]
