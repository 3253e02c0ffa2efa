"""What a detector reads: one GPR line and/or one metal-detector series of a lane.

:func:`load_lane` accepts a detsig recording (path or open :class:`~detsig.io.reader.Recording`),
a vendor GPR file (through :func:`detsig.io.formats.read_any`), a :class:`~detsig.model.GprScan`,
an :class:`~detsig.model.MdSeries`, or any object with ``gpr`` and ``md`` attributes (a
simulated lane). The stream's header is the one the recording stores
(:attr:`detsig.io.reader.StreamReader.header`: its attributes, else the device HELLO's
``config``), resolved by
:func:`detsig.dsp.resolve_gpr_header` as the live processor resolves the HELLO's, so that a
recording made by ``detsig record`` gives the same candidates offline as it gave live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from detsig.dsp.header import ESTIMATE_TRACES, resolve_gpr_header, resolve_scan_header
from detsig.errors import InputError
from detsig.model import GprHeader, GprScan, MdHeader, MdSeries

#: (data, distance_m, lat_deg, lon_deg) of rows ``start:stop``; positions None when absent.
Rows = tuple[
    npt.NDArray[Any],
    npt.NDArray[np.float64] | None,
    npt.NDArray[np.float64] | None,
    npt.NDArray[np.float64] | None,
]


class RowSource(Protocol):
    """Rows of one stream, read a block at a time (arrays in memory, or a recording's
    datasets read lazily), so detection memory does not grow with the lane."""

    @property
    def n_rows(self) -> int:
        """Rows in the stream."""
        ...

    def rows(self, start: int, stop: int) -> Rows:
        """Rows ``start:stop``: samples (n, width) and their positions."""
        ...


@dataclass(frozen=True)
class ArrayRows:
    """Rows held in memory (a scan or series read from a vendor file, or simulated)."""

    data: npt.NDArray[Any]
    distance_m: npt.NDArray[np.float64] | None = None
    lat_deg: npt.NDArray[np.float64] | None = None
    lon_deg: npt.NDArray[np.float64] | None = None

    @property
    def n_rows(self) -> int:
        """Rows in the stream."""
        return int(self.data.shape[0])

    def rows(self, start: int, stop: int) -> Rows:
        """Rows ``start:stop`` (views)."""

        def part(values: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float64] | None:
            return None if values is None else values[start:stop]

        return (
            self.data[start:stop],
            part(self.distance_m),
            part(self.lat_deg),
            part(self.lon_deg),
        )


class RecordingRows:
    """Rows of a recording's stream, read from the open file block by block.

    Parameters
    ----------
    stream : StreamReader
        The ``/streams/<name>`` reader; its file must stay open while rows are read.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self._n_rows = int(stream.n_rows)
        self._columns = set(stream.columns)

    @property
    def n_rows(self) -> int:
        """Rows in the stream (complete in every column when the lane was opened)."""
        return self._n_rows

    def column(self, name: str, start: int, stop: int) -> npt.NDArray[np.float64] | None:
        """A position column's rows ``start:stop`` (None when the stream has none)."""
        if name not in self._columns:
            return None
        return np.asarray(self.stream.column(name, start, stop), dtype=np.float64)

    def rows(self, start: int, stop: int) -> Rows:
        """Rows ``start:stop`` read from the file."""
        stop = min(stop, self.n_rows)
        return (
            np.asarray(self.stream.data[start:stop]),
            self.column("distance_m", start, stop),
            self.column("lat_deg", start, stop),
            self.column("lon_deg", start, stop),
        )


@dataclass(frozen=True)
class MdInput:
    """A metal-detector stream: its header and its rows."""

    name: str
    header: MdHeader
    rows: RowSource


@dataclass(frozen=True)
class GprInput:
    """A GPR line: its resolved header (trace step, time zero, centre frequency known) and
    its rows."""

    name: str
    header: GprHeader
    rows: RowSource


