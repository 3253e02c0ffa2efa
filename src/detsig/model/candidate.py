"""Candidates: places a detector asks a deminer to investigate (DESIGN.md section 3)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The fixed fields of a candidate, in export order; detector extras follow them.
CANDIDATE_FIELDS = (
    "x_m",
    "y_m",
    "lat_deg",
    "lon_deg",
    "time_s",
    "depth_m",
    "score",
    "detector",
    "stream",
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


@dataclass(frozen=True, eq=False)
class Candidate:
    """One flagged location.

    Parameters
    ----------
    score : float
        Confidence, higher is more confident; detectors are swept over it for ROC curves.
    detector : str
        Name of the detector that produced it (``"md-cfar"``, ``"gpr-hyperbola"``, ``"fused"``).
    stream : str
        Stream it came from (``"md0"``, ``"gpr0"``; ``"md0+gpr0"`` for fused candidates).
    x_m : float
        Along-lane distance, m (NaN when unknown). In a survey's dig list: east in the
        survey's local grid (:mod:`detsig.survey.layout`).
    y_m : float
        Across-lane offset, m, for 2-D areas (NaN when unknown: a single-channel sensor on a
        lane). In a survey's dig list: north in the local grid.
    lat_deg, lon_deg : float
        WGS84 position, degrees, when GNSS is present (else NaN).
    time_s : float
        Time of the response from the start of the recording, s.
    depth_m : float
        Estimated depth below the surface, m (NaN when not estimated).
    extras : mapping
        Detector-specific values (``relative_permittivity``, ``decay_time_constant_s`` ...),
        JSON-serialisable.
    """

    score: float
    detector: str
    stream: str
    x_m: float = math.nan
    y_m: float = math.nan
    lat_deg: float = math.nan
    lon_deg: float = math.nan
    time_s: float = math.nan
    depth_m: float = math.nan
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("score", "x_m", "y_m", "lat_deg", "lon_deg", "time_s", "depth_m"):
            object.__setattr__(self, name, float(getattr(self, name)))
        if math.isnan(self.score):
            raise ValueError("a candidate's score must be a number, got NaN")
        object.__setattr__(self, "extras", dict(self.extras))

    def __eq__(self, other: object) -> bool:
        """Field-wise equality in which NaN equals NaN (unknown positions compare equal)."""
        if not isinstance(other, Candidate):
            return NotImplemented
        return all(
            _same(getattr(self, name), getattr(other, name)) for name in CANDIDATE_FIELDS
        ) and dict(self.extras) == dict(other.extras)

    def __hash__(self) -> int:
        return hash((self.detector, self.stream, self.score))

    def to_dict(self) -> dict[str, Any]:
        """The candidate as a flat dict: the fixed fields, then the extras.

        Returns
        -------
        dict
            The :data:`CANDIDATE_FIELDS` by name, then each extra whose key is not a field name.
        """
        row: dict[str, Any] = {name: getattr(self, name) for name in CANDIDATE_FIELDS}
        for key, value in self.extras.items():
            row.setdefault(key, value)
        return row

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> Candidate:
        """Build a candidate from a flat dict; unknown keys become extras.

        Missing positions become NaN; ``score`` is required.

        Parameters
        ----------
        row : mapping
            Field name -> value (``score`` required; ``x_m``, ``depth_m``, ``lat_deg`` ... may be
            missing, None or ``""``).

        Returns
        -------
        Candidate
            The candidate.

        Raises
        ------
        ValueError
            If ``score`` is missing.
        """
        if "score" not in row:
            raise ValueError("a candidate needs a 'score'")
        known = {"score", "detector", "stream", "x_m", "y_m", "lat_deg", "lon_deg"}
        known |= {"time_s", "depth_m"}
        kwargs: dict[str, Any] = {}
        for name in known:
            value = row.get(name)
            if name in ("detector", "stream"):
                kwargs[name] = "" if value is None else str(value)
            elif value is None or value == "":
                kwargs[name] = math.nan
            else:
                kwargs[name] = float(value)
        extras = {k: v for k, v in row.items() if k not in known and k != "extras"}
        if isinstance(row.get("extras"), Mapping):
            extras.update(row["extras"])
        return cls(extras=extras, **kwargs)
