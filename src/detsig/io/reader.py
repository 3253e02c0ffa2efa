"""Lazy reader of detsig HDF5 recordings.

Opening a recording reads only attributes; stream data stay on disk until sliced, so a
100,000-trace file opens at once. Foreign, truncated, corrupt and future-version files raise a
:class:`~detsig.errors.RecordingError` with one sentence saying what is wrong.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import math
import os
from collections import Counter
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from detsig.errors import InputError, RecordingError
from detsig.io._tables import Event, rows_to_candidates, rows_to_events, rows_to_truth
from detsig.io.headers import gpr_header_from_attrs, md_header_from_attrs
from detsig.io.writer import FORMAT_NAME, FORMAT_VERSION
from detsig.model import (
    TRACK_FIELDS,
    Candidate,
    GprHeader,
    GprScan,
    GroundTruth,
    MdHeader,
    MdSeries,
    PositionTrack,
)


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def is_detsig_recording(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a readable HDF5 file marked as a detsig recording.

    A file that ``detsig record --swmr`` is writing (or left after a crash) opens only in SWMR
    read mode, so that mode is tried second.

    Parameters
    ----------
    path : str or Path
        The file to check; a missing or unreadable file gives False, never an exception.

    Returns
    -------
    bool
        True when the root attribute ``detsig_format`` names a detsig recording.
    """
    try:
        if not h5py.is_hdf5(path):
            return False
    except (OSError, ValueError, RuntimeError):
        return False
    for swmr in (False, True):
        try:
            with h5py.File(path, "r", swmr=swmr, libver="latest" if swmr else None) as file:
                return _attr(file.attrs.get("detsig_format")) == FORMAT_NAME
        except (OSError, ValueError, RuntimeError):
            continue
    return False


