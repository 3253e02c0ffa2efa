"""Small stateful wrappers around the streaming forms, for live use and chunked replay.

Every wrapper has the same interface: ``process(chunk) -> y`` for each new block of rows and
``finish() -> y`` once at the end (it returns the rows a lagging filter still holds). Joining
every returned block gives the batch result. ``lag`` is the number of input rows a filter
holds back before it can return them. The state between calls is a frozen dataclass of small
arrays (``state``), so a wrapper pickles cheaply and can move to another thread or process.

Examples
--------
>>> import numpy as np
>>> from detsig.dsp import remove_background
>>> x = np.random.default_rng(0).normal(size=(50, 8)).astype(np.float32)
>>> stream = BackgroundStream(window_traces=5)
>>> y = np.vstack([stream.process(x[:17]), stream.process(x[17:]), stream.finish()])
>>> bool(np.allclose(y, remove_background(x, 5), atol=1e-6))
True
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp._validate import as_float_2d, out_dtype
from detsig.dsp.background import BackgroundState, remove_background_stream
from detsig.dsp.bandpass import SosState, bandpass_stream
from detsig.dsp.md import (
    BaselineState,
    GroundModel,
    WindowState,
    estimate_ground,
    ground_balance,
    remove_baseline_stream,
    smooth_stream,
)
from detsig.dsp.surface import SurfaceZone, surface_clutter_rows
from detsig.dsp.timezero import first_break, time_zero
from detsig.errors import ParameterError


class StreamFilter(abc.ABC):
    """Base class: a filter fed row blocks one after another."""

    #: rows held back before they can be returned
    lag: int = 0

    def __init__(self) -> None:
        self._n_columns: int | None = None
        self._n_out_columns: int | None = None
        self._dtype: Any = None

    def process(self, chunk: npt.ArrayLike) -> npt.NDArray[Any]:
        """Filter the next rows; returns the rows that are ready (maybe fewer, maybe none).

        Parameters
        ----------
        chunk : array_like, shape (n_rows, n_columns)
            The next rows (traces or frames), in order; ``n_columns`` must not change within a
            stream. Any number of rows, also 0.

        Returns
        -------
        ndarray, shape (n_ready, n_out_columns)
            The rows that are final, floating point; ``n_ready`` lags the input by :attr:`lag`.

        Raises
        ------
        ParameterError
            If the chunk is not 2-D or its column count differs from the earlier chunks.
        """
        array = np.asarray(chunk)
        if array.ndim != 2:
            raise ParameterError(f"a chunk must be 2-D (rows, columns), got {array.ndim}-D")
        if self._n_columns is None:
            self._n_columns = array.shape[1]
            self._dtype = out_dtype(array)
        elif array.shape[1] != self._n_columns:
            raise ParameterError(
                f"this chunk has {array.shape[1]} columns, the stream had {self._n_columns}"
            )
        result = self._process(as_float_2d("chunk", array, self._dtype))
        self._n_out_columns = result.shape[1]
        return result

    def finish(self) -> npt.NDArray[Any]:
        """End of the stream: the rows still held back (empty for filters without lag).

        Returns
        -------
        ndarray, shape (n_held, n_out_columns)
            The held-back rows, so that all outputs together equal the batch result.
        """
        return self._finish()

    def process_final(self, chunk: npt.ArrayLike) -> npt.NDArray[Any]:
        """The last rows of the stream: :meth:`process` then :meth:`finish` in one call.

        Filters that hold rows back override it to compute the end of the stream in a single
        step, as a whole-line call ending at these rows would (same windows, same order).

        Parameters
        ----------
        chunk : array_like, shape (n_rows, n_columns)
            The last rows (any number, also 0).

        Returns
        -------
        ndarray, shape (n_ready, n_out_columns)
            Every row not returned before.
        """
        head = self.process(chunk)
        return np.concatenate([head, self.finish()])

    def reset(self) -> None:
        """Forget everything, as if newly made."""
        self.__init__(**self.params)  # type: ignore[misc]

    @property
    @abc.abstractmethod
    def params(self) -> dict[str, Any]:
        """The filter's parameters (as given to the constructor)."""

    def _empty(self) -> npt.NDArray[Any]:
        width = self._n_out_columns if self._n_out_columns is not None else self._n_columns
        return np.empty((0, width or 0), dtype=self._dtype or np.float32)

    @abc.abstractmethod
    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """Filter one validated chunk, shape (n_rows, n_columns), updating the held state."""

    def _finish(self) -> npt.NDArray[Any]:
        return self._empty()


