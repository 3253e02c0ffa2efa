"""SEG-Y (rev 1 / rev 2 sample codes) reading (NumPy) and writing (segyio).

SEG-Y is how GPR data travel between tools (RADAN, ReflexW, GPRPy, ImpDAR, seismic packages).
Its binary header stores the sample interval as an integer number of microseconds, too coarse
for radar (0.1 ns); GPR exporters therefore put picoseconds there, without saying so. detsig
writes the interval in picoseconds (nanoseconds or microseconds when it does not fit 16 bits)
**and** states the exact values in ``DETSIG key=value`` lines of the textual header, which its
reader prefers. Foreign files are read with the standard microseconds unless the caller says
otherwise (``sample_interval_unit="ps"``) or gives ``sample_interval_s``.

Trace headers written by detsig: ``TRACE_SEQUENCE_FILE`` (1-based), ``FieldRecord`` (channel
number, 1-based), ``CDP_X`` = distance along the line in mm (``SourceGroupScalar`` = -1000),
``SourceX/SourceY`` = longitude/latitude in milli-arc-seconds (``CoordinateUnits`` = 2, same
scalar), ``UnassignedInt1`` = 1 on marked traces; a trace without a known distance or position
(outside the GPS fixes) has -2**31 in those fields. Sample types map to the SEG-Y codes int16 3,
int32 2, float32 5, float64 6, int8 8, int64 9, uint32 10, uint16 11, uint64 12, uint8 16, so
samples round-trip bit-exactly; files using a rev-2-only code (9-12, 16) say revision 2.0 in
bytes 3501-3502.

Traces (headers and samples) are read in one pass as a NumPy record array; segyio writes.
IBM floats (code 1) are converted exactly by :func:`detsig.io.formats._ibm.ibm_to_float32`.

References
----------
SEG Technical Standards Committee, "SEG-Y_r2.0: SEG-Y revision 2.0 Data Exchange format"
(2017), binary header bytes 3217-3226 and the sample format codes. segyio (Equinor) documentation.
"""

from __future__ import annotations

import math
import os
import struct
import uuid
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.io.formats._common import build_scan, finite_positive, reject_options
from detsig.io.formats._ibm import ibm_to_float32
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

TEXT_HEADER_BYTES = 3200
BINARY_HEADER_BYTES = 400
TRACE_HEADER_BYTES = 240
#: SEG-Y sample format code -> NumPy type of the samples as the reader returns them.
FORMAT_TYPES: dict[int, np.dtype[Any]] = {
    1: np.dtype(np.float32),  # IBM float, converted exactly to IEEE by detsig (_ibm.py)
    2: np.dtype(np.int32),
    3: np.dtype(np.int16),
    5: np.dtype(np.float32),
    6: np.dtype(np.float64),
    8: np.dtype(np.int8),
    9: np.dtype(np.int64),
    10: np.dtype(np.uint32),
    11: np.dtype(np.uint16),
    12: np.dtype(np.uint64),
    16: np.dtype(np.uint8),
}
#: Bytes per sample of each code.
FORMAT_BYTES = {1: 4, 2: 4, 3: 2, 5: 4, 6: 8, 8: 1, 9: 8, 10: 4, 11: 2, 12: 8, 16: 1}
#: NumPy type -> SEG-Y code used when writing.
WRITE_CODES = {
    np.dtype(np.int16): 3,
    np.dtype(np.int32): 2,
    np.dtype(np.float32): 5,
    np.dtype(np.float64): 6,
    np.dtype(np.int8): 8,
    np.dtype(np.uint16): 11,
    np.dtype(np.uint32): 10,
    np.dtype(np.uint8): 16,
    np.dtype(np.int64): 9,
    np.dtype(np.uint64): 12,
}
#: Codes defined only by SEG-Y rev 2 (the writer then states revision 2.0 in bytes 3501-3502).
REV2_CODES = frozenset({9, 10, 11, 12, 16})
#: Trace-header integer meaning "no value" in files detsig writes (CDP_X, SourceX/Y, GroupX/Y).
MISSING_COORDINATE = int(np.iinfo(np.int32).min)
_INTERVAL_UNITS_S = {"us": 1e-6, "ns": 1e-9, "ps": 1e-12}
_COORDINATE_SCALE = 1000  # scalar -1000: stored integers are 1/1000 of the unit
_ARCSEC_PER_DEG = 3600.0


