"""GPR synthesis physics: hyperbola geometry, polarity, refraction, attenuation, output type."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.optimize import least_squares, minimize_scalar

from detsig.model import SPEED_OF_LIGHT_M_PER_S as C
from detsig.sim import load_scenario, scenario_from_dict, simulate_lane
from detsig.sim.gpr import attenuation_np_per_m, reflection_coefficient, refracted_path, ricker


def pick_hyperbola(lane, target_id, polarity, half_width_m=0.3):
    """Follow a target's reflection outward from the apex in the background-removed B-scan.

    Returns positions (m), picked two-way times relative to the surface (s) and amplitudes.
    """
    scan = lane.gpr
    data = scan.data.astype(np.float64)
    data -= np.median(data, axis=0)
    t = scan.time_s
    x = scan.position_m
    target = next(t for t in lane.targets if t.id == target_id)
    apex = int(np.argmin(np.abs(x - target.x_m)))
    window = (t > 0.6e-9) & (t < 6e-9)
    start = int(np.argmax(np.where(window, polarity * data[apex], -np.inf)))
    picks: dict[int, tuple[float, float]] = {}
    for direction in (1, -1):
        k, i = start, apex
        while abs(x[i] - x[apex]) <= half_width_m:
            trace = polarity * data[i]
            lo, hi = max(k - 6, 1), min(k + 7, t.size - 1)
            k = lo + int(np.argmax(trace[lo:hi]))
            y0, y1, y2 = trace[k - 1], trace[k], trace[k + 1]
            frac = 0.5 * (y0 - y2) / (y0 - 2 * y1 + y2)
            picks[i] = (t[k] + frac * scan.header.sample_interval_s, y1)
            i += direction
    index = np.array(sorted(picks))
    times = np.array([picks[i][0] for i in index])
    amplitudes = np.array([picks[i][1] for i in index])
    return x[index], times, amplitudes


def fit_refracted_hyperbola(x, times, weights, antenna_height_m):
    """Least-squares fit of (x0, depth, eps_r) with the air-soil refraction (Snell/Fermat)."""

    def residual(p):
        x0, depth, eps = p
        one_way, _, _ = refracted_path(x - x0, antenna_height_m, depth, C / np.sqrt(eps))
        return weights * (2 * one_way - 2 * antenna_height_m / C - times) * 1e9

    result = least_squares(
        residual, [x[np.argmax(weights)], 0.05, 6.0], bounds=([0, 1e-3, 1], [100, 1, 80])
    )
    return result.x


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hyperbola_fit_recovers_permittivity_and_depth(seed):
    lane = simulate_lane("single-metal", seed)
    target = lane.targets[0]
    x, times, amplitudes = pick_hyperbola(lane, target.id, polarity=-1)
    assert x.size > 40
    x0, depth, eps = fit_refracted_hyperbola(
        x, times, amplitudes / amplitudes.max(), lane.scenario.gpr.antenna_height_m
    )
    eps_true = lane.scenario.soil.relative_permittivity
    assert abs(x0 - target.x_m) < 0.01
    assert abs(eps - eps_true) / eps_true < 0.10
    assert abs(depth - target.depth_m) < 0.01


def test_ignoring_the_antenna_height_biases_the_fit():
    """A plain in-soil hyperbola (no air gap) is the wrong model: the refraction matters."""
    lane = simulate_lane("single-metal", 0)
    x, times, amplitudes = pick_hyperbola(lane, lane.targets[0].id, polarity=-1)
    weights = amplitudes / amplitudes.max()

    def residual(p):
        x0, depth, eps = p
        return weights * (2 * np.hypot(x - x0, depth) * np.sqrt(eps) / C - times) * 1e9

    _, _, eps_plain = least_squares(residual, [1.5, 0.05, 6.0], bounds=([0, 1e-3, 1], [9, 1, 80])).x
    assert abs(eps_plain - 9.0) / 9.0 > 0.3


def test_metal_and_plastic_reflect_with_opposite_polarity():
    apex_signs = {}
    for name, target_id in (("single-metal", "metal1"), ("single-plastic", "mine1")):
        lane = simulate_lane(name, 0)
        scan = lane.gpr
        data = scan.data.astype(np.float64) - np.median(scan.data, axis=0)
        target = lane.targets[0]
        apex = int(np.argmin(np.abs(scan.position_m - target.x_m)))
        expected = 2 * target.depth_m * 3.0 / C  # eps 9 -> v = c/3
        near = np.abs(scan.time_s - expected) < 0.4e-9
        trace = np.where(near, data[apex], 0.0)
        apex_signs[name] = np.sign(trace[np.argmax(np.abs(trace))])
        event = next(e for e in lane.gpr_events if e.target_id == target_id)
        assert np.sign(event.amplitude).min() == np.sign(event.amplitude).max()
    assert apex_signs["single-metal"] == -1
    assert apex_signs["single-plastic"] == 1
    # Same sign convention as the ground surface (air -> soil): metal like the surface.
    assert np.sign(reflection_coefficient(1.0, 9.0)) == np.sign(
        reflection_coefficient(9.0, math.inf)
    )
    assert reflection_coefficient(9.0, 3.0) == pytest.approx(
        (3 - math.sqrt(3)) / (3 + math.sqrt(3))
    )


def test_refracted_path_agrees_with_a_brute_force_minimum():
    rng = np.random.default_rng(1)
    for _ in range(20):
        offset, height, depth = rng.uniform(0, 1), rng.uniform(0, 0.3), rng.uniform(0.01, 0.5)
        velocity = C / math.sqrt(rng.uniform(2, 30))
        fermat = minimize_scalar(
            lambda u, o=offset, h=height, d=depth, v=velocity: (
                math.hypot(h, u) / C + math.hypot(d, o - u) / v
            ),
            bounds=(0, offset),
            method="bounded",
            options={"xatol": 1e-12},
        )
        time_s, air, soil = refracted_path(offset, height, depth, velocity)
        assert float(time_s) == pytest.approx(fermat.fun, rel=1e-9, abs=1e-15)
        assert float(air) / C + float(soil) / velocity == pytest.approx(float(time_s))
    # Straight down: air gap then soil, no bending.
    time_s, air, soil = refracted_path(0.0, 0.05, 0.4, C / 3)
    assert float(time_s) == pytest.approx(0.05 / C + 0.4 / (C / 3))
    # Antenna on the ground far from the point: the fastest ray runs along the surface in air
    # first (the head-wave path), faster than the straight ray through the soil.
    time_s, _, _ = refracted_path(0.3, 0.0, 0.4, C / 3)
    assert float(time_s) < 0.5 / (C / 3)


def test_ricker_and_attenuation_formulas():
    f0 = 1e9
    t = np.arange(-4096, 4096) * 1e-12
    spectrum = np.abs(np.fft.rfft(ricker(t, f0), n=2**18))
    frequency = np.fft.rfftfreq(2**18, 1e-12)
    assert frequency[np.argmax(spectrum)] == pytest.approx(f0, rel=0.02)
    assert ricker(0.0, f0) == pytest.approx(1.0)
    # Annan (2009): alpha ~ 1.69e3 sigma / sqrt(eps_r) dB/m; ours is the exact low-loss 1.636e3.
    db_per_m = 20 * math.log10(math.e) * attenuation_np_per_m(0.01, 9.0)
    assert db_per_m == pytest.approx(1.69e3 * 0.01 / 3, rel=0.04)


def test_conductive_soil_weakens_a_deep_reflection():
    base = load_scenario("single-metal")
    amplitudes = []
    for sigma in (0.001, 0.05):
        soil = dataclasses.replace(base.soil, conductivity_s_per_m=sigma)
        lane = simulate_lane(base.replace(soil=soil), 0)
        event = next(e for e in lane.gpr_events if e.target_id == "metal1")
        amplitudes.append(np.abs(event.amplitude).max())
    alpha = attenuation_np_per_m(0.05, 9.0) - attenuation_np_per_m(0.001, 9.0)
    assert amplitudes[1] / amplitudes[0] == pytest.approx(math.exp(-2 * alpha * 0.10), rel=0.01)


def test_output_is_int16_with_banding_that_background_removal_takes_out():
    lane = simulate_lane("empty", 2)
    data = lane.gpr.data
    assert data.dtype == np.int16 and data.flags.c_contiguous
    assert lane.gpr.distance_m is not None and lane.gpr.distance_m[-1] == pytest.approx(5.0)
    mean_trace = data.mean(axis=0)
    residual = data - mean_trace
    # Direct coupling + surface echo dominate; after removal only weak clutter, drift and noise.
    assert np.abs(mean_trace).max() > 8 * residual.std()
    assert lane.gpr.header.time_zero_s > 0


def test_layer_interface_appears_at_its_two_way_time():
    scenario = scenario_from_dict(
        {
            "lane": {"length_m": 2.0},
            "soil": {
                "relative_permittivity": 9.0,
                "permittivity_variation": 0.0,
                "roughness_m": 0.0,
                "scatterers_per_m": 0.0,
                "layers": [{"depth_m": 0.2, "relative_permittivity": 25.0, "undulation_m": 0.0}],
            },
            "gpr": {"noise_level": 0.0, "gain_drift": 0.0},
        }
    )
    lane = simulate_lane(scenario, 0)
    event = next(e for e in lane.gpr_events if e.target_id == "layer1")
    expected = lane.gpr.header.time_zero_s + 2 * 0.2 * 3.0 / C
    assert np.allclose(event.time_s, expected, atol=1e-13)
    assert np.all(event.amplitude < 0)  # into wetter soil: same polarity as the surface
