"""Data sources of the viewer, all behind one interface (:class:`ViewSource`).

The views never touch a file or a live session directly: they ask a source for the number of
rows, a window of traces or frames, the candidates, the ground truth, the GNSS track and the
status counters. Three sources exist:

- :class:`RecordingSource` reads a detsig recording lazily (only the per-row 1-D columns are
  read when it opens; trace and frame windows are sliced on demand, so a 100,000-trace file
  opens at once) or, through :func:`open_source`, any vendor file ``detsig.io.formats`` reads
  (:class:`ScanSource`, held in memory: vendor files are small).
- :class:`FollowSource` tails a recording another process is writing in SWMR mode.
- :class:`LiveSource` (in :mod:`detsig.viewer.live`) reads the display buffers of a live
  acquisition session.

Every source maps rows to one along-lane axis (``x``): metres when every trace has a finite
``distance_m``, else the trace index. Metal-detector frames are mapped onto the same axis (by
distance, else by host clock, else by proportion), so the strip charts line up with the B-scan.

References
----------
acconeer exploration tool, ``src/acconeer/exptool/_core/recording/`` (a replaying client that
looks exactly like a live one to everything above it); detsig applies the idea to its views.
"""

from __future__ import annotations

import abc
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp.header import ESTIMATE_TRACES, resolve_gpr_header
from detsig.errors import InputError
from detsig.model import (
    Candidate,
    GprHeader,
    GprScan,
    GroundTruth,
    MdHeader,
    PositionTrack,
)

FloatArray = npt.NDArray[np.float64]


def display_header(header: GprHeader, traces: npt.ArrayLike | None = None) -> GprHeader:
    """A GPR header completed as the detectors and ``detsig process`` complete it.

    :func:`detsig.dsp.resolve_gpr_header` (lenient): time zero stated, else estimated on the
    first traces, else 0; the centre frequency stated, else measured; ``sources`` says which.

    Parameters
    ----------
    header : GprHeader
        The stream's header as the file or device states it.
    traces : array_like, shape (n_traces, n_samples), optional
        The first traces of the stream (up to :data:`detsig.dsp.ESTIMATE_TRACES`).

    Returns
    -------
    GprHeader
    """
    return resolve_gpr_header(header, traces=traces, strict=False)


@dataclass(frozen=True)
class RowWindow:
    """A window of consecutive rows (traces or frames) ready to draw.

    Parameters
    ----------
    first : int
        Index of the first row in the stream.
    data : ndarray, shape (n_rows, n_columns), float32
        Samples (a copy: the caller may modify it).
    x : ndarray, shape (n_rows,), float64
        Along-lane axis coordinate of each row (metres or trace index, see ``x_unit``).
    """

    first: int
    data: npt.NDArray[np.float32]
    x: FloatArray

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.data.shape[0])


@dataclass(frozen=True)
class SourceStatus:
    """Counters the status bar shows.

    Parameters
    ----------
    state : str
        ``"replay"``, ``"following"``, ``"live"``, ``"stopped"``.
    n_traces, n_frames : int
        Rows of the shown GPR and MD streams.
    traces_per_s, frames_per_s : float
        Arrival rates (live and follow) or nominal rates (replay), Hz (NaN when unknown).
    gaps : int
        Gaps: runs of missing frames (sequence jumps), recorded or counted.
    bad_frames : int
        Frames dropped for a bad CRC, length or version.
    n_candidates : int
        Candidates known so far.
    frames_lost : int
        Frames lost in those gaps (the device sent them, they never arrived), the same
        quantity live (the session's counters) and in replay (the events' ``count``).
    detail : str
        Free text (file name, port, last error).
    """

    state: str
    n_traces: int = 0
    n_frames: int = 0
    traces_per_s: float = math.nan
    frames_per_s: float = math.nan
    gaps: int = 0
    bad_frames: int = 0
    n_candidates: int = 0
    frames_lost: int = 0
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _empty_block(n_columns: int) -> RowWindow:
    return RowWindow(0, np.zeros((0, n_columns), np.float32), np.zeros(0))


