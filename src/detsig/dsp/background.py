"""Background removal: subtract the mean (or median) trace from GPR traces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_window
from detsig.dsp._validate import as_float_2d, choice, odd_window, out_dtype
from detsig.errors import ParameterError

_METHODS = ("mean", "median")


def remove_background(
    x: npt.ArrayLike, window_traces: int | None = None, *, method: str = "mean"
) -> npt.NDArray[Any]:
    """Subtract the average trace: of the whole line, or of a centred window of traces.

    Parameters
    ----------
    x : array_like, shape (n_traces, n_samples)
        GPR traces.
    window_traces : int, optional
        Length of the centred sliding window, traces (odd, >= 1). ``None`` subtracts the
        average of the whole line.
    method : {"mean", "median"}
        Average used for the background, per sample (the median resists strong targets).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32 (float64 for float64 input)

    Notes
    -----
    Edges: near the first and last traces the window is truncated to the traces that exist.
    The streaming form :func:`remove_background_stream` returns the same values with a delay
    of ``window_traces // 2`` traces. Flat layers parallel to the surface are removed along
    with the antenna ringing: choose a window longer than the targets' hyperbolas are wide.

    References
    ----------
    .. [1] Daniels, D. J. (Ed.) (2004). *Ground Penetrating Radar*, 2nd ed., IET, section 7.4
       (clutter reduction by mean-trace subtraction).
    .. [2] ImpDAR ``RadarData.horizontalfilt``/``hfilt`` (whole-line mean), readgssi
       ``filtering.bgr`` (boxcar window).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[1.0, 2.0], [3.0, 2.0]])
    >>> remove_background(x).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    """
    choice("method", method, _METHODS)
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    n_traces = data.shape[0]
    if window_traces is None:
        if method == "mean":
            out = np.empty_like(data)
            if data.size:
                _kernels_window.line_mean_rows(data, out)
            return out
        background = np.median(data, axis=0) if n_traces else np.zeros(data.shape[1])
        return (data - background.astype(dtype)).astype(dtype, copy=False)
    window = odd_window("window_traces", window_traces)
    out = np.empty_like(data)
    _run(data, 0, window // 2, 0, n_traces, method, out)
    return out


def _run(
    buf: npt.NDArray[Any], g0: int, half: int, start: int, stop: int, method: str, out: Any
) -> None:
    if stop <= start or buf.shape[1] == 0:
        return
    if method == "mean":
        _kernels_window.centred_mean_rows(buf, g0, half, start, stop, out)
    else:
        _kernels_window.centred_median_rows(buf, g0, half, start, stop, out)


@dataclass(frozen=True)
class BackgroundState:
    """State of :func:`remove_background_stream` between chunks (small and picklable).

    Attributes
    ----------
    history : ndarray, shape (n_kept, n_samples)
        The last input traces still inside a window of a trace not yet returned.
    history_start : int
        Index (in the whole stream) of ``history[0]``.
    n_emitted : int
        Traces returned so far.
    """

    history: npt.NDArray[Any]
    history_start: int
    n_emitted: int


def remove_background_stream(
    x: npt.ArrayLike,
    window_traces: int,
    *,
    method: str = "mean",
    state: BackgroundState | None = None,
    final: bool = False,
) -> tuple[npt.NDArray[Any], BackgroundState]:
    """Streaming :func:`remove_background` with a sliding window: ``y, state = f(x, state=state)``.

    Parameters
    ----------
    x : array_like, shape (n_new, n_samples)
        The next traces (any number, also 0).
    window_traces : int
        Odd window length, traces.
    method : {"mean", "median"}
        As in :func:`remove_background`.
    state : BackgroundState, optional
        The state returned by the previous call; ``None`` starts a new stream.
    final : bool
        True on the last call: returns the traces still held back (windows truncated at the
        end, as in the batch call).

    Returns
    -------
    y : ndarray, shape (n_out, n_samples)
        Background-removed traces whose window is complete; they lag the input by
        ``window_traces // 2`` traces until ``final``. Concatenating every ``y`` gives
        ``remove_background(all_traces, window_traces, method=method)``.
    state : BackgroundState

    References
    ----------
    .. [1] SciPy ``scipy.signal.sosfilt`` (the ``zi`` state-in/state-out pattern followed).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12.0).reshape(6, 2)
    >>> y1, s = remove_background_stream(x[:4], 3)
    >>> y2, s = remove_background_stream(x[4:], 3, state=s, final=True)
    >>> bool(np.allclose(np.vstack([y1, y2]), remove_background(x, 3)))
    True
    """
    choice("method", method, _METHODS)
    window = odd_window("window_traces", window_traces)
    half = window // 2
    array = np.asarray(x)
    if state is None:
        dtype = out_dtype(array)
        n_samples = array.shape[1] if array.ndim == 2 else 0
        state = BackgroundState(np.empty((0, n_samples), dtype), 0, 0)
    dtype = state.history.dtype
    data = as_float_2d("x", array, dtype)
    if data.shape[1] != state.history.shape[1] and state.history_start + len(state.history):
        raise ParameterError(
            f"this chunk has {data.shape[1]} samples per trace, the stream had "
            f"{state.history.shape[1]}"
        )
    buf = np.concatenate([state.history, data]) if len(state.history) else data
    g0 = state.history_start
    n_available = g0 + buf.shape[0]
    stop = n_available if final else max(state.n_emitted, n_available - half)
    out = np.empty((stop - state.n_emitted, buf.shape[1]), dtype)
    _run(buf, g0, half, state.n_emitted, stop, method, out)
    keep_from = max(stop - half, 0)
    history = np.array(buf[keep_from - g0 :], copy=True)
    return out, BackgroundState(history, keep_from, stop)
