"""Helpers shared by the format readers: checked scan construction, positions, NMEA GGA."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import FormatError
from detsig.model import GprHeader, GprScan

#: Metres per international foot (pulseEKKO files may give positions in feet).
METRES_PER_FOOT = 0.3048

#: Length units seen in vendor headers, metres per unit.
LENGTH_UNITS_M = {
    "m": 1.0,
    "metres": 1.0,
    "meters": 1.0,
    "meter": 1.0,
    "cm": 0.01,
    "mm": 0.001,
    "ft": METRES_PER_FOOT,
    "feet": METRES_PER_FOOT,
    "in": 0.0254,
    "km": 1000.0,
}


def json_safe(value: Any) -> Any:
    """``value`` with NumPy scalars/arrays and bytes turned into JSON-serialisable values."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, bytes):
        return value.decode("latin-1").rstrip("\x00").strip()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def build_scan(path: Path, *, first_data_sample: int = 0, **fields: Any) -> GprScan:
    """A :class:`GprScan` from reader output; model validation failures become FormatError.

    Data holding one value in every sample (a radar that recorded nothing, an empty model
    component) are marked ``extra["constant_data"] = value`` so that ``detsig info`` says so;
    samples before ``first_data_sample`` of each trace (GSSI's scan counter and mark word) are
    not looked at.
    """
    header_fields = fields.pop("header")
    data = fields.get("data")
    value = None
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.shape[1] > first_data_sample:
        value = constant_value(data[:, first_data_sample:])
    if value is not None:
        header_fields["extra"] = {**header_fields.get("extra", {}), "constant_data": value}
    try:
        header_fields["extra"] = json_safe(header_fields.get("extra", {}))
        header = GprHeader(**header_fields)
        return GprScan(header=header, **fields)
    except ValueError as error:
        raise FormatError(f"{path} has an impossible header value: {error}") from None


def constant_value(data: npt.NDArray[Any]) -> float | int | None:
    """The one value every sample of ``data`` holds, or None when they differ (or are none).

    Parameters
    ----------
    data : ndarray
        Samples of any shape and numeric type.

    Returns
    -------
    float or int or None
    """
    if data.size == 0:
        return None
    first = data[0] if data.ndim >= 2 else data  # usually differs at once: no full pass
    if first.min() != first.max():
        return None
    low, high = data.min(), data.max()
    if low != high:  # NaN anywhere: min/max are NaN and compare unequal
        return None
    return low.item()


def finite_positive(value: float) -> float | None:
    """``value`` when it is a finite number > 0, else None."""
    value = float(value)
    return value if math.isfinite(value) and value > 0 else None


def read_bytes(path: Path) -> bytes:
    """The whole file, with OS errors as FormatError."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None


def read_text(path: Path) -> str:
    """A text file decoded leniently (vendor headers mix encodings), OS errors as FormatError."""
    raw = read_bytes(path)
    if b"\x00" in raw[:4096]:
        raise FormatError(f"{path} should be a text header but holds binary data")
    return raw.decode("utf-8", errors="replace")


def header_field(line: str, separator: str) -> tuple[str, float | str] | None:
    """One ``KEY<separator>value`` line of an ASCII vendor header: the upper-case key and the
    value (a float when it reads as one, else the stripped text); None without the separator."""
    key, sep, value = line.partition(separator)
    if not sep:
        return None
    value = value.strip()
    try:
        return key.strip().upper(), float(value)
    except ValueError:
        return key.strip().upper(), value


def header_number(fields: Mapping[str, Any], key: str, path: Path, *, separator: str = "") -> float:
    """The finite number of header field ``key``; FormatError naming the ``key<separator>``
    line that ``path`` lacks otherwise."""
    value = fields.get(key)
    if not isinstance(value, float) or not math.isfinite(value):
        raise FormatError(f"{path} lacks a numeric '{key}{separator}' line")
    return value


def check_data_size(
    data_path: Path,
    header_path: Path,
    n_traces: int,
    n_samples: int,
    expected: int,
    size: int,
    *,
    samples_word: str = "samples",
) -> None:
    """FormatError unless the data file's ``size`` is the ``expected`` byte count that the
    header's ``n_traces`` traces of ``n_samples`` samples make."""
    if size != expected:
        problem = "is truncated" if size < expected else "is longer than its header says"
        raise FormatError(
            f"{data_path} {problem}: {header_path.name} gives {n_traces} traces of "
            f"{n_samples} {samples_word} ({expected} bytes) but the file has {size} bytes"
        )


