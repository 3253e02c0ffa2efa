"""The live view of an acquisition session, fed from its display buffers (not the file).

:class:`LiveSource` copies a snapshot of the session's ring buffers
(:class:`detsig.acquire.DisplayBuffers`) on the viewer's timer: the newest traces and frames,
the counters, the candidates and the newest GNSS fix. Taking a snapshot is one short copy under
the buffers' lock, so the recorder thread never waits for drawing, and when drawing is slower
than the data the view simply skips to the newest state.

:func:`run_live_view` is what ``detsig record --view`` (and ``detsig demo``) call: it shows the
window and runs the Qt event loop in the calling (main) thread until the window is closed, the
session stops or fails, a duration has passed, or Ctrl-C is pressed.
"""

from __future__ import annotations

import contextlib
import math
import signal
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from detsig.dsp.header import TIME_ZERO_TRACES
from detsig.model import Candidate, GprHeader, MdHeader, PositionTrack
from detsig.viewer.sources import (
    FloatArray,
    RowWindow,
    SourceStatus,
    ViewSource,
    _empty_block,
    _monotonic_or_none,
    display_header,
)


def _live_header(header: GprHeader, snap: Any) -> tuple[GprHeader, bool]:
    """A live GPR stream's header as the recording of it will give it: time zero stated in
    the HELLO, else estimated on the stream's first traces (:func:`display_header`), and
    whether that is final (stated, or estimated on all the traces the estimate uses)."""
    if header.time_zero_stated:
        return display_header(header), True
    first = int(snap.total_rows) - int(snap.data.shape[0])
    if first > 0 or snap.data.shape[0] == 0:
        # the first traces have left the ring (or none came yet): nothing better to measure
        return display_header(header, snap.data if first else None), first > 0
    traces = snap.data[:TIME_ZERO_TRACES]
    return display_header(header, traces), traces.shape[0] >= TIME_ZERO_TRACES


