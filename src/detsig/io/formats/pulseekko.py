"""Sensors & Software pulseEKKO files: DT1 traces + HD text header (+ GPS sidecar).

The ``.HD`` header is text: a file tag line (``1234``), free text, the date, then
``KEY = value`` lines (``NUMBER OF TRACES``, ``NUMBER OF PTS/TRC``, ``TOTAL TIME WINDOW`` in ns,
``TIMEZERO AT POINT``, ``STEP SIZE USED``, ``POSITION UNITS``, ``NOMINAL FREQUENCY`` in MHz ...).
The ``.DT1`` file is a sequence of traces, each a 128-byte header of 25 little-endian float32
words plus a 28-byte comment, followed by the samples (int16, or int32 when the header's
bytes-per-point word says 4):

====  =========================  ====  ======================================
word  field                      word  field
====  =========================  ====  ======================================
0     trace number (1-based)     8-13  GPS x, y, z (three float64)
1     position (POSITION UNITS)  14-19 receiver / transmitter x, y, z
2     points per trace           20    time-zero adjustment
3     topography                 21    zero flag (1 = trace is zeros)
5     bytes per point            23    time of day, s after midnight
6     time window, ns            24    comment flag
7     number of stacks
====  =========================  ====  ======================================

A ``.GPS`` sidecar holds ``Trace #N at position X`` lines each followed by an NMEA GGA sentence.
Positions are interpolated linearly between fixes and are NaN outside them; a merged line whose
``.GPS`` restarts its trace count is mapped as :func:`gps_rows` says, or refused.

References
----------
Sensors & Software, "pulseEKKO PRO User's Guide", appendix "Data file formats" (DT1/HD).
GPRPy (A. Plattner), ``gprpy/toolbox/gprIO_DT1.py``; ImpDAR ``impdar/lib/load/load_pulse_ekko.py``
(which reads the time window from trace-header word 8, a GPS word, instead of word 6).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.io.formats._common import (
    LENGTH_UNITS_M,
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
    parse_gga,
    read_array,
    read_text,
    reject_options,
    restarts,
)
from detsig.io.formats.registry import FormatPlugin
from detsig.model import GprScan

TRACE_HEADER_BYTES = 128
_HEADER_WORDS = np.dtype(("<f4", (32,)))
_TRACE_RE = re.compile(
    r"Trace\s*#?\s*(\d+)(?:\s+at\s+position\s+([-+]?[0-9.]+(?:[eE][-+]?\d+)?))?",
    re.IGNORECASE,
)


def parse_hd(text: str) -> dict[str, Any]:
    """The ``KEY = value`` fields of a pulseEKKO ``.HD`` header (numbers as float), plus
    ``_lines`` (the other lines) and ``_date`` (ISO date when one is found).

    Parameters
    ----------
    text : str
        The header's text.

    Returns
    -------
    dict
        Key -> value (float when numeric, else text), ``_lines`` and possibly ``_date``.
    """
    fields: dict[str, Any] = {}
    other: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        field = header_field(line, "=")
        if field is not None:
            fields[field[0]] = field[1]
        else:
            other.append(line)
            match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", line) or re.fullmatch(
                r"(\d{2})/(\d{2})/(\d{4})", line
            )
            if match and "_date" not in fields:
                groups = match.groups()
                year, month, day = (
                    (groups[0], groups[1], groups[2])
                    if len(groups[0]) == 4
                    else (groups[2], groups[1], groups[0])
                )
                with contextlib.suppress(ValueError):
                    fields["_date"] = _dt.date(int(year), int(month), int(day)).isoformat()
    fields["_lines"] = other
    return fields


def read_gps_sidecar(path: Path) -> dict[str, npt.NDArray[Any]] | None:
    """Trace numbers (1-based) with their GGA position from a pulseEKKO ``.GPS`` file.

    Parameters
    ----------
    path : Path
        The ``.GPS`` file (``Trace #N at position X`` lines each followed by an NMEA GGA
        sentence).

    Returns
    -------
    dict of str to ndarray, shape (n_fixes,), or None
        ``trace``, ``position`` (the ``at position`` value in the line's POSITION UNITS, NaN
        when absent), ``lat_deg``, ``lon_deg`` (deg) and ``fix_quality``, **in file order**
        (a merged line restarts its trace count); None when the file holds no valid fix.

    Raises
    ------
    FormatError
        If the file cannot be read.
    """
    try:
        text = path.read_bytes().decode("ascii", errors="replace")
    except OSError as error:
        raise FormatError(f"cannot read the GPS sidecar {path}: {error}") from None
    traces: list[int] = []
    positions: list[float] = []
    fixes: list[Any] = []
    current: int | None = None
    position = math.nan
    for line in text.splitlines():
        match = _TRACE_RE.search(line)
        if match:
            current = int(match.group(1))
            position = float(match.group(2)) if match.group(2) else math.nan
            continue
        if current is not None and "GGA" in line:
            fix = parse_gga(line)
            if fix is not None:
                traces.append(current)
                positions.append(position)
                fixes.append(fix)
            current = None
    if not fixes:
        return None
    return {
        "trace": np.asarray(traces, np.int64),
        "position": np.asarray(positions, np.float64),
        "lat_deg": np.array([f.lat_deg for f in fixes]),
        "lon_deg": np.array([f.lon_deg for f in fixes]),
        "fix_quality": np.array([f.fix_quality for f in fixes]),
    }


def gps_rows(
    track: dict[str, npt.NDArray[Any]], words: npt.NDArray[np.float32], gps_path: Path
) -> tuple[npt.NDArray[np.float64], str]:
    """The DT1 row (0-based) of every fix of a ``.GPS`` sidecar, and the rule that found it.

    A single line numbers its fixes like its traces: row = trace number - 1. A merged line
    whose ``.GPS`` restarts its trace count is mapped run by run when the DT1 trace numbers
    restart at as many places (fix *k* of run *j* goes to the DT1 trace of run *j* with that
    number), else by the ``at position`` value when those positions keep growing across the
    restarts and match DT1 trace positions. A fix that matches no trace gets row NaN.

    Parameters
    ----------
    track : dict of str to ndarray
        :func:`read_gps_sidecar` output (file order).
    words : ndarray of float32, shape (n_traces, 32)
        The DT1 trace headers (word 0 trace number, word 1 position).
    gps_path : Path
        The sidecar, for messages.

    Returns
    -------
    rows : ndarray of float64, shape (n_fixes,)
    rule : str

    Raises
    ------
    FormatError
        The sidecar restarts its trace count and neither rule can place its fixes.
    """
    numbers = track["trace"]
    back = restarts(numbers)
    if back.size == 0:
        return numbers.astype(np.float64) - 1.0, "trace number"
    dt1_numbers = words[:, 0].astype(np.int64)
    dt1_back = restarts(dt1_numbers)
    rows = np.full(numbers.size, np.nan)
    if dt1_back.size == back.size:
        gps_runs = np.split(np.arange(numbers.size), back)
        dt1_runs = np.split(np.arange(dt1_numbers.size), dt1_back)
        for fixes, traces in zip(gps_runs, dt1_runs, strict=True):
            where = {int(n): int(row) for row, n in zip(traces, dt1_numbers[traces], strict=True)}
            rows[fixes] = [where.get(int(n), np.nan) for n in numbers[fixes]]
        return rows, "trace number within each merged part"
    fix_position = track["position"]
    dt1_position = words[:, 1].astype(np.float64)
    steps = np.diff(dt1_position)
    if (
        np.isfinite(fix_position).all()
        and np.all(np.diff(fix_position) >= 0)
        and dt1_position.size >= 2
        and np.all(steps > 0)
    ):
        tolerance = 0.5 * float(steps.min())
        nearest = np.clip(np.searchsorted(dt1_position, fix_position), 1, dt1_position.size - 1)
        left = nearest - 1
        pick = np.where(
            np.abs(dt1_position[left] - fix_position)
            <= np.abs(dt1_position[nearest] - fix_position),
            left,
            nearest,
        )
        close = np.abs(dt1_position[pick] - fix_position) <= tolerance
        rows[close] = pick[close]
        return rows, "trace position"
    first = int(back[0])
    raise FormatError(
        f"{gps_path} restarts its trace count (trace #{numbers[first]} follows trace "
        f"#{numbers[first - 1]}) and neither the DT1 trace numbers nor the positions tell which "
        "traces its later fixes belong to; move it away to read the line without positions"
    )


def _antenna(fields: dict[str, Any]) -> str:
    """The free-text line after the file tag (the system, e.g. ``Data Collected with pE PRO``)."""
    lines = [line for line in fields.get("_lines", []) if line != "1234"]
    return lines[0] if lines else ""


class PulseEkkoFormat(FormatPlugin):
    """pulseEKKO DT1 + HD (+ GPS)."""

    name = "pulseekko-dt1"
    extensions = ("dt1", "hd")
    description = "Sensors & Software pulseEKKO .DT1 traces with .HD header (+ .GPS)"

    def sniff(self, path: Path, head_bytes: bytes) -> bool:
        if path.suffix.lower() == ".hd" or head_bytes[:4] == b"1234":
            text = head_bytes.decode("latin-1")
            return "NUMBER OF PTS/TRC" in text.upper() and b"\x00" not in head_bytes
        if len(head_bytes) < TRACE_HEADER_BYTES:
            return False
        words = np.frombuffer(head_bytes[:100], dtype="<f4")
        with np.errstate(all="ignore"):
            plausible = (
                np.isfinite(words[:8]).all()
                and words[0] >= 0
                and float(words[2]).is_integer()
                and 1 <= words[2] <= 65535
                and words[5] in (2.0, 4.0)
            )
        return bool(plausible) and companion(path, "hd") is not None

    def read(self, path: Path, *, gps: bool = True, **options: Any) -> list[GprScan]:
        """Read the line; ``path`` may name the ``.DT1`` or the ``.HD`` file.

        Parameters
        ----------
        path : Path
            The ``.DT1`` or ``.HD`` file; the other one must be next to it.
        gps : bool
            Read positions from the ``.GPS`` file next to it, if there is one.
        **options
            None are accepted; any given raises FormatError.

        Returns
        -------
        list of GprScan
            The line as one scan, ``data`` of shape (n_traces, n_samples) in the file's sample
            type.
        """
        reject_options(self.name, options)
        hd_path, dt1_path = header_and_data(path, "HD", ("DT1",), "pulseEKKO")
        fields = parse_hd(read_text(hd_path))
        n_traces = int(header_number(fields, "NUMBER OF TRACES", hd_path))
        n_samples = int(header_number(fields, "NUMBER OF PTS/TRC", hd_path))
        window_ns = header_number(fields, "TOTAL TIME WINDOW", hd_path)
        if n_traces < 1 or n_samples < 1 or not window_ns > 0:
            raise FormatError(
                f"{hd_path} gives impossible sizes ({n_traces} traces, {n_samples} points, "
                f"{window_ns} ns window)"
            )
        try:
            size = dt1_path.stat().st_size
            with open(dt1_path, "rb") as stream:
                first = stream.read(TRACE_HEADER_BYTES)
        except OSError as error:
            raise FormatError(f"cannot read {dt1_path}: {error.strerror or error}") from None
        if len(first) < TRACE_HEADER_BYTES:
            raise FormatError(f"{dt1_path} is truncated: it does not hold one trace header")
        bytes_per_point = float(np.frombuffer(first, "<f4")[5])
        if bytes_per_point not in (2.0, 4.0):
            raise FormatError(
                f"{dt1_path} has {bytes_per_point} bytes per point in its first trace header; "
                "detsig reads 2 (int16) or 4 (int32)"
            )
        sample_type = np.dtype("<i2") if bytes_per_point == 2.0 else np.dtype("<i4")
        record = np.dtype([("header", _HEADER_WORDS), ("data", sample_type, (n_samples,))])
        expected = n_traces * record.itemsize
        check_data_size(
            dt1_path, hd_path, n_traces, n_samples, expected, size, samples_word="points"
        )
        records = read_array(dt1_path, record, n_traces)
        words = records["header"]
        if not np.array_equal(words[:, 2], np.full(n_traces, float(n_samples), np.float32)):
            bad = int(np.flatnonzero(words[:, 2] != n_samples)[0])
            raise FormatError(
                f"{dt1_path} contradicts its header: trace {bad + 1} claims {words[bad, 2]} "
                f"points, {hd_path.name} says {n_samples}"
            )
        if not np.all(words[:, 5] == bytes_per_point):
            raise FormatError(f"{dt1_path} mixes traces of different sample sizes")
        data = np.ascontiguousarray(records["data"])
        return [self._scan(dt1_path, hd_path, fields, data, words, window_ns, gps=gps)]

    def _scan(
        self,
        dt1_path: Path,
        hd_path: Path,
        fields: dict[str, Any],
        data: npt.NDArray[Any],
        words: npt.NDArray[np.float32],
        window_ns: float,
        *,
        gps: bool,
    ) -> GprScan:
        n_traces, n_samples = data.shape
        sample_interval_s = window_ns * 1e-9 / n_samples
        unit_text = str(fields.get("POSITION UNITS", "m")).strip().lower()
        unit_m = LENGTH_UNITS_M.get(unit_text)
        extra: dict[str, Any] = {
            key: value for key, value in fields.items() if not key.startswith("_")
        }
        extra["header_lines"] = fields.get("_lines", [])
        extra["hd_file"] = hd_path.name
        extra["trace_header_time_window_ns"] = float(words[0, 6])
        extra["sample_interval_rule"] = "TOTAL TIME WINDOW / NUMBER OF PTS/TRC"
        distance_m = None
        step = fields.get("STEP SIZE USED")
        trace_step_m = None
        if unit_m is not None:
            positions = words[:, 1].astype(np.float64)
            if np.isfinite(positions).all() and np.ptp(positions) > 0:
                distance_m = positions * unit_m
            if isinstance(step, float):
                trace_step_m = finite_positive(step * unit_m)
        else:
            extra["position_units_unknown"] = unit_text
        time_of_day = words[:, 23].astype(np.float64)
        trace_time_s = None
        date = fields.get("_date")
        in_day = np.isfinite(time_of_day).all() and np.all(
            (time_of_day >= 0) & (time_of_day < 2 * 86400)
        )
        if date and in_day:
            midnight = _dt.datetime.fromisoformat(date).replace(tzinfo=_dt.UTC).timestamp()
            trace_time_s = midnight + time_of_day
        zero_point = fields.get("TIMEZERO AT POINT")
        time_zero_s = 0.0
        time_zero_stated = isinstance(zero_point, float) and 1.0 <= zero_point <= n_samples
        if isinstance(zero_point, float) and time_zero_stated:
            time_zero_s = (zero_point - 1.0) * sample_interval_s
        lat = lon = None
        gps_path = companion(dt1_path, "gps") if gps else None
        if gps_path is not None:
            track = read_gps_sidecar(gps_path)
            if track is not None:
                index, rule = gps_rows(track, words, gps_path)
                lat = known_or_none(interpolate_rows(index, track["lat_deg"], n_traces))
                if lat is not None:
                    lon = interpolate_lon_rows(index, track["lon_deg"], n_traces)
                extra["gps_file"] = gps_path.name
                extra["gps_fixes"] = int(index.size)
                extra["gps_fixes_without_trace"] = int(
                    np.count_nonzero(~np.isfinite(index) | (index < 0) | (index >= n_traces))
                )
                extra["gps_trace_rule"] = rule
                extra["gps_restarts"] = int(restarts(track["trace"]).size)
                extra["position_rule"] = "linear between fixes, NaN outside them"
        frequency = fields.get("NOMINAL FREQUENCY")
        return build_scan(
            dt1_path,
            data=data,
            header=dict(
                sample_interval_s=sample_interval_s,
                center_frequency_hz=frequency * 1e6 if isinstance(frequency, float) else math.nan,
                time_zero_s=time_zero_s,
                time_zero_stated=time_zero_stated,
                trace_step_m=trace_step_m,
                antenna=_antenna(fields),
                source_format=self.name,
                extra=extra,
            ),
            distance_m=distance_m,
            trace_time_s=trace_time_s,
            lat_deg=lat,
            lon_deg=lon,
            name="gpr0",
        )
