"""Private Numba kernels for Stolt (f-k) and Kirchhoff migration."""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def stolt_map(spectrum, kx_per_m, d_omega, velocity, out):  # pragma: no cover - compiled
    """Map P(kx, omega) to P(kx, kz) on the same grid (``kz_j = 2 omega_j / v``).

    ``spectrum`` is (n_kx, n_omega) complex; each output bin reads the input at
    ``omega = (v / 2) sqrt(kx^2 + kz^2)`` by linear interpolation along omega, scaled by the
    obliquity factor ``kz / sqrt(kx^2 + kz^2)``; bins that map beyond the last frequency are 0.
    """
    n_kx, n_omega = spectrum.shape
    half_v = 0.5 * velocity
    last = n_omega - 1
    for r in range(n_kx):
        kx = kx_per_m[r]
        kx2 = kx * kx
        for j in range(n_omega):
            kz = 2.0 * j * d_omega / velocity
            k = math.sqrt(kx2 + kz * kz)
            if k == 0.0:
                out[r, j] = 0.0
                continue
            position = half_v * k / d_omega
            if position > last + 1e-9 * last:  # tolerance: kx = 0 maps Nyquist onto itself
                out[r, j] = 0.0
                continue
            i = int(position)
            if i >= last:
                value = spectrum[r, last]
            else:
                f = position - i
                value = (1.0 - f) * spectrum[r, i] + f * spectrum[r, i + 1]
            out[r, j] = value * (kz / k)


@njit(cache=True, nogil=True)
def time_gradient_rows(x, sample_interval_s, out):  # pragma: no cover - compiled
    """``numpy.gradient`` along each row: central differences inside, one-sided at the ends."""
    n_rows, n = x.shape
    if n < 2:
        for r in range(n_rows):
            for i in range(n):
                out[r, i] = 0.0
        return
    inv2 = 0.5 / sample_interval_s
    inv = 1.0 / sample_interval_s
    for r in range(n_rows):
        out[r, 0] = (x[r, 1] - x[r, 0]) * inv
        for i in range(1, n - 1):
            out[r, i] = (x[r, i + 1] - x[r, i - 1]) * inv2
        out[r, n - 1] = (x[r, n - 1] - x[r, n - 2]) * inv


@njit(cache=True, nogil=True)
def kirchhoff_tables(
    n_offsets, n_samples, trace_step_m, sample_interval_s, velocity, nearest
):  # pragma: no cover
    """Travel-time tables of every (trace offset, output sample), computed once.

    For output sample ``t`` (depth ``z = v t dt / 2``) and offset ``o`` traces, the input is
    read at sample ``p = 2 r / v / dt`` with ``r = sqrt((o dx)^2 + z^2)``: ``index`` is
    ``floor(p)`` (``round(p)`` if ``nearest``), and the far-field weight
    ``cos(theta) / (2 pi v)`` is split over ``index`` and ``index + 1`` by linear
    interpolation (``weight_lo``, ``weight_hi``). ``n_valid[o]`` counts the output samples
    whose travel time stays inside the trace (``p`` grows with depth, so they come first).
    """
    index = np.zeros((n_offsets, n_samples), np.int64)
    weight_lo = np.zeros((n_offsets, n_samples), np.float64)
    weight_hi = np.zeros((n_offsets, n_samples), np.float64)
    n_valid = np.zeros(n_offsets, np.int64)
    last = n_samples - 1
    for o in range(n_offsets):
        dx = o * trace_step_m
        count = 0
        for t in range(n_samples):
            z = velocity * t * sample_interval_s / 2.0
            r = math.sqrt(dx * dx + z * z)
            p = 2.0 * r / velocity / sample_interval_s
            if p > last:
                break
            w = (z / r) / (2.0 * math.pi * velocity) if r > 0.0 else 0.0
            if nearest:
                index[o, t] = int(p + 0.5)
                weight_lo[o, t] = w
            else:
                i = int(p)
                f = p - i
                index[o, t] = i
                weight_lo[o, t] = w * (1.0 - f)
                weight_hi[o, t] = w * f
            count += 1
        n_valid[o] = count
    return index, weight_lo, weight_hi, n_valid


@njit(cache=True, nogil=True)
def kirchhoff_sum(gradient, index, weight_lo, weight_hi, n_valid, out):  # pragma: no cover
    """Diffraction summation ``out[x0, t] = sum_x w(o, t) dD/dt(x, p(o, t))``, ``o = |x - x0|``.

    ``gradient`` has one extra zero column, so ``index + 1`` is always inside. Output trace by
    output trace: the output row and the table rows are read contiguously, and the two traces
    at offsets ``+o`` and ``-o`` share one pass over the table row.
    """
    n_traces = gradient.shape[0]
    n_offsets = index.shape[0]
    for x0 in range(n_traces):
        for t in range(out.shape[1]):
            out[x0, t] = 0.0
        for t in range(n_valid[0]):
            i = index[0, t]
            out[x0, t] += weight_lo[0, t] * gradient[x0, i] + weight_hi[0, t] * gradient[x0, i + 1]
        for o in range(1, n_offsets):
            left = x0 - o
            right = x0 + o
            count = n_valid[o]
            if left >= 0 and right < n_traces:
                for t in range(count):
                    i = index[o, t]
                    out[x0, t] += weight_lo[o, t] * (gradient[left, i] + gradient[right, i]) + (
                        weight_hi[o, t] * (gradient[left, i + 1] + gradient[right, i + 1])
                    )
            elif left >= 0 or right < n_traces:
                x = left if left >= 0 else right
                for t in range(count):
                    i = index[o, t]
                    out[x0, t] += (
                        weight_lo[o, t] * gradient[x, i] + weight_hi[o, t] * gradient[x, i + 1]
                    )
