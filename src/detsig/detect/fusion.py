"""Fusion of metal-detector and GPR candidates: keep minimum-metal mines, demote metal scrap.

Dual-sensor hand-held detectors (HSTAMIDS, AN/PSS-14; MINEHOUND, VMR3) work as follows: the
metal detector alarms on any metal, the radar is then asked whether there is an object of a
mine's size and make beneath it. Field trials of these systems kept the mines while clearing
92-96.5 % of the metal clutter that an MD alone flags (Doheny et al. 2005; Daniels et al.
2005 and the GICHD evaluations). detsig follows the same logic with the features its two
detectors estimate:

- **Association**: a GPR object (``gpr-hyperbola``) and an MD pass (``md-cfar``) within
  ``association_m`` along the lane are one object. Every GPR candidate yields one fused
  candidate, with the nearest MD candidate within ``association_m`` (if any); every MD
  candidate with no GPR candidate within ``association_m`` yields one.
- **Evidence**, normalised so that 1 is an alarm of that sensor: ``m = md_score /
  md_threshold`` (the md-cfar default, 6) and ``g = gpr_score / gpr_threshold`` (9, a little
  below the gpr-hyperbola default of 10: the MD evidence and the rules below keep the false
  alarms down) when the radar reflection is strong enough for a mine-sized object
  (``reflection_strength >= min_reflection_strength``; the faintest echoes are small stones and
  soil scatterers), else 0. Both scores are CFAR ratios, i.e. relative to the lane's own
  background (the training cells of each test); the GPR reflection strength is relative to
  the lane's own ground-surface echo (:mod:`detsig.detect.gpr_hyperbola`), so no threshold is
  in the units of a radar's or the simulator's amplitudes.
- **Rules** (first that applies; ``c = score_cap``):

  1. *large metal*: ``m >= 1`` and a slow decay (``decay_time_constant_s >=
     large_metal_time_constant_s`` fitted on at least three gates: a big or very conductive
     part, as in metal-cased mines and UXO; fragments and nails decay fast, Pasion and
     Oldenburg 2001) -> kept,
     ``score = 1 + min(max(m, g), c)``.
  2. *GPR object, no metal alarm*: ``g >= 1`` and ``m < 1`` -> kept, ``score = min(g, c)``: the
     minimum-metal mine the MD barely sees.
  3. *GPR dielectric object with metal*: ``g >= 1``, ``m >= 1`` and the radar echo has the
     polarity of a body of lower permittivity than the soil (``polarity == -1``: plastic,
     explosive, air; metal reflects like the ground surface) at a depth of at least
     ``polarity_min_depth_m`` (shallower, the echo overlaps the ground-surface residual and
     its sign is not reliable) -> kept, ``score = min(g, c)``: a plastic mine with its metal
     firing pin.
  4. *GPR object with a firing-pin-sized metal part*: ``g >= 1``, ``m >= 1`` and either a very
     fast decay (``decay_time_constant_s < pin_time_constant_s``: under about a gram of steel,
     the metal content of minimum-metal mines), or a pulse-induction alarm too faint for a
     decay fit under a radar echo weaker than metal's (``reflection_strength <
     dielectric_reflection_strength``: metal reflects totally, a plastic or explosive body
     about a tenth as much) -> kept, ``score = min(g, c)``.
  5. *mine-sized metal object*: ``g >= 1``, ``m >= 1``, a radar reflection of a mine-sized
     object (``reflection_strength >= mine_reflection_strength``) and no MD evidence of a small
     part (the decay time constant is not fitted, as for a deep or slowly decaying object
     seen on fewer than three gates, or it is at least ``scrap_time_constant_s``) -> kept,
     ``score = min(g, c)``: a metal-cased mine, too deep for a three-gate decay fit. Nails
     and wire (fast decays) and fragments (faint radar echoes) are not kept by it.
  6. *small metal*: ``m >= 1`` with no GPR object of mine size -> demoted,
     ``score = demotion * min(max(m, g), c) / c`` (below 1 whatever its strength).
  7. *weak*: anything else -> ``score = demotion * min(max(m, g), c) / c``.

  With the default threshold 1 rules 1-5 are reported and 6-7 are not; ``--all-scores``
  keeps them all (ordered by evidence) for ROC curves.

References
----------
.. [1] Doheny, R. C., Burke, S., Cresci, R., Ngan, P., Walls, R. and Chernoff, J. (2005).
   Handheld Standoff Mine Detection System (HSTAMIDS) field evaluation in Thailand. *Proc.
   SPIE* 5794, 889-900 (MD alarm + GPR confirmation; clutter rejection in the field).
.. [2] Daniels, D. J., Curtis, P., Amin, R. and Hunt, N. (2005). MINEHOUND production
   development. *Proc. SPIE* 5794, 488-494 (dual-sensor trials in Bosnia, Cambodia, Angola).
.. [3] GICHD (2006). *Guidebook on Detection Technologies and Systems for Humanitarian
   Demining*, Geneva (dual-sensor detectors, clutter statistics of metal detectors).
.. [4] Pasion, L. R. and Oldenburg, D. W. (2001). A discrimination algorithm for UXO using
   time domain electromagnetics. *J. Environ. Eng. Geophys.* 6(2), 91-102.
.. [5] Daniels, D. J. (2004). *Ground Penetrating Radar*, 2nd ed., IET, ch. 12 (mine
   detection; reflection polarity of low-permittivity targets).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from detsig.detect._params import DetectorParams
from detsig.errors import InputError
from detsig.model import Candidate

DETECTOR_NAME = "fused"
RULES = (
    "large-metal",
    "gpr-object",
    "gpr-dielectric-with-metal",
    "gpr-object-with-pin",
    "mine-sized-metal",
    "small-metal",
    "weak",
)


@dataclass(frozen=True)
class FusionParams(DetectorParams):
    """Parameters of the fusion rules (see the module text).

    Parameters
    ----------
    threshold : float
        Fused score to report (1: rules 1-5).
    association_m : float
        Largest along-lane distance between an MD and a GPR candidate of one object, m.
    md_threshold : float
        MD score that counts as an alarm (``m = 1``).
    gpr_threshold : float
        GPR score that counts as an object (``g = 1``).
    min_reflection_strength : float
        Least GPR ``reflection_strength`` of a mine-sized object (a fraction of the
        ground-surface echo, spreading compensated).
    large_metal_time_constant_s : float
        Least PI decay time constant of a large metal part, s.
    pin_time_constant_s : float
        PI decay time constants below this are a firing-pin-sized metal part, s.
    dielectric_reflection_strength : float
        GPR ``reflection_strength`` below which an object with a metal alarm but no measured
        decay is taken for a dielectric body with a small metal part (rule 4): the echoes of
        metal fragments, nails and cartridge cases reach it, those of plastic mines stay below
        (tuning lanes, seeds 1000-1019).
    polarity_min_depth_m : float
        The GPR polarity is trusted only for objects at least this deep, m.
    mine_reflection_strength : float
        Least GPR ``reflection_strength`` of a mine-sized metal object, a fraction of the
        ground-surface echo (rule 5; the echoes of nails, fragments and cartridge cases stay
        below it, those of metal-cased AP mines above it, on the tuning lanes, seeds 0-39).
    scrap_time_constant_s : float
        A fitted PI decay time constant below this is a small part (nail, wire), which rule 5
        does not keep, s.
    demotion : float
        Demoted candidates score at most this (in [0, demotion]; below 1).
    score_cap : float
        Evidence above this many thresholds counts as this.
    """

    detector_name: ClassVar[str] = "fused"

    threshold: float = 1.0
    association_m: float = 0.15
    md_threshold: float = 6.0
    gpr_threshold: float = 9.0
    min_reflection_strength: float = 0.007
    large_metal_time_constant_s: float = 250e-6
    pin_time_constant_s: float = 25e-6
    dielectric_reflection_strength: float = 0.03
    polarity_min_depth_m: float = 0.03
    mine_reflection_strength: float = 0.085
    scrap_time_constant_s: float = 80e-6
    demotion: float = 0.5
    score_cap: float = 10.0

    def __post_init__(self) -> None:
        for item in fields(self):
            value = float(getattr(self, item.name))
            if not math.isfinite(value) or value < 0:
                raise InputError(f"fused {item.name} must be a number >= 0, got {value}")
            object.__setattr__(self, item.name, value)
        for name in ("md_threshold", "gpr_threshold", "score_cap"):
            if getattr(self, name) <= 0:
                raise InputError(f"fused {name} must be > 0")
        if not self.demotion < 1.0:
            raise InputError(f"fused demotion must be below 1, got {self.demotion}")


def _nearest(x_m: float, others: Sequence[Candidate], within_m: float) -> Candidate | None:
    best: Candidate | None = None
    best_distance = math.inf
    for other in others:
        distance = abs(other.x_m - x_m)
        # ties: the higher score, then the earlier position
        if distance <= within_m and (
            distance < best_distance
            or (distance == best_distance and best is not None and other.score > best.score)
        ):
            best, best_distance = other, distance
    return best


def fused_score(
    md: Candidate | None, gpr: Candidate | None, params: FusionParams
) -> tuple[float, str]:
    """The fused score and the rule that set it, for one associated pair (either may be None).

    Parameters
    ----------
    md : Candidate or None
        The ``md-cfar`` candidate (extras ``decay_time_constant_s``).
    gpr : Candidate or None
        The ``gpr-hyperbola`` candidate (extras ``reflection_strength``, ``polarity``).
    params : FusionParams
        The rules' parameters.

    Returns
    -------
    score : float
    rule : str
        One of :data:`RULES`.

    Examples
    --------
    >>> p = FusionParams()
    >>> gpr = Candidate(12.0, "gpr-hyperbola", "gpr0", x_m=1.0,
    ...                 extras={"reflection_strength": 0.05, "polarity": -1})
    >>> fused_score(None, gpr, p)
    (1.3333333333333333, 'gpr-object')
    >>> scrap = Candidate(60.0, "md-cfar", "md0", x_m=2.0,
    ...                   extras={"decay_time_constant_s": 5e-5})
    >>> fused_score(scrap, None, p)
    (0.5, 'small-metal')
    """
    cap = params.score_cap
    m = md.score / params.md_threshold if md is not None else 0.0
    g = 0.0
    polarity = 0
    strength = 0.0
    depth_m = math.nan
    if gpr is not None:
        strength = float(gpr.extras.get("reflection_strength") or 0.0)
        if strength >= params.min_reflection_strength:
            g = gpr.score / params.gpr_threshold
        polarity = int(gpr.extras.get("polarity") or 0)
        depth_m = gpr.depth_m
        if not math.isfinite(depth_m):  # velocity at the grid limit: the bound it gives
            depth_m = float(gpr.extras.get("depth_at_grid_limit_m") or math.nan)
    tau = math.nan
    n_gates = 0
    if md is not None:
        value = md.extras.get("decay_time_constant_s")
        tau = float(value) if value is not None else math.nan
        n_gates = int(md.extras.get("n_gates_fitted") or 0)
    large = (
        m >= 1.0
        and n_gates >= 3
        and math.isfinite(tau)
        and tau >= params.large_metal_time_constant_s
    )
    demoted = params.demotion * min(max(m, g), cap) / cap
    if large:
        return 1.0 + min(max(m, g), cap), "large-metal"
    if g >= 1.0 and m < 1.0:
        return min(g, cap), "gpr-object"
    if g >= 1.0 and polarity < 0 and depth_m >= params.polarity_min_depth_m:
        return min(g, cap), "gpr-dielectric-with-metal"
    if g >= 1.0 and math.isfinite(tau) and tau < params.pin_time_constant_s:
        return min(g, cap), "gpr-object-with-pin"
    # a pulse-induction alarm too faint to fit a decay, under a radar echo weaker than metal
    pi_decay_unmeasured = md is not None and "decay_time_constant_s" in md.extras
    if (
        g >= 1.0
        and pi_decay_unmeasured
        and not math.isfinite(tau)
        and strength < params.dielectric_reflection_strength
    ):
        return min(g, cap), "gpr-object-with-pin"
    small_part = math.isfinite(tau) and tau < params.scrap_time_constant_s
    if g >= 1.0 and strength >= params.mine_reflection_strength and not small_part:
        return min(g, cap), "mine-sized-metal"
    if m >= 1.0:
        return demoted, "small-metal"
    return demoted, "weak"


def _fused_candidate(
    md: Candidate | None, gpr: Candidate | None, params: FusionParams
) -> Candidate:
    score, rule = fused_score(md, gpr, params)
    anchor = gpr if gpr is not None else md
    assert anchor is not None
    streams = [c.stream for c in (md, gpr) if c is not None]
    extras: dict[str, Any] = {
        "rule": rule,
        "md_score": None if md is None else round(md.score, 6),
        "gpr_score": None if gpr is None else round(gpr.score, 6),
    }
    if md is not None:
        extras["md_x_m"] = md.x_m if math.isfinite(md.x_m) else None
        for key in ("decay_time_constant_s", "vlf_phase_deg"):
            if key in md.extras:
                extras[key] = md.extras[key]
    if gpr is not None:
        for key in (
            "relative_permittivity",
            "velocity_at_grid_limit",
            "depth_at_grid_limit_m",
            "polarity",
            "reflection_strength",
            "two_way_time_s",
        ):
            if key in gpr.extras:
                extras[key] = gpr.extras[key]
    return Candidate(
        score=round(score, 9),
        detector=DETECTOR_NAME,
        stream="+".join(streams),
        x_m=anchor.x_m,
        y_m=anchor.y_m,
        lat_deg=anchor.lat_deg,
        lon_deg=anchor.lon_deg,
        time_s=anchor.time_s,
        depth_m=gpr.depth_m if gpr is not None else math.nan,
        extras=extras,
    )


def fuse_candidates(
    md_candidates: Sequence[Candidate],
    gpr_candidates: Sequence[Candidate],
    params: FusionParams | None = None,
    *,
    all_scores: bool = False,
) -> list[Candidate]:
    """Fuse the (all-scores) candidates of ``md-cfar`` and ``gpr-hyperbola`` of one lane.

    Parameters
    ----------
    md_candidates, gpr_candidates : sequence of Candidate
        The detectors' candidates, best run with ``all_scores=True`` so that weak evidence of
        one sensor can support the other. Candidates without ``x_m`` are ignored.
    params : FusionParams, optional
        Rules' parameters.
    all_scores : bool
        Return every fused candidate, not only those reaching ``params.threshold``.

    Returns
    -------
    list of Candidate
        Sorted by ``x_m``; extras name the ``rule`` and both scores.
    """
    params = params or FusionParams()
    md = [c for c in md_candidates if math.isfinite(c.x_m)]
    gpr = [c for c in gpr_candidates if math.isfinite(c.x_m)]
    out = [_fused_candidate(_nearest(c.x_m, md, params.association_m), c, params) for c in gpr]
    out += [
        _fused_candidate(c, None, params)
        for c in md
        if _nearest(c.x_m, gpr, params.association_m) is None
    ]
    order = np.argsort([c.x_m for c in out], kind="stable")
    fused = [out[i] for i in order]
    if not all_scores:
        fused = [c for c in fused if c.score >= params.threshold]
    return fused
