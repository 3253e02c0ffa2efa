"""The vectorised prefix-sum path of dewow and AGC (float32 data) against the reference twins."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from detsig import dsp
from detsig.dsp import _kernels_trace, _simd

from . import reference as ref

# widths around the 8-sample block: below, at, one over, and a long trace with a ragged end
SHAPES = [(3, 1), (4, 7), (5, 8), (9, 9), (17, 40), (2, 131)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("window", [1, 3, 9, 31, 101])
def test_float32_dewow_and_agc_match_reference(rng, shape, window):
    x = rng.normal(size=shape).astype(np.float32)
    x[0, : min(5, shape[1])] = 0.0  # a zero run: AGC must give 0 there, not nan
    y = dsp.dewow(x, window)
    np.testing.assert_allclose(y, ref.dewow(x, window), atol=2e-6)
    g = dsp.gain_agc(x, window)
    assert g.dtype == np.float32 and np.isfinite(g).all()
    np.testing.assert_allclose(g, ref.agc(x, window), rtol=1e-6, atol=1e-6)


def test_float32_dewow_keeps_a_large_offset_exact(rng):
    # raw 16-bit GPR data sit on a DC offset of ~32768 counts: the result must still be accurate
    # to float32 rounding of the (small) output, which float32 accumulation could not give
    x = (32768 + 20 * rng.normal(size=(6, 300))).astype(np.float32)
    y = dsp.dewow(x, 31)
    np.testing.assert_allclose(y, ref.dewow(x, 31), rtol=0, atol=5e-5)


@njit(cache=True)
def _scan_jit(src, dst, square):  # pragma: no cover - compiled
    carry = 0.0
    for b in range(src.shape[0] // _simd.BLOCK):
        carry = _simd.scan_block(src, b * _simd.BLOCK, dst, b * _simd.BLOCK, carry, square)
    return carry


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("square", [False, True])
def test_scan_block_twins_agree_bit_for_bit(rng, dtype, square):
    src = rng.normal(size=64).astype(dtype)
    compiled = np.zeros(64)
    carry = _scan_jit(src, compiled, square)
    twin = np.zeros(64)
    carry_py = 0.0
    for b in range(64 // _simd.BLOCK):
        carry_py = _simd.scan_block_py(src, b * 8, twin, b * 8, carry_py, square)
    np.testing.assert_array_equal(compiled, twin)
    assert carry == carry_py
    a = src.astype(np.float64) ** (2 if square else 1)
    np.testing.assert_allclose(twin, np.cumsum(a), rtol=1e-13)


@njit(cache=True)
def _scan_row_jit(src, dst, j, square):  # pragma: no cover - compiled
    return _simd.scan_row(src, dst, j, src.shape[0] // _simd.BLOCK, square)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("square", [False, True])
@pytest.mark.parametrize("n", [0, 7, 8, 64, 69])
def test_scan_row_matches_scan_block_bit_for_bit(rng, dtype, square, n):
    # the whole-row intrinsic must give exactly the block-by-block prefix sums, at an offset
    src = rng.normal(size=n).astype(dtype)
    j = 3
    row = np.full(n + j, -1.0)
    carry = _scan_row_jit(src, row, j, square)
    blocks = np.full(n + j, -1.0)
    carry_blocks = _simd.scan_row_py(src, blocks, j, n // _simd.BLOCK, square)
    np.testing.assert_array_equal(row, blocks)
    assert carry == carry_blocks
    done = n // _simd.BLOCK * _simd.BLOCK
    a = src[:done].astype(np.float64) ** (2 if square else 1)
    np.testing.assert_allclose(row[j : j + done], np.cumsum(a), rtol=1e-13)
    assert (row[:j] == -1.0).all() and (row[j + done :] == -1.0).all()  # nothing else written


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("half", [0, 4, 15, 50])
def test_agc_rows_equals_window_stat_rows(rng, dtype, shape, half):
    # gain_agc's kernel is the mode-1 window statistic with a faster scan: same bits
    x = (rng.normal(size=shape) * np.logspace(3, -2, shape[1])).astype(dtype)
    x[0, : min(4, shape[1])] = 0.0
    old = np.empty_like(x)
    _kernels_trace.window_stat_rows(x, half, 1, old)
    new = np.empty_like(x)
    _kernels_trace.agc_rows(x, half, new)
    np.testing.assert_array_equal(new, old)
