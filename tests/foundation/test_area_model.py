"""``y_m`` and the across-lane extent of 2-D area surveys, and the files written before them."""

from __future__ import annotations

import json
import math

import h5py
import numpy as np
import pytest

from detsig.io._tables import rows_to_candidates, rows_to_truth
from detsig.io.candidates import read_candidates, write_candidates_csv
from detsig.io.recording import RecordingWriter, open_recording
from detsig.io.truth import read_truth, write_truth
from detsig.model import Candidate, GroundTruth, TruthTarget


def _area_truth() -> GroundTruth:
    targets = (
        TruthTarget("m1", "mine", "ap-plastic", 1.0, 0.05, 0.08, y_m=2.5),
        TruthTarget("c1", "clutter", "nail", 3.0, 0.02, 0.05, y_m=-0.5),
    )
    return GroundTruth(targets, 0.0, 5.0, 0.3, y_start_m=-1.0, y_end_m=4.0)


def test_area_truth_round_trips_through_json_and_hdf5(tmp_path):
    truth = _area_truth()
    assert truth.is_area and truth.width_m == 5.0
    path = tmp_path / "truth.json"
    write_truth(truth, path)
    stored = json.loads(path.read_text())
    assert stored["y_start_m"] == -1.0 and stored["targets"][0]["y_m"] == 2.5
    assert read_truth(path) == truth
    recording = tmp_path / "area.h5"
    with RecordingWriter(recording) as writer:
        writer.write_truth(truth)
    with open_recording(recording) as rec:
        assert rec.truth() == truth


def test_lane_truth_without_y_is_on_the_axis_and_has_no_area(tmp_path):
    row = {"id": "m", "class": "mine", "kind": "at", "x_m": 1, "depth_m": 0.1, "size_m": 0.3}
    truth = GroundTruth.from_dict({"targets": [row], "x_start_m": 0, "x_end_m": 2})
    assert truth.targets[0].y_m == 0.0
    assert not truth.is_area and truth.width_m is None
    assert "y_start_m" not in truth.to_dict()


@pytest.mark.parametrize(
    ("y_start", "y_end", "match"),
    [(0.0, None, "both"), (None, 1.0, "both"), (2.0, 1.0, "greater")],
)
def test_area_extent_is_checked(y_start, y_end, match):
    with pytest.raises(ValueError, match=match):
        GroundTruth((), 0.0, 1.0, y_start_m=y_start, y_end_m=y_end)


def test_tables_without_y_m_read_as_unknown_candidates_and_axis_targets():
    """Tables of writers that predate ``y_m``: candidates unknown (NaN), targets on the axis."""
    old_candidate = np.dtype(
        [("x_m", "<f8"), ("score", "<f8"), ("time_s", "<f8")]
        + [(name, "<f8") for name in ("lat_deg", "lon_deg", "depth_m")]
        + [("detector", "S32"), ("stream", "S32"), ("extras", "S1024")]
    )
    rows = np.zeros(1, old_candidate)
    rows[0]["x_m"], rows[0]["score"], rows[0]["detector"] = 1.5, 2.0, b"md-cfar"
    (candidate,) = rows_to_candidates(rows)
    assert candidate.x_m == 1.5 and math.isnan(candidate.y_m)
    old_truth = np.dtype(
        [
            ("id", "S32"),
            ("class", "S16"),
            ("kind", "S32"),
            ("x_m", "<f8"),
            ("depth_m", "<f8"),
            ("size_m", "<f8"),
            ("extras", "S1024"),
        ]
    )
    rows = np.zeros(1, old_truth)
    rows[0] = (b"m1", b"mine", b"at", 2.0, 0.1, 0.3, b"")
    truth = rows_to_truth(rows, 0.0, 5.0, math.nan)
    assert truth.targets[0].y_m == 0.0 and truth.swept_width_m is None


def test_candidate_y_m_survives_csv_and_a_csv_without_it_is_unknown(tmp_path):
    path = tmp_path / "c.csv"
    write_candidates_csv(path, [Candidate(1.0, "fused", "md0+gpr0", x_m=1.0, y_m=0.75)])
    assert read_candidates(path)[0].y_m == 0.75
    old = tmp_path / "old.csv"
    old.write_text("x_m,score\n1.0,2.0\n")
    assert math.isnan(read_candidates(old)[0].y_m)


def test_hdf5_truth_of_a_lane_has_no_area_attributes(tmp_path):
    path = tmp_path / "lane.h5"
    lane = GroundTruth((TruthTarget("m1", "mine", "at", 1.0, 0.1, 0.3),), 0.0, 2.0, 0.5)
    with RecordingWriter(path) as writer:
        writer.write_truth(lane)
    with h5py.File(path, "r") as file:
        assert "y_start_m" not in file["truth"].attrs
