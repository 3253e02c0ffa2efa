"""Where each sweep of an area survey was: row positions in one local grid.

A survey is a set of recordings (sweeps). Each GPR trace and MD frame gets a position
``(x_m, y_m)`` in the survey's local grid (x east, y north, metres):

- from GNSS: the rows' ``lat_deg``/``lon_deg`` projected with pyproj to a transverse Mercator
  grid centred on the plan's ``origin_lat_deg``/``origin_lon_deg`` (else on the first fix of
  the first sweep); rows without a fix (a dropout) are interpolated along the wheel distance
  when it is known, else in time, between the fixes either side, and are marked fix quality 0;
- from a planned grid (:mod:`detsig.survey.plan`): lane origin, heading and spacing place the
  wheel distance ``distance_m`` of each sweep.

With ``positions="auto"`` GNSS is used when every recording has positions, else the plan.
The transverse Mercator scale error is below 1e-6 within 10 km of the centre ([1]_), far
below GNSS error.

References
----------
.. [1] J. P. Snyder, "Map Projections: A Working Manual", USGS Professional Paper 1395 (1987),
   transverse Mercator, pp. 48-64.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import InputError
from detsig.survey.plan import PLAN_FILE_NAME, QualityLimits, SurveyPlan, load_plan

__all__ = ["LocalFrame", "Survey", "Sweep", "SweepTrack", "load_survey", "survey_files"]

POSITION_SOURCES = ("auto", "gnss", "plan")


@dataclass(frozen=True)
class LocalFrame:
    """A local transverse Mercator grid: x east, y north, metres from the origin.

    Parameters
    ----------
    origin_lat_deg, origin_lon_deg : float
        WGS84 position of the grid's origin, degrees.

    Examples
    --------
    >>> frame = LocalFrame(45.0, 16.0)
    >>> x, y = frame.to_local([45.0], [16.0])
    >>> float(x[0]), float(y[0])
    (0.0, 0.0)
    """

    origin_lat_deg: float
    origin_lon_deg: float

    @cached_property
    def _forward(self) -> Any:
        from pyproj import Transformer

        return Transformer.from_crs("EPSG:4326", self.proj4, always_xy=True)

    @cached_property
    def _inverse(self) -> Any:
        from pyproj import Transformer

        return Transformer.from_crs(self.proj4, "EPSG:4326", always_xy=True)

    @property
    def proj4(self) -> str:
        """The PROJ string of the grid."""
        return (
            f"+proj=tmerc +lat_0={self.origin_lat_deg!r} +lon_0={self.origin_lon_deg!r} +k=1 "
            "+x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
        )

    def to_local(
        self, lat_deg: npt.ArrayLike, lon_deg: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Project WGS84 positions to the grid.

        Parameters
        ----------
        lat_deg, lon_deg : array_like, shape (n,)
            Latitude and longitude, degrees (NaN stays NaN).

        Returns
        -------
        x_m, y_m : ndarray of float64, shape (n,)
            East and north of the origin, m.
        """
        x, y = self._forward.transform(
            np.asarray(lon_deg, dtype=np.float64), np.asarray(lat_deg, dtype=np.float64)
        )
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_lat_lon(
        self, x_m: npt.ArrayLike, y_m: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Grid positions back to WGS84.

        Parameters
        ----------
        x_m, y_m : array_like, shape (n,)
            East and north of the origin, m.

        Returns
        -------
        lat_deg, lon_deg : ndarray of float64, shape (n,)
            Latitude and longitude, degrees.
        """
        lon, lat = self._inverse.transform(
            np.asarray(x_m, dtype=np.float64), np.asarray(y_m, dtype=np.float64)
        )
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)


@dataclass(frozen=True)
class SweepTrack:
    """Where one sensor stream of a sweep was; every array has shape (n_rows,).

    Parameters
    ----------
    stream : str
        Stream name (``"gpr0"``, ``"md0"``).
    kind : {"gpr", "md"}
        Sensor kind.
    distance_m : ndarray of float64
        Distance along the sweep as recorded (wheel or GNSS), m.
    x_m, y_m : ndarray of float64
        Local grid position, m (NaN where unknown).
    host_time_s : ndarray of float64
        Host clock of each row, s since the Unix epoch.
    fix_quality : ndarray of int8
        GGA fix quality of the position (-1 for planned positions; 0 where interpolated
        across a GNSS dropout).
    """

    stream: str
    kind: str
    distance_m: npt.NDArray[np.float64]
    x_m: npt.NDArray[np.float64]
    y_m: npt.NDArray[np.float64]
    host_time_s: npt.NDArray[np.float64]
    fix_quality: npt.NDArray[np.int8]

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return int(self.x_m.size)

    @property
    def known(self) -> npt.NDArray[np.bool_]:
        """Rows with a position, shape (n_rows,)."""
        return np.isfinite(self.x_m) & np.isfinite(self.y_m)

    def position_at(
        self, distance_m: npt.ArrayLike
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Grid position at distances along the sweep (a candidate's ``x_m``).

        Parameters
        ----------
        distance_m : array_like, shape (n,)
            Distances along the sweep, m.

        Returns
        -------
        x_m, y_m : ndarray of float64, shape (n,)
            Linearly interpolated between the rows with a position, m (NaN outside them or
            without any).
        """
        query = np.atleast_1d(np.asarray(distance_m, dtype=np.float64))
        ok = self.known & np.isfinite(self.distance_m)
        if ok.sum() < 2:
            nan = np.full(query.shape, np.nan)
            return nan, nan.copy()
        x = _interp_along(query, self.distance_m, self.x_m, ok)
        y = _interp_along(query, self.distance_m, self.y_m, ok)
        return x, y


def _interp_along(
    query: npt.NDArray[np.float64],
    along: npt.NDArray[np.float64],
    values: npt.NDArray[np.float64],
    ok: npt.NDArray[np.bool_],
) -> npt.NDArray[np.float64]:
    """``values`` at ``query`` interpolated linearly along ``along`` between the rows ``ok``
    (in any order), NaN outside them."""
    order = np.argsort(along[ok], kind="stable")
    return np.interp(query, along[ok][order], values[ok][order], left=np.nan, right=np.nan)


@dataclass(frozen=True)
class Sweep:
    """One recording of a survey and where its sensors were.

    Parameters
    ----------
    path : Path
        The recording.
    tracks : dict of str to SweepTrack
        One per GPR / MD stream, by stream name.
    source : {"gnss", "plan"}
        Where the positions came from.
    lane : int or None
        Lane index of a planned grid.
    """

    path: Path
    tracks: dict[str, SweepTrack]
    source: str
    lane: int | None = None

    @property
    def name(self) -> str:
        """The recording's file stem."""
        return self.path.stem

    def track(self, stream: str | None = None) -> SweepTrack:
        """The track of a stream (by default the first GPR, else the first MD stream).

        Parameters
        ----------
        stream : str, optional
            Stream name; for a fused candidate's ``"md0+gpr0"`` the first that exists.

        Returns
        -------
        SweepTrack
            The track.
        """
        if stream:
            for name in stream.split("+"):
                if name in self.tracks:
                    return self.tracks[name]
        for kind in ("gpr", "md"):
            for track in self.tracks.values():
                if track.kind == kind:
                    return track
        raise InputError(f"{self.path} has no GPR or MD stream")


@dataclass(frozen=True)
class Survey:
    """A set of sweeps in one local grid.

    Parameters
    ----------
    sweeps : tuple of Sweep
        The recordings, in file-name order (or the plan's order).
    frame : LocalFrame or None
        The grid's geographic origin (None for a planned grid without ``origin_lat_deg``).
    plan : SurveyPlan or None
        The planned grid and quality limits, when given.
    """

    sweeps: tuple[Sweep, ...]
    frame: LocalFrame | None
    plan: SurveyPlan | None = None

    @property
    def sensor_width_m(self) -> float:
        """Width sensed across the track, m (the plan's, else 0.3 m)."""
        return self.plan.sensor_width_m if self.plan is not None else 0.3

    @property
    def limits(self) -> QualityLimits:
        """Coverage check limits (the plan's, else the defaults)."""
        return self.plan.limits if self.plan is not None else QualityLimits()

    @property
    def spacing_m(self) -> float:
        """Nominal lane spacing, m: the plan's, else the median distance between the mean
        positions of sweeps that are neighbours across their direction of travel."""
        if self.plan is not None:
            return self.plan.spacing_m
        all_centres = self.sweep_centres_m()
        points = all_centres[np.isfinite(all_centres).all(axis=1)]
        if len(points) < 2:
            return self.sensor_width_m
        gaps = [
            float(np.min(np.delete(np.hypot(*(points - p).T), i))) for i, p in enumerate(points)
        ]
        return float(np.median(gaps))

    def sweep_centres_m(self) -> npt.NDArray[np.float64]:
        """Mean position of each sweep's track, shape (n_sweeps, 2), m (NaN: no position)."""
        centres = np.full((len(self.sweeps), 2), np.nan)
        for i, sweep in enumerate(self.sweeps):
            track = sweep.track()
            ok = track.known
            if ok.any():
                centres[i] = (float(np.mean(track.x_m[ok])), float(np.mean(track.y_m[ok])))
        return centres

    def area(self) -> tuple[float, float, float, float]:
        """``(x_min_m, x_max_m, y_min_m, y_max_m)``: the plan's area, else the bounding box of
        every track widened by half the sensor width."""
        if self.plan is not None and self.plan.area is not None:
            return self.plan.area
        xs = [t.x_m[t.known] for s in self.sweeps for t in s.tracks.values()]
        ys = [t.y_m[t.known] for s in self.sweeps for t in s.tracks.values()]
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        if x.size == 0:
            raise InputError("no sweep of the survey has a position")
        half = self.sensor_width_m / 2.0
        return (
            float(x.min()) - half,
            float(x.max()) + half,
            float(y.min()) - half,
            float(y.max()) + half,
        )


def survey_files(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], Path | None]:
    """The recordings named by files and folders, and a folder's plan.

    Parameters
    ----------
    sources : iterable of path-like
        Recording files and folders of recordings (``*.h5``, sorted by name).

    Returns
    -------
    files : list of Path
        The recordings, in order, without repeats.
    plan : Path or None
        ``survey.toml`` of the first folder that has one.

    Raises
    ------
    InputError
        A source does not exist, or no recording was found.
    """
    files: list[Path] = []
    plan: Path | None = None
    for source in sources:
        path = Path(source)
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.h5") if p.is_file()))
            if plan is None and (path / PLAN_FILE_NAME).is_file():
                plan = path / PLAN_FILE_NAME
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path} does not exist; give recordings or a folder of them")
    unique: list[Path] = []
    seen: set[Path] = set()
    for path in files:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    if not unique:
        raise InputError("no recordings (*.h5) found; give recordings or a folder of them")
    return unique, plan


