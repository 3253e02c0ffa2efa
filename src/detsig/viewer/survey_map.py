"""The survey map: a C-scan of the gridded cube with a depth slider, the dig list, the
coverage shading, and the B-scan of the sweep through the point clicked.

The window draws what :mod:`detsig.survey` computed (the cube, the coverage raster, the dig
list); it processes no signal itself. Clicking the map picks the sweep whose track passes
nearest the point and shows its raw B-scan below the map with a cursor at the along-track
position of the click.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from detsig.model import Candidate
from detsig.survey.coverage import CoverageRaster
from detsig.survey.grid import GprCube, Grid, window_statistic
from detsig.survey.layout import Survey
from detsig.viewer.bscan import BScanView
from detsig.viewer.processing import apply_preset

__all__ = ["SurveyMapWindow"]

#: RGBA of cells of the area that no sweep covered.
GAP_RGBA = (227, 26, 28, 150)
#: Depth thickness of the slice shown, m.
SLICE_THICKNESS_M = 0.03


def _cells_rect(grid: Grid) -> QtCore.QRectF:
    """The rectangle a grid's cells cover in the map (half a cell beyond the outer centres)."""
    half = grid.cell_m / 2
    return QtCore.QRectF(
        grid.x0_m - half, grid.y0_m - half, grid.n_x * grid.cell_m, grid.n_y * grid.cell_m
    )


