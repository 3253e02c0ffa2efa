"""Screenshots are not blank and show the hyperbolas and the candidate markers where they are.

Pixel statistics are taken at the screen positions of the truth targets (hyperbola apices) and
of the candidates, and compared with the rest of the B-scan.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6 import QtCore, QtGui

from detsig.viewer.markers import CANDIDATE_COLOR
from detsig.viewer.screenshot import screenshot
from detsig.viewer.sources import RecordingSource

pytestmark = pytest.mark.gui


def png_array(path: Path) -> np.ndarray:
    """RGB pixels of a PNG, shape (height, width, 3), uint8."""
    image = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format_RGB888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    return (
        buffer.reshape(height, image.bytesPerLine())[:, : width * 3]
        .reshape(height, width, 3)
        .copy()
    )


def to_pixel(window: Any, x: float, y: float) -> tuple[int, int]:
    """Window pixel (column, row) of B-scan data coordinates (x, y)."""
    scene = window.bscan.plot.vb.mapViewToScene(QtCore.QPointF(x, y))
    local = window.bscan.mapFromScene(scene)
    point = window.bscan.mapTo(window, local)
    return point.x(), point.y()


def image_box(window: Any) -> tuple[int, int, int, int]:
    """Pixel bounds (left, top, right, bottom) of the B-scan image."""
    rect = window.bscan.image.mapRectToScene(window.bscan.image.boundingRect())
    top_left = window.bscan.mapTo(window, window.bscan.mapFromScene(rect.topLeft()))
    bottom_right = window.bscan.mapTo(window, window.bscan.mapFromScene(rect.bottomRight()))
    return top_left.x(), top_left.y(), bottom_right.x(), bottom_right.y()


def shoot(
    qtbot: Any, lane_path: Path, png: Path, *, truth: bool = True, **options: Any
) -> tuple[np.ndarray, Any]:
    from detsig.viewer.window import ViewerWindow

    source = RecordingSource(lane_path)
    window = ViewerWindow(source, window_traces=1001, preset="processed", **options)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    window.truth_box.setChecked(truth)
    from detsig.viewer.screenshot import render_window

    render_window(window, png)
    return png_array(png), window


def test_screenshot_is_not_blank(tmp_path: Path, lane_path: Path) -> None:
    with RecordingSource(lane_path) as source:
        path = screenshot(source, tmp_path / "lane.png", preset="processed")
    pixels = png_array(path)
    assert pixels.shape == (900, 1400, 3)
    grey = pixels.mean(axis=2)
    assert grey.std() > 20  # not a flat frame
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200
    with pytest.raises(Exception, match="already exists"), RecordingSource(lane_path) as source:
        screenshot(source, path)


def test_hyperbola_apices_stand_out(qtbot: Any, tmp_path: Path, lane_path: Path) -> None:
    pixels, window = shoot(qtbot, lane_path, tmp_path / "apices.png", truth=False, threshold=1e9)
    grey = pixels.mean(axis=2)
    left, top, right, bottom = image_box(window)
    area = grey[top:bottom, left:right]
    background = float(np.median(np.abs(area - np.median(area))))
    truth = window.source.truth()
    velocity = window.bscan.settings.velocity_m_per_s
    center = float(np.median(area))

    def energy(column: int, row: int) -> float:
        return float(np.abs(grey[row - 6 : row + 7, column - 6 : column + 7] - center).mean())

    apex = []
    for target in truth.targets:
        apex.append(energy(*to_pixel(window, target.x_m, 2 * target.depth_m / velocity * 1e9)))
    # control boxes: a grid over the image below the surface band and away from the targets
    _, surface_row = to_pixel(window, 0.0, 1.0)
    controls = [
        energy(column, row)
        for column in range(left + 10, right - 10, 12)
        for row in range(surface_row, bottom - 10, 12)
        if all(abs(to_pixel(window, t.x_m, 0.0)[0] - column) > 40 for t in truth.targets)
    ]
    assert background > 0  # the image has texture (noise), it is not flat
    typical = float(np.percentile(controls, 90))
    brighter = [value > typical for value in apex]
    # the hyperbolas are where the targets are: most apices outshine 90 % of the background
    assert sum(brighter) >= 0.8 * len(apex), (apex, typical)
    assert float(np.median(apex)) > 2.0 * float(np.median(controls)), (apex, controls)
    window.close()


def test_candidate_markers_are_drawn_at_their_positions(
    qtbot: Any, tmp_path: Path, lane_path: Path
) -> None:
    pixels, window = shoot(qtbot, lane_path, tmp_path / "markers.png")
    color = np.array(CANDIDATE_COLOR, dtype=np.int16)
    marker_mask = (np.abs(pixels.astype(np.int16) - color).sum(axis=2) < 60).astype(np.int16)
    left, top, right, bottom = image_box(window)
    velocity = window.bscan.settings.velocity_m_per_s
    hits = []
    for candidate in window.source.candidates():
        column, row = to_pixel(window, candidate.x_m, 2 * candidate.depth_m / velocity * 1e9)
        hits.append(int(marker_mask[row - 14 : row + 15, column - 14 : column + 15].sum()))
    assert min(hits) >= 20, hits  # a ring of >= 20 marker-coloured pixels around each one
    # away from the candidates (deep part of the image) there is no marker colour
    deep = marker_mask[top + (bottom - top) * 3 // 4 : bottom, left:right]
    assert deep.sum() == 0
    window.close()


def test_screenshot_into_a_missing_folder_is_refused_before_qt_starts(tmp_path):
    """A bad --screenshot path is one sentence and exit 2, before any drawing work."""
    import subprocess
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "detsig",
            "view",
            str(tmp_path / "missing.h5"),
            "--screenshot",
            str(tmp_path / "no-such-folder" / "x.png"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "no-such-folder" in result.stderr and "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