def read_array(path: Path, dtype: np.dtype[Any], count: int) -> npt.NDArray[Any]:
    """The first ``count`` items of ``dtype`` in a binary file; OS errors and a file cut
    while being read are FormatError."""
    try:
        data = np.fromfile(path, dtype=dtype, count=count)
    except OSError as error:
        raise FormatError(f"cannot read {path}: {error.strerror or error}") from None
    if data.size != count:
        raise FormatError(f"{path} changed or was cut while it was being read")
    return data


def companion(path: Path, extension: str) -> Path | None:
    """The file next to ``path`` with the same stem and ``extension`` in any letter case."""
    for candidate in (
        path.with_suffix("." + extension.upper()),
        path.with_suffix("." + extension.lower()),
    ):
        if candidate.is_file():
            return candidate
    try:
        for entry in path.parent.iterdir():
            if entry.stem == path.stem and entry.suffix.lower() == "." + extension.lower():
                return entry
    except OSError:
        return None
    return None


def header_and_data(
    path: Path, header_ext: str, data_exts: tuple[str, ...], vendor: str
) -> tuple[Path, Path]:
    """The header and data file of a vendor line stored as two files, from either one.

    Parameters
    ----------
    path : Path
        The header (extension ``header_ext``, any case) or the data file.
    header_ext : str
        Header extension without the dot, as it is shown in messages (``"HD"``).
    data_exts : tuple of str
        Data extensions, first found wins, as shown in messages (``("rd3", "rd7")``).
    vendor : str
        Name of the format in messages (``"MALA"``).

    Returns
    -------
    header_path, data_path : Path

    Raises
    ------
    FormatError
        The other file of the pair is not next to ``path``.
    """
    if path.suffix.lower() == "." + header_ext.lower():
        for ext in data_exts:
            found = companion(path, ext)
            if found is not None:
                return path, found
        shown = "/".join("." + ext for ext in data_exts)
        raise FormatError(f"{path} is a {vendor} header without its {shown} data file")
    header = companion(path, header_ext)
    if header is None:
        raise FormatError(
            f"{path} needs its .{header_ext} header next to it "
            f"({path.with_suffix('.' + header_ext).name})"
        )
    return header, path


def reject_options(name: str, options: Mapping[str, Any], role: str = "reader") -> None:
    """FormatError when a plugin's ``read``/``write`` got options it does not take."""
    if options:
        raise FormatError(f"the {name} {role} does not take the option(s) {sorted(options)}")


def interpolate_rows(
    known_index: npt.NDArray[Any], known_values: npt.NDArray[Any], n_rows: int
) -> npt.NDArray[np.float64]:
    """Values at rows 0..n_rows-1 from values known at some rows, never beyond them.

    Linear between known rows; NaN before the first and after the last known row (a position
    outside the fixes is missing, not invented). A row known twice keeps its first value; known
    rows outside 0..n_rows-1 still anchor the interpolation of the rows between.

    Parameters
    ----------
    known_index : ndarray, shape (n_known,)
        Row indices (0-based, may be fractional) with a value.
    known_values : ndarray, shape (n_known,)
        The values at those rows; non-finite values are ignored.
    n_rows : int
        Number of rows wanted.

    Returns
    -------
    ndarray of float64, shape (n_rows,)
        The interpolated values, NaN outside [first, last] known row (all NaN without a
        finite known value).
    """
    index = np.asarray(known_index, np.float64)
    values = np.asarray(known_values, np.float64)
    usable = np.isfinite(index) & np.isfinite(values)
    index, values = index[usable], values[usable]
    result = np.full(n_rows, np.nan)
    if index.size == 0:
        return result
    order = np.argsort(index, kind="stable")
    index, values = index[order], values[order]
    first = np.concatenate([[True], np.diff(index) > 0])  # repeated rows: keep the first value
    index, values = index[first], values[first]
    rows = np.arange(n_rows, dtype=np.float64)
    inside = (rows >= index[0]) & (rows <= index[-1])
    result[inside] = np.interp(rows[inside], index, values)
    return result


