"""Metal-detector strip charts: one stacked plot per channel, x-linked to the B-scan.

Each channel is a curve against the same along-lane axis as the B-scan (metres or trace
index), so a metal-detector response sits straight below the hyperbola it belongs to. Curves
are decimated by pyqtgraph's peak downsampling, so a window of tens of thousands of frames
redraws in milliseconds and keeps every peak visible.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6 import QtCore

from detsig.model import MdHeader
from detsig.viewer.bscan import CURSOR_COLOR

#: Curve colours per channel (colour-blind safe, Okabe-Ito).
CHANNEL_COLORS = [
    (0, 114, 178),
    (213, 94, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (230, 159, 0),
    (0, 0, 0),
    (240, 228, 66),
]
#: Width of the left axis of every strip and of the B-scan, pixels (so their x axes line up).
LEFT_AXIS_WIDTH_PX = 72
#: At most this many channels get a strip of their own; further channels share the last one.
MAX_STRIPS = 6
#: Peak downsampling keeps the minimum and maximum of this many bins per pixel column.
PEAK_BINS_PER_PIXEL = 2.0


class _StripCurve(pg.PlotDataItem):
    """A strip curve that can skip its reaction to a move of the x range.

    A peak-downsampled, clipped curve recomputes its display data whenever the view moves.
    When the B-scan scrolls the strips are about to get new frames anyway, so
    :meth:`MdStripView.new_frames_coming` holds that recomputation: each curve then decimates
    once per redraw (in ``setData``) instead of twice.
    """

    hold = False

    def viewRangeChanged(  # noqa: N802 - pyqtgraph override
        self, vb: object = None, ranges: object = None, changed: object = None
    ) -> None:
        if self.hold:
            self._datasetDisplay = None  # recomputed by the coming setData
            self.setProperty("xViewRangeWasChanged", True)
            return
        super().viewRangeChanged(vb, ranges, changed)


class MdStripView(pg.GraphicsLayoutWidget):
    """Strip charts of one MD stream.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: object = None) -> None:
        super().__init__(parent=parent)
        self.info: MdHeader | None = None
        self.name = ""
        self.plots: list[pg.PlotItem] = []
        self.curves: list[_StripCurve] = []
        self.cursor_lines: list[pg.InfiniteLine] = []
        self.candidate_lines: dict[int, list[pg.InfiniteLine]] = {}
        self._link: pg.PlotItem | None = None
        self._right_margin_px = 0.0
        self._spacer: pg.GraphicsWidget | None = None
        self._x_label: tuple[str, str] | None = None

    def link_x(self, plot: pg.PlotItem) -> None:
        """Share the horizontal axis with ``plot`` (the B-scan).

        Parameters
        ----------
        plot : pyqtgraph.PlotItem
            The plot whose x range the strips follow.
        """
        self._link = plot
        for item in self.plots:
            item.setXLink(plot)

    def set_info(self, info: MdHeader | None, name: str = "md0") -> None:
        """Build one strip per channel (at most :data:`MAX_STRIPS`).

        Parameters
        ----------
        info : MdHeader or None
            The stream's channels and units; None removes every strip.
        name : str
            The stream's name, for the axis label.
        """
        if info == self.info and name == self.name:
            return
        self.name = name
        self.clear()
        self.plots, self.curves, self.cursor_lines = [], [], []
        self.candidate_lines = {}
        self._x_label = None
        self.info = info
        if info is None:
            return
        names = list(info.channel_names)
        n_strips = min(len(names), MAX_STRIPS)
        for strip in range(n_strips):
            plot = self.addPlot(row=strip, col=0)
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(x=False, y=False)
            plot.disableAutoRange(axis="y")
            plot.getAxis("left").setWidth(LEFT_AXIS_WIDTH_PX)
            for side in ("left", "bottom", "top", "right"):
                # no SI rescaling: it relabels (and re-lays out) the axis on every scroll
                plot.getAxis(side).enableAutoSIPrefix(False)
            shared = names[strip:] if strip == n_strips - 1 else [names[strip]]
            label = shared[0] if len(shared) == 1 else f"{shared[0]}..{shared[-1]}"
            plot.setLabel("left", label)
            if strip < n_strips - 1:
                plot.hideAxis("bottom")  # one shared distance axis at the bottom
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR_COLOR, width=1))
            plot.addItem(line, ignoreBounds=True)
            self.cursor_lines.append(line)
            self.plots.append(plot)
            if self._link is not None:
                plot.setXLink(self._link)
        for channel in range(len(names)):
            plot = self.plots[min(channel, n_strips - 1)]
            curve = _StripCurve(
                pen=pg.mkPen(CHANNEL_COLORS[channel % len(CHANNEL_COLORS)], width=1),
                name=names[channel],
            )
            plot.addItem(curve)
            curve.setDownsampling(auto=True, method="peak")
            # min and max of each bin at about two bins per pixel column: a 1-pixel line looks
            # the same as with every frame (pyqtgraph's default keeps ~5 frames per pixel)
            curve.opts["autoDownsampleFactor"] = PEAK_BINS_PER_PIXEL
            curve.setSkipFiniteCheck(True)
            curve.setClipToView(True)
            self.curves.append(curve)
        self.plots[-1].setLabel("bottom", f"metal detector {name} ({info.units})")
        self._spacer = pg.GraphicsWidget()
        self.addItem(self._spacer, row=0, col=1, rowspan=n_strips)
        self.set_right_margin(self._right_margin_px)

    def set_right_margin(self, width_px: float) -> None:
        """Leave ``width_px`` empty on the right, so the strips line up with the B-scan above
        (whose A-scan and colour bar stand on its right).

        Parameters
        ----------
        width_px : float
            Margin, pixels.
        """
        self._right_margin_px = max(float(width_px), 0.0)
        if self._spacer is not None:
            self._spacer.setMinimumWidth(self._right_margin_px)
            self._spacer.setMaximumWidth(self._right_margin_px)

    def align_right_edge(self, target_margin_px: float) -> None:
        """Adjust the right margin so the strips end ``target_margin_px`` from the right edge.

        Parameters
        ----------
        target_margin_px : float
            Wanted distance of the plot's right edge from the widget's right edge, pixels.
        """
        if not self.plots:
            return
        actual = float(self.width() - self.plots[0].vb.sceneBoundingRect().right())
        if self._spacer is None or self._spacer.maximumWidth() != self._right_margin_px:
            self.set_right_margin(target_margin_px)
        else:
            self.set_right_margin(self._right_margin_px + target_margin_px - actual)

    def set_x_label(self, x_unit: str) -> None:
        """Label the bottom axis for distance (m) or trace index.

        Parameters
        ----------
        x_unit : {"m", "trace"}
            Unit of the horizontal axis.
        """
        if not self.plots or self.info is None:
            return
        what = "distance along lane" if x_unit == "m" else "trace"
        label = (f"{what} - metal detector {self.name}", "m" if x_unit == "m" else "")
        if label == self._x_label:
            return  # relabelling re-lays out the strips: only when the unit changes
        self._x_label = label
        self.plots[-1].setLabel("bottom", label[0], units=label[1])

    @contextlib.contextmanager
    def new_frames_coming(self) -> Iterator[None]:
        """Within this block, moves of the x range do not re-decimate the curves: call
        :meth:`set_data` after it (the live view moves the B-scan, then draws new frames).

        Yields
        ------
        None
            Control returns to the caller's block.
        """
        for curve in self.curves:
            curve.hold = True
        try:
            yield
        finally:
            for curve in self.curves:
                curve.hold = False

    def set_data(self, data: npt.NDArray[np.float32], x: npt.NDArray[np.float64]) -> None:
        """Draw frames: ``data`` shape (n_frames, n_channels), ``x`` shape (n_frames,).

        Parameters
        ----------
        data : ndarray of float32, shape (n_frames, n_channels)
            Frame samples, in the stream's units.
        x : ndarray of float64, shape (n_frames,)
            Horizontal coordinate of each frame (metres or trace index).
        """
        for channel, curve in enumerate(self.curves):
            if data.shape[0] == 0 or channel >= data.shape[1]:
                curve.setData([], [])
            else:
                curve.setData(x, data[:, channel])
        if data.shape[0] == 0:
            return
        n_strips = len(self.plots)
        with warnings.catch_warnings():  # an all-NaN channel has no range: skipped below
            warnings.simplefilter("ignore", RuntimeWarning)
            lows, highs = np.nanmin(data, axis=0), np.nanmax(data, axis=0)
        for strip, plot in enumerate(self.plots):
            last = strip + 1 if strip < n_strips - 1 else data.shape[1]
            if last <= strip:
                continue
            low, high = float(np.min(lows[strip:last])), float(np.max(highs[strip:last]))
            if not (np.isfinite(low) and np.isfinite(high)):
                continue
            self._fit_y(plot, low, high)

    @staticmethod
    def _fit_y(plot: pg.PlotItem, low: float, high: float) -> None:
        """Fit the vertical range with hysteresis: refit only when the data leave the range or
        fill less than half of it, so a scrolling live view does not relabel its axes (the
        costly part of a redraw) on every frame."""
        span = max(high - low, 1e-9)
        (view_low, view_high) = plot.vb.viewRange()[1]
        view_span = view_high - view_low
        inside = view_low <= low and high <= view_high
        if inside and span >= 0.5 * view_span:
            return
        margin = 0.1 * span
        plot.setYRange(low - margin, high + margin, padding=0)

    def set_cursor(self, x: float) -> None:
        """Move the cursor line of every strip to ``x``.

        Parameters
        ----------
        x : float
            Horizontal coordinate (metres or trace index).
        """
        for line in self.cursor_lines:
            line.setValue(x)

    def set_candidates(self, xs: Sequence[float]) -> None:
        """Mark candidate positions (at most 100) with vertical lines in every strip.

        Parameters
        ----------
        xs : sequence of float
            Horizontal coordinates of the candidates.
        """
        positions = list(xs)[:100]
        for plot in self.plots:
            lines = self.candidate_lines.setdefault(id(plot), [])
            while len(lines) < len(positions):
                line = pg.InfiniteLine(
                    angle=90,
                    movable=False,
                    pen=pg.mkPen((230, 140, 0), width=1, style=QtCore.Qt.PenStyle.DashLine),
                )
                plot.addItem(line, ignoreBounds=True)
                lines.append(line)
            for line, x in zip(lines, positions, strict=False):
                line.setValue(x)
                line.setVisible(True)
            for line in lines[len(positions) :]:
                line.setVisible(False)
