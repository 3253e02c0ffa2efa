"""Physically grounded synthetic test lanes (GPR B-scans, metal-detector series, ground truth).

``simulate_lane(scenario, seed)`` builds a :class:`SimulatedLane` from a named library scenario
(``list_scenarios()``) or a TOML file; ``write_lane(lane, path)`` stores it as a detsig
recording. The models and their references are described in ``docs/simulation.md``.
"""

from detsig.sim.lane import SimulatedLane, device_hello, simulate_lane, write_lane
from detsig.sim.scenario import (
    Scenario,
    TargetSpec,
    list_scenarios,
    load_scenario,
    scenario_from_dict,
)

__all__ = [
    "Scenario",
    "SimulatedLane",
    "TargetSpec",
    "device_hello",
    "list_scenarios",
    "load_scenario",
    "scenario_from_dict",
    "simulate_lane",
    "write_lane",
]