def interpolate_lon_rows(
    known_index: npt.NDArray[Any], known_lon_deg: npt.NDArray[Any], n_rows: int
) -> npt.NDArray[np.float64]:
    """Longitudes at rows 0..n_rows-1 like :func:`interpolate_rows`, along the shorter way
    round between fixes (a track over the 180th meridian does not sweep the other way round
    the Earth), wrapped to [-180, 180).

    Parameters
    ----------
    known_index : ndarray, shape (n_known,)
        Row indices with a fix.
    known_lon_deg : ndarray, shape (n_known,)
        Longitudes of the fixes, degrees.
    n_rows : int
        Number of rows wanted.

    Returns
    -------
    ndarray of float64, shape (n_rows,)
        Longitudes, degrees, NaN outside the fixes.
    """
    index = np.asarray(known_index, np.float64)
    lon = np.asarray(known_lon_deg, np.float64)
    usable = np.isfinite(index) & np.isfinite(lon)
    index, lon = index[usable], lon[usable]
    order = np.argsort(index, kind="stable")
    index, lon = index[order], lon[order]
    unwrapped = np.unwrap(lon, period=360.0) if lon.size else lon
    result = interpolate_rows(index, unwrapped, n_rows)
    return (result + 180.0) % 360.0 - 180.0


