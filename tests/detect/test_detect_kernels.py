"""The Numba kernels of detsig.detect agree with their plain-Python twins (also under
NUMBA_DISABLE_JIT=1), including edge cases."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.detect import _kernels
from detsig.detect._stream import LookaheadStage, Segmenter
from detsig.detect.cfar import CfarParams, ca_cfar, cfar_ratio, os_cfar, run_cfar_rows
from detsig.detect.gpr_hyperbola import semblance_weighted
from detsig.errors import InputError

from .reference import (
    ca_cfar_reference,
    hyperbola_stack_reference,
    os_cfar_reference,
    segments_reference,
    semblance_weighted_reference,
)

WINDOW = 2 * (3 + 5) + 1  # guard 3, train 5


@pytest.mark.parametrize("n_rows", [0, 1, 2, WINDOW - 1, WINDOW, WINDOW + 1, 60])
@pytest.mark.parametrize("cell_half", [0, 2])
def test_ca_cfar_matches_reference(n_rows, cell_half):
    x = np.random.default_rng(n_rows).normal(size=(n_rows, 3))
    test, level = ca_cfar(x, guard_rows=3, train_rows=5, cell_half=cell_half)
    ref_test, ref_level = ca_cfar_reference(x, 3, 5, cell_half)
    np.testing.assert_allclose(test, ref_test, rtol=1e-12)
    np.testing.assert_allclose(level, ref_level, rtol=1e-12)


@pytest.mark.parametrize("n_rows", [0, 1, WINDOW - 1, WINDOW, WINDOW + 1, 45])
@pytest.mark.parametrize("rank", [0.01, 0.5, 0.75, 1.0])
def test_os_cfar_matches_reference(n_rows, rank):
    x = np.random.default_rng(7 + n_rows).standard_cauchy(size=(n_rows, 2))
    test, level = os_cfar(x, guard_rows=3, train_rows=5, cell_half=1, rank_fraction=rank)
    ref_test, ref_level = os_cfar_reference(x, 3, 5, 1, rank)
    np.testing.assert_allclose(test, ref_test, rtol=1e-12)
    np.testing.assert_allclose(level, ref_level, rtol=1e-12)


def test_one_dimensional_input_and_nan_level():
    test, level = ca_cfar([5.0], guard_rows=0, train_rows=2)
    assert test.shape == (1,) and np.isnan(level[0])
    assert cfar_ratio([5.0], CfarParams(guard_rows=0, train_rows=2)).tolist() == [0.0]


def test_os_cfar_resists_an_interfering_target_where_ca_does_not():
    x = np.ones(41)
    x[20] = 100.0  # target under test
    x[14] = 100.0  # interfering target inside the training cells
    ca = cfar_ratio(x, CfarParams("ca", guard_rows=2, train_rows=8))
    os_ = cfar_ratio(x, CfarParams("os", guard_rows=2, train_rows=8, rank_fraction=0.75))
    assert os_[20] == pytest.approx(100.0)
    assert ca[20] < 20.0  # masked: the interferer raised the mean


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "xx"},
        {"guard_rows": -1},
        {"train_rows": 0},
        {"rank_fraction": 0.0},
        {"cell_half": 1.5},
    ],
)
def test_bad_cfar_parameters_raise_input_error(kwargs):
    with pytest.raises(InputError):
        CfarParams(**kwargs)


def test_cfar_rejects_text():
    with pytest.raises(InputError, match="real numbers"):
        ca_cfar(np.array(["a", "b"]))


@pytest.mark.parametrize("split", [0.0, 0.5])
@pytest.mark.parametrize("seed", range(6))
def test_segmenter_matches_reference_in_any_chunking(seed, split):
    rng = np.random.default_rng(seed)
    z = np.abs(rng.normal(size=400)) * 2.0
    z[rng.integers(0, 400, 30)] = np.nan
    z[100:130] += np.linspace(0, 12, 30)
    features = np.arange(400, dtype=float)[:, None]
    expected = segments_reference(z, 2.0, 3, 2, split)
    seg = Segmenter(2.0, 3, 2, 1, split_ratio=split)
    found = []
    cuts = np.sort(rng.integers(0, 400, 9))
    for part in np.split(np.arange(400), cuts):
        found += seg.push(z[part], features[part])
    found += seg.push(z[:0], features[:0], final=True)
    got = [(s.start_row, s.last_row, s.peak_row, s.peak) for s in found]
    assert got == expected
    assert all(s.features[0] == s.peak_row for s in found)


def test_lookahead_stage_equals_batch_in_any_chunking():
    x = np.random.default_rng(3).normal(size=(120, 2))
    params = CfarParams("os", guard_rows=2, train_rows=6, cell_half=1)

    def compute(buf, g0, start, stop):
        test, level = run_cfar_rows(buf, g0, start, stop, params)
        return np.column_stack([test, level])

    batch = LookaheadStage(compute, 9, 9).push(x, final=True)
    stage = LookaheadStage(compute, 9, 9)
    parts = [stage.push(x[a:b]) for a, b in [(0, 1), (1, 30), (30, 31), (31, 90), (90, 120)]]
    parts.append(stage.push(x[:0], final=True))
    np.testing.assert_array_equal(np.vstack(parts), batch)


@pytest.mark.parametrize("n_traces", [1, 4, 9])
def test_hyperbola_stack_matches_reference(n_traces):
    rng = np.random.default_rng(n_traces)
    data = rng.normal(size=(n_traces, 20))
    half = 2
    table = rng.uniform(-3, 19.5, size=(3, 5, 2 * half + 1))
    table[table < 0] = -1.0
    table[0, 0, 2] = 19.0  # last sample, no right neighbour
    weights = rng.uniform(0.5, 1.5, 2 * half + 1)
    signed = np.zeros((n_traces, 5, 3))
    power = np.zeros((n_traces, 5, 3))
    _kernels.hyperbola_stack_rows(data, 0, 0, n_traces, half, table, weights, signed, power)
    ref_signed, ref_power = hyperbola_stack_reference(data, half, table, weights)
    np.testing.assert_allclose(signed, ref_signed, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(power, ref_power, rtol=1e-12, atol=1e-12)
    assert np.all(signed**2 <= power + 1e-12)  # Cauchy-Schwarz: semblance <= 1


@pytest.mark.parametrize(("half_window", "exponent"), [(0, 0.0), (0, 1.0), (2, 0.5), (9, 2.0)])
def test_semblance_weighting_matches_reference(half_window, exponent):
    rng = np.random.default_rng(half_window)
    data = rng.normal(size=(6, 30))
    table = rng.uniform(0, 29, size=(4, 8, 5))
    signed = np.zeros((6, 8, 4))
    power = np.zeros((6, 8, 4))
    _kernels.hyperbola_stack_rows(data, 0, 0, 6, 2, table, np.ones(5), signed, power)
    got = semblance_weighted(signed, power, half_window, exponent)
    want = semblance_weighted_reference(signed, power, half_window, exponent)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_semblance_is_one_on_a_coherent_template_and_small_across_a_flank():
    # an echo on every trace of the template (apex template of a point diffractor) against
    # an echo on one trace of it (a template crossing a neighbour's flank), same stacked mean
    n_a = 9
    coherent = np.full((1, 1, 1), 1.0), np.full((1, 1, 1), 1.0)
    crossing = np.full((1, 1, 1), 1.0), np.full((1, 1, 1), float(n_a))  # one sample of n_a
    assert semblance_weighted(*coherent, 0, 1.0)[0, 0, 0] == pytest.approx(1.0)
    assert semblance_weighted(*crossing, 0, 1.0)[0, 0, 0] == pytest.approx(1.0 / n_a)


def test_cell_mean_rows_matches_reference():
    x = np.random.default_rng(0).normal(size=(30, 3))
    out = np.empty((30, 3))
    _kernels.cell_mean_rows(x, 0, 2, 0, 30, out)
    ref = np.array([x[max(g - 2, 0) : g + 3].mean(axis=0) for g in range(30)])
    np.testing.assert_allclose(out, ref, rtol=1e-12)
