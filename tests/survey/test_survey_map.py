"""The survey map view (pyqtgraph, offscreen): slices, dig list, gap shading, click to B-scan."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from detsig.model import Candidate
from detsig.survey import load_survey
from detsig.survey.coverage import check_coverage
from detsig.survey.grid import gpr_cube, window_statistic

from .conftest import MISSED_LANE

pytestmark = [pytest.mark.gui, pytest.mark.slow]


@pytest.fixture
def map_window(qtbot: Any, faulty_area: Any) -> Any:
    from detsig.viewer.survey_map import SurveyMapWindow

    survey = load_survey([faulty_area])
    cube = gpr_cube(survey, cell_m=0.04)
    items = [
        Candidate(2.0, "survey", "gpr0", x_m=1.0, y_m=1.0, extras={"id": "D001"}),
        Candidate(1.5, "survey", "gpr0", x_m=3.0, y_m=3.0, extras={"id": "D002"}),
    ]
    window = SurveyMapWindow(survey, cube, check_coverage(survey).raster, items)
    qtbot.addWidget(window)
    window.resize(1000, 900)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()


def test_slider_shows_the_slice_of_its_depth(map_window: Any) -> None:
    window = map_window
    for value in (window.slider.minimum() + 5, window.slider.maximum()):
        window.slider.setValue(value)
        start, stop = window.slice_window(value)
        expected = window_statistic(window.cube.values, start, stop, "envelope")
        shown = window.shown_slice
        ok = np.isfinite(expected)
        np.testing.assert_allclose(shown[ok], expected[ok], rtol=1e-6)
        assert f"{window.depth_m[start]:.3f}" in window.depth_label.text()
    # The image lies in metres on the area (5 m x 4 m), not in pixels.
    rect = window.image.mapRectToView(window.image.boundingRect())
    assert rect.left() == pytest.approx(-0.02, abs=1e-6) and rect.width() == pytest.approx(
        window.cube.grid.n_x * 0.04
    )


def test_dig_list_and_gap_shading(map_window: Any) -> None:
    window = map_window
    xs, ys = window.markers.getData()
    assert list(xs) == [1.0, 3.0] and list(ys) == [1.0, 3.0]
    assert [label.toPlainText() for label in window.labels] == ["D001", "D002"]
    rgba = window.gaps.image
    shaded_rows = np.nonzero(rgba[:, :, 3].any(axis=1))[0]
    raster = check_coverage(window.survey).raster
    shaded_y = raster.y_m[shaded_rows]
    assert shaded_y.min() > MISSED_LANE * 0.25 - 0.2 and shaded_y.max() < MISSED_LANE * 0.25 + 0.2


def test_click_opens_the_b_scan_of_the_sweep_through_the_point(
    map_window: Any, qtbot: Any, tmp_path: Any
) -> None:
    from PySide6 import QtCore

    window = map_window
    view = window.map.getPlotItem().vb
    scene = view.mapViewToScene(QtCore.QPointF(2.5, 1.27))
    pixel = window.map.mapFromScene(scene)
    with qtbot.waitSignal(window.sweep_opened, timeout=5000) as opened:
        qtbot.mouseClick(window.map.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=pixel)
    name, distance = opened.args
    assert name == "sweep-05"  # lane 5 lies at y = 1.25 m
    assert distance == pytest.approx(2.5, abs=0.05)
    assert window.bscan.image.image.shape[0] == 501  # the sweep's traces
    assert window.bscan.cursor_line.value() == pytest.approx(distance)
    from detsig.viewer.screenshot import render_window

    png = render_window(window, tmp_path / "map.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_survey_view_command_screenshot(faulty_area: Any, tmp_path: Any, capsys: Any) -> None:
    from detsig.cli import main

    png = tmp_path / "map.png"
    args = ["survey", "view", str(faulty_area), "--cell-m", "0.04", "--screenshot", str(png)]
    assert main([*args, "--open-at", "2.5:1.27"]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(args) == 2  # never overwrites
    assert "already exists" in capsys.readouterr().err
    assert main([*args[:-1], str(tmp_path / "b.png"), "--open-at", "2.5"]) == 2
    assert "X:Y" in capsys.readouterr().err
