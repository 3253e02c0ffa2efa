"""The detectors on simulated lanes: single targets found where they are, at the right depth
and permittivity; empty lanes stay quiet; the fusion keeps mines and demotes metal scrap."""

from __future__ import annotations

import math

import pytest

from detsig.detect import detect, detect_md, fit_decay, get_detector
from detsig.errors import InputError
from detsig.sim import simulate_lane

from .conftest import TARGET_DEPTH_M, TARGET_X_M, needs_jit

MINES = ("ap-plastic", "ap-metal", "at")
METAL_SCRAP = ("shrapnel", "nail", "cartridge")
ALL_KINDS = MINES + METAL_SCRAP + ("rock",)
SOIL_PERMITTIVITY = 9.0  # of the single-target lanes

pytestmark = needs_jit


def _nearest(candidates, x_m=TARGET_X_M):
    assert candidates, "no candidate at all"
    return min(candidates, key=lambda c: abs(c.x_m - x_m))


@pytest.mark.parametrize("kind", MINES + METAL_SCRAP + ("uxo",))
def test_gpr_hyperbola_finds_position_depth_and_permittivity(lane_of, kind):
    lane = lane_of(kind)
    found = detect(lane, detector="gpr-hyperbola")
    assert len(found) == 1
    best = found[0]
    assert abs(best.x_m - TARGET_X_M) <= 0.05
    assert abs(best.depth_m - TARGET_DEPTH_M) <= 0.02
    eps = best.extras["relative_permittivity"]
    assert abs(eps - SOIL_PERMITTIVITY) <= 0.15 * SOIL_PERMITTIVITY
    assert best.detector == "gpr-hyperbola" and best.stream == "gpr0"
    assert best.extras["velocity_m_per_s"] == pytest.approx(2.99792458e8 / math.sqrt(eps), rel=1e-4)


@pytest.mark.parametrize("kind", ["rock", "root", "void"])
def test_gpr_hyperbola_places_thick_weak_dielectrics(lane_of, kind):
    # Stones, roots and voids (non-mines; a thick body whose bottom echo overlaps
    # the top one) are found at the right place; their depth is only known to a few cm.
    best = _nearest(detect(lane_of(kind), detector="gpr-hyperbola"))
    assert abs(best.x_m - TARGET_X_M) <= 0.05
    assert abs(best.depth_m - TARGET_DEPTH_M) <= 0.04


@pytest.mark.parametrize("kind", ["ap-plastic", "ap-metal", "at"])
@pytest.mark.parametrize("depth_m", [0.05, 0.15])
def test_gpr_depth_and_permittivity_at_other_depths(lane_of, kind, depth_m):
    best = _nearest(detect(lane_of(kind, depth_m), detector="gpr-hyperbola"))
    assert abs(best.x_m - TARGET_X_M) <= 0.05
    assert abs(best.depth_m - depth_m) <= 0.02
    assert abs(best.extras["relative_permittivity"] - 9.0) <= 0.15 * 9.0


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_gpr_energy_finds_every_object(lane_of, kind):
    found = detect(lane_of(kind), detector="gpr-energy")
    assert len(found) == 1 and abs(found[0].x_m - TARGET_X_M) <= 0.05


def test_gpr_polarity_tells_plastic_from_metal(lane_of):
    plastic = detect(lane_of("ap-plastic"), detector="gpr-hyperbola")[0]
    metal = detect(lane_of("shrapnel"), detector="gpr-hyperbola")[0]
    assert plastic.extras["polarity"] == -1
    assert metal.extras["polarity"] == 1


@pytest.mark.parametrize("kind", MINES + METAL_SCRAP)
def test_md_cfar_finds_metal_within_5_cm(lane_of, kind):
    found = detect(lane_of(kind), detector="md-cfar")
    assert len(found) == 1
    assert abs(found[0].x_m - TARGET_X_M) <= 0.05
    assert math.isnan(found[0].depth_m)


def test_md_cfar_ignores_objects_without_metal(lane_of):
    assert detect(lane_of("rock"), detector="md-cfar") == []


def test_md_decay_time_constant_separates_big_from_small_metal(lane_of):
    big = detect(lane_of("ap-metal"), detector="md-cfar")[0]
    small = detect(lane_of("nail"), detector="md-cfar")[0]
    truth_big = lane_of("ap-metal").truth.targets[0].extras["md_time_constant_s"]
    truth_small = lane_of("nail").truth.targets[0].extras["md_time_constant_s"]
    assert big.extras["decay_time_constant_s"] == pytest.approx(truth_big, rel=0.25)
    assert small.extras["decay_time_constant_s"] == pytest.approx(truth_small, rel=0.25)


def test_library_single_target_lanes():
    for name, kind in (("single-metal", "shrapnel"), ("single-plastic", "ap-plastic")):
        lane = simulate_lane(name, 0)
        target = lane.truth.targets[0]
        for detector in ("md-cfar", "gpr-hyperbola", "gpr-energy"):
            best = _nearest(detect(lane, detector=detector), target.x_m)
            assert abs(best.x_m - target.x_m) <= 0.05, (name, detector)
        gpr = _nearest(detect(lane, detector="gpr-hyperbola"), target.x_m)
        assert abs(gpr.depth_m - target.depth_m) <= 0.02, (name, kind)
        assert abs(gpr.extras["relative_permittivity"] - 9.0) <= 1.35