def _binary_fields(block: bytes, endian: str) -> dict[str, int]:
    """Interval (3217), samples (3221), format code (3225), extended text headers (3505)."""
    prefix = ">" if endian == "big" else "<"
    (interval,) = struct.unpack_from(prefix + "H", block, 16)
    (n_samples,) = struct.unpack_from(prefix + "H", block, 20)
    (code,) = struct.unpack_from(prefix + "h", block, 24)
    (extended,) = struct.unpack_from(prefix + "h", block, 304)
    return {"interval": interval, "n_samples": n_samples, "format": code, "extended": extended}


def _detect_binary(head: bytes) -> tuple[str, dict[str, int]] | None:
    if len(head) < TEXT_HEADER_BYTES + BINARY_HEADER_BYTES:
        return None
    block = head[TEXT_HEADER_BYTES : TEXT_HEADER_BYTES + BINARY_HEADER_BYTES]
    for endian in ("big", "little"):
        fields = _binary_fields(block, endian)
        if fields["format"] in FORMAT_TYPES and fields["n_samples"] > 0:
            return endian, fields
    return None


#: Trace-header fields the reader uses: name -> (1-based byte, type), SEG-Y rev 2 table 3
#: (the same positions as segyio's ``TraceField``).
TRACE_FIELDS = {
    "channel": (9, "i4"),  # FieldRecord
    "scalar": (71, "i2"),  # SourceGroupScalar
    "source_x": (73, "i4"),
    "source_y": (77, "i4"),
    "units": (89, "i2"),  # CoordinateUnits
    "cdp_x": (181, "i4"),
    "cdp_y": (185, "i4"),
    "mark": (233, "i4"),  # UnassignedInt1 (detsig's mark flag)
}


def _read_traces(
    path: Path, endian: str, binary: dict[str, int], data_start: int, n_traces: int
) -> tuple[npt.NDArray[Any], dict[str, npt.NDArray[np.int64]], dict[str, int]]:
    """The samples of ``n_traces`` traces, shape (n_traces, n_samples), in native byte order;
    the trace-header fields of :data:`TRACE_FIELDS` (int64, shape (n_traces,)); and notes on
    the conversion (IBM floats: samples that overflowed or underflowed float32).

    Traces are read in one pass as a NumPy record array rather than through segyio, whose IBM
    conversion is inexact for unnormalised fractions and subnormal results (see
    :mod:`detsig.io.formats._ibm`).
    """
    code = binary["format"]
    n_samples = binary["n_samples"]
    order = ">" if endian == "big" else "<"
    stored = np.dtype(order + ("u4" if code == 1 else FORMAT_TYPES[code].str[1:]))
    record = np.dtype(
        {
            "names": [*TRACE_FIELDS, "samples"],
            "formats": [order + kind for _, kind in TRACE_FIELDS.values()]
            + [(stored, (n_samples,))],
            "offsets": [byte - 1 for byte, _ in TRACE_FIELDS.values()] + [TRACE_HEADER_BYTES],
            "itemsize": TRACE_HEADER_BYTES + n_samples * stored.itemsize,
        }
    )
    try:
        records = np.fromfile(path, dtype=record, count=n_traces, offset=data_start)
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    if records.shape[0] != n_traces:
        raise FormatError(f"{path} changed or was cut while it was being read")
    headers = {name: records[name].astype(np.int64) for name in TRACE_FIELDS}
    raw = records["samples"].reshape(n_traces, n_samples)
    notes: dict[str, int] = {}
    if code != 1:
        return np.ascontiguousarray(raw.astype(FORMAT_TYPES[code])), headers, notes
    words = raw.astype(np.uint32)
    data = ibm_to_float32(words)
    overflow = int(np.count_nonzero(np.isinf(data)))
    underflow = int(np.count_nonzero((data == 0) & ((words & 0xFFFFFF) != 0)))
    if overflow:
        notes["ibm_samples_overflowed_to_inf"] = overflow
    if underflow:
        notes["ibm_samples_underflowed_to_zero"] = underflow
    return data, headers, notes


