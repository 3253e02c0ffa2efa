"""Comparisons with peer projects (ImpDAR, readgssi from PyPI) where the definitions match.

Deliberate differences are asserted too, so they stay documented facts (docs/processing.md):
readgssi's dewow adds its fitted trend instead of subtracting it; ImpDAR's Stolt clamps
frequencies above Nyquist and skips the Nyquist row; ImpDAR's mean-trace filter tapers the
mean trace with ``exp(-0.05 t_us)``.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from detsig import dsp


def _impdar(module: str):
    return pytest.importorskip(module, reason="ImpDAR is not installed (pip install impdar)")


def _readgssi_filtering():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # readgssi imports a deprecated scipy namespace
        return pytest.importorskip(
            "readgssi.filtering", reason="readgssi is not installed (pip install readgssi)"
        )


def _impdar_data(x: np.ndarray, dt: float, dx: float) -> SimpleNamespace:
    """The attributes ImpDAR's routines read, data transposed to its (snum, tnum) layout."""
    n_traces, n_samples = x.shape
    return SimpleNamespace(
        data=np.ascontiguousarray(x.T, dtype=np.float64),
        snum=n_samples,
        tnum=n_traces,
        dt=dt,
        travel_time=np.arange(n_samples) * dt * 1e6,  # microseconds
        dist=np.arange(n_traces) * dx / 1e3,  # kilometres
        trace_int=np.full(n_traces, dx),
    )