def test_vlf_phase_is_estimated():
    lane = simulate_lane("vlf", 0)
    found = detect(lane, detector="md-cfar")
    assert found
    for candidate in found:
        target = min(lane.truth.targets, key=lambda t: abs(t.x_m - candidate.x_m))
        assert abs(candidate.x_m - target.x_m) <= 0.1
        assert candidate.extras["technology"] == "vlf"
        assert abs(candidate.extras["vlf_phase_deg"] - target.extras["vlf_phase_deg"]) < 5.0


@pytest.mark.parametrize("kind", MINES)
def test_fused_keeps_mines(lane_of, kind):
    found = detect(lane_of(kind), detector="fused")
    assert len(found) == 1 and abs(found[0].x_m - TARGET_X_M) <= 0.05
    assert found[0].score >= 1.0
    assert abs(found[0].depth_m - TARGET_DEPTH_M) <= 0.02


@pytest.mark.parametrize("kind", METAL_SCRAP)
def test_fused_demotes_small_metal_scrap_that_md_flags(lane_of, kind):
    lane = lane_of(kind)
    assert detect(lane, detector="md-cfar"), "the MD must flag it for this test to mean anything"
    assert detect(lane, detector="fused") == []
    everything = [
        c
        for c in detect(lane, detector="fused", all_scores=True)
        if abs(c.x_m - TARGET_X_M) <= 0.05
    ]
    assert len(everything) == 1
    assert everything[0].score < 1.0 and everything[0].extras["rule"] == "small-metal"


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("detector", ["md-cfar", "gpr-energy", "gpr-hyperbola", "fused"])
def test_empty_lane_gives_no_candidates_at_default_threshold(seed, detector):
    lane = simulate_lane("empty", seed)
    assert detect(lane, detector=detector) == []


def test_all_scores_reports_weaker_peaks_in_score_order_of_threshold(lane_of):
    lane = simulate_lane("empty", 0)
    everything = detect(lane, detector="gpr-hyperbola", all_scores=True)
    assert everything, "the noise of an empty lane yields sub-threshold peaks"
    default = get_detector("gpr-hyperbola").default_threshold
    assert all(c.score < default for c in everything)
    low = detect(lane, detector="gpr-hyperbola", threshold=min(c.score for c in everything))
    assert len(low) == len(everything)


def test_fit_decay_recovers_a_pasion_oldenburg_decay():
    import numpy as np

    t = np.array([1e-5, 3e-5, 1e-4, 3e-4])
    for tau, beta in ((5e-5, 1.0), (4e-4, 0.5)):
        a = 1000.0 * (t / 1e-5) ** -beta * np.exp(-t / tau)
        fitted, fitted_beta = fit_decay(t, a, [True] * 4)
        assert fitted == pytest.approx(tau, rel=1e-6)
        assert fitted_beta == pytest.approx(beta, rel=1e-6)
    assert math.isnan(fit_decay(t, [5.0, 0, 0, 0], [True, False, False, False])[0])
    # two gates: beta taken as 1; slower than 1/t is unknown
    assert fit_decay(t[:2], [100.0, 100.0 / 3 * math.exp(-2e-5 / 1e-4)], [True] * 2)[
        0
    ] == pytest.approx(1e-4)
    assert math.isnan(fit_decay(t[:2], [100.0, 60.0], [True] * 2)[0])


@pytest.mark.parametrize(
    ("detector", "params", "match"),
    [
        ("md-cfar", {"bogus": 1}, "no parameter 'bogus'"),
        ("gpr-hyperbola", {"permittivity_min": 40.0}, "permittivity_min"),
        ("gpr-energy", {"min_time_s": 5e-9, "max_time_s": 1e-9}, "min_time_s"),
        ("fused", {"demotion": 2.0}, "demotion"),
        ("md-cfar", {"channels": ["nope"]}, "channel 'nope'"),
    ],
)
def test_bad_parameters_say_what_is_wrong(lane_of, detector, params, match):
    with pytest.raises(InputError, match=match):
        detect(lane_of("nail"), detector=detector, **params)


def test_unknown_detector_and_missing_stream():
    with pytest.raises(InputError, match="unknown detector"):
        get_detector("nope")
    lane = simulate_lane("single-metal", 0)
    with pytest.raises(InputError, match="needs both"):
        detect(lane.gpr, detector="fused")
    with pytest.raises(InputError, match="metal-detector stream"):
        detect(lane.gpr, detector="md-cfar")
    assert [c.detector for c in detect(lane.md)] == ["md-cfar"]


def test_detect_md_positions_and_extras(lane_of):
    lane = lane_of("ap-metal")
    (found,) = detect_md(lane.md)
    frame = found.extras["peak_frame"]
    assert found.x_m == lane.md.distance_m[frame]
    assert found.time_s == pytest.approx(frame / lane.md.sample_rate_hz)
    assert found.extras["n_gates_fitted"] == 4
