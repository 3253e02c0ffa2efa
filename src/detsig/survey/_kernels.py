"""Numba kernel of the survey gridding: arithmetic only, on validated contiguous arrays."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def idw_accumulate(
    x_m: np.ndarray,
    y_m: np.ndarray,
    values: np.ndarray,
    x0_m: float,
    y0_m: float,
    cell_m: float,
    radius_m: float,
    min_distance_m: float,
    total: np.ndarray,
    weight: np.ndarray,
) -> None:
    """Add every point's values, weighted by 1 / max(d, min_distance)^2, to the cells whose
    centre lies within ``radius_m`` (d <= radius): ``total`` (n_y, n_x, n_values) float64 and
    ``weight`` (n_y, n_x) float64 are updated in place."""
    n_y, n_x, n_values = total.shape
    reach = math.ceil(radius_m / cell_m)
    radius2 = radius_m * radius_m
    floor2 = min_distance_m * min_distance_m
    for i in range(x_m.shape[0]):
        px = x_m[i]
        py = y_m[i]
        if not (math.isfinite(px) and math.isfinite(py)):
            continue
        cx = math.floor((px - x0_m) / cell_m + 0.5)
        cy = math.floor((py - y0_m) / cell_m + 0.5)
        for iy in range(max(cy - reach, 0), min(cy + reach + 1, n_y)):
            dy = y0_m + iy * cell_m - py
            for ix in range(max(cx - reach, 0), min(cx + reach + 1, n_x)):
                dx = x0_m + ix * cell_m - px
                d2 = dx * dx + dy * dy
                if d2 > radius2:
                    continue
                w = 1.0 / max(d2, floor2)
                weight[iy, ix] += w
                for k in range(n_values):
                    total[iy, ix, k] += w * values[i, k]
