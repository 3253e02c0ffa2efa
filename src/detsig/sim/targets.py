"""The concrete objects of a lane: fixed targets plus those placed at random from the seed."""

from __future__ import annotations

import numpy as np

from detsig.errors import ScenarioError
from detsig.sim.scenario import PopulateSpec, Scenario, TargetSpec

#: Full restarts of the random placement before giving up on the spacing rule.
_PLACEMENT_RESTARTS = 50


def _free_intervals(
    low: float, high: float, taken: list[float], spacing: float
) -> list[tuple[float, float]]:
    """Sub-intervals of [low, high] at least ``spacing`` away from every taken position."""
    intervals = [(low, high)]
    for x in taken:
        lo, hi = x - spacing, x + spacing
        out = []
        for a, b in intervals:
            if hi <= a or lo >= b:
                out.append((a, b))
                continue
            if lo > a:
                out.append((a, lo))
            if hi < b:
                out.append((hi, b))
        intervals = out
    return [(a, b) for a, b in intervals if b > a]


def _draw_position(rng: np.random.Generator, intervals: list[tuple[float, float]]) -> float | None:
    """A position uniform over the union of the intervals (None when it is empty)."""
    if not intervals:
        return None
    lengths = np.array([b - a for a, b in intervals])
    pick = float(rng.uniform(0.0, lengths.sum()))
    for (a, _), length in zip(intervals, lengths, strict=True):
        if pick <= length:
            return a + pick
        pick -= length
    return intervals[-1][1]


def draw_target(
    rule: PopulateSpec, rng: np.random.Generator, ident: str, x_m: float, y_m: float
) -> TargetSpec:
    """An object of a populate rule at a given place: depth, size and metal mass drawn
    uniformly from the rule's ranges (in that order), positions rounded to 0.1 mm.

    Parameters
    ----------
    rule : PopulateSpec
        The rule (kind, class, ranges, material, metal).
    rng : numpy.random.Generator
        Source of the draws.
    ident : str
        The object's id.
    x_m, y_m : float
        Its position, m.

    Returns
    -------
    TargetSpec
        The object.
    """
    return TargetSpec(
        id=ident,
        target_class=rule.target_class,
        kind=rule.kind,
        x_m=round(x_m, 4),
        y_m=round(y_m, 4),
        depth_m=round(float(rng.uniform(*rule.depth_m)), 4),
        size_m=round(float(rng.uniform(*rule.size_m)), 4),
        material=rule.material,
        metal=rule.metal,
        metal_mass_g=round(float(rng.uniform(*rule.metal_mass_g)), 3),
    )


def resolve_targets(scenario: Scenario, rng: np.random.Generator) -> tuple[TargetSpec, ...]:
    """Every object of the lane, sorted by position.

    Fixed ``[[targets]]`` come first as given; each ``[[populate]]`` rule then draws its objects
    uniformly in depth, size, metal mass and across-lane offset, and along the lane uniformly
    over the positions between the margins that are at least ``lane.min_spacing_m`` from every
    object placed so far (random sequential adsorption; restarted when it jams).

    Parameters
    ----------
    scenario : Scenario
        The lane description.
    rng : numpy.random.Generator
        Source of randomness (the same state gives the same layout).

    Returns
    -------
    tuple of TargetSpec
        The fixed and drawn targets, sorted by along-lane position ``x_m``.

    Raises
    ------
    ScenarioError
        When the objects cannot be spaced as asked on a lane of this length.

    References
    ----------
    .. [1] Evans, J. W. (1993). Random and cooperative sequential adsorption. Reviews of
       Modern Physics 65(4), 1281-1329.
    """
    lane = scenario.lane
    low_x, high_x = lane.margin_m, max(lane.length_m - lane.margin_m, lane.margin_m)
    total = sum(rule.count for rule in scenario.populate)
    for _ in range(_PLACEMENT_RESTARTS):
        placed = list(scenario.targets)
        counter = 0
        jammed = False
        for rule in scenario.populate:
            for _ in range(rule.count):
                counter += 1
                free = _free_intervals(low_x, high_x, [t.x_m for t in placed], lane.min_spacing_m)
                x_m = _draw_position(rng, free)
                if x_m is None:
                    jammed = True
                    break
                ident = f"r{counter}"
                while any(t.id == ident for t in placed):
                    ident += "b"
                y_m = float(rng.uniform(*rule.y_m))
                placed.append(draw_target(rule, rng, ident, x_m, y_m))
            if jammed:
                break
        if not jammed:
            return tuple(sorted(placed, key=lambda t: (t.x_m, t.id)))
    raise ScenarioError(
        f"scenario {scenario.source or scenario.name}: cannot place {total} random targets "
        f"{lane.min_spacing_m:g} m apart on a {lane.length_m:g} m lane; "
        "lower [lane] min_spacing_m or the populate counts"
    )
