"""The GPR B-scan waterfall and the A-scan of the trace under the cursor.

:class:`BScanView` draws a window of traces as an image (traces along x, two-way time or depth
down y) with a colour map, a contrast control (colour limits at a robust amplitude divided by
the contrast) and a gain control (display gain in dB), and, to its right, the A-scan (one trace,
amplitude against the same vertical axis) of the trace under the mouse cursor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6 import QtCore

from detsig.model import GprHeader, velocity_from_permittivity

#: Colour maps offered for the B-scan: name -> (positions, RGB colours).
COLOR_MAPS: dict[str, tuple[list[float], list[tuple[int, int, int]]]] = {
    "grey": ([0.0, 1.0], [(0, 0, 0), (255, 255, 255)]),
    # Diverging blue-white-red, as the "seismic" map of seismic and GPR software.
    "seismic": (
        [0.0, 0.25, 0.5, 0.75, 1.0],
        [(0, 0, 77), (0, 0, 255), (255, 255, 255), (255, 0, 0), (128, 0, 0)],
    ),
    "viridis": ([], []),
}


#: Colour of the cursor line (blue: distinct from the candidate markers' amber).
CURSOR_COLOR = (30, 144, 255)
#: Width of the A-scan plot, pixels.
ASCAN_WIDTH_PX = 220
#: Values :func:`robust_limit` takes its percentile of (a strided sample of larger images).
ROBUST_SAMPLE_SIZE = 65_536


def color_map(name: str) -> pg.ColorMap:
    """The pyqtgraph colour map of a name in :data:`COLOR_MAPS`.

    Parameters
    ----------
    name : str
        A key of :data:`COLOR_MAPS`.

    Returns
    -------
    pyqtgraph.ColorMap
        The map.

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    if name not in COLOR_MAPS:
        raise ValueError(f"unknown colour map {name!r}; choose one of {sorted(COLOR_MAPS)}")
    positions, colors = COLOR_MAPS[name]
    if not positions:
        return pg.colormap.get(name)
    return pg.ColorMap(np.array(positions), np.array(colors, dtype=np.ubyte))


@dataclass
class DisplaySettings:
    """How the B-scan is drawn.

    Parameters
    ----------
    color_map : str
        A name of :data:`COLOR_MAPS`.
    contrast : float
        Colour limits are the 99.5th percentile of ``|amplitude|`` divided by this (>= 0.1).
    gain_db : float
        Display gain, dB (applied before the colour limits of the raw data are fixed: with a
        locked scale a higher gain saturates weak reflections into view).
    vertical : {"time", "depth"}
        Vertical axis: two-way time after time zero (ns) or depth (m).
    relative_permittivity : float
        Soil permittivity that sets the velocity of the depth axis and marker depths.
    x_axis : {"distance", "trace"}
        Horizontal axis: along-lane distance (m, when known) or trace index.
    """

    color_map: str = "grey"
    contrast: float = 1.0
    gain_db: float = 0.0
    vertical: str = "time"
    relative_permittivity: float = 6.0
    x_axis: str = "distance"

    @property
    def velocity_m_per_s(self) -> float:
        """Radar velocity in the soil, m/s."""
        return velocity_from_permittivity(self.relative_permittivity)


