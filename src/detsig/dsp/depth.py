"""Two-way travel time to depth conversion of GPR traces."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_trace
from detsig.dsp._validate import as_float_2d, out_dtype, positive_float
from detsig.errors import ParameterError


def depth_of_samples_m(
    n_samples: int,
    sample_interval_s: float,
    velocity_m_per_s: float | npt.ArrayLike,
    *,
    time_zero_s: float = 0.0,
) -> npt.NDArray[np.float64]:
    """Depth of each sample below time zero, m.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s : float
        Time between samples, s.
    velocity_m_per_s : float or array_like, shape (n_samples,)
        One velocity, or the interval velocity of each sample, m/s.
    time_zero_s : float
        Time of the ground surface, s.

    Returns
    -------
    ndarray, shape (n_samples,)
        Depth accumulates ``v * dt / 2`` per sample; 0 at time zero, negative before it.

    References
    ----------
    .. [1] Annan, A. P. (2009), in Jol (Ed.), *Ground Penetrating Radar: Theory and
       Applications*, Elsevier, ch. 1.

    Examples
    --------
    >>> depth_of_samples_m(4, 1e-9, 2e8, time_zero_s=1e-9).round(3).tolist()
    [-0.1, 0.0, 0.1, 0.2]
    """
    dt = positive_float("sample_interval_s", sample_interval_s)
    velocity = np.broadcast_to(np.asarray(velocity_m_per_s, dtype=np.float64), (n_samples,))
    if np.any(~np.isfinite(velocity)) or np.any(velocity <= 0):
        raise ParameterError("velocity_m_per_s must be finite and > 0 everywhere")
    if n_samples == 0:
        return np.zeros(0)
    depth = np.concatenate([[0.0], np.cumsum(velocity[:-1] * dt / 2.0)])
    # depth 0 at time zero (interpolated between samples; extrapolated at the first velocity)
    zero_index = float(time_zero_s) / dt
    if zero_index <= n_samples - 1:
        depth_at_zero = float(np.interp(zero_index, np.arange(n_samples), depth))
    else:
        depth_at_zero = float(depth[-1] + (zero_index - n_samples + 1) * velocity[-1] * dt / 2)
    if zero_index < 0:
        depth_at_zero = zero_index * float(velocity[0]) * dt / 2.0
    return depth - depth_at_zero


def time_to_depth(
    x: npt.ArrayLike,
    sample_interval_s: float,
    velocity_m_per_s: float | npt.ArrayLike,
    *,
    time_zero_s: float = 0.0,
    depth_step_m: float | None = None,
    max_depth_m: float | None = None,
) -> tuple[npt.NDArray[Any], npt.NDArray[np.float64]]:
    """Resample traces from two-way travel time to a uniform depth axis.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces on the time axis ``i * sample_interval_s``.
    sample_interval_s : float
        Time between samples, s.
    velocity_m_per_s : float or array_like, shape (n_samples,)
        Radar velocity, m/s: one value, or the interval velocity at each time sample (layered
        ground). See :func:`detsig.model.velocity_from_permittivity`.
    time_zero_s : float
        Time of the ground surface, s (depth 0).
    depth_step_m : float, optional
        Output depth step, m. Default: the smallest ``v * dt / 2``.
    max_depth_m : float, optional
        Deepest output sample, m. Default: the depth of the last input sample.

    Returns
    -------
    y : ndarray, shape (n_traces, n_depths), float32 (float64 for float64 input)
        Traces by depth, linear interpolation between time samples; 0 beyond the last sample.
    depth_m : ndarray, shape (n_depths,)
        Depth of each output sample, m, from 0.

    Notes
    -----
    Samples above the ground (before time zero) are dropped. Traces are independent:
    chunking is exact.

    References
    ----------
    .. [1] Annan, A. P. (2009), in Jol (Ed.), *Ground Penetrating Radar: Theory and
       Applications*, Elsevier, ch. 1 (depth = v t / 2).

    Examples
    --------
    >>> import numpy as np
    >>> y, z = time_to_depth(np.arange(5.0)[None, :], 1e-9, 2e8)
    >>> np.round(z, 3).tolist(), np.round(y[0], 3).tolist()
    ([0.0, 0.1, 0.2, 0.3, 0.4], [0.0, 1.0, 2.0, 3.0, 4.0])
    """
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_samples = data.shape[1]
    dt = positive_float("sample_interval_s", sample_interval_s)
    if depth_step_m is not None:
        positive_float("depth_step_m", depth_step_m)
    if max_depth_m is not None:
        positive_float("max_depth_m", max_depth_m)
    if np.ndim(velocity_m_per_s) == 0:
        positive_float("velocity_m_per_s", velocity_m_per_s)
    if n_samples == 0:
        return np.empty((data.shape[0], 0), dtype=dtype), np.zeros(0)
    depth_in = depth_of_samples_m(n_samples, dt, velocity_m_per_s, time_zero_s=time_zero_s)
    velocity = np.broadcast_to(np.asarray(velocity_m_per_s, dtype=np.float64), (n_samples,))
    step = float(velocity.min() * dt / 2.0) if depth_step_m is None else float(depth_step_m)
    deepest = float(depth_in[-1])
    if max_depth_m is not None:
        deepest = positive_float("max_depth_m", max_depth_m)
    n_depths = int(np.floor(deepest / step + 1e-9)) + 1 if deepest >= 0 else 0
    depth_m = np.arange(n_depths, dtype=np.float64) * step
    positions = np.interp(depth_m, depth_in, np.arange(n_samples, dtype=np.float64), right=np.inf)
    out = np.empty((data.shape[0], n_depths), dtype=dtype)
    if data.size and n_depths:
        _kernels_trace.resample_rows(data, positions, out)
    return out, depth_m
