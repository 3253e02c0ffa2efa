"""The GPR chain does not depend on the radar's sampling: time zero, sample interval, trace step.

- Time zero is found (within 2 samples) on lines that do not state it.
- A lane resampled to a 4x finer and a 4x coarser sample interval, or recorded with a 4x finer
  or 4x coarser trace step, gives the same candidates within 2 cm.
- The trace step comes from the positions when no attribute states it, and a line with neither
  is refused in one sentence (never a silent default).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.signal import resample_poly

from detsig.detect import detect
from detsig.detect.gpr_hyperbola import HyperbolaParams
from detsig.dsp import estimate_center_frequency_hz, estimate_time_zero_s, resolve_scan_header
from detsig.errors import InputError
from detsig.model import GprHeader, GprScan
from detsig.sim import simulate_lane
from detsig.sim.scenario import load_scenario

pytestmark = pytest.mark.slow

THRESHOLD = HyperbolaParams().threshold


def _unstated(scan: GprScan) -> GprScan:
    header = dataclasses.replace(scan.header, time_zero_s=0.0, time_zero_stated=False)
    return dataclasses.replace(scan, header=header)


@pytest.mark.parametrize("scenario", ["standard", "minimum-metal", "wet-clay", "clutter-heavy"])
@pytest.mark.parametrize("seed", [1, 2])
def test_time_zero_found_within_two_samples(scenario: str, seed: int) -> None:
    scan = simulate_lane(scenario, seed).gpr
    truth_s = scan.header.time_zero_s
    geometry = resolve_scan_header(_unstated(scan))
    assert geometry.sources["time_zero_s"] == "estimated"
    dt = scan.header.sample_interval_s
    assert abs(geometry.time_zero_s - truth_s) <= 2 * dt


def test_time_zero_follows_the_antenna_height() -> None:
    # the same traces with the antenna said to be 10 cm higher: the surface 2 h / c later
    scan = simulate_lane("standard", 1).gpr
    dt = scan.header.sample_interval_s
    low = estimate_time_zero_s(scan.data, dt, antenna_height_m=0.0)
    high = estimate_time_zero_s(scan.data, dt, antenna_height_m=0.1)
    assert high - low == pytest.approx(0.2 / 299_792_458.0, rel=1e-9)


def test_time_zero_of_a_shifted_line_moves_with_it() -> None:
    scan = simulate_lane("standard", 3).gpr
    dt = scan.header.sample_interval_s
    data = np.asarray(scan.data, np.float64)
    shifted = np.zeros_like(data)
    shifted[:, 17:] = data[:, :-17]
    moved = estimate_time_zero_s(shifted, dt) - estimate_time_zero_s(data, dt)
    assert abs(moved - 17 * dt) <= 0.25 * dt


def test_time_zero_of_zero_traces_is_refused() -> None:
    header = GprHeader(sample_interval_s=1e-10, time_zero_stated=False, trace_step_m=0.01)
    with pytest.raises(InputError, match="time zero"):
        resolve_scan_header(GprScan(data=np.zeros((5, 64)), header=header))


def test_centre_frequency_estimated_from_the_spectrum() -> None:
    scan = simulate_lane("standard", 1).gpr  # 1 GHz Ricker
    estimate = estimate_center_frequency_hz(scan.data, scan.header.sample_interval_s)
    assert 0.9e9 <= estimate <= 1.4e9
    header = dataclasses.replace(scan.header, center_frequency_hz=math.nan)
    geometry = resolve_scan_header(dataclasses.replace(scan, header=header))
    assert geometry.sources["center_frequency_hz"] == "estimated"
    assert geometry.center_frequency_hz == pytest.approx(estimate)


def test_trace_step_from_positions_and_never_a_silent_default() -> None:
    scan = simulate_lane("standard", 1).gpr
    header = dataclasses.replace(scan.header, trace_step_m=None)
    spaced = dataclasses.replace(scan, header=header, distance_m=np.arange(scan.n_traces) * 0.02)
    geometry = resolve_scan_header(spaced)
    assert geometry.trace_step_m == pytest.approx(0.02)
    assert geometry.sources["trace_step_m"] == "positions"
    bare = dataclasses.replace(scan, header=header, distance_m=None)
    with pytest.raises(InputError, match="no trace step"):
        resolve_scan_header(bare)
    assert resolve_scan_header(bare, trace_step_m=0.03).trace_step_m == 0.03


def _on_targets(candidates: list, truth) -> list:
    """Candidates within 0.1 m of a target's edge (the scoring halo)."""
    return [
        c
        for c in candidates
        if any(abs(c.x_m - t.x_m) <= t.size_m / 2 + 0.1 for t in truth.targets)
    ]


def _nearest_per_target(candidates: list, truth) -> dict[str, object]:
    """Each target's candidate: the nearest one within the halo (none: not found)."""
    found = {}
    for target in truth.targets:
        near = [c for c in candidates if abs(c.x_m - target.x_m) <= target.size_m / 2 + 0.1]
        if near:
            found[target.id] = min(near, key=lambda c: abs(c.x_m - target.x_m))
    return found