def robust_limit(data: npt.NDArray[np.float32]) -> float:
    """Robust amplitude scale of an image: the 99.5th percentile of ``|data|`` (> 0).

    Parameters
    ----------
    data : ndarray of float32, shape (n_traces, n_samples)
        The image (any shape is accepted); large images are sampled with a stride.

    Returns
    -------
    float
        The limit in the data's unit; the largest ``|data|`` when the percentile is 0, and 1
        for empty or all-zero data.
    """
    if data.size == 0:
        return 1.0
    sample = data.ravel()
    if sample.size > ROBUST_SAMPLE_SIZE:
        # a strided sample is enough for a percentile (its rank error is about 0.03 %); an
        # odd stride visits every sample time of power-of-two-long traces
        sample = sample[:: (sample.size // ROBUST_SAMPLE_SIZE) | 1]
    value = float(np.percentile(np.abs(sample), 99.5))
    if not math.isfinite(value) or value <= 0:
        value = float(np.max(np.abs(sample))) if sample.size else 1.0
    return value if value > 0 else 1.0


class BScanView(pg.GraphicsLayoutWidget):
    """B-scan image plus the A-scan under the cursor.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.

    Signals
    -------
    cursor_moved(float, float)
        x coordinate and vertical coordinate (ns or m) under the mouse.
    """

    cursor_moved = QtCore.Signal(float, float)

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.settings = DisplaySettings()
        self.info: GprHeader | None = None
        self.plot = self.addPlot(row=0, col=0)
        self.plot.invertY(True)
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem(axisOrder="col-major")
        self.plot.addItem(self.image)
        self.cursor_line = pg.InfiniteLine(
            angle=90,
            movable=False,
            pen=pg.mkPen(CURSOR_COLOR, width=1, style=QtCore.Qt.PenStyle.DashLine),
        )
        self.plot.addItem(self.cursor_line, ignoreBounds=True)
        self.plot.getAxis("left").setWidth(72)
        self.ascan = self.addPlot(row=0, col=1)
        self.ascan.setMinimumWidth(ASCAN_WIDTH_PX)
        self.ascan.setMaximumWidth(ASCAN_WIDTH_PX)
        self.ascan.invertY(True)
        self.ascan.setYLink(self.plot)
        self.ascan.hideAxis("left")
        self.ascan.setLabel("bottom", "amplitude")
        self.ascan.setTitle("A-scan under the cursor", size="9pt")
        self.ascan_label = pg.TextItem("", color=(60, 60, 60), anchor=(0.5, 0.0))
        self.ascan.addItem(self.ascan_label, ignoreBounds=True)
        self.ascan.setMenuEnabled(False)
        for plot in (self.plot, self.ascan):
            for side in ("left", "bottom", "top", "right"):
                # the values are already in the unit shown; SI rescaling would also relabel
                # (and re-lay out) the axes whenever the live view scrolls
                plot.getAxis(side).enableAutoSIPrefix(False)
        self.ascan_curve = self.ascan.plot(pen=pg.mkPen((20, 20, 20), width=1.2))
        self.colorbar: pg.ColorBarItem | None = None
        self._data = np.zeros((0, 0), np.float32)
        self._x = np.zeros(0)
        self._ascan_index = -1
        self._follow_cursor = True
        self._scale = 1.0
        self._level = 1.0
        self._shown_levels: tuple[float, float] | None = None
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self._apply_color_map()
        self._update_labels()

    # -- axes -------------------------------------------------------------------------------
    def vertical_axis(self) -> npt.NDArray[np.float64]:
        """The vertical coordinate of each sample (ns or m), shape (n_samples,).

        Returns
        -------
        ndarray of float64, shape (n_samples,)
            Two-way time after time zero, ns, or depth for the set permittivity, m; empty before
            data are set.
        """
        if self.info is None:
            return np.zeros(0)
        time_ns = self.info.time_axis_s() * 1e9
        if self.settings.vertical == "depth":
            return time_ns * 1e-9 * self.settings.velocity_m_per_s / 2.0
        return time_ns

    def vertical_of_depth(self, depth_m: float) -> float:
        """Vertical coordinate (ns or m) of a depth below the surface.

        Parameters
        ----------
        depth_m : float
            Depth below the surface, m.

        Returns
        -------
        float
            The depth itself (m) on a depth axis, else the two-way time ``2 d / v``, ns.
        """
        if self.settings.vertical == "depth":
            return depth_m
        return 2.0 * depth_m / self.settings.velocity_m_per_s * 1e9

    def _update_labels(self, x_label: str = "distance along lane", x_units: str = "m") -> None:
        key = (x_label, x_units, self.settings.vertical, self.settings.relative_permittivity)
        if key == getattr(self, "_labels_key", None):
            return  # relabelling re-lays out the plot: only when something changed
        self._labels_key = key
        left = self.plot.getAxis("left")
        left.enableAutoSIPrefix(False)  # the values are already in the unit shown
        if self.settings.vertical == "depth":
            eps = self.settings.relative_permittivity
            self.plot.setLabel("left", f"depth below surface (eps_r {eps:.3g})", units="m")
        else:
            self.plot.setLabel("left", "two-way time after time zero", units="ns")
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("bottom", x_label, units=x_units)

    def set_axis_labels(self, x_unit: str) -> None:
        """Label the horizontal axis for ``"m"`` (distance) or ``"trace"`` (index).

        Parameters
        ----------
        x_unit : {"m", "trace"}
            Unit of the horizontal axis.
        """
        if x_unit == "m":
            self._update_labels("distance along lane", "m")
        else:
            self._update_labels("trace", "")

    # -- settings ---------------------------------------------------------------------------
    def _apply_color_map(self) -> None:
        cmap = color_map(self.settings.color_map)
        self.image.setColorMap(cmap)
        if self.colorbar is None:
            self.colorbar = pg.ColorBarItem(
                values=(-1, 1), colorMap=cmap, interactive=False, width=12, label="amplitude"
            )
            self.colorbar.setImageItem(self.image)
            self.colorbar.axis.enableAutoSIPrefix(False)
            self.colorbar.axis.setWidth(62)  # room for labels such as -300000
            self.addItem(self.colorbar, row=0, col=2)
        else:
            self.colorbar.setColorMap(cmap)

    def set_settings(self, settings: DisplaySettings) -> None:
        """Apply new display settings and redraw the current data.

        Parameters
        ----------
        settings : DisplaySettings
            Colour map, contrast, gain (dB), vertical axis and permittivity.
        """
        self.settings = settings
        self._apply_color_map()
        self._update_labels()
        self._render()

    # -- data -------------------------------------------------------------------------------
    def set_data(
        self,
        info: GprHeader,
        data: npt.NDArray[np.float32],
        x: npt.NDArray[np.float64],
        x_unit: str,
        *,
        freeze_levels: bool = False,
    ) -> None:
        """Show traces.

        Parameters
        ----------
        info : GprHeader
            Sampling of the stream.
        data : ndarray, shape (n_traces, n_samples), float32
            The (already processed) traces to show.
        x : ndarray, shape (n_traces,)
            Horizontal coordinate of each trace.
        x_unit : {"m", "trace"}
            Unit of ``x``.
        freeze_levels : bool
            Keep the amplitude scale of the previous image (smooth live scrolling).
        """
        self.info = info
        self._data = data
        self._x = x
        if not freeze_levels or self._scale <= 0:
            self._scale = robust_limit(data)
        self.set_axis_labels(x_unit)
        self._render()

    def _render(self) -> None:
        data = self._data
        if self.info is None or data.shape[0] == 0:
            self.image.clear()
            self.ascan_curve.setData([], [])
            return
        gain = 10.0 ** (self.settings.gain_db / 20.0)
        level = self._scale / max(self.settings.contrast, 0.1)
        self._level = level
        self.image.setImage(data * gain if gain != 1.0 else data, autoLevels=False)
        if (-level, level) != self._shown_levels:
            # only on a change: the colour bar regenerates its axis on every setLevels
            self._shown_levels = (-level, level)
            self.image.setLevels((-level, level))
            if self.colorbar is not None:
                self.colorbar.setLevels((-level, level))
        vertical = self.vertical_axis()
        x = self._x
        n = data.shape[0]
        step = (x[-1] - x[0]) / (n - 1) if n > 1 and x[-1] > x[0] else 1.0
        dy = vertical[1] - vertical[0] if vertical.size > 1 else 1.0
        rect = QtCore.QRectF(
            float(x[0] - step / 2),
            float(vertical[0] - dy / 2),
            float(step * n),
            float(dy * vertical.size),
        )
        self.image.setRect(rect)
        self.plot.setXRange(rect.left(), rect.right(), padding=0)
        self.plot.setYRange(rect.top(), rect.bottom(), padding=0)
        index = self._ascan_index if 0 <= self._ascan_index < n else n // 2
        self._draw_ascan(index)

    def _draw_ascan(self, index: int) -> None:
        if self._data.shape[0] == 0 or not 0 <= index < self._data.shape[0]:
            return
        gain = 10.0 ** (self.settings.gain_db / 20.0)
        trace = self._data[index] * gain
        self.ascan_curve.setData(trace, self.vertical_axis())
        self.ascan.setXRange(-self._level * 1.05, self._level * 1.05, padding=0)
        self.cursor_line.setValue(float(self._x[index]))
        self.ascan_label.setText(self._format_x(float(self._x[index])))
        vertical = self.vertical_axis()
        self.ascan_label.setPos(0.0, float(vertical[0]) if vertical.size else 0.0)

    def _format_x(self, x: float) -> str:
        label = self.plot.getAxis("bottom").labelUnits
        return f"{x:.2f} m" if label == "m" else f"trace {x:.0f}"

    def right_margin_px(self) -> float:
        """Pixels between the right edge of the B-scan image and the right edge of the widget.

        Returns
        -------
        float
            The margin, pixels.
        """
        rect = self.plot.vb.sceneBoundingRect()
        return float(self.width() - rect.right())

    @property
    def ascan_index(self) -> int:
        """Row (in the shown window) of the trace drawn in the A-scan."""
        return self._ascan_index

    def show_ascan_at(self, x: float) -> None:
        """Draw the A-scan of the shown trace nearest to coordinate ``x``.

        Parameters
        ----------
        x : float
            Horizontal coordinate (metres or trace index).
        """
        if self._x.size == 0:
            return
        index = int(np.clip(np.searchsorted(self._x, x), 0, self._x.size - 1))
        self._ascan_index = index
        self._draw_ascan(index)

    def _mouse_moved(self, position: QtCore.QPointF) -> None:
        if not self.plot.sceneBoundingRect().contains(position):
            return
        point = self.plot.vb.mapSceneToView(position)
        self.show_ascan_at(point.x())
        self.cursor_moved.emit(point.x(), point.y())

    @property
    def shown_data(self) -> npt.NDArray[np.float32]:
        """The traces currently shown (before the display gain)."""
        return self._data
