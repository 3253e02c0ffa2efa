"""Metal-detector processing over (n_frames, n_channels): baseline, ground balance, smoothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import _kernels_md, _kernels_window
from detsig.dsp._validate import (
    as_float_2d,
    choice,
    finite_float,
    out_dtype,
    positive_int,
)
from detsig.dsp.bandpass import SosState, butterworth_sos, sos_filter_stream
from detsig.errors import ParameterError


@dataclass(frozen=True)
class WindowState:
    """Last input frames of a trailing window, kept between chunks.

    Attributes
    ----------
    history : ndarray, shape (<= window - 1, n_channels)
        The most recent input frames still inside the window of the next frame.
    """

    history: npt.NDArray[Any]


def _trailing(
    kernel: Any,
    x: npt.ArrayLike,
    window_frames: int,
    state: WindowState | None,
) -> tuple[npt.NDArray[Any], WindowState]:
    window = positive_int("window_frames", window_frames)
    array = np.asarray(x)
    if state is None:
        n_channels = array.shape[1] if array.ndim == 2 else 0
        state = WindowState(np.empty((0, n_channels), out_dtype(array)))
    dtype = state.history.dtype
    data = as_float_2d("x", array, dtype)
    if len(state.history) and data.shape[1] != state.history.shape[1]:
        raise ParameterError(
            f"this chunk has {data.shape[1]} channels, the stream had {state.history.shape[1]}"
        )
    buf = np.concatenate([state.history, data]) if len(state.history) else data
    out = np.empty_like(data)
    if data.size:
        kernel(buf, len(state.history), window, out)
    keep = np.array(buf[max(len(buf) - (window - 1), 0) :], copy=True)
    return out, WindowState(keep)


def running_median_stream(
    x: npt.ArrayLike, window_frames: int, *, state: WindowState | None = None
) -> tuple[npt.NDArray[Any], WindowState]:
    """Trailing running median of each channel with state (window truncated at the start).

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        The next frames.
    window_frames : int
        Window length, frames (the current frame and the ``window_frames - 1`` before it).
    state : WindowState, optional
        From the previous call; ``None`` starts a new stream.

    Returns
    -------
    median : ndarray, shape (n_frames, n_channels)
        Exactly the batch result once chunks are joined (a median has no rounding).
    state : WindowState

    References
    ----------
    .. [1] Huang, T. S., Yang, G. J., Tang, G. Y. (1979). A fast two-dimensional median
       filtering algorithm. *IEEE Trans. ASSP* 27(1), 13-18 (window update).

    Examples
    --------
    >>> m, s = running_median_stream([[1.0], [9.0]], 3)
    >>> m2, s = running_median_stream([[2.0]], 3, state=s)
    >>> m.ravel().tolist(), m2.ravel().tolist()
    ([1.0, 5.0], [2.0])
    """
    return _trailing(_kernels_window.trailing_median_rows, x, window_frames, state)


def smooth_stream(
    x: npt.ArrayLike, window_frames: int, *, state: WindowState | None = None
) -> tuple[npt.NDArray[Any], WindowState]:
    """Streaming :func:`smooth`: ``y, state = smooth_stream(x, w, state=state)``.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        The next frames.
    window_frames : int
        Window length, frames.
    state : WindowState, optional
        From the previous call; ``None`` starts a new stream.

    Returns
    -------
    y : ndarray, shape (n_frames, n_channels)
        Joined over chunks, equal to ``smooth(all_frames, window_frames)`` to float rounding.
    state : WindowState

    References
    ----------
    .. [1] Smith, S. W. (1997). *The Scientist and Engineer's Guide to Digital Signal
       Processing*, ch. 15.

    Examples
    --------
    >>> y1, s = smooth_stream([[0.0], [3.0]], 2)
    >>> y2, s = smooth_stream([[6.0]], 2, state=s)
    >>> y1.ravel().tolist() + y2.ravel().tolist()
    [0.0, 1.5, 4.5]
    """
    return _trailing(_kernels_window.trailing_mean_rows, x, window_frames, state)


def smooth(x: npt.ArrayLike, window_frames: int) -> npt.NDArray[Any]:
    """Causal moving average of each channel over the last ``window_frames`` frames.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        Metal-detector channels.
    window_frames : int
        Window length, frames (>= 1). The first frames average over what exists so far.

    Returns
    -------
    ndarray, shape (n_frames, n_channels), float32 (float64 for float64 input)

    Notes
    -----
    Causal (trailing), so the live stream and the replay agree with no delay; it delays
    features by ``(window_frames - 1) / 2`` frames. Sums run in float64.

    References
    ----------
    .. [1] Smith, S. W. (1997). *The Scientist and Engineer's Guide to Digital Signal
       Processing*, ch. 15 (moving average filters).

    Examples
    --------
    >>> smooth([[0.0], [3.0], [6.0]], 2).tolist()
    [[0.0], [1.5], [4.5]]
    """
    return smooth_stream(x, window_frames)[0]


@dataclass(frozen=True)
class BaselineState:
    """State of :func:`remove_baseline_stream`: one of a median window or SOS registers."""

    window: WindowState | None = None
    sos: SosState | None = None


_BASELINE_METHODS = ("median", "highpass")


def remove_baseline_stream(
    x: npt.ArrayLike,
    *,
    method: str = "median",
    window_frames: int = 101,
    cutoff_hz: float | None = None,
    sample_rate_hz: float | None = None,
    order: int = 2,
    state: BaselineState | None = None,
) -> tuple[npt.NDArray[Any], BaselineState]:
    """Streaming :func:`remove_baseline`: ``y, state = remove_baseline_stream(x, state=state)``.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        The next frames.
    method, window_frames, cutoff_hz, sample_rate_hz, order
        As in :func:`remove_baseline`.
    state : BaselineState, optional
        From the previous call; ``None`` starts a new stream.

    Returns
    -------
    y : ndarray, shape (n_frames, n_channels)
        Joined over chunks of any size, equal to the batch result (exactly for the median;
        to float rounding for the high-pass).
    state : BaselineState

    References
    ----------
    .. [1] Bruschini, C. (2002), PhD thesis, VUB, ch. 4.

    Examples
    --------
    >>> import numpy as np
    >>> y, s = remove_baseline_stream(np.full((3, 1), 4.0), window_frames=5)
    >>> y2, s = remove_baseline_stream(np.full((2, 1), 4.0), window_frames=5, state=s)
    >>> y.ravel().tolist() + y2.ravel().tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    choice("method", method, _BASELINE_METHODS)
    if method == "median":
        window_state = state.window if state is not None else None
        data = np.asarray(x)
        baseline, new_window = running_median_stream(data, window_frames, state=window_state)
        dtype = baseline.dtype
        y = as_float_2d("x", data, dtype) - baseline
        return y.astype(dtype, copy=False), BaselineState(window=new_window)
    if cutoff_hz is None or sample_rate_hz is None:
        raise ParameterError("the highpass baseline needs cutoff_hz and sample_rate_hz")
    sos = butterworth_sos(cutoff_hz, None, sample_rate_hz, order)
    sos_state = state.sos if state is not None else None
    y, new_sos = sos_filter_stream(x, sos, state=sos_state, initial="steady")
    return y, BaselineState(sos=new_sos)