class StreamReader:
    """One ``/streams/<name>`` group, read lazily.

    Parameters
    ----------
    group : h5py.Group
        The open ``/streams/<name>`` group; it must stay open while the reader is used.

    Attributes
    ----------
    name : str
        Stream name (``"gpr0"``).
    kind : str
        ``"gpr"``, ``"md"`` or ``"gnss"``.
    attrs : dict
        The stream's attributes (JSON strings stay strings; see :attr:`device`).
    """

    def __init__(self, group: h5py.Group):
        self.group = group
        self.name = group.name.rsplit("/", 1)[-1]
        self.attrs = {key: _attr(value) for key, value in group.attrs.items()}
        self.kind = str(self.attrs.get("kind", ""))

    @property
    def device(self) -> dict[str, Any]:
        """The device's HELLO object (empty when the stream has none)."""
        text = self.attrs.get("device") or "{}"
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def header(self) -> GprHeader | MdHeader:
        """The stream's description, as the device's HELLO gave it live
        (:func:`detsig.io.headers.gpr_header_from_attrs` / ``md_header_from_attrs``).

        Raises
        ------
        RecordingError
            A GNSS stream (it has no header), or a stream without sample data.
        """
        if self.kind in ("gpr", "radar"):
            data = self.data
            return gpr_header_from_attrs(
                self.attrs, self.device, n_samples=int(data.shape[1]), dtype=data.dtype
            )
        if self.kind == "md":
            data = self.data
            return md_header_from_attrs(
                self.attrs, self.device, n_channels=int(data.shape[1]), dtype=data.dtype
            )
        raise RecordingError(f"stream {self.name} ({self.kind}) has no sensor header")

    @property
    def columns(self) -> list[str]:
        """Names of the stream's datasets."""
        return list(self.group.keys())

    @property
    def data(self) -> h5py.Dataset:
        """The samples dataset (GPR, MD), sliced lazily: ``stream.data[100:200]``."""
        if "data" not in self.group:
            raise RecordingError(f"stream {self.name} ({self.kind}) has no sample data")
        return self.group["data"]

    @property
    def n_rows(self) -> int:
        """Rows complete in every column (a crash can leave columns of unequal length)."""
        lengths = [ds.shape[0] for ds in self.group.values() if isinstance(ds, h5py.Dataset)]
        return min(lengths) if lengths else 0

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the data: (n_rows, n_samples | n_channels), or (n_rows,) for GNSS."""
        if "data" in self.group:
            return (self.n_rows, *self.group["data"].shape[1:])
        return (self.n_rows,)

    @property
    def dtype(self) -> np.dtype[Any]:
        """Native sample type (for GNSS: the latitude column's type)."""
        if "data" in self.group:
            return self.group["data"].dtype
        return np.dtype(np.float64)

    def refresh(self) -> None:
        """Re-read dataset sizes (SWMR follow mode)."""
        for dataset in self.group.values():
            if isinstance(dataset, h5py.Dataset):
                dataset.refresh()

    def column(self, name: str, start: int = 0, stop: int | None = None) -> npt.NDArray[Any]:
        """Rows ``start:stop`` of a per-row column (``seq``, ``distance_m``, ``lat_deg`` ...).

        Parameters
        ----------
        name : str
            Column name, one of :attr:`columns`.
        start : int
            First row (default 0).
        stop : int, optional
            One past the last row, clipped to :attr:`n_rows`; all rows when None.

        Returns
        -------
        ndarray, shape (n_rows,)
            The values, in the column's stored dtype and unit (the unit is in the name).

        Raises
        ------
        KeyError
            If the stream has no column ``name``.
        """
        if name not in self.group:
            raise KeyError(f"stream {self.name} has no column {name!r} (has {self.columns})")
        stop = self.n_rows if stop is None else min(stop, self.n_rows)
        return np.asarray(self.group[name][start:stop])

    def _optional_column(self, name: str, start: int, stop: int) -> npt.NDArray[Any] | None:
        if name not in self.group:
            return None
        values = self.column(name, start, stop).astype(np.float64)
        return None if values.size == 0 or np.all(np.isnan(values)) else values

    @property
    def sample_interval_s(self) -> float | None:
        """GPR sample interval, s."""
        value = self.attrs.get("sample_interval_s")
        return None if value is None else float(value)

    @property
    def sample_rate_hz(self) -> float | None:
        """MD frame rate, Hz."""
        value = self.attrs.get("sample_rate_hz")
        return None if value is None else float(value)

    @property
    def duration_s(self) -> float:
        """Time the stream covers, s (device clock, else nominal rate, else host clock)."""
        n = self.n_rows
        if n == 0:
            return 0.0
        if self.kind == "md" and self.sample_rate_hz:
            return n / self.sample_rate_hz
        for name, scale in (("device_time_us", 1e-6), ("host_time_ns", 1e-9)):
            if name in self.group:
                first = float(self.group[name][0])
                last = float(self.group[name][n - 1])
                if last > first > 0 or (last > first and name == "device_time_us"):
                    span = (last - first) * scale
                    return span * n / (n - 1) if n > 1 else span
        traces_per_s = self.attrs.get("traces_per_s")
        if traces_per_s:
            return n / float(traces_per_s)
        return 0.0

    def _check_kind(self, kind: str) -> None:
        if self.kind != kind:
            raise RecordingError(f"stream {self.name} is a {self.kind} stream, not {kind}")

    def read_scan(self, start: int = 0, stop: int | None = None) -> GprScan:
        """Traces ``start:stop`` of a GPR stream as a :class:`GprScan`.

        Parameters
        ----------
        start : int
            First trace (default 0).
        stop : int, optional
            One past the last trace, clipped to :attr:`n_rows`; all traces when None.

        Returns
        -------
        GprScan
            ``data`` of shape (n_traces, n_samples) in the stored dtype; ``distance_m``,
            ``trace_time_s`` (from ``device_time_us``), ``lat_deg`` and ``lon_deg`` when the stream
            has those columns with real values, else None.

        Raises
        ------
        RecordingError
            If this is not a GPR stream.
        """
        self._check_kind("gpr")
        stop = self.n_rows if stop is None else min(stop, self.n_rows)
        header = self.header
        assert isinstance(header, GprHeader)
        device_time = self._optional_column("device_time_us", start, stop)
        if device_time is not None and not device_time.any():
            device_time = None  # all zero: the device clock is unknown
        return GprScan(
            data=np.asarray(self.data[start:stop]),
            header=header,
            distance_m=self._optional_column("distance_m", start, stop),
            trace_time_s=None if device_time is None else device_time * 1e-6,
            lat_deg=self._optional_column("lat_deg", start, stop),
            lon_deg=self._optional_column("lon_deg", start, stop),
            name=self.name,
        )

    def read_md(self, start: int = 0, stop: int | None = None) -> MdSeries:
        """Frames ``start:stop`` of an MD stream as an :class:`MdSeries`.

        Parameters
        ----------
        start : int
            First frame (default 0).
        stop : int, optional
            One past the last frame, clipped to :attr:`n_rows`; all frames when None.

        Returns
        -------
        MdSeries
            ``data`` of shape (n_frames, n_channels) in the stored dtype and ``units``, with the
            stream's ``sample_rate_hz``, channel names, gate delays and ``distance_m`` if present.

        Raises
        ------
        RecordingError
            If this is not an MD stream.
        """
        self._check_kind("md")
        stop = self.n_rows if stop is None else min(stop, self.n_rows)
        header = self.header
        assert isinstance(header, MdHeader)
        return MdSeries(
            data=np.asarray(self.data[start:stop]),
            sample_rate_hz=header.sample_rate_hz,
            channel_names=header.channel_names,
            units=header.units,
            distance_m=self._optional_column("distance_m", start, stop),
            gate_delays_s=header.gate_delays_s
            if len(header.gate_delays_s) == len(header.channel_names)
            else (),
            name=self.name,
        )

    def read_track(self) -> PositionTrack:
        """All fixes of a GNSS stream as a :class:`PositionTrack`.

        Returns
        -------
        PositionTrack
            One entry per fix, with every :data:`TRACK_FIELDS` column.

        Raises
        ------
        RecordingError
            If this is not a GNSS stream.
        """
        self._check_kind("gnss")
        n = self.n_rows
        return PositionTrack(**{name: self.group[name][:n] for name in TRACK_FIELDS})


class Recording:
    """An open detsig recording. Use :func:`open_recording`; close it (or use ``with``).

    Parameters
    ----------
    path : Path
        Where the file is (used in messages).
    file : h5py.File
        The open file; :meth:`close` closes it.
    """

    def __init__(self, path: Path, file: h5py.File):
        self.path = path
        self.file = file
        self.attrs = {key: _attr(value) for key, value in file.attrs.items()}
        self.streams: dict[str, StreamReader] = {}
        if "streams" in file:
            for name, group in file["streams"].items():
                if isinstance(group, h5py.Group):
                    self.streams[name] = StreamReader(group)

    @property
    def stream_names(self) -> list[str]:
        """Names of the streams, in file order."""
        return list(self.streams)

    def streams_of_kind(self, kind: str) -> list[StreamReader]:
        """The streams of one kind (``"gpr"``, ``"md"``, ``"gnss"``).

        Parameters
        ----------
        kind : str
            ``"gpr"``, ``"md"`` or ``"gnss"``.

        Returns
        -------
        list of StreamReader
            The matching streams in file order; empty when there are none.
        """
        return [s for s in self.streams.values() if s.kind == kind]

    def stream_of_kind(self, kind: str, name: str | None = None) -> StreamReader | None:
        """The stream of one kind named ``name``, or the first of that kind (None: there is
        none) when ``name`` is None.

        Parameters
        ----------
        kind : str
            ``"gpr"``, ``"md"`` or ``"gnss"``.
        name : str, optional
            Stream name to pick; the first stream of that kind when None.

        Returns
        -------
        StreamReader or None
            The stream; None only when ``name`` is None and there is no stream of that kind.

        Raises
        ------
        InputError
            No stream of that kind has that name (the message lists the ones there are).
        """
        streams = self.streams_of_kind(kind)
        if name is None:
            return streams[0] if streams else None
        for stream in streams:
            if stream.name == name:
                return stream
        names = ", ".join(s.name for s in streams) or "none"
        raise InputError(
            f"{self.path} has no {kind.upper()} stream named {name!r} (its {kind} streams: {names})"
        )

    def refresh(self) -> None:
        """Pick up rows appended by a SWMR writer since the file was opened."""
        for stream in self.streams.values():
            stream.refresh()
        for name in ("events", "candidates"):
            if name in self.file:
                self.file[name].refresh()

    def events(self) -> list[Event]:
        """Every row of ``/events``.

        Returns
        -------
        list of Event
            Events (host time ns, stream, kind, detail) in the order they were written; empty when
            the file has no ``/events`` table.
        """
        if "events" not in self.file:
            return []
        return rows_to_events(np.asarray(self.file["events"][:]))

    def event_counts(self) -> dict[str, int]:
        """Number of events of each kind.

        Returns
        -------
        dict of str to int
            Event kind (``"gap"``, ``"bad_frame"`` ...) -> number of events.
        """
        if "events" not in self.file:
            return {}
        kinds = np.asarray(self.file["events"]["kind"])
        return dict(Counter(k.decode("utf-8", errors="replace") for k in kinds))

    def event_totals(self, stream: str | None = None) -> dict[str, int]:
        """What the events stand for, by kind, from the table's ``count`` column: for ``gap``
        the frames lost, for other kinds the number of events.

        Parameters
        ----------
        stream : str, optional
            Count only the events of this stream (default: all).

        Returns
        -------
        dict of str to int
            Event kind -> total ``count`` (a table written before the column existed counts
            1 per event).
        """
        if "events" not in self.file:
            return {}
        table = self.file["events"]
        kinds = np.asarray(table["kind"])
        names = table.dtype.names or ()
        counts = (
            np.asarray(table["count"], dtype=np.int64)
            if "count" in names
            else np.ones(kinds.size, dtype=np.int64)
        )
        if stream is not None:
            keep = np.asarray(table["stream"]) == stream.encode("utf-8")
            kinds, counts = kinds[keep], counts[keep]
        totals: dict[str, int] = {}
        for kind, count in zip(kinds, counts, strict=True):
            key = kind.decode("utf-8", errors="replace")
            totals[key] = totals.get(key, 0) + int(count)
        return totals

    @property
    def has_truth(self) -> bool:
        """Whether ``/truth`` is present."""
        return "truth" in self.file

    @property
    def has_candidates(self) -> bool:
        """Whether ``/candidates`` is present (it may hold zero rows: a detector found nothing)."""
        return "candidates" in self.file

    def truth(self) -> GroundTruth | None:
        """The lane's ground truth, or None.

        Returns
        -------
        GroundTruth or None
            Lane extent and targets from ``/truth``; None when the file has no ground truth.
        """
        if "truth" not in self.file:
            return None
        group = self.file["truth"]
        width = group.attrs.get("swept_width_m")
        truth = rows_to_truth(
            np.asarray(group["targets"][:]),
            float(group.attrs["x_start_m"]),
            float(group.attrs["x_end_m"]),
            None if width is None else float(width),
        )
        if "y_start_m" in group.attrs and "y_end_m" in group.attrs:
            truth = dataclasses.replace(
                truth,
                y_start_m=float(group.attrs["y_start_m"]),
                y_end_m=float(group.attrs["y_end_m"]),
            )
        return truth

    def candidates(self) -> list[Candidate]:
        """The stored candidates (empty when there are none).

        Returns
        -------
        list of Candidate
            The rows of ``/candidates`` in stored order.
        """
        if "candidates" not in self.file:
            return []
        return rows_to_candidates(np.asarray(self.file["candidates"][:]))

    def describe(self) -> dict[str, Any]:
        """What the file holds, as the JSON object of ``detsig info --json``.

        Returns
        -------
        dict
            JSON-serialisable summary: path, format and file attributes (``recording_id``,
            ``operator`` ...), ``size_bytes``, one entry per stream (name, kind, shape, dtype,
            ``duration_s`` and kind-specific fields), event counts by kind, and the numbers of truth
            targets and candidates.
        """
        streams = []
        for stream in self.streams.values():
            entry: dict[str, Any] = {
                "name": stream.name,
                "kind": stream.kind,
                "shape": list(stream.shape),
                "dtype": str(stream.dtype) if stream.kind != "gnss" else "track",
                "duration_s": round(stream.duration_s, 6),
            }
            if stream.kind == "gpr":
                entry["sample_interval_s"] = stream.sample_interval_s
                entry["center_frequency_hz"] = _finite_or_none(
                    stream.attrs.get("center_frequency_hz")
                )
            elif stream.kind == "md":
                entry["sample_rate_hz"] = stream.sample_rate_hz
                names = stream.attrs.get("channel_names", "[]")
                entry["channel_names"] = json.loads(names) if isinstance(names, str) else names
                entry["units"] = stream.attrs.get("units", "")
            elif stream.kind == "radar":
                for key in ("sweeps_per_frame", "start_m", "step_m", "frame_rate_hz"):
                    entry[key] = _finite_or_none(stream.attrs.get(key))
                entry["dtype"] = "complex int16 (real, imag)"
            elif stream.kind == "gnss":
                entry["fix_quality_counts"] = _fix_counts(stream)
            if "distance_m" in stream.group and stream.n_rows:
                distance = stream.column("distance_m")
                if np.isfinite(distance).any():
                    entry["distance_m"] = [
                        float(np.nanmin(distance)),
                        float(np.nanmax(distance)),
                    ]
            device = stream.device
            if device:
                entry["device"] = device
            streams.append(entry)
        candidates_count = int(self.file["candidates"].shape[0]) if "candidates" in self.file else 0
        return {
            "path": str(self.path),
            "format": "detsig-recording",
            "format_version": self.attrs.get("format_version"),
            "recording_id": self.attrs.get("recording_id"),
            "created_utc": self.attrs.get("created_utc"),
            "software": self.attrs.get("software"),
            "operator": self.attrs.get("operator", ""),
            "site": self.attrs.get("site", ""),
            "notes": self.attrs.get("notes", ""),
            "size_bytes": self.path.stat().st_size,
            "streams": streams,
            "events": self.event_counts(),
            "has_truth": self.has_truth,
            "n_truth_targets": len(self.file["truth"]["targets"]) if self.has_truth else 0,
            "has_candidates": self.has_candidates,
            "n_candidates": candidates_count,
        }

    def close(self) -> None:
        """Close the file."""
        self.file.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _finite_or_none(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _fix_counts(stream: StreamReader) -> dict[str, int]:
    if "fix_quality" not in stream.group or stream.n_rows == 0:
        return {}
    values, counts = np.unique(stream.column("fix_quality"), return_counts=True)
    return {str(int(v)): int(c) for v, c in zip(values, counts, strict=True)}


def open_recording(path: str | os.PathLike[str], *, swmr: bool = False) -> Recording:
    """Open a detsig recording for reading, lazily.

    Parameters
    ----------
    path : str or Path
        The recording.
    swmr : bool
        Open in SWMR read mode, to follow a file another process is writing.

    Returns
    -------
    Recording
        The open recording; close it, or use it as a context manager.

    Raises
    ------
    RecordingError
        Missing, not HDF5 (text or another binary), truncated or corrupt, not a detsig
        recording, or of a ``format_version`` this detsig cannot read.
    """
    path = Path(path)
    if not path.exists():
        raise RecordingError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise RecordingError(f"{path} is a folder, not a recording file")
    try:
        is_hdf5 = h5py.is_hdf5(path)
    except OSError as error:
        raise RecordingError(f"cannot read {path}: {error.strerror or error}") from None
    if not is_hdf5:
        if path.stat().st_size == 0:
            raise RecordingError(f"{path} is empty (0 bytes), not a recording")
        # Not HDF5: every command says what detsig convert says of such a file.
        from detsig.io.formats.registry import sniff_format, unknown_format_message

        name = sniff_format(path)
        if name is None or name == "detsig":
            with open(path, "rb") as handle:
                head = handle.read(512)
            raise RecordingError(unknown_format_message(path, head))
        raise RecordingError(
            f"{path} is a {name} file, not a detsig recording; read it as such or convert it "
            f"with 'detsig convert {path} -o NEW.h5'"
        )
    file = None
    errors: list[str] = []
    locked = False
    for use_swmr in (swmr, not swmr):
        try:
            file = h5py.File(path, "r", swmr=use_swmr, libver="latest" if use_swmr else None)
            break
        except (OSError, RuntimeError, ValueError) as error:  # RuntimeError: bad superblock
            errors.append(str(error))
            # errno 11 (EAGAIN): a writer not in SWMR mode holds HDF5's lock on the file.
            text = str(error).lower()
            locked |= getattr(error, "errno", None) == errno.EAGAIN or "unable to lock file" in text
    if file is None and locked:
        raise RecordingError(
            f"{path} is being written by another program (e.g. detsig record); to read it "
            "while it grows, record it in SWMR mode and follow it in the viewer, or wait until "
            "the recording ends",
            parameter="swmr",
        )
    if file is None:
        raise RecordingError(
            f"{path} is a damaged or truncated HDF5 file and cannot be opened "
            f"({errors[0].splitlines()[0]}); if a writer crashed in SWMR mode, run "
            f"'h5clear -s {path}' first"
        )
    try:
        marker = _attr(file.attrs.get("detsig_format"))
        if marker != FORMAT_NAME:
            raise RecordingError(
                f"{path} is an HDF5 file but not a detsig recording "
                "(no detsig_format attribute); convert it with 'detsig convert' if it is a "
                "supported vendor file"
            )
        version = _attr(file.attrs.get("format_version"))
        if not isinstance(version, int) or version != FORMAT_VERSION:
            raise RecordingError(
                f"{path} has recording format_version {version!r}, but this detsig reads "
                f"version {FORMAT_VERSION}; upgrade detsig to read it"
            )
        recording = Recording(path, file)
        for stream in recording.streams.values():
            _ = stream.n_rows  # touch every dataset: corrupt metadata fails here, not later
    except RecordingError:
        file.close()
        raise
    except (OSError, KeyError, ValueError, RuntimeError) as error:
        file.close()
        raise RecordingError(f"{path} is a corrupt detsig recording ({error})") from None
    return recording


def write_candidates_into(path: str | os.PathLike[str], candidates: list[Candidate]) -> None:
    """Replace the ``/candidates`` table of an existing recording (nothing else is touched).

    Parameters
    ----------
    path : str or Path
        An existing detsig recording, opened read-write; it must not be open elsewhere.
    candidates : list of Candidate
        The new contents of ``/candidates`` (may be empty: a detector found nothing).

    Raises
    ------
    RecordingError
        If ``path`` is not a readable detsig recording or cannot be written.
    """
    from detsig.io._tables import CANDIDATE_DTYPE, candidates_to_rows

    with open_recording(path):
        pass  # validates that it is a readable detsig recording before writing to it
    try:
        with h5py.File(path, "r+") as file:
            if "candidates" in file:
                del file["candidates"]
            file.create_dataset(
                "candidates",
                data=candidates_to_rows(candidates),
                dtype=CANDIDATE_DTYPE,
                maxshape=(None,),
                chunks=True,
            )
    except OSError as error:
        raise RecordingError(f"cannot write candidates into {path}: {error}") from None
