"""Ground truth of a test lane: the buried targets and the surveyed extent."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TARGET_CLASSES = ("mine", "clutter")


@dataclass(frozen=True)
class TruthTarget:
    """One buried object of a lane.

    Parameters
    ----------
    id : str
        Identifier unique within the lane.
    target_class : {"mine", "clutter"}
        What a deminer must find (mine, including UXO) or may dig in vain (clutter).
        Stored as ``"class"`` in JSON and HDF5.
    kind : str
        Finer type: ``"ap-plastic"``, ``"ap-metal"``, ``"at"``, ``"uxo"``, ``"shrapnel"``, ...
    x_m : float
        Along-lane position of the target's centre, m.
    depth_m : float
        Depth of the target's top below the ground surface, m (>= 0).
    size_m : float
        Largest horizontal dimension (diameter), m (> 0).
    y_m : float
        Across-lane offset of the centre from the lane axis, m.
    extras : mapping
        Further properties (material, metal_mass_g, ...), JSON-serialisable.
    """

    id: str
    target_class: str
    kind: str
    x_m: float
    depth_m: float
    size_m: float
    y_m: float = 0.0
    extras: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.target_class not in TARGET_CLASSES:
            raise ValueError(
                f"target {self.id!r}: class must be one of {TARGET_CLASSES}, "
                f"got {self.target_class!r}"
            )
        for name in ("x_m", "y_m", "depth_m", "size_m"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"target {self.id!r}: {name} must be finite, got {value}")
            object.__setattr__(self, name, value)
        if self.depth_m < 0:
            raise ValueError(f"target {self.id!r}: depth_m must be >= 0, got {self.depth_m}")
        if self.size_m <= 0:
            raise ValueError(f"target {self.id!r}: size_m must be > 0, got {self.size_m}")
        object.__setattr__(self, "id", str(self.id))
        object.__setattr__(self, "extras", dict(self.extras))

    @property
    def is_mine(self) -> bool:
        """True for targets a deminer must find."""
        return self.target_class == "mine"

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``class`` instead of ``target_class``), extras last.

        Returns
        -------
        dict
            ``id``, ``class``, ``kind``, ``x_m``, ``y_m``, ``depth_m``, ``size_m``, then each extra
            whose key is not one of those.
        """
        row: dict[str, Any] = {
            "id": self.id,
            "class": self.target_class,
            "kind": self.kind,
            "x_m": self.x_m,
            "y_m": self.y_m,
            "depth_m": self.depth_m,
            "size_m": self.size_m,
        }
        for key, value in self.extras.items():
            row.setdefault(key, value)
        return row

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> TruthTarget:
        """Build a target from its JSON form; unknown keys become extras.

        Parameters
        ----------
        row : mapping
            The JSON object: ``id``, ``class``, ``kind``, ``x_m``, ``depth_m``, ``size_m`` (m)
            required; ``y_m`` optional (0 when absent).

        Returns
        -------
        TruthTarget
            The target.

        Raises
        ------
        ValueError
            If a required key is missing.
        """
        known = {"id", "class", "kind", "x_m", "y_m", "depth_m", "size_m"}
        missing = sorted(known - {"y_m"} - set(row))
        if missing:
            raise ValueError(f"truth target {row.get('id', '?')!r} lacks {', '.join(missing)}")
        return cls(
            id=str(row["id"]),
            target_class=str(row["class"]),
            kind=str(row["kind"]),
            x_m=float(row["x_m"]),
            y_m=float(row.get("y_m", 0.0)),
            depth_m=float(row["depth_m"]),
            size_m=float(row["size_m"]),
            extras={k: v for k, v in row.items() if k not in known},
        )


