"""Time-zero correction: shift GPR traces so the first break lands on a chosen sample."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_trace
from detsig.dsp._validate import as_float_2d, out_dtype, positive_int
from detsig.errors import ParameterError


def first_break(x: npt.ArrayLike, threshold_fraction: float = 0.25) -> npt.NDArray[np.int64]:
    """Index of the first sample of each trace whose magnitude reaches a fraction of its peak.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces (raw, before gains).
    threshold_fraction : float
        Fraction of each trace's largest magnitude that counts as the first break, in (0, 1].

    Returns
    -------
    ndarray, shape (n_traces,), int64
        Sample index of the first break; -1 for a trace that is all zeros.

    References
    ----------
    .. [1] Yelf, R. (2004). Where is true time zero? *Proc. 10th Int. Conf. on Ground
       Penetrating Radar*, 279-282.

    Examples
    --------
    >>> import numpy as np
    >>> first_break(np.array([[0, 0.1, 0.6, 1.0, 0.2]]), 0.5).tolist()
    [2]
    """
    fraction = float(threshold_fraction)
    if not 0.0 < fraction <= 1.0:
        raise ParameterError(f"threshold_fraction must lie in (0, 1], got {threshold_fraction!r}")
    data = as_float_2d("x", x, out_dtype(np.asarray(x)))
    out = np.empty(data.shape[0], dtype=np.int64)
    if data.size:
        _kernels_trace.first_break_rows(data, fraction, out)
    else:
        out[:] = -1
    return out


def time_zero(
    x: npt.ArrayLike,
    *,
    shift_samples: int | npt.ArrayLike | None = None,
    target_sample: int = 0,
    threshold_fraction: float = 0.25,
    per_trace: bool = False,
) -> npt.NDArray[Any]:
    """Shift traces earlier so time zero (the first break) sits at ``target_sample``.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces.
    shift_samples : int or array_like of int, shape (n_traces,), optional
        The fixed shift, samples: output sample ``i`` takes input sample ``i + shift``. When
        omitted the shift is ``first_break - target_sample``, detected with
        :func:`first_break`.
    target_sample : int
        Where the detected first break should land, samples (>= 0).
    threshold_fraction : float
        Passed to :func:`first_break` when the shift is detected.
    per_trace : bool
        Detected shifts: one per trace (True) or the median over the traces for the whole
        block (False, robust to a few noisy traces and keeps the traces aligned as recorded).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        Shifted traces; samples shifted in from beyond the trace are 0.

    Notes
    -----
    With a fixed shift or ``per_trace=True`` traces are independent, so chunking is exact. With
    the median of a detected shift the result depends on the block given; the streaming form
    (:class:`detsig.dsp.streaming.TimeZeroStream`) fixes the median of its first chunk.

    References
    ----------
    .. [1] Yelf, R. (2004). Where is true time zero? *Proc. 10th Int. Conf. on GPR*, 279-282.

    Examples
    --------
    >>> import numpy as np
    >>> time_zero(np.array([[0.0, 0.0, 1.0, 0.5]]), target_sample=0).tolist()
    [[1.0, 0.5, 0.0, 0.0]]
    """
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_traces = data.shape[0]
    target = positive_int("target_sample", target_sample, minimum=0)
    if shift_samples is None:
        breaks = first_break(data, threshold_fraction)
        if per_trace:
            shifts = np.where(breaks >= 0, breaks - target, 0).astype(np.int64)
        else:
            valid = breaks[breaks >= 0]
            shift = int(np.median(valid)) - target if valid.size else 0
            shifts = np.full(n_traces, shift, dtype=np.int64)
    else:
        given = np.asarray(shift_samples)
        if given.dtype.kind not in "iu" and not (
            given.dtype.kind == "f" and np.all(np.isfinite(given)) and np.all(given % 1 == 0)
        ):
            raise ParameterError(f"shift_samples must be whole numbers, got {shift_samples!r}")
        shifts = np.broadcast_to(given.astype(np.int64), (n_traces,)).copy()
    out = np.empty_like(data)
    if data.size:
        _kernels_trace.shift_rows(data, shifts, out)
    return out


#: Most traces used by :func:`estimate_time_zero_s` (evenly spaced over the line).
ESTIMATE_MAX_TRACES = 1024


def _reference_trace(x: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Median trace of up to :data:`ESTIMATE_MAX_TRACES` evenly spaced traces, DC removed."""
    data = np.asarray(x)
    if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] < 3:
        raise ParameterError(
            f"time zero needs traces shaped (n_traces >= 1, n_samples >= 3), got {data.shape}"
        )
    rows = np.unique(np.linspace(0, data.shape[0] - 1, ESTIMATE_MAX_TRACES).round().astype(int))
    reference = np.median(np.asarray(data[rows], dtype=np.float64), axis=0)
    return np.asarray(reference - np.median(reference), dtype=np.float64)