class RowFilter(StreamFilter):
    """A filter that treats every row on its own (dewow, gains, band-pass along a trace ...).

    Parameters
    ----------
    function : callable
        ``function(x, **kwargs) -> y`` over (n_rows, n_columns) arrays, rows independent.
    **kwargs
        Its parameters.
    """

    def __init__(self, function: Callable[..., npt.NDArray[Any]], **kwargs: Any) -> None:
        super().__init__()
        self.function = function
        self.kwargs = kwargs

    @property
    def params(self) -> dict[str, Any]:
        return {"function": self.function, **self.kwargs}

    def reset(self) -> None:
        StreamFilter.__init__(self)

    @property
    def state(self) -> None:
        """Row filters keep no state."""
        return None

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return self.function(chunk, **self.kwargs)


class BackgroundStream(StreamFilter):
    """Sliding-window background removal (:func:`remove_background_stream`); lags
    ``window_traces // 2`` traces.

    Parameters
    ----------
    window_traces : int
        Odd sliding-window length, traces.
    method : {"mean", "median"}
        Background estimate over the window, as in :func:`remove_background`.
    """

    def __init__(self, window_traces: int, method: str = "mean") -> None:
        super().__init__()
        self.window_traces = window_traces
        self.method = method
        self.lag = int(window_traces) // 2
        self.state: BackgroundState | None = None
        remove_background_stream(np.empty((0, 0)), window_traces, method=method)

    @property
    def params(self) -> dict[str, Any]:
        return {"window_traces": self.window_traces, "method": self.method}

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        y, self.state = remove_background_stream(
            chunk, self.window_traces, method=self.method, state=self.state
        )
        return y

    def _finish(self) -> npt.NDArray[Any]:
        if self.state is None:
            return self._empty()
        y, self.state = remove_background_stream(
            self._empty(), self.window_traces, method=self.method, state=self.state, final=True
        )
        return y

    def process_final(self, chunk: npt.ArrayLike) -> npt.NDArray[Any]:
        """The last rows, computed with the end of the stream in one call (see
        :meth:`StreamFilter.process_final`)."""
        array = np.asarray(chunk)
        if self._n_columns is None:
            self._n_columns = array.shape[1] if array.ndim == 2 else 0
            self._dtype = out_dtype(array)
        data = as_float_2d("chunk", array, self._dtype)
        y, self.state = remove_background_stream(
            data, self.window_traces, method=self.method, state=self.state, final=True
        )
        self._n_out_columns = y.shape[1]
        return y


class TimeZeroStream(StreamFilter):
    """Time-zero shift. A given ``shift_samples`` or ``per_trace=True`` is exact per trace; a
    detected line shift is fixed from the median first break of the first chunk (pass
    ``shift_samples`` computed over the whole line to reproduce the batch call exactly).

    Parameters
    ----------
    shift_samples : int, optional
        Fixed shift, samples (output sample ``i`` takes input sample ``i + shift``); detected
        from the first chunk (or per trace) when None.
    target_sample : int
        Where the detected first break should land, samples.
    threshold_fraction : float
        Passed to :func:`first_break` when the shift is detected.
    per_trace : bool
        With no ``shift_samples``: detect and apply one shift per trace instead of one for the
        line.
    """

    def __init__(
        self,
        shift_samples: int | None = None,
        target_sample: int = 0,
        threshold_fraction: float = 0.25,
        per_trace: bool = False,
    ) -> None:
        super().__init__()
        self.shift_samples = shift_samples
        self.target_sample = target_sample
        self.threshold_fraction = threshold_fraction
        self.per_trace = per_trace
        self.state: int | None = shift_samples

    @property
    def params(self) -> dict[str, Any]:
        return {
            "shift_samples": self.shift_samples,
            "target_sample": self.target_sample,
            "threshold_fraction": self.threshold_fraction,
            "per_trace": self.per_trace,
        }

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if self.per_trace and self.state is None:
            return time_zero(
                chunk,
                target_sample=self.target_sample,
                threshold_fraction=self.threshold_fraction,
                per_trace=True,
            )
        if self.state is None and len(chunk):
            breaks = first_break(chunk, self.threshold_fraction)
            valid = breaks[breaks >= 0]
            if valid.size:
                self.state = int(np.median(valid)) - int(self.target_sample)
        return time_zero(chunk, shift_samples=self.state or 0)