class LiveSource(ViewSource):
    """The newest state of a live session.

    Parameters
    ----------
    display : DisplayBuffers
        The session's display buffers (``session.display``).
    status : callable, optional
        Returns the session's :class:`~detsig.acquire.SessionStatus` (``session.status``);
        called at most :attr:`status_interval_s` apart to refresh the counters.
    title : str
        Window title.
    gpr_stream, md_stream : str, optional
        Streams to show (default: the first of each kind).

    Notes
    -----
    Row indices are global (``total_rows`` since the start); only the newest rows held by the
    ring buffers can be read, older ones come back empty.
    """

    live = True
    #: The ring buffers hold only the newest rows: no scrubbing back through the session.
    seekable = False
    status_interval_s = 0.5

    def __init__(
        self,
        display: Any,
        *,
        status: Callable[[], Any] | None = None,
        title: str = "live session",
        gpr_stream: str | None = None,
        md_stream: str | None = None,
    ) -> None:
        super().__init__()
        self.display = display
        self.title = title
        self._status_fn = status
        self._session_status: Any = None
        self._last_status_s = -math.inf
        self._version = -1
        self._gpr_name = gpr_stream
        self._md_name = md_stream
        self._gpr: Any = None
        self._md: Any = None
        self._gpr_x = np.zeros(0)
        self._md_x = np.zeros(0)
        self._candidates: list[Candidate] = []
        self._counters: dict[str, dict[str, Any]] = {}
        self._fixes: list[dict[str, Any]] = []
        self._time_zero_final = False
        self.refresh()

    # -- snapshot ---------------------------------------------------------------------------
    def _pick(self, streams: dict[str, Any], kind: str, wanted: str | None) -> str | None:
        names = [name for name, snap in streams.items() if snap.info.kind == kind]
        if wanted is not None:
            return wanted if wanted in names else None
        return names[0] if names else None

    def refresh(self) -> bool:
        """Copy the newest snapshot; True when anything arrived since the last call."""
        now = time.monotonic()
        if self._status_fn is not None and now - self._last_status_s >= self.status_interval_s:
            self._last_status_s = now
            # a status read racing the session's stop: keep the last one
            with contextlib.suppress(Exception):
                self._session_status = self._status_fn()
        snapshot = self.display.snapshot()
        if snapshot.version == self._version:
            return False
        self._version = snapshot.version
        streams = snapshot.streams
        gpr_name = self._pick(streams, "gpr", self._gpr_name)
        if gpr_name is None and self._gpr_name is None:
            gpr_name = self._pick(streams, "radar", None)  # radar sweeps in the B-scan
        md_name = self._pick(streams, "md", self._md_name)
        self._gpr = streams.get(gpr_name) if gpr_name else None
        self._md = streams.get(md_name) if md_name else None
        new_gpr = self.gpr is None or self.gpr_name != gpr_name
        if self._gpr is not None and (new_gpr or not self._time_zero_final):
            self.gpr_name = str(gpr_name)
            header = self._gpr.info
            assert isinstance(header, GprHeader)
            if header.kind == "gpr":
                self.gpr, self._time_zero_final = _live_header(header, self._gpr)
            elif new_gpr:
                self.gpr, self._time_zero_final = display_header(header), True
        if self._md is not None and (self.md is None or self.md_name != md_name):
            self.md_name = str(md_name)
            md_header = self._md.info
            assert isinstance(md_header, MdHeader)
            self.md = md_header
        self._counters = snapshot.counters
        self._candidates = list(snapshot.candidates)
        fix = snapshot.gnss
        if fix and (not self._fixes or fix != self._fixes[-1]):
            self._fixes.append(dict(fix))
        self._update_axes()
        return True

    def _first(self, snap: Any) -> int:
        return int(snap.total_rows) - int(snap.data.shape[0])

    def _update_axes(self) -> None:
        gpr, md = self._gpr, self._md
        self.x_unit = "trace"
        if gpr is not None and gpr.data.shape[0] > 1:
            distance = _monotonic_or_none(np.asarray(gpr.distance_m, dtype=np.float64))
            if distance is not None:
                self.x_unit = "m"
                self._gpr_x = distance
            else:
                first = self._first(gpr)
                self._gpr_x = np.arange(first, first + gpr.data.shape[0], dtype=np.float64)
        else:
            self._gpr_x = np.zeros(0 if gpr is None else gpr.data.shape[0])
        if md is None or md.data.shape[0] == 0:
            self._md_x = np.zeros(0)
            return
        md_distance = _monotonic_or_none(np.asarray(md.distance_m, dtype=np.float64))
        if self.x_unit == "m" and md_distance is not None:
            self._md_x = md_distance
        elif gpr is not None and gpr.data.shape[0] > 1 and gpr.host_time_ns[-1] > 0:
            self._md_x = np.interp(
                md.host_time_ns.astype(np.float64),
                gpr.host_time_ns.astype(np.float64),
                self._gpr_x,
                left=np.nan,
                right=np.nan,
            )
        else:
            first = self._first(md)
            self._md_x = np.arange(first, first + md.data.shape[0], dtype=np.float64)

    # -- ViewSource -------------------------------------------------------------------------
    def n_traces(self) -> int:
        return 0 if self._gpr is None else int(self._gpr.total_rows)

    def n_frames(self) -> int:
        return 0 if self._md is None else int(self._md.total_rows)

    def trace_x(self) -> FloatArray:
        return self._gpr_x

    def frame_x(self) -> FloatArray:
        return self._md_x

    def _read(self, snap: Any, x: FloatArray, start: int, stop: int) -> RowWindow:
        if snap is None:
            return _empty_block(0)
        first = self._first(snap)
        lo = max(int(start), first) - first
        hi = min(int(stop), int(snap.total_rows)) - first
        if hi <= lo:
            return _empty_block(int(snap.data.shape[1]))
        return RowWindow(
            first + lo, np.asarray(snap.data[lo:hi], dtype=np.float32), x[lo:hi].copy()
        )

    def read_traces(self, start: int, stop: int) -> RowWindow:
        return self._read(self._gpr, self._gpr_x, start, stop)

    def read_frames(self, start: int, stop: int) -> RowWindow:
        return self._read(self._md, self._md_x, start, stop)

    def frames_between(self, low_x: float, high_x: float) -> RowWindow:
        if self._md is None:
            return _empty_block(0)
        inside = np.flatnonzero((self._md_x >= low_x) & (self._md_x <= high_x))
        if inside.size == 0:
            return _empty_block(int(self._md.data.shape[1]))
        first = self._first(self._md)
        return self.read_frames(first + int(inside[0]), first + int(inside[-1]) + 1)

    def candidates(self) -> list[Candidate]:
        return self._candidates

    def track(self) -> PositionTrack | None:
        fixes = [f for f in self._fixes if "lat_deg" in f and "lon_deg" in f]
        if not fixes:
            return None
        n = len(fixes)

        def column(key: str, default: float) -> list[Any]:
            return [f.get(key, default) if f.get(key) is not None else default for f in fixes]

        return PositionTrack(
            host_time_ns=np.zeros(n, np.int64),
            utc_time_s=np.asarray(column("utc_time_s", math.nan), np.float64),
            lat_deg=np.asarray(column("lat_deg", math.nan), np.float64),
            lon_deg=np.asarray(column("lon_deg", math.nan), np.float64),
            alt_m=np.full(n, math.nan),
            fix_quality=np.asarray(column("fix_quality", 0), np.int8),
            n_satellites=np.asarray(column("n_satellites", 0), np.int16),
            hdop=np.asarray(column("hdop", math.nan), np.float32),
        )

    def status(self) -> SourceStatus:
        counters = self._counters
        session = self._session_status
        by_name: dict[str, dict[str, Any]] = {k: dict(v) for k, v in counters.items()}
        if session is not None:
            for stream in getattr(session, "streams", []):
                by_name.setdefault(stream.name, {}).update(
                    gaps=stream.gaps,
                    gap_events=stream.gap_events,
                    bad_frames=stream.bad_frames,
                    rate_hz=stream.rate_hz,
                )
        gpr_name = self.gpr_name if self.gpr else ""
        md_name = self.md_name if self.md else ""

        def rate(name: str) -> float:
            value = by_name.get(name, {}).get("rate_hz")
            return float(value) if value else math.nan

        # the session's counters: "gaps" are frames lost, "gap_events" the runs of them
        frames_lost = sum(int(v.get("gaps", 0) or 0) for v in by_name.values())
        gaps = sum(int(v.get("gap_events", 0) or 0) for v in by_name.values())
        bad = sum(int(v.get("bad_frames", 0) or 0) for v in by_name.values())
        n_candidates = len(self._candidates)
        if session is not None and getattr(session, "candidates", None) is not None:
            n_candidates = max(n_candidates, int(session.candidates))
        detail = self.title
        if session is not None:
            detail = f"{self.title}, {getattr(session, 'recording_s', 0.0):.1f} s recorded"
        return SourceStatus(
            state="live",
            n_traces=self.n_traces(),
            n_frames=self.n_frames(),
            traces_per_s=rate(gpr_name),
            frames_per_s=rate(md_name),
            gaps=gaps,
            bad_frames=bad,
            n_candidates=n_candidates,
            frames_lost=frames_lost,
            detail=detail,
        )


