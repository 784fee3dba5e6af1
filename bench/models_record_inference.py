"""Cost of ``m.models.record_inference`` against the naive bare-SDK path recording the same data.

Run: .venv/bin/python bench/models_record_inference.py [--runs 1500] [--calls 200]

Both sides share one MeterProvider (with an InMemoryMetricReader, as an exporting app
would have). The naive path makes the bare SDK calls that record the same data with the
same attribute dicts: ``Histogram.record`` on the same duration, token and TTFC
histograms, and ``Counter.add`` per token type on a synchronous cost counter (ours keeps
the cost sums under its lock and reports them through an observable counter at
collection). Short batches are interleaved (ours, bare, bare, ours, ...) so machine noise
hits both; the table shows the medians of the per-call time over the batches, their ratio
(the issue's target: at most 0.8), and the median of the per-pair ratios (each batch of
ours against the adjacent bare batch).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

from opentelemetry.metrics import Counter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from otel_measure.instruments import ModelMetrics, Rejections
from otel_measure.names.models import MODEL_COST
from otel_measure.options import ModelOptions

MODEL = "gpt-4o-mini"


def build() -> tuple[ModelMetrics, InMemoryMetricReader, Counter]:
    reader = InMemoryMetricReader()
    meter = MeterProvider(metric_readers=[reader]).get_meter("bench")
    models = ModelMetrics(meter, TracerProvider().get_tracer("bench"), Rejections(meter),
                          ModelOptions())
    naive_cost = meter.create_counter("bench.naive.cost", unit=MODEL_COST.unit,
                                      description=MODEL_COST.description)
    return models, reader, naive_cost


def cases(m: ModelMetrics, cost: Counter
          ) -> dict[str, tuple[Callable[[], None], Callable[[], None], int]]:
    """Each case: (ours, the bare SDK calls it makes, number of SDK calls)."""
    record = m.record_inference
    m.record_inference(MODEL, 0.8, 1200, 300)  # creates the cached series
    m.record_inference(MODEL, 0.8, 1200, 300, cached_input_tokens=200,
                       time_to_first_token_s=0.2)
    series = m._registry.series[(MODEL, "chat", None, None)]
    price = m.prices.lookup(MODEL)
    assert price is not None
    recorder = m._recorder
    duration, tokens, ttfc = recorder._duration, recorder._tokens, recorder._ttfc
    d_attrs, in_attrs, out_attrs = series.duration_attrs, series.input_attrs, series.output_attrs
    s_attrs, (c_in, c_out, c_cached) = series.stream_attrs, series.cell.attrs
    plain = price.cost(1200, 300, 0)
    streamed = price.cost(1000, 300, 200)

    def ours_plain() -> None:
        record(MODEL, 0.8, 1200, 300)

    def bare_plain() -> None:
        duration.record(0.8, d_attrs)
        tokens.record(1200, in_attrs)
        tokens.record(300, out_attrs)
        cost.add(plain[0], c_in)
        cost.add(plain[1], c_out)

    def ours_stream() -> None:
        record(MODEL, 0.8, 1200, 300, cached_input_tokens=200, time_to_first_token_s=0.2)

    def bare_stream() -> None:
        duration.record(0.8, d_attrs)
        tokens.record(1200, in_attrs)
        tokens.record(300, out_attrs)
        ttfc.record(0.2, s_attrs)
        cost.add(streamed[0], c_in)
        cost.add(streamed[1], c_out)
        cost.add(streamed[2], c_cached)

    return {
        "tokens + cost (5 SDK calls)": (ours_plain, bare_plain, 5),
        "stream, cached tokens (7 SDK calls)": (ours_stream, bare_stream, 7),
    }


def per_call(fn: Callable[[], None], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1500, help="interleaved batches per side")
    parser.add_argument("--calls", type=int, default=200, help="calls per batch")
    args = parser.parse_args()
    models, reader, naive_cost = build()
    print(f"{args.runs} interleaved batches of {args.calls} calls per side, medians\n")
    print("| case | record_inference µs/call | naive bare SDK µs/call | ratio of medians | "
          "median of paired ratios |")
    print("|---|---|---|---|---|")
    for label, (ours, bare, _n) in cases(models, naive_cost).items():
        for fn in (ours, bare):  # warm up
            per_call(fn, args.calls)
        ours_t: list[float] = []
        bare_t: list[float] = []
        gc.disable()
        try:
            for run in range(args.runs):
                pair = ((ours, ours_t), (bare, bare_t))
                for fn, out in pair if run % 2 == 0 else pair[::-1]:
                    out.append(per_call(fn, args.calls))
        finally:
            gc.enable()
        mo, mb = statistics.median(ours_t), statistics.median(bare_t)
        paired = statistics.median(o / b for o, b in zip(ours_t, bare_t, strict=True))
        print(f"| {label} | {mo * 1e6:.2f} | {mb * 1e6:.2f} | **{mo / mb:.3f}** | "
              f"{paired:.3f} |")
    reader.get_metrics_data()  # the instruments really aggregated what was recorded


if __name__ == "__main__":
    main()
