"""Scoring a detector's candidates against the ground truth of test lanes.

One lane is scored by :func:`score_lane`; lanes are pooled by :func:`summarize`. The metrics
(definitions and sources in ``docs/metrics.md``):

- **Pd**: mines detected / mines present (mines whose centre lies in the surveyed extent),
  overall and per stratum (kind, depth bin, soil, lane), with the two-sided exact 95 %
  Clopper-Pearson interval and the one-sided 95 % lower bound.
- **False alarms**: scored candidates that match neither a mine nor a clutter object, per
  square metre of surveyed area (lane length x swept width, both stated in the result).
- **Clutter hits**: candidates matched to a clutter object, reported apart from false alarms on
  empty ground.
- **ROC** (Pd against false alarms per m2, the free-response form used in demining trials):
  every distinct score is taken as a threshold; at each, the candidates scoring at or above it
  are matched afresh, so each point is exactly what scoring those candidates alone would give.
- **Partial AUC** up to a false-alarm bound ``F``: ``(1/F) * integral_0^F Pd*(f) df`` with
  ``Pd*(f)`` the best Pd of any threshold whose false-alarm rate is at most ``f``.
- **Pd against halo size**: Pd at the operating threshold for a range of halo sizes.

Candidates outside the surveyed extent (``x_m`` outside [``x_start_m``, ``x_end_m``], or
``|y_m|`` beyond half the swept width when ``y_m`` is known) and candidates without ``x_m`` are
not scored; they are counted apart.

References
----------
.. [1] CEN Workshop Agreement CWA 14747-1:2003, "Humanitarian mine action - Test and
   evaluation - Metal detectors" (target halo, Pd, false alarms on test lanes).
.. [2] D. P. Chakraborty, "Maximum likelihood analysis of free-response receiver operating
   characteristic (FROC) data", Medical Physics 16(4), 561-568, 1989.
.. [3] D. K. McClish, "Analyzing a portion of the ROC curve", Medical Decision Making 9(3),
   190-195, 1989 (partial area under the curve).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.bench.matching import Halo, MatchProblem
from detsig.bench.stats import clopper_pearson, lower_confidence_bound
from detsig.model import Candidate, GroundTruth

__all__ = [
    "DEFAULT_DEPTH_BINS_M",
    "DEFAULT_HALOS_M",
    "DEFAULT_SWEPT_WIDTH_M",
    "Curve",
    "LaneScore",
    "TargetOutcome",
    "depth_bin_label",
    "partial_auc",
    "pd_vs_halo",
    "pool_curves",
    "pool_pd_vs_halo",
    "score_lane",
    "summarize",
]

#: Edges of the depth strata, m: [0, 5), [5, 10), [10, 15), [15, 20), [20, 30), >= 30 cm.
DEFAULT_DEPTH_BINS_M = (0.0, 0.05, 0.10, 0.15, 0.20, 0.30)
#: Swept width assumed when neither the caller nor the truth states one, m.
DEFAULT_SWEPT_WIDTH_M = 1.0
#: Halo sizes of the Pd-against-halo table, m, per mode.
DEFAULT_HALOS_M = {
    "centre": (0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
    "edge": (0.0, 0.05, 0.1, 0.2, 0.3, 0.5),
}
#: Candidate statuses.
STATUSES = ("detection", "clutter_hit", "false_alarm", "below_threshold", "outside", "no_position")


@dataclass(frozen=True)
class TargetOutcome:
    """What happened to one target of a lane.

    Attributes
    ----------
    id, target_class, kind : str
        From the truth.
    x_m, y_m, depth_m, size_m : float
        From the truth, m.
    soil : str
        Soil stratum (the target's ``soil`` extra, else the lane's soil, else ``"unknown"``).
    detected : bool
        A candidate was paired with it.
    candidate_index : int
        Index of that candidate in the lane's candidate list (-1 if none).
    distance_m : float
        Distance from the target's centre to that candidate, m (NaN if none).
    score : float
        That candidate's score (NaN if none).
    """

    id: str
    target_class: str
    kind: str
    x_m: float
    y_m: float
    depth_m: float
    size_m: float
    soil: str
    detected: bool
    candidate_index: int
    distance_m: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``class`` for the target class, NaN as None).

        Returns
        -------
        dict
            ``id``, ``class``, ``kind``, ``x_m``, ``y_m``, ``depth_m``, ``size_m`` (m), ``soil``,
            ``detected``, ``candidate_index``, ``distance_m`` (m) and ``score``; a non-finite
            distance or score as None.
        """
        return {
            "id": self.id,
            "class": self.target_class,
            "kind": self.kind,
            "x_m": self.x_m,
            "y_m": self.y_m,
            "depth_m": self.depth_m,
            "size_m": self.size_m,
            "soil": self.soil,
            "detected": self.detected,
            "candidate_index": self.candidate_index,
            "distance_m": _finite_or_none(self.distance_m),
            "score": _finite_or_none(self.score),
        }