class BandpassStream(StreamFilter):
    """Causal Butterworth filter along time (axis 0) with :class:`SosState` between chunks.

    Parameters
    ----------
    low_hz, high_hz : float or None
        Corner frequencies, Hz; only ``low_hz``: high-pass, only ``high_hz``: low-pass (see
        :func:`butterworth_sos`).
    sample_rate_hz : float
        Row rate along axis 0 (the frame rate), Hz.
    order : int
        Butterworth order.
    """

    def __init__(
        self, low_hz: float | None, high_hz: float | None, sample_rate_hz: float, order: int = 4
    ) -> None:
        super().__init__()
        self.low_hz = low_hz
        self.high_hz = high_hz
        self.sample_rate_hz = sample_rate_hz
        self.order = order
        self.state: SosState | None = None
        bandpass_stream(np.empty((0, 1)), low_hz, high_hz, sample_rate_hz, order=order)

    @property
    def params(self) -> dict[str, Any]:
        return {
            "low_hz": self.low_hz,
            "high_hz": self.high_hz,
            "sample_rate_hz": self.sample_rate_hz,
            "order": self.order,
        }

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        y, self.state = bandpass_stream(
            chunk,
            self.low_hz,
            self.high_hz,
            self.sample_rate_hz,
            order=self.order,
            state=self.state,
        )
        return y


class BaselineStream(StreamFilter):
    """Metal-detector drift removal (:func:`detsig.dsp.remove_baseline_stream`).

    Parameters
    ----------
    method : {"median", "highpass"}
        Running median of the last ``window_frames`` frames, or a causal Butterworth
        high-pass at ``cutoff_hz``, as in :func:`detsig.dsp.remove_baseline`.
    window_frames : int
        Median window, frames.
    cutoff_hz : float, optional
        High-pass corner, Hz (method ``"highpass"``).
    sample_rate_hz : float, optional
        Frame rate, Hz (method ``"highpass"``).
    order : int
        High-pass Butterworth order.
    """

    def __init__(
        self,
        method: str = "median",
        window_frames: int = 101,
        cutoff_hz: float | None = None,
        sample_rate_hz: float | None = None,
        order: int = 2,
    ) -> None:
        super().__init__()
        self._kwargs = {
            "method": method,
            "window_frames": window_frames,
            "cutoff_hz": cutoff_hz,
            "sample_rate_hz": sample_rate_hz,
            "order": order,
        }
        self.state: BaselineState | None = None
        remove_baseline_stream(np.empty((0, 1)), **self._kwargs)  # type: ignore[arg-type]

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._kwargs)

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        y, self.state = remove_baseline_stream(chunk, state=self.state, **self._kwargs)  # type: ignore[arg-type]
        return y


class SmoothStream(StreamFilter):
    """Causal moving average (:func:`detsig.dsp.smooth_stream`).

    Parameters
    ----------
    window_frames : int
        Moving-average window length, frames.
    """

    def __init__(self, window_frames: int) -> None:
        super().__init__()
        self.window_frames = window_frames
        self.state: WindowState | None = None
        smooth_stream(np.empty((0, 1)), window_frames)

    @property
    def params(self) -> dict[str, Any]:
        return {"window_frames": self.window_frames}

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        y, self.state = smooth_stream(chunk, self.window_frames, state=self.state)
        return y


class GroundBalanceStream(StreamFilter):
    """Ground balance whose model is known (``model``) or estimated from the frames
    ``quiet_start .. quiet_stop - 1`` of this stream; frames are held back until the quiet
    stretch has passed (lag ``quiet_stop``), then everything equals the batch result.

    Parameters
    ----------
    model : GroundModel, optional
        A ground model estimated before (:func:`estimate_ground`); when None it is estimated
        from the quiet stretch of this stream.
    quiet_start : int
        First frame of the quiet (target-free) stretch.
    quiet_stop : int, optional
        One past its last frame; needed (with at least 2 frames) when ``model`` is None.
    n_components : int
        Number of ground directions to cancel.

    Raises
    ------
    ParameterError
        If there is neither a model nor a quiet stretch of at least 2 frames.
    """

    def __init__(
        self,
        model: GroundModel | None = None,
        quiet_start: int = 0,
        quiet_stop: int | None = None,
        n_components: int = 1,
    ) -> None:
        super().__init__()
        if model is None and (quiet_stop is None or quiet_stop - quiet_start < 2):
            raise ParameterError(
                "ground balance needs a model or a quiet stretch of at least 2 frames "
                "(quiet_start < quiet_stop - 1)"
            )
        self.model = model
        self.quiet_start = int(quiet_start)
        self.quiet_stop = None if quiet_stop is None else int(quiet_stop)
        self.n_components = n_components
        self.lag = 0 if model is not None else int(quiet_stop or 0)
        self.state: GroundModel | None = model
        self._held: list[npt.NDArray[Any]] = []
        self._n_held = 0

    @property
    def params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "quiet_start": self.quiet_start,
            "quiet_stop": self.quiet_stop,
            "n_components": self.n_components,
        }

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        if self.state is not None:
            return ground_balance(chunk, self.state)
        self._held.append(chunk)
        self._n_held += len(chunk)
        if self._n_held < (self.quiet_stop or 0):
            return self._empty()
        held = np.concatenate(self._held)
        self._held = []
        self.state = estimate_ground(held[self.quiet_start : self.quiet_stop], self.n_components)
        return ground_balance(held, self.state)

    def _finish(self) -> npt.NDArray[Any]:
        if self.state is None and self._n_held:
            raise ParameterError(
                f"the stream ended after {self._n_held} frames, before the quiet stretch "
                f"(frames {self.quiet_start} to {self.quiet_stop}) was complete"
            )
        return self._empty()


