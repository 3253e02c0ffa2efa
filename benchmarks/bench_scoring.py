"""Speed of scoring a lane with its full ROC curve (every score is a threshold).

:func:`detsig.bench.score.score_lane` matches candidates to targets one-to-one by optimal
assignment and re-solves the assignment at every distinct score, so that every ROC point is
exact. It splits the problem into connected groups of overlapping halos and, as the threshold
falls, re-solves only the group a new candidate joins. Measured in the same run against the
straightforward exact method: at every threshold, one dense ``linear_sum_assignment`` over all
kept candidates x all targets (mines weighted over clutter, distances as costs). The two must
give the same Pd and false-alarm counts at every threshold; the script checks it.

Usage::

    python benchmarks/bench_scoring.py [--quick] [--json results.json]

References
----------
.. [1] D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans.
   Aerospace and Electronic Systems 52(4), 2016 (scipy's linear_sum_assignment).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from detsig.bench.matching import Halo
from detsig.bench.score import score_lane
from detsig.model import Candidate, GroundTruth, TruthTarget

HALO = Halo("edge", 0.1)


def make_lane(
    length_m: float, n_mines: int, n_clutter: int, n_candidates: int, seed: int = 0
) -> tuple[GroundTruth, list[Candidate]]:
    """A lane with targets every ~length/n m and candidates near most targets plus noise."""
    rng = np.random.default_rng(seed)
    n_targets = n_mines + n_clutter
    x = np.sort(rng.uniform(0.5, length_m - 0.5, n_targets))
    is_mine = rng.permutation(np.arange(n_targets) < n_mines)
    targets = [
        TruthTarget(
            f"t{i}",
            "mine" if is_mine[i] else "clutter",
            "ap" if is_mine[i] else "shrapnel",
            float(x[i]),
            float(rng.uniform(0.0, 0.2)),
            float(rng.uniform(0.05, 0.3)),
        )
        for i in range(n_targets)
    ]
    near = rng.choice(n_targets, size=min(n_candidates // 2, n_targets), replace=False)
    cx = [float(x[i] + rng.normal(0.0, 0.1)) for i in near]
    cx += list(rng.uniform(0.0, length_m, n_candidates - len(cx)))
    scores = np.round(rng.uniform(0.0, 1.0, len(cx)), 3)
    candidates = [
        Candidate(score=float(s), detector="bench", stream="md0", x_m=float(xc))
        for xc, s in zip(cx, scores, strict=True)
    ]
    truth = GroundTruth(tuple(targets), x_start_m=0.0, x_end_m=length_m, swept_width_m=1.0)
    return truth, candidates


def dense_counts(
    truth: GroundTruth, candidates: list[Candidate], levels: np.ndarray
) -> list[tuple[int, int, int]]:
    """Baseline: one dense assignment over everything kept, at each threshold."""
    tx = np.array([t.x_m for t in truth.targets])
    radius = HALO.radius_m([t.size_m for t in truth.targets])
    mine = np.array([t.is_mine for t in truth.targets])
    cx = np.array([c.x_m for c in candidates])
    score = np.array([c.score for c in candidates])
    distance = np.abs(cx[:, None] - tx[None, :])
    feasible = distance <= radius[None, :] + 1e-9
    n_targets = len(tx)
    big_clutter = 10.0 * (n_targets + 1)
    big_mine = big_clutter * (n_targets + 1)
    benefit = np.where(mine, big_mine, big_clutter)[None, :]
    out = []
    for level in levels:
        kept = score >= level
        cost = np.where(feasible[kept], distance[kept] - benefit, 0.0)
        rows, cols = linear_sum_assignment(cost)
        ok = feasible[kept][rows, cols]
        n_mine = int(np.sum(mine[cols[ok]]))
        n_clutter = int(np.sum(ok)) - n_mine
        out.append((n_mine, n_clutter, int(kept.sum()) - n_mine - n_clutter))
    return out


def best_of(fn: Any, args: tuple[Any, ...], repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, value


def score_lane_edge(truth: GroundTruth, candidates: list[Candidate]) -> Any:
    """The measured call: score a lane, full ROC curve included."""
    return score_lane(truth, candidates, halo=HALO)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    sizes = [(50.0, 40, 10, 300)] if args.quick else [(50.0, 40, 10, 300), (500.0, 400, 100, 3000)]
    repeats = 1 if args.quick else 3
    results: dict[str, Any] = {"halo": "edge 0.1 m", "quick": args.quick, "results": []}
    print(f"{'lane':<34}{'score_lane s':>14}{'dense per threshold s':>24}{'ratio':>8}")
    for length_m, n_mines, n_clutter, n_candidates in sizes:
        truth, candidates = make_lane(length_m, n_mines, n_clutter, n_candidates)
        fast_s, lane = best_of(score_lane_edge, (truth, candidates), repeats)
        levels = lane.curve.threshold[1:]
        # The dense baseline at every threshold is slow: time a spread sample, scale up.
        sample = levels[np.linspace(0, len(levels) - 1, min(len(levels), 60)).astype(int)]
        dense_s, counts = best_of(dense_counts, (truth, candidates, sample), 1)
        dense_total_s = dense_s * len(levels) / len(sample)
        for level, (n_det, n_clut, n_fa) in zip(sample, counts, strict=True):
            if lane.curve.counts_at(float(level)) != (n_det, n_clut, n_fa):
                raise RuntimeError(f"score_lane and the dense baseline disagree at {level}")
        ratio = dense_total_s / fast_s
        name = f"{length_m:g} m, {n_mines + n_clutter} targets, {n_candidates} cands"
        results["results"].append(
            {
                "name": name,
                "n_thresholds": len(levels),
                "score_lane_s": fast_s,
                "dense_baseline_s": dense_total_s,
                "dense_baseline_estimated_from_thresholds": len(sample),
                "ratio_vs_dense": ratio,
            }
        )
        print(f"{name:<34}{fast_s:>14.3f}{dense_total_s:>24.3f}{ratio:>7.1f}x")
    print("(the dense baseline is timed on up to 60 thresholds and scaled to all of them)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
