"""The live redraw path does only the work a scrolling view needs (no timing asserts here:
the rates are measured by benchmarks/bench_viewer.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest

from detsig.acquire import DisplayBuffers
from detsig.model import GprHeader, MdHeader, RowBlock
from detsig.viewer import processing
from detsig.viewer.processing import WindowProcessor, apply_preset

INFO = GprHeader(
    n_samples=128,
    sample_interval_s=1e-10,
    time_zero_s=2e-9,
    center_frequency_hz=1e9,
)


def traces(n: int, n_samples: int = 128, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0.0, 400.0, n_samples)  # wow that dewow removes
    return (rng.normal(0.0, 100.0, (n, n_samples)) + ramp).astype(np.float32)


@pytest.mark.parametrize("preset", ["processed", "envelope"])
def test_window_processor_equals_the_batch_preset_as_the_window_slides(preset: str) -> None:
    data = traces(900)
    processor = WindowProcessor()
    # forward in small and large steps, back, a jump with no overlap, a shorter window
    for start, stop in [(0, 300), (7, 307), (40, 340), (339, 639), (20, 320), (600, 900), (0, 50)]:
        got = processor.apply(data[start:stop], start, INFO, preset)
        expected = apply_preset(data[start:stop], INFO, preset)
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5 * np.abs(expected).max())


def test_window_processor_dewows_only_traces_new_to_the_window(monkeypatch: Any) -> None:
    data = traces(500)
    processed_rows: list[int] = []
    original = processing._per_trace_steps

    def counting(rows: np.ndarray, plan: Any) -> np.ndarray:
        processed_rows.append(rows.shape[0])
        return original(rows, plan)

    monkeypatch.setattr(processing, "_per_trace_steps", counting)
    processor = WindowProcessor()
    processor.apply(data[0:300], 0, INFO, "processed")
    assert processed_rows == [300]
    processor.apply(data[33:333], 33, INFO, "processed")  # 33 new traces at the end
    assert processed_rows == [300, 33]
    assert processor.rows_kept == (33, 333)
    processor.apply(data[33:333], 33, INFO, "envelope")  # same traces, other preset
    assert processed_rows == [300, 33]
    other = GprHeader(  # other sampling
        n_samples=128, sample_interval_s=2e-10, center_frequency_hz=1e9
    )
    processor.apply(data[33:333], 33, other, "processed")
    assert processed_rows[-1] == 300
    np.testing.assert_array_equal(processor.apply(data[40:340], 40, INFO, "raw"), data[40:340])


GPR = GprHeader(
    1e-10,
    n_samples=64,
    dtype="int16",
    traces_per_s=1000.0,
    center_frequency_hz=1e9,
    hello={"config": {"traces_per_s": 1000.0, "center_frequency_hz": 1e9}},
)
MD = MdHeader(10000.0, ("a", "b"), dtype="int16")


def rows(first: int, n: int, width: int, step_m: float, seed: int) -> RowBlock:
    index = np.arange(first, first + n)
    data = np.random.default_rng(seed).integers(-3000, 3000, (n, width)).astype(np.int16)
    return RowBlock(
        data=data,
        seq=index.astype(np.uint32),
        device_time_us=(index * 1000).astype(np.uint64),
        host_time_ns=(10**18 + index * int(step_m / 0.002 * 1e6)).astype(np.int64),
        distance_m=index * step_m,
        lat_deg=np.full(n, np.nan),
        lon_deg=np.full(n, np.nan),
        first_row=first,
    )


class PaintCounter:
    """Counts the paint events of a widget's viewport."""

    def __init__(self, view: Any) -> None:
        from PySide6 import QtCore

        class Filter(QtCore.QObject):
            count = 0

            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QtCore.QEvent.Type.Paint:
                    Filter.count += 1
                return False

        self.filter = Filter()
        view.viewport().installEventFilter(self.filter)

    @property
    def count(self) -> int:
        return int(type(self.filter).count)


@pytest.mark.gui
def test_live_redraw_paints_each_view_once_and_strips_show_new_frames(qtbot: Any) -> None:
    from PySide6 import QtWidgets

    from detsig.viewer.live import LiveSource
    from detsig.viewer.window import ViewerWindow

    buffers = DisplayBuffers({"gpr0": GPR, "md0": MD}, gpr_rows=600, md_rows=6000)
    n_traces = n_frames = 0

    def push(n: int) -> None:
        nonlocal n_traces, n_frames
        buffers.push_rows("gpr0", rows(n_traces, n, 64, 0.002, n_traces))
        buffers.push_rows("md0", rows(n_frames, 10 * n, 2, 0.0002, n_frames + 1))
        n_traces += n
        n_frames += 10 * n

    push(500)
    window = ViewerWindow(LiveSource(buffers), window_traces=400, preset="processed")
    window.timer.stop()  # polled by hand below
    qtbot.addWidget(window)
    window.resize(1000, 700)
    window.show()
    app = QtWidgets.QApplication.instance()
    for _ in range(3):  # layout settles
        push(30)
        window.poll()
        app.processEvents()
    bscan_paints, md_paints = PaintCounter(window.bscan), PaintCounter(window.mdstrip)
    redraws = window.n_redraws
    for _ in range(6):
        push(30)
        assert window.poll()
        app.processEvents()
    assert window.n_redraws - redraws == 6
    assert bscan_paints.count <= 6  # pyqtgraph's deferred view updates no longer add a paint
    assert md_paints.count <= 6
    # the image is the processed window of the newest traces
    source = window.source
    block = source.read_traces(n_traces - 400, n_traces)
    expected = apply_preset(block.data, source.gpr, "processed")
    image = window.bscan.image.image
    np.testing.assert_allclose(image, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    # the strips' drawn (decimated) curves reach the newest frames of the window
    x_low, x_high = window.bscan.plot.vb.viewRange()[0]
    for curve in window.mdstrip.curves:
        x, y = curve.getData()
        assert x is not None and x.size > 0
        assert x_low - 0.01 <= x[0] and x[-1] <= x_high + 0.01
        assert x[-1] >= block.x[-1] - 0.01  # not the previous redraw's frames
        _, original_y = curve.getOriginalDataset()
        assert np.nanmax(y) == pytest.approx(np.nanmax(original_y))  # peaks survive
    window.close()


def run_offscreen_window(*, with_filter: bool) -> str:
    """stderr of a process that shows a window offscreen, changes its size hints and warns."""
    script = textwrap.dedent(
        f"""
        import detsig.viewer.app as app_module
        if not {with_filter}:
            app_module.install_message_filter = lambda: None
        app = app_module.ensure_app(headless=True)
        from PySide6 import QtCore, QtWidgets
        window = QtWidgets.QMainWindow()
        window.setCentralWidget(QtWidgets.QLabel("x"))
        window.show()
        app.processEvents()
        window.setMinimumWidth(200)  # the offscreen plugin warns on every size-hint change
        window.setMaximumWidth(900)
        app.processEvents()
        QtCore.qWarning("another warning")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_offscreen_size_hint_warning_is_dropped_and_others_are_kept() -> None:
    unfiltered = run_offscreen_window(with_filter=False)
    if "propagateSizeHints" not in unfiltered:
        pytest.skip("this Qt's offscreen plugin does not print the size-hint warning")
    filtered = run_offscreen_window(with_filter=True)
    assert "propagateSizeHints" not in filtered
    assert "another warning" in filtered
