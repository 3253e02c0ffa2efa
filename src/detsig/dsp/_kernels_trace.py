"""Private Numba kernels that work trace by trace along the sample axis.

Kernels trust their arguments: C-contiguous 2-D arrays, validated by the public wrappers.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from detsig.dsp._simd import BLOCK, scan_block, scan_row


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
def _running_window_rows(x, half, mode, out):  # pragma: no cover - compiled
    """``window_stat_rows`` for float64 data: a float64 running sum per row (add the entering
    sample, subtract the leaving one), four rows at a time with their sums in registers so
    the four dependency chains overlap. Its rounding error follows the recent window, not the
    whole trace, which float64 callers (rtol 1e-9) need; see ``window_stat_rows``."""
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


@njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
def window_stat_rows(x, half, mode, out):  # pragma: no cover - compiled
    """Centred running-window statistic along each row, window truncated at the row ends.

    mode 0: ``out = x - mean(window)`` (dewow); mode 1: ``out = x / rms(window)`` (AGC,
    0 where the window RMS is 0; float32 data divide in float32).

    Per row, the float64 prefix sums ``P(k) = a[0] + ... + a[k]`` (``a = x`` or ``x**2``) are
    formed 8 samples at a time in vector registers (``_simd.scan_block``), with ``P = 0`` before
    the row and ``P = P(n - 1)`` after it, so the window sum is ``P(i + half) - P(i - half - 1)``
    and the truncated edges need no special case. The output pass is a plain vectorised loop.
    Every row takes the same path, so the result of a row never depends on its neighbours.

    Accuracy: for float32 data this is within 0.5 ulp (dewow) and 2 ulp (AGC) of an exact
    result. The prefix difference loses ``eps64 * P / window sum`` relative accuracy, more than a
    running sum for float64 callers who ask for ~1e-9, so float64 data take
    ``_running_window_rows`` instead.
    """
    if x.itemsize == 8:
        _running_window_rows(x, half, mode, out)
        return
    n_rows, n = x.shape
    square = mode == 1
    single = out.itemsize == 4
    inv_count = np.empty(n, np.float64)
    for i in range(n):
        inv_count[i] = 1.0 / (min(i + half, n - 1) - max(i - half, 0) + 1)
    base = half + 1  # p[base + k] = P(k); p[:base] = 0 = P(< 0)
    span = 2 * half + 1  # p[i] = P(i - half - 1), p[i + span] = P(i + half)
    p = np.zeros(n + span + BLOCK)
    n_blocks = n // BLOCK
    for r in range(n_rows):
        xr = x[r]
        orow = out[r]
        carry = 0.0
        for b in range(n_blocks):
            carry = scan_block(xr, b * BLOCK, p, base + b * BLOCK, carry, square)
        for k in range(n_blocks * BLOCK, n):
            value = np.float64(xr[k])
            carry += value * value if square else value
            p[base + k] = carry
        for k in range(n, n + half):
            p[base + k] = carry
        lo = p[:n]  # P(i - half - 1)
        hi = p[span : span + n]  # P(i + half)
        if not square:
            for i in range(n):
                orow[i] = np.float64(xr[i]) - (hi[i] - lo[i]) * inv_count[i]
        elif single:  # float32 data: float32 square root and division (16 lanes, 1 ulp)
            for i in range(n):
                mean32 = np.float32((hi[i] - lo[i]) * inv_count[i])
                orow[i] = np.float32(xr[i]) / np.sqrt(mean32) if mean32 > 0 else np.float32(0.0)
        else:
            for i in range(n):
                mean = (hi[i] - lo[i]) * inv_count[i]
                orow[i] = np.float64(xr[i]) / np.sqrt(mean) if mean > 0.0 else 0.0


@njit(cache=True, nogil=True, boundscheck=False, error_model="numpy")
def agc_rows(x, half, out):  # pragma: no cover - compiled
    """``window_stat_rows(x, half, 1, out)`` (AGC) with the whole-row scan ``_simd.scan_row``.

    Bit-identical to ``window_stat_rows`` in mode 1: the same prefix sums (same operations in
    the same order), the same output pass. Only the scan keeps its carry in a vector register
    across blocks, which makes the float32 AGC about 9 % faster. Float64 data take
    ``_running_window_rows`` (see ``window_stat_rows``).
    """
    if x.itemsize == 8:
        _running_window_rows(x, half, 1, out)
        return
    n_rows, n = x.shape
    single = out.itemsize == 4
    inv_count = np.empty(n, np.float64)
    for i in range(n):
        inv_count[i] = 1.0 / (min(i + half, n - 1) - max(i - half, 0) + 1)
    base = half + 1  # p[base + k] = P(k); p[:base] = 0 = P(< 0)
    span = 2 * half + 1  # p[i] = P(i - half - 1), p[i + span] = P(i + half)
    p = np.zeros(n + span + BLOCK)
    n_blocks = n // BLOCK
    for r in range(n_rows):
        xr = x[r]
        orow = out[r]
        carry = scan_row(xr, p, base, n_blocks, True)
        for k in range(n_blocks * BLOCK, n):
            value = np.float64(xr[k])
            carry += value * value
            p[base + k] = carry
        for k in range(n, n + half):
            p[base + k] = carry
        lo = p[:n]  # P(i - half - 1)
        hi = p[span : span + n]  # P(i + half)
        if single:  # float32 data: float32 square root and division (16 lanes, 1 ulp)
            for i in range(n):
                mean32 = np.float32((hi[i] - lo[i]) * inv_count[i])
                orow[i] = np.float32(xr[i]) / np.sqrt(mean32) if mean32 > 0 else np.float32(0.0)
        else:
            for i in range(n):
                mean = (hi[i] - lo[i]) * inv_count[i]
                orow[i] = np.float64(xr[i]) / np.sqrt(mean) if mean > 0.0 else 0.0


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
