"""Every view draws real data from a recording (pytest-qt, offscreen)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.viewer.bscan import DisplaySettings
from detsig.viewer.processing import apply_preset
from detsig.viewer.sources import RecordingSource, open_source

from .conftest import write_empty, write_short
from .test_sources import VENDOR_FILES

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, lane_path: Path) -> Any:
    from detsig.viewer.window import ViewerWindow

    source = RecordingSource(lane_path)
    view = ViewerWindow(source, window_traces=600, preset="raw")
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    yield view
    view.close()
    source.close()


def test_bscan_shows_the_window_of_traces(window: Any) -> None:
    start, stop = window.visible_range()
    assert (start, stop) == (0, 600)
    expected = window.source.read_traces(start, stop).data
    image = window.bscan.image.image
    np.testing.assert_array_equal(image, expected)
    levels = window.bscan.image.getLevels()
    assert levels[0] < 0 < levels[1]
    # the x axis is in metres and spans the shown traces
    x_low, x_high = window.bscan.plot.vb.viewRange()[0]
    trace_x = window.source.trace_x()
    assert x_low == pytest.approx(trace_x[0], abs=0.02)
    assert x_high == pytest.approx(trace_x[599], abs=0.02)
    assert window.bscan.plot.getAxis("bottom").labelUnits == "m"


def test_processed_preset_changes_the_image(window: Any) -> None:
    raw = window.bscan.image.image.copy()
    window.preset_box.setCurrentText("processed")
    processed = window.bscan.image.image
    assert processed.shape == raw.shape
    assert not np.allclose(processed, raw)
    expected = apply_preset(window.source.read_traces(0, 600).data, window.source.gpr, "processed")
    np.testing.assert_allclose(processed, expected, rtol=1e-5, atol=1e-3)


def test_ascan_follows_the_cursor(window: Any) -> None:
    trace_x = window.source.trace_x()
    window.bscan.show_ascan_at(trace_x[123])
    amplitude, _ = window.bscan.ascan_curve.getData()
    np.testing.assert_allclose(amplitude, window.bscan.shown_data[123])
    assert window.bscan.cursor_line.value() == pytest.approx(trace_x[123])


def test_md_strips_show_frames_under_the_window(window: Any) -> None:
    assert len(window.mdstrip.curves) == 4
    x, y = window.mdstrip.curves[0].getOriginalDataset()
    trace_x = window.source.trace_x()
    assert x[0] >= trace_x[0] - 1e-9 and x[-1] <= trace_x[599] + 1e-9
    assert x.size > 2000  # 500 frames/s at 0.5 m/s: ~1000 frames per metre
    first = int(np.searchsorted(window.source.frame_x(), trace_x[0]))
    np.testing.assert_array_equal(y, window.source.read_frames(first, first + y.size).data[:, 0])


def test_markers_truth_and_threshold(window: Any) -> None:
    low, high = window.source.trace_x()[[0, 599]]
    candidates = window.source.candidates()
    in_view = [c for c in candidates if low <= c.x_m <= high]
    assert in_view, "the fixture lane has targets in the first 6 m"
    assert window.markers.n_shown == len(in_view)
    truth = window.source.truth()
    truth_in_view = [t for t in truth.targets if low <= t.x_m <= high]
    assert len(window.markers.truth_items.data) == len(truth_in_view)
    # candidate depth -> two-way time with the velocity of the eps_r box
    x, y = window.markers.candidate_items.getData()
    velocity = window.bscan.settings.velocity_m_per_s
    first = min(in_view, key=lambda c: c.x_m)
    index = int(np.argmin(np.abs(x - first.x_m)))
    assert y[index] == pytest.approx(2 * first.depth_m / velocity * 1e9)
    # the threshold hides the weaker candidates
    median = float(np.median([c.score for c in in_view]))
    window.threshold.set_threshold(median)
    assert window.markers.n_shown == sum(c.score >= window.threshold.threshold for c in in_view)
    assert 0 < window.markers.n_shown < len(in_view)
    window.truth_box.setChecked(False)
    assert len(window.markers.truth_items.data) == 0
    assert "candidates" in window.status.text


def test_depth_and_trace_axes(window: Any) -> None:
    window.vertical_box.setCurrentText("depth")
    depth = window.bscan.vertical_axis()
    time_ns = window.source.gpr.time_axis_s() * 1e9
    np.testing.assert_allclose(depth, time_ns * 1e-9 * window.bscan.settings.velocity_m_per_s / 2)
    window.eps_box.setValue(4.0)
    np.testing.assert_allclose(window.bscan.vertical_axis(), time_ns * 1e-9 * 299792458.0 / 4)
    window.x_box.setCurrentText("trace")
    assert window.bscan.plot.vb.viewRange()[0][1] == pytest.approx(599.5, abs=1)
    # candidates follow the axis change
    x, _ = window.markers.candidate_items.getData()
    assert x.size and x.max() > 50


def test_replay_plays_and_scrubs(window: Any, qtbot: Any) -> None:
    controller = window.controller
    controller.seek(700)
    assert window.visible_range() == (100, 700)
    window.replay_bar.slider.setValue(900)
    assert controller.position == 900
    assert window.visible_range() == (300, 900)
    controller.set_speed(50)
    controller.play(from_position=600)
    qtbot.waitUntil(lambda: controller.position >= 800, timeout=5000)
    controller.pause()
    assert not controller.playing
    before = window.n_redraws
    controller.advance(0.1)  # 50x of 100 traces/s for 0.1 s = 500 traces, clipped to the end
    assert controller.position == 1001 and window.n_redraws == before + 1


def test_status_bar_counts(window: Any) -> None:
    text = window.status.text
    assert "GPR 1,001 traces (100/s)" in text
    assert "MD 10,001 frames (500/s)" in text
    assert "gaps 0" in text and "bad frames 0" in text


def test_gnss_track_and_fix_quality(qtbot: Any, gnss_path: Path) -> None:
    from detsig.viewer.window import ViewerWindow

    with RecordingSource(gnss_path) as source:
        view = ViewerWindow(source)
        qtbot.addWidget(view)
        view.show()
        assert not view.gnss_dock.isHidden()
        east, north = view.gnss.scatter.getData()
        assert east.size == 40
        assert east[-1] > 5.0 and north[-1] > 4.0  # 39 * 2e-6 deg east at 46 N ~ 6 m
        assert view.gnss.summary.startswith("RTK fixed 75%")
        assert view.bscan.plot.getAxis("bottom").labelText == "trace"
        view.close()


def _open_window(qtbot: Any, path: Path) -> Any:
    from detsig.viewer.window import ViewerWindow

    source = open_source(path)
    view = ViewerWindow(source, settings=DisplaySettings())
    qtbot.addWidget(view)
    view.show()
    view.redraw()
    return view, source


def test_empty_and_short_files_draw(qtbot: Any, tmp_path: Path) -> None:
    for path in (
        write_empty(tmp_path / "empty.h5"),
        write_short(tmp_path / "one.h5", 1),
        write_short(tmp_path / "two.h5", 2),
    ):
        view, source = _open_window(qtbot, path)
        assert (
            view.bscan.image.image is None or view.bscan.image.image.shape[0] == source.n_traces()
        )
        view.controller.play()
        view.controller.advance(1.0)
        view.close()
        source.close()


@pytest.mark.parametrize("name", VENDOR_FILES)
def test_vendor_files_draw(qtbot: Any, shared_data: Path, name: str) -> None:
    path = shared_data / name
    if not path.exists():
        pytest.skip(f"{path} is absent")
    view, source = _open_window(qtbot, path)
    image = view.bscan.image.image
    assert image is not None and image.shape[0] == min(source.n_traces(), view.window_traces)
    view.preset_box.setCurrentText("processed")
    assert np.isfinite(view.bscan.image.image).all()
    view.close()
    source.close()
