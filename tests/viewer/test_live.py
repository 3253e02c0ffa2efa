"""The live view reads the acquisition session's display buffers, newest data first."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.acquire import DisplayBuffers
from detsig.model import Candidate, GprHeader, MdHeader, RowBlock
from detsig.viewer.live import LiveSource

pytestmark = pytest.mark.gui

GPR = GprHeader(
    1e-10,
    n_samples=32,
    dtype="int16",
    traces_per_s=1000.0,
    center_frequency_hz=1e9,
    hello={"config": {"traces_per_s": 1000.0, "center_frequency_hz": 1e9}},
)
MD = MdHeader(500.0, ("a", "b"), dtype="int32")


def rows(first: int, n: int, width: int, dtype: str, step_ns: int) -> RowBlock:
    index = np.arange(first, first + n)
    data = (index[:, None] % 30000 * np.ones(width)).astype(dtype)
    return RowBlock(
        data=data,
        seq=index.astype(np.uint32),
        device_time_us=(index * step_ns // 1000).astype(np.uint64),
        host_time_ns=(10**18 + index * step_ns).astype(np.int64),
        distance_m=index * 0.002 if width == 32 else index * 0.004 / 2,
        lat_deg=np.full(n, np.nan),
        lon_deg=np.full(n, np.nan),
        first_row=first,
    )


def test_live_source_follows_the_ring_buffers(qtbot: Any) -> None:
    from detsig.viewer.window import ViewerWindow

    buffers = DisplayBuffers({"gpr0": GPR, "md0": MD}, gpr_rows=500, md_rows=1000)
    source = LiveSource(buffers)
    assert source.n_traces() == 0 and source.read_traces(0, 10).n_rows == 0
    window = ViewerWindow(source, window_traces=300)
    qtbot.addWidget(window)
    window.show()
    assert window.replay_bar.isHidden()  # the ring holds the newest rows only: no scrubbing
    buffers.push_rows("gpr0", rows(0, 400, 32, "int16", 10**6))
    buffers.push_rows("md0", rows(0, 800, 2, "int32", 2 * 10**6))
    buffers.push_candidates([Candidate(score=0.7, detector="gpr", stream="gpr0", x_m=0.7)])
    assert window.poll()
    assert source.x_unit == "m"
    assert window.visible_range() == (100, 400)
    np.testing.assert_array_equal(window.bscan.image.image[:, 0], np.arange(100, 400))
    assert window.markers.n_shown == 1
    assert "live" in window.status.text and "GPR 400 traces" in window.status.text
    # more rows than the ring holds: the oldest are gone, the view shows the newest
    buffers.push_rows("gpr0", rows(400, 600, 32, "int16", 10**6))
    assert window.poll()
    assert source.n_traces() == 1000
    assert source.read_traces(0, 400).n_rows == 0
    assert window.visible_range() == (700, 1000)
    np.testing.assert_array_equal(window.bscan.image.image[:, 0], np.arange(700, 1000))
    assert not window.poll()  # nothing new: no redraw
    # the timer drives polling by itself
    before = window.n_redraws
    buffers.push_rows("gpr0", rows(1000, 50, 32, "int16", 10**6))
    qtbot.waitUntil(lambda: window.n_redraws > before, timeout=2000)
    assert window.visible_range() == (750, 1050)
    window.close()


@pytest.mark.slow
def test_live_view_of_a_real_session(qtbot: Any, tmp_path: Path) -> None:
    """Emulated devices on ptys -> LiveSession -> run_live_view (headless), as record --view."""
    from detsig.acquire import LiveSession, SessionOptions
    from detsig.sim.emulator import EmulatedDevice
    from detsig.viewer.live import prepare_live_view, run_live_view

    devices = [EmulatedDevice(k, "standard", 3, wait_start=True, speed=4.0) for k in ("gpr", "md")]
    ports = [device.start() for device in devices]
    session = LiveSession(SessionOptions(ports=ports, output=tmp_path / "live.h5"))
    shown: list[Any] = []
    started: list[float] = []

    def on_window(window: Any) -> None:
        shown.append(window)
        started.append(time.monotonic())

    prepare_live_view(headless=True)
    try:
        session.open()
        session.start()
        window = run_live_view(
            session,
            should_stop=lambda: bool(started) and time.monotonic() - started[0] > 2.0,
            headless=True,
            on_window=on_window,
        )
        status = session.status()
    finally:
        session.stop()
        for device in devices:
            device.stop()
    assert shown and shown[0] is window
    assert window.n_redraws > 10
    source = window.source
    assert source.n_traces() > 100 and source.n_frames() > 100
    # the B-scan shows the newest traces the buffers held at the last redraw
    start, stop = window.visible_range()
    assert stop == source.n_traces()
    np.testing.assert_array_equal(
        window.bscan.image.image.shape, (stop - start, source.gpr.n_samples)
    )
    gpr_status = next(s for s in status.streams if s.kind == "gpr")
    assert gpr_status.gaps == 0 and gpr_status.bad_frames == 0
    window.close()