@dataclass
class _Rows:
    stream: str
    kind: str
    distance_m: npt.NDArray[np.float64]
    host_time_s: npt.NDArray[np.float64]
    lat_deg: npt.NDArray[np.float64] | None
    lon_deg: npt.NDArray[np.float64] | None
    fix_quality: npt.NDArray[np.int8]


def _read_rows(path: Path) -> list[_Rows]:
    from detsig.io.recording import open_recording

    out = []
    with open_recording(path) as recording:
        gnss = recording.stream_of_kind("gnss")
        track = gnss.read_track() if gnss is not None else None
        for kind in ("gpr", "md"):
            for stream in recording.streams_of_kind(kind):
                columns = stream.columns
                n = stream.n_rows
                distance = (
                    stream.column("distance_m").astype(np.float64)
                    if "distance_m" in columns
                    else np.full(n, np.nan)
                )
                host = stream.column("host_time_ns").astype(np.float64) / 1e9
                lat = lon = None
                if "lat_deg" in columns and "lon_deg" in columns:
                    lat = stream.column("lat_deg").astype(np.float64)
                    lon = stream.column("lon_deg").astype(np.float64)
                    if not np.isfinite(lat).any():
                        lat = lon = None
                quality = np.full(n, -1, dtype=np.int8)
                if track is not None and track.n_fixes and lat is not None:
                    fix_time = track.host_time_ns.astype(np.float64) / 1e9
                    index = np.clip(np.searchsorted(fix_time, host, side="right") - 1, 0, None)
                    quality = track.fix_quality[index].astype(np.int8)
                    quality[host < fix_time[0]] = 0
                out.append(_Rows(stream.name, kind, distance, host, lat, lon, quality))
    if not out:
        raise InputError(f"{path} holds no GPR or metal-detector stream")
    return out


