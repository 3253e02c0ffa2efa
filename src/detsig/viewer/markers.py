"""Candidate markers (with their score), the score threshold slider and the ground truth overlay.

Candidates are drawn on the B-scan as open circles at their position and estimated depth, with
the score written next to them; candidates without a depth estimate (metal-detector ones) sit
as down-pointing triangles along the top edge. Only candidates whose score reaches the
threshold of :class:`ThresholdSlider` are shown. Ground truth, when the file has it, is drawn
as small diamonds at each target's position and depth (mines red, clutter blue) labelled with
the target kind, so a reader sees at once which hyperbolas were flagged and which were missed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtWidgets

from detsig.model import Candidate, GroundTruth

#: Colour of candidate markers (high-visibility on grey and seismic maps).
CANDIDATE_COLOR = (255, 200, 0)
#: Colours of ground-truth targets by class.
TRUTH_COLORS = {"mine": (220, 30, 30), "clutter": (30, 110, 230)}
#: At most this many score labels are drawn (the best ones), to keep redraws fast.
MAX_LABELS = 60


class MarkerLayer:
    """Candidates and truth drawn over one plot.

    Parameters
    ----------
    plot : pyqtgraph.PlotItem
        The plot to draw on (the B-scan).
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.candidate_items = pg.ScatterPlotItem(
            size=22,
            pen=pg.mkPen(CANDIDATE_COLOR, width=3),
            brush=pg.mkBrush(None),
            symbol="o",
            pxMode=True,
        )
        self.surface_items = pg.ScatterPlotItem(
            size=16,
            pen=pg.mkPen((60, 40, 0), width=1),
            brush=pg.mkBrush(CANDIDATE_COLOR),
            symbol="t",
            pxMode=True,
        )
        self.truth_items = pg.ScatterPlotItem(size=9, symbol="d", pxMode=True)
        for item in (self.truth_items, self.candidate_items, self.surface_items):
            item.setZValue(10)
            plot.addItem(item, ignoreBounds=True)
        self._labels: list[pg.TextItem] = []
        self._truth_labels: list[pg.TextItem] = []
        self.n_shown = 0

    def _clear_labels(self, labels: list[pg.TextItem]) -> None:
        for label in labels:
            label.setVisible(False)

    def _label(self, labels: list[pg.TextItem], index: int, make: Callable[[], pg.TextItem]) -> Any:
        """The ``index``-th label of a pool, created on first use (labels are reused: creating
        text items on every redraw would cost more than the rest of the redraw)."""
        while len(labels) <= index:
            label = make()
            self.plot.addItem(label, ignoreBounds=True)
            labels.append(label)
        label = labels[index]
        label.setVisible(True)
        return label

    def set_candidates(
        self,
        candidates: Sequence[Candidate],
        *,
        threshold: float,
        x_of: Callable[[Candidate], float],
        y_of: Callable[[Candidate], float],
        top_y: float,
        x_range: tuple[float, float],
    ) -> None:
        """Draw the candidates with ``score >= threshold`` that fall inside ``x_range``.

        Parameters
        ----------
        candidates : sequence of Candidate
            All candidates.
        threshold : float
            Lowest score shown.
        x_of : callable
            Candidate -> horizontal coordinate of the view (NaN when it cannot be placed).
        y_of : callable
            Candidate -> vertical coordinate of the view (NaN without a depth estimate).
        top_y : float
            Vertical coordinate of the top edge, for candidates without a depth.
        x_range : (float, float)
            Horizontal extent shown.
        """
        low, high = x_range
        deep_x, deep_y, deep_text = [], [], []
        top_x, top_text = [], []
        for candidate in candidates:
            if candidate.score < threshold:
                continue
            x = x_of(candidate)
            if not math.isfinite(x) or not low <= x <= high:
                continue
            text = f"{candidate.score:.2f}"
            y = y_of(candidate)
            if math.isfinite(y):
                deep_x.append(x)
                deep_y.append(y)
                deep_text.append((candidate.score, x, y, text))
            else:
                top_x.append(x)
                top_text.append((candidate.score, x, top_y, text))
        self.candidate_items.setData(deep_x, deep_y)
        self.surface_items.setData(top_x, [top_y] * len(top_x))
        self.n_shown = len(deep_x) + len(top_x)
        best = sorted(deep_text + top_text, reverse=True)[:MAX_LABELS]
        for index, (_, x, y, text) in enumerate(best):
            label = self._label(self._labels, index, _score_label)
            if label.toPlainText() != text:  # setText re-lays out HTML: only when it changed
                label.setText(text)
            label.setPos(x, y)
        for label in self._labels[len(best) :]:
            label.setVisible(False)

    def set_truth(
        self,
        truth: GroundTruth | None,
        *,
        x_of_position: Callable[[float], float],
        y_of_depth: Callable[[float], float],
        x_range: tuple[float, float],
    ) -> None:
        """Overlay the ground truth targets inside ``x_range`` (nothing when ``truth`` is None).

        Parameters
        ----------
        truth : GroundTruth or None
            The targets.
        x_of_position : callable
            Along-lane position (m) -> horizontal plot coordinate.
        y_of_depth : callable
            Depth (m) -> vertical plot coordinate (ns or m).
        x_range : tuple of (float, float)
            Horizontal plot range shown; targets outside it are not drawn.
        """
        if truth is None:
            self._clear_labels(self._truth_labels)
            self.truth_items.setData([], [])
            return
        spots: list[dict[str, Any]] = []
        low, high = x_range
        for target in truth.targets:
            x = x_of_position(target.x_m)
            if not math.isfinite(x) or not low <= x <= high:
                continue
            y = y_of_depth(target.depth_m)
            color = TRUTH_COLORS.get(target.target_class, (90, 90, 90))
            spots.append({"pos": (x, y), "brush": pg.mkBrush(color), "pen": pg.mkPen("w", width=1)})
            label = self._label(self._truth_labels, len(spots) - 1, _truth_label)
            if label.toPlainText() != target.kind or label.color != pg.mkColor(color):
                label.setText(target.kind, color=color)
            label.setPos(x, y)
        for label in self._truth_labels[len(spots) :]:
            label.setVisible(False)
        self.truth_items.setData(spots)

    def clear(self) -> None:
        """Remove every marker."""
        self.candidate_items.setData([], [])
        self.surface_items.setData([], [])
        self.truth_items.setData([], [])
        self._clear_labels(self._labels)
        self._clear_labels(self._truth_labels)