def _assert_same_candidates(base: list, other: list, truth, tolerance_m: float = 0.02) -> None:
    """The objects found clearly in one run are found in the other, their candidates within
    ``tolerance_m`` of each other; the false alarms (off every object) differ by at most one.
    """
    first = _nearest_per_target(base, truth)
    second = _nearest_per_target(other, truth)
    for one, two in ((first, second), (second, first)):
        for ident, candidate in one.items():
            if candidate.score < 1.25 * THRESHOLD:
                continue  # a candidate near the threshold may fall either side of it
            assert ident in two, f"target {ident} found at {candidate.x_m:.3f} m only once"
            assert abs(two[ident].x_m - candidate.x_m) <= tolerance_m, (
                f"target {ident}: candidates at {candidate.x_m:.3f} and {two[ident].x_m:.3f} m"
            )
    false_base = len(base) - len(_on_targets(base, truth))
    false_other = len(other) - len(_on_targets(other, truth))
    assert abs(false_base - false_other) <= 1


@pytest.fixture(scope="module")
def standard_lane():
    lane = simulate_lane("standard", 1)
    return lane, detect(lane.gpr, detector="gpr-hyperbola")


@pytest.mark.parametrize(("up", "down"), [(4, 1), (1, 4)], ids=["4x-finer", "4x-coarser"])
def test_sample_interval_does_not_change_the_candidates(standard_lane, up: int, down: int):
    lane, base = standard_lane
    scan = lane.gpr
    assert len(_on_targets(base, lane.truth)) >= 6
    data = resample_poly(np.asarray(scan.data, np.float64), up, down, axis=1)
    header = dataclasses.replace(
        scan.header, sample_interval_s=scan.header.sample_interval_s * down / up
    )
    resampled = GprScan(data=data, header=header, distance_m=scan.distance_m, name=scan.name)
    _assert_same_candidates(base, detect(resampled, detector="gpr-hyperbola"), lane.truth)


@pytest.mark.parametrize(("up", "down"), [(4, 1), (1, 4)], ids=["4x-finer", "4x-coarser"])
def test_trace_step_does_not_change_the_candidates(standard_lane, up: int, down: int) -> None:
    # the same lane resampled along the line (polyphase, anti-aliased), positions with it
    lane, base = standard_lane
    scan = lane.gpr
    data = resample_poly(np.asarray(scan.data, np.float64), up, down, axis=0)
    step_m = float(np.median(np.diff(scan.distance_m))) * down / up
    distance_m = scan.distance_m[0] + step_m * np.arange(data.shape[0])
    rate = scan.header.traces_per_s
    header = dataclasses.replace(
        scan.header, trace_step_m=step_m, traces_per_s=rate * up / down if rate else None
    )
    resampled = GprScan(data=data, header=header, distance_m=distance_m, name=scan.name)
    _assert_same_candidates(base, detect(resampled, detector="gpr-hyperbola"), lane.truth)


@pytest.mark.parametrize("factor", [0.25, 4.0], ids=["4x-finer", "4x-coarser"])
def test_a_lane_surveyed_at_another_trace_step_finds_the_clear_objects(factor: float) -> None:
    # the lane simulated anew at another trace step: independent noise on 4x more (fewer)
    # traces gives more (less) evidence, so only the objects found clearly in both must agree
    scenario = load_scenario("standard")
    base_lane = simulate_lane(scenario, 1)
    gpr = dataclasses.replace(scenario.gpr, trace_step_m=scenario.gpr.trace_step_m * factor)
    lane = simulate_lane(dataclasses.replace(scenario, gpr=gpr), 1)
    assert lane.truth == base_lane.truth
    first = _nearest_per_target(detect(base_lane.gpr, detector="gpr-hyperbola"), lane.truth)
    second = _nearest_per_target(detect(lane.gpr, detector="gpr-hyperbola"), lane.truth)
    clear = [i for i in first if first[i].score >= 2 * THRESHOLD]
    assert len(clear) >= 5
    for ident in clear:
        assert ident in second, f"target {ident} found only at the original trace step"
        assert abs(second[ident].x_m - first[ident].x_m) <= 0.02


def test_a_live_stream_must_state_what_cannot_be_measured_yet() -> None:
    from detsig.detect.live import live_gpr_header
    from detsig.devices import header_from_hello

    stated = {
        "samples": 256,
        "sample_interval_s": 5e-11,
        "trace_step_m": 0.01,
        "center_frequency_hz": 1e9,
        "time_zero_s": 2e-9,
    }
    header = header_from_hello({"device": "gpr", "config": stated})
    assert live_gpr_header(header).time_zero_s == 2e-9
    for missing in ("time_zero_s", "trace_step_m", "sample_interval_s"):
        config = {k: v for k, v in stated.items() if k != missing}
        header = header_from_hello({"device": "gpr", "config": config})
        with pytest.raises(InputError, match="HELLO config"):
            live_gpr_header(header)
