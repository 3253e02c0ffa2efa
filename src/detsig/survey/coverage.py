"""Coverage check of an area survey: what was swept, what was missed, and what was done badly.

Mine-action standards demand evidence that the whole area was searched with overlapping lanes
([1]_, [2]_). From the sweeps' tracks this module computes:

- the **footprint**: a raster (cell ``cell_m``) counting the sweeps whose sensor (``width_m``
  across its track) covered each cell. A cell is covered by a sweep when its centre lies within
  half the sensor width of the sweep's track (a Euclidean distance transform of the track's
  cells, [3]_); the covered fraction of the area and the overlap (cells covered twice or more)
  follow;
- **gaps**: connected uncovered parts of the area (8-connectivity) larger than
  ``min_gap_area_m2``, each with its area and width (twice the largest distance from an
  uncovered cell to covered ground); a gap is *wider than the nominal spacing* when its width
  plus one sensor width (the centre-to-centre distance of the sweeps either side) exceeds
  ``spacing_tolerance`` times the planned lane spacing;
- stretches of a sweep (at least ``min_stretch_s`` long) where the **speed** along the track,
  measured over ``speed_window_s``, lies outside the configured band; where the **GPR trace
  spacing** exceeds ``max_sample_step_m``; and where the **GNSS fix quality** is below the
  configured level (4 = RTK fixed).

References
----------
.. [1] IMAS 09.10, "Clearance requirements", 3rd ed., UNMAS/GICHD (2019): the whole area to
   the specified depth, with evidence.
.. [2] IMAS 09.30 / TNMA 09.30/06 on detector use: overlapping search lanes and sweep speed.
.. [3] P.-E. Danielsson, "Euclidean distance mapping", Computer Graphics and Image Processing
   14, 227-248 (1980) (``scipy.ndimage.distance_transform_edt``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.survey.grid import Grid
from detsig.survey.layout import Survey, SweepTrack

__all__ = ["CoverageRaster", "CoverageReport", "Gap", "Stretch", "check_coverage"]


@dataclass(frozen=True)
class CoverageRaster:
    """Sweeps covering each cell of a regular grid over the area.

    Parameters
    ----------
    x0_m, y0_m : float
        Centre of cell (0, 0), m.
    cell_m : float
        Cell size, m.
    count : ndarray of int16, shape (n_y, n_x)
        Number of sweeps that covered each cell.
    inside : ndarray of bool, shape (n_y, n_x)
        Cells inside the area to be covered.
    """

    x0_m: float
    y0_m: float
    cell_m: float
    count: npt.NDArray[np.int16]
    inside: npt.NDArray[np.bool_]

    @property
    def grid(self) -> Grid:
        """The cells as a :class:`~detsig.survey.grid.Grid`."""
        return Grid(self.x0_m, self.y0_m, self.cell_m, self.count.shape[1], self.count.shape[0])

    @property
    def x_m(self) -> npt.NDArray[np.float64]:
        """Cell centres along x, shape (n_x,), m."""
        return self.grid.x_m

    @property
    def y_m(self) -> npt.NDArray[np.float64]:
        """Cell centres along y, shape (n_y,), m."""
        return self.grid.y_m


@dataclass(frozen=True)
class Gap:
    """An uncovered part of the area.

    Parameters
    ----------
    area_m2 : float
        Its area, m2.
    width_m : float
        Twice the largest distance from a cell of it to covered ground, m.
    spacing_m : float
        Width plus one sensor width: the distance between the sweeps either side, m.
    wider_than_nominal : bool
        ``spacing_m`` exceeds the tolerance times the planned spacing.
    centre_m : tuple of float
        Centroid (x, y), m.
    polygons : list of ndarray, shape (n_points, 2)
        Outline rings (outer first, then holes), local grid, m.
    """

    area_m2: float
    width_m: float
    spacing_m: float
    wider_than_nominal: bool
    centre_m: tuple[float, float]
    polygons: list[npt.NDArray[np.float64]]


@dataclass(frozen=True)
class Stretch:
    """A part of one sweep that fails a check.

    Parameters
    ----------
    sweep : str
        Recording name.
    stream : str
        The stream whose track was checked.
    check : {"speed", "sample_step", "fix_quality"}
        Which check.
    start_m, end_m : float
        Distance along the sweep, m.
    duration_s : float
        Its length in time, s.
    value : float
        The median of the checked quantity over the stretch (m/s, m, or fix quality).
    limit : str
        The limit it breaks, for reports (``"0.1-1 m/s"``).
    points_m : ndarray, shape (n, 2)
        The track along the stretch, local grid, m.
    """

    sweep: str
    stream: str
    check: str
    start_m: float
    end_m: float
    duration_s: float
    value: float
    limit: str
    points_m: npt.NDArray[np.float64]


@dataclass(frozen=True)
class CoverageReport:
    """The outcome of :func:`check_coverage`.

    Parameters
    ----------
    raster : CoverageRaster
        Sweeps per cell.
    area : tuple of 4 floats
        ``(x_min_m, x_max_m, y_min_m, y_max_m)`` checked.
    sensor_width_m, spacing_m : float
        Sensor width and nominal lane spacing used, m.
    covered_fraction : float
        Fraction of the area covered by at least one sweep.
    overlap_fraction : float
        Fraction of the covered area covered by two or more sweeps.
    gaps : list of Gap
        Uncovered parts, largest first.
    stretches : list of Stretch
        Failed checks along the sweeps.
    footprint : list of list of ndarray
        Polygons (rings, local grid, m) of the covered ground.
    overlap : list of list of ndarray
        Polygons of ground covered twice or more.
    """

    raster: CoverageRaster
    area: tuple[float, float, float, float]
    sensor_width_m: float
    spacing_m: float
    covered_fraction: float
    overlap_fraction: float
    gaps: list[Gap]
    stretches: list[Stretch]
    footprint: list[list[npt.NDArray[np.float64]]]
    overlap: list[list[npt.NDArray[np.float64]]]

    def stretches_of(self, check: str) -> list[Stretch]:
        """The failed stretches of one check.

        Parameters
        ----------
        check : {"speed", "sample_step", "fix_quality"}
            Which check.

        Returns
        -------
        list of Stretch
            In sweep order.
        """
        return [s for s in self.stretches if s.check == check]


def _polygons(
    raster: CoverageRaster, mask: npt.NDArray[np.bool_]
) -> list[list[npt.NDArray[np.float64]]]:
    """Outlines of a boolean raster's true cells (half a cell beyond their centres)."""
    import contourpy

    padded = np.pad(mask.astype(np.float64), 1)
    x = raster.x0_m + raster.cell_m * (np.arange(padded.shape[1]) - 1)
    y = raster.y0_m + raster.cell_m * (np.arange(padded.shape[0]) - 1)
    generator = contourpy.contour_generator(
        x, y, padded, fill_type=contourpy.FillType.OuterOffset, name="serial"
    )
    filled: Any = generator.filled(0.5, 2.0)
    points, offsets = filled[0], filled[1]
    out = []
    for ring_points, ring_offsets in zip(points, offsets, strict=True):
        rings = [
            np.asarray(ring_points[a:b], dtype=np.float64)
            for a, b in itertools.pairwise(ring_offsets)
        ]
        out.append(rings)
    return out


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0], strict=True))