#: compute(buf, g0, start, stop) -> array with one row per row start .. stop - 1
RowCompute = Callable[[npt.NDArray[np.float64], int, int, int], npt.NDArray[np.float64]]


class LookaheadStage:
    """Computes rows that need ``lookback`` earlier and ``lookahead`` later rows.

    Parameters
    ----------
    compute : callable
        ``compute(buf, g0, start, stop) -> (stop - start, n_out)`` where ``buf`` holds rows
        ``g0 ..`` of the input; windows are truncated at row 0 and at the last row held.
    lookback, lookahead : int
        Rows before and after a row that its result depends on.
    """

    def __init__(self, compute: RowCompute, lookback: int, lookahead: int) -> None:
        self.compute = compute
        self.lookback = int(lookback)
        self.lookahead = int(lookahead)
        self.history: npt.NDArray[np.float64] | None = None
        self.history_start = 0
        self.n_emitted = 0

    def push(self, rows: npt.NDArray[np.float64], *, final: bool = False) -> npt.NDArray[Any]:
        """Add rows; returns the results of the rows that are now complete (in order)."""
        rows = np.ascontiguousarray(rows, dtype=np.float64)
        if self.history is None:
            self.history = np.empty((0, rows.shape[1]), np.float64)
        buf = np.concatenate([self.history, rows]) if len(self.history) else rows
        g0 = self.history_start
        n_available = g0 + buf.shape[0]
        stop = n_available if final else max(self.n_emitted, n_available - self.lookahead)
        out = self.compute(buf, g0, self.n_emitted, stop)
        keep_from = max(min(stop, n_available) - self.lookback, 0)
        keep_from = max(keep_from, g0)
        self.history = np.array(buf[keep_from - g0 :], copy=True)
        self.history_start = keep_from
        self.n_emitted = stop
        return out


class SurfaceClutterStream(StreamFilter):
    """Surface-following clutter removal (:func:`detsig.dsp.surface.surface_clutter_rows`) on
    a stream; lags ``zone.lookahead`` rows, and any chunking equals
    :func:`detsig.dsp.surface.remove_surface_clutter` on the whole line.

    Parameters
    ----------
    zone : SurfaceZone or None
        Zone and window; None passes the rows through unchanged (no lag).
    """

    def __init__(self, zone: SurfaceZone | None) -> None:
        super().__init__()
        self.zone = zone
        self.lag = zone.lookahead if zone is not None else 0
        self.stage = (
            LookaheadStage(self._compute, zone.lookback, zone.lookahead)
            if zone is not None
            else None
        )

    @property
    def params(self) -> dict[str, Any]:
        return {"zone": self.zone}

    @property
    def lookback(self) -> int:
        """Earlier rows a row's result depends on."""
        return self.zone.lookback if self.zone is not None else 0

    @property
    def row_alignment(self) -> int:
        """Bases are computed per group of this many rows, counted from the stream's row 0."""
        return self.zone.basis_every if self.zone is not None else 1

    def _compute(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        assert self.zone is not None
        return surface_clutter_rows(buf, g0, start, stop, self.zone, g0 + buf.shape[0] - 1)

    def _push(self, chunk: npt.NDArray[Any], final: bool) -> npt.NDArray[Any]:
        if self.stage is None:
            return chunk
        return self.stage.push(chunk, final=final).astype(chunk.dtype, copy=False)

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return self._push(chunk, False)

    def _finish(self) -> npt.NDArray[Any]:
        return self._push(self._empty(), True)

    def process_final(self, chunk: npt.ArrayLike) -> npt.NDArray[Any]:
        """The last rows, computed with the end of the stream in one call (see
        :meth:`StreamFilter.process_final`)."""
        array = np.asarray(chunk)
        if self._n_columns is None:
            self._n_columns = array.shape[1] if array.ndim == 2 else 0
            self._dtype = out_dtype(array)
        y = self._push(as_float_2d("chunk", array, self._dtype), True)
        self._n_out_columns = y.shape[1]
        return y
