"""Scoring lanes: hand-made cases with known answers, curves, pooling, partial AUC."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detsig.bench.matching import Halo
from detsig.bench.score import (
    Curve,
    LaneScore,
    depth_bin_label,
    partial_auc,
    pd_vs_halo,
    pool_curves,
    score_lane,
    summarize,
)
from detsig.model import Candidate, GroundTruth, TruthTarget

CENTRE = Halo("centre", 0.5)


def mine(tid, x, kind="ap-metal", depth=0.05, size=0.1, **extras):
    return TruthTarget(tid, "mine", kind, x, depth, size, extras=extras)


def clutter(tid, x, kind="shrapnel", depth=0.02, size=0.03):
    return TruthTarget(tid, "clutter", kind, x, depth, size)


def cand(x, score=1.0, y=math.nan):
    return Candidate(score=score, detector="test", stream="md0", x_m=x, y_m=y)


def lane(*targets, start=0.0, end=10.0, width=1.0):
    return GroundTruth(tuple(targets), x_start_m=start, x_end_m=end, swept_width_m=width)


def test_known_answer_lane() -> None:
    truth = lane(
        mine("m1", 1.0, kind="ap-plastic", depth=0.03),
        mine("m2", 3.0, kind="at", depth=0.12, size=0.3),
        mine("m3", 5.0, kind="ap-plastic", depth=0.08),
        clutter("k1", 7.0),
    )
    candidates = [cand(1.1, 0.9), cand(3.2, 0.8), cand(7.05, 0.7), cand(8.5, 0.6), cand(9.5, 0.2)]
    result = score_lane(truth, candidates, halo=CENTRE)
    assert result.candidate_status == (
        "detection",
        "detection",
        "clutter_hit",
        "false_alarm",
        "false_alarm",
    )
    summary = summarize([result])
    assert summary["n_targets"] == 3
    assert summary["n_detected"] == 2
    assert summary["pd"] == pytest.approx(2 / 3)
    assert summary["n_false_alarms"] == 2
    assert summary["n_clutter_hits"] == 1
    assert summary["area_m2"] == 10.0
    assert summary["false_alarms_per_m2"] == pytest.approx(0.2)
    assert summary["by_kind"]["ap-plastic"]["n_targets"] == 2
    assert summary["by_kind"]["ap-plastic"]["n_detected"] == 1
    assert summary["by_kind"]["at"]["pd"] == 1.0
    assert summary["by_kind"]["shrapnel"]["n_clutter_hits"] == 1
    assert summary["by_depth_bin"]["0.00-0.05 m"]["n_detected"] == 1
    assert summary["by_depth_bin"]["0.05-0.10 m"]["n_detected"] == 0
    assert summary["by_depth_bin"]["0.10-0.15 m"]["n_detected"] == 1
    low, high = summary["pd_ci"]
    assert 0 < low < 2 / 3 < high < 1
    m2 = next(t for t in result.targets if t.id == "m2")
    assert m2.distance_m == pytest.approx(0.2)
    assert m2.score == 0.8
    assert m2.candidate_index == 1


def test_candidates_outside_surveyed_extent_are_not_scored() -> None:
    truth = lane(mine("m1", 2.0), start=1.0, end=5.0, width=0.8)
    candidates = [
        cand(0.9, 0.9),  # before the start, even though within the halo of m1? (1.1 m away)
        cand(5.2),  # after the end
        cand(3.0, y=0.5),  # beyond half the swept width (0.4 m)
        cand(3.0, y=-0.39),  # inside
        cand(5.0),  # exactly on the end: inside
        cand(math.nan),  # no position
    ]
    result = score_lane(truth, candidates, halo=CENTRE)
    assert result.candidate_status == (
        "outside",
        "outside",
        "outside",
        "false_alarm",
        "false_alarm",
        "no_position",
    )
    summary = summarize([result])
    assert summary["n_false_alarms"] == 2
    assert summary["area_m2"] == pytest.approx(4.0 * 0.8)
    assert summary["n_candidates_outside"] == 3
    assert summary["n_candidates_no_position"] == 1


def test_outside_candidate_cannot_detect_a_mine_near_the_edge() -> None:
    truth = lane(mine("m1", 1.1), start=1.0, end=5.0)
    result = score_lane(truth, [cand(0.9)], halo=CENTRE)
    assert result.candidate_status == ("outside",)
    assert not result.targets[0].detected


def test_targets_outside_extent_are_not_counted() -> None:
    truth = lane(mine("m1", 0.5), mine("m2", 3.0), start=1.0, end=5.0)
    result = score_lane(truth, [cand(3.0)], halo=CENTRE)
    assert [t.id for t in result.targets] == ["m2"]
    assert result.n_targets_outside == 1
    assert summarize([result])["pd"] == 1.0


def test_empty_truth() -> None:
    truth = lane()
    result = score_lane(truth, [cand(1.0), cand(2.0, 0.5)], halo=CENTRE)
    summary = summarize([result])
    assert summary["n_targets"] == 0
    assert summary["pd"] is None
    assert summary["pd_ci"] == [0.0, 1.0]
    assert summary["n_false_alarms"] == 2
    assert summary["false_alarms_per_m2"] == pytest.approx(0.2)
    assert summary["by_kind"] == {}
    assert summary["partial_auc"]["value"] is None


def test_empty_candidates() -> None:
    truth = lane(mine("m1", 1.0), mine("m2", 2.0), clutter("k", 3.0))
    summary = summarize([score_lane(truth, [], halo=CENTRE)])
    assert summary["n_targets"] == 2
    assert summary["n_detected"] == 0
    assert summary["pd"] == 0.0
    assert summary["pd_ci"][0] == 0.0
    assert summary["n_false_alarms"] == 0
    assert summary["n_clutter_hits"] == 0
    assert summary["roc"]["n_detected"] == [0]
    assert summary["partial_auc"]["value"] == 0.0


def test_duplicate_alarms_on_one_mine_count_as_false_alarms() -> None:
    truth = lane(mine("m1", 1.0))
    result = score_lane(truth, [cand(1.0, 0.9), cand(1.1, 0.8)], halo=CENTRE)
    assert result.candidate_status == ("detection", "false_alarm")


def test_swept_width_sources() -> None:
    truth = GroundTruth((mine("m1", 1.0),), x_start_m=0.0, x_end_m=4.0)
    assert score_lane(truth, []).swept_width_source == "default"
    assert score_lane(truth, []).area_m2 == 4.0
    result = score_lane(truth, [], swept_width_m=0.5)
    assert (result.swept_width_source, result.area_m2) == ("argument", 2.0)
    assert score_lane(lane(width=0.7), []).swept_width_source == "truth"
    with pytest.raises(ValueError, match="swept width"):
        score_lane(truth, [], swept_width_m=0.0)


def test_threshold_drops_low_scores() -> None:
    truth = lane(mine("m1", 1.0), mine("m2", 3.0))
    candidates = [cand(1.0, 0.9), cand(3.0, 0.3), cand(6.0, 0.2)]
    result = score_lane(truth, candidates, halo=CENTRE, threshold=0.5)
    assert result.candidate_status == ("detection", "below_threshold", "below_threshold")
    summary = summarize([result])
    assert (summary["n_detected"], summary["n_false_alarms"]) == (1, 0)
    assert summary["n_candidates_below_threshold"] == 2


def test_curve_known_answer() -> None:
    truth = lane(mine("m1", 1.0), mine("m2", 3.0), clutter("k", 5.0))
    candidates = [cand(1.0, 0.9), cand(8.0, 0.8), cand(5.0, 0.5), cand(3.0, 0.5), cand(9.0, 0.1)]
    curve = score_lane(truth, candidates, halo=CENTRE).curve
    assert curve.threshold.tolist() == [math.inf, 0.9, 0.8, 0.5, 0.1]
    assert curve.n_detected.tolist() == [0, 1, 1, 2, 2]
    assert curve.n_clutter_hits.tolist() == [0, 0, 0, 1, 1]
    assert curve.n_false_alarms.tolist() == [0, 0, 1, 1, 2]
    assert curve.counts_at(0.6) == (1, 0, 1)
    assert curve.counts_at(2.0) == (0, 0, 0)
    assert curve.counts_at(-5.0) == (2, 1, 2)


def test_curve_rematches_when_a_lower_score_candidate_arrives() -> None:
    # At 0.9 only c0 (near both mines) is kept and finds one; at 0.5 c1 arrives and both are
    # found: the curve re-solves the assignment instead of keeping c0's first pairing.
    truth = lane(mine("A", 1.0), mine("B", 1.6))
    curve = score_lane(truth, [cand(1.2, 0.9), cand(0.8, 0.5)], halo=CENTRE).curve
    assert curve.n_detected.tolist() == [0, 1, 2]
    assert curve.n_false_alarms.tolist() == [0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(
    targets=st.lists(st.tuples(st.integers(0, 50), st.booleans()), max_size=6),
    candidates=st.lists(st.tuples(st.integers(-5, 55), st.integers(0, 5)), max_size=8),
)
def test_every_curve_point_equals_scoring_at_that_threshold(targets, candidates) -> None:
    truth = lane(
        *[
            mine(f"t{i}", x / 10) if is_mine else clutter(f"t{i}", x / 10)
            for i, (x, is_mine) in enumerate(targets)
        ],
        start=0.0,
        end=5.0,
    )
    cands = [cand(x / 10, float(s)) for x, s in candidates]
    full = score_lane(truth, cands, halo=Halo("centre", 0.4))
    for threshold in [*full.curve.threshold[1:].tolist(), 2.5, 10.0]:
        at = summarize([score_lane(truth, cands, halo=Halo("centre", 0.4), threshold=threshold)])
        assert full.curve.counts_at(threshold) == (
            at["n_detected"],
            at["n_clutter_hits"],
            at["n_false_alarms"],
        )
    # The last point is the operating point with every candidate.
    last = summarize([full])
    assert (full.curve.n_detected[-1], full.curve.n_false_alarms[-1]) == (
        last["n_detected"],
        last["n_false_alarms"],
    )


def test_result_does_not_depend_on_candidate_order() -> None:
    rng = random.Random(5)
    truth = lane(*[mine(f"m{i}", 0.5 + i * 0.7) for i in range(12)], clutter("k", 9.5))
    candidates = [cand(rng.uniform(0, 10), rng.choice([0.1, 0.5, 0.9])) for _ in range(30)]
    reference = summarize([score_lane(truth, candidates, halo=CENTRE)])
    shuffled = candidates[:]
    rng.shuffle(shuffled)
    again = summarize([score_lane(truth, shuffled, halo=CENTRE)])
    assert again == reference


def test_pool_curves_sums_lanes() -> None:
    a = score_lane(lane(mine("m", 1.0)), [cand(1.0, 0.9), cand(5.0, 0.4)], halo=CENTRE)
    b = score_lane(lane(mine("m", 2.0), end=5.0), [cand(2.0, 0.6)], halo=CENTRE)
    pooled = pool_curves([a.curve, b.curve])
    assert pooled.threshold.tolist() == [math.inf, 0.9, 0.6, 0.4]
    assert pooled.n_detected.tolist() == [0, 1, 2, 2]
    assert pooled.n_false_alarms.tolist() == [0, 0, 0, 1]
    assert pooled.n_targets == 2
    assert pooled.area_m2 == 15.0
    summary = summarize([a, b])
    assert summary["by_lane"]["lane"]["n_targets"] == 2
    with pytest.raises(ValueError):
        pool_curves([])


def test_partial_auc_known_answer() -> None:
    # Best Pd at a false-alarm budget: 0.5 from 0 per m2, 1.0 from 0.4 per m2.
    curve = Curve(
        threshold=np.array([math.inf, 0.9, 0.5, 0.1]),
        n_detected=np.array([0, 1, 1, 2]),
        n_clutter_hits=np.zeros(4, dtype=np.int64),
        n_false_alarms=np.array([0, 0, 2, 4]),
        n_targets=2,
        area_m2=10.0,
    )
    # Bound 0.4: Pd 0.5 over [0, 0.4); the step to 1.0 at 0.4 adds nothing.
    assert partial_auc(curve, 0.4) == pytest.approx(0.5)
    # Bound 0.8: 0.5 * 0.4 + 1.0 * 0.4 = 0.6 -> / 0.8.
    assert partial_auc(curve, 0.8) == pytest.approx(0.75)
    assert partial_auc(curve, 0.1) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        partial_auc(curve, 0.0)


def test_partial_auc_perfect_detector_is_one() -> None:
    result = score_lane(lane(mine("m", 1.0)), [cand(1.0, 0.9)], halo=CENTRE)
    assert partial_auc(result.curve, 0.5) == 1.0


def test_pd_grows_with_halo() -> None:
    truth = lane(mine("m1", 1.0, size=0.1), mine("m2", 3.0, size=0.1))
    candidates = [cand(1.08), cand(3.25)]
    rows = pd_vs_halo(truth, candidates, [0.0, 0.05, 0.1, 0.25], mode="edge")
    assert [r["n_detected"] for r in rows] == [0, 1, 1, 2]
    assert [r["n_false_alarms"] for r in rows] == [2, 1, 1, 0]


def test_depth_bins() -> None:
    assert depth_bin_label(0.0) == "0.00-0.05 m"
    assert depth_bin_label(0.05) == "0.05-0.10 m"
    assert depth_bin_label(0.5) == ">=0.30 m"


def test_soil_and_lane_strata() -> None:
    a = score_lane(lane(mine("m", 1.0)), [cand(1.0), cand(4.0)], halo=CENTRE, lane="a", soil="dry")
    b = score_lane(lane(mine("m", 1.0)), [], halo=CENTRE, lane="b", soil="wet")
    summary = summarize([a, b], lane_soil={"a": "dry", "b": "wet"})
    assert summary["by_soil"]["dry"]["pd"] == 1.0
    assert summary["by_soil"]["dry"]["n_false_alarms"] == 1
    assert summary["by_soil"]["wet"]["pd"] == 0.0
    assert summary["by_lane"]["b"]["false_alarms_per_m2"] == 0.0


def test_lane_score_round_trips_through_json() -> None:
    import json

    truth = lane(mine("m1", 1.0), clutter("k", 2.0))
    result = score_lane(truth, [cand(1.0, 0.9), cand(2.0, 0.2), cand(7.0, 0.1)], halo=CENTRE)
    again = LaneScore.from_dict(json.loads(json.dumps(result.to_dict())))
    assert summarize([again]) == summarize([result])
