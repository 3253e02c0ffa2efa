"""Survey gridding benchmark: sweeps -> a 100 x 100 x 512 cube and its C-scans, against SciPy.

The input is 21 parallel sweeps 0.1 m apart over 2 m x 2 m, a trace every 0.01 m (4179
traces x 512 float32 samples: a smooth field of buried "objects", Gaussian blobs in the plane
times a wavelet at their depth, plus noise; the cost does not depend on content, the
agreement of the two C-scans is reported as their correlation). detsig grids it with its
inverse-distance kernel (:func:`detsig.survey.grid.grid_points`, search radius 0.06 m) and
takes 8 C-scans (:func:`~detsig.survey.grid.window_statistic`, mean of ``|a|`` over
64-sample windows); the baseline does the same with
``scipy.interpolate.griddata`` (linear, Delaunay triangulation: the usual way to grid GPR
profiles in Python). Both are timed as the best of several runs in this process, one thread
(the machine has 2 shared cores). ``ratio = baseline_s / detsig_s`` (> 1: detsig is faster).
The first call (Numba compilation or cache load) is reported separately.

Run ``python benchmarks/bench_survey.py [--quick] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from typing import Any

import numpy as np

N_CELLS = 100
CELL_M = 0.02
N_SAMPLES = 512
SPACING_M = 0.1
STEP_M = 0.01
WINDOW = 64


def _inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    along = np.arange(0.0, (N_CELLS - 1) * CELL_M + STEP_M / 2, STEP_M)
    lanes = np.arange(0.0, (N_CELLS - 1) * CELL_M + SPACING_M / 2, SPACING_M)
    x = np.tile(along, lanes.size) + rng.normal(0, 0.003, along.size * lanes.size)
    y = np.repeat(lanes, along.size) + rng.normal(0, 0.003, along.size * lanes.size)
    t = np.arange(N_SAMPLES)
    values = rng.normal(0, 5, (x.size, N_SAMPLES))
    for _ in range(12):
        cx, cy = rng.uniform(0.2, 1.8, 2)
        delay = rng.uniform(20, N_SAMPLES - 20)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 0.08**2))
        wavelet = np.cos((t - delay) / 3.0) * np.exp(-(((t - delay) / 8.0) ** 2))
        values += 400 * blob[:, None] * wavelet[None, :]
    return x, y, values.astype(np.float32)


def _best_of(function: Any, repeats: int) -> tuple[float, Any]:
    best, result = math.inf, None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    args = parser.parse_args(argv)
    repeats = 2 if args.quick else 5

    from scipy.interpolate import griddata

    from detsig.survey.grid import Grid, grid_points, window_statistic

    x, y, values = _inputs()
    grid = Grid(0.0, 0.0, CELL_M, N_CELLS, N_CELLS)
    radius = 0.6 * SPACING_M
    windows = [(k * WINDOW, (k + 1) * WINDOW) for k in range(N_SAMPLES // WINDOW)]

    start = time.perf_counter()
    grid_points(x[:10], y[:10], values[:10], grid, radius)
    first_call_s = time.perf_counter() - start

    def detsig_run() -> list[np.ndarray]:
        cube = grid_points(x, y, values, grid, radius)
        return [window_statistic(cube, a, b, "mean") for a, b in windows]

    def scipy_run() -> list[np.ndarray]:
        gx, gy = np.meshgrid(grid.x_m, grid.y_m)
        cube = griddata((x, y), values, (gx, gy), method="linear").astype(np.float32)
        return [np.abs(cube[:, :, a:b]).mean(axis=2) for a, b in windows]

    detsig_s, ours = _best_of(detsig_run, repeats)
    scipy_s, theirs = _best_of(scipy_run, max(1, repeats - 2))
    ours_all, theirs_all = np.stack(ours), np.stack(theirs)
    both = np.isfinite(ours_all) & np.isfinite(theirs_all)
    agreement = float(np.corrcoef(ours_all[both], theirs_all[both])[0, 1])
    rows = [
        {
            "name": f"grid {x.size} traces x {N_SAMPLES} to {N_CELLS}x{N_CELLS}x{N_SAMPLES} "
            f"+ {len(windows)} C-scans",
            "detsig_s": detsig_s,
            "baseline": "scipy.interpolate.griddata (linear)",
            "baseline_s": scipy_s,
            "ratio": scipy_s / detsig_s,
            "under_1_s": detsig_s < 1.0,
            "first_call_s": first_call_s,
            "slice_correlation_with_baseline": agreement,
        }
    ]
    for row in rows:
        print(
            f"{row['name']}: detsig {row['detsig_s']:.3f} s, {row['baseline']} "
            f"{row['baseline_s']:.3f} s, ratio {row['ratio']:.1f}x (first call "
            f"{row['first_call_s']:.2f} s; C-scan correlation {agreement:.2f})"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as stream:
            json.dump(rows, stream, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
