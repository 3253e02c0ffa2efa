"""One lane through every viewer source: the same axes, time zero, rows and MD channels.

The sources: :class:`RecordingSource` (the file), :class:`FollowSource` (the same rows written
by a live SWMR session), :class:`ScanSource` (the GPR stream as a scan in memory, the vendor
path) and :class:`LiveSource` running on a live session whose device is the recording
replayed (``detsig record --replay``). The test reads only what the views read: the stream
descriptions (``gpr``/``md``), ``x_unit``, ``trace_x``/``frame_x`` and the row windows.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.acquire import LiveSession, SessionOptions
from detsig.io.recording import RecordingWriter, open_recording
from detsig.viewer.live import LiveSource
from detsig.viewer.sources import FollowSource, RecordingSource, ScanSource, ViewSource

pytestmark = pytest.mark.gui


def without_time_zero(source: Path, path: Path) -> Path:
    """The lane again, but stating no time zero (attribute and HELLO): every source must then
    estimate the same one (the detectors' resolver)."""
    with open_recording(source) as rec, RecordingWriter(path, fsync=False) as writer:
        g, m = rec.streams["gpr0"], rec.streams["md0"]
        hello = g.device
        hello["config"] = {k: v for k, v in hello["config"].items() if k != "time_zero_s"}
        gpr = writer.add_gpr_stream(
            "gpr0",
            device=hello,
            n_samples=g.shape[1],
            dtype=g.dtype,
            sample_interval_s=g.attrs["sample_interval_s"],
            center_frequency_hz=g.attrs["center_frequency_hz"],
            attrs={k: g.attrs[k] for k in ("traces_per_s", "trace_step_m", "antenna_height_m")},
        )
        columns = ("seq", "device_time_us", "host_time_ns", "distance_m")
        gpr.append(g.data[:], **{c: g.column(c) for c in columns})
        series = m.read_md()
        md = writer.add_md_stream(
            "md0",
            device=m.device,
            n_channels=m.shape[1],
            dtype=m.dtype,
            sample_rate_hz=series.sample_rate_hz,
            channel_names=list(series.channel_names),
            units=series.units,
        )
        md.append(m.data[:], **{c: m.column(c) for c in columns})
    return path


def replayed(source: Path, output: Path, *, swmr: bool = False) -> LiveSession:
    """A live session on the recording replayed (display buffers large enough for the lane)."""
    session = LiveSession(
        SessionOptions(
            ports=[],
            output=output,
            replay=source,
            swmr=swmr,
            display_gpr_rows=4096,
            display_md_rows=20000,
        )
    )
    session.open()
    session.start()
    try:
        deadline = time.monotonic() + 60
        while not session.input_ended and time.monotonic() < deadline:
            time.sleep(0.02)
        assert session.input_ended
    finally:
        session.stop()
    assert session.failed is None
    return session


def describe(source: ViewSource) -> dict[str, Any]:
    """What a view draws from a source: axes, time zero, rows and MD channels."""
    gpr, md = source.gpr, source.md
    assert gpr is not None
    n_traces, n_frames = source.n_traces(), source.n_frames()
    traces = source.read_traces(0, n_traces)
    frames = source.read_frames(0, n_frames)
    return {
        "x_unit": source.x_unit,
        "trace_x": source.trace_x(),
        "frame_x": source.frame_x() if md is not None else None,
        "time_axis_ns": gpr.time_axis_s() * 1e9,
        "time_zero_s": gpr.time_zero_s,
        "sample_interval_s": gpr.sample_interval_s,
        "n_samples": gpr.n_samples,
        "traces": traces.data,
        "traces_x": traces.x,
        "frames": frames.data if md is not None else None,
        "frames_x": frames.x if md is not None else None,
        "channels": tuple(md.channel_names) if md is not None else None,
        "md_rate_hz": md.sample_rate_hz if md is not None else None,
    }


def assert_same(reference: dict[str, Any], other: dict[str, Any], name: str) -> None:
    for key, value in reference.items():
        if value is None or other[key] is None:
            continue  # a scan source has no MD stream
        if isinstance(value, np.ndarray):
            assert other[key].shape == value.shape, f"{name}: {key} shape"
            np.testing.assert_array_equal(other[key], value, err_msg=f"{name}: {key}")
        else:
            assert other[key] == value, f"{name}: {key}"


@pytest.mark.parametrize("stated", [True, False], ids=["time-zero-stated", "time-zero-estimated"])
def test_every_source_shows_the_same_lane(lane_path: Path, tmp_path: Path, stated: bool) -> None:
    path = lane_path if stated else without_time_zero(lane_path, tmp_path / "no-t0.h5")
    with RecordingSource(path) as recording:
        reference = describe(recording)
    assert reference["x_unit"] == "m" and reference["channels"] is not None
    assert reference["traces"].shape == (1001, reference["n_samples"])
    assert reference["time_zero_s"] > 0  # stated or estimated, never a silent 0
    np.testing.assert_allclose(
        reference["time_axis_ns"][:2],
        np.array([0.0, reference["sample_interval_s"]]) * 1e9 - reference["time_zero_s"] * 1e9,
    )

    with open_recording(path) as rec:
        scan = rec.streams["gpr0"].read_scan()
    assert_same(reference, describe(ScanSource(scan, title=path.name)), "ScanSource")

    followed = tmp_path / "followed.h5"
    session = replayed(path, followed, swmr=True)
    live = LiveSource(session.display)
    assert_same(reference, describe(live), "LiveSource on the replay")
    with FollowSource(followed) as follow:
        follow.refresh()
        assert_same(reference, describe(follow), "FollowSource")


def test_replay_and_live_status_count_the_same_frames_lost(tmp_path: Path) -> None:
    """Gaps are counted as frames lost, live (the session's counters) and in replay (the
    events' counts), under the same name."""
    path = tmp_path / "gaps.h5"
    n = 300
    with RecordingWriter(path, fsync=False) as writer:
        gpr = writer.add_gpr_stream(
            "gpr0", n_samples=16, dtype="int16", sample_interval_s=1e-10, time_zero_s=0.0
        )
        host = 10**18 + np.arange(n, dtype=np.int64) * 10**6
        gpr.append(
            np.ones((n, 16), np.int16),
            host_time_ns=host,
            device_time_us=np.arange(n, dtype=np.uint64) * 1000,
            distance_m=np.arange(n) * 0.01,
        )
        writer.add_event("gap", stream="gpr0", detail="4 missing", host_time_ns=host[50], count=4)
        writer.add_event("gap", stream="gpr0", detail="9 missing", host_time_ns=host[90], count=9)
        writer.add_event("bad_frame", stream="gpr0", detail="crc", host_time_ns=host[91])
    with RecordingSource(path) as source:
        replay = source.status()
    assert (replay.gaps, replay.frames_lost, replay.bad_frames) == (2, 13, 1)
    session = replayed(path, tmp_path / "again.h5")
    live = LiveSource(session.display, status=session.status).status()
    assert (live.gaps, live.frames_lost, live.bad_frames) == (2, 13, 1)
    with RecordingSource(tmp_path / "again.h5") as again:
        rerecorded = again.status()
    assert (rerecorded.gaps, rerecorded.frames_lost, rerecorded.bad_frames) == (2, 13, 1)


def test_the_status_bar_names_the_frames_lost() -> None:
    from detsig.viewer.sources import SourceStatus
    from detsig.viewer.status import format_status

    for state in ("replay", "live"):
        fields = format_status(SourceStatus(state, gaps=2, frames_lost=13), n_shown=0, fps=0.0)
        assert "gaps 2 (13 frames lost)" in fields
        assert "gaps 0" in format_status(SourceStatus(state), n_shown=0, fps=0.0)


def test_the_live_window_runs_on_a_replay(lane_path: Path, tmp_path: Path, qtbot: Any) -> None:
    """``detsig record --replay FILE --view``: the live window, fed by the session's display
    buffers while the replay plays at 4x, ends with the lane's last traces on screen."""
    from detsig.viewer.live import prepare_live_view, run_live_view

    session = LiveSession(
        SessionOptions(ports=[], output=tmp_path / "viewed.h5", replay=lane_path, replay_speed=4)
    )
    prepare_live_view(headless=True)
    session.open()
    session.start()
    try:
        window = run_live_view(
            session, should_stop=lambda: session.input_ended, headless=True, window_traces=300
        )
    finally:
        session.stop()
    window.poll()  # the last rows that arrived after the last timer tick
    source = window.source
    assert isinstance(source, LiveSource) and window.n_redraws > 5
    assert source.n_traces() == 1001 and source.x_unit == "m"
    assert window.visible_range() == (701, 1001)
    with RecordingSource(lane_path) as recording:
        np.testing.assert_array_equal(
            source.read_traces(701, 1001).data, recording.read_traces(701, 1001).data
        )
        assert source.gpr is not None and recording.gpr is not None
        assert source.gpr.time_zero_s == recording.gpr.time_zero_s
    window.close()
