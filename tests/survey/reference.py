"""Obviously-correct (slow) twin of the survey gridding kernel: the definition, cell by cell."""

from __future__ import annotations

import math

import numpy as np


def idw_grid(x, y, values, x0, y0, cell, n_x, n_y, radius):
    """Inverse-distance weighted mean at every cell centre of the points within ``radius``,
    weight 1 / max(d, cell / 2)^2; NaN where no point is that near."""
    values = np.asarray(values, dtype=np.float64)
    out = np.full((n_y, n_x, values.shape[1]), np.nan)
    for iy in range(n_y):
        for ix in range(n_x):
            cx, cy = x0 + ix * cell, y0 + iy * cell
            total = np.zeros(values.shape[1])
            weight = 0.0
            for i in range(len(x)):
                if not (math.isfinite(x[i]) and math.isfinite(y[i])):
                    continue
                d = math.hypot(x[i] - cx, y[i] - cy)
                if d <= radius:
                    w = 1.0 / max(d, cell / 2) ** 2
                    total += w * values[i]
                    weight += w
            if weight > 0:
                out[iy, ix] = total / weight
    return out