def estimate_time_zero_s(
    x: npt.ArrayLike,
    sample_interval_s: float,
    *,
    antenna_height_m: float = 0.0,
    threshold_fraction: float = 0.5,
) -> float:
    """Two-way time of the ground surface in traces that do not state it, s.

    The first arrival is found on the median trace of the line (robust to the few traces
    over a target): its first break is the first sample reaching ``threshold_fraction`` of the
    trace's largest magnitude, and the arrival time is the extremum of the lobe that break
    belongs to, refined by a parabola through its neighbours (a fraction of a sample). For a
    ground-coupled antenna that is the direct wave merged with the ground-surface echo; an
    antenna ``antenna_height_m`` above the ground adds the air path ``2 h / c``.

    This is the convention of the detectors (``GprHeader.time_zero_s``): time zero is the
    time of the same wavelet lobe in the surface echo that the detectors pick in target
    echoes, so that depths are ``v (t - t0) / 2``.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        Raw GPR traces (before gains or background removal).
    sample_interval_s : float
        Time between samples, s.
    antenna_height_m : float
        Antenna height above the ground, m (0: ground-coupled or unknown).
    threshold_fraction : float
        First-break level as a fraction of the peak, in (0, 1]; 0.5 lies above the side
        lobes of a Ricker wavelet (0.45 of its peak), so the break falls on the main lobe.

    Returns
    -------
    float
        Time zero, s, from the first sample of the trace.

    Raises
    ------
    ParameterError
        Traces that are all zero, or bad parameters.

    References
    ----------
    .. [1] Yelf, R. (2004). Where is true time zero? *Proc. 10th Int. Conf. on Ground
       Penetrating Radar*, 279-282 (time zero at the first peak of the direct wave, shifted by
       the air path of the antenna separation / height).
    .. [2] Cassidy, N. J. (2009). Ground penetrating radar data processing, modelling and
       analysis. In H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*,
       Elsevier, ch. 5 (time-zero correction on the first break).

    Examples
    --------
    >>> import numpy as np
    >>> trace = np.zeros(64)
    >>> trace[20:23] = [0.5, 1.0, 0.5]
    >>> round(estimate_time_zero_s(np.tile(trace, (3, 1)), 1e-10) * 1e10, 6)
    21.0
    """
    from detsig.model import SPEED_OF_LIGHT_M_PER_S

    dt = float(sample_interval_s)
    if not dt > 0:
        raise ParameterError(f"sample_interval_s must be > 0, got {sample_interval_s!r}")
    fraction = float(threshold_fraction)
    if not 0.0 < fraction <= 1.0:
        raise ParameterError(f"threshold_fraction must lie in (0, 1], got {threshold_fraction!r}")
    reference = _reference_trace(x)
    magnitude = np.abs(reference)
    peak = float(magnitude.max())
    if not peak > 0:
        raise ParameterError("the traces are all zero (or constant): no first break to find")
    k = int(np.argmax(magnitude >= fraction * peak))
    sign = np.sign(reference[k])
    while k + 1 < reference.size and reference[k + 1] * sign > reference[k] * sign:
        k += 1
    offset = 0.0
    if 0 < k < reference.size - 1:
        left, centre, right = (float(v) * sign for v in reference[k - 1 : k + 2])
        denominator = left - 2.0 * centre + right
        if denominator < 0:
            offset = float(np.clip(0.5 * (left - right) / denominator, -0.5, 0.5))
    height = max(float(antenna_height_m), 0.0)
    return (k + offset) * dt + 2.0 * height / SPEED_OF_LIGHT_M_PER_S


def estimate_center_frequency_hz(x: npt.ArrayLike, sample_interval_s: float) -> float:
    """Centre frequency of a radar's pulse from the spectrum of its traces, Hz.

    The amplitude spectrum of the line's median trace (the direct wave and ground echo, the
    radar's own pulse) is taken with a Hann window and zero padding; the centre frequency is
    the amplitude-weighted mean frequency of the band within 6 dB of the spectrum's peak. For
    a lone Ricker pulse that lies about 10 % above its nominal (peak) frequency; where the
    direct wave and an opposite-signed ground echo overlap, up to about 30 % above (measured
    on detsig's simulated lanes). The detectors tolerate that: the frequency sets window
    lengths, not positions.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        Raw GPR traces.
    sample_interval_s : float
        Time between samples, s.

    Returns
    -------
    float
        Centre frequency, Hz.

    Raises
    ------
    ParameterError
        All-zero traces or a bad sample interval.

    References
    ----------
    .. [1] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
       H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1
       (centre frequency and bandwidth of GPR pulses).

    Examples
    --------
    >>> import numpy as np
    >>> t = (np.arange(512) - 100) * 2.5e-11
    >>> ricker = (1 - 2 * (np.pi * 1e9 * t) ** 2) * np.exp(-((np.pi * 1e9 * t) ** 2))
    >>> 1.0e9 < estimate_center_frequency_hz(ricker[None, :], 2.5e-11) < 1.25e9
    True
    """
    dt = float(sample_interval_s)
    if not dt > 0:
        raise ParameterError(f"sample_interval_s must be > 0, got {sample_interval_s!r}")
    reference = _reference_trace(x)
    n_fft = 1 << max(int(np.ceil(np.log2(reference.size * 4))), 8)
    spectrum = np.abs(np.fft.rfft(reference * np.hanning(reference.size), n_fft))
    spectrum[0] = 0.0
    peak = float(spectrum.max())
    if not peak > 0:
        raise ParameterError("the traces are all zero (or constant): no spectrum to measure")
    frequencies = np.fft.rfftfreq(n_fft, dt)
    band = spectrum >= 0.5 * peak
    return float(np.sum(frequencies[band] * spectrum[band]) / np.sum(spectrum[band]))
