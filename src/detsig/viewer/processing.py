"""Processing presets the viewer can toggle on the displayed GPR window.

The viewer never filters signals itself: each preset is a pipeline of ``detsig.dsp.pipeline``
steps defined by a TOML preset in ``detsig/dsp/presets`` (the same definitions ``detsig
process --preset NAME`` runs on a whole file), applied to the traces on screen.

=============  ==============================================================================
preset         pipeline
=============  ==============================================================================
``raw``        no steps: samples as recorded (converted to float32)
``processed``  ``gpr-display``: dewow (one period of the centre frequency), power gain ``t**1``
               from time zero, mean-trace background removal over the window on screen
``envelope``   ``gpr-display`` followed by the ``envelope`` step (targets as bright blobs)
``detector``   ``gpr-detect``: exactly what the GPR detectors look at (dewow, sliding-median
               background removal over 1.5 m, surface-following clutter removal), computed in
               float64 as the detectors do; it needs the trace step
=============  ==============================================================================

:class:`WindowProcessor` gives the same result for a window that slides along the data (live
view, follow mode, replay playing): the leading steps that treat every trace on its own
(dewow and gain) run only on traces that entered the window since the last call, the
processed rows of the others are reused; a following window-mean background removal is
updated from a running column sum; the remaining steps run on the window.

The ``detector`` steps look at neighbouring traces (1.5 m of lane and more), so a window on
screen shows the detector's image only when it is read with :func:`context_rows` extra traces
on each side (:meth:`WindowProcessor.padded_range`, used by the viewer window); the traces
then equal, to float32 rounding, what :class:`detsig.detect.gpr_common.GprPreprocessor` gives
for them.

References
----------
Annan, A. P. (2009), "Electromagnetic principles of ground penetrating radar", in Jol, H. M.
(ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, pp. 3-40 (the standard
dewow, background removal and gain display sequence).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.detect.gpr_common import detect_pipeline
from detsig.dsp.pipeline import (
    STEPS,
    BoundPipeline,
    Pipeline,
    PipelineError,
    Step,
    load_pipeline,
)
from detsig.model import GprHeader

#: Preset names in the order the viewer offers them.
PRESETS = ("raw", "processed", "envelope", "detector")

#: The ``detsig.dsp`` preset behind each viewer preset (``envelope`` adds an envelope step).
PIPELINE_PRESETS = {"processed": "gpr-display", "envelope": "gpr-display", "detector": "gpr-detect"}

#: Presets computed in float64 (the detectors' arithmetic), shown as float32.
_FLOAT64_PRESETS = ("detector",)


def _check(preset: str) -> None:
    if preset not in PRESETS:
        raise ValueError(f"unknown display preset {preset!r}; choose one of {PRESETS}")


@functools.cache
def preset_pipeline(preset: str) -> Pipeline | None:
    """The pipeline of a display preset (None for ``raw``).

    Parameters
    ----------
    preset : {"raw", "processed", "envelope", "detector"}

    Returns
    -------
    Pipeline or None
        ``detector`` is the detectors' own pipeline
        (:func:`detsig.detect.gpr_common.detect_pipeline`, the ``gpr-detect`` preset).
    """
    _check(preset)
    if preset == "raw":
        return None
    if preset == "detector":
        return detect_pipeline()
    pipeline = load_pipeline(PIPELINE_PRESETS[preset])
    if preset == "envelope":
        steps = (*pipeline.steps_for("gpr"), Step(STEPS[("gpr", "envelope")], {}))
        return Pipeline("gpr-display+envelope", pipeline.description + ", envelope", {"gpr": steps})
    return pipeline


def stream_header(info: GprHeader, trace_step_m: float | None = None) -> GprHeader:
    """The header a viewer stream's pipeline runs with: the shown stream's, with the trace
    step the window resolved (the ``detector`` preset needs it).

    Parameters
    ----------
    info : GprHeader
        The shown stream (sample interval, time zero, centre frequency).
    trace_step_m : float, optional
        Distance between traces, m.

    Returns
    -------
    GprHeader
    """
    if trace_step_m is None or trace_step_m == info.trace_step_m:
        return info
    return replace(info, trace_step_m=trace_step_m)


@functools.lru_cache(maxsize=32)
def bound_preset(preset: str, info: GprHeader, trace_step_m: float | None = None) -> BoundPipeline:
    """A display preset's pipeline bound to a stream.

    Parameters
    ----------
    preset : {"processed", "envelope", "detector"}
    info : GprHeader
        Sampling of the stream.
    trace_step_m : float, optional
        Distance between traces, m.

    Returns
    -------
    BoundPipeline

    Raises
    ------
    PipelineError
        The stream lacks what a step needs (no centre frequency for the dewow window, no
        trace step for the detector's windows ...), naming the step.
    """
    pipeline = preset_pipeline(preset)
    if pipeline is None:
        raise ValueError("the raw preset has no pipeline")
    return pipeline.bind(stream_header(info, trace_step_m))


@dataclass(frozen=True)
class _Plan:
    """How :class:`WindowProcessor` runs a bound preset (computed once per stream)."""

    bound: BoundPipeline
    head: int  # leading row-wise steps, cached per trace
    window_mean: bool  # the step after them is a window-mean background removal
    context: int  # rows each side a row depends on (0: the window alone)
    alignment: int  # row grouping counted from the stream start
    dtype: Any
    head_key: tuple[Any, ...]


@functools.lru_cache(maxsize=32)
def _plan(preset: str, info: GprHeader, trace_step_m: float | None) -> _Plan:
    bound = bound_preset(preset, info, trace_step_m)
    head = bound.n_row_steps
    window_mean = head < len(bound.steps) and _is_window_mean(bound.steps[head])
    context = bound.context_rows if preset in _FLOAT64_PRESETS else 0
    dtype = np.float64 if preset in _FLOAT64_PRESETS else np.float32
    head_key = tuple((s.spec.name, tuple(s.params.items())) for s in bound.steps[:head])
    return _Plan(bound, head, window_mean, context, bound.row_alignment, dtype, head_key)


def context_rows(preset: str, info: GprHeader, trace_step_m: float | None = None) -> int:
    """Traces on each side of a window that the preset's image of the window depends on.

    Parameters
    ----------
    preset : str
        A display preset.
    info : GprHeader
        Sampling of the stream.
    trace_step_m : float, optional
        Distance between traces, m.

    Returns
    -------
    int
        0 for presets that only look at the window (``raw``, ``processed``, ``envelope``: their
        background is the window's own mean trace) or that cannot run on this stream.
    """
    if preset_pipeline(preset) is None or preset not in _FLOAT64_PRESETS:
        return 0
    try:
        return _plan(preset, info, trace_step_m).context
    except PipelineError:
        return 0


def apply_preset(
    data: npt.ArrayLike, info: GprHeader, preset: str, trace_step_m: float | None = None
) -> npt.NDArray[np.float32]:
    """Apply a display preset to a window of traces (its pipeline's batch form).

    Parameters
    ----------
    data : array_like, shape (n_traces, n_samples)
        The traces on screen.
    info : GprHeader
        Sampling of the stream.
    preset : {"raw", "processed", "envelope", "detector"}
        The preset.
    trace_step_m : float, optional
        Distance between traces, m (``detector``).

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32

    Raises
    ------
    PipelineError
        The stream lacks what a step of the preset needs (see :func:`bound_preset`).
    """
    _check(preset)
    array = np.ascontiguousarray(data, dtype=np.float32)
    if preset == "raw" or array.shape[0] == 0 or array.shape[1] < 2:
        return array
    dtype = np.float64 if preset in _FLOAT64_PRESETS else np.float32
    out = bound_preset(preset, info, trace_step_m).run(array, dtype=dtype)
    return np.ascontiguousarray(out, dtype=np.float32)


def _is_window_mean(step: Step) -> bool:
    return (
        step.spec.name == "remove_background"
        and step.params["method"] == "mean"
        and step.params["window_traces"] is None
        and step.params["window_m"] is None
    )


def _per_trace_steps(data: npt.NDArray[Any], plan: _Plan) -> npt.NDArray[Any]:
    """The leading steps of a preset that treat every trace on its own, shape
    (n_traces, n_samples), the plan's dtype."""
    return plan.bound.run(data, dtype=plan.dtype, stop_step=plan.head)


class WindowProcessor:
    """:func:`apply_preset` for a window that slides along a stream, processing new traces only.

    A preset's pipeline splits into a head of steps that treat every trace on its own (dewow,
    gain: :attr:`detsig.dsp.pipeline.BoundPipeline.n_row_steps`), then optionally a mean-trace
    removal over the window (``gpr-display``), then the rest. The processor's state is the
    head's output for the traces in the window, kept in a buffer that only shifts (indexed by
    the traces' row numbers in the stream), plus its float64 column sum. When the window moves
    forward it runs the head only on the traces that entered, subtracts the rows that left
    from the sum and adds the new ones; the window mean is then one pass ``rows - sum / n``,
    and the remaining steps (envelope; the detector's median background and surface clutter
    removal) run on the window. A live view at 1,000 traces/s redrawing 25 times a second thus
    dewows and gains 40 traces per redraw instead of 1,000.

    Notes
    -----
    Rows are identified by their index in the stream, so a source must give the same samples
    for the same row each time (recordings and ring buffers do). A window that moves back or
    jumps past the kept rows, a change of preset head, stream sampling (``GprHeader``), trace
    step or trace length starts over (the batch cost once). The running sum is recomputed
    every :attr:`RESUM_EVERY` calls so rounding cannot accumulate.
    """

    #: Calls between exact recomputations of the running column sum.
    RESUM_EVERY = 256

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the processed rows."""
        self._key: tuple[Any, ...] | None = None
        self._buffer: npt.NDArray[Any] = np.zeros((0, 0), np.float32)
        self._low = 0  # buffer row of the window's first trace
        self._count = 0  # traces in the window
        self._first = 0  # stream row of the window's first trace
        self._sum = np.zeros(0)
        self._calls = 0
        # presets that look at neighbouring traces: their streaming form and its final rows
        self._context_key: tuple[Any, ...] | None = None
        self._chain: Any = None
        self._fed = 0  # stream rows fed to the chain
        self._final = np.zeros((0, 0), np.float32)  # final rows, from stream row _final_first
        self._final_first = 0
        self._stream_first = 0  # the chain's row 0 in the stream
        self._last: tuple[tuple[Any, ...], npt.NDArray[np.float32]] | None = None

    @property
    def rows_kept(self) -> tuple[int, int]:
        """Stream rows ``start, stop`` whose per-trace steps are held."""
        return self._first, self._first + self._count

    @staticmethod
    def padded_range(
        start: int,
        stop: int,
        n_traces: int,
        info: GprHeader,
        preset: str,
        trace_step_m: float | None = None,
    ) -> tuple[int, int]:
        """The stream rows to read so that the preset's image of rows ``start .. stop - 1``
        equals the whole line's (for presets whose steps look at neighbouring traces).

        Parameters
        ----------
        start, stop : int
            The rows on screen.
        n_traces : int
            Traces available in the stream.
        info : GprHeader
            Sampling of the stream.
        preset : str
            A display preset.
        trace_step_m : float, optional
            Distance between traces, m.

        Returns
        -------
        lo, hi : int
            ``lo <= start`` (a multiple of the pipeline's row grouping, so the surface clutter
            bases fall where the detectors compute them) and ``hi >= stop``.
        """
        margin = context_rows(preset, info, trace_step_m)
        if margin == 0:
            return start, stop
        align = _plan(preset, info, trace_step_m).alignment
        lo = max(start - margin, 0) // align * align
        return lo, min(stop + margin, n_traces)

    def _start_over(
        self, data: npt.NDArray[np.float32], first: int, key: tuple[Any, ...], plan: _Plan
    ) -> None:
        n_traces, n_samples = data.shape
        self._key = key
        self._buffer = np.empty((2 * n_traces, n_samples), plan.dtype)
        self._buffer[:n_traces] = _per_trace_steps(data, plan)
        self._low, self._count, self._first = 0, n_traces, first
        self._sum = self._buffer[:n_traces].sum(axis=0, dtype=np.float64)
        self._calls = 0

    def _slide(self, data: npt.NDArray[np.float32], first: int, plan: _Plan) -> None:
        """Move the window forward to rows ``first .. first + len(data)`` (overlapping)."""
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
            rows = _per_trace_steps(data[self._count :], plan)
            end = self._low + self._count
            if end + entering > self._buffer.shape[0]:  # shift the kept rows to the front
                if self._count + entering > self._buffer.shape[0]:
                    grown = np.empty((2 * n_traces, self._buffer.shape[1]), self._buffer.dtype)
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
        self,
        data: npt.NDArray[np.float32],
        first_row: int,
        info: GprHeader,
        preset: str,
        trace_step_m: float | None = None,
    ) -> npt.NDArray[np.float32]:
        """Apply ``preset`` to the window ``data`` whose first trace is stream row ``first_row``.

        Parameters
        ----------
        data : ndarray, shape (n_traces, n_samples)
            The traces (rows ``first_row .. first_row + n_traces - 1``).
        first_row : int
            Index of ``data[0]`` in the stream.
        info : GprHeader
            Sampling of the stream.
        preset : {"raw", "processed", "envelope", "detector"}
            The preset.
        trace_step_m : float, optional
            Distance between traces, m (``detector``).

        Returns
        -------
        ndarray, shape (n_traces, n_samples), float32
            Equal (to float32 rounding) to ``apply_preset(data, info, preset, trace_step_m)``;
            a new array.

        Raises
        ------
        PipelineError
            The stream lacks what a step of the preset needs (see :func:`bound_preset`).
        """
        _check(preset)
        n_traces, n_samples = data.shape if data.ndim == 2 else (0, 0)
        if preset == "raw" or n_traces < 2 or n_samples < 2:
            return apply_preset(data, info, preset, trace_step_m)
        plan = _plan(preset, info, trace_step_m)
        if plan.context:
            return self._apply_context(np.asarray(data), int(first_row), plan, info, trace_step_m)
        bound, head, dtype = plan.bound, plan.head, plan.dtype
        # the cached rows depend only on the head steps (processed and envelope share them)
        key = (plan.head_key, info, trace_step_m, dtype)
        data = np.asarray(data, dtype=np.float32)
        first = int(first_row)
        kept_start, kept_stop = self.rows_kept
        slides = (
            key == self._key
            and self._buffer.shape[1] == n_samples
            and kept_start <= first < kept_stop <= first + n_traces
        )
        if slides:
            self._slide(data, first, plan)
        else:
            self._start_over(data, first, key, plan)
        out = self._buffer[self._low : self._low + self._count]
        rest = head
        if plan.window_mean:
            out = out - (self._sum / self._count).astype(out.dtype)  # a new array
            rest += 1
        elif rest == len(bound.steps):
            out = out.copy()  # not the buffer itself
        if rest < len(bound.steps):
            out = bound.run(out, dtype=dtype, first_step=rest)
        return np.ascontiguousarray(out, dtype=np.float32)

    def _apply_context(
        self,
        data: npt.NDArray[Any],
        first: int,
        plan: _Plan,
        info: GprHeader,
        trace_step_m: float | None,
    ) -> npt.NDArray[np.float32]:
        """A preset whose rows depend on neighbouring traces (the detector's): the pipeline's
        streaming form is fed the traces that enter on the right and keeps the rows it has
        finished (they equal the whole line's, as the detectors compute them); the newest
        rows, which the stream still holds back, come from the batch form on the end of the
        window with their left context."""
        n_traces, n_samples = data.shape
        stop = first + n_traces
        key = (plan, n_samples)
        if self._last is not None and self._last[0] == (key, first, stop):
            return self._last[1].copy()
        continues = key == self._context_key and self._final_first <= first <= self._fed <= stop
        if not continues:
            self._context_key = key
            self._chain = plan.bound.stream(dtype=np.float64)
            self._stream_first = self._fed = self._final_first = first
            self._final = np.zeros((0, n_samples), np.float32)
        if stop > self._fed:
            new = np.ascontiguousarray(data[self._fed - first :], dtype=np.float64)
            ready = self._chain.process(new).astype(np.float32)
            self._final = np.concatenate([self._final, ready])
            self._fed = stop
        drop = min(max(first - self._final_first, 0), self._final.shape[0])
        self._final = self._final[drop:]  # rows left of the window go
        self._final_first += drop
        final_stop = self._final_first + self._final.shape[0]
        out = np.empty((n_traces, n_samples), np.float32)
        if final_stop > first:  # then _final starts at the window's first row
            out[: final_stop - first] = self._final
        final_stop = max(final_stop, first)
        if final_stop < stop:
            align = plan.alignment
            tail = max(final_stop - plan.context, first)
            tail = self._stream_first + (tail - self._stream_first) // align * align
            tail = max(tail, first)
            rows = plan.bound.run(data[tail - first :], dtype=np.float64)
            out[final_stop - first :] = rows[final_stop - tail :]
        self._last = ((key, first, stop), out)
        return out.copy()


def warm_up() -> None:
    """Load (or compile) the ``detsig.dsp`` kernels every preset uses, on a tiny array.

    Call before a live session starts: the first load costs about a second, which should not
    fall on the first redraw of the live view.
    """
    info = GprHeader(n_samples=64, sample_interval_s=1e-10, center_frequency_hz=1e9)
    data = np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32)
    for preset in PRESETS:
        apply_preset(data, info, preset, trace_step_m=0.01)
