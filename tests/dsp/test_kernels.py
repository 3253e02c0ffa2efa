"""Every kernel agrees with its obviously-correct twin in reference.py, edge cases included."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from detsig import dsp
from detsig.errors import ParameterError

from . import reference as ref

SHAPES = [(0, 16), (3, 0), (1, 1), (5, 2), (7, 9), (9, 40), (6, 64)]


def _data(rng, shape, dtype=np.float32):
    return rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("window", [1, 3, 7, 9, 11, 101])
def test_dewow_matches_reference(rng, shape, window):
    x = _data(rng, shape)
    y = dsp.dewow(x, window)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, ref.dewow(x, window), atol=2e-6)


def test_dewow_window_edges(rng):
    # window - 1, window and window + 1 samples per trace (and 4-row blocks plus a remainder)
    for n in (8, 9, 10):
        x = _data(rng, (6, n), np.float64)
        np.testing.assert_allclose(dsp.dewow(x, 9), ref.dewow(x, 9), atol=1e-12)


def test_dewow_rejects_even_window():
    with pytest.raises(ParameterError, match="odd"):
        dsp.dewow(np.zeros((2, 8)), 4)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("window", [1, 5, 9])
def test_agc_matches_reference(rng, shape, window):
    x = _data(rng, shape, np.float64)
    if x.size:
        x[0, : min(3, x.shape[1])] = 0.0
    np.testing.assert_allclose(dsp.gain_agc(x, window), ref.agc(x, window), rtol=1e-9, atol=1e-12)


def test_agc_zero_trace_gives_zero():
    assert not dsp.gain_agc(np.zeros((5, 20), np.float32), 5).any()


@pytest.mark.parametrize("time_zero_s", [0.0, 3e-9])
def test_gain_power_and_sec_match_reference(rng, time_zero_s):
    x = _data(rng, (4, 50), np.float64)
    dt = 2.5e-10
    gp = dsp.gain_power(x, dt, 1.5, time_zero_s=time_zero_s)
    np.testing.assert_allclose(gp, x * ref.power_gain(50, dt, 1.5, time_zero_s), rtol=1e-12)
    gs = dsp.gain_sec(x, dt, 2e8, power=1.0, time_zero_s=time_zero_s, max_gain=30.0)
    expected = x * ref.sec_gain(50, dt, 2e8, 1.0, time_zero_s, cap=30.0)
    np.testing.assert_allclose(gs, expected, rtol=1e-12)


def test_gains_reject_bad_values():
    with pytest.raises(ParameterError, match="sample_interval_s"):
        dsp.gain_power(np.zeros((1, 4)), 0.0, 1.0)
    with pytest.raises(ParameterError, match="exponent_per_s"):
        dsp.gain_sec(np.zeros((1, 4)), 1e-9, -1.0)


def test_first_break_and_time_zero_match_reference(rng):
    x = _data(rng, (12, 40), np.float64) * 0.05
    onsets = rng.integers(3, 15, size=12)
    for r, k in enumerate(onsets):
        x[r, k] = 3.0 + r
    x[5] = 0.0
    fb = dsp.first_break(x, 0.5)
    np.testing.assert_array_equal(fb, ref.first_break(x, 0.5))
    assert fb[5] == -1
    per = dsp.time_zero(x, target_sample=2, threshold_fraction=0.5, per_trace=True)
    shifts = np.where(fb >= 0, fb - 2, 0)
    np.testing.assert_array_equal(per, ref.shift(x, shifts))
    line = dsp.time_zero(x, target_sample=2, threshold_fraction=0.5)
    median = int(np.median(fb[fb >= 0])) - 2
    np.testing.assert_array_equal(line, ref.shift(x, np.full(12, median)))
    fixed = dsp.time_zero(x, shift_samples=-3)
    np.testing.assert_array_equal(fixed, ref.shift(x, np.full(12, -3)))


@pytest.mark.parametrize("shape", [(0, 5), (1, 6), (2, 3), (5, 7), (30, 9)])
@pytest.mark.parametrize("window", [None, 1, 3, 5, 31])
@pytest.mark.parametrize("method", ["mean", "median"])
def test_background_matches_reference(rng, shape, window, method):
    x = _data(rng, shape, np.float64)
    if shape[0] == 0 and window is None:
        return
    y = dsp.remove_background(x, window, method=method)
    np.testing.assert_allclose(y, ref.background(x, window, method), atol=1e-12)


def test_background_median_with_ties(rng):
    x = rng.integers(0, 3, size=(25, 6)).astype(np.float32)
    y = dsp.remove_background(x, 7, method="median")
    np.testing.assert_array_equal(y, ref.background(x, 7, "median").astype(np.float32))


@pytest.mark.parametrize("order", [1, 2, 4])
@pytest.mark.parametrize("band", [(1e8, 1.5e9), (None, 8e8), (3e8, None)])
def test_bandpass_matches_scipy_and_direct_form(rng, order, band):
    x = _data(rng, (21, 200), np.float64)
    fs = 1e10
    sos = dsp.butterworth_sos(band[0], band[1], fs, order)
    causal = dsp.bandpass(x, band[0], band[1], fs, order=order, zero_phase=False)
    np.testing.assert_allclose(causal, ref.biquad_cascade(x.T, sos).T, atol=1e-10)
    np.testing.assert_allclose(causal, signal.sosfilt(sos, x, axis=-1), atol=1e-10)
    zero_phase = dsp.bandpass(x, band[0], band[1], fs, order=order)
    np.testing.assert_allclose(zero_phase, ref.filtfilt(x, sos), atol=1e-9)


def test_bandpass_float32_close_to_float64(rng):
    x = _data(rng, (5, 300))
    y32 = dsp.bandpass(x, 1e8, 1e9, 1e10)
    y64 = dsp.bandpass(x.astype(np.float64), 1e8, 1e9, 1e10)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, atol=1e-5)


def test_bandpass_errors():
    with pytest.raises(ParameterError, match="Nyquist"):
        dsp.bandpass(np.zeros((2, 100)), 1e8, 6e9, 1e10)
    with pytest.raises(ParameterError, match="below"):
        dsp.bandpass(np.zeros((2, 100)), 1e9, 1e8, 1e10)
    with pytest.raises(ParameterError, match="more than"):
        dsp.bandpass(np.zeros((2, 10)), 1e8, 1e9, 1e10)
    with pytest.raises(ParameterError, match="low_hz, high_hz"):
        dsp.butterworth_sos(None, None, 1e3)


@pytest.mark.parametrize("shape", [(0, 4), (3, 1), (2, 2), (4, 7), (3, 16), (2, 33)])
def test_envelope_matches_dft_reference(rng, shape):
    x = _data(rng, shape, np.float64)
    np.testing.assert_allclose(dsp.envelope(x), ref.envelope(x), atol=1e-10)
    if x.size:
        np.testing.assert_allclose(dsp.envelope(x), np.abs(signal.hilbert(x, axis=-1)), atol=1e-10)


@pytest.mark.parametrize("velocity", [1.2e8, np.linspace(1.0e8, 2.0e8, 30)])
@pytest.mark.parametrize("time_zero_s", [0.0, 2.2e-9])
def test_time_to_depth_matches_reference(rng, velocity, time_zero_s):
    x = _data(rng, (4, 30), np.float64)
    y, depth = dsp.time_to_depth(x, 1e-9, velocity, time_zero_s=time_zero_s)
    assert depth[0] == 0.0
    np.testing.assert_allclose(np.diff(depth), np.min(velocity) * 1e-9 / 2)
    np.testing.assert_allclose(
        y, ref.time_to_depth(x, 1e-9, velocity, depth, time_zero_s), atol=1e-12
    )


@pytest.mark.parametrize("shape", [(1, 8), (8, 16), (9, 15), (16, 32)])
@pytest.mark.parametrize("pad", [(0, 0), (3, 5)])
def test_stolt_matches_reference(rng, shape, pad):
    x = _data(rng, shape, np.float64)
    dt, dx, v = 1e-10, 0.02, 1e8
    y = dsp.migrate_stolt(x, dt, dx, v, pad_traces=pad[0], pad_samples=pad[1])
    padded = np.zeros((shape[0] + pad[0], shape[1] + pad[1]))
    padded[: shape[0], : shape[1]] = x
    expected = ref.stolt(padded, dt, dx, v)[: shape[0], : shape[1]]
    np.testing.assert_allclose(y, expected, atol=1e-10)


def test_stolt_focuses_a_diffraction_hyperbola():
    n_x, n_t, dt, dx, v = 64, 128, 1e-10, 0.01, 1e8
    x = np.zeros((n_x, n_t))
    apex_t = 40
    for i in range(n_x):
        t = np.hypot(apex_t * dt, 2 * (i - 32) * dx / v) / dt
        if t < n_t - 1:
            x[i, round(t)] = 1.0
    y = dsp.migrate_stolt(x, dt, dx, v, pad_traces=32, pad_samples=64)
    peak = np.unravel_index(np.argmax(np.abs(y)), y.shape)
    assert abs(peak[0] - 32) <= 1 and abs(peak[1] - apex_t) <= 2
    # focusing: energy concentrated near the apex compared with the input's spread
    assert (y[30:35, 36:45] ** 2).sum() > 0.5 * (y**2).sum()


@pytest.mark.parametrize("shape", [(1, 2), (5, 9), (12, 20), (7, 31)])
@pytest.mark.parametrize("interpolation", ["linear", "nearest"])
@pytest.mark.parametrize("aperture_m", [None, 0.05])
def test_kirchhoff_matches_reference(rng, shape, interpolation, aperture_m):
    x = _data(rng, shape, np.float64)
    dt, dx, v = 1e-10, 0.02, 1e8
    y = dsp.migrate_kirchhoff(x, dt, dx, v, aperture_m=aperture_m, interpolation=interpolation)
    expected = ref.kirchhoff(
        x, dt, dx, v, nearest=interpolation == "nearest", aperture_m=aperture_m
    )
    scale = np.abs(expected).max() or 1.0
    np.testing.assert_allclose(y / scale, expected / scale, atol=1e-9)


def test_kirchhoff_float32(rng):
    x = _data(rng, (10, 24))
    y32 = dsp.migrate_kirchhoff(x, 1e-10, 0.02, 1e8)
    y64 = dsp.migrate_kirchhoff(x.astype(np.float64), 1e-10, 0.02, 1e8)
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-4 * np.abs(y64).max())


def test_migration_rejects_bad_velocity():
    with pytest.raises(ParameterError, match="speed of light"):
        dsp.migrate_stolt(np.zeros((4, 8)), 1e-10, 0.02, 4e8)
    with pytest.raises(ParameterError, match="trace_step_m"):
        dsp.migrate_kirchhoff(np.zeros((4, 8)), 1e-10, -1, 1e8)


@pytest.mark.parametrize("shape", [(0, 2), (1, 1), (4, 3), (40, 2)])
@pytest.mark.parametrize("window", [1, 2, 5, 41])
def test_md_trailing_filters_match_reference(rng, shape, window):
    x = rng.integers(-5, 5, size=shape).astype(np.float64)  # ties on purpose
    np.testing.assert_allclose(
        dsp.remove_baseline(x, window_frames=window), x - ref.trailing_median(x, window)
    )
    np.testing.assert_allclose(dsp.smooth(x, window), ref.trailing_mean(x, window), atol=1e-12)


def test_highpass_baseline_matches_scipy(rng):
    x = rng.normal(size=(300, 3)) + np.linspace(0, 50, 300)[:, None] + 100.0
    y = dsp.remove_baseline(x, method="highpass", cutoff_hz=2.0, sample_rate_hz=100.0)
    sos = dsp.butterworth_sos(2.0, None, 100.0, 2)
    zi = signal.sosfilt_zi(sos)[:, :, None] * x[0]
    expected, _ = signal.sosfilt(sos, x, axis=0, zi=zi)
    np.testing.assert_allclose(y, expected, atol=1e-9)
    assert abs(y[:5].mean()) < 1.0  # steady start: the offset of 100 gives no transient


def test_ground_balance_matches_reference_and_cancels_ground(rng):
    n = 400
    ground = rng.normal(size=(n, 1)) @ np.array([[1.0, 0.6, 0.3, 0.15]]) * 50
    quiet = ground + 7.0 + rng.normal(scale=0.01, size=(n, 4))
    model = dsp.estimate_ground(quiet)
    x = rng.normal(size=(50, 4)) * 10
    y = dsp.ground_balance(x, model)
    np.testing.assert_allclose(y, ref.ground_balance(x, model.basis, model.offset), atol=1e-10)
    balanced = dsp.ground_balance(quiet, model)
    assert np.abs(balanced).max() < 0.1  # ground response gone
    target = np.array([[1.0, 0.2, 0.02, 0.001]]) * 30  # faster-decaying metal signature
    kept = dsp.ground_balance(target + model.offset, model)
    assert np.linalg.norm(kept) > 0.3 * np.linalg.norm(target)  # the metal survives


def test_ground_phase_model():
    model = dsp.ground_model_from_phase(30.0)
    assert model.ground_phase_deg == pytest.approx(30.0)
    phase = np.radians(30.0)
    on_ground = np.array([[np.cos(phase), np.sin(phase)]]) * 5
    np.testing.assert_allclose(dsp.ground_balance(on_ground, model), 0.0, atol=1e-12)
    with pytest.raises(ParameterError, match="channel"):
        dsp.estimate_ground(np.zeros((10, 2)), n_components=2)


def test_bad_input_arrays():
    with pytest.raises(ParameterError, match="2-D"):
        dsp.dewow(np.zeros(5), 3)
    with pytest.raises(ParameterError, match="real numbers"):
        dsp.dewow(np.array([["a"]]), 1)
    with pytest.raises(ParameterError, match="method"):
        dsp.remove_background(np.zeros((3, 3)), 3, method="mode")


def test_int16_input_is_processed_as_float32():
    x = np.arange(40, dtype=np.int16).reshape(4, 10)
    y = dsp.dewow(x, 3)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, ref.dewow(x, 3), atol=1e-5)
