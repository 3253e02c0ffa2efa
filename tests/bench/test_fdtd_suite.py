"""The ``fdtd`` suite: gprMax lanes recorded in recordings/fdtd run through the same scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detsig.bench.fanout import Executor
from detsig.bench.suite import FDTD_DIR, Suite, fdtd_lanes, get_suite, run_suite
from detsig.errors import UsageError
from detsig.io.reader import open_recording

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lanes():
    if not any(FDTD_DIR.glob("*.truth.json")):
        pytest.skip(f"no FDTD lanes in {FDTD_DIR} (benchmarks/fdtd/make_corpus.py builds them)")
    return fdtd_lanes()


def test_every_lane_has_its_truth_in_the_recording_frame(lanes) -> None:
    for lane in lanes:
        truth = json.loads(Path(lane.truth).read_text())
        with open_recording(lane.recording) as recording:
            gpr = recording.stream_of_kind("gpr", None)
            distance = gpr.column("distance_m")
        assert truth["x_start_m"] == pytest.approx(distance[0], abs=1e-3)
        assert truth["x_end_m"] == pytest.approx(distance[-1], abs=1e-3)
        mines = [t for t in truth["targets"] if t["class"] == "mine"]
        assert mines
        for target in truth["targets"]:
            # every object lies where the hyperbola templates reach it (not at a line end)
            assert distance[0] + 0.25 <= target["x_m"] <= distance[-1] - 0.25


def test_suite_scores_recorded_lanes(lanes) -> None:
    suite = get_suite("fdtd")
    assert {d.name for d in suite.detectors} == {"gpr-hyperbola", "gpr-energy"}
    small = Suite(suite.name, suite.description, lanes[:2], suite.detectors[:1])
    document = run_suite(small, executor=Executor(workers=1))
    assert [lane["name"] for lane in document["lanes"]] == [lane.name for lane in lanes[:2]]
    summary = document["results"][0]["summary"]
    n_mines = sum(
        sum(t["class"] == "mine" for t in json.loads(Path(lane.truth).read_text())["targets"])
        for lane in lanes[:2]
    )
    assert summary["n_targets"] == n_mines
    assert summary["false_alarms_per_m"] == pytest.approx(
        summary["n_false_alarms"] / summary["length_m"]
    )
    assert 2.0 < summary["length_m"] < 4.0


def test_an_empty_folder_is_one_sentence(tmp_path) -> None:
    with pytest.raises(UsageError, match="no FDTD lanes"):
        fdtd_lanes(tmp_path)


def test_gpr_hyperbola_on_the_fdtd_corpus(lanes) -> None:
    # the bar on lanes nobody tuned the simulator to: Pd >= 0.9 of the mines within
    # 0.1 m of their edge, at most one false alarm per 5 m of lane
    suite = get_suite("fdtd").with_detectors(["gpr-hyperbola"])
    document = run_suite(suite, executor=Executor(workers=1))
    summary = document["results"][0]["summary"]
    assert summary["n_targets"] >= 24
    assert summary["pd"] >= 0.9, summary["by_lane"]
    assert summary["false_alarms_per_m"] <= 0.2


def test_no_fdtd_candidate_lies_above_the_ground(lanes) -> None:
    # every scored peak, not only those above the threshold: apex below the surface echo
    from detsig.detect import detect

    for lane in lanes:
        for candidate in detect(lane.recording, detector="gpr-hyperbola", all_scores=True):
            assert candidate.extras["two_way_time_s"] > 0, (lane.name, candidate.x_m)
            depth = candidate.depth_m
            assert depth != depth or depth > 0, (lane.name, candidate.x_m)