def _clip_range(start: int, stop: int, n_rows: int) -> tuple[int, int]:
    start = max(0, min(int(start), n_rows))
    stop = max(start, min(int(stop), n_rows))
    return start, stop


class ViewSource(abc.ABC):
    """The interface every view reads from.

    Subclasses fill :attr:`gpr`, :attr:`md` and the row-coordinate arrays, and implement the
    window readers. Everything returned is a copy the views may keep.
    """

    #: Shown in the window title.
    title: str = ""
    #: True for sources whose rows grow while the viewer runs.
    live: bool = False

    def __init__(self) -> None:
        self.gpr: GprHeader | None = None
        self.md: MdHeader | None = None
        #: Names of the shown GPR and MD streams (``"gpr0"``, ``"md0"``).
        self.gpr_name = ""
        self.md_name = ""
        #: ``"m"`` (distance along the lane) or ``"trace"`` (trace index).
        self.x_unit = "trace"

    # -- sizes ------------------------------------------------------------------------------
    @abc.abstractmethod
    def n_traces(self) -> int:
        """Traces of the shown GPR stream available now (0 without GPR).

        Returns
        -------
        int
            Trace count.
        """

    @abc.abstractmethod
    def n_frames(self) -> int:
        """Frames of the shown MD stream available now (0 without MD).

        Returns
        -------
        int
            Frame count.
        """

    # -- windows ----------------------------------------------------------------------------
    @abc.abstractmethod
    def read_traces(self, start: int, stop: int) -> RowWindow:
        """Traces ``start:stop`` (clipped to what exists) as float32 with their x coordinate.

        Parameters
        ----------
        start : int
            First row; clipped to the rows that exist.
        stop : int
            One past the last row; clipped likewise.

        Returns
        -------
        RowWindow
            ``data`` of shape (n_rows, n_samples) as float32 (a copy) and the x coordinate of
            each row.
        """

    @abc.abstractmethod
    def read_frames(self, start: int, stop: int) -> RowWindow:
        """Frames ``start:stop`` (clipped) as float32 with their x coordinate.

        Parameters
        ----------
        start : int
            First row; clipped to the rows that exist.
        stop : int
            One past the last row; clipped likewise.

        Returns
        -------
        RowWindow
            ``data`` of shape (n_rows, n_channels) as float32 (a copy) and the x coordinate of
            each row.
        """

    @abc.abstractmethod
    def trace_x(self) -> FloatArray:
        """The x coordinate of every available trace, shape (n_traces,).

        Returns
        -------
        ndarray of float64, shape (n_traces,)
            Metres along the lane or trace index, see :attr:`x_unit`; non-decreasing.
        """

    @abc.abstractmethod
    def frame_x(self) -> FloatArray:
        """The x coordinate of every available frame, shape (n_frames,).

        Returns
        -------
        ndarray of float64, shape (n_frames,)
            On the same axis as :meth:`trace_x`; non-decreasing.
        """

    def frames_between(self, low_x: float, high_x: float) -> RowWindow:
        """The frames whose x coordinate lies in ``[low_x, high_x]``.

        Parameters
        ----------
        low_x, high_x : float
            Bounds on the x axis (metres or trace index, see :attr:`x_unit`), inclusive.

        Returns
        -------
        RowWindow
            The frames in that range, possibly none.
        """
        coordinates = self.frame_x()
        first = int(np.searchsorted(coordinates, low_x, side="left"))
        last = int(np.searchsorted(coordinates, high_x, side="right"))
        return self.read_frames(first, last)

    # -- annotations ------------------------------------------------------------------------
    def candidates(self) -> list[Candidate]:
        """Candidates known so far (stored, or flagged live).

        Returns
        -------
        list of Candidate
            Empty in this base implementation.
        """
        return []

    def truth(self) -> GroundTruth | None:
        """The lane's ground truth when the file has it.

        Returns
        -------
        GroundTruth or None
            None in this base implementation.
        """
        return None

    def track(self) -> PositionTrack | None:
        """The GNSS fixes, when there are any.

        Returns
        -------
        PositionTrack or None
            None in this base implementation.
        """
        return None

    @abc.abstractmethod
    def status(self) -> SourceStatus:
        """Counters for the status bar.

        Returns
        -------
        SourceStatus
            State, row counts, arrival rates (Hz), gaps, bad frames, candidates and a detail text.
        """

    def refresh(self) -> bool:
        """Pick up new rows; True when something changed (replay sources never change).

        Returns
        -------
        bool
            Whether new rows (or candidates) arrived since the last call.
        """
        return False

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files (idempotent)."""

    # -- axis mapping -----------------------------------------------------------------------
    def x_of_candidate(self, candidate: Candidate) -> float:
        """The x coordinate of a candidate (NaN when it cannot be placed).

        Parameters
        ----------
        candidate : Candidate
            The candidate.

        Returns
        -------
        float
            Its ``x_m`` on a metre axis; on a trace axis its ``time_s`` times the trace rate, else
            its ``trace_index`` extra; NaN when none is known.
        """
        if self.x_unit == "m":
            return candidate.x_m
        if math.isfinite(candidate.time_s) and self.gpr is not None and self.gpr.traces_per_s:
            return candidate.time_s * self.gpr.traces_per_s
        trace = candidate.extras.get("trace_index")
        if trace is not None:
            return float(trace)
        return math.nan

    def x_of_position_m(self, position_m: float) -> float:
        """The x coordinate of an along-lane position, m (NaN when the axis has no metres).

        Parameters
        ----------
        position_m : float
            Along-lane position, m.

        Returns
        -------
        float
            The x coordinate, or NaN on a trace-index axis.
        """
        return position_m if self.x_unit == "m" else math.nan

    def trace_index_at(self, x: float) -> int:
        """The index of the trace nearest to coordinate ``x`` (-1 without traces).

        Parameters
        ----------
        x : float
            A coordinate on the x axis (metres or trace index).

        Returns
        -------
        int
            The trace index; -1 without traces or for a non-finite ``x``.
        """
        coordinates = self.trace_x()
        if coordinates.size == 0 or not math.isfinite(x):
            return -1
        index = int(np.searchsorted(coordinates, x))
        index = min(max(index, 0), coordinates.size - 1)
        if index > 0 and abs(coordinates[index - 1] - x) <= abs(coordinates[index] - x):
            index -= 1
        return index

    def __enter__(self) -> ViewSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _monotonic_or_none(values: FloatArray) -> FloatArray | None:
    """``values`` when finite and never decreasing by more than noise, else None."""
    if values.size == 0 or not np.all(np.isfinite(values)):
        return None
    if values.size > 1 and values[-1] <= values[0]:
        return None
    return np.maximum.accumulate(values)  # a wheel that slips back a little stays drawable


def map_frames_to_axis(
    *,
    n_traces: int,
    trace_x: FloatArray,
    trace_distance_m: FloatArray | None,
    trace_host_ns: FloatArray | None,
    frame_distance_m: FloatArray | None,
    frame_host_ns: FloatArray | None,
    n_frames: int,
    x_unit: str,
) -> FloatArray:
    """Coordinates of metal-detector frames on the B-scan's x axis.

    Uses, in order: the frames' own distance (axis in metres), the host clock of frames and
    traces (interpolated onto the trace coordinates), the frame index scaled to the trace count.

    Parameters
    ----------
    n_traces : int
        Traces available.
    trace_x : ndarray of float64, shape (n_traces,)
        Their x coordinates.
    trace_distance_m : ndarray, shape (n_traces,), optional
        Along-lane distance of each trace, m (not used for the mapping itself).
    trace_host_ns : ndarray, shape (n_traces,), optional
        Host clock of each trace, ns since the Unix epoch.
    frame_distance_m : ndarray, shape (n_frames,), optional
        Along-lane distance of each frame, m.
    frame_host_ns : ndarray, shape (n_frames,), optional
        Host clock of each frame, ns since the Unix epoch.
    n_frames : int
        Frames available.
    x_unit : {"m", "trace"}
        Unit of the x axis.

    Returns
    -------
    ndarray, shape (n_frames,), float64
    """
    if n_frames == 0:
        return np.zeros(0)
    if x_unit == "m" and frame_distance_m is not None:
        distance = _monotonic_or_none(frame_distance_m)
        if distance is not None:
            return distance
    usable_clock = (
        frame_host_ns is not None
        and trace_host_ns is not None
        and n_traces > 1
        and trace_host_ns[-1] > trace_host_ns[0] > 0
        and frame_host_ns.size == n_frames
        and frame_host_ns[0] > 0
    )
    if usable_clock:
        assert frame_host_ns is not None and trace_host_ns is not None
        return np.interp(frame_host_ns, trace_host_ns, trace_x)
    if n_traces > 1:
        return np.linspace(trace_x[0], trace_x[-1], n_frames)
    return np.arange(n_frames, dtype=np.float64)


class RecordingSource(ViewSource):
    """A detsig recording, read lazily.

    Parameters
    ----------
    path : str or Path
        The recording.
    gpr_stream, md_stream : str, optional
        Which stream to show (default: the first of each kind).
    swmr : bool
        Open in SWMR read mode (see :class:`FollowSource`).
    truth : GroundTruth, optional
        Ground truth to overlay instead of the file's ``/truth`` (a lane surveyed apart).

    Raises
    ------
    RecordingError
        The file cannot be read as a detsig recording.
    InputError
        A named stream does not exist.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        gpr_stream: str | None = None,
        md_stream: str | None = None,
        swmr: bool = False,
        truth: GroundTruth | None = None,
    ) -> None:
        super().__init__()
        from detsig.io.recording import open_recording

        self.path = Path(path)
        self.title = self.path.name
        self.recording = open_recording(self.path, swmr=swmr)
        try:
            self._gpr_reader = self.recording.stream_of_kind("gpr", gpr_stream)
            if self._gpr_reader is None and gpr_stream is None:
                # No GPR: a radar stream (Acconeer) shows in the B-scan as sweep amplitudes.
                self._gpr_reader = self.recording.stream_of_kind("radar")
            self._md_reader = self.recording.stream_of_kind("md", md_stream)
            self._gnss_reader = self.recording.stream_of_kind("gnss")
        except InputError:
            self.recording.close()
            raise
        if self._gpr_reader is not None:
            reader = self._gpr_reader
            self.gpr_name = reader.name
            header = reader.header
            assert isinstance(header, GprHeader)
            first = min(reader.n_rows, ESTIMATE_TRACES)
            if header.kind == "radar":
                # Radar sweeps show as amplitudes; their distance points as two-way time in air.
                self.gpr = replace(header, relative_permittivity=1.0)
            else:
                self.gpr = display_header(header, reader.data[:first] if first else None)
        if self._md_reader is not None:
            self.md_name = self._md_reader.name
            md_header = self._md_reader.header
            assert isinstance(md_header, MdHeader)
            self.md = md_header
        self._n_traces = 0
        self._n_frames = 0
        self._trace_distance = np.zeros(0)
        self._trace_host = np.zeros(0)
        self._frame_distance = np.zeros(0)
        self._frame_host = np.zeros(0)
        self._trace_x = np.zeros(0)
        self._frame_x = np.zeros(0)
        self._candidates: list[Candidate] = []
        self._n_candidate_rows = -1
        self._truth = truth if truth is not None else self.recording.truth()
        self._load_columns()

    @staticmethod
    def _column(reader: Any, name: str, start: int, stop: int) -> FloatArray:
        if name not in reader.group:
            return np.full(stop - start, np.nan)
        return np.asarray(reader.group[name][start:stop], dtype=np.float64)

    def _load_columns(self) -> bool:
        """Read the 1-D per-row columns of rows that arrived since the last call."""
        changed = False
        if self._gpr_reader is not None:
            n = self._gpr_reader.n_rows
            if n != self._n_traces:
                old = self._n_traces if n > self._n_traces else 0
                self._trace_distance = np.concatenate(
                    [
                        self._trace_distance[:old],
                        self._column(self._gpr_reader, "distance_m", old, n),
                    ]
                )
                self._trace_host = np.concatenate(
                    [self._trace_host[:old], self._column(self._gpr_reader, "host_time_ns", old, n)]
                )
                self._n_traces = n
                changed = True
        if self._md_reader is not None:
            n = self._md_reader.n_rows
            if n != self._n_frames:
                old = self._n_frames if n > self._n_frames else 0
                self._frame_distance = np.concatenate(
                    [
                        self._frame_distance[:old],
                        self._column(self._md_reader, "distance_m", old, n),
                    ]
                )
                self._frame_host = np.concatenate(
                    [self._frame_host[:old], self._column(self._md_reader, "host_time_ns", old, n)]
                )
                self._n_frames = n
                changed = True
        if changed:
            self._update_axes()
        return changed

    def _update_axes(self) -> None:
        distance = _monotonic_or_none(self._trace_distance)
        if self.gpr is not None and distance is not None and self._n_traces > 1:
            self.x_unit = "m"
            self._trace_x = distance
        elif self.gpr is None and self._n_frames > 1:
            frame_distance = _monotonic_or_none(self._frame_distance)
            self.x_unit = "m" if frame_distance is not None else "trace"
            self._trace_x = np.zeros(0)
        else:
            self.x_unit = "trace"
            self._trace_x = np.arange(self._n_traces, dtype=np.float64)
        self._frame_x = map_frames_to_axis(
            n_traces=self._n_traces,
            trace_x=self._trace_x,
            trace_distance_m=self._trace_distance,
            trace_host_ns=self._trace_host,
            frame_distance_m=self._frame_distance,
            frame_host_ns=self._frame_host,
            n_frames=self._n_frames,
            x_unit=self.x_unit,
        )

    def n_traces(self) -> int:
        return self._n_traces

    def n_frames(self) -> int:
        return self._n_frames

    def trace_x(self) -> FloatArray:
        return self._trace_x

    def frame_x(self) -> FloatArray:
        return self._frame_x

    def read_traces(self, start: int, stop: int) -> RowWindow:
        if self._gpr_reader is None or self.gpr is None:
            return _empty_block(0)
        start, stop = _clip_range(start, stop, self._n_traces)
        raw = np.asarray(self._gpr_reader.data[start:stop])
        if raw.dtype.names == ("real", "imag"):
            data = np.hypot(raw["real"], raw["imag"], dtype=np.float32)
        else:
            data = raw.astype(np.float32)
        return RowWindow(start, data, self._trace_x[start:stop].copy())

    def read_frames(self, start: int, stop: int) -> RowWindow:
        if self._md_reader is None or self.md is None:
            return _empty_block(0)
        start, stop = _clip_range(start, stop, self._n_frames)
        data = np.asarray(self._md_reader.data[start:stop], dtype=np.float32)
        return RowWindow(start, data, self._frame_x[start:stop].copy())

    def candidates(self) -> list[Candidate]:
        file = self.recording.file
        n = int(file["candidates"].shape[0]) if "candidates" in file else 0
        if n != self._n_candidate_rows:
            self._candidates = self.recording.candidates()
            self._n_candidate_rows = n
        return self._candidates

    def truth(self) -> GroundTruth | None:
        return self._truth

    def track(self) -> PositionTrack | None:
        if self._gnss_reader is None or self._gnss_reader.n_rows == 0:
            return None
        track: PositionTrack = self._gnss_reader.read_track()
        return track

    def _event_counts(self) -> tuple[dict[str, int], dict[str, int]]:
        """Events per kind and what they stand for per kind (frames lost for gaps)."""
        try:
            return self.recording.event_counts(), self.recording.event_totals()
        except (OSError, KeyError, ValueError):
            return {}, {}

    def status(self) -> SourceStatus:
        counts, totals = self._event_counts()
        gaps = counts.get("gap", 0)
        bad = counts.get("bad_frame", 0)
        traces_per_s = self.gpr.traces_per_s if self.gpr and self.gpr.traces_per_s else math.nan
        frames_per_s = self.md.sample_rate_hz if self.md else math.nan
        return SourceStatus(
            state="replay",
            n_traces=self._n_traces,
            n_frames=self._n_frames,
            traces_per_s=traces_per_s or math.nan,
            frames_per_s=frames_per_s,
            gaps=gaps,
            bad_frames=bad,
            n_candidates=len(self.candidates()),
            frames_lost=totals.get("gap", 0),
            detail=str(self.path),
        )

    def close(self) -> None:
        self.recording.close()


