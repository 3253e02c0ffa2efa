"""The dig list of an area survey: one item per object, from the candidates of every sweep.

Each sweep is run through a detector of :mod:`detsig.detect` (its public :func:`detect`), and
every candidate is placed in the survey's local grid at its distance along the sweep
(:meth:`~detsig.survey.layout.SweepTrack.position_at`). A buried object beside several sweeps
is seen by each of them, so candidates of *different* sweeps closer than ``merge_radius_m``
are merged by constrained single-linkage clustering: pairs are joined nearest first, and two
groups are never joined when that would put two candidates of one sweep into one item (the
detector already separated them along that sweep; a cannot-link constraint, [2]_) or when the
joined item would span more than two merge radii (no chains of objects).

An item's position is the score-weighted mean of its members that score at least half the
best member (the sweeps that passed over the object, not those that saw it at the edge of
their footprint); its depth is the smallest depth estimate of the members (a sweep beside the
object sees it along a slant path and overestimates depth, so the shallowest estimate is the
one taken nearest overhead); its score is the best member's; ``sensors`` names the streams that
saw it.

References
----------
.. [1] J. C. Gower and G. J. S. Ross, "Minimum spanning trees and single linkage cluster
   analysis", Journal of the Royal Statistical Society C 18(1), 54-64 (1969).
.. [2] K. Wagstaff, C. Cardie, S. Rogers and S. Schroedl, "Constrained k-means clustering with
   background knowledge", Proc. ICML 2001, 577-584 (must-link / cannot-link constraints).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model import Candidate
from detsig.survey.layout import Survey

__all__ = ["PlacedCandidate", "build_dig_list", "merge_candidates", "place_candidates"]

#: Members scoring below this fraction of an item's best do not move its position.
POSITION_SCORE_FRACTION = 0.5


@dataclass(frozen=True)
class PlacedCandidate:
    """A candidate of one sweep with its position in the survey's grid.

    Parameters
    ----------
    candidate : Candidate
        As the detector gave it (``x_m`` is the distance along the sweep).
    sweep : int
        Index of the sweep in :attr:`Survey.sweeps`.
    x_m, y_m : float
        Local grid position, m.
    """

    candidate: Candidate
    sweep: int
    x_m: float
    y_m: float


def place_candidates(
    survey: Survey,
    detect_sweep: Callable[[Any], Sequence[Candidate]] | None = None,
    *,
    detector: str = "auto",
    threshold: float | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[PlacedCandidate]:
    """Run a detector over every sweep and place its candidates in the grid.

    Parameters
    ----------
    survey : Survey
        The sweeps and their tracks.
    detect_sweep : callable, optional
        ``f(path) -> candidates``; default :func:`detsig.detect.detect` with ``detector``,
        ``threshold`` and ``params``.
    detector : str
        Detector name (``auto``: fused with GPR and MD).
    threshold : float, optional
        Detector threshold (default the detector's).
    params : mapping, optional
        Detector parameters.

    Returns
    -------
    list of PlacedCandidate
        Candidates with a position (those at a distance outside the track are dropped).
    """
    if detect_sweep is None:
        from detsig.detect import detect

        options = dict(params or {})

        def detect_sweep(path: Any) -> Sequence[Candidate]:
            return detect(path, detector=detector, threshold=threshold, **options)

    placed = []
    for index, sweep in enumerate(survey.sweeps):
        for candidate in detect_sweep(sweep.path):
            if not math.isfinite(candidate.x_m):
                continue
            x, y = sweep.track(candidate.stream).position_at([candidate.x_m])
            if math.isfinite(x[0]) and math.isfinite(y[0]):
                placed.append(PlacedCandidate(candidate, index, float(x[0]), float(y[0])))
    return placed


def neighbour_radii_m(
    centres_m: npt.ArrayLike, merge_radius_m: float, factor: float = 1.4
) -> dict[tuple[int, int], float]:
    """Merge radius of candidates of two sweeps that are neighbours across the survey.

    Sweeps are ordered along the direction in which their centres spread (the first
    principal axis of the centres, i.e. across the lanes); two sweeps next to each other in
    that order see the same object from both sides, even where a missed lane lies between
    them, so their candidates merge within ``factor`` times their separation (at least
    ``merge_radius_m``).

    Parameters
    ----------
    centres_m : array_like, shape (n_sweeps, 2)
        Mean (x, y) position of each sweep, m (NaN: unknown).
    merge_radius_m : float
        The survey's merge radius, m.
    factor : float
        Radius over separation.

    Returns
    -------
    dict
        ``{(a, b): radius_m}`` for each neighbouring pair ``a < b`` of sweep indices.

    Examples
    --------
    >>> neighbour_radii_m([[0.0, 0.0], [0.0, 0.25], [0.0, 0.75]], 0.35)
    {(0, 1): 0.35, (1, 2): 0.7}
    """
    centres = np.asarray(centres_m, dtype=np.float64).reshape(-1, 2)
    known = np.flatnonzero(np.isfinite(centres).all(axis=1))
    if known.size < 2:
        return {}
    points = centres[known] - centres[known].mean(axis=0)
    _, _, axes = np.linalg.svd(points, full_matrices=False)
    across = points @ axes[0]
    order = known[np.argsort(across, kind="stable")]
    position = dict(zip(known.tolist(), across.tolist(), strict=True))
    radii = {}
    for a, b in itertools.pairwise(order):
        separation = abs(position[int(b)] - position[int(a)])
        key = (int(min(a, b)), int(max(a, b)))
        radii[key] = round(max(merge_radius_m, factor * separation), 9)
    return radii


def merge_candidates(
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    sweep: npt.ArrayLike,
    merge_radius_m: float,
    pair_radius_m: dict[tuple[int, int], float] | None = None,
) -> npt.NDArray[np.intp]:
    """Group candidates into objects: constrained single linkage in the plane.

    Parameters
    ----------
    x_m, y_m : array_like, shape (n,)
        Positions, m.
    sweep : array_like of int, shape (n,)
        Sweep of each candidate; two candidates of one sweep never share a group.
    merge_radius_m : float
        Largest distance between two candidates joined directly, m.
    pair_radius_m : dict, optional
        A larger radius for candidates of these pairs of sweeps (``(a, b)`` with ``a < b``;
        :func:`neighbour_radii_m`).

    Returns
    -------
    ndarray of intp, shape (n,)
        Group number of each candidate, 0, 1, ... in order of first appearance.

    Examples
    --------
    >>> merge_candidates([0.0, 0.02, 0.0, 2.0], [0.0, 0.25, 0.5, 0.0], [0, 1, 2, 1], 0.3)
    array([0, 0, 0, 1])
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    lanes = np.asarray(sweep, dtype=np.int64)
    n = x.size
    parent = np.arange(n)
    members: list[set[int]] = [{int(lanes[i])} for i in range(n)]
    points: list[list[int]] = [[i] for i in range(n)]
    pair_radius = pair_radius_m or {}
    largest = max([merge_radius_m, *pair_radius.values()])

    def radius(a: int, b: int) -> float:
        return pair_radius.get((min(a, b), max(a, b)), merge_radius_m)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    if n > 1:
        from scipy.spatial import cKDTree

        pairs = cKDTree(np.column_stack([x, y])).query_pairs(largest, output_type="ndarray")
        if len(pairs):
            distance = np.hypot(x[pairs[:, 0]] - x[pairs[:, 1]], y[pairs[:, 0]] - y[pairs[:, 1]])
            for k in np.lexsort((pairs[:, 1], pairs[:, 0], distance)):
                i, j = int(pairs[k, 0]), int(pairs[k, 1])
                reach = radius(int(lanes[i]), int(lanes[j]))
                if distance[k] > reach:
                    continue
                a, b = root(i), root(j)
                if a == b or members[a] & members[b]:
                    continue
                ia, ib = np.asarray(points[a]), np.asarray(points[b])
                extent = np.hypot(x[ia][:, None] - x[ib][None, :], y[ia][:, None] - y[ib][None, :])
                if extent.max() > 2.0 * reach:
                    continue  # no chains: one item spans at most two merge radii
                parent[b] = a
                members[a] |= members[b]
                points[a] += points[b]
    labels = np.empty(n, dtype=np.intp)
    numbers: dict[int, int] = {}
    for i in range(n):
        labels[i] = numbers.setdefault(root(i), len(numbers))
    return labels


def _sensor_names(stream: str) -> list[str]:
    return [name for name in stream.split("+") if name]


def build_dig_list(
    survey: Survey,
    placed: Sequence[PlacedCandidate],
    *,
    merge_radius_m: float | None = None,
) -> list[Candidate]:
    """Merge placed candidates into the dig list.

    Parameters
    ----------
    survey : Survey
        The survey (its grid gives lat/lon when known).
    placed : sequence of PlacedCandidate
        Candidates of every sweep (:func:`place_candidates`).
    merge_radius_m : float, optional
        Merge distance, m; default 1.4 x the lane spacing, at least 0.3 m; candidates of two
        neighbouring sweeps merge within 1.4 x their own separation (a missed lane between
        them: the object lies between two sweeps twice the spacing apart).

    Returns
    -------
    list of Candidate
        One per object, ordered by descending score: ``x_m``/``y_m`` in the local grid,
        ``lat_deg``/``lon_deg`` when the grid is located, ``depth_m``, ``score``, detector
        ``"survey"``, ``stream`` the streams that saw it, and extras ``id`` (``D001`` ...),
        ``sensors`` (``"gpr,md"``), ``n_sweeps``, ``sweeps`` (recording names) and
        ``detectors``.
    """
    if merge_radius_m is None:
        merge_radius_m = max(0.3, 1.4 * survey.spacing_m)
    if not placed:
        return []
    labels = merge_candidates(
        [p.x_m for p in placed],
        [p.y_m for p in placed],
        [p.sweep for p in placed],
        merge_radius_m,
        neighbour_radii_m(survey.sweep_centres_m(), merge_radius_m),
    )
    items: list[dict[str, Any]] = []
    for label in range(int(labels.max()) + 1):
        group = [p for p, g in zip(placed, labels, strict=True) if g == label]
        scores = np.array([p.candidate.score for p in group])
        best = group[int(np.argmax(scores))]
        strong = scores >= POSITION_SCORE_FRACTION * scores.max()
        weights = np.where(strong, np.maximum(scores, 1e-9), 0.0)
        x = float(np.average([p.x_m for p in group], weights=weights))
        y = float(np.average([p.y_m for p in group], weights=weights))
        depths = [p.candidate.depth_m for p in group if math.isfinite(p.candidate.depth_m)]
        streams = sorted({s for p in group for s in _sensor_names(p.candidate.stream)})
        kinds = sorted({s.rstrip("0123456789") for s in streams})
        items.append(
            {
                "x_m": x,
                "y_m": y,
                "depth_m": min(depths) if depths else math.nan,
                "score": float(scores.max()),
                "time_s": best.candidate.time_s,
                "stream": "+".join(streams),
                "sensors": ",".join(kinds),
                "n_sweeps": len(group),
                "sweeps": ",".join(survey.sweeps[p.sweep].name for p in group),
                "detectors": ",".join(sorted({p.candidate.detector for p in group})),
            }
        )
    items.sort(key=lambda item: (-item["score"], item["x_m"], item["y_m"]))
    lat = lon = np.full(len(items), np.nan)
    if survey.frame is not None:
        lat, lon = survey.frame.to_lat_lon([i["x_m"] for i in items], [i["y_m"] for i in items])
    out = []
    for number, item in enumerate(items):
        out.append(
            Candidate(
                score=item["score"],
                detector="survey",
                stream=item["stream"],
                x_m=item["x_m"],
                y_m=item["y_m"],
                lat_deg=float(lat[number]),
                lon_deg=float(lon[number]),
                time_s=item["time_s"],
                depth_m=item["depth_m"],
                extras={
                    "id": f"D{number + 1:03d}",
                    "sensors": item["sensors"],
                    "n_sweeps": item["n_sweeps"],
                    "sweeps": item["sweeps"],
                    "detectors": item["detectors"],
                },
            )
        )
    return out