def _speed(track: SweepTrack, window_s: float) -> npt.NDArray[np.float64]:
    """Speed along the track at each row, m/s, from positions ``window_s`` apart in time."""
    ok = track.known
    t = track.host_time_s[ok]
    speed = np.full(track.n_rows, np.nan)
    if t.size < 2 or t[-1] - t[0] <= 0:
        return speed
    x, y = track.x_m[ok], track.y_m[ok]
    half = min(window_s, float(t[-1] - t[0])) / 2.0
    early = np.clip(t - half, t[0], t[-1])
    late = np.clip(t + half, t[0], t[-1])
    dx = np.interp(late, t, x) - np.interp(early, t, x)
    dy = np.interp(late, t, y) - np.interp(early, t, y)
    span = np.maximum(late - early, 1e-9)
    speed[ok] = np.hypot(dx, dy) / span
    return speed


def _sample_step(track: SweepTrack, window_rows: int = 25) -> npt.NDArray[np.float64]:
    """Median distance between successive rows over a window, m."""
    from scipy.ndimage import median_filter

    step = np.full(track.n_rows, np.nan)
    if track.n_rows < 2:
        return step
    distance = np.hypot(np.diff(track.x_m), np.diff(track.y_m))
    distance = np.concatenate([distance[:1], distance])
    finite = np.isfinite(distance)
    filled = np.where(finite, distance, 0.0)
    step = median_filter(filled, size=min(window_rows, track.n_rows), mode="nearest")
    return np.where(finite, step, np.nan)


