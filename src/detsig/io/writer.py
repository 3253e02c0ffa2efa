"""The HDF5 recording writer (DESIGN.md section 2, ``format_version`` 1).

One :class:`RecordingWriter` owns one file and is used from one thread (the recorder thread of a
live session). Rows are buffered per stream and written in batches; the file is flushed (and
fsync'ed) at least every ``flush_interval_s`` whenever the owner calls :meth:`append`,
:meth:`RecordingWriter.maybe_flush` or :meth:`RecordingWriter.flush`, so a recorder killed at any
moment leaves a file that opens with plain h5py and holds everything up to its last flush.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np
import numpy.typing as npt

from detsig._version import __version__
from detsig.errors import RecordingError
from detsig.io._tables import (
    CANDIDATE_DTYPE,
    EVENT_DTYPE,
    TRUTH_DTYPE,
    Event,
    candidates_to_rows,
    events_to_rows,
    to_json,
    truth_to_rows,
)
from detsig.model import COMPLEX_INT16, TRACK_FIELDS, Candidate, GroundTruth, PositionTrack

FORMAT_NAME = "detsig-recording"
FORMAT_VERSION = 1

#: Stream attributes the writer sets itself from the arguments of ``add_gpr_stream`` /
#: ``add_md_stream`` (a copy of a stream passes every other attribute through ``attrs``).
WRITER_STREAM_ATTRS = frozenset(
    {
        "kind",
        "device",
        "sample_interval_s",
        "center_frequency_hz",
        "time_zero_s",
        "sample_rate_hz",
        "channel_names",
        "units",
    }
)
#: Per-row columns every GPR and MD stream has (DESIGN.md section 2).
ROW_COLUMNS: dict[str, str] = {
    "seq": "<u4",
    "device_time_us": "<u8",
    "host_time_ns": "<i8",
    "distance_m": "<f8",
}
STREAM_KINDS = ("gpr", "md", "radar", "gnss")
_CHUNK_BYTES = 64 * 1024
_WRITER_CHUNK_CACHE_BYTES = 4 * _CHUNK_BYTES


def _chunk_rows(row_bytes: int) -> int:
    return int(max(8, min(4096, _CHUNK_BYTES // max(1, row_bytes))))


class _Column:
    """A resizable 1-D or 2-D dataset with an in-memory buffer of pending rows."""

    def __init__(
        self,
        group: h5py.Group,
        name: str,
        dtype: Any,
        row_shape: tuple[int, ...],
        chunk_rows: int | None = None,
    ):
        self.dtype = np.dtype(dtype)
        self.row_shape = row_shape
        row_bytes = self.dtype.itemsize * int(np.prod(row_shape, dtype=np.int64))
        chunk_rows = chunk_rows or _chunk_rows(row_bytes)
        self.dataset = group.create_dataset(
            name,
            shape=(0, *row_shape),
            maxshape=(None, *row_shape),
            dtype=self.dtype,
            chunks=(chunk_rows, *row_shape),
        )
        self.pending: list[npt.NDArray[Any]] = []
        self.n_pending = 0

    def push(self, rows: npt.NDArray[Any]) -> None:
        self.pending.append(rows)
        self.n_pending += len(rows)

    def write(self) -> None:
        if not self.pending:
            return
        block = self.pending[0] if len(self.pending) == 1 else np.concatenate(self.pending)
        start = self.dataset.shape[0]
        self.dataset.resize(start + len(block), axis=0)
        self.dataset[start:] = block
        self.pending = []
        self.n_pending = 0


class StreamWriter:
    """Appends rows to one ``/streams/<name>`` group. Get one from :class:`RecordingWriter`.

    Parameters
    ----------
    owner : RecordingWriter
        The recording this stream belongs to (its flush policy applies to the stream).
    group : h5py.Group
        The ``/streams/<name>`` group the columns are created in; its last path part is the name.
    kind : str
        Stream kind: ``"gpr"``, ``"md"`` or ``"gnss"``.
    """

    def __init__(self, owner: RecordingWriter, group: h5py.Group, kind: str):
        self._owner = owner
        self.group = group
        self.kind = kind
        self.name = group.name.rsplit("/", 1)[-1]
        self._columns: dict[str, _Column] = {}
        self.n_rows = 0

    def _add_column(self, name: str, dtype: Any, row_shape: tuple[int, ...] = ()) -> None:
        self._columns[name] = _Column(self.group, name, dtype, row_shape)

    @property
    def column_names(self) -> list[str]:
        """Names of the stream's per-row columns (``data``, ``seq`` ... and extra ones)."""
        return list(self._columns)

    @property
    def n_pending(self) -> int:
        """Rows appended but not yet written to the file."""
        return max((c.n_pending for c in self._columns.values()), default=0)

    def _push(self, values: Mapping[str, Any], n_rows: int) -> None:
        for name, column in self._columns.items():
            value = values.get(name)
            if value is None:
                fill = np.nan if column.dtype.kind == "f" else 0
                array = np.full((n_rows, *column.row_shape), fill, dtype=column.dtype)
            else:
                array = np.asarray(value)
                if array.shape != (n_rows, *column.row_shape):
                    raise ValueError(
                        f"stream {self.name}: {name} has shape {array.shape}, "
                        f"expected {(n_rows, *column.row_shape)}"
                    )
                array = np.ascontiguousarray(array, dtype=column.dtype)
            column.push(array)
        unknown = set(values) - set(self._columns)
        if unknown:
            raise ValueError(f"stream {self.name} has no column(s) {sorted(unknown)}")
        self.n_rows += n_rows
        if self.n_pending >= self._owner.batch_rows:
            self._write()
        self._owner.maybe_flush()

    def _write(self) -> None:
        for column in self._columns.values():
            column.write()


