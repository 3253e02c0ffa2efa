"""The GNSS track with its fix quality.

Fixes are drawn in local east/north metres about the first fix (an equirectangular projection:
over a lane of a few hundred metres it is exact to well under a millimetre, and needs no map
projection library), coloured by GGA fix quality so a technician sees at once whether the RTK
fix held along the lane. The title gives the share of each fix quality.

References
----------
NMEA 0183 standard, GGA sentence, field 6 (fix quality codes); Snyder, J. P. (1987), *Map
Projections - A Working Manual*, USGS Professional Paper 1395, p. 90 (equirectangular).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg

from detsig.model import FIX_QUALITY_NAMES, PositionTrack

#: Colour of each GGA fix quality (RTK fixed green ... no fix red).
FIX_COLORS = {
    0: (220, 30, 30),
    1: (120, 120, 120),
    2: (30, 110, 230),
    3: (30, 110, 230),
    4: (0, 160, 60),
    5: (240, 150, 0),
    6: (150, 60, 200),
}
EARTH_RADIUS_M = 6_371_008.8


def local_metres(
    lat_deg: npt.NDArray[np.float64], lon_deg: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """East and north offsets from the first finite fix, m (equirectangular).

    Parameters
    ----------
    lat_deg, lon_deg : ndarray of float64, shape (n_fixes,)
        WGS84 positions, degrees (NaN where unknown).

    Returns
    -------
    east_m, north_m : ndarray of float64, shape (n_fixes,)
        Offsets, m (NaN for a NaN fix; both empty when no fix is finite).
    """
    finite = np.isfinite(lat_deg) & np.isfinite(lon_deg)
    if not finite.any():
        return np.zeros(0), np.zeros(0)
    lat0 = float(lat_deg[finite][0])
    lon0 = float(lon_deg[finite][0])
    east = np.radians(lon_deg - lon0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    north = np.radians(lat_deg - lat0) * EARTH_RADIUS_M
    return east, north


class GnssView(pg.PlotWidget):
    """Track plot of a :class:`~detsig.model.PositionTrack`.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.setAspectLocked(True)
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("bottom", "east", units="m")
        self.setLabel("left", "north", units="m")
        self.setMenuEnabled(False)
        self.scatter = pg.ScatterPlotItem(size=6, pen=None)
        self.addItem(self.scatter)
        self.last = pg.ScatterPlotItem(size=14, symbol="+", pen=pg.mkPen("k", width=2))
        self.addItem(self.last)
        self.summary = ""
        self._n_fixes = -1

    def set_track(self, track: PositionTrack | None) -> None:
        """Draw the track (clears the plot for None or a track without fixes).

        Parameters
        ----------
        track : PositionTrack or None
            The fixes; redrawn only when their number changed.
        """
        if track is None or track.n_fixes == 0:
            self.scatter.setData([], [])
            self.last.setData([], [])
            self.summary = "no GNSS fixes"
            self.setTitle(self.summary, size="9pt")
            self._n_fixes = 0
            return
        if track.n_fixes == self._n_fixes:
            return
        self._n_fixes = track.n_fixes
        east, north = local_metres(track.lat_deg, track.lon_deg)
        quality = np.asarray(track.fix_quality, dtype=np.int64)
        finite = np.isfinite(east) & np.isfinite(north)
        brushes = [pg.mkBrush(FIX_COLORS.get(int(q), (90, 90, 90))) for q in quality[finite]]
        self.scatter.setData(east[finite], north[finite], brush=brushes)
        if finite.any():
            self.last.setData([east[finite][-1]], [north[finite][-1]])
        values, counts = np.unique(quality, return_counts=True)
        shares = sorted(zip(counts, values, strict=True), reverse=True)
        self.summary = ", ".join(
            f"{FIX_QUALITY_NAMES.get(int(v), str(int(v)))} {100.0 * c / quality.size:.0f}%"
            for c, v in shares[:3]
        )
        self.setTitle(f"GNSS: {self.summary}", size="9pt")