@dataclass(frozen=True)
class Curve:
    """Detection counts as the score threshold is lowered (one lane, or lanes pooled).

    Point ``i`` keeps the candidates with ``score >= threshold[i]``; point 0 has threshold
    ``+inf`` (nothing kept).

    Attributes
    ----------
    threshold : ndarray, shape (n_points,)
        Decreasing thresholds.
    n_detected, n_clutter_hits, n_false_alarms : ndarray of int, shape (n_points,)
        Counts at each threshold.
    n_targets : int
        Mines present.
    area_m2 : float
        Surveyed area, m2.
    """

    threshold: npt.NDArray[np.float64]
    n_detected: npt.NDArray[np.int64]
    n_clutter_hits: npt.NDArray[np.int64]
    n_false_alarms: npt.NDArray[np.int64]
    n_targets: int
    area_m2: float

    @property
    def pd(self) -> npt.NDArray[np.float64]:
        """Probability of detection at each threshold (NaN without mines)."""
        if self.n_targets == 0:
            return np.full(self.threshold.shape, np.nan)
        return self.n_detected / float(self.n_targets)

    @property
    def false_alarms_per_m2(self) -> npt.NDArray[np.float64]:
        """False alarms per square metre at each threshold."""
        return self.n_false_alarms / self.area_m2

    def counts_at(self, threshold: float) -> tuple[int, int, int]:
        """``(n_detected, n_clutter_hits, n_false_alarms)`` keeping scores >= ``threshold``.

        Parameters
        ----------
        threshold : float
            Score threshold; candidates scoring >= it are kept.

        Returns
        -------
        n_detected, n_clutter_hits, n_false_alarms : int
            Counts at the last curve point whose threshold is >= ``threshold`` (the first point
            when there is none).
        """
        # Points are in decreasing threshold: take the last one whose threshold >= threshold.
        index = int(np.searchsorted(-self.threshold, -threshold, side="right")) - 1
        index = max(index, 0)
        return (
            int(self.n_detected[index]),
            int(self.n_clutter_hits[index]),
            int(self.n_false_alarms[index]),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the +inf threshold written as None).

        Returns
        -------
        dict
            Lists per curve point (``threshold``, counts, ``pd``, ``false_alarms_per_m2``) plus
            ``n_targets`` and ``area_m2`` (m2).
        """
        return {
            "threshold": [_finite_or_none(float(t)) for t in self.threshold],
            "n_detected": self.n_detected.tolist(),
            "n_clutter_hits": self.n_clutter_hits.tolist(),
            "n_false_alarms": self.n_false_alarms.tolist(),
            "pd": [_finite_or_none(float(p)) for p in self.pd],
            "false_alarms_per_m2": self.false_alarms_per_m2.tolist(),
            "n_targets": self.n_targets,
            "area_m2": self.area_m2,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Curve:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A :meth:`to_dict` document (threshold None meaning +inf).

        Returns
        -------
        Curve
            The curve.
        """
        return cls(
            threshold=np.array(
                [math.inf if t is None else float(t) for t in data["threshold"]], dtype=float
            ),
            n_detected=np.asarray(data["n_detected"], dtype=np.int64),
            n_clutter_hits=np.asarray(data["n_clutter_hits"], dtype=np.int64),
            n_false_alarms=np.asarray(data["n_false_alarms"], dtype=np.int64),
            n_targets=int(data["n_targets"]),
            area_m2=float(data["area_m2"]),
        )


