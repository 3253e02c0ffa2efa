"""Time-zero correction: shift GPR traces so the first break lands on a chosen sample."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_trace
from detsig.dsp._validate import ParameterError, as_float_2d, out_dtype, positive_int


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
