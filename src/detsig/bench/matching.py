"""One-to-one matching of candidates to ground-truth targets within a halo.

A candidate can *detect* a target when it lies inside the target's halo:

- ``centre`` mode: within ``halo_m`` of the target's centre (HRATC 2017 counted a mine as found
  within 0.5 m of its centre);
- ``edge`` mode: within ``halo_m`` beyond the target's edge, i.e. within ``size_m / 2 + halo_m``
  of its centre (hand-held test practice, CWA 14747-1 / ITOP: a halo of about 0.1 m).

Distances are Euclidean in (``x_m``, ``y_m``); a candidate without an across-lane position
(``y_m`` NaN, the usual case for a single-channel sensor on a lane) is compared along the lane
only.

Each candidate is paired with at most one target and each target with at most one candidate,
by an optimal assignment (``scipy.optimize.linear_sum_assignment``) over each connected group of
overlapping halos. The assignment optimises, in strict priority order:

1. the number of mines detected (as many as possible);
2. then the number of clutter objects hit (as many as possible: an alarm on clutter is not
   a false alarm on empty ground);
3. then the total candidate-target distance (as small as possible), measured in steps of
   0.1 mm;
4. then, among equally good assignments, the sum of the matched candidates' ranks, where
   candidates are ranked by descending ``score`` then ``x_m``, ``y_m`` and input position
   (higher-scoring candidates win ties);
5. then the sum of the matched targets' positions in the truth list (earlier-listed targets
   win ties).

Any remaining tie (the same candidates and targets matched with the same total distance, only
paired differently) is resolved by the solver on that canonical order, so the result never
depends on the order candidates are given in. The priorities are encoded as exact integer
costs; should a very large group overflow float64's exact integer range (2**53), rules 4-5
are dropped and the distance step coarsened until it fits (the counts of rules 1-2 stay exact).

References
----------
.. [1] CEN Workshop Agreement CWA 14747-1:2003, "Humanitarian mine action - Test and
   evaluation - Metal detectors" (the target halo of detection trials); ITOP 4-2-521.
.. [2] HRATC 2017, Humanitarian Robotics and Automation Technology Challenge, ICRA 2017:
   scoring rules (a mine counts as detected within 0.5 m of its centre).
.. [3] D. F. Crouse, "On implementing 2D rectangular assignment algorithms", IEEE Trans.
   Aerospace and Electronic Systems 52(4), 1679-1696, 2016 (the algorithm of
   ``scipy.optimize.linear_sum_assignment``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = ["HALO_MODES", "Assignment", "Halo", "MatchProblem"]

HALO_MODES = ("centre", "edge")

#: Distances are compared in steps of this size (m) when breaking ties (rule 3).
DISTANCE_STEP_M = 1e-4
_EXACT_LIMIT = 2.0**52
#: Tolerance on the halo boundary (m): a candidate exactly on the boundary is inside.
_BOUNDARY_TOLERANCE_M = 1e-9


@dataclass(frozen=True)
class Halo:
    """The tolerance within which a candidate detects a target.

    Parameters
    ----------
    mode : {"centre", "edge"}
        ``centre``: ``halo_m`` is a radius around the target's centre. ``edge``: ``halo_m`` is a
        margin beyond the target's edge (radius ``size_m / 2 + halo_m``).
    halo_m : float
        Radius or margin, m (>= 0).
    """

    mode: Literal["centre", "edge"] = "edge"
    halo_m: float = 0.1

    def __post_init__(self) -> None:
        if self.mode not in HALO_MODES:
            raise ValueError(f"halo mode must be 'centre' or 'edge', got {self.mode!r}")
        halo_m = float(self.halo_m)
        if not (math.isfinite(halo_m) and halo_m >= 0):
            raise ValueError(f"the halo must be a finite distance >= 0 m, got {self.halo_m}")
        object.__setattr__(self, "halo_m", halo_m)

    def radius_m(self, size_m: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Halo radius around each target's centre, m.

        Parameters
        ----------
        size_m : array_like, shape (n_targets,)
            Target sizes (largest horizontal dimension), m.

        Returns
        -------
        ndarray of float64, shape (n_targets,)
            ``halo_m`` in centre mode; ``size_m / 2 + halo_m`` in edge mode, m.
        """
        size = np.asarray(size_m, dtype=np.float64)
        if self.mode == "centre":
            return np.full(size.shape, self.halo_m)
        return size / 2.0 + self.halo_m

    def describe(self) -> str:
        """One phrase for reports, e.g. ``"within 0.1 m of the target's edge"``.

        Returns
        -------
        str
            The phrase.
        """
        where = "centre" if self.mode == "centre" else "edge"
        return f"within {self.halo_m:g} m of the target's {where}"


