"""The planned grid of an area survey: a small TOML file (``survey.toml``).

Wheel-only recordings know only the distance along each sweep; the plan says where each sweep
lies in the survey's local grid (x east, y north, metres). It also carries the sensor width
and the quality limits of the coverage check, so GNSS surveys use it too (without
``[[sweeps]]``)::

    [grid]
    spacing_m = 0.25          # across-lane distance between neighbouring sweeps (required)
    heading_deg = 90.0        # direction of travel of lane 0, degrees clockwise from grid north
    origin_x_m = 0.0          # where lane 0 starts, local grid
    origin_y_m = 0.0
    lane_side = "left"        # next lanes lie to the left (or "right") of the direction of travel
    serpentine = false        # odd lanes walked back from length_m to 0
    length_m = 5.0            # lane length (needed when serpentine)
    origin_lat_deg = 45.0     # WGS84 position of the local grid's origin (optional)
    origin_lon_deg = 16.0

    [sensor]
    width_m = 0.3             # width of ground the sensor senses across its track

    [area]                    # the area to be covered (default: the tracks' bounding box)
    x_min_m = 0.0
    x_max_m = 5.0
    y_min_m = 0.0
    y_max_m = 4.0

    [qc]
    speed_min_m_per_s = 0.1
    speed_max_m_per_s = 1.0
    max_sample_step_m = 0.02  # GPR trace spacing beyond this is too coarse
    min_fix_quality = 4       # GGA fix quality: 4 = RTK fixed

    [[sweeps]]
    file = "sweep-00.h5"      # relative to the plan's folder
    lane = 0                  # lane index (default: the position in this list)
    start_m = 0.0             # distance along the lane where the recording's distance 0 is

Every mistake is one :class:`~detsig.errors.InputError` sentence naming the file and the key.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detsig.errors import InputError

__all__ = ["PLAN_FILE_NAME", "PlannedSweep", "QualityLimits", "SurveyPlan", "load_plan"]

#: The plan a survey folder may hold.
PLAN_FILE_NAME = "survey.toml"


@dataclass(frozen=True)
class QualityLimits:
    """Limits of the coverage check.

    Parameters
    ----------
    speed_min_m_per_s, speed_max_m_per_s : float
        Sweep speed band, m/s; slower or faster stretches are flagged.
    max_sample_step_m : float
        Largest acceptable distance between GPR traces (or MD frames), m.
    min_fix_quality : int
        Lowest acceptable GGA fix quality (4 = RTK fixed); rows below it are flagged.
    """

    speed_min_m_per_s: float = 0.1
    speed_max_m_per_s: float = 1.0
    max_sample_step_m: float = 0.02
    min_fix_quality: int = 4


@dataclass(frozen=True)
class PlannedSweep:
    """One recording's place in the planned grid.

    Parameters
    ----------
    file : Path
        The recording.
    lane : int
        Lane index, 0 at the grid origin.
    start_m : float
        Distance along the lane at which the recording's ``distance_m`` is 0, m.
    """

    file: Path
    lane: int
    start_m: float = 0.0


@dataclass(frozen=True)
class SurveyPlan:
    """A planned grid of parallel lanes (see the module docstring for the TOML form).

    Parameters
    ----------
    spacing_m : float
        Distance between neighbouring lanes, m (> 0).
    heading_deg : float
        Direction of travel along lane 0, degrees clockwise from grid north (90 = +x).
    origin_x_m, origin_y_m : float
        Start of lane 0 in the local grid, m.
    lane_side : {"left", "right"}
        Side of lane 0 on which lanes 1, 2, ... lie, seen along the direction of travel.
    serpentine : bool
        Odd lanes are walked back from ``length_m`` towards 0.
    length_m : float or None
        Lane length, m (required with ``serpentine``).
    origin_lat_deg, origin_lon_deg : float or None
        WGS84 position of the grid origin, degrees (lets a wheel-only dig list carry lat/lon).
    sensor_width_m : float
        Width of ground the sensor senses across its track, m.
    area : tuple of 4 floats or None
        ``(x_min_m, x_max_m, y_min_m, y_max_m)`` of the area to cover.
    limits : QualityLimits
        Coverage check limits.
    sweeps : tuple of PlannedSweep
        The recordings and their lanes (may be empty for GNSS surveys).
    source : str
        Where the plan came from, for messages.
    """

    spacing_m: float
    heading_deg: float = 90.0
    origin_x_m: float = 0.0
    origin_y_m: float = 0.0
    lane_side: str = "left"
    serpentine: bool = False
    length_m: float | None = None
    origin_lat_deg: float | None = None
    origin_lon_deg: float | None = None
    sensor_width_m: float = 0.3
    area: tuple[float, float, float, float] | None = None
    limits: QualityLimits = field(default_factory=QualityLimits)
    sweeps: tuple[PlannedSweep, ...] = ()
    source: str = ""

    @property
    def along_unit(self) -> tuple[float, float]:
        """Unit vector (x, y) of the direction of travel along lane 0."""
        heading = math.radians(self.heading_deg)
        return math.sin(heading), math.cos(heading)

    @property
    def across_unit(self) -> tuple[float, float]:
        """Unit vector (x, y) from lane 0 towards lane 1."""
        ux, uy = self.along_unit
        return (-uy, ux) if self.lane_side == "left" else (uy, -ux)

    def positions(self, lane: int, distance_m: Any, start_m: float = 0.0) -> tuple[Any, Any]:
        """Local grid positions of points along a lane.

        Parameters
        ----------
        lane : int
            Lane index.
        distance_m : ndarray, shape (n,)
            Distance travelled along the lane from the recording's start, m.
        start_m : float
            Distance along the lane of the recording's start, m (from the lane's origin end,
            or from ``length_m`` for the odd lanes of a serpentine plan).

        Returns
        -------
        x_m, y_m : ndarray of float64, shape (n,)
            Local grid coordinates, m.
        """
        import numpy as np

        along = start_m + np.asarray(distance_m, dtype=np.float64)
        if self.serpentine and lane % 2 == 1:
            assert self.length_m is not None
            along = self.length_m - along
        ux, uy = self.along_unit
        vx, vy = self.across_unit
        offset = lane * self.spacing_m
        return (
            self.origin_x_m + along * ux + offset * vx,
            self.origin_y_m + along * uy + offset * vy,
        )


def _number(table: Mapping[str, Any], key: str, where: str, default: Any = None) -> Any:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where}: '{key}' must be a number, got {value!r}")
    if not math.isfinite(value):
        raise InputError(f"{where}: '{key}' must be finite, got {value!r}")
    return float(value)


def _table(data: Mapping[str, Any], name: str, allowed: set[str], source: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, Mapping):
        raise InputError(f"{source}: [{name}] must be a table")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise InputError(
            f"{source}: [{name}] has no key '{unknown[0]}' (known: {', '.join(sorted(allowed))})"
        )
    return dict(table)


def plan_from_dict(data: Mapping[str, Any], *, source: str = "<plan>", folder: Path) -> SurveyPlan:
    """Build and validate a plan from the parsed TOML.

    Parameters
    ----------
    data : mapping
        The TOML document.
    source : str
        The file name, for messages.
    folder : Path
        Folder that relative sweep files are resolved against.

    Returns
    -------
    SurveyPlan
        The validated plan.

    Raises
    ------
    InputError
        A missing, unknown or out-of-range key, in one sentence.
    """
    unknown = sorted(set(data) - {"grid", "sensor", "area", "qc", "sweeps"})
    if unknown:
        raise InputError(
            f"{source}: unknown table [{unknown[0]}] (known: grid, sensor, area, qc, sweeps)"
        )
    grid_keys = {
        "spacing_m",
        "heading_deg",
        "origin_x_m",
        "origin_y_m",
        "lane_side",
        "serpentine",
        "length_m",
        "origin_lat_deg",
        "origin_lon_deg",
    }
    grid = _table(data, "grid", grid_keys, source)
    where = f"{source} [grid]"
    spacing = _number(grid, "spacing_m", where)
    if spacing is None or spacing <= 0:
        raise InputError(f"{where}: 'spacing_m' (the distance between lanes, m) must be > 0")
    side = grid.get("lane_side", "left")
    if side not in ("left", "right"):
        raise InputError(f'{where}: \'lane_side\' must be "left" or "right", got {side!r}')
    serpentine = grid.get("serpentine", False)
    if not isinstance(serpentine, bool):
        raise InputError(f"{where}: 'serpentine' must be true or false, got {serpentine!r}")
    length = _number(grid, "length_m", where)
    if serpentine and (length is None or length <= 0):
        raise InputError(f"{where}: a serpentine plan needs 'length_m' > 0 (the lane length)")
    lat = _number(grid, "origin_lat_deg", where)
    lon = _number(grid, "origin_lon_deg", where)
    if (lat is None) != (lon is None):
        raise InputError(f"{where}: give both 'origin_lat_deg' and 'origin_lon_deg', or neither")
    if lat is not None and not -90.0 < lat < 90.0:
        raise InputError(f"{where}: 'origin_lat_deg' must lie between -90 and 90, got {lat}")

    sensor = _table(data, "sensor", {"width_m"}, source)
    width = _number(sensor, "width_m", f"{source} [sensor]", 0.3)
    if width <= 0:
        raise InputError(f"{source} [sensor]: 'width_m' must be > 0, got {width}")

    area_table = _table(data, "area", {"x_min_m", "x_max_m", "y_min_m", "y_max_m"}, source)
    area = None
    if area_table:
        values = [
            _number(area_table, k, f"{source} [area]")
            for k in ("x_min_m", "x_max_m", "y_min_m", "y_max_m")
        ]
        if any(v is None for v in values):
            raise InputError(f"{source} [area]: give all of x_min_m, x_max_m, y_min_m, y_max_m")
        x0, x1, y0, y1 = (float(v) for v in values)
        if not (x1 > x0 and y1 > y0):
            raise InputError(f"{source} [area]: the maxima must exceed the minima")
        area = (x0, x1, y0, y1)

    qc_keys = {"speed_min_m_per_s", "speed_max_m_per_s", "max_sample_step_m", "min_fix_quality"}
    qc = _table(data, "qc", qc_keys, source)
    defaults = QualityLimits()
    where = f"{source} [qc]"
    limits = QualityLimits(
        speed_min_m_per_s=_number(qc, "speed_min_m_per_s", where, defaults.speed_min_m_per_s),
        speed_max_m_per_s=_number(qc, "speed_max_m_per_s", where, defaults.speed_max_m_per_s),
        max_sample_step_m=_number(qc, "max_sample_step_m", where, defaults.max_sample_step_m),
        min_fix_quality=int(_number(qc, "min_fix_quality", where, defaults.min_fix_quality)),
    )
    if not 0 <= limits.speed_min_m_per_s < limits.speed_max_m_per_s:
        raise InputError(f"{where}: need 0 <= speed_min_m_per_s < speed_max_m_per_s")
    if limits.max_sample_step_m <= 0:
        raise InputError(f"{where}: 'max_sample_step_m' must be > 0")

    rows = data.get("sweeps", [])
    if not isinstance(rows, list):
        raise InputError(f"{source}: [[sweeps]] must be an array of tables")
    sweeps = []
    for index, row in enumerate(rows):
        at = f"{source} [[sweeps]] #{index + 1}"
        if not isinstance(row, Mapping):
            raise InputError(f"{at} must be a table")
        unknown = sorted(set(row) - {"file", "lane", "start_m"})
        if unknown:
            raise InputError(f"{at}: unknown key '{unknown[0]}' (known: file, lane, start_m)")
        name = row.get("file")
        if not isinstance(name, str) or not name:
            raise InputError(f"{at}: 'file' (the recording, relative to the plan) is required")
        lane = row.get("lane", index)
        if isinstance(lane, bool) or not isinstance(lane, int) or lane < 0:
            raise InputError(f"{at}: 'lane' must be an integer >= 0, got {lane!r}")
        sweeps.append(PlannedSweep(folder / name, lane, _number(row, "start_m", at, 0.0)))
    files = [s.file.resolve() for s in sweeps]
    if len(set(files)) != len(files):
        raise InputError(f"{source}: a recording is listed twice in [[sweeps]]")

    return SurveyPlan(
        spacing_m=spacing,
        heading_deg=_number(grid, "heading_deg", f"{source} [grid]", 90.0),
        origin_x_m=_number(grid, "origin_x_m", f"{source} [grid]", 0.0),
        origin_y_m=_number(grid, "origin_y_m", f"{source} [grid]", 0.0),
        lane_side=side,
        serpentine=serpentine,
        length_m=length,
        origin_lat_deg=lat,
        origin_lon_deg=lon,
        sensor_width_m=width,
        area=area,
        limits=limits,
        sweeps=tuple(sweeps),
        source=source,
    )


def load_plan(path: str | Path) -> SurveyPlan:
    """Read a survey plan TOML file.

    Parameters
    ----------
    path : str or Path
        The plan (``survey.toml``).

    Returns
    -------
    SurveyPlan
        The validated plan; sweep files are resolved against the plan's folder.

    Raises
    ------
    InputError
        The file is missing, not TOML, or a key is wrong.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "survey.toml").write_text("[grid]\\nspacing_m = 0.25\\n")
    >>> plan = load_plan(folder / "survey.toml")
    >>> x, y = plan.positions(2, [1.0])  # 1 m along lane 2; lanes run east, lane 2 lies north
    >>> round(float(x[0]), 3), round(float(y[0]), 3)
    (1.0, 0.5)
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"survey plan {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the survey plan {path} ({error})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"survey plan {path} is not valid TOML ({error})") from None
    return plan_from_dict(data, source=str(path), folder=path.parent)
