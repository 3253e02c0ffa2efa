"""The status bar: arrival rates, gaps, bad and lost frames, candidates, cursor position."""

from __future__ import annotations

import math

from PySide6 import QtWidgets

from detsig.viewer.sources import SourceStatus


def _rate(value: float) -> str:
    return "-" if not math.isfinite(value) else f"{value:,.0f}/s"


def format_status(status: SourceStatus, *, n_shown: int, fps: float) -> list[str]:
    """The fields of the status bar, as text (one string per field).

    Parameters
    ----------
    status : SourceStatus
        The source's counters.
    n_shown : int
        Candidates currently shown (at or above the threshold).
    fps : float
        Redraws per second; left out when not finite or not > 0.

    Returns
    -------
    list of str
        State, GPR and MD row counts and rates, gaps with the frames lost in them, bad
        frames, candidates shown/total and fps.
    """
    fields = [
        status.state,
        f"GPR {status.n_traces:,} traces ({_rate(status.traces_per_s)})",
        f"MD {status.n_frames:,} frames ({_rate(status.frames_per_s)})",
        f"gaps {status.gaps}"
        + (f" ({status.frames_lost} frames lost)" if status.frames_lost else ""),
        f"bad frames {status.bad_frames}",
    ]
    fields.append(f"candidates {n_shown}/{status.n_candidates}")
    if math.isfinite(fps) and fps > 0:
        fields.append(f"{fps:.0f} fps")
    return fields


class StatusBar(QtWidgets.QStatusBar):
    """A status bar with one label per field and a permanent cursor read-out.

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields = QtWidgets.QLabel()
        self.cursor_label = QtWidgets.QLabel()
        self.addWidget(self.fields, 1)
        self.addPermanentWidget(self.cursor_label)
        self.text = ""

    def show_status(self, status: SourceStatus, *, n_shown: int, fps: float = math.nan) -> None:
        """Update the counters; gaps, bad or lost frames turn the text red.

        Parameters
        ----------
        status : SourceStatus
            The source's counters.
        n_shown : int
            Candidates currently shown.
        fps : float
            Redraws per second (NaN: not shown).
        """
        self.text = "   |   ".join(format_status(status, n_shown=n_shown, fps=fps))
        alarm = status.gaps > 0 or status.bad_frames > 0 or status.frames_lost > 0
        self.fields.setStyleSheet("color: #b00000;" if alarm else "")
        self.fields.setText(self.text)

    def show_cursor(self, text: str) -> None:
        """Show the position under the mouse.

        Parameters
        ----------
        text : str
            The read-out, e.g. ``"x 1.250 m, 12.30 ns"``.
        """
        self.cursor_label.setText(text)