@dataclass(frozen=True)
class LaneScore:
    """The score of one lane's candidates.

    Attributes
    ----------
    lane : str
        Lane name.
    halo : Halo
        The matching rule used.
    threshold : float or None
        Operating threshold (candidates with lower scores are not counted); None keeps all.
    length_m, swept_width_m, area_m2 : float
        Surveyed extent: lane length, swept width, their product.
    swept_width_source : str
        Where the swept width came from: ``"argument"``, ``"truth"`` or ``"default"``.
    targets : tuple of TargetOutcome
        Every target (mine and clutter) whose centre lies in the surveyed extent.
    n_targets_outside : int
        Targets whose centre lies outside the surveyed extent (not scored).
    candidate_status : tuple of str
        One of :data:`STATUSES` per candidate, in input order.
    curve : Curve
        Counts against threshold (all scored candidates, whatever ``threshold``).
    """

    lane: str
    halo: Halo
    threshold: float | None
    length_m: float
    swept_width_m: float
    swept_width_source: str
    targets: tuple[TargetOutcome, ...]
    n_targets_outside: int
    candidate_status: tuple[str, ...]
    curve: Curve = field(repr=False)

    @property
    def area_m2(self) -> float:
        """Surveyed area, m2."""
        return self.length_m * self.swept_width_m

    def count(self, status: str) -> int:
        """Number of candidates with this status.

        Parameters
        ----------
        status : str
            One of :data:`STATUSES` (``"detection"``, ``"false_alarm"`` ...).

        Returns
        -------
        int
            The count.
        """
        return sum(1 for s in self.candidate_status if s == status)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of everything (for results files).

        Returns
        -------
        dict
            Lane name, halo, threshold, length and swept width (m), per-target outcomes,
            candidate statuses and the curve.
        """
        return {
            "lane": self.lane,
            "halo": {"mode": self.halo.mode, "halo_m": self.halo.halo_m},
            "threshold": self.threshold,
            "length_m": self.length_m,
            "swept_width_m": self.swept_width_m,
            "swept_width_source": self.swept_width_source,
            "targets": [t.to_dict() for t in self.targets],
            "n_targets_outside": self.n_targets_outside,
            "candidate_status": list(self.candidate_status),
            "curve": self.curve.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LaneScore:
        """Inverse of :meth:`to_dict`.

        Parameters
        ----------
        data : mapping
            A :meth:`to_dict` document.

        Returns
        -------
        LaneScore
            The lane score.
        """
        targets = tuple(
            TargetOutcome(
                id=t["id"],
                target_class=t["class"],
                kind=t["kind"],
                x_m=t["x_m"],
                y_m=t["y_m"],
                depth_m=t["depth_m"],
                size_m=t["size_m"],
                soil=t["soil"],
                detected=t["detected"],
                candidate_index=t["candidate_index"],
                distance_m=math.nan if t["distance_m"] is None else t["distance_m"],
                score=math.nan if t["score"] is None else t["score"],
            )
            for t in data["targets"]
        )
        return cls(
            lane=data["lane"],
            halo=Halo(data["halo"]["mode"], data["halo"]["halo_m"]),
            threshold=data["threshold"],
            length_m=data["length_m"],
            swept_width_m=data["swept_width_m"],
            swept_width_source=data["swept_width_source"],
            targets=targets,
            n_targets_outside=data["n_targets_outside"],
            candidate_status=tuple(data["candidate_status"]),
            curve=Curve.from_dict(data["curve"]),
        )


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _swept_width(truth: GroundTruth, swept_width_m: float | None) -> tuple[float, str]:
    if truth.width_m is not None and swept_width_m is None:
        return truth.width_m, "area"
    if swept_width_m is not None:
        width = float(swept_width_m)
        if not (math.isfinite(width) and width > 0):
            raise ValueError(f"the swept width must be > 0 m, got {swept_width_m}")
        return width, "argument"
    if truth.swept_width_m is not None:
        return float(truth.swept_width_m), "truth"
    return DEFAULT_SWEPT_WIDTH_M, "default"


def _outside_across(truth: GroundTruth, candidate: Candidate, half_width_m: float) -> bool:
    """Whether a candidate lies across the lane outside the swept width (or the area)."""
    if not math.isfinite(candidate.y_m):
        return False
    if truth.y_start_m is not None and truth.y_end_m is not None:
        return not float(truth.y_start_m) <= candidate.y_m <= float(truth.y_end_m)
    return abs(candidate.y_m) > half_width_m


def score_lane(
    truth: GroundTruth,
    candidates: Sequence[Candidate],
    *,
    halo: Halo | None = None,
    swept_width_m: float | None = None,
    threshold: float | None = None,
    lane: str = "lane",
    soil: str | None = None,
) -> LaneScore:
    """Score one lane's candidates against its ground truth.

    Parameters
    ----------
    truth : GroundTruth
        Targets and surveyed extent.
    candidates : sequence of Candidate
        The detector's output (only ``x_m``, ``y_m`` and ``score`` are used).
    halo : Halo, optional
        Matching rule; default edge mode with a 0.1 m margin (CWA 14747-1 practice).
    swept_width_m : float, optional
        Width swept across the lane, m; default the truth's, else 1.0 m (stated in the result).
        For the truth of a 2-D area (``y_start_m``/``y_end_m``) the default is the area's
        width: candidates and targets outside it are not scored, a candidate without ``y_m``
        has no position, and distances are planar in (``x_m``, ``y_m``).
    threshold : float, optional
        Count only candidates scoring at least this; default all.
    lane : str
        Lane name (a stratum).
    soil : str, optional
        Soil of the lane (a stratum; a target's ``soil`` extra takes precedence).

    Returns
    -------
    LaneScore

    Examples
    --------
    >>> from detsig.model import GroundTruth, TruthTarget, Candidate
    >>> truth = GroundTruth((TruthTarget("m1", "mine", "ap-metal", 2.0, 0.05, 0.08),),
    ...                     x_start_m=0.0, x_end_m=5.0, swept_width_m=1.0)
    >>> result = score_lane(truth, [Candidate(0.9, "d", "md0", x_m=2.1),
    ...                             Candidate(0.4, "d", "md0", x_m=4.0)])
    >>> result.count("detection"), result.count("false_alarm"), result.area_m2
    (1, 1, 5.0)
    """
    halo = Halo() if halo is None else halo
    width_m, width_source = _swept_width(truth, swept_width_m)
    x_start, x_end = float(truth.x_start_m), float(truth.x_end_m)
    half_width = width_m / 2.0

    inside_targets = [t for t in truth.targets if x_start <= t.x_m <= x_end]
    n_targets_outside = len(truth.targets) - len(inside_targets)

    status = ["false_alarm"] * len(candidates)
    scored: list[int] = []
    for index, candidate in enumerate(candidates):
        if not math.isfinite(candidate.x_m) or (truth.is_area and not math.isfinite(candidate.y_m)):
            status[index] = "no_position"
        elif not x_start <= candidate.x_m <= x_end or _outside_across(truth, candidate, half_width):
            status[index] = "outside"
        else:
            scored.append(index)
    if truth.is_area:
        y_start, y_end = float(truth.y_start_m), float(truth.y_end_m)  # type: ignore[arg-type]
        inside_targets = [t for t in inside_targets if y_start <= t.y_m <= y_end]
        n_targets_outside = len(truth.targets) - len(inside_targets)
    scored_array = np.asarray(scored, dtype=np.intp)
    scores = np.array([candidates[i].score for i in scored], dtype=np.float64)

    problem = MatchProblem(
        [t.x_m for t in inside_targets],
        [t.y_m for t in inside_targets],
        halo.radius_m([t.size_m for t in inside_targets]),
        [t.is_mine for t in inside_targets],
        [candidates[i].x_m for i in scored],
        [candidates[i].y_m for i in scored],
        scores,
    )
    kept = np.ones(len(scored), dtype=bool) if threshold is None else scores >= threshold
    assignment = problem.solve(kept)
    for local, index in enumerate(scored):
        if not kept[local]:
            status[index] = "below_threshold"
        elif assignment.target_of_candidate[local] >= 0:
            target = inside_targets[int(assignment.target_of_candidate[local])]
            status[index] = "detection" if target.is_mine else "clutter_hit"

    outcomes = []
    for number, target in enumerate(inside_targets):
        local = int(assignment.candidate_of_target[number])
        outcomes.append(
            TargetOutcome(
                id=target.id,
                target_class=target.target_class,
                kind=target.kind,
                x_m=target.x_m,
                y_m=target.y_m,
                depth_m=target.depth_m,
                size_m=target.size_m,
                soil=str(target.extras.get("soil", soil if soil is not None else "unknown")),
                detected=local >= 0,
                candidate_index=int(scored_array[local]) if local >= 0 else -1,
                distance_m=float(assignment.distance_m[number]),
                score=float(scores[local]) if local >= 0 else math.nan,
            )
        )
    n_mines = sum(1 for t in inside_targets if t.is_mine)
    curve = _sweep(problem, scores, n_mines, (x_end - x_start) * width_m)
    return LaneScore(
        lane=lane,
        halo=halo,
        threshold=None if threshold is None else float(threshold),
        length_m=x_end - x_start,
        swept_width_m=width_m,
        swept_width_source=width_source,
        targets=tuple(outcomes),
        n_targets_outside=n_targets_outside,
        candidate_status=tuple(status),
        curve=curve,
    )


def _sweep(
    problem: MatchProblem, scores: npt.NDArray[np.float64], n_mines: int, area_m2: float
) -> Curve:
    """Counts at every distinct score, re-matching only the groups a new candidate touches."""
    levels = np.unique(scores)[::-1]
    kept = np.zeros(scores.shape, dtype=bool)
    group_mines = np.zeros(problem.n_groups, dtype=np.int64)
    group_clutter = np.zeros(problem.n_groups, dtype=np.int64)
    thresholds, detected, clutter, false_alarms = [math.inf], [0], [0], [0]
    n_kept = 0
    for level in levels:
        new = np.flatnonzero(scores == level)
        kept[new] = True
        n_kept += new.size
        for group in np.unique(problem.group_of_candidate[new]):
            if group < 0:
                continue
            pairs = problem.solve_group(int(group), kept)
            mines = sum(1 for _, target in pairs if problem.target_is_mine[target])
            group_mines[group] = mines
            group_clutter[group] = len(pairs) - mines
        n_det, n_clut = int(group_mines.sum()), int(group_clutter.sum())
        thresholds.append(float(level))
        detected.append(n_det)
        clutter.append(n_clut)
        false_alarms.append(n_kept - n_det - n_clut)
    return Curve(
        threshold=np.asarray(thresholds, dtype=np.float64),
        n_detected=np.asarray(detected, dtype=np.int64),
        n_clutter_hits=np.asarray(clutter, dtype=np.int64),
        n_false_alarms=np.asarray(false_alarms, dtype=np.int64),
        n_targets=n_mines,
        area_m2=area_m2,
    )


def pool_curves(curves: Sequence[Curve]) -> Curve:
    """Pool lanes' curves: counts summed at every threshold of any lane.

    Parameters
    ----------
    curves : sequence of Curve
        One per lane.

    Returns
    -------
    Curve
        Counts summed over lanes; ``n_targets`` and ``area_m2`` summed too.
    """
    if not curves:
        raise ValueError("pool_curves needs at least one curve")
    thresholds = np.unique(np.concatenate([c.threshold for c in curves]))[::-1]
    totals = np.zeros((3, thresholds.size), dtype=np.int64)
    for curve in curves:
        index = np.searchsorted(-curve.threshold, -thresholds, side="right") - 1
        index = np.maximum(index, 0)
        totals[0] += curve.n_detected[index]
        totals[1] += curve.n_clutter_hits[index]
        totals[2] += curve.n_false_alarms[index]
    return Curve(
        threshold=thresholds,
        n_detected=totals[0],
        n_clutter_hits=totals[1],
        n_false_alarms=totals[2],
        n_targets=sum(c.n_targets for c in curves),
        area_m2=float(sum(c.area_m2 for c in curves)),
    )


def partial_auc(curve: Curve, max_false_alarms_per_m2: float) -> float:
    """Normalised partial area under Pd against false alarms per m2, up to a bound.

    ``(1/F) * integral_0^F Pd*(f) df`` where ``Pd*(f)`` is the best Pd of any threshold whose
    false-alarm rate does not exceed ``f`` (a step function: only operating points that can be
    reached are credited, no interpolation). 1 means every mine found with no false alarm.

    Parameters
    ----------
    curve : Curve
        Lane or pooled curve.
    max_false_alarms_per_m2 : float
        The bound ``F`` (> 0), false alarms per m2.

    Returns
    -------
    float
        In [0, 1]; NaN when the curve has no mines.

    References
    ----------
    McClish (1989) for the partial area; here unstandardised and normalised by ``F``.
    """
    bound = float(max_false_alarms_per_m2)
    if not (math.isfinite(bound) and bound > 0):
        raise ValueError(f"the false-alarm bound must be > 0 per m2, got {bound}")
    if curve.n_targets == 0:
        return math.nan
    rate = curve.false_alarms_per_m2
    pd = curve.pd
    order = np.lexsort((-pd, rate))
    rate, pd = rate[order], np.maximum.accumulate(pd[order])
    edges = np.append(np.minimum(rate, bound), bound)
    area = float(np.sum(pd * np.diff(edges)))
    return area / bound


def depth_bin_label(depth_m: float, edges_m: Sequence[float] = DEFAULT_DEPTH_BINS_M) -> str:
    """The depth stratum of a depth, e.g. ``"0.05-0.10 m"`` or ``">=0.30 m"``.

    Parameters
    ----------
    depth_m : float
        Target depth, m.
    edges_m : sequence of float
        Increasing bin edges, m; bins are ``[low, high)``.

    Returns
    -------
    str
        ``"LOW-HIGH m"`` inside the edges, ``">=LAST m"`` or ``"<FIRST m"`` outside them.
    """
    edges = list(edges_m)
    for low, high in itertools.pairwise(edges):
        if low <= depth_m < high:
            return f"{low:.2f}-{high:.2f} m"
    if depth_m >= edges[-1]:
        return f">={edges[-1]:.2f} m"
    return f"<{edges[0]:.2f} m"


def _pd_fields(n_detected: int, n_targets: int) -> dict[str, Any]:
    low, high = clopper_pearson(n_detected, n_targets)
    return {
        "n_targets": n_targets,
        "n_detected": n_detected,
        "pd": n_detected / n_targets if n_targets else None,
        "pd_ci": [low, high],
        "pd_lower_95": lower_confidence_bound(n_detected, n_targets) if n_targets else None,
    }


def _stratum(
    targets: Iterable[TargetOutcome],
    lanes: Sequence[LaneScore] | None,
) -> dict[str, Any]:
    """Pd fields over ``targets``; false-alarm fields when the stratum is made of whole lanes."""
    targets = list(targets)
    mines = [t for t in targets if t.target_class == "mine"]
    row = _pd_fields(sum(t.detected for t in mines), len(mines))
    row["n_clutter"] = sum(1 for t in targets if t.target_class == "clutter")
    row["n_clutter_hits"] = sum(1 for t in targets if t.target_class == "clutter" and t.detected)
    if lanes is None:
        row.update(
            n_false_alarms=None, area_m2=None, false_alarms_per_m2=None, clutter_hits_per_m2=None
        )
    else:
        area = float(sum(lane.area_m2 for lane in lanes))
        false_alarms = sum(lane.count("false_alarm") for lane in lanes)
        row.update(
            n_false_alarms=false_alarms,
            area_m2=area,
            false_alarms_per_m2=false_alarms / area,
            clutter_hits_per_m2=row["n_clutter_hits"] / area,
        )
    return row


def summarize(
    lanes: Sequence[LaneScore],
    *,
    depth_bins_m: Sequence[float] = DEFAULT_DEPTH_BINS_M,
    lane_soil: Mapping[str, str] | None = None,
    max_false_alarms_per_m2: float = 0.5,
) -> dict[str, Any]:
    """Pool lane scores into the result a user reads (JSON-ready).

    Parameters
    ----------
    lanes : sequence of LaneScore
        Scores of the lanes (one detector, one parameter set).
    depth_bins_m : sequence of float
        Depth stratum edges, m.
    lane_soil : mapping, optional
        Lane name -> soil, so that false alarms can be reported per soil.
    max_false_alarms_per_m2 : float
        Bound of the partial AUC.

    Returns
    -------
    dict
        ``n_targets`` (mines), ``n_detected``, ``pd``, ``pd_ci`` (two-sided 95 %
        Clopper-Pearson), ``pd_lower_95``, ``n_false_alarms``, ``n_clutter``,
        ``n_clutter_hits``, ``area_m2``, ``false_alarms_per_m2``, ``clutter_hits_per_m2``,
        candidate counts, the surveyed extent and halo, ``by_kind``, ``by_depth_bin``,
        ``by_soil``, ``by_lane`` (stratum -> the same Pd fields; false-alarm fields are None
        for kind and depth strata, which have no area of their own), ``roc``, ``partial_auc``.
    """
    if not lanes:
        raise ValueError("summarize needs at least one lane score")
    targets = [t for lane in lanes for t in lane.targets]
    result = _stratum(targets, lanes)
    result.update(
        n_candidates=sum(len(lane.candidate_status) for lane in lanes),
        n_candidates_scored=sum(
            lane.count(s) for lane in lanes for s in ("detection", "clutter_hit", "false_alarm")
        ),
        n_candidates_below_threshold=sum(lane.count("below_threshold") for lane in lanes),
        n_candidates_outside=sum(lane.count("outside") for lane in lanes),
        n_candidates_no_position=sum(lane.count("no_position") for lane in lanes),
        n_targets_outside=sum(lane.n_targets_outside for lane in lanes),
        length_m=float(sum(lane.length_m for lane in lanes)),
        swept_width_m=sorted({lane.swept_width_m for lane in lanes}),
        swept_width_source=sorted({lane.swept_width_source for lane in lanes}),
        halo={"mode": lanes[0].halo.mode, "halo_m": lanes[0].halo.halo_m},
        threshold=lanes[0].threshold,
    )
    if len(result["swept_width_m"]) == 1:
        result["swept_width_m"] = result["swept_width_m"][0]
        result["swept_width_source"] = result["swept_width_source"][0]
    soils = dict(lane_soil or {})

    def group_by(key: Any) -> dict[str, list[TargetOutcome]]:
        groups: dict[str, list[TargetOutcome]] = {}
        for target in targets:
            groups.setdefault(key(target), []).append(target)
        return dict(sorted(groups.items()))

    result["by_kind"] = {
        kind: _stratum(group, None) for kind, group in group_by(lambda t: t.kind).items()
    }
    result["by_depth_bin"] = {
        label: _stratum(group, None)
        for label, group in group_by(lambda t: depth_bin_label(t.depth_m, depth_bins_m)).items()
    }
    lanes_by_soil: dict[str, list[LaneScore]] = {}
    for lane in lanes:
        lanes_by_soil.setdefault(soils.get(lane.lane, "unknown"), []).append(lane)
    by_soil = {}
    for soil_name, group in group_by(lambda t: t.soil).items():
        whole_lanes = lanes_by_soil.get(soil_name)
        # False alarms per soil only when every target of those lanes has that soil.
        if whole_lanes and all(t.soil == soil_name for lane in whole_lanes for t in lane.targets):
            by_soil[soil_name] = _stratum(group, whole_lanes)
        else:
            by_soil[soil_name] = _stratum(group, None)
    result["by_soil"] = by_soil
    by_lane: dict[str, list[LaneScore]] = {}
    for lane in lanes:
        by_lane.setdefault(lane.lane, []).append(lane)
    result["by_lane"] = {
        name: _stratum([t for lane in group for t in lane.targets], group)
        for name, group in sorted(by_lane.items())
    }
    curve = pool_curves([lane.curve for lane in lanes])
    result["roc"] = curve.to_dict()
    auc = partial_auc(curve, max_false_alarms_per_m2)
    result["partial_auc"] = {
        "max_false_alarms_per_m2": max_false_alarms_per_m2,
        "value": _finite_or_none(auc),
    }
    return result


def pd_vs_halo(
    truth: GroundTruth,
    candidates: Sequence[Candidate],
    halos_m: Sequence[float],
    *,
    mode: str = "edge",
    swept_width_m: float | None = None,
    threshold: float | None = None,
) -> list[dict[str, Any]]:
    """Pd and false alarms at the operating threshold for each halo size.

    Parameters
    ----------
    truth, candidates, swept_width_m, threshold
        As for :func:`score_lane`.
    halos_m : sequence of float
        Halo radii (centre mode) or margins (edge mode), m.
    mode : {"centre", "edge"}
        Halo mode.

    Returns
    -------
    list of dict
        ``halo_m``, ``n_targets``, ``n_detected``, ``pd``, ``pd_ci``, ``n_false_alarms``,
        ``false_alarms_per_m2`` for each halo, in the given order.
    """
    rows = []
    for halo_m in halos_m:
        halo = Halo(mode, halo_m)  # type: ignore[arg-type]
        lane = score_lane(
            truth, candidates, halo=halo, swept_width_m=swept_width_m, threshold=threshold
        )
        summary = _stratum(lane.targets, [lane])
        rows.append({"halo_m": halo.halo_m, **summary})
    return rows


def pool_pd_vs_halo(per_lane: Sequence[Sequence[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """Pool the :func:`pd_vs_halo` rows of several lanes (same halos in the same order).

    Counts and areas are summed per halo; Pd, its interval and the false-alarm rate are
    recomputed from the sums.

    Parameters
    ----------
    per_lane : sequence of sequence of mapping
        One :func:`pd_vs_halo` result per lane.

    Returns
    -------
    list of dict
        One pooled row per halo (``halo_m`` in m, Pd with its confidence interval, clutter and
        false-alarm counts and rates); empty when ``per_lane`` is.

    Raises
    ------
    ValueError
        If the lanes' rows do not have the same halos in the same order.
    """
    if not per_lane:
        return []
    pooled = []
    for rows in zip(*per_lane, strict=True):
        halos = {row["halo_m"] for row in rows}
        if len(halos) != 1:
            raise ValueError(f"pd_vs_halo rows of different halos cannot be pooled: {halos}")
        n_targets = sum(row["n_targets"] for row in rows)
        n_detected = sum(row["n_detected"] for row in rows)
        false_alarms = sum(row["n_false_alarms"] for row in rows)
        area = float(sum(row["area_m2"] for row in rows))
        pooled.append(
            {
                "halo_m": rows[0]["halo_m"],
                **_pd_fields(n_detected, n_targets),
                "n_clutter": sum(row["n_clutter"] for row in rows),
                "n_clutter_hits": sum(row["n_clutter_hits"] for row in rows),
                "n_false_alarms": false_alarms,
                "area_m2": area,
                "false_alarms_per_m2": false_alarms / area,
            }
        )
    return pooled
