"""Run by test_fork.py in a fresh interpreter: setup(instrument=openai), fork, call in both.

Prints one JSON line per process with the OpenAI calls its own ``m.models`` counted.
"""

from __future__ import annotations

import json
import os
import sys

import openai

import otel_measure
from otel_measure.demo.stand_in import StandInLLM

MODEL = "gpt-4.1-mini"


def _calls(m: otel_measure.Measure) -> int:
    if MODEL not in m.models.list_models():
        return 0
    return m.models.get_latency_metrics(MODEL).total_calls


def main() -> None:
    """One call in the parent, fork, two calls in the child through the global patch."""
    with StandInLLM() as server:
        m = otel_measure.setup(service_name="forked-clients", exporters="none",
                               infrastructure=False, analytics=False, instrument=("openai",))
        client = openai.OpenAI(base_url=server.openai_url, api_key="stand-in", max_retries=0)
        ask = [{"role": "user", "content": "hi"}]
        client.chat.completions.create(model=MODEL, messages=ask)  # type: ignore[arg-type]
        pid = os.fork()
        if pid == 0:
            for _ in range(2):
                client.chat.completions.create(model=MODEL, messages=ask)  # type: ignore[arg-type]
            print("ROW " + json.dumps({"role": "child", "calls": _calls(m)}), flush=True)
            os._exit(0)  # the stand-in's server thread belongs to the parent
        _, status = os.waitpid(pid, 0)
        row = {"role": "parent", "calls": _calls(m), "child_status": status}
        print("ROW " + json.dumps(row), flush=True)
        otel_measure.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
