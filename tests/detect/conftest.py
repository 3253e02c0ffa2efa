"""Shared fixtures of the detection tests: small simulated single-target lanes."""

from __future__ import annotations

import functools
import os

import pytest

#: Lane-sized tests run the real detectors: compiled, seconds; interpreted
#: (NUMBA_DISABLE_JIT=1) the template stack alone takes minutes per lane. The kernels' agreement
#: with their plain-Python twins (test_detect_kernels.py) runs in both modes.
needs_jit = pytest.mark.skipif(
    os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
    reason="runs the detectors on whole simulated lanes: too slow with NUMBA_DISABLE_JIT=1",
)

#: Depth of the single targets, m, and their position along the 3 m lane.
TARGET_DEPTH_M = 0.08
TARGET_X_M = 1.5


@functools.cache
def single_lane(kind: str, depth_m: float = TARGET_DEPTH_M, seed: int = 0):
    """A quiet 3 m lane (the library's single-plastic settings) with one object of ``kind``."""
    from detsig.sim import load_scenario, simulate_lane
    from detsig.sim.scenario import KIND_DEFAULTS, TARGET_KINDS, TargetSpec

    size, material, metal, mass = KIND_DEFAULTS[kind]
    target = TargetSpec(
        id="t1",
        target_class=TARGET_KINDS[kind],
        kind=kind,
        x_m=TARGET_X_M,
        depth_m=depth_m,
        size_m=size,
        material=material,
        metal=metal,
        metal_mass_g=mass,
    )
    scenario = load_scenario("single-plastic").replace(name=f"single-{kind}", targets=(target,))
    return simulate_lane(scenario, seed)


@pytest.fixture(scope="session")
def lane_of():
    """``lane_of(kind)``: a cached single-target lane."""
    return single_lane


@functools.cache
def standard_soil_lane(kind: str, depth_m: float, seed: int = 0):
    """The ``standard`` scenario's 10 m lane (moist loam, its noise and clutter-free soil) with
    one object of ``kind`` at ``TARGET_X_M``."""
    from detsig.sim import load_scenario, simulate_lane
    from detsig.sim.scenario import KIND_DEFAULTS, TARGET_KINDS, TargetSpec

    size, material, metal, mass = KIND_DEFAULTS[kind]
    target = TargetSpec(
        id="t1",
        target_class=TARGET_KINDS[kind],
        kind=kind,
        x_m=TARGET_X_M,
        depth_m=depth_m,
        size_m=size,
        material=material,
        metal=metal,
        metal_mass_g=mass,
    )
    scenario = load_scenario("standard").replace(name=f"standard-{kind}", targets=(target,))
    return simulate_lane(scenario, seed)