class FollowSource(RecordingSource):
    """A recording that another process is writing in SWMR mode, followed as it grows.

    :meth:`refresh` (called by the viewer on a timer) picks up appended rows and measures the
    arrival rates from the host clock of the new rows.

    Parameters
    ----------
    path : str or Path
        The recording being written (opened in SWMR read mode).
    gpr_stream, md_stream : str, optional
        Streams to show; the first of each kind when None.
    truth : GroundTruth, optional
        Ground truth to overlay instead of the recording's own.
    """

    live = True

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        gpr_stream: str | None = None,
        md_stream: str | None = None,
        truth: GroundTruth | None = None,
    ) -> None:
        super().__init__(path, gpr_stream=gpr_stream, md_stream=md_stream, swmr=True, truth=truth)
        self._last_change_s = 0.0
        self._rates = (math.nan, math.nan)

    def refresh(self) -> bool:
        try:
            self.recording.refresh()
        except (OSError, RuntimeError, ValueError):
            return False
        changed = self._load_columns()
        if changed:
            self._rates = (_rate_hz(self._trace_host), _rate_hz(self._frame_host))
        return changed

    def status(self) -> SourceStatus:
        base = super().status()
        traces_per_s, frames_per_s = self._rates
        return SourceStatus(
            state="following",
            n_traces=base.n_traces,
            n_frames=base.n_frames,
            traces_per_s=traces_per_s,
            frames_per_s=frames_per_s,
            gaps=base.gaps,
            bad_frames=base.bad_frames,
            n_candidates=base.n_candidates,
            frames_lost=base.frames_lost,
            detail=base.detail,
        )