def _score_label() -> pg.TextItem:
    label = pg.TextItem(
        "", color=(0, 0, 0), fill=pg.mkBrush(255, 220, 60, 220), anchor=(-0.25, 1.2)
    )
    label.setZValue(11)
    return label


def _truth_label() -> pg.TextItem:
    label = pg.TextItem("", anchor=(0.5, 1.15))
    label.setZValue(9)
    return label


class ThresholdSlider(QtWidgets.QWidget):
    """A slider over the score range that sets the lowest score shown.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.

    Signals
    -------
    threshold_changed(float)
        The new threshold.
    """

    threshold_changed = QtCore.Signal(float)
    STEPS = 1000

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QtWidgets.QLabel("score >="))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, self.STEPS)
        self.slider.setMinimumWidth(120)
        self.slider.setToolTip("lowest candidate score shown")
        self.value_label = QtWidgets.QLabel()
        self.value_label.setMinimumWidth(48)
        layout.addWidget(self.slider)
        layout.addWidget(self.value_label)
        self.low = 0.0
        self.high = 1.0
        self.slider.valueChanged.connect(self._changed)
        self._changed(0)

    @property
    def threshold(self) -> float:
        """The current threshold."""
        return self.low + (self.high - self.low) * self.slider.value() / self.STEPS

    def set_range(self, scores: Sequence[float]) -> None:
        """Fit the slider to the scores present (keeps the threshold value where it can).

        Parameters
        ----------
        scores : sequence of float
            Candidate scores; non-finite ones are ignored, and nothing changes without any.
        """
        values = np.asarray(scores, dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            return
        low = min(0.0, float(values.min()))
        # the far right end lies just above the best score: it hides every candidate
        high = float(values.max()) + 1e-3 * max(1.0, abs(float(values.max())))
        if high <= low:
            high = low + 1.0
        if (low, high) == (self.low, self.high):
            return
        current = self.threshold
        self.low, self.high = low, high
        self.set_threshold(current)

    def set_threshold(self, value: float) -> None:
        """Move the slider to ``value`` (clipped to the range).

        Parameters
        ----------
        value : float
            The threshold, in score units.
        """
        fraction = (value - self.low) / (self.high - self.low)
        self.slider.setValue(round(min(max(fraction, 0.0), 1.0) * self.STEPS))
        self._changed(self.slider.value())

    def _changed(self, _: int) -> None:
        self.value_label.setText(f"{self.threshold:.3g}")
        self.threshold_changed.emit(self.threshold)
