"""Constant-velocity migration of GPR lines: Stolt (f-k) and Kirchhoff (diffraction summation)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_migration
from detsig.dsp._validate import (
    as_float_2d,
    choice,
    out_dtype,
    positive_float,
    positive_int,
)
from detsig.errors import ParameterError


def migrate_stolt(
    x: npt.ArrayLike,
    sample_interval_s: float,
    trace_step_m: float,
    velocity_m_per_s: float,
    *,
    pad_traces: int = 0,
    pad_samples: int = 0,
) -> npt.NDArray[Any]:
    """Stolt (f-k) migration for a constant velocity.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        A GPR line with equally spaced traces, time zero at sample 0.
    sample_interval_s : float
        Time between samples, s.
    trace_step_m : float
        Distance between traces, m.
    velocity_m_per_s : float
        Radar velocity in the ground, m/s.
    pad_traces, pad_samples : int
        Zeros appended along each axis before the FFTs, to keep energy that migrates past an
        edge from wrapping around to the other side (>= 0).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        The migrated section on the vertical two-way time axis ``tau = 2 z / v`` (the same
        sample axis; convert with :func:`detsig.dsp.time_to_depth` at the same velocity).

    Notes
    -----
    The exploding-reflector spectrum ``P(kx, omega)`` (2-D FFT) is mapped to
    ``P(kx, kz)`` by reading it at ``omega = (v/2) sqrt(kx^2 + kz^2)`` with linear interpolation
    along ``omega`` and scaling by the obliquity factor ``kz / sqrt(kx^2 + kz^2)`` (Stolt 1978;
    Yilmaz 2001 eq. C.53-C.56), then transformed back. Bins that map above the Nyquist
    frequency are set to 0 (ImpDAR's ``migrationStolt`` clamps them to the Nyquist value and
    skips the Nyquist row; otherwise it uses the same mapping and scaling and ImpDAR's default
    tapers, which detsig leaves to the caller). Batch only: every output sample depends on the
    whole line.

    References
    ----------
    .. [1] Stolt, R. H. (1978). Migration by Fourier transform. *Geophysics* 43(1), 23-48.
    .. [2] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, appendix C.
    .. [3] ImpDAR ``impdar/lib/migrationlib/mig_python.py`` (``migrationStolt``).

    Examples
    --------
    >>> import numpy as np
    >>> y = migrate_stolt(np.zeros((8, 16), np.float32), 1e-10, 0.02, 1e8)
    >>> y.shape
    (8, 16)
    """
    from scipy import fft

    dt = positive_float("sample_interval_s", sample_interval_s)
    dx = positive_float("trace_step_m", trace_step_m)
    velocity = _check_velocity(velocity_m_per_s)
    extra_traces = positive_int("pad_traces", pad_traces, minimum=0)
    extra_samples = positive_int("pad_samples", pad_samples, minimum=0)
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_traces, n_samples = data.shape
    if data.size == 0:
        return data.copy()
    n_t = n_samples + extra_samples
    n_x = n_traces + extra_traces
    complex_dtype = np.complex128 if dtype == np.float64 else np.complex64
    spectrum = fft.rfft(data, n=n_t, axis=1, workers=1)
    spectrum = fft.fft(spectrum, n=n_x, axis=0, workers=1, overwrite_x=True)
    spectrum = np.ascontiguousarray(spectrum, dtype=complex_dtype)
    kx_per_m = 2.0 * np.pi * np.fft.fftfreq(n_x, d=dx)
    d_omega = 2.0 * np.pi / (n_t * dt)
    mapped = np.empty_like(spectrum)
    _kernels_migration.stolt_map(spectrum, kx_per_m, d_omega, velocity, mapped)
    image = fft.ifft(mapped, axis=0, workers=1, overwrite_x=True)
    result = fft.irfft(image, n=n_t, axis=1, workers=1)
    return np.ascontiguousarray(result[:n_traces, :n_samples], dtype=dtype)


def migrate_kirchhoff(
    x: npt.ArrayLike,
    sample_interval_s: float,
    trace_step_m: float,
    velocity_m_per_s: float,
    *,
    aperture_m: float | None = None,
    interpolation: str = "linear",
) -> npt.NDArray[Any]:
    """Kirchhoff (diffraction-summation) migration for a constant velocity.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        A GPR line with equally spaced traces, time zero at sample 0.
    sample_interval_s : float
        Time between samples, s.
    trace_step_m : float
        Distance between traces, m.
    velocity_m_per_s : float
        Radar velocity in the ground, m/s.
    aperture_m : float, optional
        Largest horizontal distance between an image point and a trace that contributes, m.
        Default: everything the trace length can reach (``v * t_max / 2``).
    interpolation : {"linear", "nearest"}
        How the input is read between samples along the diffraction hyperbola ("nearest"
        reproduces ImpDAR).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        The image on the vertical two-way time axis ``tau = 2 z / v``.

    Notes
    -----
    Far-field term of the Kirchhoff integral (Schneider 1978; Yilmaz 2001 eq. 4.5):
    ``m(x0, tau) = 1 / (2 pi v) * sum_x cos(theta) * dD/dt(x, t = 2 r / v)`` with
    ``r = sqrt((x - x0)^2 + (v tau / 2)^2)`` and ``cos(theta) = v tau / (2 r)``; ``dD/dt`` is
    ``numpy.gradient`` along time. This is ImpDAR's definition (its ``migrationKirchhoff``,
    without the optional near-field term); it has no ``dx`` factor, so amplitudes scale with
    trace density. Travel times and weights depend only on the trace offset and the output
    sample, so they are tabulated once (sample index and interpolation weights); the sum then
    runs output trace by output trace over contiguous rows, the traces at ``+o`` and ``-o``
    sharing one pass over the table. Cost: ``n_traces * n_aperture_traces * n_samples``.
    Batch only.

    References
    ----------
    .. [1] Schneider, W. A. (1978). Integral formulation for migration in two and three
       dimensions. *Geophysics* 43(1), 49-76.
    .. [2] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, section 4.1.
    .. [3] ImpDAR ``impdar/lib/migrationlib/mig_python.py`` (``migrationKirchhoff``).

    Examples
    --------
    >>> import numpy as np
    >>> migrate_kirchhoff(np.zeros((4, 8), np.float32), 1e-10, 0.02, 1e8).shape
    (4, 8)
    """
    dt = positive_float("sample_interval_s", sample_interval_s)
    dx = positive_float("trace_step_m", trace_step_m)
    velocity = _check_velocity(velocity_m_per_s)
    choice("interpolation", interpolation, ("linear", "nearest"))
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_traces, n_samples = data.shape
    out = np.zeros_like(data)
    if data.size == 0:
        return out
    reach_m = velocity * (n_samples - 1) * dt / 2.0
    if aperture_m is not None:
        reach_m = min(reach_m, positive_float("aperture_m", aperture_m))
    n_offsets = min(math.floor(reach_m / dx + 1e-9) + 1, n_traces)
    nearest = interpolation == "nearest"
    index, weight_lo, weight_hi, n_valid = _kernels_migration.kirchhoff_tables(
        n_offsets, n_samples, dx, dt, velocity, nearest
    )
    gradient = np.zeros((n_traces, n_samples + 1), dtype=dtype)
    _kernels_migration.time_gradient_rows(data, dt, gradient[:, :n_samples])
    _kernels_migration.kirchhoff_sum(
        gradient, index, weight_lo.astype(dtype), weight_hi.astype(dtype), n_valid, out
    )
    return out


def _check_velocity(velocity_m_per_s: float) -> float:
    velocity = positive_float("velocity_m_per_s", velocity_m_per_s)
    if velocity > 3.0e8:
        raise ParameterError(f"velocity_m_per_s {velocity:g} exceeds the speed of light")
    return velocity
