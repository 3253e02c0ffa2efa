"""Obviously-correct plain-Python twins of the detector kernels (for agreement tests)."""

from __future__ import annotations

import math

import numpy as np


def ca_cfar_reference(x, guard, train, cell_half):
    """Mean |x| of the cell and of the training cells present, per row and column."""
    x = np.abs(np.asarray(x, dtype=float))
    n, m = x.shape
    test = np.zeros((n, m))
    level = np.zeros((n, m))
    for g in range(n):
        for j in range(m):
            cell = [x[r, j] for r in range(g - cell_half, g + cell_half + 1) if 0 <= r < n]
            test[g, j] = sum(cell) / len(cell)
            rows = [r for r in range(g - guard - train, g - guard) if r >= 0]
            rows += [r for r in range(g + guard + 1, g + guard + train + 1) if r < n]
            level[g, j] = sum(x[r, j] for r in rows) / len(rows) if rows else math.nan
    return test, level


def os_cfar_reference(x, guard, train, cell_half, rank_fraction):
    """Cell mean and the ceil(rank_fraction * n)-th smallest training cell."""
    test, _ = ca_cfar_reference(x, guard, train, cell_half)
    x = np.abs(np.asarray(x, dtype=float))
    n, m = x.shape
    level = np.zeros((n, m))
    for g in range(n):
        for j in range(m):
            rows = [r for r in range(g - guard - train, g - guard) if r >= 0]
            rows += [r for r in range(g + guard + 1, g + guard + train + 1) if r < n]
            if not rows:
                level[g, j] = math.nan
                continue
            values = sorted(x[r, j] for r in rows)
            k = min(max(math.ceil(rank_fraction * len(values)), 1), len(values))
            level[g, j] = values[k - 1]
    return test, level


def segments_reference(z, low, gap_rows, min_rows, split_ratio):
    """Hysteresis segments (start, last, peak row, peak) by a direct walk over the rows."""
    out = []
    active = False
    start = last = peak_row = valley_row = 0
    peak = valley = 0.0
    for g, value in enumerate(z):
        above = value >= low
        if above:
            if (
                active
                and split_ratio > 0
                and valley < split_ratio * peak
                and value * split_ratio > valley
                and valley_row > peak_row
            ):
                if valley_row - start + 1 >= min_rows:
                    out.append((start, valley_row, peak_row, peak))
                active = False
            if not active:
                active = True
                start = peak_row = valley_row = g
                peak = valley = value
            elif value > peak:
                peak_row = valley_row = g
                peak = valley = value
            elif value < valley:
                valley_row, valley = g, value
            last = g
        elif active:
            if not value >= valley:
                valley_row = g
                valley = value if value == value else 0.0
            if g - last > gap_rows:
                if last - start + 1 >= min_rows:
                    out.append((start, last, peak_row, peak))
                active = False
    if active and last - start + 1 >= min_rows:
        out.append((start, last, peak_row, peak))
    return out


def hyperbola_stack_reference(data, half_aperture, table, weights):
    """Weighted mean and weighted mean square of interpolated samples along every template."""
    n_traces, n_samples = data.shape
    n_v, n_s, n_a = table.shape
    signed = np.zeros((n_traces, n_s, n_v))
    power = np.zeros((n_traces, n_s, n_v))
    for g in range(n_traces):
        for s in range(n_s):
            for v in range(n_v):
                values, w = [], []
                for a in range(n_a):
                    r = g + a - half_aperture
                    pos = table[v, s, a]
                    if not 0 <= r < n_traces or pos < 0:
                        continue
                    i0 = int(pos)
                    frac = pos - i0
                    value = data[r, i0]
                    if frac > 0 and i0 + 1 < n_samples:
                        value = value + frac * (data[r, i0 + 1] - value)
                    values.append(value)
                    w.append(weights[a])
                if w:
                    signed[g, s, v] = np.average(values, weights=w)
                    power[g, s, v] = np.average(np.square(values), weights=w)
    return signed, power


def semblance_weighted_reference(signed, power, half_window, exponent):
    """``|signed| * semblance ** exponent``, the semblance summed over +-half_window apex times.

    The semblance of a template (Neidell and Taner 1971) is the energy of the stacked trace
    over the mean energy of the input samples, ``mean(x)^2 / mean(x^2)``, each summed over a
    short window of apex times.
    """
    n_traces, n_s, n_v = signed.shape
    out = np.zeros_like(signed)
    for g in range(n_traces):
        for s in range(n_s):
            lo, hi = max(s - half_window, 0), min(s + half_window, n_s - 1)
            for v in range(n_v):
                num = sum(signed[g, j, v] ** 2 for j in range(lo, hi + 1))
                den = sum(power[g, j, v] for j in range(lo, hi + 1))
                coherence = num / den if den > 0 else 0.0
                out[g, s, v] = abs(signed[g, s, v]) * coherence**exponent
    return out
