"""IBM hex floats (SEG-Y sample code 1): detsig's conversion is bit-for-bit the correctly rounded
value of the formula, checked against an integer-only reference, ObsPy and real SEG-Y files."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

from detsig.io.formats import read_any
from detsig.io.formats._ibm import ibm_to_float32, ibm_to_float32_numpy


def reference_bits(word: int) -> int:
    """float32 bits of IBM ``word`` = (-1)**s * F * 2**(4E - 280), rounded to nearest, ties to
    even, in integer arithmetic only (independent of NumPy and of float64)."""
    sign = (word >> 31) << 31
    exponent = (word >> 24) & 0x7F
    fraction = word & 0xFFFFFF
    if fraction == 0:
        return sign
    shift = 4 * exponent - 280  # value = fraction * 2**shift
    top = fraction.bit_length() - 1 + shift  # value in [2**top, 2**(top+1))
    if top > 127:
        return sign | 0x7F800000  # overflow: +-inf
    if top >= -126:  # normal: <= 24 significant bits fit the significand exactly
        significand = fraction << (23 - (fraction.bit_length() - 1))
        return sign | ((top + 127) << 23) | (significand & 0x7FFFFF)
    # subnormal: units of 2**-149
    scale = shift + 149
    if scale >= 0:
        return sign | (fraction << scale)
    drop = -scale
    if drop > 25:
        return sign  # below half the smallest subnormal
    kept, rest = fraction >> drop, fraction & ((1 << drop) - 1)
    half = 1 << (drop - 1)
    if rest > half or (rest == half and kept & 1):
        kept += 1  # may carry into the smallest normal: the bits are still right
    return sign | kept


FRACTIONS = [
    0x000000, 0x000001, 0x000002, 0x000003, 0x000007, 0x00000F, 0x000010, 0x0000FF, 0x000100,
    0x000FFF, 0x00374C, 0x0FFFFF, 0x100000, 0x100001, 0x7FFFFF, 0x800000, 0x800001, 0xC00000,
    0xFFFFFE, 0xFFFFFF, 0x123456, 0xABCDEF,
]  # fmt: skip


def _edge_words() -> np.ndarray:
    """Every exponent with fractions of every length and both signs, plus rounding ties."""
    words = [
        (sign << 31) | (exponent << 24) | fraction
        for sign in (0, 1)
        for exponent in range(128)
        for fraction in FRACTIONS
    ]
    # Ties at the subnormal boundary: fraction ...1 1000 (odd kept part, exactly half) and
    # ...0 1000 (even kept part) with exponents that drop 1-4 bits.
    for exponent in range(29, 34):
        for fraction in (0x000018, 0x000008, 0x000028, 0xFFFFF8, 0x800008, 0x000004, 0x00000C):
            words += [(exponent << 24) | fraction, (1 << 31) | (exponent << 24) | fraction]
    words += [(35 << 24) | 0x004000, (1 << 31) | (35 << 24) | 0x004000]  # +-2**-126 exactly
    words += [(33 << 24) | 0xFFFFFF]  # rounds up into the smallest normal
    return np.array(words, dtype=np.uint32)


def _reference(words: np.ndarray) -> np.ndarray:
    return np.array([reference_bits(int(w)) for w in words.ravel()], np.uint32).reshape(words.shape)


def test_docstring_values() -> None:
    words = np.array([0x41100000, 0xC276A000, 0x00000000, 0x80000000], np.uint32)
    got = ibm_to_float32(words)
    np.testing.assert_array_equal(got, np.array([1.0, -118.625, 0.0, -0.0], np.float32))
    assert np.signbit(got[3]) and not np.signbit(got[2])


def test_every_value_class_is_bit_exact() -> None:
    words = _edge_words()
    got = ibm_to_float32(words).view(np.uint32)
    want = _reference(words)
    np.testing.assert_array_equal(got, want)
    values = want.view(np.float32)
    biased = (want >> 23) & 0xFF
    # The edge set really covers each class of float32 result.
    assert np.any(values == 0) and np.any(np.signbit(values) & (values == 0))  # +0 and -0
    assert np.any((biased == 0) & ((want & 0x7FFFFF) != 0))  # subnormals
    assert np.any(want == 0x00000001) and np.any(want == 0x80000001)  # smallest subnormal
    assert np.any(want == 0x00800000)  # smallest normal 2**-126
    assert np.any(want == 0x7F7FFFFF) and np.any(want == 0xFF7FFFFF)  # largest finite
    assert np.any(np.isposinf(values)) and np.any(np.isneginf(values))  # overflow
    assert np.any((biased > 0) & (biased < 255))  # normal numbers


def test_largest_and_smallest_ibm_exponents() -> None:
    # E = 0: 16**-64 * F -> at most 2**-256, far below float32: signed zero.
    assert ibm_to_float32(np.array([0x00FFFFFF], np.uint32)).view(np.uint32)[0] == 0
    assert ibm_to_float32(np.array([0x80FFFFFF], np.uint32)).view(np.uint32)[0] == 0x80000000
    # E = 127: about 7.2e75, beyond float32: inf.
    assert np.isposinf(ibm_to_float32(np.array([0x7FFFFFFF], np.uint32))[0])
    assert np.isneginf(ibm_to_float32(np.array([0xFFFFFFFF], np.uint32))[0])
    # 0x60FFFFFF = (2**24 - 1) * 2**104 = float32 max exactly; 0x61100000 = 2**128 overflows.
    got = ibm_to_float32(np.array([0x60FFFFFF, 0x61100000], np.uint32))
    assert got[0] == np.finfo(np.float32).max and np.isposinf(got[1])


def test_random_words_are_bit_exact() -> None:
    words = np.random.default_rng(18).integers(0, 2**32, size=100_000, dtype=np.uint64)
    words = words.astype(np.uint32)
    np.testing.assert_array_equal(ibm_to_float32(words).view(np.uint32), _reference(words))


def test_numba_kernel_agrees_with_numpy_reference() -> None:
    """The compiled kernel and the plain NumPy version agree bit for bit (edge set, 2 M random
    words, a 2-D non-contiguous input), and the NumPy version matches the integer reference."""
    edge = _edge_words()
    np.testing.assert_array_equal(ibm_to_float32_numpy(edge).view(np.uint32), _reference(edge))
    rng = np.random.default_rng(2)
    words = rng.integers(0, 2**32, size=2_000_000, dtype=np.uint64).astype(np.uint32)
    for sample in (edge, words, words.reshape(1000, 2000)[:, ::3]):
        kernel = ibm_to_float32(sample)
        assert kernel.shape == sample.shape and kernel.dtype == np.float32
        np.testing.assert_array_equal(
            kernel.view(np.uint32), ibm_to_float32_numpy(sample).view(np.uint32)
        )


def _small_unnormalised_words(n: int) -> np.ndarray:
    """IBM words of values around 1e-12 with unnormalised fractions (leading zero hex digits),
    as some exporters write them: the class on which segyio's conversion was wrong."""
    rng = np.random.default_rng(7)
    exponent = rng.integers(55, 57, size=n)  # 16**-9..16**-7 around 1e-12 with the fraction
    fraction = rng.integers(1, 0x100000, size=n)  # top hex digit 0
    sign = rng.integers(0, 2, size=n)
    return ((sign << 31) | (exponent << 24) | fraction).astype(np.uint32)


