"""Private Numba kernels for windows that slide across rows (traces or frames).

The row buffer ``buf`` holds rows ``g0 .. g0 + len(buf) - 1`` of a longer signal, so the same
kernel serves one batch call (``g0 = 0``, the whole signal) and each streaming chunk (the kept
history followed by the new rows). Windows are truncated at global row 0 and at the last row
in ``buf``; the streaming wrappers only ask for rows whose window is complete until the final
call.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def sorted_insert(values, count, value):  # pragma: no cover - compiled
    """Insert ``value`` into the sorted ``values[:count]``; returns the new count."""
    i = count
    while i > 0 and values[i - 1] > value:
        values[i] = values[i - 1]
        i -= 1
    values[i] = value
    return count + 1


@njit(cache=True, nogil=True)
def sorted_remove(values, count, value):  # pragma: no cover - compiled
    """Remove one occurrence of ``value`` from the sorted ``values[:count]``; returns the count."""
    lo = 0
    hi = count
    while lo < hi:
        mid = (lo + hi) // 2
        if values[mid] < value:
            lo = mid + 1
        else:
            hi = mid
    for j in range(lo, count - 1):
        values[j] = values[j + 1]
    return count - 1


@njit(cache=True, nogil=True)
def sorted_median(values, count):  # pragma: no cover - compiled
    """Median of the sorted ``values[:count]`` (mean of the middle two for an even count)."""
    mid = count // 2
    if count % 2 == 1:
        return values[mid]
    return 0.5 * (values[mid - 1] + values[mid])


@njit(cache=True, nogil=True)
def centred_mean_rows(buf, g0, half, emit_start, emit_stop, out):  # pragma: no cover - compiled
    """``out[k] = buf[g - g0] - mean(rows max(g - half, 0) .. min(g + half, end))`` for
    ``g = emit_start + k``, ``end`` being the last row held in ``buf``.

    One pass per output row: the row is written and the running sum updated together.
    """
    m, n = buf.shape
    end = g0 + m - 1
    acc = np.zeros(n, np.float64)
    if emit_stop <= emit_start:
        return
    lo = max(emit_start - half, 0)
    hi = min(emit_start + half, end)
    for r in range(lo, hi + 1):
        for i in range(n):
            acc[i] += buf[r - g0, i]
    for g in range(emit_start, emit_stop):
        inv = 1.0 / (hi - lo + 1)
        row = g - g0
        k = g - emit_start
        new_lo = max(g + 1 - half, 0)
        new_hi = min(g + 1 + half, end)
        enter = new_hi - g0
        leave = lo - g0
        if new_hi > hi and new_lo > lo:
            for i in range(n):
                a = acc[i]
                out[k, i] = buf[row, i] - a * inv
                acc[i] = a + (np.float64(buf[enter, i]) - buf[leave, i])
        elif new_hi > hi:
            for i in range(n):
                a = acc[i]
                out[k, i] = buf[row, i] - a * inv
                acc[i] = a + buf[enter, i]
        elif new_lo > lo:
            for i in range(n):
                a = acc[i]
                out[k, i] = buf[row, i] - a * inv
                acc[i] = a - buf[leave, i]
        else:
            for i in range(n):
                out[k, i] = buf[row, i] - acc[i] * inv
        lo = new_lo
        hi = new_hi


@njit(cache=True, nogil=True)
def centred_median_rows(buf, g0, half, emit_start, emit_stop, out):  # pragma: no cover - compiled
    """As :func:`centred_mean_rows` with the median of the window instead of the mean."""
    m, n = buf.shape
    end = g0 + m - 1
    if emit_stop <= emit_start:
        return
    window = np.empty((n, 2 * half + 1), np.float64)
    count = 0
    lo = max(emit_start - half, 0)
    hi = min(emit_start + half, end)
    for r in range(lo, hi + 1):
        row = buf[r - g0]
        for i in range(n):
            sorted_insert(window[i], count, np.float64(row[i]))
        count += 1
    for g in range(emit_start, emit_stop):
        row = buf[g - g0]
        target = out[g - emit_start]
        for i in range(n):
            target[i] = row[i] - sorted_median(window[i], count)
        new_lo = max(g + 1 - half, 0)
        new_hi = min(g + 1 + half, end)
        if new_lo > lo:
            leaving = buf[lo - g0]
            for i in range(n):
                sorted_remove(window[i], count, np.float64(leaving[i]))
            count -= 1
        if new_hi > hi and g + 1 < emit_stop:
            entering = buf[new_hi - g0]
            for i in range(n):
                sorted_insert(window[i], count, np.float64(entering[i]))
            count += 1
        lo = new_lo
        hi = new_hi


@njit(cache=True, nogil=True)
def trailing_median_rows(buf, n_history, window, out):  # pragma: no cover - compiled
    """``out[k] = median(buf rows max(r - window + 1, 0) .. r)`` for ``r = n_history + k``
    (``buf`` starts at the first row still inside any window, so truncation is at row 0)."""
    m, n = buf.shape
    sorted_values = np.empty((n, window), np.float64)
    count = 0
    first = max(n_history - window + 1, 0)
    for r in range(first, n_history):
        for i in range(n):
            sorted_insert(sorted_values[i], count, np.float64(buf[r, i]))
        count += 1
    for r in range(n_history, m):
        if count == window:
            leaving = r - window
            for i in range(n):
                sorted_remove(sorted_values[i], count, np.float64(buf[leaving, i]))
            count -= 1
        for i in range(n):
            sorted_insert(sorted_values[i], count, np.float64(buf[r, i]))
        count += 1
        for i in range(n):
            out[r - n_history, i] = sorted_median(sorted_values[i], count)


@njit(cache=True, nogil=True)
def trailing_mean_rows(buf, n_history, window, out):  # pragma: no cover - compiled
    """``out[k] = mean(buf rows max(r - window + 1, 0) .. r)`` for ``r = n_history + k``."""
    m, n = buf.shape
    acc = np.zeros(n, np.float64)
    count = 0
    first = max(n_history - window + 1, 0)
    for r in range(first, n_history):
        for i in range(n):
            acc[i] += buf[r, i]
        count += 1
    for r in range(n_history, m):
        if count == window:
            for i in range(n):
                acc[i] -= buf[r - window, i]
            count -= 1
        for i in range(n):
            acc[i] += buf[r, i]
        count += 1
        inv = 1.0 / count
        for i in range(n):
            out[r - n_history, i] = acc[i] * inv


@njit(cache=True, nogil=True)
def line_mean_rows(x, out):  # pragma: no cover - compiled
    """``out = x - mean(x, axis=0)``: one pass to sum the rows (float64), one to subtract."""
    m, n = x.shape
    acc = np.zeros(n, np.float64)
    for r in range(m):
        for i in range(n):
            acc[i] += x[r, i]
    mean = np.empty(n, x.dtype)
    for i in range(n):
        mean[i] = acc[i] / m
    for r in range(m):
        for i in range(n):
            out[r, i] = x[r, i] - mean[i]