def known_or_none(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
    """``values``, or None when not one of them is finite (no row lies within the fixes).

    Parameters
    ----------
    values : ndarray, shape (n,)
        Per-row values with NaN where unknown.

    Returns
    -------
    ndarray or None
    """
    return values if np.isfinite(values).any() else None


def restarts(numbers: npt.NDArray[Any]) -> npt.NDArray[np.intp]:
    """Positions where a trace or scan count that should grow goes back (a merged line).

    Parameters
    ----------
    numbers : ndarray, shape (n,)
        Trace numbers in file order.

    Returns
    -------
    ndarray of int, shape (n_restarts,)
        Indices ``i`` with ``numbers[i] < numbers[i - 1]``.
    """
    values = np.asarray(numbers)
    return np.flatnonzero(np.diff(values) < 0) + 1


def along_track_distance_m(
    lat_deg: npt.NDArray[np.float64], lon_deg: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Cumulative geodesic distance along a WGS84 track, m, starting at 0.

    References
    ----------
    Karney, C. F. F. (2013), Algorithms for geodesics, J. Geodesy 87, 43-55 (via ``pyproj.Geod``).
    """
    from pyproj import Geod

    lat = np.asarray(lat_deg, np.float64)
    lon = np.asarray(lon_deg, np.float64)
    if lat.size < 2:
        return np.zeros(lat.size)
    _, _, step_m = Geod(ellps="WGS84").inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.concatenate([[0.0], np.cumsum(np.nan_to_num(np.asarray(step_m, np.float64)))])


@dataclass(frozen=True)
class GgaFix:
    """One parsed NMEA GGA sentence (the fields a GPR position needs)."""

    utc_seconds_of_day: float
    lat_deg: float
    lon_deg: float
    alt_m: float
    fix_quality: int
    n_satellites: int
    hdop: float


def parse_gga(line: str) -> GgaFix | None:
    """Parse one ``$xxGGA`` sentence with pynmea2 (checksum verified); None if unusable.

    A sentence without a position (empty latitude or longitude) or with a bad checksum gives
    None, never an exception.
    """
    import pynmea2

    text = line.strip()
    start = text.find("$")
    if start < 0:
        return None
    try:
        message = pynmea2.parse(text[start:], check=True)
    except (pynmea2.ParseError, ValueError, TypeError, AttributeError):
        return None
    if not isinstance(message, pynmea2.types.talker.GGA):
        return None
    try:
        lat = float(message.latitude)
        lon = float(message.longitude)
    except (ValueError, TypeError, AttributeError):
        return None
    if not message.lat or not message.lon or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    stamp = message.timestamp
    seconds = (
        math.nan
        if stamp is None
        else stamp.hour * 3600 + stamp.minute * 60 + stamp.second + stamp.microsecond * 1e-6
    )

    def number(raw: Any, kind: type = float, default: Any = math.nan) -> Any:
        try:
            return kind(raw)
        except (TypeError, ValueError):
            return default

    return GgaFix(
        utc_seconds_of_day=seconds,
        lat_deg=lat,
        lon_deg=lon,
        alt_m=number(message.altitude),
        fix_quality=number(message.gps_qual, int, 0),
        n_satellites=number(message.num_sats, int, 0),
        hdop=number(message.horizontal_dil),
    )


# -- HDF5 guard -------------------------------------------------------------------------------
#: Seconds a damaged HDF5 file may take to have its metadata walked before it is refused.
HDF5_PROBE_TIMEOUT_S = 10.0
_PROBED: dict[tuple[str, int, int, int, int], str | None] = {}
_PROBE_SCRIPT = """
import sys
from detsig.io.formats._common import _walk_hdf5
sys.exit(_walk_hdf5(sys.argv[1]))
"""


def _walk_hdf5(path: str) -> int:
    """Read every attribute and one element of every dataset; 0 if fine, 3 if h5py raised."""
    import h5py

    def visit(name: str, item: Any) -> None:
        for key in item.attrs:
            item.attrs[key]
        if isinstance(item, h5py.Dataset) and item.size:
            item[(0,) * item.ndim] if item.ndim else item[()]

    try:
        with h5py.File(path, "r") as file:
            visit("/", file)
            file.visititems(visit)
    except Exception:
        return 3
    return 0


def _probe_in_fork(path: Path, timeout_s: float) -> str | None:
    import os
    import signal
    import time

    pid = os.fork()
    if pid == 0:  # the child: walk, then leave without running any cleanup of the parent's
        code = 4
        try:
            code = _walk_hdf5(str(path))
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout_s
    delay = 0.0005
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return f"the HDF5 library did not finish reading its metadata within {timeout_s:g} s"
        time.sleep(delay)
        delay = min(0.05, delay * 2)
    if os.WIFSIGNALED(status):
        return f"the HDF5 library crashed on it (signal {os.WTERMSIG(status)})"
    if os.WEXITSTATUS(status) not in (0, 3):
        return f"the HDF5 library failed on it (exit {os.WEXITSTATUS(status)})"
    return None


def _probe_in_subprocess(path: Path, timeout_s: float) -> str | None:
    import subprocess
    import sys

    try:
        result = subprocess.run(
            [sys.executable, "-c", _PROBE_SCRIPT, str(path)],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"the HDF5 library did not finish reading its metadata within {timeout_s:g} s"
    except OSError:
        return None  # cannot start a child: read directly
    if result.returncode < 0:
        return f"the HDF5 library crashed on it (signal {-result.returncode})"
    if result.returncode not in (0, 3):
        return f"the HDF5 library failed on it (exit {result.returncode})"
    return None


def hdf5_damage(path: Path) -> str | None:
    """Why libhdf5 cannot safely read ``path``'s metadata, or None when it can.

    Some damaged HDF5 files make the HDF5 C library loop forever (e.g. a bit flip in the
    global heap holding variable-length string attributes) or crash the process, and no Python
    exception or signal can interrupt it. So a child process first walks every group,
    attribute and dataset header; if it hangs past :data:`HDF5_PROBE_TIMEOUT_S` or dies, the
    file is refused. A child that merely raises is fine: the real read then reports that error.
    The child is a fork (a few ms) when this process has one thread, else a new interpreter
    (about 0.4 s). Results are cached per file identity (path, size, modification and change
    times, inode).
    """
    import os
    import threading

    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
    if key not in _PROBED:
        single_threaded = threading.active_count() == 1 and hasattr(os, "fork")
        probe = _probe_in_fork if single_threaded else _probe_in_subprocess
        _PROBED[key] = probe(path, HDF5_PROBE_TIMEOUT_S)
    return _PROBED[key]
