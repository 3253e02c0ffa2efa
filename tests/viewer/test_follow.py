"""Follow mode picks up rows that another process appends in SWMR mode."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.viewer.sources import FollowSource

pytestmark = pytest.mark.gui

WRITER = r"""
import sys, time
from pathlib import Path
import numpy as np
from detsig.io.recording import RecordingWriter

path, ready, go = (Path(p) for p in sys.argv[1:4])
def traces(first, n):
    return (np.arange(first, first + n, dtype=np.int16)[:, None] * np.ones(16, np.int16))
with RecordingWriter(path, swmr=True, fsync=False) as writer:
    gpr = writer.add_gpr_stream("gpr0", n_samples=16, dtype="int16", sample_interval_s=1e-10,
                                attrs={"traces_per_s": 100.0})
    md = writer.add_md_stream("md0", n_channels=2, dtype="int32", sample_rate_hz=200.0)
    writer.start_swmr()
    now = time.time_ns()
    gpr.append(traces(0, 100), host_time_ns=now + np.arange(100) * 10**7)
    md.append(np.ones((200, 2), np.int32), host_time_ns=now + np.arange(200) * 5 * 10**6)
    writer.flush()
    ready.touch()
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    for block in range(4):
        first = 100 + 50 * block
        gpr.append(traces(first, 50), host_time_ns=now + (first + np.arange(50)) * 10**7)
        writer.flush()
        time.sleep(0.05)
"""


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the writer exited early: {process.stderr.read()!r}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError("the writer did not start")
        time.sleep(0.02)


def test_follow_picks_up_rows_from_another_process(qtbot: Any, tmp_path: Path) -> None:
    from detsig.viewer.window import ViewerWindow

    path, ready, go = tmp_path / "growing.h5", tmp_path / "ready", tmp_path / "go"
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), str(ready), str(go)],
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(ready, process)
        source = FollowSource(path)
        window = ViewerWindow(source, window_traces=120)
        qtbot.addWidget(window)
        window.show()
        assert source.n_traces() == 100 and source.n_frames() == 200
        assert window.visible_range() == (0, 100)
        assert window.timer.isActive()
        go.touch()
        qtbot.waitUntil(lambda: source.n_traces() == 300, timeout=20000)
        qtbot.waitUntil(lambda: window.visible_range() == (180, 300), timeout=5000)
        # the newest traces are on screen: trace i holds the value i
        np.testing.assert_array_equal(window.bscan.image.image[:, 0], np.arange(180, 300))
        assert window.status.text.startswith("following")
        assert "GPR 300 traces" in window.status.text
        assert source.status().traces_per_s == pytest.approx(100.0, rel=0.01)
        assert process.wait(timeout=30) == 0
        window.close()
        source.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stderr is not None
        process.stderr.close()