@dataclass
class LaneInput:
    """The streams one detection run reads (either may be absent).

    A lane read from a recording keeps the file open for its rows: use it as a context
    manager (or call :meth:`close`).

    Attributes
    ----------
    gpr : GprInput or None
    md : MdInput or None
    source : str
        Where it came from, for messages.
    """

    gpr: GprInput | None
    md: MdInput | None
    source: str = ""
    closer: Any = None

    def close(self) -> None:
        """Close the recording the rows come from (nothing for lanes in memory)."""
        if self.closer is not None:
            self.closer.close()
            self.closer = None

    def __enter__(self) -> LaneInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _scan_input(scan: GprScan) -> GprInput:
    rows = ArrayRows(scan.data, scan.distance_m, scan.lat_deg, scan.lon_deg)
    return GprInput(scan.name, resolve_scan_header(scan), rows)


def _series_input(series: MdSeries) -> MdInput:
    return MdInput(series.name, series.header, ArrayRows(series.data, series.distance_m))


def _from_recording(recording: Any, gpr_stream: str | None, md_stream: str | None) -> LaneInput:
    gpr_input = md_input = None
    gpr = recording.stream_of_kind("gpr", gpr_stream)
    if gpr is not None and gpr.n_rows:
        rows = RecordingRows(gpr)
        first = min(rows.n_rows, ESTIMATE_TRACES)
        header = resolve_gpr_header(
            gpr.header,
            traces=np.asarray(gpr.data[:first]),
            distance_m=rows.column("distance_m", 0, rows.n_rows),
        )
        gpr_input = GprInput(gpr.name, header, rows)
    md = recording.stream_of_kind("md", md_stream)
    if md is not None and md.n_rows:
        md_header = md.header
        assert isinstance(md_header, MdHeader)
        if len(md_header.gate_delays_s) != md_header.width:
            md_header = replace(md_header, gate_delays_s=())
        md_input = MdInput(md.name, md_header, RecordingRows(md))
    return LaneInput(gpr_input, md_input, str(recording.path))


def load_lane(
    source: Any, *, gpr_stream: str | None = None, md_stream: str | None = None
) -> LaneInput:
    """Read the streams of a lane for detection.

    Parameters
    ----------
    source : path, Recording, GprScan, MdSeries or object with ``gpr``/``md``
        Where the data are.
    gpr_stream, md_stream : str, optional
        Stream names in a recording (default the first of each kind).

    Returns
    -------
    LaneInput

    Raises
    ------
    InputError
        The file is missing or unreadable, or holds neither GPR nor MD data.
    """
    from detsig.io.reader import Recording

    if isinstance(source, LaneInput):
        return source
    if isinstance(source, Recording):
        return _from_recording(source, gpr_stream, md_stream)
    if isinstance(source, GprScan):
        return LaneInput(_scan_input(source), None, source.name)
    if isinstance(source, MdSeries):
        return LaneInput(None, _series_input(source), source.name)
    if hasattr(source, "gpr") and hasattr(source, "md"):
        gpr = source.gpr
        md = source.md
        return LaneInput(
            _scan_input(gpr) if isinstance(gpr, GprScan) else None,
            _series_input(md) if isinstance(md, MdSeries) else None,
            "lane",
        )
    if isinstance(source, str | os.PathLike):
        return _from_path(Path(source), gpr_stream, md_stream)
    raise InputError(
        f"cannot detect in a {type(source).__name__}; give a recording path, a GprScan or "
        "an MdSeries"
    )


def _from_path(path: Path, gpr_stream: str | None, md_stream: str | None) -> LaneInput:
    from detsig.io.reader import is_detsig_recording, open_recording

    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a recording or GPR file")
    if is_detsig_recording(path):
        recording = open_recording(path)
        try:
            lane = _from_recording(recording, gpr_stream, md_stream)
        except BaseException:
            recording.close()
            raise
        lane.closer = recording
        return lane
    from detsig.io.formats import read_any

    scans = read_any(path)
    scan = scans[0]
    if gpr_stream is not None:
        named = [s for s in scans if s.name == gpr_stream]
        if not named:
            raise InputError(
                f"{path} has no radar channel {gpr_stream!r} (it has "
                f"{', '.join(s.name for s in scans)})"
            )
        scan = named[0]
    return LaneInput(_scan_input(scan), None, str(path))
