"""Private Numba kernels that work trace by trace along the sample axis.

Kernels trust their arguments: C-contiguous 2-D arrays, validated by the public wrappers.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _value(v, mode):  # pragma: no cover - compiled
    value = np.float64(v)
    return value * value if mode == 1 else value


@njit(cache=True, nogil=True, inline="always")
def _result(v, total, inv_count, mode):  # pragma: no cover - compiled
    mean = total * inv_count
    if mode == 0:
        return v - mean
    if mean > 0.0:
        return v / np.sqrt(mean)
    return 0.0


@njit(cache=True, nogil=True, inline="always")
def _add4(x, r, j, mode, sign, a0, a1, a2, a3):  # pragma: no cover - compiled
    return (
        a0 + sign * _value(x[r, j], mode),
        a1 + sign * _value(x[r + 1, j], mode),
        a2 + sign * _value(x[r + 2, j], mode),
        a3 + sign * _value(x[r + 3, j], mode),
    )


@njit(cache=True, nogil=True, inline="always")
def _out4(x, r, i, c, mode, a0, a1, a2, a3, out):  # pragma: no cover - compiled
    out[r, i] = _result(x[r, i], a0, c, mode)
    out[r + 1, i] = _result(x[r + 1, i], a1, c, mode)
    out[r + 2, i] = _result(x[r + 2, i], a2, c, mode)
    out[r + 3, i] = _result(x[r + 3, i], a3, c, mode)


@njit(cache=True, nogil=True)
def _window_stat_row(x, r, half, mode, inv_count, out):  # pragma: no cover - compiled
    n = x.shape[1]
    total = 0.0
    for j in range(min(half, n - 1) + 1):
        total += _value(x[r, j], mode)
    for i in range(n):
        out[r, i] = _result(x[r, i], total, inv_count[i], mode)
        if i + half + 1 < n:
            total += _value(x[r, i + half + 1], mode)
        if i - half >= 0:
            total -= _value(x[r, i - half], mode)


@njit(cache=True, nogil=True)
def window_stat_rows(x, half, mode, out):  # pragma: no cover - compiled
    """Centred running-window statistic along each row, window truncated at the row ends.

    mode 0: ``out = x - mean(window)`` (dewow); mode 1: ``out = x / rms(window)`` (AGC,
    0 where the window RMS is 0). Running sums in float64. Four rows advance together with
    their sums in registers, so the four dependency chains overlap.
    """
    n_rows, n = x.shape
    inv_count = np.empty(n, np.float64)
    for i in range(n):
        inv_count[i] = 1.0 / (min(i + half, n - 1) - max(i - half, 0) + 1)
    r = 0
    if n > 2 * half + 1:
        while r + 4 <= n_rows:
            a0 = 0.0
            a1 = 0.0
            a2 = 0.0
            a3 = 0.0
            for j in range(half):
                a0 += _value(x[r, j], mode)
                a1 += _value(x[r + 1, j], mode)
                a2 += _value(x[r + 2, j], mode)
                a3 += _value(x[r + 3, j], mode)
            for i in range(half + 1):  # head: the window grows
                a0, a1, a2, a3 = _add4(x, r, i + half, mode, 1.0, a0, a1, a2, a3)
                _out4(x, r, i, inv_count[i], mode, a0, a1, a2, a3, out)
            for i in range(half + 1, n - half):  # interior: one sample in, one out
                a0, a1, a2, a3 = _add4(x, r, i + half, mode, 1.0, a0, a1, a2, a3)
                a0, a1, a2, a3 = _add4(x, r, i - half - 1, mode, -1.0, a0, a1, a2, a3)
                _out4(x, r, i, inv_count[i], mode, a0, a1, a2, a3, out)
            for i in range(n - half, n):  # tail: the window shrinks
                a0, a1, a2, a3 = _add4(x, r, i - half - 1, mode, -1.0, a0, a1, a2, a3)
                _out4(x, r, i, inv_count[i], mode, a0, a1, a2, a3, out)
            r += 4
    while r < n_rows:
        _window_stat_row(x, r, half, mode, inv_count, out)
        r += 1


@njit(cache=True, nogil=True)
def scale_rows(x, gain, out):  # pragma: no cover - compiled
    """``out[r, i] = x[r, i] * gain[i]``."""
    n_rows, n = x.shape
    for r in range(n_rows):
        for i in range(n):
            out[r, i] = x[r, i] * gain[i]


@njit(cache=True, nogil=True)
def shift_rows(x, shifts, out):  # pragma: no cover - compiled
    """``out[r, i] = x[r, i + shifts[r]]``, 0 where that index falls outside the row."""
    n_rows, n = x.shape
    for r in range(n_rows):
        s = shifts[r]
        for i in range(n):
            j = i + s
            if 0 <= j < n:
                out[r, i] = x[r, j]
            else:
                out[r, i] = 0.0


@njit(cache=True, nogil=True)
def first_break_rows(x, fraction, out):  # pragma: no cover - compiled
    """Index of the first sample with ``|x| >= fraction * max|x|`` per row, -1 for a zero row."""
    n_rows, n = x.shape
    for r in range(n_rows):
        peak = 0.0
        for i in range(n):
            value = abs(np.float64(x[r, i]))
            if value > peak:
                peak = value
        out[r] = -1
        if peak > 0.0:
            threshold = fraction * peak
            for i in range(n):
                if abs(np.float64(x[r, i])) >= threshold:
                    out[r] = i
                    break


@njit(cache=True, nogil=True)
def resample_rows(x, positions, out):  # pragma: no cover - compiled
    """Linear interpolation of each row at fractional sample ``positions``; 0 outside the row."""
    n_rows, n = x.shape
    n_out = positions.shape[0]
    for r in range(n_rows):
        for k in range(n_out):
            p = positions[k]
            if p < 0.0 or p > n - 1 or not np.isfinite(p):
                out[r, k] = 0.0
                continue
            i = int(p)
            if i >= n - 1:
                out[r, k] = x[r, n - 1]
                continue
            f = p - i
            out[r, k] = (1.0 - f) * x[r, i] + f * x[r, i + 1]


@njit(cache=True, nogil=True)
def analytic_weights(spectrum, n):  # pragma: no cover - compiled
    """Turn ``rfft`` spectra (rows) of length-``n`` signals into the positive half of the analytic
    signal's spectrum: DC and Nyquist kept, the other positive frequencies doubled."""
    n_rows, n_freq = spectrum.shape
    last = n_freq - 1 if n % 2 == 0 else n_freq
    for r in range(n_rows):
        for k in range(1, last):
            spectrum[r, k] = spectrum[r, k] * 2.0


@njit(cache=True, nogil=True)
def magnitude_rows(z, out):  # pragma: no cover - compiled
    """``out = |z|`` for complex rows."""
    n_rows, n = out.shape
    for r in range(n_rows):
        for i in range(n):
            value = z[r, i]
            out[r, i] = np.sqrt(value.real * value.real + value.imag * value.imag)