def prepare_live_view(*, headless: bool = False) -> Any:
    """Check for a display, import Qt, create the application and load the display kernels.

    Call before the session starts (``detsig record --view`` does): importing Qt and
    pyqtgraph and loading the kernels take a second or two of mostly GIL-holding work, which
    must not fall on the reader threads of a running session. Idempotent.

    Parameters
    ----------
    headless : bool
        Create an offscreen application (tests, screenshots) instead of needing a display.

    Returns
    -------
    QApplication
        The running application.

    Raises
    ------
    UsageError
        No display is available and ``headless`` is false.
    """
    from detsig.viewer.app import ensure_app, has_display

    if not headless and not has_display():
        from detsig.errors import UsageError

        raise UsageError(
            "the live view needs a display (DISPLAY or WAYLAND_DISPLAY) and none is set; "
            "record without the live view, then look with 'detsig view FILE'",
            parameter="view",
        )
    app = ensure_app(headless=headless)
    import detsig.viewer.window  # noqa: F401 - imported now, not while recording
    from detsig.viewer.processing import warm_up

    warm_up()
    return app


def run_live_view(
    session: Any,
    *,
    should_stop: Callable[[], bool] | None = None,
    on_tick: Callable[[], None] | None = None,
    duration_s: float | None = None,
    window_traces: int = 1000,
    preset: str = "processed",
    headless: bool = False,
    on_window: Callable[[Any], None] | None = None,
) -> Any:
    """Show the live view of a started session until it ends; returns the (closed) window.

    Parameters
    ----------
    session : LiveSession
        A started session (``session.display`` exists).
    should_stop : callable, optional
        Polled ten times a second; the view ends when it returns True (the record command's
        own stop conditions: Ctrl-C, ``--duration``).
    on_tick : callable, optional
        Called ten times a second from the Qt loop (e.g. to print the status line).
    duration_s : float, optional
        Close the view after this long, s. Otherwise the view ends when the window is closed,
        ``should_stop`` says so, the session fails, or on Ctrl-C.
    window_traces : int
        Traces on screen.
    preset : str
        Display processing preset.
    headless : bool
        Draw offscreen (tests and benchmarks).
    on_window : callable, optional
        Called with the window once it is shown (e.g. to take a screenshot at the end).

    Returns
    -------
    ViewerWindow
        The window, closed.
    """
    from PySide6 import QtCore

    app = prepare_live_view(headless=headless)
    from detsig.viewer.window import ViewerWindow

    source = LiveSource(session.display, status=getattr(session, "status", None))
    window = ViewerWindow(source, window_traces=window_traces, preset=preset)
    window.show()
    if on_window is not None:
        on_window(window)
    started = time.monotonic()
    loop = QtCore.QEventLoop()
    window.destroyed.connect(loop.quit)

    def check() -> None:
        if on_tick is not None:
            on_tick()
        finished = not window.isVisible()
        if getattr(session, "failed", None) is not None:
            finished = True
        if should_stop is not None and should_stop():
            finished = True
        if duration_s is not None and time.monotonic() - started >= duration_s:
            finished = True
        if finished:
            loop.quit()

    guard = QtCore.QTimer()
    guard.setInterval(100)  # also lets Python run its Ctrl-C handler between Qt events
    guard.timeout.connect(check)
    guard.start()
    interrupted = []

    def on_sigint(signum: int, frame: object) -> None:
        interrupted.append(signum)
        loop.quit()

    # Ctrl-C: keep a handler the caller installed (it sets its own stop flag, seen by
    # should_stop); replace only Python's default one, which cannot interrupt the Qt loop.
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.default_int_handler:
        try:
            signal.signal(signal.SIGINT, on_sigint)
        except ValueError:  # not the main thread: Ctrl-C stays with the caller
            previous = None
    else:
        previous = None
    try:
        loop.exec()
    finally:
        guard.stop()
        window.timer.stop()
        window.close()
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        app.processEvents()
    if interrupted:
        raise KeyboardInterrupt
    return window
