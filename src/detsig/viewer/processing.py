"""Processing presets the viewer can toggle on the displayed GPR window.

The viewer never filters signals itself: each preset is a short chain of ``detsig.dsp``
functions applied to the traces that are on screen (a window of at most a few thousand
traces, so the whole chain costs milliseconds).

:class:`WindowProcessor` gives the same result for a window that slides along the data (live
view, follow mode, replay playing): the per-trace steps (dewow and gain) run only on traces
that entered the window since the last call, the processed rows of the others are reused, and
only the mean trace of the window is recomputed and subtracted.

=============  ==============================================================================
preset         steps
=============  ==============================================================================
``raw``        samples as recorded (converted to float32)
``processed``  dewow (one antenna period), mean-trace background removal over the window,
               power gain ``t**1`` from time zero
``envelope``   ``processed`` followed by the Hilbert envelope (targets as bright blobs)
=============  ==============================================================================

References
----------
Annan, A. P. (2009), "Electromagnetic principles of ground penetrating radar", in Jol, H. M.
(ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, pp. 3-40 (the standard
dewow, background removal and gain display sequence).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from detsig.model import GprHeader as GprInfo

#: Preset names in the order the viewer offers them.
PRESETS = ("raw", "processed", "envelope")


def _dewow_window(info: GprInfo) -> int:
    frequency = info.center_frequency_hz
    if not math.isfinite(frequency) or frequency <= 0:
        return 0
    samples = round(1.0 / (frequency * info.sample_interval_s))
    samples = min(samples, info.n_samples // 2)
    if samples < 3:
        return 0
    return samples | 1  # odd


def apply_preset(
    data: npt.NDArray[np.float32], info: GprInfo, preset: str
) -> npt.NDArray[np.float32]:
    """Apply a display preset to a window of traces.

    Parameters
    ----------
    data : ndarray, shape (n_traces, n_samples), float32
        The traces on screen.
    info : GprInfo
        Sampling of the stream.
    preset : {"raw", "processed", "envelope"}
        The preset.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown display preset {preset!r}; choose one of {PRESETS}")
    data = np.ascontiguousarray(data, dtype=np.float32)
    if preset == "raw" or data.shape[0] == 0 or data.shape[1] < 2:
        return data
    from detsig.dsp import dewow, envelope, gain_power, remove_background

    window = _dewow_window(info)
    out = dewow(data, window) if window else data - data.mean(axis=1, keepdims=True)
    if out.shape[0] > 1:
        out = remove_background(out)
    out = gain_power(out, info.sample_interval_s, 1.0, time_zero_s=max(info.time_zero_s, 0.0))
    if preset == "envelope":
        out = envelope(out)
    return np.ascontiguousarray(out, dtype=np.float32)


def _per_trace_steps(data: npt.NDArray[np.float32], info: GprInfo) -> npt.NDArray[np.float32]:
    """Dewow and power gain of each trace (the steps of ``processed`` that treat every trace on
    its own), shape (n_traces, n_samples) float32."""
    from detsig.dsp import dewow, gain_power

    window = _dewow_window(info)
    out = dewow(data, window) if window else data - data.mean(axis=1, keepdims=True)
    out = gain_power(out, info.sample_interval_s, 1.0, time_zero_s=max(info.time_zero_s, 0.0))
    return np.ascontiguousarray(out, dtype=np.float32)