def _text_header(raw: bytes) -> str:
    """The textual header as ASCII text (EBCDIC decoded when it is EBCDIC)."""
    if raw[:1] == b"\xc3" or raw.count(b"\x40") > raw.count(b"\x20"):
        return raw.decode("cp037", errors="replace")
    return raw.decode("latin-1", errors="replace")


def _detsig_fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for start in range(0, len(text), 80):
        line = text[start : start + 80]
        marker = line.find("DETSIG ")
        if marker < 0:
            continue
        for token in line[marker + 7 :].split():
            key, sep, value = token.partition("=")
            if sep:
                fields[key] = value
    return fields


class SegyFormat(FormatPlugin):
    """SEG-Y read and write (segyio)."""

    name = "segy"
    extensions = ("sgy", "segy")
    description = "SEG-Y rev 1/2 (IBM/IEEE float, 8/16/32-bit signed and unsigned samples)"
    can_write = True

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        detected = _detect_binary(head_bytes)
        if detected is None:
            return False
        first = head_bytes[:1]
        return first in (b"C", b"\xc3") or path.suffix.lower() in (".sgy", ".segy")

    # -- reading ------------------------------------------------------------------------------
    def read(
        self,
        path: Path,
        *,
        sample_interval_unit: str = "us",
        sample_interval_s: float | None = None,
        allow_partial: bool = False,
        **options: Any,
    ) -> list[GprScan]:
        """Read the traces (one scan per channel for files detsig wrote with several channels).

        Parameters
        ----------
        path : Path
            The SEG-Y file.
        sample_interval_unit : {"us", "ns", "ps"}
            Unit of the binary header's sample interval in files not written by detsig
            (standard: microseconds; many GPR exporters use picoseconds).
        sample_interval_s : float, optional
            Override the sample interval, s.
        allow_partial : bool
            Drop an incomplete last trace instead of raising FormatError.
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            One scan per radar channel (several only for files detsig wrote), ``data`` of shape
            (n_traces, n_samples) in the file's sample type.
        """
        reject_options(self.name, options)
        if sample_interval_unit not in _INTERVAL_UNITS_S:
            raise FormatError(
                f"sample_interval_unit must be one of {sorted(_INTERVAL_UNITS_S)}, "
                f"got {sample_interval_unit!r}"
            )
        try:
            size = path.stat().st_size
            with open(path, "rb") as stream:
                head = stream.read(TEXT_HEADER_BYTES + BINARY_HEADER_BYTES)
        except OSError as error:
            raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
        detected = _detect_binary(head)
        if detected is None:
            if len(head) < TEXT_HEADER_BYTES + BINARY_HEADER_BYTES:
                raise FormatError(
                    f"{path} is truncated: SEG-Y needs 3600 header bytes, the file has {size}"
                )
            code = _binary_fields(head[TEXT_HEADER_BYTES:], "big")["format"]
            raise FormatError(
                f"{path} has an unknown SEG-Y sample format code {code} or zero samples per "
                "trace in its binary header"
            )
        endian, binary = detected
        if binary["extended"] < 0 or binary["extended"] > 100:
            raise FormatError(
                f"{path} claims {binary['extended']} extended text headers; the header is corrupt"
            )
        data_start = TEXT_HEADER_BYTES + BINARY_HEADER_BYTES + binary["extended"] * 3200
        trace_bytes = TRACE_HEADER_BYTES + binary["n_samples"] * FORMAT_BYTES[binary["format"]]
        n_traces, remainder = divmod(size - data_start, trace_bytes)
        if size < data_start or n_traces == 0:
            raise FormatError(f"{path} is truncated: it holds no complete SEG-Y trace")
        if remainder and not allow_partial:
            raise FormatError(
                f"{path} is truncated or its header contradicts its size: {size - data_start} "
                f"trace bytes are not a whole number of {trace_bytes}-byte traces "
                f"({binary['n_samples']} samples of format {binary['format']}); "
                "reading it partially (allow_partial=True) keeps the complete traces",
                parameter="allow_partial",
            )
        text = _text_header(head[:TEXT_HEADER_BYTES])
        detsig = _detsig_fields(text)
        data, headers, notes = _read_traces(path, endian, binary, data_start, n_traces)
        return self._scans(
            path,
            text,
            detsig,
            binary,
            data,
            headers,
            sample_interval_unit,
            sample_interval_s,
            notes,
        )

    def _scans(
        self,
        path: Path,
        text: str,
        detsig: dict[str, str],
        binary: dict[str, int],
        data: npt.NDArray[Any],
        headers: dict[str, npt.NDArray[np.int64]],
        unit: str,
        interval_override: float | None,
        notes: dict[str, int],
    ) -> list[GprScan]:
        def number(key: str) -> float | None:
            try:
                value = float(detsig[key])
            except (KeyError, ValueError):
                return None
            return value if math.isfinite(value) else None

        if interval_override is not None:
            interval_s = float(interval_override)
            source = "caller"
        elif number("sample_interval_s") is not None:
            interval_s = float(number("sample_interval_s") or 0.0)
            source = "detsig text header"
        else:
            interval_s = binary["interval"] * _INTERVAL_UNITS_S[unit]
            source = f"binary header in {unit}"
        if not interval_s > 0:
            raise FormatError(
                f"{path} gives a sample interval of {binary['interval']} in its binary header; "
                "pass sample_interval_s=... to read it"
            )
        written_by_detsig = bool(detsig)
        scalar = headers["scalar"]
        scale = np.where(scalar < 0, 1.0 / np.maximum(np.abs(scalar), 1), np.maximum(scalar, 1))
        channels = headers["channel"] if written_by_detsig else np.ones(data.shape[0], np.int64)
        n_channels = int(number("channels") or 1) if written_by_detsig else 1
        scans = []
        for channel in range(1, n_channels + 1):
            rows = np.flatnonzero(channels == channel) if n_channels > 1 else np.arange(len(data))
            if rows.size == 0:
                raise FormatError(
                    f"{path} says it holds {n_channels} channels but channel "
                    f"{channel} has no traces"
                )
            extra: dict[str, Any] = {
                "text_header": text.rstrip(),
                "binary_interval": binary["interval"],
                "sample_format_code": binary["format"],
                "sample_interval_source": source,
                **notes,
            }
            distance_m, lat, lon = self._positions(headers, scale, rows, written_by_detsig)
            marks: tuple[int, ...] = ()
            if written_by_detsig:
                marks = tuple(int(i) for i in np.flatnonzero(headers["mark"][rows] == 1))
            time_zero = number("time_zero_s")
            scans.append(
                build_scan(
                    path,
                    data=np.ascontiguousarray(data[rows]),
                    header=dict(
                        sample_interval_s=interval_s,
                        center_frequency_hz=number("center_frequency_hz") or math.nan,
                        time_zero_s=0.0 if time_zero is None else time_zero,
                        time_zero_stated=time_zero is not None,
                        trace_step_m=finite_positive(number("trace_step_m") or 0.0),
                        traces_per_s=finite_positive(number("traces_per_s") or 0.0),
                        antenna=detsig.get("antenna", "").replace("_", " "),
                        source_format=self.name,
                        extra=extra,
                    ),
                    distance_m=distance_m,
                    lat_deg=lat,
                    lon_deg=lon,
                    marks=marks,
                    name=f"gpr{channel - 1}",
                )
            )
        return scans

    @staticmethod
    def _positions(
        headers: dict[str, npt.NDArray[np.int64]],
        scale: npt.NDArray[np.float64],
        rows: npt.NDArray[np.int64],
        written_by_detsig: bool,
    ) -> tuple[npt.NDArray[np.float64] | None, ...]:
        cdp_x = headers["cdp_x"][rows] * scale[rows]
        cdp_y = headers["cdp_y"][rows] * scale[rows]
        distance_m = None
        if written_by_detsig:
            missing = headers["cdp_x"][rows] == MISSING_COORDINATE
            if not missing.all():
                distance_m = np.where(missing, np.nan, cdp_x).astype(np.float64)
        elif np.ptp(cdp_x) > 0 or np.ptp(cdp_y) > 0:
            steps = np.hypot(np.diff(cdp_x), np.diff(cdp_y))
            distance_m = np.concatenate([[0.0], np.cumsum(steps)])
        lat = lon = None
        units = headers["units"][rows]
        if units.size and np.all(units == 2):
            lon = headers["source_x"][rows] * scale[rows] / _ARCSEC_PER_DEG
            lat = headers["source_y"][rows] * scale[rows] / _ARCSEC_PER_DEG
        elif units.size and np.all(units == 3):
            lon = headers["source_x"][rows] * scale[rows]
            lat = headers["source_y"][rows] * scale[rows]
        if lat is not None and lon is not None:
            if written_by_detsig:  # positions missing at some traces (outside the GPS fixes)
                gap = (headers["source_x"][rows] == MISSING_COORDINATE) | (
                    headers["source_y"][rows] == MISSING_COORDINATE
                )
                lat = np.where(gap, np.nan, lat)
                lon = np.where(gap, np.nan, lon)
            known = np.isfinite(lat) & np.isfinite(lon)
            valid = (np.abs(lat[known]) <= 90) & (np.abs(lon[known]) <= 180)
            if not valid.all() or not known.any():
                lat = lon = None
        return distance_m, lat, lon

    # -- writing ------------------------------------------------------------------------------
    def write(self, path: Path, scans: Sequence[GprScan], **options: Any) -> None:
        """Write ``scans`` (channels with equal trace length and type) to a new SEG-Y file.

        The file is written under a temporary name and linked into place, so an existing file
        is never replaced, even by a concurrent writer.

        Parameters
        ----------
        path : Path
            The file to create; must not exist.
        scans : sequence of GprScan
            The channels, all with the same number of samples and sample type.
        **options
            None are accepted; any given raises FormatError.

        Raises
        ------
        FormatError
            If there are no scans, the channels differ, the sample type cannot be stored, or
            ``path`` exists.
        """
        reject_options(self.name, options, "writer")
        if not scans:
            raise FormatError("there are no traces to write")
        first = scans[0]
        for scan in scans[1:]:
            if scan.n_samples != first.n_samples or scan.data.dtype != first.data.dtype:
                raise FormatError(
                    "SEG-Y holds one trace length and sample type per file, but the channels "
                    "differ; convert one channel at a time"
                )
        dtype = first.data.dtype.newbyteorder("=")
        code = WRITE_CODES.get(np.dtype(dtype))
        if code is None:
            raise FormatError(f"SEG-Y cannot store {first.data.dtype} samples")
        interval_s = first.header.sample_interval_s
        stored, unit = _interval_field(interval_s)
        lines = _text_lines(scans, unit)
        import segyio

        spec = segyio.spec()
        spec.format = code
        spec.samples = np.arange(first.n_samples, dtype=np.float64)
        spec.tracecount = sum(scan.n_traces for scan in scans)
        spec.iline, spec.xline = 189, 193
        spec.sorting = None
        spec.endian = "big"
        folder = path.parent
        temporary = str(folder / f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except OSError as error:
            raise FormatError(f"cannot write in {folder}: {error.strerror or error}") from None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with segyio.create(temporary, spec) as file:
                    file.text[0] = segyio.tools.create_text_header(lines)
                    file.bin.update(hdt=stored, dto=stored)
                    if code in REV2_CODES:
                        file.bin.update(
                            {
                                segyio.BinField.SEGYRevision: 2,
                                segyio.BinField.SEGYRevisionMinor: 0,
                            }
                        )
                    start = 0
                    for channel, scan in enumerate(scans, start=1):
                        self._write_channel(file, scan, channel, start, segyio)
                        start += scan.n_traces
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise FormatError(
                    f"{path} already exists; detsig never overwrites a file, so give a new name"
                ) from None
        except (OSError, RuntimeError) as error:
            raise FormatError(f"cannot write {path}: {error}") from None
        finally:
            Path(temporary).unlink(missing_ok=True)

    @staticmethod
    def _write_channel(file: Any, scan: GprScan, channel: int, start: int, segyio: Any) -> None:
        field = segyio.TraceField
        n = scan.n_traces
        cdp_x = _coordinate_field(scan.distance_m, _COORDINATE_SCALE, n)
        has_geo = scan.lat_deg is not None and scan.lon_deg is not None
        lat_mas = lon_mas = np.zeros(n, np.int64)
        if has_geo:
            lat_mas = _coordinate_field(scan.lat_deg, _ARCSEC_PER_DEG * _COORDINATE_SCALE, n)
            lon_mas = _coordinate_field(scan.lon_deg, _ARCSEC_PER_DEG * _COORDINATE_SCALE, n)
            missing = (lat_mas == MISSING_COORDINATE) | (lon_mas == MISSING_COORDINATE)
            lat_mas[missing] = lon_mas[missing] = MISSING_COORDINATE
        marked = np.zeros(n, np.int64)
        marked[list(scan.marks)] = 1
        samples = np.ascontiguousarray(scan.data)
        for i in range(n):
            file.header[start + i] = {
                field.TRACE_SEQUENCE_LINE: i + 1,
                field.TRACE_SEQUENCE_FILE: start + i + 1,
                field.FieldRecord: channel,
                field.TraceNumber: i + 1,
                field.SourceGroupScalar: -_COORDINATE_SCALE,
                field.CoordinateUnits: 2 if has_geo else 1,
                field.SourceX: int(lon_mas[i]),
                field.SourceY: int(lat_mas[i]),
                field.GroupX: int(lon_mas[i]),
                field.GroupY: int(lat_mas[i]),
                field.CDP_X: int(cdp_x[i]),
                field.CDP_Y: 0,
                field.TRACE_SAMPLE_COUNT: scan.n_samples,
                field.TRACE_SAMPLE_INTERVAL: 0,
                field.UnassignedInt1: int(marked[i]),
            }
            file.trace[start + i] = samples[i]


def _coordinate_field(
    values: npt.NDArray[np.float64] | None, scale: float, n_traces: int
) -> npt.NDArray[np.int64]:
    """Per-trace header integers ``round(values * scale)``; :data:`MISSING_COORDINATE` where a
    value is NaN or absent. FormatError when a value does not fit the 32-bit field."""
    if values is None:
        return np.full(n_traces, MISSING_COORDINATE, np.int64)
    scaled = np.asarray(values, np.float64) * scale
    known = np.isfinite(scaled)
    if np.any(np.abs(scaled[known]) >= 2**31 - 1):
        raise FormatError("distances beyond 2147 km do not fit SEG-Y coordinates")
    field = np.full(n_traces, MISSING_COORDINATE, np.int64)
    field[known] = np.round(scaled[known]).astype(np.int64)
    return field


def _interval_field(interval_s: float) -> tuple[int, str]:
    """The binary-header interval as an integer in the finest unit that fits 16 bits."""
    for unit in ("ps", "ns", "us"):
        value = round(interval_s / _INTERVAL_UNITS_S[unit])
        if 0 < value <= 65535:
            return int(value), unit
    raise FormatError(f"a sample interval of {interval_s} s does not fit a SEG-Y header")


def _text_lines(scans: Sequence[GprScan], unit: str) -> dict[int, str]:
    first = scans[0]
    header = first.header
    values = {
        "sample_interval_s": repr(header.sample_interval_s),
        "time_zero_s": repr(header.time_zero_s),
        "center_frequency_hz": repr(header.center_frequency_hz),
        "trace_step_m": repr(header.trace_step_m or 0.0),
        "traces_per_s": repr(header.traces_per_s or 0.0),
        "channels": str(len(scans)),
        "interval_unit": unit,
        "source_format": header.source_format or "unknown",
    }
    lines = {
        1: "GPR DATA WRITTEN BY DETSIG (GROUND-PENETRATING RADAR, NOT SEISMIC)",
        2: f"SAMPLE INTERVAL IN BINARY HEADER IS IN {unit.upper()}",
        3: f"TRACES {sum(s.n_traces for s in scans)} SAMPLES {first.n_samples} "
        f"TYPE {first.data.dtype}",
        4: "CDP_X = DISTANCE ALONG LINE IN MM; SOURCE X/Y = LON/LAT IN MILLI-ARCSEC",
        5: "FIELDRECORD = CHANNEL; UNASSIGNEDINT1 (BYTE 233) = 1 ON MARKED TRACES",
    }
    number = 30
    for key, value in values.items():
        lines[number] = f"DETSIG {key}={value}"[:76]
        number += 1
    antenna = "_".join(header.antenna.split())[:60]
    if antenna:
        lines[number] = f"DETSIG antenna={antenna}"[:76]
    lines[40] = "END TEXTUAL HEADER"
    return lines
