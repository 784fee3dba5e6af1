"""Randomised drift samples shared by the Evidently recorder and its differential test.

Pure ``random.Random`` streams, so both environments rebuild the same data from a seed.
"""

from __future__ import annotations

import random

__all__ = ["CASES", "sample"]

#: (seed, kind, baseline size, current size): kinds are "normal", "gap" (two far clusters,
#: so middle bins are empty on both sides), "int" (few distinct integers), "cat" (2 to 30
#: categories) and "binary".
_GRID = tuple(
    (seed, kind, n_ref, n_cur)
    for seed, (kind, n_ref, n_cur) in enumerate(
        [(k, r, c) for k in ("normal", "gap", "int", "cat", "binary")
         for r, c in ((40, 30), (300, 200), (900, 600), (1500, 700))] * 3
    )
)
CASES: tuple[tuple[int, str, int, int], ...] = (
    *_GRID, (997, "outlier", 12_000, 400), (998, "outlier", 20_000, 900),
    (999, "normal", 15_000, 900),
)
# The last three: a share under 1e-4 on one side makes Evidently's PSI zero-fills differ.


def sample(seed: int, kind: str, n_ref: int, n_cur: int) -> tuple[list[object], list[object]]:
    """Return (baseline, current) for one case; about half the cases drift."""
    rng = random.Random(seed)
    shift = rng.choice([0.0, 0.0, 0.05, 0.3, 1.0])
    if kind == "normal":
        ref = [round(rng.gauss(0.0, 1.0), 6) for _ in range(n_ref)]
        cur = [round(rng.gauss(shift, 1.0 + shift / 2), 6) for _ in range(n_cur)]
        return list(ref), list(cur)
    if kind == "outlier":  # one far baseline value: middle sturges bins empty on both sides
        ref = [round(rng.random(), 6) for _ in range(n_ref - 1)] + [100.0]
        return ref, [round(rng.random() + shift, 6) for _ in range(n_cur)]
    if kind == "gap":
        ref = [round(rng.gauss(rng.choice((-20.0, 20.0)), 1.0), 6) for _ in range(n_ref)]
        cur = [round(rng.gauss(rng.choice((-20.0, 20.0 + shift)), 1.0), 6)
               for _ in range(n_cur)]
        return list(ref), list(cur)
    if kind == "int":
        top = rng.choice([3, 5, 8])
        ref = [min(top, int(abs(rng.gauss(0, top / 2)))) for _ in range(n_ref)]
        cur = [min(top, int(abs(rng.gauss(shift * top / 2, top / 2)))) for _ in range(n_cur)]
        return list(ref), list(cur)
    if kind == "binary":
        ref = [f"c{int(rng.random() < 0.3)}" for _ in range(n_ref)]
        cur = [f"c{int(rng.random() < 0.3 + shift / 4)}" for _ in range(n_cur)]
        return list(ref), list(cur)
    k = rng.choice([3, 7, 30])
    weights = [rng.random() + 0.05 for _ in range(k)]
    moved = [w * (1.0 + shift * rng.random()) for w in weights]
    names = [f"v{i}" for i in range(k)]
    return rng.choices(names, weights, k=n_ref), rng.choices(names, moved, k=n_cur)