def thin_polyline(points: npt.NDArray[np.float64], most: int = 200) -> npt.NDArray[np.float64]:
    """Every k-th point of a polyline, about ``most`` of them, and its last point.

    Parameters
    ----------
    points : ndarray, shape (n, 2)
        The polyline.
    most : int
        About how many points to keep.

    Returns
    -------
    ndarray, shape (m, 2)
        The kept points (``points`` itself when empty).
    """
    step = max(1, len(points) // most)
    return np.vstack([points[::step], points[-1:]]) if len(points) else points


def _stretches(
    sweep: str,
    track: SweepTrack,
    check: str,
    bad: npt.NDArray[np.bool_],
    value: npt.NDArray[np.float64],
    limit: str,
    min_stretch_s: float,
) -> list[Stretch]:
    out = []
    for start, stop in _runs(bad):
        duration = float(track.host_time_s[stop - 1] - track.host_time_s[start])
        if duration < min_stretch_s:
            continue
        rows = slice(start, stop)
        keep = track.known[rows]
        points = np.column_stack([track.x_m[rows][keep], track.y_m[rows][keep]])
        out.append(
            Stretch(
                sweep=sweep,
                stream=track.stream,
                check=check,
                start_m=float(np.nanmin(track.distance_m[rows]))
                if np.isfinite(track.distance_m[rows]).any()
                else float("nan"),
                end_m=float(np.nanmax(track.distance_m[rows]))
                if np.isfinite(track.distance_m[rows]).any()
                else float("nan"),
                duration_s=duration,
                value=float(np.nanmedian(value[rows])),
                limit=limit,
                points_m=thin_polyline(points),
            )
        )
    return out


def check_coverage(
    survey: Survey,
    *,
    cell_m: float = 0.02,
    sensor_width_m: float | None = None,
    min_gap_area_m2: float = 0.01,
    spacing_tolerance: float = 1.25,
    speed_window_s: float = 1.0,
    min_stretch_s: float = 0.5,
) -> CoverageReport:
    """Check a survey's coverage and sweep quality.

    Parameters
    ----------
    survey : Survey
        The sweeps (:func:`~detsig.survey.layout.load_survey`); its plan gives the area, the
        sensor width, the lane spacing and the limits (``[qc]``).
    cell_m : float
        Raster cell size, m.
    sensor_width_m : float, optional
        Width sensed across a track, m (default the survey's).
    min_gap_area_m2 : float
        Uncovered parts smaller than this are not reported as gaps, m2.
    spacing_tolerance : float
        A gap is wider than nominal when the sweeps either side are more than this times the
        planned spacing apart.
    speed_window_s : float
        Time over which speed is measured, s.
    min_stretch_s : float
        Shortest failed stretch reported, s.

    Returns
    -------
    CoverageReport
        Raster, fractions, gaps and failed stretches.

    Examples
    --------
    >>> from detsig.survey import load_survey
    >>> report = check_coverage(load_survey(["area/"]))  # doctest: +SKIP
    >>> report.covered_fraction  # doctest: +SKIP
    0.94
    """
    from scipy import ndimage

    width = survey.sensor_width_m if sensor_width_m is None else float(sensor_width_m)
    x_min, x_max, y_min, y_max = area = survey.area()
    margin = width
    x0, y0 = x_min - margin, y_min - margin
    n_x = int(np.ceil((x_max + margin - x0) / cell_m)) + 1
    n_y = int(np.ceil((y_max + margin - y0) / cell_m)) + 1
    xs = x0 + cell_m * np.arange(n_x)
    ys = y0 + cell_m * np.arange(n_y)
    inside = (
        (xs[None, :] >= x_min - 1e-9)
        & (xs[None, :] <= x_max + 1e-9)
        & (ys[:, None] >= y_min - 1e-9)
        & (ys[:, None] <= y_max + 1e-9)
    )
    count = np.zeros((n_y, n_x), dtype=np.int16)
    stretches: list[Stretch] = []
    limits = survey.limits
    for sweep in survey.sweeps:
        track = sweep.track()  # the footprint is the GPR's, else the metal detector's
        ok = track.known
        if ok.sum() < 2:
            continue
        # Densify the track to a third of a cell so that fast sweeps leave no holes.
        px, py = track.x_m[ok], track.y_m[ok]
        seg = np.hypot(np.diff(px), np.diff(py))
        along = np.concatenate([[0.0], np.cumsum(seg)])
        dense = np.arange(0.0, along[-1] + cell_m / 3, cell_m / 3)
        qx, qy = np.interp(dense, along, px), np.interp(dense, along, py)
        ix = np.clip(np.rint((qx - x0) / cell_m).astype(int), 0, n_x - 1)
        iy = np.clip(np.rint((qy - y0) / cell_m).astype(int), 0, n_y - 1)
        pad = int(np.ceil(width / 2 / cell_m)) + 2
        r0, r1 = max(iy.min() - pad, 0), min(iy.max() + pad + 1, n_y)
        c0, c1 = max(ix.min() - pad, 0), min(ix.max() + pad + 1, n_x)
        on_track = np.zeros((r1 - r0, c1 - c0), dtype=bool)
        on_track[iy - r0, ix - c0] = True
        distance = ndimage.distance_transform_edt(~on_track, sampling=cell_m)
        count[r0:r1, c0:c1] += distance <= width / 2 + 1e-9

        for sensor in sweep.tracks.values():
            speed = _speed(sensor, speed_window_s)
            with np.errstate(invalid="ignore"):
                bad = (speed < limits.speed_min_m_per_s) | (speed > limits.speed_max_m_per_s)
            band = f"{limits.speed_min_m_per_s:g}-{limits.speed_max_m_per_s:g} m/s"
            if sensor is track:
                stretches += _stretches(
                    sweep.name, sensor, "speed", bad, speed, band, min_stretch_s
                )
            if sensor.kind == "gpr":
                step = _sample_step(sensor)
                with np.errstate(invalid="ignore"):
                    coarse = step > limits.max_sample_step_m
                stretches += _stretches(
                    sweep.name,
                    sensor,
                    "sample_step",
                    coarse,
                    step,
                    f"<= {limits.max_sample_step_m:g} m",
                    min_stretch_s,
                )
            if sensor is track and sweep.source == "gnss":
                quality = sensor.fix_quality.astype(np.float64)
                weak = (sensor.fix_quality >= 0) & (sensor.fix_quality < limits.min_fix_quality)
                stretches += _stretches(
                    sweep.name,
                    sensor,
                    "fix_quality",
                    weak,
                    quality,
                    f">= {limits.min_fix_quality} (RTK fixed)"
                    if limits.min_fix_quality == 4
                    else f">= {limits.min_fix_quality}",
                    min_stretch_s,
                )

    raster = CoverageRaster(float(x0), float(y0), float(cell_m), count, inside)
    covered = (count > 0) & inside
    n_inside = max(int(inside.sum()), 1)
    covered_fraction = float(covered.sum()) / n_inside
    overlap_fraction = float(((count > 1) & inside).sum()) / max(int(covered.sum()), 1)

    spacing = survey.spacing_m
    gaps = []
    uncovered = inside & (count == 0)
    labels, n_labels = ndimage.label(uncovered, structure=np.ones((3, 3), dtype=bool))
    to_covered = ndimage.distance_transform_edt(uncovered, sampling=cell_m)
    for label in range(1, n_labels + 1):
        cells = labels == label
        area_m2 = float(cells.sum()) * cell_m**2
        if area_m2 < min_gap_area_m2:
            continue
        gap_width = 2.0 * float(to_covered[cells].max())
        rows, cols = np.nonzero(cells)
        gaps.append(
            Gap(
                area_m2=area_m2,
                width_m=gap_width,
                spacing_m=gap_width + width,
                wider_than_nominal=gap_width + width > spacing_tolerance * spacing,
                centre_m=(float(xs[cols].mean()), float(ys[rows].mean())),
                polygons=[ring for polygon in _polygons(raster, cells) for ring in polygon],
            )
        )
    gaps.sort(key=lambda g: -g.area_m2)
    return CoverageReport(
        raster=raster,
        area=area,
        sensor_width_m=width,
        spacing_m=spacing,
        covered_fraction=covered_fraction,
        overlap_fraction=overlap_fraction,
        gaps=gaps,
        stretches=stretches,
        footprint=_polygons(raster, covered),
        overlap=_polygons(raster, (count > 1) & inside),
    )
