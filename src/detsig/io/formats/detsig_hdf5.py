"""detsig's own HDF5 recordings as a format plugin, so ``read_any`` opens every file.

Reading returns the GPR streams of a recording (``/streams/<name>`` of kind ``gpr``) as scans,
with operator marks from the ``mark`` events. Writing creates a new recording (never
overwriting) with one stream per scan: exactly the scan's samples in their native type, the
per-trace ``distance_m``, ``lat_deg`` / ``lon_deg`` as extra per-row columns when present, the
marks as ``mark`` events (``detail`` = ``"trace <index>"``) and the vendor header as the JSON
stream attribute ``vendor_header``. Trace times go in the clock columns when every trace has
one; times known only at some traces (NaN elsewhere) go in a float ``trace_time_s`` column.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detsig.errors import FormatError, RecordingError
from detsig.io.formats._common import hdf5_damage, json_safe, reject_options
from detsig.io.formats.gprmax import HDF5_SIGNATURE
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

_MARK_DETAIL = re.compile(r"^trace (\d+)")
#: Traces written per append call (the writer buffers and writes in blocks).
WRITE_BLOCK_TRACES = 4096
#: Float column of trace times, s, for scans whose times are known only at some traces (NaN
#: elsewhere, e.g. outside the GPS fixes of a vendor file); read back as ``trace_time_s``.
PARTIAL_TIME_COLUMN = "trace_time_s"


def mark_detail(index: int, name: str = "") -> str:
    """The ``detail`` text of a mark event on trace ``index``.

    Parameters
    ----------
    index : int
        Trace index of the mark.
    name : str
        Mark name; left out when empty.

    Returns
    -------
    str
        ``"trace INDEX"`` or ``"trace INDEX: NAME"``.
    """
    return f"trace {index}" + (f": {name}" if name else "")


class DetsigRecordingFormat(FormatPlugin):
    """detsig HDF5 recording (format_version 1): GPR streams in, scans out, and back."""

    name = "detsig"
    extensions = ("h5", "hdf5")
    description = "detsig HDF5 recording (format_version 1)"
    can_write = True

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        if not head_bytes.startswith(HDF5_SIGNATURE) or hdf5_damage(path):
            return False
        from detsig.io.recording import is_detsig_recording

        return is_detsig_recording(path)

    def read(self, path: Path, **options: Any) -> list[GprScan]:
        """The GPR streams of the recording, in file order.

        Parameters
        ----------
        path : Path
            A detsig recording.
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            One scan per radar channel named as the stream, ``data`` of shape
            (n_traces, n_samples) in the file's sample type.
        """
        reject_options(self.name, options)
        from detsig.io.recording import open_recording

        try:
            with open(path, "rb") as handle:
                is_hdf5 = handle.read(8) == HDF5_SIGNATURE
        except OSError as error:
            raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
        damage = hdf5_damage(path) if is_hdf5 else None
        if damage:
            raise FormatError(f"{path} is a damaged HDF5 file: {damage}")
        try:
            with open_recording(path) as recording:
                marks: dict[str, list[int]] = {}
                for event in recording.events():
                    match = _MARK_DETAIL.match(event.detail)
                    if event.kind == "mark" and match:
                        marks.setdefault(event.stream, []).append(int(match.group(1)))
                scans = []
                for stream in recording.streams_of_kind("gpr"):
                    scan = stream.read_scan()
                    if scan.trace_time_s is None and PARTIAL_TIME_COLUMN in stream.columns:
                        scan = dataclasses.replace(
                            scan, trace_time_s=stream.column(PARTIAL_TIME_COLUMN)
                        )
                    extra: dict[str, Any] = {}
                    text = stream.attrs.get("vendor_header")
                    if isinstance(text, str):
                        try:
                            loaded = json.loads(text)
                        except json.JSONDecodeError:
                            loaded = {}
                        extra = loaded if isinstance(loaded, dict) else {}
                    header = dataclasses.replace(
                        scan.header,
                        extra=extra,
                        antenna=str(stream.attrs.get("antenna", scan.header.antenna)),
                    )
                    valid = sorted({m for m in marks.get(stream.name, []) if m < scan.n_traces})
                    scans.append(dataclasses.replace(scan, header=header, marks=tuple(valid)))
                return scans
        except RecordingError as error:
            raise FormatError(str(error), parameter=error.parameters) from None
        except ValueError as error:
            raise FormatError(f"{path} holds an impossible value: {error}") from None
        except (OSError, RuntimeError, KeyError, TypeError, IndexError) as error:
            # HDF5 reports some damage (e.g. a bad superblock) as RuntimeError, not OSError.
            first = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise FormatError(f"{path} is a damaged or truncated HDF5 file ({first})") from None

    def write(
        self,
        path: Path,
        scans: Sequence[GprScan],
        *,
        source: str = "",
        operator: str = "",
        site: str = "",
        notes: str = "",
        **options: Any,
    ) -> None:
        """Write ``scans`` as streams ``gpr0``, ``gpr1`` ... of a new recording.

        Parameters
        ----------
        path : Path
            The new file (must not exist).
        scans : sequence of GprScan
            The channels, written in order as ``gpr0``, ``gpr1`` ...
        source : str
            Name of the file the scans came from (root attribute ``source_file``).
        operator, site, notes : str
            Root attributes of the recording.
        """
        reject_options(self.name, options, "writer")
        from detsig.io.recording import RecordingWriter

        formats = sorted({scan.header.source_format for scan in scans})
        attrs = {"source_file": source, "source_format": ",".join(formats)}
        try:
            with RecordingWriter(
                path, operator=operator, site=site, notes=notes, attrs=attrs, fsync=False
            ) as writer:
                for channel, scan in enumerate(scans):
                    self._write_stream(writer, f"gpr{channel}", scan)
        except RecordingError as error:
            raise FormatError(str(error), parameter=error.parameters) from None

    @staticmethod
    def _write_stream(writer: Any, name: str, scan: GprScan) -> None:
        header = scan.header
        has_geo = scan.lat_deg is not None and scan.lon_deg is not None
        attrs: dict[str, Any] = {
            "source_format": header.source_format,
            "antenna": header.antenna,
            "vendor_header": json.dumps(json_safe(dict(header.extra)), allow_nan=False),
        }
        if header.trace_step_m is not None:
            attrs["trace_step_m"] = float(header.trace_step_m)
        if header.traces_per_s is not None:
            attrs["traces_per_s"] = float(header.traces_per_s)
        times = scan.trace_time_s
        use_times = times is not None and bool(np.all(np.isfinite(times) & (times >= 0)))
        # Times known only at some traces (between GPS fixes) cannot go in the integer clock
        # columns; they are kept as a float column with NaN where unknown.
        partial_times = not use_times and times is not None and bool(np.isfinite(times).any())
        extra_columns = {"lat_deg": "<f8", "lon_deg": "<f8"} if has_geo else {}
        if partial_times:
            extra_columns[PARTIAL_TIME_COLUMN] = "<f8"
        stream = writer.add_gpr_stream(
            name,
            n_samples=scan.n_samples,
            dtype=scan.data.dtype,
            sample_interval_s=header.sample_interval_s,
            center_frequency_hz=header.center_frequency_hz,
            time_zero_s=header.time_zero_s if header.time_zero_stated else None,
            device={"model": header.antenna, "source_format": header.source_format},
            extra_columns=extra_columns or None,
            attrs=attrs,
        )
        for start in range(0, scan.n_traces, WRITE_BLOCK_TRACES):
            stop = min(scan.n_traces, start + WRITE_BLOCK_TRACES)
            columns: dict[str, Any] = {}
            if has_geo:
                assert scan.lat_deg is not None and scan.lon_deg is not None
                columns["lat_deg"] = scan.lat_deg[start:stop]
                columns["lon_deg"] = scan.lon_deg[start:stop]
            if partial_times:
                assert times is not None
                columns[PARTIAL_TIME_COLUMN] = np.asarray(times[start:stop], np.float64)
            if use_times:
                assert times is not None
                block = np.asarray(times[start:stop], np.float64)
                columns["device_time_us"] = np.round(block * 1e6).astype(np.uint64)
                columns["host_time_ns"] = np.round(block * 1e9).astype(np.int64)
            stream.append(
                scan.data[start:stop],
                distance_m=None if scan.distance_m is None else scan.distance_m[start:stop],
                **columns,
            )
        for index in scan.marks:
            when = 0
            if use_times:
                assert times is not None
                value = float(times[index]) * 1e9
                when = round(value) if math.isfinite(value) else 0
            writer.add_event("mark", stream=name, detail=mark_detail(index), host_time_ns=when)
