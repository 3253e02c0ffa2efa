"""MALA RAMAC / ProEx / GX files: RD3 (int16) or RD7 (int32) traces + RAD header (+ COR).

The ``.rad`` header is text of ``KEY:value`` lines (``SAMPLES``, ``FREQUENCY`` = sampling
frequency in MHz, ``LAST TRACE`` = number of traces, ``DISTANCE FLAG`` / ``DISTANCE INTERVAL``
for wheel-triggered lines, ``TIME FLAG`` / ``TIME INTERVAL`` for timed ones, ``ANTENNAS`` ...).
The data file has no header: ``LAST TRACE`` traces of ``SAMPLES`` little-endian samples, int16 in
``.rd3`` and int32 in ``.rd7``. The optional ``.cor`` file lists GNSS fixes, one per line:
trace number (1-based), date, time, latitude, N/S, longitude, E/W, altitude, unit, accuracy.

References
----------
MALA Geoscience, "RAMAC/GPR file formats" (rad/rd3/cor description in the MALA software
manuals). ImpDAR ``impdar/lib/load/load_ramac.py`` and RGPR ``readRD3`` read the same layout.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.io.formats._common import (
    along_track_distance_m,
    build_scan,
    check_data_size,
    companion,
    finite_positive,
    header_and_data,
    header_field,
    header_number,
    interpolate_lon_rows,
    interpolate_rows,
    known_or_none,
    read_array,
    read_text,
    reject_options,
    restarts,
)
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

_SAMPLE_TYPES: dict[str, np.dtype[Any]] = {".rd3": np.dtype("<i2"), ".rd7": np.dtype("<i4")}


def parse_rad(text: str) -> dict[str, Any]:
    """The ``KEY:value`` fields of a MALA ``.rad`` header (numbers as float).

    Parameters
    ----------
    text : str
        The header's text.

    Returns
    -------
    dict
        Upper-case key -> value (float when numeric, else text).
    """
    fields: dict[str, Any] = {}
    for raw in text.splitlines():
        field = header_field(raw, ":")
        if field is not None:
            fields[field[0]] = field[1]
    return fields


def read_cor(path: Path) -> dict[str, npt.NDArray[Any]] | None:
    """Fixes of a MALA ``.cor`` file: ``trace`` (1-based), ``lat_deg``, ``lon_deg``, ``alt_m``,
    ``time_s`` (Unix s, NaN when unreadable). Unparseable lines are skipped.

    Parameters
    ----------
    path : Path
        The ``.cor`` file.

    Returns
    -------
    dict of str to ndarray, shape (n_fixes,), or None
        The fixes; None when no line could be parsed.

    Raises
    ------
    FormatError
        If the file cannot be read, or its trace numbers go back (a merged line whose fixes
        cannot be told apart).
    """
    try:
        lines = path.read_bytes().decode("latin-1").splitlines()
    except OSError as error:
        raise FormatError(f"cannot read the coordinate file {path}: {error}") from None
    rows: list[tuple[int, float, float, float, float]] = []
    for line in lines:
        parts = line.split()
        if len(parts) < 7:
            continue
        try:
            trace = int(parts[0])
            lat = float(parts[3]) * (-1.0 if parts[4].upper() == "S" else 1.0)
            lon = float(parts[5]) * (-1.0 if parts[6].upper() == "W" else 1.0)
        except ValueError:
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        try:
            alt = float(parts[7]) if len(parts) > 7 else math.nan
        except ValueError:
            alt = math.nan
        try:
            stamp = _dt.datetime.fromisoformat(f"{parts[1]}T{parts[2]}").replace(tzinfo=_dt.UTC)
            seconds = stamp.timestamp()
        except ValueError:
            seconds = math.nan
        rows.append((trace, lat, lon, alt, seconds))
    if not rows:
        return None
    back = restarts(np.array([row[0] for row in rows]))
    if back.size:
        raise FormatError(
            f"{path} restarts its trace numbers (trace {rows[back[0]][0]} follows trace "
            f"{rows[back[0] - 1][0]}), so its fixes cannot be matched to the radar traces; "
            "move it away to read the line without positions"
        )
    rows.sort(key=lambda row: row[0])
    table = np.array(rows, dtype=np.float64)
    keep = np.concatenate([[True], np.diff(table[:, 0]) > 0])
    table = table[keep]
    return {
        "trace": table[:, 0].astype(np.int64),
        "lat_deg": table[:, 1],
        "lon_deg": table[:, 2],
        "alt_m": table[:, 3],
        "time_s": table[:, 4],
    }


def _rad_number(fields: dict[str, Any], key: str, path: Path) -> float:
    return header_number(fields, key, path, separator=":")


class MalaRamacFormat(FormatPlugin):
    """MALA RD3 / RD7 + RAD (+ COR coordinates)."""

    name = "mala-rd3"
    extensions = ("rd3", "rd7", "rad")
    description = "MALA RAMAC .rd3 (int16) / .rd7 (int32) traces with .rad header (+ .cor)"

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        suffix = path.suffix.lower()
        if suffix == ".rad" or head_bytes[:8].upper() == b"SAMPLES:":
            text = head_bytes.decode("latin-1").upper()
            return "SAMPLES:" in text and "FREQUENCY:" in text and b"\x00" not in head_bytes
        if suffix not in _SAMPLE_TYPES:
            return False
        rad = companion(path, "rad")
        if rad is None:
            return False
        try:
            fields = parse_rad(rad.read_bytes()[:8192].decode("latin-1"))
        except OSError:
            return False
        return isinstance(fields.get("SAMPLES"), float) and "LAST TRACE" in fields

    def read(self, path: Path, *, gps: bool = True, **options: Any) -> list[GprScan]:
        """Read the line; ``path`` may name the ``.rd3``/``.rd7`` or the ``.rad`` file.

        Parameters
        ----------
        path : Path
            The ``.rd3``, ``.rd7`` or ``.rad`` file; the other one must be next to it.
        gps : bool
            Read positions from the ``.cor`` file next to it, if there is one.
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            The line as one scan, ``data`` of shape (n_traces, n_samples) in the file's sample
            type.
        """
        reject_options(self.name, options)
        rad_path, data_path = header_and_data(path, "rad", ("rd3", "rd7"), "MALA")
        sample_type = _SAMPLE_TYPES.get(data_path.suffix.lower())
        if sample_type is None:
            raise FormatError(
                f"{data_path} is not a MALA data file (expected the extension .rd3 or .rd7)"
            )
        fields = parse_rad(read_text(rad_path))
        n_samples = int(_rad_number(fields, "SAMPLES", rad_path))
        n_traces = int(_rad_number(fields, "LAST TRACE", rad_path))
        frequency_mhz = _rad_number(fields, "FREQUENCY", rad_path)
        if n_samples < 1 or n_traces < 1 or not frequency_mhz > 0:
            raise FormatError(
                f"{rad_path} gives impossible values ({n_samples} samples, {n_traces} traces, "
                f"sampling frequency {frequency_mhz} MHz)"
            )
        try:
            size = data_path.stat().st_size
        except OSError as error:
            raise FormatError(f"cannot read {data_path}: {error.strerror or error}") from None
        expected = n_traces * n_samples * sample_type.itemsize
        check_data_size(data_path, rad_path, n_traces, n_samples, expected, size)
        data = read_array(data_path, sample_type, n_traces * n_samples)
        data = data.reshape(n_traces, n_samples)
        return [self._scan(data_path, rad_path, fields, data, frequency_mhz, gps=gps)]

    def _scan(
        self,
        data_path: Path,
        rad_path: Path,
        fields: dict[str, Any],
        data: npt.NDArray[Any],
        frequency_mhz: float,
        *,
        gps: bool,
    ) -> GprScan:
        n_traces = data.shape[0]
        extra: dict[str, Any] = dict(fields)
        extra["rad_file"] = rad_path.name
        extra["sample_interval_rule"] = "1 / FREQUENCY"
        distance_m = None
        trace_step_m = None
        traces_per_s = None
        if fields.get("DISTANCE FLAG") == 1.0:
            step = finite_positive(fields.get("DISTANCE INTERVAL", 0.0))
            if step is not None:
                trace_step_m = step
                start = fields.get("START POSITION", 0.0)
                start = start if isinstance(start, float) and math.isfinite(start) else 0.0
                distance_m = start + np.arange(n_traces, dtype=np.float64) * step
                extra["distance_source"] = "DISTANCE INTERVAL"
        if fields.get("TIME FLAG") == 1.0:
            interval = finite_positive(fields.get("TIME INTERVAL", 0.0))
            traces_per_s = None if interval is None else 1.0 / interval
        lat = lon = trace_time = None
        cor_path = companion(data_path, "cor") if gps else None
        if cor_path is not None:
            cor = read_cor(cor_path)
            if cor is not None:
                index = cor["trace"].astype(np.float64) - 1.0
                lat = known_or_none(interpolate_rows(index, cor["lat_deg"], n_traces))
                lon = None if lat is None else interpolate_lon_rows(index, cor["lon_deg"], n_traces)
                if lat is not None and np.isfinite(cor["time_s"]).all():
                    trace_time = interpolate_rows(index, cor["time_s"], n_traces)
                extra["cor_file"] = cor_path.name
                extra["cor_fixes"] = int(index.size)
                extra["cor_traces_beyond_data"] = int(np.sum(cor["trace"] > n_traces))
                extra["position_rule"] = "linear between fixes, NaN outside them"
                if lat is not None and distance_m is None and index.size >= 2:
                    along = along_track_distance_m(cor["lat_deg"], cor["lon_deg"])
                    distance_m = interpolate_rows(index, along, n_traces)
                    extra["distance_source"] = "cor gps"
        antenna = str(fields.get("ANTENNAS", ""))
        match = re.match(r"\s*(\d+(?:\.\d+)?)", antenna)
        center_hz = float(match.group(1)) * 1e6 if match else math.nan
        return build_scan(
            data_path,
            data=data,
            header=dict(
                sample_interval_s=1e-6 / frequency_mhz,
                center_frequency_hz=center_hz,
                time_zero_s=0.0,
                time_zero_stated=False,
                trace_step_m=trace_step_m,
                traces_per_s=traces_per_s,
                antenna=antenna,
                source_format=self.name,
                extra=extra,
            ),
            distance_m=distance_m,
            trace_time_s=trace_time,
            lat_deg=lat,
            lon_deg=lon,
            name="gpr0",
        )
