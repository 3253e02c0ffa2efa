"""Private Numba kernels of the detectors (arithmetic only; the public wrappers validate).

Row kernels follow the convention of :mod:`detsig.dsp._kernels_window`: the buffer ``buf``
holds rows ``g0 .. g0 + len(buf) - 1`` of a longer signal, so one kernel serves a batch call
(``g0 = 0``) and every streaming chunk (kept history + new rows). Windows are truncated at row 0
and at the last row held; the streaming wrappers only ask for rows whose window is complete
until the final call. Sums run cell by cell in a fixed order, so a row's result does not
depend on how the signal was split into chunks (bit-exact streaming).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from detsig.dsp._kernels_window import sorted_insert, sorted_remove


@njit(cache=True, nogil=True)
def _cell_mean(buf, g0, end, col, g, half):  # pragma: no cover - compiled
    """Mean of ``|buf|`` over rows ``g - half .. g + half`` (truncated), of column ``col``."""
    lo = max(g - half, 0)
    hi = min(g + half, end)
    acc = 0.0
    for r in range(lo, hi + 1):
        acc += abs(buf[r - g0, col])
    return acc / (hi - lo + 1)


#: CA-CFAR sums are recomputed from scratch at every row that is a multiple of this (and
#: slid in between), so a row's sum depends only on its global index, never on the chunking.
ANCHOR_ROWS = 64


@njit(cache=True, nogil=True)
def _fresh_sums(buf, g0, end, j, g, guard, train):  # pragma: no cover - compiled
    left = 0.0
    n_left = 0
    for r in range(max(g - guard - train, 0), max(g - guard, 0)):
        left += abs(buf[r - g0, j])
        n_left += 1
    right = 0.0
    n_right = 0
    for r in range(g + guard + 1, min(g + guard + train, end) + 1):
        right += abs(buf[r - g0, j])
        n_right += 1
    return left, n_left, right, n_right


@njit(cache=True, nogil=True)
def ca_cfar_rows(buf, g0, cell_half, guard, train, start, stop, test, level):  # pragma: no cover
    """Cell-averaging CFAR along rows for every column.

    ``test[k, j]`` is the mean ``|x|`` of the cell under test (rows ``g +- cell_half``) and
    ``level[k, j]`` the mean ``|x|`` of the training cells ``g - guard - train .. g - guard - 1``
    and ``g + guard + 1 .. g + guard + train`` that exist, for ``g = start + k``. ``level`` is
    NaN when no training cell exists. The training sums slide from the anchor row
    ``g - g % ANCHOR_ROWS`` (recomputed there), so ``buf`` must hold the rows of that anchor's
    window too.
    """
    m, n = buf.shape
    end = g0 + m - 1
    if stop <= start:
        return
    for j in range(n):
        anchor = start - start % ANCHOR_ROWS
        left, n_left, right, n_right = _fresh_sums(buf, g0, end, j, anchor, guard, train)
        g = anchor
        while True:
            if g >= start:
                k = g - start
                if cell_half == 0:
                    test[k, j] = abs(buf[g - g0, j])
                else:
                    test[k, j] = _cell_mean(buf, g0, end, j, g, cell_half)
                count = n_left + n_right
                level[k, j] = (left + right) / count if count > 0 else math.nan
            g += 1
            if g >= stop:
                break
            if g % ANCHOR_ROWS == 0:
                left, n_left, right, n_right = _fresh_sums(buf, g0, end, j, g, guard, train)
                continue
            entering = g - guard - 1  # joins the left window
            if entering >= 0:
                left += abs(buf[entering - g0, j])
                n_left += 1
            leaving = g - guard - train - 1
            if leaving >= 0:
                left -= abs(buf[leaving - g0, j])
                n_left -= 1
            leaving = g + guard  # leaves the right window
            if leaving <= end:
                right -= abs(buf[leaving - g0, j])
                n_right -= 1
            entering = g + guard + train
            if entering <= end:
                right += abs(buf[entering - g0, j])
                n_right += 1


@njit(cache=True, nogil=True)
def os_cfar_rows(
    buf, g0, cell_half, guard, train, rank_fraction, start, stop, test, level
):  # pragma: no cover - compiled
    """Ordered-statistic CFAR along rows: ``level`` is the ``k``-th smallest ``|x|`` of the
    training cells that exist, ``k = ceil(rank_fraction * count)`` (1-based); ``test`` as in
    :func:`ca_cfar_rows`. The training cells are kept sorted and slid row by row (a rank does
    not depend on the order of updates, so chunking cannot change it)."""
    m, n = buf.shape
    end = g0 + m - 1
    if stop <= start:
        return
    cells = np.empty(2 * train + 2, np.float64)
    for j in range(n):
        count = 0
        g = start
        for r in range(max(g - guard - train, 0), max(g - guard, 0)):
            count = sorted_insert(cells, count, abs(buf[r - g0, j]))
        for r in range(g + guard + 1, min(g + guard + train, end) + 1):
            count = sorted_insert(cells, count, abs(buf[r - g0, j]))
        while True:
            k = g - start
            if cell_half == 0:
                test[k, j] = abs(buf[g - g0, j])
            else:
                test[k, j] = _cell_mean(buf, g0, end, j, g, cell_half)
            if count == 0:
                level[k, j] = math.nan
            else:
                rank = math.ceil(rank_fraction * count)
                rank = min(max(rank, 1), count)
                level[k, j] = cells[rank - 1]
            g += 1
            if g >= stop:
                break
            entering = g - guard - 1
            if entering >= 0:
                count = sorted_insert(cells, count, abs(buf[entering - g0, j]))
            leaving = g - guard - train - 1
            if leaving >= 0:
                count = sorted_remove(cells, count, abs(buf[leaving - g0, j]))
            leaving = g + guard
            if leaving <= end:
                count = sorted_remove(cells, count, abs(buf[leaving - g0, j]))
            entering = g + guard + train
            if entering <= end:
                count = sorted_insert(cells, count, abs(buf[entering - g0, j]))


@njit(cache=True, nogil=True)
def _close(
    state, peak_features, min_rows, last, n_out, out_rows, out_z, out_features
):  # pragma: no cover
    if last - state[1] + 1 >= min_rows:
        out_rows[n_out, 0] = int(state[1])
        out_rows[n_out, 1] = int(last)
        out_rows[n_out, 2] = int(state[3])
        out_z[n_out] = state[4]
        for f in range(peak_features.shape[0]):
            out_features[n_out, f] = peak_features[f]
        return n_out + 1
    return n_out


@njit(cache=True, nogil=True)
def segment_rows(
    z,
    features,
    row0,
    low,
    gap_rows,
    min_rows,
    split_ratio,
    state,
    peak_features,
    out_rows,
    out_z,
    out_features,
):  # pragma: no cover
    """Hysteresis segmentation of a statistic along rows, with state between chunks.

    A segment opens at the first row with ``z >= low``, takes every row until ``z`` has stayed
    below ``low`` for more than ``gap_rows`` rows, and is kept when it spans at least
    ``min_rows`` rows (first to last row at or above ``low``). Its peak is the first row of
    largest ``z``; the features of that row are copied. With ``split_ratio`` in (0, 1), a
    segment is split in two where ``z`` falls below ``split_ratio`` times the peak so far and
    then rises again above the valley divided by ``split_ratio`` (two objects in a row); 0
    never splits.

    ``state`` (float64, 7): active flag, start row, last row above, peak row, peak value,
    valley row, valley value.
    ``peak_features`` (float64, n_features): features of the open segment's peak.
    Closed segments are written to ``out_rows`` (int64, (n, 3): start, last, peak row),
    ``out_z`` and ``out_features``; the count is returned.
    """
    n_out = 0
    n = z.shape[0]
    nf = features.shape[1]
    for i in range(n):
        g = row0 + i
        value = z[i]
        above = value >= low  # NaN is below
        if above:
            if (
                state[0] != 0.0
                and split_ratio > 0.0
                and state[6] < split_ratio * state[4]
                and value * split_ratio > state[6]
                and state[5] > state[3]
            ):
                n_out = _close(
                    state, peak_features, min_rows, state[5], n_out, out_rows, out_z, out_features
                )
                state[0] = 0.0
            if state[0] == 0.0:
                state[0] = 1.0
                state[1] = g
                state[3] = g
                state[4] = value
                state[5] = g
                state[6] = value
                for f in range(nf):
                    peak_features[f] = features[i, f]
            elif value > state[4]:
                state[3] = g
                state[4] = value
                state[5] = g
                state[6] = value
                for f in range(nf):
                    peak_features[f] = features[i, f]
            elif value < state[6]:
                state[5] = g
                state[6] = value
            state[2] = g
        elif state[0] != 0.0:
            if not value >= state[6]:
                state[5] = g
                state[6] = value if value == value else 0.0
            if g - state[2] > gap_rows:
                n_out = _close(
                    state, peak_features, min_rows, state[2], n_out, out_rows, out_z, out_features
                )
                state[0] = 0.0
    return n_out


@njit(cache=True, nogil=True)
def hyperbola_stack_rows(
    buf, g0, start, stop, half_aperture, table, weights, out_signed, out_power
):  # pragma: no cover - compiled
    """Diffraction stack along hyperbola templates, for apex traces ``start .. stop - 1``.

    ``table[v, s, a]`` is the (fractional) sample index of the hyperbola of velocity ``v`` and
    apex sample ``s`` at trace offset ``a - half_aperture``, or -1 outside the trace;
    ``weights[a]`` its taper. ``out_signed[k, s, v]`` is the weighted mean of the linearly
    interpolated samples along the template (traces outside the line skipped) and
    ``out_power[k, s, v]`` the weighted mean of their squares (the denominator of the
    semblance).
    """
    m, n_samples = buf.shape
    end = g0 + m - 1
    n_v, n_s, n_a = table.shape
    for g in range(start, stop):
        k = g - start
        for s in range(n_s):
            for v in range(n_v):
                acc = 0.0
                acc2 = 0.0
                wsum = 0.0
                for a in range(n_a):
                    r = g + a - half_aperture
                    if r < 0 or r > end:
                        continue
                    pos = table[v, s, a]
                    if pos < 0.0:
                        continue
                    i0 = int(pos)
                    frac = pos - i0
                    row = r - g0
                    sample = buf[row, i0]
                    if frac > 0.0 and i0 + 1 < n_samples:
                        sample = sample + frac * (buf[row, i0 + 1] - sample)
                    acc += weights[a] * sample
                    acc2 += weights[a] * sample * sample
                    wsum += weights[a]
                if wsum > 0.0:
                    out_signed[k, s, v] = acc / wsum
                    out_power[k, s, v] = acc2 / wsum
                else:
                    out_signed[k, s, v] = 0.0
                    out_power[k, s, v] = 0.0


@njit(cache=True, nogil=True)
def semblance_weight(signed, power, half_window, exponent, out):  # pragma: no cover - compiled
    """``out[k, s, v] = |signed[k, s, v]| * coherence ** exponent``, the coherence (semblance)
    being ``sum signed^2 / sum power`` over apex times ``s - half_window .. s + half_window``
    (truncated at the ends), clipped to [0, 1], and 0 where the power sum is 0."""
    n_rows, n_s, n_v = signed.shape
    num = np.empty(n_s + 1)
    den = np.empty(n_s + 1)
    for k in range(n_rows):
        for v in range(n_v):
            num[0] = 0.0
            den[0] = 0.0
            for s in range(n_s):
                num[s + 1] = num[s] + signed[k, s, v] * signed[k, s, v]
                den[s + 1] = den[s] + power[k, s, v]
            for s in range(n_s):
                lo = max(s - half_window, 0)
                hi = min(s + half_window + 1, n_s)
                d = den[hi] - den[lo]
                coherence = 0.0
                if d > 0.0:
                    coherence = min(max((num[hi] - num[lo]) / d, 0.0), 1.0)
                out[k, s, v] = abs(signed[k, s, v]) * coherence**exponent


@njit(cache=True, nogil=True)
def cell_mean_rows(buf, g0, half, start, stop, out):  # pragma: no cover - compiled
    """Signed mean over rows ``g - half .. g + half`` (truncated) for ``g = start .. stop - 1``."""
    m, n = buf.shape
    end = g0 + m - 1
    for g in range(start, stop):
        lo = max(g - half, 0)
        hi = min(g + half, end)
        for j in range(n):
            acc = 0.0
            for r in range(lo, hi + 1):
                acc += buf[r - g0, j]
            out[g - start, j] = acc / (hi - lo + 1)