def _quiet(call, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return call(*args, **kwargs)


def _gpr_line(
    rng: np.random.Generator, n_traces: int, n_samples: int, dt: float, dx: float, v: float
) -> np.ndarray:
    """Band-limited diffraction hyperbolas plus weak noise."""
    x = np.zeros((n_traces, n_samples))
    t = np.arange(n_samples) * dt
    for apex_trace, apex_s in ((n_traces // 3, 25 * dt), (2 * n_traces // 3, 45 * dt)):
        for i in range(n_traces):
            t0 = np.hypot(apex_s, 2 * (i - apex_trace) * dx / v)
            x[i] += np.exp(-(((t - t0) / (3 * dt)) ** 2)) * np.cos(2 * np.pi * (t - t0) / (10 * dt))
    return x + rng.normal(scale=1e-3, size=x.shape)


def test_kirchhoff_equals_impdar(rng):
    mig = _impdar("impdar.lib.migrationlib")
    dt, dx, v = 1e-10, 0.02, 1e8
    x = _gpr_line(rng, 24, 64, dt, dx, v)
    dat = _quiet(mig.migrationKirchhoff, _impdar_data(x, dt, dx), vel=v, nearfield=False)
    ours = dsp.migrate_kirchhoff(x, dt, dx, v, interpolation="nearest")
    theirs = dat.data.T
    scale = np.abs(theirs).max()
    np.testing.assert_allclose(ours / scale, theirs / scale, atol=1e-9)


def test_stolt_matches_impdar_on_band_limited_data(rng):
    mig = _impdar("impdar.lib.migrationlib")
    dt, dx, v = 1e-10, 0.02, 1e8
    x = _gpr_line(rng, 40, 64, dt, dx, v)
    dat = _quiet(mig.migrationStolt, _impdar_data(x, dt, dx), vel=v, htaper=1, vtaper=1)
    # ImpDAR's tapers with htaper = vtaper = 1 zero the first/last trace and sample
    tapered = x.copy()
    tapered[[0, -1], :] = 0.0
    tapered[:, [0, -1]] = 0.0
    ours = dsp.migrate_stolt(tapered, dt, dx, v)
    theirs = dat.data.T
    scale = np.abs(theirs).max()
    # the only differences: ImpDAR's handling of the Nyquist row and of frequencies above it
    assert np.abs(ours - theirs).max() < 0.02 * scale
    assert np.corrcoef(ours.ravel(), theirs.ravel())[0, 1] > 0.999


def test_mean_trace_removal_equals_impdar_horizontalfilt(rng):
    filtering = _impdar("impdar.lib.RadarData._RadarDataFiltering")
    dt = 1e-9
    x = rng.normal(size=(30, 50)) + np.sin(np.arange(50))[None, :] * 5
    dat = _impdar_data(x, dt, 0.02)
    dat.flags = SimpleNamespace(hfilt=[0, 0])
    _quiet(filtering.horizontalfilt, dat, 0, 30)
    taper = np.exp(-dat.travel_time * 0.05) / np.exp(-dat.travel_time[0] * 0.05)
    ours = dsp.remove_background(x)
    # ImpDAR subtracts the same mean trace, tapered by exp(-0.05 t_us) (~1 at GPR times)
    np.testing.assert_allclose(dat.data.T, x - (x - ours) * taper, atol=1e-12)


def test_bandpass_matches_impdar_vertical_band_pass_inside_the_trace(rng):
    filtering = _impdar("impdar.lib.RadarData._RadarDataFiltering")
    dt = 1e-10
    x = rng.normal(size=(8, 400))
    dat = _impdar_data(x, dt, 0.02)
    dat.flags = SimpleNamespace(bpass=[0, 0, 0])
    _quiet(filtering.vertical_band_pass, dat, 300.0, 1500.0, order=3)
    ours = dsp.bandpass(x, 300e6, 1500e6, 1 / dt, order=3)
    # same Butterworth and forward-backward filtering; ImpDAR uses (b, a) with filtfilt's
    # default padding, detsig SOS with sosfiltfilt's: they differ only near the trace ends
    np.testing.assert_allclose(ours[:, 60:-60], dat.data.T[:, 60:-60], atol=1e-6)


def test_background_equals_readgssi_bgr_full_width(rng):
    filtering = _readgssi_filtering()
    x = rng.normal(size=(40, 30))
    theirs = _quiet(filtering.bgr, x.T.copy(), {}, win=0)  # readgssi: (samples, traces)
    np.testing.assert_allclose(dsp.remove_background(x), theirs.T, atol=1e-12)


def test_readgssi_dewow_adds_the_trend_detsig_removes_it():
    filtering = _readgssi_filtering()
    n_samples = 200
    wow = np.full((n_samples, 20), 100.0)  # a pure low-frequency offset, nothing else
    theirs = _quiet(filtering.dewow, wow.copy())
    ours = dsp.dewow(wow.T, 31).T
    # readgssi's polyfit "dewow" doubles the wow (it adds the fit); detsig removes it
    assert np.allclose(theirs, 200.0)
    assert np.allclose(ours, 0.0)


def test_bandpass_matches_readgssi_bp_inside_the_trace(rng):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pytest.importorskip("obspy", reason="readgssi's bp needs obspy")
    filtering = _readgssi_filtering()
    dt = 1e-10
    x = rng.normal(size=(6, 600))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _quiet(filtering.bp, x.T.copy(), {"samp_freq": 1 / dt}, 300, 1500)
    ours = dsp.bandpass(x, 300e6, 1500e6, 1 / dt, order=1)
    # readgssi = obspy bandpass(corners=1, zerophase): same filter, no edge padding
    np.testing.assert_allclose(ours[:, 100:-100], theirs.T[:, 100:-100], atol=1e-6)


def test_impdar_kirchhoff_on_real_gssi_file(shared_data: Path):
    """ImpDAR reads the sample DZT; both migrations agree on its first 48 traces."""
    mig = _impdar("impdar.lib.migrationlib")
    load = _impdar("impdar.lib.load.load_gssi")
    path = shared_data / "gpr" / "gssi" / "FILE____032.DZT"
    radar = _quiet(load.load_gssi, str(path))
    data = np.asarray(radar.data, dtype=np.float64)[:96, :48]  # (samples, traces) in ImpDAR
    x = data.T - data.T.mean(axis=0)
    dt = float(radar.dt)
    dx = 1.0 / 50.0  # 50 scans per metre
    v = 1.0e8
    dat = _quiet(mig.migrationKirchhoff, _impdar_data(x, dt, dx), vel=v)
    ours = dsp.migrate_kirchhoff(x, dt, dx, v, interpolation="nearest")
    scale = np.abs(dat.data).max()
    np.testing.assert_allclose(ours / scale, dat.data.T / scale, atol=1e-9)
