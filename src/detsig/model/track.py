"""Position tracks from a GNSS receiver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model._validate import readonly_array

#: GGA fix quality codes (NMEA 0183 field 6).
FIX_QUALITY_NAMES = {
    0: "no fix",
    1: "GPS",
    2: "DGPS",
    3: "PPS",
    4: "RTK fixed",
    5: "RTK float",
    6: "estimated",
    7: "manual",
    8: "simulation",
}

#: The fields of a GNSS stream, in order, with their storage type (DESIGN.md section 2).
TRACK_FIELDS: dict[str, Any] = {
    "host_time_ns": np.int64,
    "utc_time_s": np.float64,
    "lat_deg": np.float64,
    "lon_deg": np.float64,
    "alt_m": np.float64,
    "fix_quality": np.int8,
    "n_satellites": np.int16,
    "hdop": np.float32,
}


@dataclass(frozen=True)
class PositionTrack:
    """A sequence of GNSS fixes, one row per fix (all arrays shape (n_fixes,)).

    Parameters
    ----------
    host_time_ns : ndarray of int64
        Host clock when the sentence arrived, ns since the Unix epoch.
    utc_time_s : ndarray of float64
        Receiver UTC time, s since the Unix epoch (NaN when the receiver gives no date/time).
    lat_deg, lon_deg : ndarray of float64
        WGS84 latitude and longitude, degrees (NaN without a fix).
    alt_m : ndarray of float64
        Altitude above mean sea level, m (NaN when absent).
    fix_quality : ndarray of int8
        GGA fix quality (0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, ...).
    n_satellites : ndarray of int16
        Satellites used in the fix.
    hdop : ndarray of float32
        Horizontal dilution of precision (NaN when absent).
    """

    host_time_ns: npt.NDArray[np.int64]
    utc_time_s: npt.NDArray[np.float64]
    lat_deg: npt.NDArray[np.float64]
    lon_deg: npt.NDArray[np.float64]
    alt_m: npt.NDArray[np.float64]
    fix_quality: npt.NDArray[np.int8]
    n_satellites: npt.NDArray[np.int16]
    hdop: npt.NDArray[np.float32]

    def __post_init__(self) -> None:
        n_fixes = len(self.host_time_ns)
        for name, dtype in TRACK_FIELDS.items():
            value = readonly_array(name, getattr(self, name), ndim=1, length=n_fixes, dtype=dtype)
            object.__setattr__(self, name, value)

    @property
    def n_fixes(self) -> int:
        """Number of rows."""
        return len(self.host_time_ns)

    @classmethod
    def empty(cls) -> PositionTrack:
        """A track with no fixes.

        Returns
        -------
        PositionTrack
            Zero-length arrays of every :data:`TRACK_FIELDS` column.
        """
        return cls(**{name: np.zeros(0, dtype) for name, dtype in TRACK_FIELDS.items()})
