"""Scoring a dig list against the truth of a 2-D area: the halo is a distance in the plane."""

from __future__ import annotations

import pytest

from detsig.bench.matching import Halo
from detsig.bench.score import score_lane
from detsig.model import Candidate, GroundTruth, TruthTarget


def _truth() -> GroundTruth:
    return GroundTruth(
        (
            TruthTarget("m1", "mine", "ap-plastic", 1.0, 0.05, 0.08, y_m=1.0),
            TruthTarget("m2", "mine", "ap-metal", 3.0, 0.10, 0.08, y_m=3.0),
            TruthTarget("far", "mine", "at", 3.0, 0.10, 0.30, y_m=9.0),
        ),
        0.0,
        5.0,
        0.3,
        y_start_m=0.0,
        y_end_m=4.0,
    )


def test_planar_halo_counts_across_lane_misses_as_false_alarms():
    candidates = [
        Candidate(3.0, "fused", "md0+gpr0", x_m=1.05, y_m=1.10),  # 0.11 m from m1
        Candidate(2.0, "fused", "md0+gpr0", x_m=3.00, y_m=2.70),  # right x, 0.3 m off in y
        Candidate(1.0, "fused", "md0+gpr0", x_m=2.00),  # no across position
        Candidate(1.0, "fused", "md0+gpr0", x_m=2.00, y_m=4.5),  # outside the area
    ]
    result = score_lane(_truth(), candidates, halo=Halo("centre", 0.15))
    assert result.candidate_status == ("detection", "false_alarm", "no_position", "outside")
    assert [t.id for t in result.targets] == ["m1", "m2"]  # "far" lies outside the area
    assert result.n_targets_outside == 1
    assert result.targets[0].distance_m == pytest.approx((0.05**2 + 0.1**2) ** 0.5)
    assert result.swept_width_m == 4.0 and result.swept_width_source == "area"
    assert result.area_m2 == pytest.approx(20.0)


def test_the_same_candidates_on_a_lane_truth_match_along_the_lane_only():
    lane = GroundTruth((TruthTarget("m2", "mine", "ap-metal", 3.0, 0.10, 0.08),), 0.0, 5.0, 1.0)
    result = score_lane(lane, [Candidate(2.0, "d", "md0", x_m=3.0)], halo=Halo("centre", 0.15))
    assert result.candidate_status == ("detection",)
