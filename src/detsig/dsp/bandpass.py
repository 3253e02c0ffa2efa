"""Butterworth band-pass (and low/high-pass) filters as second-order sections."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_sos
from detsig.dsp._validate import (
    as_float_2d,
    out_dtype,
    positive_float,
    positive_int,
)
from detsig.errors import ParameterError


@functools.lru_cache(maxsize=64)
def _design(
    low_hz: float | None, high_hz: float | None, sample_rate_hz: float, order: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], int]:
    from scipy import signal

    nyquist_hz = sample_rate_hz / 2.0
    for name, value in (("low_hz", low_hz), ("high_hz", high_hz)):
        if value is not None and not 0.0 < value < nyquist_hz:
            raise ParameterError(
                f"{name} must lie between 0 and the Nyquist frequency {nyquist_hz:g} Hz, "
                f"got {value:g}"
            )
    if low_hz is not None and high_hz is not None:
        if low_hz >= high_hz:
            raise ParameterError(f"low_hz ({low_hz:g}) must be below high_hz ({high_hz:g})")
        sos = signal.butter(
            order, [low_hz, high_hz], btype="bandpass", fs=sample_rate_hz, output="sos"
        )
    elif low_hz is not None:
        sos = signal.butter(order, low_hz, btype="highpass", fs=sample_rate_hz, output="sos")
    elif high_hz is not None:
        sos = signal.butter(order, high_hz, btype="lowpass", fs=sample_rate_hz, output="sos")
    else:
        raise ParameterError("give low_hz, high_hz or both")
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    zi = np.ascontiguousarray(signal.sosfilt_zi(sos), dtype=np.float64)
    # scipy.signal.sosfiltfilt's default pad length
    padlen = 3 * (2 * len(sos) + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum())))
    sos.flags.writeable = False
    zi.flags.writeable = False
    return sos, zi, padlen


def butterworth_sos(
    low_hz: float | None,
    high_hz: float | None,
    sample_rate_hz: float,
    order: int = 4,
) -> npt.NDArray[np.float64]:
    """Second-order sections of a digital Butterworth filter, shape (n_sections, 6).

    Parameters
    ----------
    low_hz, high_hz : float or None
        Lower and upper -3 dB corners, Hz. Both: band-pass (``2 * order`` poles); only
        ``low_hz``: high-pass; only ``high_hz``: low-pass.
    sample_rate_hz : float
        Sampling rate along the filtered axis, Hz (for GPR traces ``1 / sample_interval_s``).
    order : int
        Butterworth order (per band edge), >= 1.

    Returns
    -------
    ndarray, shape (n_sections, 6), float64
        ``[b0, b1, b2, 1, a1, a2]`` per section, as ``scipy.signal.butter(..., output="sos")``.

    References
    ----------
    .. [1] Butterworth, S. (1930). On the theory of filter amplifiers. *Wireless Engineer* 7.

    Examples
    --------
    >>> butterworth_sos(100e6, 1e9, 1e10, order=2).shape
    (2, 6)
    """
    rate = positive_float("sample_rate_hz", sample_rate_hz)
    n = positive_int("order", order)
    low = None if low_hz is None else positive_float("low_hz", low_hz)
    high = None if high_hz is None else positive_float("high_hz", high_hz)
    return _design(low, high, rate, n)[0].copy()


def bandpass(
    x: npt.ArrayLike,
    low_hz: float | None,
    high_hz: float | None,
    sample_rate_hz: float,
    *,
    order: int = 4,
    zero_phase: bool = True,
) -> npt.NDArray[Any]:
    """Butterworth filter along the samples of every trace (the last axis).

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces (or any rows to filter independently).
    low_hz, high_hz : float or None
        Corner frequencies, Hz (see :func:`butterworth_sos`).
    sample_rate_hz : float
        Samples per second along a trace, Hz.
    order : int
        Butterworth order.
    zero_phase : bool
        True: forward and backward (no phase shift, squared magnitude response), with the
        odd-extension padding and steady-state start of ``scipy.signal.sosfiltfilt``, which it
        matches. False: one causal pass from a zero state, as ``scipy.signal.sosfilt``.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)
        Computed in float64 internally.

    Notes
    -----
    Traces are independent, so chunks of traces give exactly the batch result. For filtering
    along time across chunks (metal-detector frames), use :func:`bandpass_stream`.
    Zero-phase filtering needs more samples per trace than the padding
    (``3 * (2 * n_sections + 1)``).

    References
    ----------
    .. [1] Butterworth, S. (1930). On the theory of filter amplifiers. *Wireless Engineer* 7.
    .. [2] Gustafsson, F. (1996). Determining the initial states in forward-backward
       filtering. *IEEE Trans. Signal Processing* 44(4), 988-992.
    .. [3] SciPy ``scipy.signal.sosfilt`` / ``sosfiltfilt`` (the definitions matched here).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(512) * 1e-10
    >>> x = np.sin(2 * np.pi * 500e6 * t)[None, :] + 1.0
    >>> y = bandpass(x, 200e6, 1e9, 1e10)
    >>> round(float(abs(y[0, 100:400].mean())), 3)
    0.0
    """
    sos, zi, padlen = _design(
        None if low_hz is None else positive_float("low_hz", low_hz),
        None if high_hz is None else positive_float("high_hz", high_hz),
        positive_float("sample_rate_hz", sample_rate_hz),
        positive_int("order", order),
    )
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    if zero_phase and 0 < data.shape[1] <= padlen:
        raise ParameterError(
            f"zero-phase filtering needs more than {padlen} samples per trace, got "
            f"{data.shape[1]}; use zero_phase=False or a lower order"
        )
    out = np.empty_like(data)
    if data.size:
        _kernels_sos.sos_rows(data, sos, zi, bool(zero_phase), padlen, out)
    return out


@dataclass(frozen=True)
class SosState:
    """Delay registers of a causal SOS filter between chunks, shape (n_sections, 2, n_channels)."""

    registers: npt.NDArray[np.float64]


def sos_filter_stream(
    x: npt.ArrayLike,
    sos: npt.ArrayLike,
    *,
    state: SosState | None = None,
    initial: str = "zero",
) -> tuple[npt.NDArray[Any], SosState]:
    """Causal SOS filter along axis 0 (time) of (n_frames, n_channels) data with explicit state.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        The next frames.
    sos : array_like, shape (n_sections, 6)
        Second-order sections (e.g. from :func:`butterworth_sos`).
    state : SosState, optional
        Returned by the previous call; ``None`` starts a new stream.
    initial : {"zero", "steady"}
        Start of a new stream: zero registers (as ``scipy.signal.sosfilt``), or the steady
        state for a constant input equal to the first frame (no start-up transient).

    Returns
    -------
    y : ndarray, shape (n_frames, n_channels)
    state : SosState

    References
    ----------
    .. [1] SciPy ``scipy.signal.sosfilt`` / ``sosfilt_zi`` (same sections, state and steady
       start).

    Examples
    --------
    >>> import numpy as np
    >>> sos = butterworth_sos(None, 10.0, 100.0, 2)
    >>> y, state = sos_filter_stream(np.ones((50, 1)), sos, initial="steady")
    >>> round(float(y[0, 0]), 6), round(float(y[-1, 0]), 6)
    (1.0, 1.0)
    """
    sections = np.ascontiguousarray(sos, dtype=np.float64)
    if sections.ndim != 2 or sections.shape[1] != 6:
        raise ParameterError(f"sos must be shaped (n_sections, 6), got {sections.shape}")
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_channels = data.shape[1]
    if state is None:
        registers = np.zeros((sections.shape[0], 2, n_channels), dtype=np.float64)
        if initial == "steady" and data.shape[0]:
            from scipy import signal

            zi = signal.sosfilt_zi(sections)
            registers = np.ascontiguousarray(zi[:, :, None] * data[0].astype(np.float64))
        elif initial not in ("zero", "steady"):
            raise ParameterError(f"initial must be 'zero' or 'steady', got {initial!r}")
    else:
        registers = np.array(state.registers, dtype=np.float64, copy=True)
        if registers.shape != (sections.shape[0], 2, n_channels):
            raise ParameterError(
                f"the state is for {registers.shape[2]} channels and {registers.shape[0]} "
                f"sections, this chunk has {n_channels} channels"
            )
    work = data.astype(np.float64, copy=True)
    if work.size:
        _kernels_sos.sos_lanes(work, sections, registers, 0, work.shape[0], 1)
    return work.astype(dtype, copy=False), SosState(registers)


def bandpass_stream(
    x: npt.ArrayLike,
    low_hz: float | None,
    high_hz: float | None,
    sample_rate_hz: float,
    *,
    order: int = 4,
    state: SosState | None = None,
) -> tuple[npt.NDArray[Any], SosState]:
    """Causal Butterworth filter along time (axis 0) with state: ``y, state = f(x, state=state)``.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        The next frames (metal-detector channels, or one GPR sample depth across traces).
    low_hz, high_hz, sample_rate_hz, order
        As in :func:`butterworth_sos`; ``sample_rate_hz`` is the frame rate.
    state : SosState, optional
        From the previous call; ``None`` starts from zero registers.

    Returns
    -------
    y : ndarray, shape (n_frames, n_channels)
        Equal to ``scipy.signal.sosfilt(sos, all_frames, axis=0)`` once chunks are joined.
    state : SosState

    References
    ----------
    .. [1] SciPy ``scipy.signal.sosfilt`` with ``zi`` (the state-in/state-out pattern matched).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 2))
    >>> y1, s = bandpass_stream(x[:37], 5.0, 50.0, 1000.0)
    >>> y2, s = bandpass_stream(x[37:], 5.0, 50.0, 1000.0, state=s)
    >>> bool(np.allclose(np.vstack([y1, y2]), bandpass_stream(x, 5.0, 50.0, 1000.0)[0]))
    True
    """
    sos = butterworth_sos(low_hz, high_hz, sample_rate_hz, order)
    return sos_filter_stream(x, sos, state=state)
