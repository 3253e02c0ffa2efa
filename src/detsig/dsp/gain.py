"""Gains along the two-way time axis of GPR traces: t-power, SEC and AGC."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_trace
from detsig.dsp._validate import (
    as_float_2d,
    finite_float,
    odd_window,
    out_dtype,
    positive_float,
)
from detsig.errors import ParameterError


def _time_after_zero_s(n_samples: int, sample_interval_s: float, time_zero_s: float) -> Any:
    return np.arange(n_samples, dtype=np.float64) * sample_interval_s - time_zero_s


def power_gain_curve(
    n_samples: int,
    sample_interval_s: float,
    power: float,
    *,
    time_zero_s: float = 0.0,
    reference_time_s: float = 1e-9,
) -> npt.NDArray[np.float64]:
    """The t-power gain curve of :func:`gain_power`.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s, power, time_zero_s, reference_time_s
        As in :func:`gain_power`.

    Returns
    -------
    ndarray, shape (n_samples,)
        ``max((i * dt - time_zero_s) / reference_time_s, 1) ** power``.

    References
    ----------
    .. [1] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, section 1.4.

    Examples
    --------
    >>> power_gain_curve(4, 1e-9, 2.0).tolist()
    [1.0, 1.0, 4.0, 9.0]
    """
    dt = positive_float("sample_interval_s", sample_interval_s)
    ref = positive_float("reference_time_s", reference_time_s)
    exponent = finite_float("power", power)
    t = _time_after_zero_s(n_samples, dt, finite_float("time_zero_s", time_zero_s))
    return np.maximum(t / ref, 1.0) ** exponent


def sec_gain_curve(
    n_samples: int,
    sample_interval_s: float,
    exponent_per_s: float,
    *,
    power: float = 1.0,
    time_zero_s: float = 0.0,
    reference_time_s: float = 1e-9,
    max_gain: float = 1e4,
) -> npt.NDArray[np.float64]:
    """The spreading-and-exponential-compensation gain curve of :func:`gain_sec`.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s, exponent_per_s, power, time_zero_s, reference_time_s, max_gain
        As in :func:`gain_sec`.

    Returns
    -------
    ndarray, shape (n_samples,)

    References
    ----------
    .. [1] Sensors & Software, *pulseEKKO Data Processing Guide*, SEC gain.

    Examples
    --------
    >>> sec_gain_curve(3, 1e-9, 0.0, max_gain=1.5).tolist()
    [1.0, 1.0, 1.5]
    """
    dt = positive_float("sample_interval_s", sample_interval_s)
    alpha = finite_float("exponent_per_s", exponent_per_s)
    if alpha < 0:
        raise ParameterError(f"exponent_per_s must be >= 0, got {alpha}")
    cap = positive_float("max_gain", max_gain)
    t = _time_after_zero_s(n_samples, dt, finite_float("time_zero_s", time_zero_s))
    spreading = power_gain_curve(
        n_samples, dt, power, time_zero_s=time_zero_s, reference_time_s=reference_time_s
    )
    with np.errstate(over="ignore"):
        curve = spreading * np.exp(alpha * np.maximum(t, 0.0))
    return np.minimum(curve, cap)


def _apply_curve(x: npt.ArrayLike, curve: npt.NDArray[np.float64]) -> npt.NDArray[Any]:
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    out = np.empty_like(data)
    if data.size:
        _kernels_trace.scale_rows(data, curve.astype(dtype), out)
    return out


def gain_power(
    x: npt.ArrayLike,
    sample_interval_s: float,
    power: float,
    *,
    time_zero_s: float = 0.0,
    reference_time_s: float = 1e-9,
) -> npt.NDArray[Any]:
    """Multiply each trace by a power of two-way time, ``g(t) = max(t / t_ref, 1) ** power``.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces.
    sample_interval_s : float
        Time between samples, s.
    power : float
        Exponent (1 compensates the 1/t amplitude decay of a spherical wave front in a
        loss-free medium; 2 compensates 1/t^2 power decay).
    time_zero_s : float
        Time of the ground surface within the trace, s; ``t`` is counted from it.
    reference_time_s : float
        Time at which the gain is 1, s (default 1 ns, so the gain equals ``t_ns ** power``).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)

    Notes
    -----
    Samples earlier than ``time_zero_s + reference_time_s`` get gain 1 (GPRPy's ``tpowGain``
    multiplies by ``t_ns ** power`` everywhere, which zeroes the first sample and damps the air
    wave; detsig leaves them unchanged instead). Trace by trace: chunking is exact.

    References
    ----------
    .. [1] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, section 1.4 (gain, geometric
       spreading correction).
    .. [2] GPRPy ``gprpyTools.tpowGain`` (Plattner 2020, doi:10.1190/tle39050332.1).

    Examples
    --------
    >>> import numpy as np
    >>> gain_power(np.ones((1, 4), np.float32), 1e-9, 1.0).tolist()
    [[1.0, 1.0, 2.0, 3.0]]
    """
    data = np.asarray(x)
    n_samples = data.shape[-1] if data.ndim == 2 else 0
    curve = power_gain_curve(
        n_samples,
        sample_interval_s,
        power,
        time_zero_s=time_zero_s,
        reference_time_s=reference_time_s,
    )
    return _apply_curve(data, curve)


def gain_sec(
    x: npt.ArrayLike,
    sample_interval_s: float,
    exponent_per_s: float,
    *,
    power: float = 1.0,
    time_zero_s: float = 0.0,
    reference_time_s: float = 1e-9,
    max_gain: float = 1e4,
) -> npt.NDArray[Any]:
    """Spreading and exponential compensation: ``g(t) = min(max(t/t_ref, 1)**p * exp(a t), cap)``.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces.
    sample_interval_s : float
        Time between samples, s.
    exponent_per_s : float
        Exponential attenuation compensation ``a``, 1/s (>= 0). An amplitude attenuation of
        ``alpha`` Np/m at velocity ``v`` gives ``a = alpha * v`` (two-way time).
    power : float
        Geometric-spreading exponent ``p`` (default 1).
    time_zero_s, reference_time_s : float
        As in :func:`gain_power`, s.
    max_gain : float
        Upper limit of the gain, so late noise is not amplified without bound.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)

    Notes
    -----
    Trace by trace: chunking is exact.

    References
    ----------
    .. [1] Sensors & Software, *pulseEKKO Data Processing Guide*: "SEC (spreading and exponential
       compensation) gain".
    .. [2] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, section 1.4.

    Examples
    --------
    >>> import numpy as np
    >>> y = gain_sec(np.ones((1, 3), np.float32), 1e-9, 1e8)
    >>> [round(v, 3) for v in y[0].tolist()]
    [1.0, 1.105, 2.443]
    """
    data = np.asarray(x)
    n_samples = data.shape[-1] if data.ndim == 2 else 0
    curve = sec_gain_curve(
        n_samples,
        sample_interval_s,
        exponent_per_s,
        power=power,
        time_zero_s=time_zero_s,
        reference_time_s=reference_time_s,
        max_gain=max_gain,
    )
    return _apply_curve(data, curve)


def gain_agc(x: npt.ArrayLike, window_samples: int) -> npt.NDArray[Any]:
    """Automatic gain control: divide each sample by the RMS of a centred window.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces.
    window_samples : int
        Window length, samples (odd, >= 1).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        ``x[i] / sqrt(mean(x[j]**2 for j in the window))``; 0 where that RMS is 0.

    Notes
    -----
    The window is truncated at the ends of the trace. Trace by trace: chunking is exact.
    ImpDAR's ``agc`` divides by the maximum over a window of samples *of all traces*, a
    different (horizontal) definition, so the two are not compared.

    References
    ----------
    .. [1] Yilmaz, O. (2001). *Seismic Data Analysis*, SEG, section 1.4.2 (AGC, RMS amplitude).

    Examples
    --------
    >>> import numpy as np
    >>> gain_agc(np.array([[2.0, -2.0, 2.0]], np.float32), 3).tolist()
    [[1.0, -1.0, 1.0]]
    """
    window = odd_window("window_samples", window_samples)
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    out = np.empty_like(data)
    if data.size:
        _kernels_trace.agc_rows(data, window // 2, out)
    return out
