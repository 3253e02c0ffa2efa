"""Coverage check: footprint raster, gaps, overlap, speed, trace spacing, fix quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from detsig.cli import main
from detsig.survey import Survey, SurveyPlan, Sweep, SweepTrack, load_survey
from detsig.survey.coverage import check_coverage

from .conftest import DROPOUT_LANE, FAST_LANE, MISSED_LANE


def _straight(y_m: float, speed: float = 0.5, step_m: float = 0.01, length: float = 2.0):
    distance = np.arange(0.0, length + 1e-9, step_m)
    return SweepTrack(
        "gpr0",
        "gpr",
        distance,
        distance.copy(),
        np.full(distance.size, y_m),
        1e9 + distance / speed,
        np.full(distance.size, -1, np.int8),
    )


def _survey(*tracks, width=0.3, spacing=0.25, area=(0.0, 2.0, 0.0, 0.5)):
    plan = SurveyPlan(spacing_m=spacing, sensor_width_m=width, area=area)
    sweeps = tuple(
        Sweep(Path(f"s{k}.h5"), {"gpr0": track}, "plan", k) for k, track in enumerate(tracks)
    )
    return Survey(sweeps, None, plan)


def test_footprint_is_the_sensor_width_around_the_track():
    report = check_coverage(_survey(_straight(0.0), area=(0.0, 2.0, -0.2, 0.2)), cell_m=0.01)
    covered_rows = (report.raster.count > 0)[:, report.raster.inside.any(axis=0)].all(axis=1)
    width = covered_rows.sum() * 0.01
    assert width == pytest.approx(0.3, abs=0.011)
    assert report.covered_fraction == pytest.approx(0.3 / 0.4, abs=0.03)
    assert report.overlap_fraction == 0.0


def test_overlap_gap_speed_and_trace_spacing_on_synthetic_tracks():
    # Lanes at 0, 0.25 (overlap 0.05 m), then 0.75: a 0.2 m gap, sweeps 0.5 m apart.
    fast = _straight(0.75, speed=1.5, step_m=0.03)
    report = check_coverage(
        _survey(_straight(0.0), _straight(0.25), fast, area=(0.0, 2.0, 0.0, 0.75))
    )
    assert len(report.gaps) == 1
    gap = report.gaps[0]
    assert gap.width_m == pytest.approx(0.2, abs=0.03)
    assert gap.spacing_m == pytest.approx(0.5, abs=0.03) and gap.wider_than_nominal
    assert gap.centre_m[1] == pytest.approx(0.5, abs=0.02)
    assert report.overlap_fraction == pytest.approx(0.05 / 0.6, abs=0.03)
    assert [(s.sweep, s.check) for s in report.stretches] == [
        ("s2", "speed"),
        ("s2", "sample_step"),
    ]
    speed = report.stretches_of("speed")[0]
    assert speed.value == pytest.approx(1.5, rel=0.01) and speed.limit == "0.1-1 m/s"
    assert report.stretches_of("sample_step")[0].value == pytest.approx(0.03, rel=0.01)


def test_clean_area_is_fully_covered_without_flags(clean_area):
    report = check_coverage(load_survey([clean_area]))
    assert report.covered_fraction > 0.995
    assert report.gaps == [] and report.stretches == []
    assert 0.1 < report.overlap_fraction < 0.5


def test_faulty_area_the_planted_strip_fast_sweep_and_dropout_are_found(faulty_area):
    report = check_coverage(load_survey([faulty_area]))
    (gap,) = report.gaps
    assert gap.wider_than_nominal
    assert gap.centre_m[1] == pytest.approx(MISSED_LANE * 0.25, abs=0.03)
    assert gap.width_m == pytest.approx(0.5 - 0.3, abs=0.05)
    assert gap.area_m2 == pytest.approx(5.0 * 0.2, rel=0.1)
    assert 0.93 < report.covered_fraction < 0.97
    flagged = {(s.sweep, s.check) for s in report.stretches}
    assert flagged == {
        (f"sweep-{FAST_LANE:02d}", "speed"),
        (f"sweep-{FAST_LANE:02d}", "sample_step"),
        (f"sweep-{DROPOUT_LANE:02d}", "fix_quality"),
    }
    (dropout,) = report.stretches_of("fix_quality")
    assert dropout.duration_s == pytest.approx(3.0, abs=0.1)


def test_survey_coverage_command_writes_layers_map_and_report(faulty_area, tmp_path, capsys):
    out = tmp_path / "qc"
    assert main(["survey", "coverage", str(faulty_area), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "wider than the nominal spacing" in text and f"sweep-{FAST_LANE:02d}: speed" in text
    gaps = json.loads((out / "coverage-gaps.geojson").read_text())
    ring = np.array(gaps["features"][0]["geometry"]["coordinates"][0])
    assert np.all(np.abs(ring[:, 0] - 16.0) < 1e-3) and np.all(np.abs(ring[:, 1] - 45.0) < 1e-3)
    assert np.array_equal(ring[0], ring[-1])
    flags = json.loads((out / "coverage-flags.geojson").read_text())
    assert {f["properties"]["check"] for f in flags["features"]} == {
        "speed",
        "sample_step",
        "fix_quality",
    }
    footprint = json.loads((out / "coverage-footprint.geojson").read_text())
    assert {f["properties"]["covered_by"] for f in footprint["features"]} == {
        "one or more sweeps",
        "two or more sweeps",
    }
    report = (out / "coverage.md").read_text()
    assert "![coverage map](coverage.png)" in report and "| yes |" in report
    assert (out / "coverage.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    raster = np.load(out / "coverage-raster.npz")
    assert raster["count"].shape == (raster["y_m"].size, raster["x_m"].size)
    assert main(["survey", "coverage", str(faulty_area), "-o", str(out)]) == 2
    assert (
        main(["survey", "coverage", str(faulty_area), "-o", str(tmp_path / "x"), "--cell-m", "0"])
        == 2
    )
    assert "--cell-m" in capsys.readouterr().err


def test_survey_without_a_subcommand_says_which_exist(capsys):
    assert main(["survey"]) == 2
    assert capsys.readouterr().err.strip() == (
        "detsig survey: error: name a subcommand: diglist, coverage, grid or view "
        "(detsig survey --help)"
    )
