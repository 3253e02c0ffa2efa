"""The planned grid (survey.toml) and where every row of every sweep lies."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest

from detsig.errors import InputError
from detsig.survey import LocalFrame, load_plan, load_survey

from .conftest import DROPOUT_LANE, MISSED_LANE


def _plan(tmp_path, text):
    path = tmp_path / "survey.toml"
    path.write_text(text)
    return load_plan(path)


def test_plan_places_lanes_by_heading_side_and_serpentine(tmp_path):
    plan = _plan(
        tmp_path,
        '[grid]\nspacing_m = 0.5\nheading_deg = 0.0\nlane_side = "right"\n'
        "serpentine = true\nlength_m = 4.0\norigin_x_m = 10.0\norigin_y_m = 20.0\n",
    )
    # Heading north, lanes to the right (east); lane 1 is walked back from 4 m.
    x, y = plan.positions(0, np.array([0.0, 1.0]))
    np.testing.assert_allclose([x, y], [[10.0, 10.0], [20.0, 21.0]], atol=1e-12)
    x, y = plan.positions(1, np.array([0.0, 1.0]))
    np.testing.assert_allclose([x, y], [[10.5, 10.5], [24.0, 23.0]], atol=1e-12)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[grid]\n", "spacing_m"),
        ("[grid]\nspacing_m = -1\n", "spacing_m"),
        ("[grid]\nspacing_m = 1\nserpentine = true\n", "length_m"),
        ("[grid]\nspacing_m = 1\norigin_lat_deg = 45.0\n", "both"),
        ('[grid]\nspacing_m = 1\nlane_side = "up"\n', "lane_side"),
        ("[grid]\nspacing_m = 1\nspeling = 2\n", "no key 'speling'"),
        ("[grid]\nspacing_m = 1\n[qc]\nspeed_min_m_per_s = 2.0\n", "speed_min"),
        ("[grid]\nspacing_m = 1\n[[sweeps]]\nlane = 1\n", "'file'"),
        ("[grid\n", "not valid TOML"),
    ],
)
def test_plan_mistakes_are_one_sentence(tmp_path, text, match):
    with pytest.raises(InputError, match=match) as info:
        _plan(tmp_path, text)
    assert "\n" not in str(info.value)


def test_local_frame_round_trips_and_is_metric():
    frame = LocalFrame(45.0, 16.0)
    x, y = frame.to_local([45.0, 45.0 + 1.0 / 111_132.0], [16.0, 16.0])
    assert math.isclose(x[1], 0.0, abs_tol=1e-6) and y[1] == pytest.approx(1.0, abs=0.01)
    lat, lon = frame.to_lat_lon([3.0], [4.0])
    back = frame.to_local(lat, lon)
    np.testing.assert_allclose(np.ravel(back), [3.0, 4.0], atol=1e-6)


def test_gnss_and_planned_positions_agree(clean_area, tmp_path):
    gnss = load_survey([clean_area], positions="gnss")
    planned = load_survey([clean_area], positions="plan")
    assert [s.source for s in gnss.sweeps] == ["gnss"] * 17
    for a, b in zip(gnss.sweeps, planned.sweeps, strict=True):
        for name in ("gpr0", "md0"):
            ta, tb = a.tracks[name], b.tracks[name]
            # RTK noise of 1 cm, nothing more.
            assert np.max(np.hypot(ta.x_m - tb.x_m, ta.y_m - tb.y_m)) < 0.05
    assert planned.frame == gnss.frame == LocalFrame(45.0, 16.0)
    assert gnss.spacing_m == 0.25 and gnss.area() == (0.0, 5.0, 0.0, 4.0)


def test_dropout_rows_are_interpolated_along_the_wheel_and_marked(faulty_area):
    survey = load_survey([faulty_area])
    assert MISSED_LANE not in [s.lane for s in survey.sweeps if s.lane is not None]
    sweep = next(s for s in survey.sweeps if s.name == f"sweep-{DROPOUT_LANE:02d}")
    track = sweep.tracks["gpr0"]
    lost = track.fix_quality == 0
    assert 100 < lost.sum() < track.n_rows / 2
    assert track.known.all()
    np.testing.assert_allclose(track.y_m[lost], DROPOUT_LANE * 0.25, atol=0.05)
    np.testing.assert_allclose(track.x_m[lost], track.distance_m[lost], atol=0.05)


def test_wheel_only_recordings_need_a_plan(clean_area, tmp_path):
    folder = tmp_path / "no-plan"
    folder.mkdir()
    shutil.copy(clean_area / "sweep-00.h5", folder)
    with pytest.raises(InputError, match="no survey plan") as info:
        load_survey([folder], positions="plan")
    assert "survey.toml" in str(info.value)
    with pytest.raises(InputError, match="does not exist"):
        load_survey([tmp_path / "absent"])
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"no recordings \(\*\.h5\)"):
        load_survey([empty])