def _rate_hz(host_time_ns: FloatArray, window: int = 512) -> float:
    """Rows per second over the newest ``window`` rows of a host clock column, Hz."""
    tail = host_time_ns[-window:]
    tail = tail[tail > 0]
    if tail.size < 2 or tail[-1] <= tail[0]:
        return math.nan
    return float((tail.size - 1) / ((tail[-1] - tail[0]) * 1e-9))


class ScanSource(ViewSource):
    """GPR scans held in memory (vendor files read through ``detsig.io.formats``).

    Parameters
    ----------
    scan : GprScan
        The scan to show.
    title : str
        Window title (the file name).
    truth : GroundTruth, optional
        Ground truth to overlay.
    """

    def __init__(self, scan: GprScan, title: str = "", truth: GroundTruth | None = None) -> None:
        super().__init__()
        self.scan = scan
        self._truth = truth
        self.title = title or scan.name
        header = scan.header
        self.gpr_name = scan.name
        self.gpr = display_header(header, scan.data if scan.n_traces else None)
        distance = None if scan.distance_m is None else _monotonic_or_none(scan.distance_m)
        if distance is None and header.trace_step_m:
            distance = np.arange(scan.n_traces, dtype=np.float64) * float(header.trace_step_m)
        if distance is not None and scan.n_traces > 1:
            self.x_unit = "m"
            self._trace_x = np.asarray(distance, dtype=np.float64)
        else:
            self._trace_x = np.arange(scan.n_traces, dtype=np.float64)
        self._track: PositionTrack | None = None
        if scan.lat_deg is not None and scan.lon_deg is not None:
            finite = np.isfinite(scan.lat_deg) & np.isfinite(scan.lon_deg)
            if finite.any():
                n = int(finite.sum())
                self._track = PositionTrack(
                    host_time_ns=np.zeros(n, np.int64),
                    utc_time_s=np.full(n, np.nan),
                    lat_deg=scan.lat_deg[finite],
                    lon_deg=scan.lon_deg[finite],
                    alt_m=np.full(n, np.nan),
                    fix_quality=np.ones(n, np.int8),
                    n_satellites=np.zeros(n, np.int16),
                    hdop=np.full(n, np.nan, np.float32),
                )

    def n_traces(self) -> int:
        return self.scan.n_traces

    def n_frames(self) -> int:
        return 0

    def trace_x(self) -> FloatArray:
        return self._trace_x

    def frame_x(self) -> FloatArray:
        return np.zeros(0)

    def read_traces(self, start: int, stop: int) -> RowWindow:
        start, stop = _clip_range(start, stop, self.scan.n_traces)
        data = np.array(self.scan.data[start:stop], dtype=np.float32)
        return RowWindow(start, data, self._trace_x[start:stop].copy())

    def read_frames(self, start: int, stop: int) -> RowWindow:
        return _empty_block(0)

    def track(self) -> PositionTrack | None:
        return self._track

    def truth(self) -> GroundTruth | None:
        return self._truth

    def status(self) -> SourceStatus:
        rate = self.gpr.traces_per_s if self.gpr and self.gpr.traces_per_s else math.nan
        return SourceStatus(
            state="replay",
            n_traces=self.scan.n_traces,
            traces_per_s=rate,
            detail=f"{self.title} ({self.scan.header.source_format or 'vendor file'})",
        )


