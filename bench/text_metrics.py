"""Benchmark BLEU and ROUGE against sacrebleu and rouge-score on the same sentence pairs.

Run: ``.venv/bin/python bench/text_metrics.py [--pairs 10000] [--runs 7]``

Generates deterministic, realistic sentence pairs (10-40 words, punctuation, numbers,
hyphens, entities, accented words; the hypothesis is an edited copy of the reference),
checks that both implementations agree, then times them alternately and prints the
median of each with the speed-up (reference time / our time) as a markdown table.

Fairness: sacrebleu's ``corpus_bleu`` builds a new tokenizer per call, so its token
cache starts cold every run; ours is cleared before every run too ("cold"). A
"warm" row shows ours when the same corpus is scored again with the cache full.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from collections.abc import Callable
from importlib.metadata import version

import sacrebleu
from rouge_score import rouge_scorer

from otel_measure.calculators.text import corpus_bleu, rouge_scores
from otel_measure.calculators.text_13a import segment_tokens

_VOCABULARY = (
    "the a an of to in and or but for with on at by from as is was were be been model "
    "data system user value time result report network server request response latency "
    "error cache query index table performance memory quickly slowly never always often "
    "measured computed returned failed increased decreased customers revenue quarter "
    "growth team release version feature deployment region cluster traffic throughput "
    "2024 3.5 1,000 42 100% 7-day well-known state-of-the-art don't it's U.S. e.g. "
    "Paris London Berlin Tokyo café naïve résumé &amp; &quot;beta&quot;"
)
_WORDS = _VOCABULARY.split(" ")
_PUNCT = [",", ",", ";", ":", " -", "'s", ")", "!", "?"]


def _sentence(rng: random.Random) -> str:
    words = []
    for i in range(rng.randint(10, 40)):
        word = rng.choice(_WORDS)
        words.append(word.capitalize() if i == 0 else word)
        if rng.random() < 0.08:
            words[-1] += rng.choice(_PUNCT)
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def _edit(rng: random.Random, sentence: str) -> str:
    out = []
    for word in sentence.split():
        roll = rng.random()
        if roll < 0.1:
            continue
        out.append(rng.choice(_WORDS) if roll < 0.2 else word)
        if roll > 0.95:
            out.append(rng.choice(_WORDS))
    return " ".join(out)


def make_pairs(n: int, seed: int) -> tuple[list[str], list[str]]:
    """Return ``n`` (hypothesis, reference) pairs, the same for a given seed."""
    rng = random.Random(seed)
    refs = [_sentence(rng) for _ in range(n)]
    return [_edit(rng, ref) for ref in refs], refs


def _time(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    """Check agreement, time both implementations and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    hyps, refs = make_pairs(args.pairs, args.seed)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)

    theirs_bleu = sacrebleu.corpus_bleu(hyps, [refs]).score / 100
    ours_bleu = corpus_bleu(hyps, [refs]).score
    assert abs(theirs_bleu - ours_bleu) <= 1e-9, (theirs_bleu, ours_bleu)
    for hyp, ref in zip(hyps[:500], refs, strict=False):
        theirs, ours = scorer.score(ref, hyp), rouge_scores(hyp, ref)
        assert abs(theirs["rougeL"].fmeasure - ours.rougeL.f1) <= 1e-9
        assert abs(theirs["rouge2"].fmeasure - ours.rouge2.f1) <= 1e-9

    def our_bleu_cold() -> None:
        segment_tokens.cache_clear()
        corpus_bleu(hyps, [refs])

    timed: dict[str, Callable[[], object]] = {
        "sacrebleu": lambda: sacrebleu.corpus_bleu(hyps, [refs]),
        "bleu cold": our_bleu_cold,
        # Right after the cold run, so every segment is in our token cache.
        "bleu warm": lambda: corpus_bleu(hyps, [refs]),
        "rouge-score": lambda: [scorer.score(r, h) for h, r in zip(hyps, refs, strict=True)],
        "rouge": lambda: [rouge_scores(h, r) for h, r in zip(hyps, refs, strict=True)],
    }
    times: dict[str, list[float]] = {key: [] for key in timed}
    for _ in range(args.runs):
        for key, fn in timed.items():
            times[key].append(_time(fn))
    median = {key: statistics.median(values) for key, values in times.items()}
    rows = [
        ("corpus BLEU vs sacrebleu.corpus_bleu (cold caches)", "sacrebleu", "bleu cold"),
        ("corpus BLEU, ours with warm token cache", "sacrebleu", "bleu warm"),
        ("ROUGE-1/2/L vs rouge-score, pair by pair", "rouge-score", "rouge"),
    ]
    print(
        f"{args.pairs} sentence pairs, median of {args.runs} runs; "
        f"Python {platform.python_version()}, sacrebleu {version('sacrebleu')}, "
        f"rouge-score {version('rouge-score')}, {platform.machine()}\n"
    )
    print("| metric | reference (s) | otel-measure (s) | speed-up |")
    print("| --- | ---: | ---: | ---: |")
    for name, ref_key, our_key in rows:
        ref_s, our_s = median[ref_key], median[our_key]
        print(f"| {name} | {ref_s:.3f} | {our_s:.3f} | {ref_s / our_s:.1f}x |")


if __name__ == "__main__":
    main()
