"""Simulated area surveys: many runs of the lane simulator with a lateral offset."""

from __future__ import annotations

import numpy as np
import pytest

from detsig.cli import main
from detsig.io.recording import open_recording
from detsig.io.truth import read_truth
from detsig.sim.area import AreaSpec, simulate_area, write_area
from detsig.survey import load_plan, load_survey
from detsig.survey.diglist import build_dig_list, place_candidates

SMALL = AreaSpec(length_m=3.0, width_m=2.0, density=0.6)


def test_objects_are_scattered_in_the_plane_and_seen_by_neighbouring_sweeps():
    area = simulate_area(SMALL, seed=4)
    truth = area.truth
    assert truth.is_area and (truth.y_start_m, truth.y_end_m) == (0.0, 2.0)
    xy = np.array([[t.x_m, t.y_m] for t in truth.targets])
    assert np.all((xy >= 0.4) & (xy <= [2.6, 1.6]))
    distances = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert np.min(distances + np.eye(len(xy)) * 9) >= 0.6
    assert np.ptp(xy[:, 1]) > 0.5  # really 2-D
    metal = max(truth.targets, key=lambda t: t.extras.get("metal_mass_g", 0))
    # Each sweep's lane holds the object at its offset from the sweep, if within reach.
    offsets = {
        lane: {t.id: t.y_m for t in sweep.truth.targets} for lane, sweep in area.sweeps.items()
    }
    for lane, seen in offsets.items():
        expected = metal.y_m - lane * 0.25
        if abs(expected) <= 0.75:
            assert seen[metal.id] == pytest.approx(expected, abs=1e-4)
        else:
            assert metal.id not in seen
    # The radar sees each object from the sweeps beside it, more weakly the further away.
    for target in truth.targets:
        amplitude = {}
        for lane, sweep in area.sweeps.items():
            events = [e for e in sweep.gpr_events if e.target_id == target.id]
            if events:
                amplitude[abs(target.y_m - lane * 0.25)] = float(np.abs(events[0].amplitude).max())
        by_offset = [amplitude[d] for d in sorted(amplitude)]
        assert len(by_offset) >= 4
        assert by_offset[0] == max(by_offset) and by_offset[-1] < by_offset[0] / 5
        assert by_offset[1] > 0.01 * by_offset[0]


def test_planted_faults_and_the_written_folder(tmp_path):
    spec = AreaSpec(
        length_m=3.0,
        width_m=2.0,
        density=0.6,
        missed_lanes=(3,),
        fast_lanes=(5,),
        dropout_lanes=(1,),
    )
    area = simulate_area(spec, seed=4)
    assert sorted(area.sweeps) == [0, 1, 2, 4, 5, 6, 7, 8]
    assert area.sweeps[5].scenario.gpr.trace_step_m == pytest.approx(0.025)
    assert area.sweeps[5].scenario.md.speed_m_per_s == pytest.approx(1.25)
    assert area.sweeps[4].scenario.md.speed_m_per_s == pytest.approx(0.5)
    files = write_area(area, tmp_path / "area")
    assert [f.name for f in files][-2:] == ["truth.json", "survey.toml"]
    assert read_truth(tmp_path / "area" / "truth.json") == area.truth
    plan = load_plan(tmp_path / "area" / "survey.toml")
    assert [s.lane for s in plan.sweeps] == sorted(area.sweeps)
    with open_recording(tmp_path / "area" / "sweep-01.h5") as rec:
        track = rec.streams["gnss0"].read_track()
        lat = rec.streams["gpr0"].column("lat_deg")
        assert not rec.has_truth
    assert set(np.unique(track.fix_quality).tolist()) == {0, 4}
    assert np.isnan(lat).sum() == pytest.approx(3.0 * 50, abs=2)  # 3 s at 50 traces/s
    with pytest.raises(Exception, match="not an empty folder"):
        write_area(area, tmp_path / "area")


def test_same_seed_same_survey_wheel_only_uses_the_plan(tmp_path):
    a, b = simulate_area(SMALL, seed=2), simulate_area(SMALL, seed=2)
    assert a.truth == b.truth
    assert np.array_equal(a.sweeps[3].gpr.data, b.sweeps[3].gpr.data)
    assert simulate_area(SMALL, seed=3).truth != a.truth
    folder = tmp_path / "wheel"
    write_area(simulate_area(AreaSpec(length_m=3.0, width_m=2.0, gnss=False), 2), folder)
    survey = load_survey([folder])
    assert {s.source for s in survey.sweeps} == {"plan"}
    track = survey.sweeps[2].tracks["md0"]
    np.testing.assert_allclose(track.y_m, 0.5)
    # The plan locates the grid, so a wheel-only dig list still has lat/lon.
    items = build_dig_list(survey, place_candidates(survey))
    assert items and all(
        abs(i.lat_deg - 45.0) < 1e-4 and abs(i.lon_deg - 16.0) < 1e-4 for i in items
    )


def test_simulate_area_command(tmp_path, capsys):
    out = tmp_path / "a"
    assert (
        main(
            [
                "simulate",
                "area",
                "--width-m",
                "1",
                "--length-m",
                "2",
                "--seed",
                "1",
                "--missed-lane",
                "2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "4 sweeps 0.25 m apart" in capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir())[:2] == ["survey.toml", "sweep-00.h5"]
    assert main(["simulate", "area", "--fast-lane", "40", "-o", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "detsig simulate: error: area: fast_lanes names lane 40, but the lanes are 0-16"
    assert not (tmp_path / "b").exists()
    assert main(["simulate", "area", "-o", str(out)]) == 2