@dataclass(frozen=True)
class Assignment:
    """The result of a matching.

    Attributes
    ----------
    target_of_candidate : ndarray of int, shape (n_candidates,)
        Index of the target each candidate is paired with, -1 if none.
    candidate_of_target : ndarray of int, shape (n_targets,)
        Index of the candidate each target is paired with, -1 if none.
    distance_m : ndarray of float, shape (n_targets,)
        Distance from each target's centre to its candidate, m (NaN if unpaired).
    """

    target_of_candidate: npt.NDArray[np.intp]
    candidate_of_target: npt.NDArray[np.intp]
    distance_m: npt.NDArray[np.float64] = field(repr=False)


def _as_1d(values: npt.ArrayLike, name: str, n: int | None = None) -> npt.NDArray[np.float64]:
    array = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    if n is not None and array.shape[0] != n:
        raise ValueError(f"{name} must have {n} values, got {array.shape[0]}")
    return array


class MatchProblem:
    """Candidates, targets and their halos, ready to be matched (repeatedly, for sweeps).

    Parameters
    ----------
    target_x_m, target_y_m : array_like, shape (n_targets,)
        Target centres, m.
    target_radius_m : array_like, shape (n_targets,)
        Halo radius of each target, m (see :meth:`Halo.radius_m`).
    target_is_mine : array_like of bool, shape (n_targets,)
        True for mines, False for clutter.
    candidate_x_m, candidate_y_m : array_like, shape (n_candidates,)
        Candidate positions, m (``y`` NaN when unknown: along-lane distance only).
    candidate_score : array_like, shape (n_candidates,)
        Candidate scores (rank order for tie-breaking).

    Examples
    --------
    >>> problem = MatchProblem([1.0, 2.0], [0.0, 0.0], [0.5, 0.5], [True, True],
    ...                        [1.4], [float("nan")], [0.9])
    >>> problem.solve().candidate_of_target.tolist()
    [0, -1]
    """

    def __init__(
        self,
        target_x_m: npt.ArrayLike,
        target_y_m: npt.ArrayLike,
        target_radius_m: npt.ArrayLike,
        target_is_mine: npt.ArrayLike,
        candidate_x_m: npt.ArrayLike,
        candidate_y_m: npt.ArrayLike,
        candidate_score: npt.ArrayLike,
    ) -> None:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        tx = _as_1d(target_x_m, "target_x_m")
        n_t = tx.shape[0]
        ty = _as_1d(target_y_m, "target_y_m", n_t)
        radius = _as_1d(target_radius_m, "target_radius_m", n_t)
        self.target_is_mine = np.asarray(target_is_mine, dtype=bool).reshape(-1)
        if self.target_is_mine.shape[0] != n_t:
            raise ValueError(f"target_is_mine must have {n_t} values")
        cx = _as_1d(candidate_x_m, "candidate_x_m")
        n_c = cx.shape[0]
        cy = _as_1d(candidate_y_m, "candidate_y_m", n_c)
        score = _as_1d(candidate_score, "candidate_score", n_c)
        if not np.all(np.isfinite(cx)):
            raise ValueError("every candidate to match needs a finite x_m")
        self.n_targets, self.n_candidates = n_t, n_c

        dx = cx[:, None] - tx[None, :]
        dy = np.where(np.isnan(cy)[:, None], 0.0, cy[:, None] - ty[None, :])
        self.distance_m = np.hypot(dx, dy)  # (n_candidates, n_targets)
        self.feasible = self.distance_m <= radius[None, :] + _BOUNDARY_TOLERANCE_M

        # Canonical candidate rank: descending score, then x, y, input position.
        order = np.lexsort((np.arange(n_c), np.nan_to_num(cy, nan=np.inf), cx, -score))
        self.candidate_rank = np.empty(n_c, dtype=np.int64)
        self.candidate_rank[order] = np.arange(n_c)

        # Connected groups of the bipartite feasibility graph (candidates first, then targets).
        rows, cols = np.nonzero(self.feasible)
        graph = coo_matrix((np.ones(rows.size), (rows, n_c + cols)), shape=(n_c + n_t, n_c + n_t))
        _, labels = connected_components(graph, directed=False)
        self._groups: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = []
        self.group_of_candidate = np.full(n_c, -1, dtype=np.intp)
        candidate_labels, target_labels = labels[:n_c], labels[n_c:]
        for label in np.unique(candidate_labels[np.any(self.feasible, axis=1)]):
            members_c = np.flatnonzero(candidate_labels == label)
            members_t = np.flatnonzero(target_labels == label)
            self.group_of_candidate[members_c] = len(self._groups)
            self._groups.append((members_c, members_t))

    @property
    def n_groups(self) -> int:
        """Number of connected groups with at least one candidate-target pair."""
        return len(self._groups)

    def group(self, index: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        """Candidate and target indices of one group.

        Parameters
        ----------
        index : int
            Group number, 0 to :attr:`n_groups` - 1.

        Returns
        -------
        candidates : ndarray of intp
            Indices of the group's candidates (input order).
        targets : ndarray of intp
            Indices of the group's targets.
        """
        return self._groups[index]

    def solve_group(
        self, index: int, kept: npt.NDArray[np.bool_] | None = None
    ) -> list[tuple[int, int]]:
        """Optimal pairs ``(candidate, target)`` of one group, using only ``kept`` candidates.

        Parameters
        ----------
        index : int
            Group number, 0 to :attr:`n_groups` - 1.
        kept : ndarray of bool, shape (n_candidates,), optional
            Candidates taking part; all when None.

        Returns
        -------
        list of tuple of int
            ``(candidate_index, target_index)`` pairs of the optimal one-to-one assignment.
        """
        members_c, members_t = self._groups[index]
        if kept is not None:
            members_c = members_c[kept[members_c]]
        # The solver sees candidates in canonical order (rule 4), whatever the input order.
        members_c = members_c[np.argsort(self.candidate_rank[members_c], kind="stable")]
        if members_c.size == 0:
            return []
        return _solve(
            self.distance_m[np.ix_(members_c, members_t)],
            self.feasible[np.ix_(members_c, members_t)],
            self.target_is_mine[members_t],
            members_c,
            members_t,
        )

    def solve(self, kept: npt.ArrayLike | None = None) -> Assignment:
        """Match all (or only the ``kept``) candidates to the targets.

        Parameters
        ----------
        kept : array_like of bool, shape (n_candidates,), optional
            Candidates taking part (e.g. those above a score threshold); default all.

        Returns
        -------
        Assignment
            Target of each candidate and candidate of each target (-1: unmatched) and the
            distance of each matched target, m (NaN when unmatched).
        """
        keep = None if kept is None else np.asarray(kept, dtype=bool).reshape(-1)
        target_of_candidate = np.full(self.n_candidates, -1, dtype=np.intp)
        candidate_of_target = np.full(self.n_targets, -1, dtype=np.intp)
        distance_m = np.full(self.n_targets, np.nan)
        for index in range(self.n_groups):
            for candidate, target in self.solve_group(index, keep):
                target_of_candidate[candidate] = target
                candidate_of_target[target] = candidate
                distance_m[target] = self.distance_m[candidate, target]
        return Assignment(target_of_candidate, candidate_of_target, distance_m)


def _weights(
    k: int, n_c: int, n_t: int, max_step: int, with_ties: bool
) -> tuple[float, float, float, float, float]:
    """Integer weights (rank, distance, clutter, mine) and the largest cost magnitude."""
    rank_weight = float(k * max(n_t - 1, 0) + 1) if with_ties else 0.0
    distance_weight = rank_weight * (k * max(n_c - 1, 0) + 1) if with_ties else 1.0
    clutter_weight = distance_weight * (k * max_step + 1)
    mine_weight = clutter_weight * (k + 1)
    return rank_weight, distance_weight, clutter_weight, mine_weight, mine_weight * (k + 1)


def _solve(
    distance_m: npt.NDArray[np.float64],
    feasible: npt.NDArray[np.bool_],
    is_mine: npt.NDArray[np.bool_],
    members_c: npt.NDArray[np.intp],
    members_t: npt.NDArray[np.intp],
) -> list[tuple[int, int]]:
    from scipy.optimize import linear_sum_assignment

    n_c, n_t = distance_m.shape
    k = min(n_c, n_t)
    # Rows arrive in canonical candidate order: the row index is the local rank.
    local_rank = np.arange(n_c)
    step_m = DISTANCE_STEP_M
    with_ties = True
    while True:
        steps = np.rint(np.where(feasible, distance_m, 0.0) / step_m)
        weights = _weights(k, n_c, n_t, int(steps.max(initial=0.0)), with_ties)
        if weights[-1] < _EXACT_LIMIT:
            break
        if with_ties:
            with_ties = False
        else:
            step_m *= 10.0
    rank_weight, distance_weight, clutter_weight, mine_weight, _ = weights
    tie = (
        rank_weight * local_rank[:, None] + np.arange(n_t)[None, :]
        if with_ties
        else np.zeros((n_c, n_t))
    )
    benefit = np.where(is_mine, mine_weight, clutter_weight)[None, :]
    cost = np.where(feasible, distance_weight * steps + tie - benefit, 0.0)
    rows, cols = linear_sum_assignment(cost)
    return [
        (int(members_c[r]), int(members_t[c]))
        for r, c in zip(rows, cols, strict=True)
        if feasible[r, c]
    ]