class SurveyMapWindow(QtWidgets.QWidget):
    """C-scan map with depth slider, dig list, coverage shading and a B-scan panel.

    Parameters
    ----------
    survey : Survey
        The sweeps and their tracks.
    cube : GprCube
        The gridded survey (:func:`detsig.survey.grid.gpr_cube`).
    coverage : CoverageRaster, optional
        Sweeps per cell (:func:`detsig.survey.coverage.check_coverage`); uncovered cells of
        the area are shaded red.
    dig_list : sequence of Candidate
        Items marked on the map (local ``x_m``, ``y_m``).
    relative_permittivity : float
        For the depth of the slider.
    preset : {"raw", "processed", "envelope"}
        Display preset of the B-scan (:func:`detsig.viewer.processing.apply_preset`).
    """

    sweep_opened = QtCore.Signal(str, float)

    def __init__(
        self,
        survey: Survey,
        cube: GprCube,
        coverage: CoverageRaster | None = None,
        dig_list: Sequence[Candidate] = (),
        relative_permittivity: float = 9.0,
        preset: str = "processed",
    ) -> None:
        super().__init__()
        self.preset = preset
        self.setWindowTitle(f"detsig survey map: {len(survey.sweeps)} sweeps")
        self.survey = survey
        self.cube = cube
        self.dig_list = list(dig_list)
        self.depth_m = cube.depth_m(relative_permittivity)
        self.opened_sweep: str | None = None
        self.opened_distance_m = math.nan
        self._source: Any = None

        layout = QtWidgets.QVBoxLayout(self)
        controls = QtWidgets.QHBoxLayout()
        controls.addWidget(QtWidgets.QLabel("slice depth"))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        first = int(np.searchsorted(self.depth_m, 0.0))
        last = int(np.searchsorted(self.depth_m, min(0.4, float(self.depth_m[-1]))))
        self.slider.setRange(first, max(first, last - 1))
        controls.addWidget(self.slider, stretch=1)
        self.depth_label = QtWidgets.QLabel("")
        self.depth_label.setMinimumWidth(160)
        controls.addWidget(self.depth_label)
        layout.addLayout(controls)

        self.map = pg.PlotWidget()
        self.map.setAspectLocked(True)
        self.map.setLabel("bottom", "x (local grid east)", units="m")
        self.map.setLabel("left", "y (local grid north)", units="m")
        for side in ("left", "bottom"):
            self.map.getAxis(side).enableAutoSIPrefix(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(pg.colormap.get("magma"))
        self._rect = _cells_rect(cube.grid)
        self.map.addItem(self.image)
        self.gaps = pg.ImageItem(axisOrder="row-major")
        if coverage is not None:
            rgba = np.zeros((*coverage.count.shape, 4), dtype=np.uint8)
            rgba[(coverage.count == 0) & coverage.inside] = GAP_RGBA
            self.gaps.setImage(rgba)
            self.gaps.setRect(_cells_rect(coverage.grid))
        self.map.addItem(self.gaps)
        self.markers = pg.ScatterPlotItem(
            [c.x_m for c in self.dig_list],
            [c.y_m for c in self.dig_list],
            symbol="o",
            size=14,
            pen=pg.mkPen((0, 229, 255), width=2),
            brush=None,
        )
        self.map.addItem(self.markers)
        self.labels = []
        for item in self.dig_list:
            label = pg.TextItem(str(item.extras.get("id", "")), color=(0, 160, 190), anchor=(0, 1))
            label.setPos(item.x_m + 0.03, item.y_m + 0.03)
            self.map.addItem(label)
            self.labels.append(label)
        self.pick = pg.ScatterPlotItem(
            [], [], symbol="+", size=18, pen=pg.mkPen((0, 200, 0), width=3)
        )
        self.map.addItem(self.pick)
        layout.addWidget(self.map, stretch=3)

        self.bscan_title = QtWidgets.QLabel("click the map to open the B-scan of a sweep")
        layout.addWidget(self.bscan_title)
        self.bscan = BScanView()
        layout.addWidget(self.bscan, stretch=2)

        self.slider.valueChanged.connect(self._show_slice)
        self.map.scene().sigMouseClicked.connect(self._clicked)
        default = int(np.searchsorted(self.depth_m, 0.1))
        self.slider.setValue(min(max(default, self.slider.minimum()), self.slider.maximum()))
        self._show_slice(self.slider.value())

    # -- the slice ----------------------------------------------------------------------------
    def slice_window(self, index: int) -> tuple[int, int]:
        """Sample window of the slice centred on sample ``index``.

        Parameters
        ----------
        index : int
            Centre sample.

        Returns
        -------
        tuple of int
            ``start:stop`` covering :data:`SLICE_THICKNESS_M` of depth.
        """
        step = float(self.depth_m[1] - self.depth_m[0]) if self.depth_m.size > 1 else 1.0
        half = max(1, round(SLICE_THICKNESS_M / step / 2))
        return max(index - half, 0), min(index + half + 1, self.depth_m.size)

    def _show_slice(self, index: int) -> None:
        start, stop = self.slice_window(index)
        statistic = "envelope" if self.cube.envelope else "mean"
        image = window_statistic(self.cube.values, start, stop, statistic)
        finite = image[np.isfinite(image)]
        top = float(np.percentile(finite, 99.5)) if finite.size else 1.0
        low = float(np.percentile(finite, 1.0)) if finite.size else 0.0
        self.image.setImage(np.nan_to_num(image, nan=low), levels=(low, max(top, low + 1e-6)))
        self.image.setRect(self._rect)  # after setImage: the scale depends on the image size
        self.depth_label.setText(
            f"{self.depth_m[start]:.3f}-{self.depth_m[stop - 1]:.3f} m ({statistic})"
        )

    @property
    def shown_slice(self) -> npt.NDArray[np.float32]:
        """The C-scan shown, shape (n_y, n_x)."""
        return np.asarray(self.image.image)

    # -- clicking -------------------------------------------------------------------------------
    def nearest_sweep(self, x_m: float, y_m: float) -> tuple[int, float, float]:
        """The sweep passing nearest a point.

        Parameters
        ----------
        x_m, y_m : float
            Local grid position, m.

        Returns
        -------
        tuple
            Index of the sweep in :attr:`Survey.sweeps`, distance along it of its nearest
            trace (m), and how far that trace is from the point (m).
        """
        best = (-1, math.nan, math.inf)
        for index, sweep in enumerate(self.survey.sweeps):
            track = sweep.track(self.cube.stream)
            gap = np.hypot(track.x_m - x_m, track.y_m - y_m)
            if not np.isfinite(gap).any():
                continue
            row = int(np.nanargmin(gap))
            if gap[row] < best[2]:
                best = (index, float(track.distance_m[row]), float(gap[row]))
        return best

    def open_sweep_at(self, x_m: float, y_m: float) -> None:
        """Show the B-scan of the sweep through a point, with a cursor at the point.

        Parameters
        ----------
        x_m, y_m : float
            Local grid position, m.
        """
        from detsig.viewer.sources import RecordingSource

        index, distance, gap = self.nearest_sweep(x_m, y_m)
        if index < 0:
            return
        sweep = self.survey.sweeps[index]
        if self._source is not None:
            self._source.close()
        self._source = RecordingSource(sweep.path, gpr_stream=self.cube.stream)
        info = self._source.gpr
        if info is None:
            return
        block = self._source.read_traces(0, self._source.n_traces())
        x = self._source.trace_x()
        traces = apply_preset(np.asarray(block.data, dtype=np.float32), info, self.preset)
        self.bscan.set_data(info, traces, x, "m")
        self.bscan.cursor_line.setPos(distance)
        self.bscan.show_ascan_at(distance)
        self.pick.setData([x_m], [y_m])
        self.opened_sweep = sweep.name
        self.opened_distance_m = distance
        self.bscan_title.setText(
            f"{sweep.name} ({self.preset}): B-scan through ({x_m:.2f}, {y_m:.2f}) m, "
            f"{distance:.2f} m along the sweep, {gap:.2f} m from its track"
        )
        self.sweep_opened.emit(sweep.name, distance)

    def _clicked(self, event: Any) -> None:
        point = self.map.getPlotItem().vb.mapSceneToView(event.scenePos())
        self.open_sweep_at(float(point.x()), float(point.y()))

    def redraw(self) -> None:
        """Redraw the current slice (for screenshots)."""
        self._show_slice(self.slider.value())

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Close the open sweep's recording with the window."""
        if self._source is not None:
            self._source.close()
            self._source = None
        super().closeEvent(event)