@dataclass(frozen=True)
class GroundTruth:
    """The targets of a lane and the extent that was surveyed.

    Parameters
    ----------
    targets : sequence of TruthTarget
        Every buried object, mines and clutter.
    x_start_m, x_end_m : float
        Along-lane extent that was surveyed, m.
    swept_width_m : float or None
        Width swept by the sensor across the lane, m (for false alarms per square metre).
    y_start_m, y_end_m : float or None
        Across-lane extent of a 2-D area survey, m (both None for a lane: the lane's
        targets then lie within ``swept_width_m`` of its axis, ``y_m`` = 0 when not given).
    """

    targets: tuple[TruthTarget, ...]
    x_start_m: float
    x_end_m: float
    swept_width_m: float | None = None
    y_start_m: float | None = None
    y_end_m: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "targets", tuple(self.targets))
        if not float(self.x_end_m) > float(self.x_start_m):
            raise ValueError(
                f"x_end_m ({self.x_end_m}) must be greater than x_start_m ({self.x_start_m})"
            )
        ids = [t.id for t in self.targets]
        if len(set(ids)) != len(ids):
            raise ValueError("truth target ids must be unique")
        if self.swept_width_m is not None and not float(self.swept_width_m) > 0:
            raise ValueError(f"swept_width_m must be > 0, got {self.swept_width_m}")
        if (self.y_start_m is None) != (self.y_end_m is None):
            raise ValueError("an area's truth needs both y_start_m and y_end_m, or neither")
        if (
            self.y_start_m is not None
            and self.y_end_m is not None
            and not float(self.y_end_m) > float(self.y_start_m)
        ):
            raise ValueError(
                f"y_end_m ({self.y_end_m}) must be greater than y_start_m ({self.y_start_m})"
            )

    @property
    def is_area(self) -> bool:
        """True for the truth of a 2-D area survey (an across-lane extent is given)."""
        return self.y_start_m is not None

    @property
    def width_m(self) -> float | None:
        """Across-lane extent of an area, m (None for a lane)."""
        if self.y_start_m is None or self.y_end_m is None:
            return None
        return float(self.y_end_m) - float(self.y_start_m)

    @property
    def mines(self) -> tuple[TruthTarget, ...]:
        """The targets of class mine."""
        return tuple(t for t in self.targets if t.is_mine)

    @property
    def length_m(self) -> float:
        """Surveyed lane length, m."""
        return float(self.x_end_m) - float(self.x_start_m)

    def to_dict(self) -> dict[str, Any]:
        """The truth JSON object (DESIGN.md section 3).

        Returns
        -------
        dict
            ``x_start_m``, ``x_end_m``, ``targets`` (list of :meth:`TruthTarget.to_dict`) and
            ``swept_width_m`` when known, ``y_start_m`` and ``y_end_m`` for an area.
        """
        out: dict[str, Any] = {
            "x_start_m": float(self.x_start_m),
            "x_end_m": float(self.x_end_m),
            "targets": [t.to_dict() for t in self.targets],
        }
        if self.swept_width_m is not None:
            out["swept_width_m"] = float(self.swept_width_m)
        if self.y_start_m is not None and self.y_end_m is not None:
            out["y_start_m"] = float(self.y_start_m)
            out["y_end_m"] = float(self.y_end_m)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GroundTruth:
        """Build from the truth JSON object; raises ValueError naming what is wrong.

        Parameters
        ----------
        data : mapping
            The truth JSON object: ``x_start_m``, ``x_end_m`` (m), ``targets`` and optional
            ``swept_width_m``, ``y_start_m`` and ``y_end_m`` (m).

        Returns
        -------
        GroundTruth
            The validated ground truth.
        """
        if not isinstance(data, Mapping) or "targets" not in data:
            raise ValueError("ground truth must be a JSON object with a 'targets' list")
        targets: Sequence[Any] = data["targets"]
        for name in ("x_start_m", "x_end_m"):
            if name not in data:
                raise ValueError(f"ground truth lacks the surveyed extent '{name}'")
        width = data.get("swept_width_m")
        y_start, y_end = data.get("y_start_m"), data.get("y_end_m")
        return cls(
            targets=tuple(TruthTarget.from_dict(t) for t in targets),
            x_start_m=float(data["x_start_m"]),
            x_end_m=float(data["x_end_m"]),
            swept_width_m=None if width is None else float(width),
            y_start_m=None if y_start is None else float(y_start),
            y_end_m=None if y_end is None else float(y_end),
        )
