"""The viewer's "detector" preset shows exactly what the GPR detectors look at: the image equals
the output of the detectors' preprocessing (:class:`GprPreprocessor`, streamed in chunks) on the
same simulated lane, for the whole lane and for a window in the middle of it."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detsig.detect.gpr_common import GprPreprocessor
from detsig.detect.lane_input import load_lane
from detsig.dsp.pipeline import PipelineError
from detsig.model import GprHeader
from detsig.viewer import processing
from detsig.viewer.sources import RecordingSource

pytestmark = pytest.mark.gui


def detector_view(lane_path: Path) -> np.ndarray:
    """What the GPR detectors see on the lane: their preprocessing fed in uneven chunks."""
    with load_lane(lane_path) as lane:
        assert lane.gpr is not None
        rows, n = lane.gpr.rows, lane.gpr.rows.n_rows
        pre = GprPreprocessor(lane.gpr.header, 1.5)  # the detectors' background_window_m
        cuts = [0, 97, 98, 400, 733, n]
        out = [
            pre.process(*rows.rows(a, b)[:2], final=b == n)[0] for a, b in itertools.pairwise(cuts)
        ]
    return np.concatenate(out)


def open_window(qtbot: Any, lane_path: Path, window_traces: int) -> Any:
    from detsig.viewer.window import ViewerWindow

    window = ViewerWindow(RecordingSource(lane_path), window_traces=window_traces, preset="raw")
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    return window


def test_detector_preset_image_is_what_the_detector_sees(qtbot: Any, lane_path: Path) -> None:
    expected = detector_view(lane_path)
    window = open_window(qtbot, lane_path, 1001)
    assert "detector" in [window.preset_box.itemText(i) for i in range(window.preset_box.count())]
    window.preset_box.setCurrentText("detector")
    assert window.preset_problem == ""
    image = np.asarray(window.bscan.image.image)
    assert image.shape == expected.shape == (1001, window.source.gpr.n_samples)
    # computed in float64 like the detectors (in other chunks), shown as float32
    np.testing.assert_allclose(image, expected, rtol=0, atol=1e-6 * np.abs(expected).max())
    raw = np.asarray(window.source.read_traces(0, 1001).data)
    assert not np.allclose(image, raw)


def test_a_sliding_detector_window_shows_the_detector_s_rows(qtbot: Any, lane_path: Path) -> None:
    expected = detector_view(lane_path).astype(np.float32)
    window = open_window(qtbot, lane_path, 300)
    window.preset_box.setCurrentText("detector")
    tolerance = 1e-6 * np.abs(expected).max()
    for stop in (500, 517, 640, 1001, 300):
        window.controller.seek(stop)
        start = stop - 300
        image = np.asarray(window.bscan.image.image)
        np.testing.assert_allclose(image, expected[start:stop], rtol=0, atol=tolerance)


def test_detector_preset_needs_a_trace_step() -> None:
    info = GprHeader(n_samples=64, sample_interval_s=1e-10, center_frequency_hz=1e9)
    data = np.random.default_rng(0).normal(size=(40, 64)).astype(np.float32)
    with pytest.raises(PipelineError, match="trace_step_m"):
        processing.apply_preset(data, info, "detector")
    got = processing.WindowProcessor().apply(data, 0, info, "detector", trace_step_m=0.01)
    np.testing.assert_allclose(
        got, processing.apply_preset(data, info, "detector", 0.01), rtol=0, atol=1e-6
    )


def test_window_processor_streams_the_detector_preset() -> None:
    """Sliding forward, the processor feeds only new traces to the preset's streaming form; the
    rows it shows equal the whole line's (and a start-over equals the batch form)."""
    info = GprHeader(
        n_samples=64,
        sample_interval_s=1e-10,
        time_zero_s=2e-9,
        center_frequency_hz=1e9,
    )
    rng = np.random.default_rng(3)
    data = rng.normal(size=(900, 64)).astype(np.float32)
    data[:, 18:24] += 30 * np.sin(np.arange(6, dtype=np.float32))
    whole = processing.apply_preset(data, info, "detector", 0.01)
    margin = processing.context_rows("detector", info, 0.01)
    assert margin == 109
    processor = processing.WindowProcessor()
    tolerance = 1e-6 * np.abs(whole).max()
    for start, stop in [(0, 300), (40, 340), (41, 345), (200, 600), (500, 900), (100, 400)]:
        lo, hi = processor.padded_range(start, stop, len(data), info, "detector", 0.01)
        assert lo % 4 == 0 and lo <= max(start - margin, 0) and hi == min(stop + margin, 900)
        got = processor.apply(data[lo:hi], lo, info, "detector", 0.01)
        assert got.shape == (hi - lo, 64)
        shown = got[start - lo : stop - lo]
        np.testing.assert_allclose(shown, whole[start:stop], rtol=0, atol=tolerance)
    fresh = processing.WindowProcessor().apply(data[200:700], 200, info, "detector", 0.01)
    np.testing.assert_allclose(
        fresh, processing.apply_preset(data[200:700], info, "detector", 0.01), atol=tolerance
    )


def test_detector_preset_screenshot(qtbot: Any, lane_path: Path, tmp_path: Path) -> None:
    from detsig.viewer.screenshot import render_window

    from .test_screenshot import png_array

    window = open_window(qtbot, lane_path, 1001)
    window.preset_box.setCurrentText("detector")
    png = render_window(window, tmp_path / "detector.png")
    pixels = png_array(png)
    assert pixels.shape == (900, 1400, 3)
    assert pixels.mean(axis=2).std() > 20
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