class WindowProcessor:
    """:func:`apply_preset` for a window that slides along a stream, processing new traces only.

    The ``processed`` chain is dewow, mean-trace removal over the window and a power gain.
    Dewow and gain act on each trace alone and the gain is linear, so
    ``gain(dewow(x) - mean(dewow(x))) == gain(dewow(x)) - mean(gain(dewow(x)))``. The
    processor's explicit state is ``gain(dewow(trace))`` of the traces in the window, kept in a
    buffer that only shifts (indexed by the traces' row numbers in the stream), plus their
    float64 column sum. When the window moves forward it dewows and gains only the traces that
    entered, subtracts the rows that left from the sum and adds the new ones, and the result is
    one pass over the window: ``rows - sum / n``. A live view at 1,000 traces/s redrawing 25
    times a second thus dewows and gains 40 traces per redraw instead of 1,000.

    Notes
    -----
    Rows are identified by their index in the stream, so a source must give the same samples
    for the same row each time (recordings and ring buffers do). A window that moves back or
    jumps past the kept rows, a change of stream sampling (``GprInfo``) or of trace length
    starts over (the batch cost once). The running sum is recomputed every
    :attr:`RESUM_EVERY` calls so rounding cannot accumulate.
    """

    #: Calls between exact recomputations of the running column sum.
    RESUM_EVERY = 256

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the processed rows."""
        self._info: GprInfo | None = None
        self._buffer = np.zeros((0, 0), np.float32)
        self._low = 0  # buffer row of the window's first trace
        self._count = 0  # traces in the window
        self._first = 0  # stream row of the window's first trace
        self._sum = np.zeros(0)
        self._calls = 0

    @property
    def rows_kept(self) -> tuple[int, int]:
        """Stream rows ``start, stop`` whose per-trace steps are held."""
        return self._first, self._first + self._count

    def _start_over(self, data: npt.NDArray[np.float32], first: int, info: GprInfo) -> None:
        n_traces, n_samples = data.shape
        self._info = info
        self._buffer = np.empty((2 * n_traces, n_samples), np.float32)
        self._buffer[:n_traces] = _per_trace_steps(data, info)
        self._low, self._count, self._first = 0, n_traces, first
        self._sum = self._buffer[:n_traces].sum(axis=0, dtype=np.float64)
        self._calls = 0

    def _slide(self, data: npt.NDArray[np.float32], first: int) -> None:
        """Move the window forward to rows ``first .. first + len(data)`` (overlapping)."""
        assert self._info is not None
        n_traces = data.shape[0]
        leaving = first - self._first
        if leaving:
            gone = self._buffer[self._low : self._low + leaving]
            self._sum -= gone.sum(axis=0, dtype=np.float64)
            self._low += leaving
            self._count -= leaving
            self._first = first
        entering = n_traces - self._count
        if entering:
            rows = _per_trace_steps(data[self._count :], self._info)
            end = self._low + self._count
            if end + entering > self._buffer.shape[0]:  # shift the kept rows to the front
                if self._count + entering > self._buffer.shape[0]:
                    grown = np.empty((2 * n_traces, self._buffer.shape[1]), np.float32)
                    grown[: self._count] = self._buffer[self._low : end]
                    self._buffer = grown
                else:
                    self._buffer[: self._count] = self._buffer[self._low : end]
                self._low, end = 0, self._count
            self._buffer[end : end + entering] = rows
            self._sum += rows.sum(axis=0, dtype=np.float64)
            self._count = n_traces
        self._calls += 1
        if self._calls % self.RESUM_EVERY == 0:
            window = self._buffer[self._low : self._low + self._count]
            self._sum = window.sum(axis=0, dtype=np.float64)

    def apply(
        self, data: npt.NDArray[np.float32], first_row: int, info: GprInfo, preset: str
    ) -> npt.NDArray[np.float32]:
        """Apply ``preset`` to the window ``data`` whose first trace is stream row ``first_row``.

        Parameters
        ----------
        data : ndarray, shape (n_traces, n_samples)
            The traces on screen (rows ``first_row .. first_row + n_traces - 1``).
        first_row : int
            Index of ``data[0]`` in the stream.
        info : GprInfo
            Sampling of the stream.
        preset : {"raw", "processed", "envelope"}
            The preset.

        Returns
        -------
        ndarray, shape (n_traces, n_samples), float32
            Equal (to float32 rounding) to ``apply_preset(data, info, preset)``; a new array.
        """
        if preset not in PRESETS:
            raise ValueError(f"unknown display preset {preset!r}; choose one of {PRESETS}")
        n_traces, n_samples = data.shape if data.ndim == 2 else (0, 0)
        if preset == "raw" or n_traces < 2 or n_samples < 2:
            return apply_preset(data, info, preset)
        data = np.asarray(data, dtype=np.float32)
        first = int(first_row)
        kept_start, kept_stop = self.rows_kept
        slides = (
            info == self._info
            and self._buffer.shape[1] == n_samples
            and kept_start <= first < kept_stop <= first + n_traces
        )
        if slides:
            self._slide(data, first)
        else:
            self._start_over(data, first, info)
        window = self._buffer[self._low : self._low + self._count]
        mean = (self._sum / self._count).astype(np.float32)
        out = window - mean
        if preset == "envelope":
            from detsig.dsp import envelope

            out = np.ascontiguousarray(envelope(out), dtype=np.float32)
        return out


def warm_up() -> None:
    """Load (or compile) the ``detsig.dsp`` kernels every preset uses, on a tiny array.

    Call before a live session starts: the first load costs about a second, which should not
    fall on the first redraw of the live view.
    """
    info = GprInfo(n_samples=64, sample_interval_s=1e-10, center_frequency_hz=1e9)
    data = np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32)
    for preset in PRESETS:
        apply_preset(data, info, preset)
