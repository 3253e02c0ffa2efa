"""The data objects: validation at the edge, derived fields that cannot drift."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from detsig.errors import InputError
from detsig.io.truth import read_truth, write_truth
from detsig.model import (
    Candidate,
    GprHeader,
    GprScan,
    GroundTruth,
    MdSeries,
    PositionTrack,
    TruthTarget,
    permittivity_from_velocity,
    velocity_from_permittivity,
)


def test_gpr_header_derives_time_axis_from_interval():
    header = GprHeader(sample_interval_s=2e-10, time_zero_s=1e-9)
    axis = header.time_axis_s(4)
    np.testing.assert_allclose(axis, [-1e-9, -0.8e-9, -0.6e-9, -0.4e-9])
    assert header.sample_rate_hz == pytest.approx(5e9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        header.sample_interval_s = 1.0  # type: ignore[misc]


@pytest.mark.parametrize("bad", [0.0, -1e-10, math.nan, math.inf])
def test_gpr_header_rejects_bad_interval(bad):
    with pytest.raises(ValueError, match="sample_interval_s"):
        GprHeader(sample_interval_s=bad)


def test_gpr_scan_is_read_only_and_checks_positions():
    data = np.arange(12, dtype=np.int16).reshape(3, 4)
    scan = GprScan(data, GprHeader(1e-10, trace_step_m=0.02), marks=(2,))
    assert (scan.n_traces, scan.n_samples) == (3, 4)
    with pytest.raises(ValueError):
        scan.data[0, 0] = 5
    np.testing.assert_allclose(scan.position_m, [0, 0.02, 0.04])
    np.testing.assert_allclose(scan.depth_axis_m(1e8), np.arange(4) * 1e-10 * 1e8 / 2)
    with pytest.raises(ValueError, match="distance_m"):
        GprScan(data, GprHeader(1e-10), distance_m=np.zeros(2))
    with pytest.raises(ValueError, match="marks"):
        GprScan(data, GprHeader(1e-10), marks=(3,))
    with pytest.raises(ValueError, match="dimension"):
        GprScan(np.zeros(4), GprHeader(1e-10))


def test_velocity_and_permittivity_are_inverse():
    v = velocity_from_permittivity(9.0)
    assert v == pytest.approx(299_792_458.0 / 3)
    assert permittivity_from_velocity(v) == pytest.approx(9.0)


def test_md_series_checks_channel_names():
    series = MdSeries(np.zeros((10, 2), np.int16), 100.0, ("a", "b"))
    assert series.duration_s == pytest.approx(0.1)
    assert series.time_s[-1] == pytest.approx(0.09)
    with pytest.raises(ValueError, match="channel_names"):
        MdSeries(np.zeros((10, 2), np.int16), 100.0, ("a",))


def test_position_track_rows_must_match():
    track = PositionTrack.empty()
    assert track.n_fixes == 0
    with pytest.raises(ValueError, match="lat_deg"):
        PositionTrack(
            host_time_ns=[1, 2],
            utc_time_s=[0, 1],
            lat_deg=[1.0],
            lon_deg=[1, 2],
            alt_m=[0, 0],
            fix_quality=[1, 1],
            n_satellites=[5, 5],
            hdop=[1, 1],
        )


def test_candidate_round_trips_through_dict_with_extras():
    candidate = Candidate(0.8, "gpr-hyperbola", "gpr0", x_m=1.5, extras={"eps_r": 6.1})
    row = candidate.to_dict()
    assert row["eps_r"] == 6.1 and row["score"] == 0.8
    assert Candidate.from_dict(row) == candidate
    assert math.isnan(Candidate.from_dict({"score": 1, "x_m": ""}).x_m)
    with pytest.raises(ValueError, match="score"):
        Candidate(math.nan, "d", "s")


def test_truth_json_round_trip(tmp_path):
    truth = GroundTruth(
        (
            TruthTarget("m1", "mine", "ap-plastic", 1.0, 0.05, 0.08, extras={"metal_g": 0.3}),
            TruthTarget("c1", "clutter", "shrapnel", 2.0, 0.02, 0.02, y_m=0.1),
        ),
        0.0,
        10.0,
        1.0,
    )
    path = tmp_path / "truth.json"
    write_truth(truth, path)
    assert json.loads(path.read_text())["targets"][0]["class"] == "mine"
    assert read_truth(path) == truth
    assert [t.id for t in truth.mines] == ["m1"]
    with pytest.raises(FileExistsError):
        write_truth(truth, path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("not json", "not valid JSON"),
        ('{"x_start_m": 0, "x_end_m": 1}', "targets"),
        ('{"targets": [], "x_start_m": 0}', "x_end_m"),
        ('{"targets": [{"id": 1}], "x_start_m": 0, "x_end_m": 1}', "lacks"),
        (
            '{"targets": [{"id": "a", "class": "rock", "kind": "k", "x_m": 0, "depth_m": 0,'
            ' "size_m": 1}], "x_start_m": 0, "x_end_m": 1}',
            "class must be",
        ),
    ],
)
def test_truth_json_errors_are_one_sentence(tmp_path, text, match):
    path = tmp_path / "truth.json"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_truth(path)