def _ibm_segy(path: Path, words: np.ndarray, endian: str) -> None:
    """A SEG-Y file with sample code 1 (headers by segyio) holding exactly ``words``."""
    import segyio

    n_traces, n_samples = words.shape
    spec = segyio.spec()
    spec.format = 1
    spec.samples = np.arange(n_samples) * 1.0
    spec.tracecount = n_traces
    spec.iline, spec.xline, spec.sorting = 189, 193, None
    spec.endian = endian
    with segyio.create(str(path), spec) as file:
        file.bin.update(hdt=100)
        for i in range(n_traces):
            file.header[i] = {segyio.TraceField.TRACE_SAMPLE_COUNT: n_samples}
            file.trace[i] = np.zeros(n_samples, np.float32)
    raw = bytearray(path.read_bytes())
    order = ">u4" if endian == "big" else "<u4"
    for i in range(n_traces):
        start = 3600 + i * (240 + 4 * n_samples) + 240
        raw[start : start + 4 * n_samples] = words[i].astype(order).tobytes()
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("endian", ["big", "little"])
def test_segy_file_samples_are_exact(tmp_path: Path, endian: str) -> None:
    edge = _edge_words()
    small = _small_unnormalised_words(edge.size)
    words = np.concatenate([edge, small])
    words = np.concatenate([words, np.zeros(-words.size % 64, np.uint32)]).reshape(-1, 64)
    path = tmp_path / f"ibm_{endian}.sgy"
    _ibm_segy(path, words, endian)
    scan = read_any(path)[0]
    assert scan.data.dtype == np.float32
    np.testing.assert_array_equal(scan.data.view(np.uint32), _reference(words))
    extra = scan.header.extra
    assert extra["sample_format_code"] == 1
    assert extra["ibm_samples_overflowed_to_inf"] == int(np.isinf(scan.data).sum()) > 0
    assert extra["ibm_samples_underflowed_to_zero"] > 0
    # the ~1e-12 values: exact, not just close
    tail = scan.data.ravel()[edge.size :]
    assert 1e-15 < np.median(np.abs(tail)) < 1e-9


def test_against_obspy(tmp_path: Path) -> None:
    """ObsPy's C conversion agrees bit for bit below exponent 96; from exponent 96 on it gives
    inf (NaN for a zero fraction) although exponent 96 values (2**104..2**128) fit float32 and
    exponent 97+ values of small fractions too; there the integer reference is checked."""
    pytest.importorskip("obspy")
    from obspy.io.segy.unpack import unpack_4byte_ibm

    rng = np.random.default_rng(96)
    random = rng.integers(0, 2**32, size=20_000, dtype=np.uint64).astype(np.uint32)
    words = np.concatenate([_edge_words(), _small_unnormalised_words(2000), random])
    theirs = unpack_4byte_ibm(io.BytesIO(words.astype(">u4").tobytes()), words.size, endian=">")
    ours = ibm_to_float32(words)
    exponent = (words >> 24) & 0x7F
    agree = exponent < 96
    np.testing.assert_array_equal(ours.view(np.uint32)[agree], theirs.view(np.uint32)[agree])
    assert np.isfinite(ours[exponent == 96]).all()
    np.testing.assert_array_equal(ours.view(np.uint32)[~agree], _reference(words[~agree]))
    # and a whole file read by ObsPy's SEG-Y reader
    from obspy.io.segy.segy import _read_segy

    path = tmp_path / "obspy.sgy"
    block = words[: (words.size // 100) * 100].reshape(-1, 100)
    block = np.where(((block >> 24) & 0x7F) >= 96, np.uint32(0x41100000), block)
    _ibm_segy(path, block, "big")
    traces = _read_segy(str(path), unpack_headers=False).traces
    obspy_data = np.array([trace.data for trace in traces], np.float32)
    ours_file = read_any(path)[0].data
    np.testing.assert_array_equal(ours_file.view(np.uint32), obspy_data.view(np.uint32))
