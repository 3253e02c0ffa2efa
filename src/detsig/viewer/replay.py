"""Replay control: play / pause / scrub through a recording at 1x to 50x its real speed.

:class:`ReplayController` owns the replay position (the index just past the newest trace on
screen) and advances it on a timer by ``speed * traces_per_s * elapsed`` traces, so playback
keeps real time whatever the redraw rate. :class:`ReplayBar` is its widget: a play/pause button,
a speed choice and a scrub slider.
"""

from __future__ import annotations

import time

from PySide6 import QtCore, QtWidgets

#: Speeds offered, times real time.
SPEEDS = (1, 2, 5, 10, 20, 50)
#: Trace rate assumed for files that do not state one, traces/s.
DEFAULT_TRACES_PER_S = 100.0


class ReplayController(QtCore.QObject):
    """The replay position and its clock.

    Parameters
    ----------
    n_traces : int
        Traces in the file.
    traces_per_s : float or None
        Recording rate, traces/s (1x speed).
    interval_ms : int
        Timer period while playing, ms (40 ms = 25 redraws per second).

    Signals
    -------
    position_changed(int)
        The new position (trace index just past the newest trace shown).
    playing_changed(bool)
        Playback started or stopped.
    """

    position_changed = QtCore.Signal(int)
    playing_changed = QtCore.Signal(bool)

    def __init__(
        self, n_traces: int, traces_per_s: float | None = None, interval_ms: int = 40
    ) -> None:
        super().__init__()
        self.n_traces = int(n_traces)
        self.traces_per_s = float(traces_per_s or DEFAULT_TRACES_PER_S)
        self.speed = 1.0
        self._position = float(self.n_traces)
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self._tick)
        self._last_tick = 0.0

    @property
    def position(self) -> int:
        """Trace index just past the newest trace on screen."""
        return int(self._position)

    @property
    def playing(self) -> bool:
        """Whether playback runs."""
        return bool(self._timer.isActive())

    def set_speed(self, speed: float) -> None:
        """Set the speed, times real time (clipped to 1..50).

        Parameters
        ----------
        speed : float
            Replay speed, times real time.
        """
        self.speed = float(min(max(speed, SPEEDS[0]), SPEEDS[-1]))

    def set_n_traces(self, n_traces: int) -> None:
        """The file grew (follow mode).

        Parameters
        ----------
        n_traces : int
            The new number of traces.
        """
        self.n_traces = int(n_traces)

    def seek(self, position: int) -> None:
        """Jump to a position (clipped to the file).

        Parameters
        ----------
        position : int
            Trace index just past the newest trace to show.
        """
        self._position = float(min(max(int(position), 0), self.n_traces))
        self.position_changed.emit(self.position)

    def play(self, from_position: int | None = None) -> None:
        """Start playback (from the start when at the end).

        Parameters
        ----------
        from_position : int, optional
            Seek here first; continue from the current position when None.
        """
        if from_position is not None:
            self.seek(from_position)
        if self._position >= self.n_traces:
            self.seek(0)
        self._last_tick = time.perf_counter()
        self._timer.start()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        """Stop playback where it is."""
        self._timer.stop()
        self.playing_changed.emit(False)

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self.playing:
            self.pause()
        else:
            self.play()

    def advance(self, elapsed_s: float) -> None:
        """Move on by ``elapsed_s`` of replay time (what the timer does each tick).

        Parameters
        ----------
        elapsed_s : float
            Real time elapsed, s; the position moves by ``speed * traces_per_s * elapsed_s``
            traces and playback pauses at the end.
        """
        self._position = min(
            self._position + self.speed * self.traces_per_s * elapsed_s, float(self.n_traces)
        )
        self.position_changed.emit(self.position)
        if self._position >= self.n_traces:
            self.pause()

    def _tick(self) -> None:
        now = time.perf_counter()
        elapsed = min(now - self._last_tick, 0.5)  # a stall does not jump far ahead
        self._last_tick = now
        self.advance(elapsed)


class ReplayBar(QtWidgets.QWidget):
    """Play/pause button, speed choice and scrub slider for a :class:`ReplayController`.

    Parameters
    ----------
    controller : ReplayController
        The controller the widgets drive and follow.
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(
        self, controller: ReplayController, parent: QtWidgets.QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        self.play_button = QtWidgets.QPushButton("Play")
        self.play_button.setToolTip("play / pause (space)")
        self.play_button.setShortcut(QtCore.Qt.Key.Key_Space)
        self.speed = QtWidgets.QComboBox()
        for speed in SPEEDS:
            self.speed.addItem(f"{speed}x", speed)
        self.speed.setToolTip("replay speed, times real time")
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setToolTip("scrub through the recording")
        self.position_label = QtWidgets.QLabel()
        self.position_label.setMinimumWidth(150)
        layout.addWidget(self.play_button)
        layout.addWidget(self.speed)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.position_label)
        self.play_button.clicked.connect(controller.toggle)
        self.speed.currentIndexChanged.connect(
            lambda index: controller.set_speed(float(self.speed.itemData(index)))
        )
        self.slider.valueChanged.connect(self._scrubbed)
        controller.position_changed.connect(self._moved)
        controller.playing_changed.connect(
            lambda playing: self.play_button.setText("Pause" if playing else "Play")
        )
        self.set_n_traces(controller.n_traces)
        self._moved(controller.position)

    def set_n_traces(self, n_traces: int) -> None:
        """Fit the slider to the file length.

        Parameters
        ----------
        n_traces : int
            Number of traces in the file.
        """
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(int(n_traces), 0))
        self.slider.blockSignals(False)

    def _scrubbed(self, value: int) -> None:
        if value != self.controller.position:
            self.controller.seek(value)

    def _moved(self, position: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(position)
        self.slider.blockSignals(False)
        self.position_label.setText(f"trace {position:,} / {self.controller.n_traces:,}")