def open_source(
    path: str | os.PathLike[str],
    *,
    follow: bool = False,
    gpr_stream: str | None = None,
    md_stream: str | None = None,
    channel: int = 0,
    truth: GroundTruth | None = None,
) -> ViewSource:
    """Open any file detsig can read as a view source.

    Parameters
    ----------
    path : str or Path
        A detsig recording or a vendor GPR file.
    follow : bool
        Follow a recording another process is writing (SWMR).
    gpr_stream, md_stream : str, optional
        Streams of a recording to show.
    channel : int
        Radar channel of a multi-channel vendor file.
    truth : GroundTruth, optional
        Ground truth to overlay (replaces a recording's own).

    Returns
    -------
    ViewSource
        A :class:`FollowSource`, :class:`RecordingSource` or :class:`ScanSource`; close it when
        done.

    Raises
    ------
    InputError
        The file does not exist, cannot be read, or the stream or channel does not exist.
    """
    from detsig.io.recording import is_detsig_recording

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    if is_detsig_recording(path) or follow:
        if follow:
            return FollowSource(path, gpr_stream=gpr_stream, md_stream=md_stream, truth=truth)
        return RecordingSource(path, gpr_stream=gpr_stream, md_stream=md_stream, truth=truth)
    from detsig.errors import FormatError
    from detsig.io.formats import detect_format, read_any

    try:
        detect_format(path)
    except FormatError:
        pass  # neither a recording nor a known vendor format: open_recording says why below
    else:
        scans = read_any(path)
        if not scans:
            raise InputError(f"{path} holds no radar traces")
        if not 0 <= channel < len(scans):
            raise InputError(
                f"{path} has {len(scans)} radar channel(s); choose a channel 0 to {len(scans) - 1}",
                parameter="channel",
            )
        return ScanSource(scans[channel], title=path.name, truth=truth)
    # Not a vendor file either: open_recording says precisely what is wrong with it.
    return RecordingSource(path, gpr_stream=gpr_stream, md_stream=md_stream)