class SampleStreamWriter(StreamWriter):
    """Writer of a GPR (traces) or MD (frames) stream: ``data`` plus the per-row columns."""

    def append(
        self,
        data: npt.ArrayLike,
        *,
        seq: npt.ArrayLike | None = None,
        device_time_us: npt.ArrayLike | None = None,
        host_time_ns: npt.ArrayLike | None = None,
        distance_m: npt.ArrayLike | None = None,
        **columns: npt.ArrayLike,
    ) -> None:
        """Append rows.

        Parameters
        ----------
        data : array_like, shape (n_rows, n_samples) or (n_rows, n_channels)
            Traces (GPR) or frames (MD), cast to the stream's native type (values must fit).
        seq : array_like of uint32, shape (n_rows,), optional
            Device frame counter of each row; default: the row index continued.
        device_time_us : array_like of uint64, shape (n_rows,), optional
            Device clock of each row, us; default 0 (unknown).
        host_time_ns : array_like of int64, shape (n_rows,), optional
            Host clock when each row arrived, ns since the epoch; default 0 (unknown).
        distance_m : array_like of float64, shape (n_rows,), optional
            Along-lane position of each row, m; default NaN (unknown).
        **columns : array_like, shape (n_rows,)
            Values of extra per-row columns declared when the stream was added.
        """
        block = np.asarray(data)
        data_column = self._columns["data"]
        if block.ndim != 2 or block.shape[1:] != data_column.row_shape:
            raise ValueError(
                f"stream {self.name}: data must be shaped (n, {data_column.row_shape[0]}), "
                f"got {block.shape}"
            )
        if block.dtype != data_column.dtype:
            if data_column.dtype.kind in "iu" and not np.can_cast(
                block.dtype, data_column.dtype, casting="same_kind"
            ):
                raise ValueError(
                    f"stream {self.name}: cannot store {block.dtype} samples as {data_column.dtype}"
                )
            info = np.iinfo(data_column.dtype) if data_column.dtype.kind in "iu" else None
            out_of_range = (
                info is not None
                and block.size
                and (block.min() < info.min or block.max() > info.max)
            )
            if out_of_range:
                raise ValueError(
                    f"stream {self.name}: samples exceed the range of {data_column.dtype}"
                )
        n_rows = block.shape[0]
        if seq is None:
            seq = (np.arange(n_rows, dtype=np.int64) + self.n_rows) % 2**32
        self._push(
            {
                "data": block,
                "seq": seq,
                "device_time_us": device_time_us,
                "host_time_ns": host_time_ns,
                "distance_m": distance_m,
                **columns,
            },
            n_rows,
        )


class TrackStreamWriter(StreamWriter):
    """Writer of a GNSS stream: one row per fix with the :data:`TRACK_FIELDS` columns."""

    def append(self, track: PositionTrack | None = None, **fields: npt.ArrayLike) -> None:
        """Append fixes, given as a :class:`PositionTrack` or as keyword arrays of its fields.

        Parameters
        ----------
        track : PositionTrack, optional
            The fixes to append, one row per fix. Give either this or ``fields``, not both.
        **fields : array_like, shape (n_fixes,)
            Keyword arrays of the :data:`TRACK_FIELDS` columns (``lat_deg``, ``lon_deg``, ...),
            used to build a :class:`PositionTrack` when ``track`` is None.

        Raises
        ------
        TypeError
            If both ``track`` and keyword arrays are given.
        """
        if track is None:
            track = PositionTrack(**fields)  # type: ignore[arg-type]
        elif fields:
            raise TypeError("give either a PositionTrack or keyword arrays, not both")
        self._push({name: getattr(track, name) for name in TRACK_FIELDS}, track.n_fixes)