def remove_baseline(
    x: npt.ArrayLike,
    *,
    method: str = "median",
    window_frames: int = 101,
    cutoff_hz: float | None = None,
    sample_rate_hz: float | None = None,
    order: int = 2,
) -> npt.NDArray[Any]:
    """Remove the slow drift (temperature, ground, electronics) from metal-detector channels.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        Metal-detector channels.
    method : {"median", "highpass"}
        "median": subtract the running median of the last ``window_frames`` frames (robust:
        a target shorter than half the window does not pull the baseline). "highpass": a
        causal Butterworth high-pass at ``cutoff_hz``, started in the steady state of the
        first frame (no start-up transient).
    window_frames : int
        Median window, frames (>= 1); choose several times the time a target takes to pass.
    cutoff_hz, sample_rate_hz : float
        High-pass corner and frame rate, Hz (method "highpass").
    order : int
        High-pass Butterworth order.

    Returns
    -------
    ndarray, shape (n_frames, n_channels), float32 (float64 for float64 input)

    Notes
    -----
    Both are causal (trailing), so live and replay agree frame for frame; a target's
    response is followed by a small undershoot as it enters the median window.

    References
    ----------
    .. [1] Bruschini, C. (2002). *A multidisciplinary analysis of frequency domain metal
       detectors for humanitarian demining*, PhD thesis, Vrije Universiteit Brussel, ch. 4.
    .. [2] Huang, T. S., Yang, G. J., Tang, G. Y. (1979). A fast two-dimensional median
       filtering algorithm. *IEEE Trans. ASSP* 27(1), 13-18 (running median by window update).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.full((5, 1), 7.0)
    >>> remove_baseline(x, window_frames=3).ravel().tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    return remove_baseline_stream(
        x,
        method=method,
        window_frames=window_frames,
        cutoff_hz=cutoff_hz,
        sample_rate_hz=sample_rate_hz,
        order=order,
    )[0]


@dataclass(frozen=True)
class GroundModel:
    """The ground response of a metal detector, estimated from a quiet stretch.

    Attributes
    ----------
    basis : ndarray, shape (n_channels, n_components)
        Orthonormal directions (across channels) along which the ground response varies.
    offset : ndarray, shape (n_channels,)
        Mean of the quiet stretch, subtracted before projecting.
    """

    basis: npt.NDArray[np.float64]
    offset: npt.NDArray[np.float64]

    def __post_init__(self) -> None:
        basis = np.array(self.basis, dtype=np.float64, copy=True)
        offset = np.array(self.offset, dtype=np.float64, copy=True).ravel()
        if basis.ndim != 2 or basis.shape[0] != offset.shape[0]:
            raise ParameterError(
                f"basis must be (n_channels, n_components) with n_channels = {offset.shape[0]}"
            )
        if basis.shape[1] >= basis.shape[0]:
            raise ParameterError(
                "a ground model must leave at least one channel direction free, got "
                f"{basis.shape[1]} components for {basis.shape[0]} channels"
            )
        basis.flags.writeable = False
        offset.flags.writeable = False
        object.__setattr__(self, "basis", basis)
        object.__setattr__(self, "offset", offset)

    @property
    def ground_phase_deg(self) -> float:
        """For a two-channel (I, Q) VLF model: the phase of the ground response, degrees."""
        if self.basis.shape != (2, 1):
            raise ParameterError("ground_phase_deg needs a two-channel model with one component")
        angle = float(np.degrees(np.arctan2(self.basis[1, 0], self.basis[0, 0])))
        return (angle + 90.0) % 180.0 - 90.0


def estimate_ground(quiet: npt.ArrayLike, n_components: int = 1) -> GroundModel:
    """Estimate the ground response directions from a stretch with no target.

    Parameters
    ----------
    quiet : array_like, shape (n_frames, n_channels)
        Frames recorded over clean ground while the sensor height or the soil varied (a
        "pump" over the ground, as ground-balancing detectors ask the operator to do).
    n_components : int
        Number of ground directions to cancel (1 for a single-parameter soil; < n_channels).

    Returns
    -------
    GroundModel
        The leading principal directions of the mean-removed quiet frames.

    Notes
    -----
    For VLF I/Q channels the single direction is the ground phase, and cancelling it is the
    classic phase-rotation ground balance; for pulse-induction time gates it is the decay
    signature of the (viscous) soil, and cancelling it is a gate combination that weights
    early and late gates so the soil sums to zero.

    References
    ----------
    .. [1] Candy, B. H. (1996). Pulse induction time domain metal detector. US patent
       5,576,624 (ground balance by combining sample gates).
    .. [2] Bruschini, C. (2002), PhD thesis, VUB, ch. 4 (VLF ground phase).

    Examples
    --------
    >>> import numpy as np
    >>> h = np.random.default_rng(1).normal(size=(200, 1))
    >>> model = estimate_ground(h @ [[3.0, 1.0]])
    >>> round(abs(model.ground_phase_deg), 2)
    18.43
    """
    data = as_float_2d("quiet", quiet, np.float64)
    k = positive_int("n_components", n_components)
    if data.shape[0] < 2:
        raise ParameterError("the quiet stretch needs at least 2 frames")
    if k >= data.shape[1]:
        raise ParameterError(
            f"n_components must be below the number of channels ({data.shape[1]}), got {k}"
        )
    offset = data.mean(axis=0)
    _, _, vt = np.linalg.svd(data - offset, full_matrices=False)
    basis = vt[:k].T
    # sign convention: the largest entry of each direction is positive
    signs = np.sign(basis[np.argmax(np.abs(basis), axis=0), np.arange(k)])
    return GroundModel(basis * signs, offset)


def ground_model_from_phase(
    ground_phase_deg: float, offset: npt.ArrayLike = (0.0, 0.0)
) -> GroundModel:
    """The two-channel (I, Q) ground model of a known ground phase.

    Parameters
    ----------
    ground_phase_deg : float
        Phase of the ground response, degrees from the I axis (as a VLF detector's ground
        balance setting).
    offset : array_like, shape (2,)
        The (I, Q) level of clean ground to subtract first.

    Returns
    -------
    GroundModel

    References
    ----------
    .. [1] Bruschini, C. (2002), PhD thesis, VUB, ch. 4 (VLF ground phase).

    Examples
    --------
    >>> ground_model_from_phase(90.0).basis.round(6).tolist()
    [[0.0], [1.0]]
    """
    phase = np.radians(finite_float("ground_phase_deg", ground_phase_deg))
    return GroundModel(np.array([[np.cos(phase)], [np.sin(phase)]]), np.asarray(offset, float))


def ground_balance(x: npt.ArrayLike, model: GroundModel) -> npt.NDArray[Any]:
    """Cancel the ground response: remove the quiet offset, then the ground directions.

    Parameters
    ----------
    x : array_like, shape (n_frames, n_channels)
        Metal-detector channels (PI gates or VLF I/Q), baseline removed or not.
    model : GroundModel
        From :func:`estimate_ground` or :func:`ground_model_from_phase`.

    Returns
    -------
    ndarray, shape (n_frames, n_channels), float32 (float64 for float64 input)
        ``(x - offset) - ((x - offset) @ B) @ B.T``: what is left orthogonal to the ground.
        For I/Q this is the signal rotated away from the ground phase.

    Notes
    -----
    Frame by frame, so chunking is exact. Metal whose response is parallel to the ground
    (the same phase, or the same decay) is cancelled with it: the classic blind spot of a
    ground-balanced detector.

    References
    ----------
    .. [1] Candy, B. H. (1996). US patent 5,576,624.
    .. [2] Bruschini, C. (2002), PhD thesis, VUB, ch. 4.

    Examples
    --------
    >>> import numpy as np
    >>> model = ground_model_from_phase(0.0)
    >>> ground_balance(np.array([[5.0, 2.0]]), model).tolist()
    [[0.0, 2.0]]
    """
    if not isinstance(model, GroundModel):
        raise ParameterError("model must be a GroundModel (see estimate_ground)")
    dtype = out_dtype(np.asarray(x))
    data = as_float_2d("x", x, dtype)
    if data.shape[1] != model.offset.shape[0]:
        raise ParameterError(
            f"x has {data.shape[1]} channels, the ground model {model.offset.shape[0]}"
        )
    out = np.empty_like(data)
    if data.size:
        _kernels_md.project_out(
            data, np.ascontiguousarray(model.basis), np.ascontiguousarray(model.offset), out
        )
    return out