def _fill_dropouts(
    values: npt.NDArray[np.float64], along: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Interpolate NaN values between known ones along ``along`` (NaN outside them)."""
    ok = np.isfinite(values) & np.isfinite(along)
    if ok.sum() < 2:
        return values
    filled = _interp_along(along, along, values, ok)
    return np.where(np.isfinite(values), values, filled)


def _gnss_track(rows: _Rows, frame: LocalFrame) -> SweepTrack:
    assert rows.lat_deg is not None and rows.lon_deg is not None
    x, y = frame.to_local(rows.lat_deg, rows.lon_deg)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    if missing.any():
        along = rows.distance_m if np.isfinite(rows.distance_m).all() else rows.host_time_s
        x, y = _fill_dropouts(x, along), _fill_dropouts(y, along)
    quality = rows.fix_quality.copy()
    quality[missing] = 0
    return SweepTrack(rows.stream, rows.kind, rows.distance_m, x, y, rows.host_time_s, quality)


def load_survey(
    sources: Sequence[str | os.PathLike[str]],
    *,
    plan: str | os.PathLike[str] | SurveyPlan | None = None,
    positions: str = "auto",
) -> Survey:
    """Read where every sweep of a survey was.

    Parameters
    ----------
    sources : sequence of path-like
        Recordings and folders of recordings (a folder's ``survey.toml`` is its plan unless
        ``plan`` is given).
    plan : path-like or SurveyPlan, optional
        The survey plan. With ``[[sweeps]]`` it lists the recordings itself (``sources`` may
        then be empty).
    positions : {"auto", "gnss", "plan"}
        Position source: ``auto`` uses GNSS when every recording has positions, else the plan.

    Returns
    -------
    Survey
        The sweeps, their tracks and the local grid.

    Raises
    ------
    InputError
        No recordings, a recording without positions and no plan, or a recording missing from
        the plan's ``[[sweeps]]``; one sentence each.
    """
    if positions not in POSITION_SOURCES:
        raise InputError(
            f"positions must be one of {', '.join(POSITION_SOURCES)}, got {positions!r}"
        )
    files: list[Path] = []
    plan_path: Path | None = None
    if sources:
        files, plan_path = survey_files(sources)
    if isinstance(plan, SurveyPlan):
        survey_plan: SurveyPlan | None = plan
    elif plan is not None:
        survey_plan = load_plan(Path(plan))
    elif plan_path is not None:
        survey_plan = load_plan(plan_path)
    else:
        survey_plan = None
    if not files:
        if survey_plan is None or not survey_plan.sweeps:
            raise InputError("no recordings given; name recordings or a folder of them")
        files = [s.file for s in survey_plan.sweeps]

    rows = {path: _read_rows(path) for path in files}
    has_gnss = {path: all(r.lat_deg is not None for r in rs) for path, rs in rows.items()}
    use_gnss = positions == "gnss" or (positions == "auto" and all(has_gnss.values()))
    if use_gnss:
        lacking = [path for path, ok in has_gnss.items() if not ok]
        if lacking:
            raise InputError(
                f"{lacking[0]} has no GNSS positions (lat_deg/lon_deg); record with a GNSS "
                "receiver or give a survey plan (survey.toml) for wheel-only sweeps",
                parameter="plan",
            )
        if survey_plan is not None and survey_plan.origin_lat_deg is not None:
            assert survey_plan.origin_lon_deg is not None
            frame = LocalFrame(survey_plan.origin_lat_deg, survey_plan.origin_lon_deg)
        else:
            first = rows[files[0]][0]
            assert first.lat_deg is not None and first.lon_deg is not None
            ok = np.isfinite(first.lat_deg) & np.isfinite(first.lon_deg)
            frame = LocalFrame(float(first.lat_deg[ok][0]), float(first.lon_deg[ok][0]))
        sweeps = tuple(
            Sweep(path, {r.stream: _gnss_track(r, frame) for r in rows[path]}, "gnss")
            for path in files
        )
        return Survey(sweeps, frame, survey_plan)

    if survey_plan is None:
        lacking = [path for path, ok in has_gnss.items() if not ok]
        raise InputError(
            f"{lacking[0] if lacking else files[0]} has no GNSS positions and no survey plan "
            f"was given; put a {PLAN_FILE_NAME} (lane origin, heading, spacing) next to the "
            "recordings or give the survey plan file",
            parameter="plan",
        )
    planned = {s.file.resolve(): s for s in survey_plan.sweeps}
    sweeps_list = []
    for index, path in enumerate(files):
        entry = planned.get(path.resolve())
        if survey_plan.sweeps and entry is None:
            raise InputError(f"{path} is not listed in the [[sweeps]] of {survey_plan.source}")
        lane = entry.lane if entry is not None else index
        start = entry.start_m if entry is not None else 0.0
        tracks = {}
        for r in rows[path]:
            x, y = survey_plan.positions(lane, r.distance_m, start)
            tracks[r.stream] = SweepTrack(
                r.stream, r.kind, r.distance_m, x, y, r.host_time_s, np.full(x.size, -1, np.int8)
            )
        sweeps_list.append(Sweep(path, tracks, "plan", lane))
    planned_frame: LocalFrame | None = None
    if survey_plan.origin_lat_deg is not None and survey_plan.origin_lon_deg is not None:
        planned_frame = LocalFrame(survey_plan.origin_lat_deg, survey_plan.origin_lon_deg)
    return Survey(tuple(sweeps_list), planned_frame, survey_plan)
