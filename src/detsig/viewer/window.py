"""The main viewer window: B-scan, A-scan, MD strips, markers, GNSS, status and replay.

:class:`ViewerWindow` assembles the views around one :class:`~detsig.viewer.sources.ViewSource`
and redraws the window of traces that ends at the replay position. For growing sources (follow
and live) a timer calls ``source.refresh()`` and, while the view is at the newest data, moves
the window along; each redraw reads only the rows on screen, so drawing cost does not grow with
the file and never waits on the recorder.
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import replace

import numpy as np
import numpy.typing as npt
from PySide6 import QtCore, QtWidgets

from detsig.dsp.pipeline import PipelineError
from detsig.model import Candidate
from detsig.viewer.bscan import COLOR_MAPS, BScanView, DisplaySettings
from detsig.viewer.gnss import GnssView
from detsig.viewer.markers import MarkerLayer, ThresholdSlider
from detsig.viewer.mdstrip import MdStripView
from detsig.viewer.processing import PRESETS, WindowProcessor
from detsig.viewer.replay import ReplayBar, ReplayController
from detsig.viewer.sources import RowWindow, ViewSource
from detsig.viewer.status import StatusBar

#: Traces on screen by default (a whole short lane; a few metres of a long one).
DEFAULT_WINDOW_TRACES = 2000
#: Poll period of growing sources, ms: a redraw follows each poll that finds new rows, so
#: the view redraws as often as it can up to about 33 times a second (newest data win).
LIVE_INTERVAL_MS = 30


def default_permittivity(source: ViewSource) -> float | None:
    """The soil permittivity to start the depth scale with: the file's hint, else the median
    of the permittivities the GPR detector estimated for its candidates, else None.

    Parameters
    ----------
    source : ViewSource
        The open source.

    Returns
    -------
    float or None
        Relative permittivity (candidate estimates outside 1-81 are ignored).
    """
    if source.gpr is not None and source.gpr.relative_permittivity:
        return source.gpr.relative_permittivity
    values = [
        float(c.extras["relative_permittivity"])
        for c in source.candidates()
        if isinstance(c.extras.get("relative_permittivity"), int | float)
        and 1.0 <= float(c.extras["relative_permittivity"]) <= 81.0
    ]
    return float(np.median(values)) if values else None


class ViewerWindow(QtWidgets.QMainWindow):
    """The detsig viewer.

    Parameters
    ----------
    source : ViewSource
        Where the data come from (a recording, a followed recording, a live session).
    window_traces : int
        Traces on screen at once.
    settings : DisplaySettings, optional
        Initial colour map, contrast, gain and axes.
    preset : str
        Initial processing preset (``"raw"``, ``"processed"``, ``"envelope"``, ``"detector"``:
        see :mod:`detsig.viewer.processing`).
    threshold : float, optional
        Initial lowest candidate score shown.
    """

    def __init__(
        self,
        source: ViewSource,
        *,
        window_traces: int = DEFAULT_WINDOW_TRACES,
        settings: DisplaySettings | None = None,
        preset: str = "raw",
        threshold: float | None = None,
    ) -> None:
        super().__init__()
        self.source = source
        self.window_traces = max(int(window_traces), 2)
        self.preset = preset
        self.setWindowTitle(f"detsig viewer - {source.title}")
        self.resize(1400, 900)
        settings = settings or DisplaySettings()
        if settings == DisplaySettings():
            eps = default_permittivity(source)
            if eps is not None:
                settings = replace(settings, relative_permittivity=eps)

        self.bscan = BScanView()
        self.bscan.set_settings(settings)
        self.markers = MarkerLayer(self.bscan.plot)
        self.mdstrip = MdStripView()
        self.mdstrip.link_x(self.bscan.plot)
        self.mdstrip.set_info(source.md, source.md_name)
        self.gnss = GnssView()
        self.status = StatusBar()
        self.setStatusBar(self.status)
        self.threshold = ThresholdSlider()

        self._build_toolbar(settings)
        splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        splitter.addWidget(self.bscan)
        splitter.addWidget(self.mdstrip)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.mdstrip.setVisible(source.md is not None)
        self.bscan.setVisible(source.gpr is not None)

        self.controller = ReplayController(
            max(source.n_traces(), source.n_frames() if source.gpr is None else 0),
            source.gpr.traces_per_s if source.gpr else None,
        )
        self.replay_bar = ReplayBar(self.controller)
        central = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.replay_bar)
        self.setCentralWidget(central)

        self.gnss_dock = QtWidgets.QDockWidget("GNSS track", self)
        self.gnss_dock.setWidget(self.gnss)
        self.gnss.setMinimumWidth(240)
        self.gnss.setMaximumWidth(280)
        self.gnss_dock.setFeatures(QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(QtCore.Qt.DockWidgetArea.RightDockWidgetArea, self.gnss_dock)
        self.gnss_dock.setVisible(False)

        self.controller.position_changed.connect(lambda _: self.redraw())
        self.bscan.cursor_moved.connect(self._cursor_moved)
        self.threshold.threshold_changed.connect(lambda _: self._draw_markers())

        self.redraw_times_s: deque[float] = deque(maxlen=50)
        self.n_redraws = 0
        self._candidates: list[Candidate] = []
        self._n_candidates_seen = -1
        self._view_x = np.zeros(0)
        self._x_range = (0.0, 0.0)
        self._tick_times: deque[float] = deque(maxlen=50)
        self._block: RowWindow | None = None
        self._scale_age = 0
        self._processor = WindowProcessor()
        self._trace_step: tuple[int, float | None] = (-1, None)
        #: Why the chosen preset cannot run on this stream ("" when it runs).
        self.preset_problem = ""
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(LIVE_INTERVAL_MS)
        self.timer.timeout.connect(self.poll)
        self._update_candidates()
        if threshold is not None:
            self.threshold.set_threshold(threshold)
        n_rows = self.controller.n_traces
        self.controller.seek(n_rows if source.live else min(self.window_traces, n_rows))
        if source.live:
            self.replay_bar.setVisible(getattr(source, "seekable", True))
            self.timer.start()

    # -- toolbar ----------------------------------------------------------------------------
    def _build_toolbar(self, settings: DisplaySettings) -> None:
        bar = self.addToolBar("display")
        bar.setMovable(False)
        self.preset_box = QtWidgets.QComboBox()
        self.preset_box.addItems(list(PRESETS))
        self.preset_box.setCurrentText(self.preset)
        self.preset_box.setToolTip("processing applied to the traces on screen (detsig.dsp)")
        self.cmap_box = QtWidgets.QComboBox()
        self.cmap_box.addItems(list(COLOR_MAPS))
        self.cmap_box.setCurrentText(settings.color_map)
        self.gain_box = QtWidgets.QDoubleSpinBox()
        self.gain_box.setRange(-20.0, 40.0)
        self.gain_box.setSingleStep(3.0)
        self.gain_box.setSuffix(" dB")
        self.gain_box.setValue(settings.gain_db)
        self.gain_box.setToolTip("display gain")
        self.contrast_box = QtWidgets.QDoubleSpinBox()
        self.contrast_box.setRange(0.1, 50.0)
        self.contrast_box.setSingleStep(0.5)
        self.contrast_box.setValue(settings.contrast)
        self.contrast_box.setToolTip("contrast: colour limits = robust amplitude / contrast")
        self.vertical_box = QtWidgets.QComboBox()
        self.vertical_box.addItems(["time", "depth"])
        self.vertical_box.setCurrentText(settings.vertical)
        self.eps_box = QtWidgets.QDoubleSpinBox()
        self.eps_box.setRange(1.0, 81.0)
        self.eps_box.setSingleStep(0.5)
        self.eps_box.setValue(settings.relative_permittivity)
        self.eps_box.setToolTip("relative permittivity of the soil: sets the depth scale")
        self.x_box = QtWidgets.QComboBox()
        self.x_box.addItems(["distance", "trace"])
        self.x_box.setCurrentText(settings.x_axis)
        self.truth_box = QtWidgets.QCheckBox("truth")
        self.truth_box.setChecked(True)
        self.truth_box.setEnabled(self.source.truth() is not None)
        self.truth_box.setToolTip("overlay the ground truth targets (when the file has them)")
        for label, widget in (
            ("preset", self.preset_box),
            ("colours", self.cmap_box),
            ("gain", self.gain_box),
            ("contrast", self.contrast_box),
            ("axis", self.vertical_box),
            ("eps_r", self.eps_box),
            ("x", self.x_box),
        ):
            bar.addWidget(QtWidgets.QLabel(f" {label} "))
            bar.addWidget(widget)
        bar.addSeparator()
        bar.addWidget(self.threshold)
        bar.addWidget(self.truth_box)
        self.preset_box.currentTextChanged.connect(self._preset_changed)
        for box in (self.cmap_box, self.vertical_box, self.x_box):
            box.currentTextChanged.connect(lambda _: self._settings_changed())
        for spin in (self.gain_box, self.contrast_box, self.eps_box):
            spin.valueChanged.connect(lambda _: self._settings_changed())
        self.truth_box.toggled.connect(lambda _: self._draw_markers())

    def current_settings(self) -> DisplaySettings:
        """The display settings the toolbar shows.

        Returns
        -------
        DisplaySettings
            A new settings object.
        """
        return DisplaySettings(
            color_map=self.cmap_box.currentText(),
            contrast=self.contrast_box.value(),
            gain_db=self.gain_box.value(),
            vertical=self.vertical_box.currentText(),
            relative_permittivity=self.eps_box.value(),
            x_axis=self.x_box.currentText(),
        )

    def _settings_changed(self) -> None:
        x_changed = self.x_box.currentText() != self.bscan.settings.x_axis
        self.bscan.settings = self.current_settings()
        if x_changed:
            self.redraw()
        else:
            self.bscan.set_settings(self.bscan.settings)
            self._draw_markers()

    def _preset_changed(self, preset: str) -> None:
        self.preset = preset
        self._scale_age = 0
        self.redraw()

    # -- coordinates ------------------------------------------------------------------------
    @property
    def x_unit(self) -> str:
        """Unit of the horizontal axis on screen: ``"m"`` or ``"trace"``."""
        if self.source.x_unit == "m" and self.bscan.settings.x_axis == "distance":
            return "m"
        return "trace"

    def to_view_x(self, x: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Source coordinates -> coordinates on screen (metres, or trace index).

        Parameters
        ----------
        x : array_like
            Coordinates on the source's axis (metres or trace index).

        Returns
        -------
        ndarray of float64, same shape as ``x``
            Coordinates on the screen axis; when the source is in metres but the trace axis is
            shown, interpolated trace indices (NaN outside the shown window).
        """
        values = np.asarray(x, dtype=np.float64)
        if self.x_unit == self.source.x_unit or self.source.x_unit != "m":
            return values
        block = self._block
        if block is None or block.n_rows < 2:
            return values
        indices = np.arange(block.first, block.first + block.n_rows, dtype=np.float64)
        return np.interp(values, block.x, indices, left=np.nan, right=np.nan)

    def _candidate_x(self, candidate: Candidate) -> float:
        return float(self.to_view_x(self.source.x_of_candidate(candidate)))

    def _candidate_y(self, candidate: Candidate) -> float:
        """Vertical position of a candidate: where the detector found the apex
        (``two_way_time_s``) on a time axis, its depth estimate on a depth axis."""
        two_way = candidate.extras.get("two_way_time_s")
        info = self.source.gpr
        if (
            self.bscan.settings.vertical == "time"
            and isinstance(two_way, int | float)
            and math.isfinite(two_way)
            and info is not None
        ):
            return (float(two_way) + info.stored_time_zero_s - info.time_zero_s) * 1e9
        if math.isfinite(candidate.depth_m):
            return self.bscan.vertical_of_depth(candidate.depth_m)
        return math.nan

    def _position_x(self, position_m: float) -> float:
        return float(self.to_view_x(self.source.x_of_position_m(position_m)))

    def go_to_trace(self, first_trace: int) -> None:
        """Show the window that starts at trace ``first_trace``.

        Parameters
        ----------
        first_trace : int
            Index of the first trace to show.
        """
        self.controller.seek(int(first_trace) + self.window_traces)

    def go_to_distance(self, start_m: float) -> None:
        """Show the window that starts at along-lane position ``start_m``, m.

        Parameters
        ----------
        start_m : float
            Along-lane position of the first trace to show, m.

        Raises
        ------
        UsageError
            If the traces have no along-lane distance.
        """
        if self.source.x_unit != "m":
            from detsig.errors import UsageError

            raise UsageError(
                "this file has no along-lane distance for its traces; start the view at a trace "
                "number instead",
                parameter="trace",
            )
        coordinates = self.source.trace_x()
        self.go_to_trace(int(np.searchsorted(coordinates, start_m)))

    # -- drawing ----------------------------------------------------------------------------
    def visible_range(self) -> tuple[int, int]:
        """Trace indices ``start, stop`` on screen.

        Returns
        -------
        start, stop : int
            First trace and one past the last.
        """
        stop = self.controller.position
        return max(0, stop - self.window_traces), stop

    def redraw(self) -> None:
        """Draw the window that ends at the replay position."""
        started = time.perf_counter()
        start, stop = self.visible_range()
        source = self.source
        if source.gpr is not None:
            self._block = source.read_traces(start, stop)
            if source.md is not None:
                with self.mdstrip.new_frames_coming():  # _draw_md below redraws the curves
                    self._draw_bscan(self._block)
            else:
                self._draw_bscan(self._block)
        else:
            self._block = None
            self._view_x = np.zeros(0)
        if source.md is not None:
            if source.gpr is not None:
                self.mdstrip.align_right_edge(self.bscan.right_margin_px())
            self._draw_md(start, stop)
        self._draw_markers()
        self._update_status()
        track = source.track()
        if track is not None and track.n_fixes:
            self.gnss_dock.setVisible(True)
            self.gnss.set_track(track)
        # Apply the new view ranges now rather than at paint time: pyqtgraph otherwise moves
        # the views while painting, which schedules a second paint of both plots per redraw.
        for view in (self.bscan, self.mdstrip):
            if view.isVisible():
                view.scene().prepareForPaint()
        self.n_redraws += 1
        self.redraw_times_s.append(time.perf_counter() - started)

    def trace_step_m(self) -> float | None:
        """Distance between traces, m, as the detectors take it
        (:func:`detsig.dsp.resolve_trace_step_m`): the stated one, else the median step of
        the trace positions (None with neither)."""
        source = self.source
        if source.gpr is not None and source.gpr.trace_step_m is not None:
            return source.gpr.trace_step_m
        n_traces = source.n_traces()
        known_for, step = self._trace_step
        if source.x_unit != "m":
            return None
        if known_for < 0 or (known_for < 1000 and n_traces > known_for):
            from detsig.dsp.header import median_step_m

            x = source.trace_x()[:100_000]
            step = median_step_m(x) if x.size > 1 else None
            self._trace_step = (n_traces if step is not None else -1, step)
        return step

    def _process_window(self, block: RowWindow) -> npt.NDArray[np.float32]:
        """The preset's image of the window: read with the traces around it that the preset
        looks at (the detector's sliding windows), so it equals the whole line's."""
        source, info = self.source, self.source.gpr
        assert info is not None
        step = self.trace_step_m() if self.preset == "detector" else None
        try:
            lo, hi = self._processor.padded_range(
                block.first,
                block.first + block.n_rows,
                source.n_traces(),
                info,
                self.preset,
                step,
            )
            padded = block if (lo, hi) == (block.first, block.first + block.n_rows) else None
            if padded is None:
                padded = source.read_traces(lo, hi)
            # only traces new to the window are dewowed and gained (scrolling live view)
            data = self._processor.apply(padded.data, padded.first, info, self.preset, step)
            self.preset_problem = ""
            offset = block.first - padded.first
            return data[offset : offset + block.n_rows]
        except PipelineError as error:
            problem = f"preset {self.preset} cannot run on this stream, showing raw: {error}"
            if problem != self.preset_problem:
                self.status.showMessage(problem, 10_000)
            self.preset_problem = problem
            return np.asarray(block.data, dtype=np.float32)

    def _draw_bscan(self, block: RowWindow) -> None:
        assert self.source.gpr is not None
        data = self._process_window(block)
        if self.x_unit == "trace":
            x = np.arange(block.first, block.first + block.n_rows, dtype=np.float64)
        else:
            x = block.x
        self._view_x = x
        freeze = self.source.live and self._scale_age > 0
        self._scale_age = (self._scale_age + 1) % 25  # live: refit the colour scale once a second
        self.bscan.set_data(self.source.gpr, data, x, self.x_unit, freeze_levels=freeze)
        self._x_range = (float(x[0]), float(x[-1])) if x.size else (0.0, 0.0)

    def _draw_md(self, start: int, stop: int) -> None:
        source = self.source
        if self._block is not None and self._block.n_rows:
            block = source.frames_between(float(self._block.x[0]), float(self._block.x[-1]))
        elif source.gpr is None:
            block = source.read_frames(start, stop)  # no GPR: the replay position counts frames
        else:
            block = source.read_frames(0, 0)
        x = self.to_view_x(block.x)
        self.mdstrip.set_x_label(self.x_unit)
        self.mdstrip.set_data(block.data, x)
        if source.gpr is None and x.size:
            self._x_range = (float(x[0]), float(x[-1]))
            self.mdstrip.plots[0].setXRange(x[0], x[-1], padding=0)

    def _update_candidates(self) -> None:
        candidates = self.source.candidates()
        if len(candidates) != self._n_candidates_seen:
            self._candidates = list(candidates)
            self._n_candidates_seen = len(candidates)
            self.threshold.set_range([c.score for c in self._candidates])

    def _draw_markers(self) -> None:
        self._update_candidates()
        vertical = self.bscan.vertical_axis()
        top = float(vertical[0]) if vertical.size else 0.0
        self.markers.set_candidates(
            self._candidates,
            threshold=self.threshold.threshold,
            x_of=self._candidate_x,
            y_of=self._candidate_y,
            top_y=top,
            x_range=self._x_range,
        )
        truth = self.source.truth() if self.truth_box.isChecked() else None
        self.markers.set_truth(
            truth,
            x_of_position=self._position_x,
            y_of_depth=self.bscan.vertical_of_depth,
            x_range=self._x_range,
        )
        low, high = self._x_range
        md_x = [
            x
            for c in self._candidates
            if c.score >= self.threshold.threshold
            and (math.isnan(c.depth_m) or (self.source.md is not None and "md" in c.stream))
            for x in [self._candidate_x(c)]
            if low <= x <= high
        ]
        self.mdstrip.set_candidates(md_x)

    def _update_status(self) -> None:
        self.status.show_status(self.source.status(), n_shown=self.markers.n_shown, fps=self.fps)

    @property
    def fps(self) -> float:
        """Redraws per second over the recent redraws of a growing source (NaN in replay)."""
        times = self._tick_times
        if len(times) < 2 or times[-1] <= times[0]:
            return math.nan
        return (len(times) - 1) / (times[-1] - times[0])

    def _cursor_moved(self, x: float, y: float) -> None:
        unit = "m" if self.x_unit == "m" else ""
        vertical = (
            f"{y * 100:.1f} cm deep" if self.bscan.settings.vertical == "depth" else f"{y:.2f} ns"
        )
        where = f"x {x:.3f} {unit}".strip() if unit else f"trace {x:.0f}"
        self.status.show_cursor(f"{where}, {vertical}")
        self.mdstrip.set_cursor(x)  # the strips' cursor lines follow the B-scan's

    # -- growing sources --------------------------------------------------------------------
    def poll(self) -> bool:
        """Pick up new rows and redraw when anything changed; True if it redrew.

        Returns
        -------
        bool
            Whether the source had new rows.
        """
        at_end = self.controller.position >= self.controller.n_traces
        changed = self.source.refresh()
        if not changed:
            return False
        n = self.source.n_traces() if self.source.gpr is not None else self.source.n_frames()
        self.controller.set_n_traces(n)
        self.replay_bar.set_n_traces(n)
        self._tick_times.append(time.perf_counter())
        if at_end:
            self.controller.seek(n)  # emits position_changed -> redraw
        else:
            self._update_status()
        return True

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        """Stop the timers (the source is closed by whoever opened it)."""
        self.timer.stop()
        self.controller.pause()
        super().closeEvent(event)  # type: ignore[arg-type]
