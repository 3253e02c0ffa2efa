"""Fusion rules on hand-made candidates: each rule, association, ordering, parameters."""

from __future__ import annotations

import math

import pytest

from detsig.detect.fusion import FusionParams, fuse_candidates, fused_score
from detsig.errors import InputError
from detsig.model import Candidate

P = FusionParams()


def md(score, x=1.0, tau=None, gates=4):
    extras = {"decay_time_constant_s": tau, "n_gates_fitted": gates if tau else 0}
    return Candidate(score, "md-cfar", "md0", x_m=x, extras=extras)


def gpr(score, x=1.0, strength=0.05, polarity=-1, depth=0.08, depth_bound=None):
    extras = {"reflection_strength": strength, "polarity": polarity, "relative_permittivity": 9.0}
    if depth_bound is not None:  # a velocity fit at the grid limit: depth unknown, bounded
        extras.update(
            relative_permittivity=None,
            velocity_at_grid_limit=True,
            depth_at_grid_limit_m=depth_bound,
        )
    return Candidate(score, "gpr-hyperbola", "gpr0", x_m=x, depth_m=depth, extras=extras)


@pytest.mark.parametrize(
    ("m", "g", "rule", "kept"),
    [
        (md(60, tau=5e-4), None, "large-metal", True),
        (md(60, tau=5e-4, gates=2), None, "small-metal", False),  # 2 gates: could be brass
        (None, gpr(12), "gpr-object", True),
        (md(3), gpr(12, polarity=1), "gpr-object", True),  # weak metal, any polarity
        (md(30, tau=5e-5), gpr(12), "gpr-dielectric-with-metal", True),
        (md(30, tau=5e-5), gpr(12, depth=0.01), "small-metal", False),  # too shallow to trust
        (md(30, tau=1.5e-5, gates=2), gpr(12, polarity=1), "gpr-object-with-pin", True),
        (md(30, tau=5e-5), gpr(12, polarity=1), "small-metal", False),
        (md(30, tau=5e-5), None, "small-metal", False),
        (md(30, tau=5e-5), gpr(12, strength=0.003), "small-metal", False),  # echo too weak
        # a mine-sized metal echo, decay not fitted (deep: fewer than 3 gates) or slow
        (md(8), gpr(12, strength=0.1, polarity=1, depth=0.2), "mine-sized-metal", True),
        (md(8, tau=3e-4, gates=2), gpr(12, strength=0.1, polarity=1), "mine-sized-metal", True),
        # ... but not with a nail's fast decay, nor with a fragment's smaller echo
        (md(30, tau=3.5e-5, gates=2), gpr(12, strength=0.1, polarity=1), "small-metal", False),
        (md(8), gpr(12, strength=0.07, polarity=1), "small-metal", False),
        # depth unknown (velocity at the grid limit): the polarity rule uses the bound
        (
            md(30, tau=5e-5),
            gpr(12, depth=math.nan, depth_bound=0.08),
            "gpr-dielectric-with-metal",
            True,
        ),
        (md(30, tau=5e-5), gpr(12, depth=math.nan, depth_bound=0.01), "small-metal", False),
        (md(30, tau=5e-5), gpr(12, depth=math.nan), "small-metal", False),
        (None, gpr(12, strength=0.003), "weak", False),
        (md(4), gpr(4), "weak", False),
    ],
)
def test_rules(m, g, rule, kept):
    score, name = fused_score(m, g, P)
    assert name == rule
    assert (score >= P.threshold) is kept
    if not kept:
        assert 0 <= score <= P.demotion


def test_demoted_scores_stay_below_one_however_strong_the_metal():
    score, rule = fused_score(md(1e6, tau=5e-5), None, P)
    assert rule == "small-metal" and score == pytest.approx(P.demotion)


def test_association_within_distance_and_md_only_candidates():
    mds = [md(30, x=1.0, tau=5e-5), md(30, x=3.0, tau=5e-4)]
    gprs = [gpr(12, x=1.1), gpr(12, x=2.0, polarity=1)]
    fused = fuse_candidates(mds, gprs, all_scores=True)
    assert [round(c.x_m, 3) for c in fused] == [1.1, 2.0, 3.0]
    assert [c.extras["rule"] for c in fused] == [
        "gpr-dielectric-with-metal",
        "gpr-object",
        "large-metal",
    ]
    assert fused[0].stream == "md0+gpr0" and fused[1].stream == "gpr0"
    assert fused[2].stream == "md0" and math.isnan(fused[2].depth_m)
    assert fused[0].depth_m == 0.08 and fused[0].extras["md_x_m"] == 1.0
    narrow = fuse_candidates(mds, gprs, FusionParams(association_m=0.05), all_scores=True)
    assert len(narrow) == 4


def test_threshold_and_candidates_without_position():
    mds = [md(30, x=1.0, tau=5e-5), Candidate(50.0, "md-cfar", "md0")]
    assert fuse_candidates(mds, []) == []
    assert len(fuse_candidates(mds, [], all_scores=True)) == 1


@pytest.mark.parametrize("bad", [{"demotion": 1.0}, {"md_threshold": 0.0}, {"nope": 1}])
def test_bad_parameters(bad):
    with pytest.raises(InputError):
        FusionParams.from_kwargs(**bad)


def test_fused_candidate_keeps_the_grid_limit_flag_and_unknown_depth():
    (fused,) = fuse_candidates([md(30, tau=5e-5)], [gpr(12, depth=math.nan, depth_bound=0.08)])
    assert math.isnan(fused.depth_m) and fused.extras["relative_permittivity"] is None
    assert fused.extras["velocity_at_grid_limit"] is True
    assert fused.extras["depth_at_grid_limit_m"] == 0.08
