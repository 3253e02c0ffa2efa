"""Private Numba kernels for second-order-section (SOS) IIR filtering.

Each section is run in transposed direct form II, as ``scipy.signal.sosfilt`` does, in float64.
``sos_lanes`` filters a (n_steps, n_lanes) array along axis 0 with the lanes independent, so the
inner loop vectorises; row-wise filtering of GPR traces copies blocks of traces into such a
buffer first.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_BLOCK = 16


@njit(cache=True, nogil=True)
def sos_lanes(buf, sos, state, start, stop, step):  # pragma: no cover - compiled
    """Filter ``buf[start:stop:step]`` in place along axis 0; ``state`` (n_sections, 2, n_lanes)
    holds the delay registers and is updated in place."""
    n_sections = sos.shape[0]
    n_lanes = buf.shape[1]
    i = start
    while i != stop:
        for s in range(n_sections):
            b0 = sos[s, 0]
            b1 = sos[s, 1]
            b2 = sos[s, 2]
            a1 = sos[s, 4]
            a2 = sos[s, 5]
            for lane in range(n_lanes):
                xv = buf[i, lane]
                yv = b0 * xv + state[s, 0, lane]
                state[s, 0, lane] = b1 * xv - a1 * yv + state[s, 1, lane]
                state[s, 1, lane] = b2 * xv - a2 * yv
                buf[i, lane] = yv
        i += step


@njit(cache=True, nogil=True)
def _sos_block(buf, c, z0, z1, forward):  # pragma: no cover - compiled
    """One pass of the cascade over the (m, _BLOCK) buffer in place, registers ``z0``, ``z1``
    shaped (n_sections, _BLOCK); the lane loop is innermost so it vectorises."""
    m = buf.shape[0]
    n_sections = c.shape[0]
    for k in range(m):
        i = k if forward else m - 1 - k
        for s in range(n_sections):
            b0 = c[s, 0]
            b1 = c[s, 1]
            b2 = c[s, 2]
            a1 = c[s, 4]
            a2 = c[s, 5]
            for lane in range(_BLOCK):
                xv = buf[i, lane]
                yv = b0 * xv + z0[s, lane]
                z0[s, lane] = b1 * xv - a1 * yv + z1[s, lane]
                z1[s, lane] = b2 * xv - a2 * yv
                buf[i, lane] = yv


@njit(cache=True, nogil=True)
def sos_rows(x, sos, zi_unit, zero_phase, padlen, out):  # pragma: no cover - compiled
    """Filter every row of ``x`` along the sample axis.

    Causal (``zero_phase`` False): zero initial state, as ``scipy.signal.sosfilt``. Zero-phase:
    odd extension by ``padlen`` samples at both ends, forward then backward pass, each started
    from the steady state ``zi_unit`` scaled by the first sample of that pass, as
    ``scipy.signal.sosfiltfilt``. Blocks of ``_BLOCK`` rows are copied into a
    (samples, rows) buffer so the rows advance together in vector lanes.
    """
    n_rows, n = x.shape
    n_sections = sos.shape[0]
    pad = padlen if zero_phase else 0
    m = n + 2 * pad
    buf = np.zeros((m, _BLOCK), np.float64)
    z0 = np.zeros((n_sections, _BLOCK), np.float64)
    z1 = np.zeros((n_sections, _BLOCK), np.float64)
    for r0 in range(0, n_rows, _BLOCK):
        nb = min(_BLOCK, n_rows - r0)
        if nb < _BLOCK:
            buf[:] = 0.0  # a short last block still runs every lane (zeros)
        for b in range(nb):
            for i in range(n):
                buf[pad + i, b] = x[r0 + b, i]
        if zero_phase:
            for b in range(_BLOCK):
                first = buf[pad, b]
                last = buf[pad + n - 1, b]
                for k in range(1, pad + 1):
                    buf[pad - k, b] = 2.0 * first - buf[pad + k, b]
                    buf[pad + n - 1 + k, b] = 2.0 * last - buf[pad + n - 1 - k, b]
            for s in range(n_sections):
                for b in range(_BLOCK):
                    z0[s, b] = zi_unit[s, 0] * buf[0, b]
                    z1[s, b] = zi_unit[s, 1] * buf[0, b]
            _sos_block(buf, sos, z0, z1, True)
            for s in range(n_sections):
                for b in range(_BLOCK):
                    z0[s, b] = zi_unit[s, 0] * buf[m - 1, b]
                    z1[s, b] = zi_unit[s, 1] * buf[m - 1, b]
            _sos_block(buf, sos, z0, z1, False)
        else:
            z0[:] = 0.0
            z1[:] = 0.0
            _sos_block(buf, sos, z0, z1, True)
        for b in range(nb):
            for i in range(n):
                out[r0 + b, i] = buf[pad + i, b]