class RecordingWriter:
    """Create a new detsig recording and write it in batches.

    Parameters
    ----------
    path : str or Path
        The file to create. An existing file is never touched (opened with mode ``"x"``).
    swmr : bool
        Write in single-writer/multiple-reader mode so ``detsig view --follow`` can read while the
        file grows. Declare every stream, then call :meth:`start_swmr`. Such files need
        ``swmr=True`` (or ``h5clear -s``) to open after a crash, so the default is off.
    flush_interval_s : float
        Longest time between flushes while data arrive or :meth:`maybe_flush` is called, s.
    batch_rows : int
        Rows buffered per stream before they are written (without a flush).
    fsync : bool
        Also ``os.fsync`` at each flush so a power cut loses at most one interval.
    operator, site, notes : str
        Free-form attributes of the root group.
    attrs : mapping, optional
        Further root attributes (strings or numbers).

    Raises
    ------
    RecordingError
        The path exists, its folder is missing or not writable.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "lane.h5")
    >>> with RecordingWriter(path, operator="ana") as writer:
    ...     gpr = writer.add_gpr_stream("gpr0", n_samples=4, dtype="int16", sample_interval_s=1e-10)
    ...     gpr.append(np.zeros((3, 4), dtype=np.int16))
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        swmr: bool = False,
        flush_interval_s: float = 0.25,
        batch_rows: int = 256,
        fsync: bool = True,
        operator: str = "",
        site: str = "",
        notes: str = "",
        attrs: Mapping[str, Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.swmr = swmr
        self.flush_interval_s = float(flush_interval_s)
        self.batch_rows = int(batch_rows)
        self.fsync = fsync
        if self.path.exists() or self.path.is_symlink():
            raise RecordingError(
                f"{self.path} already exists; detsig never overwrites a recording, "
                "so give a new file name"
            )
        if not self.path.parent.is_dir():
            raise RecordingError(
                f"the folder {self.path.parent} does not exist; create it or choose another path"
            )
        try:
            # HDF5 2.0 caches up to 8 MiB of chunks per dataset by default; a writer never reads
            # back, and with ~20 datasets that cache alone grew a recorder by ~150 MB. A small
            # cache (a few chunks per dataset) keeps memory flat at the same write speed.
            self.file = h5py.File(
                self.path,
                "x",
                libver="latest" if swmr else None,
                rdcc_nbytes=_WRITER_CHUNK_CACHE_BYTES,
            )
        except FileExistsError:
            raise RecordingError(
                f"{self.path} already exists; detsig never overwrites a recording, "
                "so give a new file name"
            ) from None
        except PermissionError:
            raise RecordingError(
                f"no permission to create {self.path}; choose a writable folder"
            ) from None
        except OSError as error:
            if self.path.exists() and "exist" in str(error).lower():
                raise RecordingError(
                    f"{self.path} already exists; detsig never overwrites a recording, "
                    "so give a new file name"
                ) from None
            raise RecordingError(f"cannot create {self.path}: {error}") from None
        self.recording_id = str(uuid.uuid4())
        root = self.file.attrs
        root["detsig_format"] = FORMAT_NAME
        root["format_version"] = FORMAT_VERSION
        root["recording_id"] = self.recording_id
        root["created_utc"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds")
        root["software"] = f"detsig {__version__}"
        root["operator"] = operator
        root["site"] = site
        root["notes"] = notes
        for key, value in (attrs or {}).items():
            root[key] = value
        self._streams_group = self.file.create_group("streams", track_order=True)
        self.streams: dict[str, StreamWriter] = {}
        self._events = _Column(self.file, "events", EVENT_DTYPE, (), chunk_rows=64)
        self._candidates: _Column | None = None
        if swmr:
            self._candidates = _Column(self.file, "candidates", CANDIDATE_DTYPE, (), chunk_rows=64)
        self._swmr_started = False
        self._last_flush = time.monotonic()
        self._closed = False
        self.n_flushes = 0

    # -- streams ----------------------------------------------------------------------------
    def _new_group(self, name: str, kind: str, device: Mapping[str, Any] | None) -> h5py.Group:
        if self._swmr_started:
            raise RecordingError(
                f"cannot add stream {name} after SWMR writing started; declare streams first"
            )
        if not name or "/" in name or name in self.streams:
            raise ValueError(f"stream name {name!r} is empty, contains '/', or is taken")
        group = self._streams_group.create_group(name)
        group.attrs["kind"] = kind
        group.attrs["device"] = json.dumps(dict(device or {}))
        return group

    @staticmethod
    def _set_attrs(group: h5py.Group, attrs: Mapping[str, Any] | None) -> None:
        for key, value in (attrs or {}).items():
            group.attrs[key] = to_json(value) if isinstance(value, (dict, list, tuple)) else value

    def _add_sample_stream(
        self,
        name: str,
        kind: str,
        device: Mapping[str, Any] | None,
        width: int,
        dtype: Any,
        extra_columns: Mapping[str, Any] | None,
    ) -> SampleStreamWriter:
        if int(width) < 1:
            raise ValueError(f"stream {name}: need at least one sample/channel per row")
        group = self._new_group(name, kind, device)
        stream = SampleStreamWriter(self, group, kind)
        stream._add_column("data", dtype, (int(width),))
        for column, column_dtype in ROW_COLUMNS.items():
            stream._add_column(column, column_dtype)
        for column, column_dtype in (extra_columns or {}).items():
            stream._add_column(column, column_dtype)
        self.streams[name] = stream
        return stream

    def add_gpr_stream(
        self,
        name: str,
        *,
        n_samples: int,
        dtype: Any,
        sample_interval_s: float,
        center_frequency_hz: float = float("nan"),
        time_zero_s: float | None = None,
        device: Mapping[str, Any] | None = None,
        extra_columns: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> SampleStreamWriter:
        """Declare a GPR stream of traces with ``n_samples`` samples of type ``dtype``.

        ``extra_columns`` maps further per-row column names (e.g. ``lat_deg``) to their dtype.
        ``attrs`` are further stream attributes (``trace_step_m``, ``traces_per_s``,
        ``processing`` ...; dicts and lists are stored as JSON).

        Parameters
        ----------
        name : str
            Stream name, the group ``/streams/<name>`` (e.g. ``"gpr0"``); must be new, non-empty and
            without ``/``.
        n_samples : int
            Samples per trace (>= 1), the width of the ``data`` column.
        dtype : numpy dtype or str
            Sample type of the ``data`` column, e.g. ``"int16"`` or ``"float32"``.
        sample_interval_s : float
            Time between samples of a trace, s (> 0).
        center_frequency_hz : float
            Antenna centre frequency, Hz; NaN (the default) when unknown.
        time_zero_s : float, optional
            Two-way time of the direct wave / ground surface in each trace, s; not stored when None.
        device : mapping, optional
            The device's HELLO description, stored as JSON in the stream's ``device`` attribute.
        extra_columns : mapping of str to dtype, optional
            Further per-row columns (e.g. ``{"lat_deg": "f8"}``), NaN/0 where not appended.
        attrs : mapping, optional
            Further stream attributes; dicts, lists and tuples are stored as JSON.

        Returns
        -------
        SampleStreamWriter
            The writer to :meth:`~SampleStreamWriter.append` traces to, shape (n_traces, n_samples).

        Raises
        ------
        ValueError
            If ``sample_interval_s`` is not > 0, ``n_samples`` < 1 or the name is empty or taken.
        RecordingError
            If SWMR writing has already started.
        """
        if not float(sample_interval_s) > 0:
            raise ValueError(f"sample_interval_s must be > 0, got {sample_interval_s}")
        stream = self._add_sample_stream(name, "gpr", device, n_samples, dtype, extra_columns)
        stream.group.attrs["sample_interval_s"] = float(sample_interval_s)
        stream.group.attrs["center_frequency_hz"] = float(center_frequency_hz)
        if time_zero_s is not None:
            stream.group.attrs["time_zero_s"] = float(time_zero_s)
        self._set_attrs(stream.group, attrs)
        return stream

    def add_md_stream(
        self,
        name: str,
        *,
        n_channels: int,
        dtype: Any,
        sample_rate_hz: float,
        channel_names: Sequence[str] | None = None,
        units: str = "adc_counts",
        device: Mapping[str, Any] | None = None,
        extra_columns: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> SampleStreamWriter:
        """Declare a metal-detector stream of frames with ``n_channels`` channels.

        Parameters
        ----------
        name : str
            Stream name, the group ``/streams/<name>`` (e.g. ``"md0"``); must be new, non-empty and
            without ``/``.
        n_channels : int
            Channels per frame (>= 1), the width of the ``data`` column.
        dtype : numpy dtype or str
            Sample type of the ``data`` column, e.g. ``"int16"``.
        sample_rate_hz : float
            Frame rate, Hz (> 0).
        channel_names : sequence of str, optional
            One name per channel; ``ch0``, ``ch1``, ... when None.
        units : str
            Unit of the samples, stored as the ``units`` attribute (default ``"adc_counts"``).
        device : mapping, optional
            The device's HELLO description, stored as JSON in the stream's ``device`` attribute.
        extra_columns : mapping of str to dtype, optional
            Further per-row columns, filled with NaN/0 when not appended.
        attrs : mapping, optional
            Further stream attributes; dicts, lists and tuples are stored as JSON.

        Returns
        -------
        SampleStreamWriter
            The writer to append frames to, shape (n_frames, n_channels).

        Raises
        ------
        ValueError
            If ``sample_rate_hz`` is not > 0, the number of channel names differs from
            ``n_channels``, or the name is empty or taken.
        RecordingError
            If SWMR writing has already started.
        """
        if not float(sample_rate_hz) > 0:
            raise ValueError(f"sample_rate_hz must be > 0, got {sample_rate_hz}")
        names = list(channel_names or [f"ch{i}" for i in range(n_channels)])
        if len(names) != n_channels:
            raise ValueError(f"{len(names)} channel names for {n_channels} channels")
        stream = self._add_sample_stream(name, "md", device, n_channels, dtype, extra_columns)
        stream.group.attrs["sample_rate_hz"] = float(sample_rate_hz)
        stream.group.attrs["channel_names"] = json.dumps(names)
        stream.group.attrs["units"] = units
        self._set_attrs(stream.group, attrs)
        return stream

    def add_radar_stream(
        self,
        name: str,
        *,
        n_points: int,
        sweeps_per_frame: int,
        start_m: float,
        step_m: float,
        frame_rate_hz: float,
        device: Mapping[str, Any] | None = None,
        extra_columns: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> SampleStreamWriter:
        """Declare a radar stream: one row per sweep of ``n_points`` complex int16 samples.

        A frame of the device is ``sweeps_per_frame`` consecutive rows sharing one ``seq``;
        sample ``j`` of a sweep is at distance ``start_m + j * step_m`` from the sensor.

        Parameters
        ----------
        name : str
            Stream name (e.g. ``"radar0"``); must be new, non-empty and without ``/``.
        n_points : int
            Distance points per sweep (>= 1).
        sweeps_per_frame : int
            Sweeps per frame (>= 1).
        start_m : float
            Distance of the first point, m.
        step_m : float
            Distance between points, m (> 0).
        frame_rate_hz : float
            Frames per second the device was set to, Hz (NaN: as fast as it can).
        device : mapping, optional
            The device description and applied configuration, stored as JSON.
        extra_columns : mapping of str to dtype, optional
            Further per-row columns.
        attrs : mapping, optional
            Further stream attributes; dicts, lists and tuples are stored as JSON.

        Returns
        -------
        SampleStreamWriter
            The writer to append sweeps to, shape (n_sweeps, n_points), dtype
            :data:`detsig.model.COMPLEX_INT16`.

        Raises
        ------
        ValueError
            If ``step_m`` is not > 0, a count is < 1, or the name is empty or taken.
        """
        if not float(step_m) > 0 or int(sweeps_per_frame) < 1:
            raise ValueError(
                f"step_m must be > 0 and sweeps_per_frame >= 1, got {step_m}, {sweeps_per_frame}"
            )
        stream = self._add_sample_stream(
            name, "radar", device, n_points, COMPLEX_INT16, extra_columns
        )
        group = stream.group.attrs
        group["sweeps_per_frame"] = int(sweeps_per_frame)
        group["start_m"] = float(start_m)
        group["step_m"] = float(step_m)
        group["frame_rate_hz"] = float(frame_rate_hz)
        self._set_attrs(stream.group, attrs)
        return stream

    def add_gnss_stream(
        self,
        name: str = "gnss0",
        *,
        device: Mapping[str, Any] | None = None,
        attrs: Mapping[str, Any] | None = None,
    ) -> TrackStreamWriter:
        """Declare a GNSS stream (one row per fix).

        Parameters
        ----------
        name : str
            Stream name, the group ``/streams/<name>`` (default ``"gnss0"``).
        device : mapping, optional
            The receiver's description, stored as JSON in the stream's ``device`` attribute.
        attrs : mapping, optional
            Further stream attributes; dicts, lists and tuples are stored as JSON.

        Returns
        -------
        TrackStreamWriter
            The writer to append fixes (:class:`PositionTrack`) to.
        """
        group = self._new_group(name, "gnss", device)
        stream = TrackStreamWriter(self, group, "gnss")
        for column, column_dtype in TRACK_FIELDS.items():
            stream._add_column(column, column_dtype)
        self._set_attrs(stream.group, attrs)
        self.streams[name] = stream
        return stream

    def start_swmr(self) -> None:
        """Switch to SWMR writing (readers may follow from now on); no new streams after this."""
        if not self.swmr:
            raise RecordingError("start_swmr needs a writer created with swmr=True")
        if not self._swmr_started:
            self.file.swmr_mode = True
            self._swmr_started = True

    # -- tables -----------------------------------------------------------------------------
    def add_event(
        self,
        kind: str,
        *,
        stream: str = "",
        detail: str = "",
        host_time_ns: int | None = None,
        count: int = 1,
    ) -> None:
        """Record one event (gap, bad_frame, reconnect, mark, device_error, ...).

        Parameters
        ----------
        kind : str
            Event kind, e.g. ``"gap"``, ``"bad_frame"``, ``"reconnect"``, ``"mark"``.
        stream : str
            Name of the stream the event concerns; empty for the whole recording.
        detail : str
            Free text, e.g. ``"3 missing (seq 10-12)"``.
        host_time_ns : int, optional
            Host clock time of the event, ns since the Unix epoch; now when None.
        count : int
            How many it stands for: frames lost for a ``gap`` (stored in the ``count``
            column, so nobody parses ``detail``), 1 otherwise.
        """
        when = time.time_ns() if host_time_ns is None else int(host_time_ns)
        self._events.push(events_to_rows([Event(when, stream, kind, detail, int(count))]))
        self.maybe_flush()

    def write_truth(self, truth: GroundTruth) -> None:
        """Store the lane's ground truth in ``/truth`` (once, before SWMR starts).

        Parameters
        ----------
        truth : GroundTruth
            Lane extent (``x_start_m``, ``x_end_m``, optional ``swept_width_m``) and buried targets.

        Raises
        ------
        RecordingError
            If the recording already has ground truth.
        """
        if "truth" in self.file:
            raise RecordingError("this recording already has ground truth")
        group = self.file.create_group("truth")
        group.create_dataset("targets", data=truth_to_rows(truth), dtype=TRUTH_DTYPE)
        group.attrs["x_start_m"] = float(truth.x_start_m)
        group.attrs["x_end_m"] = float(truth.x_end_m)
        if truth.swept_width_m is not None:
            group.attrs["swept_width_m"] = float(truth.swept_width_m)
        if truth.y_start_m is not None and truth.y_end_m is not None:
            group.attrs["y_start_m"] = float(truth.y_start_m)
            group.attrs["y_end_m"] = float(truth.y_end_m)

    def write_candidates(self, candidates: Sequence[Candidate]) -> None:
        """Append candidates to ``/candidates`` (created on first use).

        Parameters
        ----------
        candidates : sequence of Candidate
            Detections to append, in any order.
        """
        if self._candidates is None:
            self._candidates = _Column(self.file, "candidates", CANDIDATE_DTYPE, (), chunk_rows=64)
        self._candidates.push(candidates_to_rows(candidates))
        self.maybe_flush()

    # -- flushing ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every buffered row and flush the file to disk."""
        for stream in self.streams.values():
            stream._write()
        self._events.write()
        if self._candidates is not None:
            self._candidates.write()
        self.file.flush()
        if self.fsync:
            with contextlib.suppress(OSError, ValueError, TypeError):
                os.fsync(self.file.id.get_vfd_handle())
        self._last_flush = time.monotonic()
        self.n_flushes += 1

    def maybe_flush(self) -> bool:
        """Flush when ``flush_interval_s`` has passed since the last flush; True if it did.

        Returns
        -------
        bool
            True if a flush happened.
        """
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()
            return True
        return False

    @property
    def size_bytes(self) -> int:
        """Current size of the file on disk, bytes."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self.file.close()
            self._closed = True

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
