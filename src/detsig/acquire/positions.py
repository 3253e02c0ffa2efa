"""Positions for traces and MD frames: survey-wheel encoder first, else GNSS.

- Encoder: the device's ENCODER messages give cumulative distance at device times; each
  row's ``distance_m`` is linearly interpolated at the row's ``device_time_us``.
- GNSS: fixes with a position are projected to metres in a local transverse Mercator
  projection centred on the first fix (pyproj; scale error below 1e-6 within 10 km), and
  the distance along the track is the cumulative length of the segments between fixes. Rows
  get distance and latitude/longitude interpolated at their host arrival time; after the last
  fix they are extrapolated from the last two fixes for at most ``GNSS_EXTRAPOLATE_S``.

References
----------
.. [1] J. P. Snyder, "Map Projections: A Working Manual", USGS Professional Paper 1395 (1987),
   transverse Mercator, pp. 48-64.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

#: Longest a row's GNSS position is extrapolated beyond the newest fix, s.
GNSS_EXTRAPOLATE_S = 2.0


class EncoderPositions:
    """Cumulative encoder distance against device time, for one device."""

    def __init__(self) -> None:
        self._time_us: list[float] = []
        self._distance_m: list[float] = []

    @property
    def seen(self) -> bool:
        """True once an ENCODER message arrived."""
        return bool(self._time_us)

    @property
    def last_time_us(self) -> float:
        """Device time of the newest encoder reading (-inf before any)."""
        return self._time_us[-1] if self._time_us else -math.inf

    def add(self, device_time_us: int, distance_m: float) -> None:
        """Add one ENCODER reading (a reading older than the newest restarts the history:
        the device clock went back, e.g. after a device restart).

        Parameters
        ----------
        device_time_us : int
            Device clock of the reading, microseconds.
        distance_m : float
            Cumulative encoder distance, m.
        """
        if self._time_us and device_time_us < self._time_us[-1]:
            self._time_us.clear()
            self._distance_m.clear()
        self._time_us.append(float(device_time_us))
        self._distance_m.append(float(distance_m))
        if len(self._time_us) > 4096:
            del self._time_us[:2048]
            del self._distance_m[:2048]

    def distance_at(self, device_time_us: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
        """Distance at the given device times, m (clamped outside the readings).

        Parameters
        ----------
        device_time_us : ndarray, shape (n,)
            Device clock times, microseconds.

        Returns
        -------
        ndarray of float64, shape (n,)
            Linearly interpolated distance, m; NaN before any reading.
        """
        times = np.asarray(device_time_us, dtype=np.float64)
        if not self._time_us:
            return np.full(times.shape, np.nan)
        return np.interp(times, self._time_us, self._distance_m)


class GnssPositions:
    """Along-track distance and lat/lon from GNSS fixes, against host time."""

    def __init__(self) -> None:
        self._transformer: Any = None
        self._time_ns: list[float] = []
        self._distance_m: list[float] = []
        self._lat: list[float] = []
        self._lon: list[float] = []
        self._x_m = 0.0
        self._y_m = 0.0
        self.origin_deg: tuple[float, float] | None = None

    @property
    def seen(self) -> bool:
        """True once a fix with a position arrived."""
        return bool(self._time_ns)

    @property
    def last_time_ns(self) -> float:
        """Host time of the newest fix with a position (-inf before any)."""
        return self._time_ns[-1] if self._time_ns else -math.inf

    @property
    def distance_m(self) -> float:
        """Distance travelled along the track so far, m."""
        return self._distance_m[-1] if self._distance_m else math.nan

    def add(self, host_time_ns: int, lat_deg: float, lon_deg: float) -> None:
        """Add one fix with a position.

        Parameters
        ----------
        host_time_ns : int
            Host clock time of the fix, ns since the Unix epoch.
        lat_deg, lon_deg : float
            WGS84 position, degrees. The first fix is the origin of the local transverse-Mercator
            projection in which the along-track distance is summed.
        """
        if self._transformer is None:
            from pyproj import Transformer

            self.origin_deg = (lat_deg, lon_deg)
            self._transformer = Transformer.from_crs(
                "EPSG:4326",
                f"+proj=tmerc +lat_0={lat_deg} +lon_0={lon_deg} +k=1 +x_0=0 +y_0=0 "
                "+ellps=WGS84 +units=m +no_defs",
                always_xy=True,
            )
        x_m, y_m = self._transformer.transform(lon_deg, lat_deg)
        if self._time_ns:
            step = math.hypot(x_m - self._x_m, y_m - self._y_m)
            distance = self._distance_m[-1] + step
        else:
            distance = 0.0
        self._x_m, self._y_m = x_m, y_m
        self._time_ns.append(float(host_time_ns))
        self._distance_m.append(distance)
        self._lat.append(lat_deg)
        self._lon.append(lon_deg)
        if len(self._time_ns) > 4096:
            for values in (self._time_ns, self._distance_m, self._lat, self._lon):
                del values[:2048]

    def at(
        self, host_time_ns: npt.NDArray[Any]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Distance (m), latitude and longitude (deg) at host times (NaN without fixes).

        Parameters
        ----------
        host_time_ns : ndarray, shape (n,)
            Host clock times, ns since the Unix epoch.

        Returns
        -------
        distance_m : ndarray of float64, shape (n,)
            Along-track distance, m.
        lat_deg, lon_deg : ndarray of float64, shape (n,)
            WGS84 position, degrees.

        Notes
        -----
        Values are interpolated between fixes, extrapolated linearly after the newest fix for
        up to :data:`GNSS_EXTRAPOLATE_S` seconds, and NaN beyond that or without fixes.
        """
        times = np.asarray(host_time_ns, dtype=np.float64)
        if not self._time_ns:
            nan = np.full(times.shape, np.nan)
            return nan, nan.copy(), nan.copy()
        known = np.asarray(self._time_ns)
        out = []
        for values in (self._distance_m, self._lat, self._lon):
            series = np.asarray(values)
            result = np.interp(times, known, series)
            if len(known) >= 2:
                late = times > known[-1]
                if late.any():
                    span = known[-1] - known[-2]
                    slope = (series[-1] - series[-2]) / span if span > 0 else 0.0
                    result[late] = series[-1] + slope * (times[late] - known[-1])
            too_late = times > known[-1] + GNSS_EXTRAPOLATE_S * 1e9
            result[too_late] = np.nan
            out.append(result)
        return out[0], out[1], out[2]
