"""GSSI DZT files (SIR-3000, SIR-4000, SIR-20/30, UtilityScan ...) with DZG GPS and DZX marks.

Layout (little-endian). A file starts with one 1024-byte header per channel; the first 128 bytes
of each hold the fixed fields below. Data begin at ``rh_data * 1024`` when ``rh_data < 1024``
(the "big header" variant, e.g. 128 KiB), else at ``max(rh_data, 1024 * rh_nchan)``. Then come
the scans: each scan holds ``rh_nchan`` traces of ``rh_nsamp`` samples, channel after channel.
8- and 16-bit samples are **unsigned** (zero signal near 2**(bits-1)); 32-bit samples are signed.
The first two samples of each trace are not radar data: a scan counter and a mark word
(non-zero on scans the operator marked, on systems that store marks in the data).

=========  ======  ================  ==========================================================
offset     type    field             meaning
=========  ======  ================  ==========================================================
0          u16     rh_tag            0x00ff / 0x0?ff style tag (not checked: varies by system)
2          u16     rh_data           offset to data (bytes, or units of 1024 bytes if < 1024)
4          u16     rh_nsamp          samples per trace
6          u16     rh_bits           bits per sample: 8, 16 or 32
8          i16     rh_zero           binary offset of zero, or repeats per sample (SIR-30)
10         f32     rhf_sps           scans per second
14         f32     rhf_spm           scans per metre (0: not survey-wheel triggered)
18         f32     rhf_mpm           metres per mark
22         f32     rhf_position      position of the time window, ns
26         f32     rhf_range         time range of a trace, ns
30         i16     rh_npass          passes (2-D files)
32, 36     u32     rhb_cdt, rhb_mdt  created / modified: bit fields sec/2, min, h, day, mon, yr-1980
40..51     u16 x6  rh_rgain ...      offsets and sizes of gain, text and processing blocks
52         u16     rh_nchan          channels
54         f32     rhf_epsr          relative permittivity used for depth
58         f32     rhf_top           top of the window, m
62         f32     rhf_depth         depth range, m
97         u8      rh_dtype          data type code (0 on the known samples)
98         14 s    rh_antname        antenna model or name
113        u8      vsbyte            system type (bits 3-7) and GPS-capable version (bits 0-2)
114        12 s    rh_name           file name written by the unit
=========  ======  ================  ==========================================================

DZG sidecar: text with ``$GSSIS,<scan>,...`` lines, each followed by the NMEA sentences logged
at that scan (GGA gives position, UTC time and fix quality). DZX sidecar: XML with ``WayPt``
elements (``scan`` plus ``mark`` = ``User`` for operator marks, or ``localCoords`` for distance
waypoints).

References
----------
GSSI, SIR-3000 Operation Manual (MN72-433), appendix "DZT file format" (header fields).
readgssi (I. Nesbitt), ``readgssi/dzt.py`` and ``readgssi/dzx.py``: header offsets and the
big-header rule cross-checked here; ImpDAR ``impdar/lib/load/load_gssi.py`` reads a fixed
147456-byte header and signed samples, which the sample files show to be wrong.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import struct
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.io.formats._common import (
    along_track_distance_m,
    build_scan,
    companion,
    finite_positive,
    interpolate_lon_rows,
    interpolate_rows,
    known_or_none,
    parse_gga,
    reject_options,
    restarts,
)
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

CHANNEL_HEADER_BYTES = 1024
_FIXED = struct.Struct("<HHHHh5fh4s4s7H3f")
_SAMPLE_TYPES: dict[int, np.dtype[Any]] = {
    8: np.dtype("<u1"),
    16: np.dtype("<u2"),
    32: np.dtype("<i4"),
}
#: Samples at the start of each trace that hold the scan counter and the mark word.
HEADER_SAMPLES = 2

#: Centre frequency of GSSI antenna models, MHz (GSSI antenna data sheets).
ANTENNA_MODEL_MHZ = {
    "3101": 900.0,
    "3102": 500.0,
    "3207": 100.0,
    "5100": 1500.0,
    "5103": 400.0,
    "5106": 200.0,
    "50270": 270.0,
    "50300": 300.0,
    "50400": 400.0,
    "62000": 2000.0,
}
#: System type codes of the version byte (GSSI manuals; as tabulated by readgssi).
SYSTEM_NAMES = {
    2: "SIR 2000",
    3: "SIR 3000",
    4: "TerraVision",
    6: "SIR 20",
    7: "StructureScan Mini",
    8: "SIR 4000",
    9: "SIR 30",
    12: "UtilityScan DF",
    13: "HS",
    14: "StructureScan Mini XT",
}


def _decode_date(raw: bytes) -> str | None:
    """ISO date-time of a DZT ``rhb_cdt``-style bit field, or None when unset or invalid."""
    (word,) = struct.unpack("<I", raw)
    if word == 0:
        return None
    try:
        stamp = _dt.datetime(
            1980 + (word >> 25),
            (word >> 21) & 0x0F,
            (word >> 16) & 0x1F,
            (word >> 11) & 0x1F,
            (word >> 5) & 0x3F,
            min(59, (word & 0x1F) * 2),
        )
    except ValueError:
        return None
    return stamp.isoformat()


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()


def antenna_frequency_hz(name: str) -> float:
    """Centre frequency from a GSSI antenna name (``"400MHz"``, ``"5106"``, ``"3101D"``), Hz.

    Parameters
    ----------
    name : str
        The antenna name of the channel header (``rh_antname``).

    Returns
    -------
    float
        Centre frequency, Hz: from an explicit ``MHz``/``GHz`` value, else from the table of
        GSSI antenna model numbers; NaN when unknown.
    """
    match = re.search(r"(\d+(?:\.\d+)?)\s*([MG])Hz", name, re.IGNORECASE)
    if match:
        scale = 1e9 if match.group(2).upper() == "G" else 1e6
        return float(match.group(1)) * scale
    model = re.match(r"\d+", name.strip())
    if model and model.group(0) in ANTENNA_MODEL_MHZ:
        return ANTENNA_MODEL_MHZ[model.group(0)] * 1e6
    return math.nan


def parse_channel_header(block: bytes) -> dict[str, Any]:
    """The fixed fields of one 1024-byte (or at least 128-byte) DZT channel header.

    Parameters
    ----------
    block : bytes
        The header bytes; only the first 128 are read.

    Returns
    -------
    dict
        Field name (the GSSI ``rh_*`` / ``rhf_*`` / ``rhb_*`` names) -> value; dates as ISO
        text, plus ``rh_dtype``, ``rh_antname``, ``rh_system``, ``rh_version``, ``rh_name``.

    Raises
    ------
    ValueError
        If ``block`` is shorter than 128 bytes.
    """
    if len(block) < 128:
        raise ValueError("a DZT channel header needs at least 128 bytes")
    values = _FIXED.unpack_from(block, 0)
    names = (
        "rh_tag",
        "rh_data",
        "rh_nsamp",
        "rh_bits",
        "rh_zero",
        "rhf_sps",
        "rhf_spm",
        "rhf_mpm",
        "rhf_position",
        "rhf_range",
        "rh_npass",
        "rhb_cdt",
        "rhb_mdt",
        "rh_rgain",
        "rh_nrgain",
        "rh_text",
        "rh_ntext",
        "rh_proc",
        "rh_nproc",
        "rh_nchan",
        "rhf_epsr",
        "rhf_top",
        "rhf_depth",
    )
    header = dict(zip(names, values, strict=True))
    header["rhb_cdt"] = _decode_date(header["rhb_cdt"])
    header["rhb_mdt"] = _decode_date(header["rhb_mdt"])
    header["rh_dtype"] = block[97]
    header["rh_antname"] = _text(block[98:112])
    version_byte = block[113]
    header["rh_system"] = version_byte >> 3
    header["rh_version"] = version_byte & 0x07
    header["rh_name"] = _text(block[114:126])
    return header


def data_offset_bytes(rh_data: int, n_channels: int) -> int:
    """Byte offset of the first scan (the big-header rule, see the module docstring).

    Parameters
    ----------
    rh_data : int
        The ``rh_data`` field of the first channel header.
    n_channels : int
        Number of channels (one 1024-byte header each).

    Returns
    -------
    int
        Offset, bytes: ``rh_data * 1024`` when ``rh_data`` < 1024 (it counts headers), else
        ``max(rh_data, 1024 * n_channels)``.
    """
    if rh_data < CHANNEL_HEADER_BYTES:
        return rh_data * CHANNEL_HEADER_BYTES
    return max(rh_data, CHANNEL_HEADER_BYTES * n_channels)


def _plausible(header: dict[str, Any]) -> bool:
    return (
        header["rh_bits"] in _SAMPLE_TYPES
        and 1 <= header["rh_nsamp"] <= 65535
        and 1 <= header["rh_nchan"] <= 16
        and header["rh_data"] > 0
        and math.isfinite(header["rhf_range"])
        and header["rhf_range"] > 0
        and math.isfinite(header["rhf_sps"])
        and header["rhf_sps"] >= 0
        and math.isfinite(header["rhf_spm"])
        and header["rhf_spm"] >= 0
    )


# -- sidecars ---------------------------------------------------------------------------------
def read_dzg(path: Path, n_traces: int) -> dict[str, Any] | None:
    """Per-trace positions from a DZG GPS sidecar, or None when it holds no usable fix.

    Each ``$GSSIS,<scan>`` line is paired with the first GGA sentence after it and before the
    next ``$GSSIS``; a ``$GSSIS`` with no (valid) GGA is skipped, as are bad checksums, so a
    truncated sidecar yields the fixes it still holds.

    Parameters
    ----------
    path : Path
        The ``.DZG`` file.
    n_traces : int
        Traces in the DZT file; records with a scan number beyond ``4 * n_traces`` are
        ignored as implausible.

    Returns
    -------
    dict or None
        ``scan`` (n_fixes,), ``lat_deg``, ``lon_deg``, ``alt_m``, ``utc_seconds_of_day``,
        ``fix_quality``, and ``n_skipped`` (``$GSSIS`` records without a usable GGA).

    Raises
    ------
    FormatError
        If the file cannot be read, or its scan numbers go back (a merged line whose fixes
        cannot be told apart).
    """
    try:
        text = path.read_bytes().decode("ascii", errors="replace")
    except OSError as error:
        raise FormatError(f"cannot read the GPS sidecar {path}: {error}") from None
    records: list[tuple[int, Any]] = []
    current: int | None = None
    have_fix = False
    n_skipped = 0
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("$GSSIS"):
            if current is not None and not have_fix:
                n_skipped += 1
            fields = line.split(",")
            try:
                current = int(fields[1])
            except (IndexError, ValueError):
                current = None
                n_skipped += 1
            have_fix = False
        elif current is not None and not have_fix and "GGA" in line[:7]:
            fix = parse_gga(line)
            if fix is not None:
                records.append((current, fix))
                have_fix = True
    if current is not None and not have_fix:
        n_skipped += 1
    records = [(scan, fix) for scan, fix in records if 0 <= scan < max(n_traces, 1) * 4]
    if not records:
        return None
    back = restarts(np.array([scan for scan, _ in records]))
    if back.size:
        raise FormatError(
            f"{path} restarts its scan count (scan {records[back[0]][0]} follows scan "
            f"{records[back[0] - 1][0]}), so its fixes cannot be matched to the radar scans; "
            "move it away to read the line without positions"
        )
    records.sort(key=lambda item: item[0])
    scans = np.array([scan for scan, _ in records], dtype=np.int64)
    keep = np.concatenate([[True], np.diff(scans) > 0])  # a scan logged twice: keep the first
    fixes = [fix for (_, fix), k in zip(records, keep, strict=True) if k]
    return {
        "scan": scans[keep],
        "lat_deg": np.array([f.lat_deg for f in fixes]),
        "lon_deg": np.array([f.lon_deg for f in fixes]),
        "alt_m": np.array([f.alt_m for f in fixes]),
        "utc_seconds_of_day": np.array([f.utc_seconds_of_day for f in fixes]),
        "fix_quality": np.array([f.fix_quality for f in fixes], dtype=np.int64),
        "n_skipped": n_skipped,
    }


def read_dzx(path: Path) -> dict[str, Any]:
    """User marks and distance waypoints from a DZX XML sidecar.

    Parameters
    ----------
    path : Path
        The ``.DZX`` file.

    Returns
    -------
    dict
        ``marks``: list of (scan, name) of ``WayPt`` elements marked ``User``;
        ``waypoints``: list of (scan, x_m) from ``WayPt`` elements with ``localCoords``.
    """
    try:
        root = ElementTree.parse(path).getroot()
    except (ElementTree.ParseError, OSError) as error:
        raise FormatError(f"the marks sidecar {path} is not readable XML ({error})") from None
    marks: list[tuple[int, str]] = []
    waypoints: list[tuple[int, float]] = []
    for element in root.iter():
        if not element.tag.endswith("WayPt"):
            continue
        fields = {child.tag.rsplit("}", 1)[-1]: (child.text or "").strip() for child in element}
        try:
            scan = int(fields.get("scan", ""))
        except ValueError:
            continue
        if fields.get("mark", "").lower() == "user":
            marks.append((scan, fields.get("name", "")))
        coords = fields.get("localCoords")
        if coords and "mark" not in fields:
            try:
                waypoints.append((scan, float(coords.split(",")[0])))
            except ValueError:
                continue
    return {"marks": marks, "waypoints": sorted(set(waypoints))}


def _time_zero_s(channel_header: dict[str, Any], range_ns: float) -> float:
    """Time zero within the window: ``-rhf_position`` when it falls inside the window, else 0.

    ``rhf_position`` is the setting that moves the transmit pulse within the scan window
    (negative when the window starts before it).
    """
    position_ns = float(channel_header["rhf_position"])
    if math.isfinite(position_ns) and 0.0 <= -position_ns < range_ns:
        return -position_ns * 1e-9
    return 0.0


# -- the plugin -------------------------------------------------------------------------------
class GssiDztFormat(FormatPlugin):
    """GSSI DZT (8/16/32-bit, any channel count) with optional DZG GPS and DZX marks."""

    name = "gssi-dzt"
    extensions = ("dzt",)
    description = "GSSI SIR DZT radar file (+ .DZG GPS, + .DZX marks)"

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        if len(head_bytes) < 128:
            return False
        try:
            header = parse_channel_header(head_bytes[:128])
        except (ValueError, struct.error):
            return False
        return _plausible(header)

    def read(
        self,
        path: Path,
        *,
        allow_partial: bool = False,
        gps: bool = True,
        marks_from_data: bool = True,
        **options: Any,
    ) -> list[GprScan]:
        """Read every channel of a DZT file.

        Parameters
        ----------
        path : Path
            The ``.DZT`` file (any letter case); ``.DZG`` / ``.DZX`` next to it are used.
        allow_partial : bool
            Drop an incomplete last scan instead of raising FormatError.
        gps : bool
            Use the DZG sidecar when present.
        marks_from_data : bool
            Take marks from the mark word of each trace (ignored when every trace has one).
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            One scan per radar channel (``gpr0``, ``gpr1`` ...), ``data`` of shape
            (n_traces, n_samples) in the file's sample type.
        """
        reject_options(self.name, options)
        try:
            size = path.stat().st_size
            with open(path, "rb") as stream:
                first = stream.read(CHANNEL_HEADER_BYTES)
        except OSError as error:
            raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
        if len(first) < 128:
            raise FormatError(
                f"{path} is truncated: a DZT header needs 128 bytes, the file has {len(first)}"
            )
        header = parse_channel_header(first)
        if not _plausible(header):
            raise FormatError(
                f"{path} does not have a valid DZT header (bits {header['rh_bits']}, "
                f"{header['rh_nsamp']} samples, {header['rh_nchan']} channels, "
                f"range {header['rhf_range']} ns)"
            )
        n_channels = int(header["rh_nchan"])
        n_samples = int(header["rh_nsamp"])
        dtype = _SAMPLE_TYPES[int(header["rh_bits"])]
        offset = data_offset_bytes(int(header["rh_data"]), n_channels)
        scan_bytes = n_channels * n_samples * dtype.itemsize
        if size < offset:
            raise FormatError(
                f"{path} is truncated: its header says data start at byte {offset}, "
                f"but the file has only {size} bytes"
            )
        n_scans, remainder = divmod(size - offset, scan_bytes)
        if remainder and not allow_partial:
            raise FormatError(
                f"{path} is truncated or its header contradicts its size: {size - offset} data "
                f"bytes are not a whole number of {scan_bytes}-byte scans ({n_channels} channel(s) "
                f"x {n_samples} samples x {dtype.itemsize} bytes); reading it "
                "partially (allow_partial=True) keeps the complete scans",
                parameter="allow_partial",
            )
        if n_scans == 0:
            raise FormatError(f"{path} holds a DZT header but no complete scan")
        channel_headers = [header]
        try:
            with open(path, "rb") as stream:
                for channel in range(1, n_channels):
                    stream.seek(channel * CHANNEL_HEADER_BYTES)
                    block = stream.read(128)
                    channel_headers.append(
                        parse_channel_header(block) if len(block) == 128 else header
                    )
            count = n_scans * n_channels * n_samples
            raw = np.fromfile(path, dtype=dtype, count=count, offset=offset)
        except OSError as error:
            raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
        if raw.size != n_scans * n_channels * n_samples:
            raise FormatError(f"{path} changed or was cut while it was being read")
        cube = raw.reshape(n_scans, n_channels, n_samples)

        sidecars = self._sidecars(path, n_scans, header, gps=gps)
        scans = []
        for channel in range(n_channels):
            data = np.ascontiguousarray(cube[:, channel, :])
            scans.append(
                self._scan(
                    path, channel, data, header, channel_headers[channel], sidecars, marks_from_data
                )
            )
        return scans

    # -- pieces -------------------------------------------------------------------------------
    def _sidecars(
        self, path: Path, n_scans: int, header: dict[str, Any], *, gps: bool
    ) -> dict[str, Any]:
        found: dict[str, Any] = {"marks": [], "waypoints": [], "gps": None}
        dzx = companion(path, "dzx")
        if dzx is not None:
            found.update(read_dzx(dzx))
            found["dzx_file"] = dzx.name
        dzg = companion(path, "dzg") if gps else None
        if dzg is not None:
            found["gps"] = read_dzg(dzg, n_scans)
            found["dzg_file"] = dzg.name
        return found

    def _scan(
        self,
        path: Path,
        channel: int,
        data: npt.NDArray[Any],
        header: dict[str, Any],
        channel_header: dict[str, Any],
        sidecars: dict[str, Any],
        marks_from_data: bool,
    ) -> GprScan:
        n_traces, n_samples = data.shape
        range_ns = float(channel_header["rhf_range"])
        if not (math.isfinite(range_ns) and range_ns > 0):
            range_ns = float(header["rhf_range"])
        sample_interval_s = range_ns * 1e-9 / n_samples
        sps = finite_positive(header["rhf_sps"])
        spm = finite_positive(header["rhf_spm"])
        extra: dict[str, Any] = {
            key: value for key, value in channel_header.items() if not key.startswith("_")
        }
        extra.update(
            channel=channel,
            data_offset_bytes=data_offset_bytes(int(header["rh_data"]), int(header["rh_nchan"])),
            system=SYSTEM_NAMES.get(int(header["rh_system"]), "unknown"),
            header_samples=HEADER_SAMPLES,
            sample_interval_rule="rhf_range / rh_nsamp",
        )

        marks: set[int] = set()
        if marks_from_data and n_samples > 1:
            marked = np.flatnonzero(data[:, 1])
            if 0 < marked.size < n_traces:
                marks.update(int(i) for i in marked)
        dzx_marks = [scan for scan, _ in sidecars["marks"] if 0 <= scan < n_traces]
        marks.update(dzx_marks)
        if sidecars.get("dzx_file"):
            extra["dzx_file"] = sidecars["dzx_file"]
            extra["dzx_user_marks"] = len(dzx_marks)

        distance_m = None
        distance_source = None
        lat = lon = trace_time = None
        gps = sidecars["gps"]
        if gps is not None:
            extra["dzg_file"] = sidecars["dzg_file"]
            extra["gps_fixes"] = int(gps["scan"].size)
            extra["gps_records_without_fix"] = int(gps["n_skipped"])
            extra["gps_fix_quality_max"] = int(gps["fix_quality"].max())
            extra["position_rule"] = "linear between fixes, NaN outside them"
            lat = known_or_none(interpolate_rows(gps["scan"], gps["lat_deg"], n_traces))
            if lat is not None:
                lon = interpolate_lon_rows(gps["scan"], gps["lon_deg"], n_traces)
            seconds = gps["utc_seconds_of_day"]
            created = header.get("rhb_cdt")
            if lat is not None and created and np.isfinite(seconds).all() and seconds.size >= 1:
                day = _dt.datetime.fromisoformat(created).replace(
                    hour=0, minute=0, second=0, tzinfo=_dt.UTC
                )
                unwrapped = seconds + 86400.0 * np.concatenate(
                    [[0], np.cumsum(np.diff(seconds) < -43200)]
                )
                trace_time = day.timestamp() + interpolate_rows(gps["scan"], unwrapped, n_traces)
        waypoints = [(s, x) for s, x in sidecars["waypoints"]]
        if len(waypoints) >= 2:
            index = np.array([s for s, _ in waypoints], dtype=np.float64)
            values = np.array([x for _, x in waypoints], dtype=np.float64)
            if np.all(np.diff(index) > 0):
                distance_m = known_or_none(interpolate_rows(index, values, n_traces))
                distance_source = "dzx waypoints"
        if distance_m is None and lat is not None and int(gps["fix_quality"].max()) > 0:
            good = gps["fix_quality"] > 0
            if good.sum() >= 2:
                along = along_track_distance_m(gps["lat_deg"][good], gps["lon_deg"][good])
                distance_m = known_or_none(interpolate_rows(gps["scan"][good], along, n_traces))
                distance_source = "dzg gps"
        if distance_m is None and spm is not None:
            distance_m = np.arange(n_traces, dtype=np.float64) / spm
            distance_source = "rhf_spm"
        extra["distance_source"] = distance_source

        antenna = str(channel_header["rh_antname"])
        return build_scan(
            path,
            first_data_sample=HEADER_SAMPLES,
            data=data,
            header=dict(
                sample_interval_s=sample_interval_s,
                center_frequency_hz=antenna_frequency_hz(antenna),
                time_zero_s=_time_zero_s(channel_header, range_ns),
                trace_step_m=None if spm is None else 1.0 / spm,
                traces_per_s=sps,
                antenna=antenna,
                source_format=self.name,
                extra=extra,
            ),
            distance_m=distance_m,
            trace_time_s=trace_time,
            lat_deg=lat,
            lon_deg=lon,
            marks=tuple(sorted(marks)),
            name=f"gpr{channel}",
        )
