"""One-to-one halo matching: hand-made cases with known answers, and a brute-force reference."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detsig.bench.matching import DISTANCE_STEP_M, Halo, MatchProblem

NAN = math.nan


def solve(targets, candidates, mode="centre", halo_m=0.5):
    """targets: (x, size, is_mine); candidates: (x, score). Returns candidate_of_target list."""
    halo = Halo(mode, halo_m)
    problem = MatchProblem(
        [t[0] for t in targets],
        [0.0] * len(targets),
        halo.radius_m([t[1] for t in targets]),
        [t[2] for t in targets],
        [c[0] for c in candidates],
        [NAN] * len(candidates),
        [c[1] for c in candidates],
    )
    return problem.solve().candidate_of_target.tolist()


def test_halo_radius_modes() -> None:
    assert Halo("centre", 0.5).radius_m([0.08, 0.3]).tolist() == [0.5, 0.5]
    assert Halo("edge", 0.1).radius_m([0.08, 0.3]).tolist() == pytest.approx([0.14, 0.25])
    with pytest.raises(ValueError, match="centre"):
        Halo("middle", 0.1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="halo"):
        Halo("edge", -0.1)


def test_candidate_near_two_targets_takes_the_assignment_that_finds_both() -> None:
    # c0 (higher score) lies within the halo of A and B, nearer to A; c1 only near A.
    # Greedy nearest-first would give c0 -> A and miss B; the optimal assignment finds both.
    targets = [(1.0, 0.1, True), (1.6, 0.1, True)]
    candidates = [(1.2, 0.9), (0.8, 0.5)]
    assert solve(targets, candidates) == [1, 0]


def test_candidate_near_two_targets_alone_takes_the_nearer() -> None:
    targets = [(1.0, 0.1, True), (1.6, 0.1, True)]
    assert solve(targets, [(1.45, 0.9)]) == [-1, 0]


def test_tie_equidistant_candidate_goes_to_the_earlier_listed_target() -> None:
    # Exactly halfway: equal distance; rule 5 prefers the target listed first in the truth.
    assert solve([(1.0, 0.1, True), (2.0, 0.1, True)], [(1.5, 0.9)]) == [0, -1]
    assert solve([(2.0, 0.1, True), (1.0, 0.1, True)], [(1.5, 0.9)]) == [0, -1]


def test_tie_two_equidistant_candidates_the_higher_score_wins() -> None:
    targets = [(1.0, 0.1, True)]
    assert solve(targets, [(0.8, 0.3), (1.2, 0.7)]) == [1]
    assert solve(targets, [(1.2, 0.7), (0.8, 0.3)]) == [0]


def test_nearer_candidate_beats_higher_score() -> None:
    assert solve([(1.0, 0.1, True)], [(1.3, 0.9), (1.1, 0.2)]) == [1]


def test_mine_has_priority_over_clutter() -> None:
    # One candidate between a mine (farther) and clutter (nearer): the mine is found.
    targets = [(1.0, 0.1, False), (1.8, 0.1, True)]
    assert solve(targets, [(1.3, 0.9)]) == [-1, 0]


def test_clutter_hit_kept_when_it_costs_no_mine() -> None:
    targets = [(1.0, 0.1, False), (1.8, 0.1, True)]
    # c0 near both, c1 only near the mine: c1 -> mine, c0 -> clutter.
    assert solve(targets, [(1.4, 0.9), (2.1, 0.1)]) == [0, 1]


def test_edge_mode_uses_the_target_size() -> None:
    targets = [(1.0, 0.30, True), (3.0, 0.08, True)]
    # 0.2 m from both centres: inside 0.15 + 0.1 for the large one, outside 0.04 + 0.1.
    assert solve(targets, [(1.2, 0.5), (3.2, 0.5)], mode="edge", halo_m=0.1) == [0, -1]


def test_boundary_is_inside() -> None:
    assert solve([(1.0, 0.1, True)], [(1.5, 0.5)]) == [0]
    assert solve([(1.0, 0.1, True)], [(1.5001, 0.5)]) == [-1]


def test_two_dimensional_distance_when_y_known() -> None:
    problem = MatchProblem([1.0], [0.0], [0.5], [True], [1.3, 1.0], [0.45, NAN], [0.9, 0.1])
    # First: hypot(0.3, 0.45) = 0.54 > 0.5; second: along-lane distance 0.
    assert problem.solve().candidate_of_target.tolist() == [1]


def test_empty_problems() -> None:
    assert solve([], [(1.0, 0.5)]) == []
    assert solve([(1.0, 0.1, True)], []) == [-1]
    problem = MatchProblem([], [], [], [], [], [], [])
    assert problem.solve().target_of_candidate.tolist() == []


def test_result_independent_of_candidate_order() -> None:
    rng = np.random.default_rng(3)
    tx = np.sort(rng.uniform(0, 5, 12))
    cx = rng.uniform(0, 5, 25)
    score = rng.integers(0, 4, 25).astype(float)  # many equal scores
    mine = rng.random(12) < 0.7
    base = MatchProblem(tx, np.zeros(12), np.full(12, 0.4), mine, cx, np.full(25, NAN), score)
    first = base.solve()
    for _ in range(5):
        perm = rng.permutation(25)
        other = MatchProblem(
            tx, np.zeros(12), np.full(12, 0.4), mine, cx[perm], np.full(25, NAN), score[perm]
        ).solve()
        # Same targets matched by the same candidates (mapped back through the permutation).
        mapped = [perm[c] if c >= 0 else -1 for c in other.candidate_of_target]
        assert mapped == first.candidate_of_target.tolist()


def brute_force_key(distance, feasible, is_mine, rank):
    """Best lexicographic key over every one-to-one matching (the documented rules 1-5)."""
    n_c, n_t = feasible.shape
    best = None
    pairs = [(c, t) for c in range(n_c) for t in range(n_t) if feasible[c, t]]
    for size in range(min(n_c, n_t) + 1):
        for chosen in itertools.combinations(pairs, size):
            cs = [c for c, _ in chosen]
            ts = [t for _, t in chosen]
            if len(set(cs)) < size or len(set(ts)) < size:
                continue
            key = (
                -sum(bool(is_mine[t]) for t in ts),
                -sum(not is_mine[t] for t in ts),
                sum(round(distance[c, t] / DISTANCE_STEP_M) for c, t in chosen),
                sum(rank[c] for c in cs),
                sum(ts),
            )
            best = key if best is None or key < best else best
    return best


@settings(max_examples=150, deadline=None)
@given(
    tx=st.lists(st.integers(0, 30), min_size=0, max_size=4),
    cx=st.lists(st.integers(0, 30), min_size=0, max_size=4),
    data=st.data(),
)
def test_matching_is_optimal_against_brute_force(tx, cx, data) -> None:
    n_t, n_c = len(tx), len(cx)
    is_mine = data.draw(st.lists(st.booleans(), min_size=n_t, max_size=n_t))
    scores = data.draw(st.lists(st.integers(0, 3), min_size=n_c, max_size=n_c))
    target_x = np.array(tx, dtype=float) / 10.0
    candidate_x = np.array(cx, dtype=float) / 10.0
    problem = MatchProblem(
        target_x, np.zeros(n_t), np.full(n_t, 0.6), is_mine, candidate_x, np.full(n_c, NAN), scores
    )
    result = problem.solve()
    chosen = [(c, t) for t, c in enumerate(result.candidate_of_target) if c >= 0]
    got = (
        -sum(bool(is_mine[t]) for _, t in chosen),
        -sum(not is_mine[t] for _, t in chosen),
        sum(round(problem.distance_m[c, t] / DISTANCE_STEP_M) for c, t in chosen),
        sum(int(problem.candidate_rank[c]) for c, _ in chosen),
        sum(t for _, t in chosen),
    )
    assert all(problem.feasible[c, t] for c, t in chosen)
    assert got == brute_force_key(
        problem.distance_m, problem.feasible, is_mine, problem.candidate_rank
    )
