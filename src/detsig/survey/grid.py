"""Gridding of sweeps to a regular cube (x, y, time) and its slices (C-scans); MD maps.

Every trace (or MD frame) sits at its track position. Cells of a regular grid take the
inverse-distance weighted mean of the points within ``radius_m`` of their centre ([1]_; weight
``1 / max(d, cell_m / 2)^2``: the floor keeps a point on a cell centre from taking all the
weight); cells with no point within the radius are NaN (not covered, never invented). This is
the binning-and-interpolation step of 3-D GPR slicing ([2]_, [3]_), done in one pass over the
points by a Numba kernel (:func:`grid_points`).

A C-scan (time or depth slice) is a window statistic along the time axis of the cube:
``mean`` or ``max`` of ``|amplitude|`` of the background-removed traces, or ``envelope``: the
mean of the instantaneous amplitude (Hilbert envelope) gridded from each trace's envelope.
Before gridding, each sweep's average trace is removed (the direct wave and the flat ground
echo would otherwise dominate every slice). Depths use ``depth = v t / 2`` below time zero
with ``v = c / sqrt(permittivity)``.

MD maps grid each channel of each sweep after removing the sweep's slow drift (running
median, :func:`detsig.dsp.remove_baseline`).

References
----------
.. [1] D. Shepard, "A two-dimensional interpolation function for irregularly-spaced data",
   Proc. 23rd ACM National Conference, 517-524 (1968).
.. [2] D. Goodman and S. Piro, *GPR Remote Sensing in Archaeology*, Springer (2013), ch. 3
   (time slices from parallel profiles; the GPR-SLICE program).
.. [3] L. B. Conyers, *Ground-Penetrating Radar for Archaeology*, 3rd ed., AltaMira (2013),
   ch. 6 (amplitude slice-maps).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from detsig.errors import InputError
from detsig.model import SPEED_OF_LIGHT_M_PER_S
from detsig.survey.layout import Survey, Sweep

if TYPE_CHECKING:
    from detsig.io.reader import StreamReader

__all__ = [
    "STATISTICS",
    "CScan",
    "GprCube",
    "Grid",
    "cscans",
    "gpr_cube",
    "grid_points",
    "md_maps",
    "window_statistic",
]

STATISTICS = ("mean", "max", "envelope")

_Data = TypeVar("_Data")


@dataclass(frozen=True)
class Grid:
    """Geometry of a regular grid of cell centres.

    Parameters
    ----------
    x0_m, y0_m : float
        Centre of cell (0, 0), m.
    cell_m : float
        Cell size, m.
    n_x, n_y : int
        Cells along x and y.
    """

    x0_m: float
    y0_m: float
    cell_m: float
    n_x: int
    n_y: int

    @classmethod
    def covering(cls, area: tuple[float, float, float, float], cell_m: float) -> Grid:
        """The grid whose cells cover an area.

        Parameters
        ----------
        area : tuple of 4 floats
            ``(x_min_m, x_max_m, y_min_m, y_max_m)``.
        cell_m : float
            Cell size, m (> 0).

        Returns
        -------
        Grid
            Cell (0, 0) centred on the area's corner.
        """
        if not (math.isfinite(cell_m) and cell_m > 0):
            raise InputError(f"the grid cell must be > 0 m, got {cell_m}")
        x0, x1, y0, y1 = area
        n_x = math.floor((x1 - x0) / cell_m + 1e-9) + 1
        n_y = math.floor((y1 - y0) / cell_m + 1e-9) + 1
        if n_x * n_y > 25_000_000:
            raise InputError(
                f"a {cell_m:g} m grid over this area has {n_x * n_y} cells; use a larger cell"
            )
        return cls(float(x0), float(y0), float(cell_m), n_x, n_y)

    @property
    def x_m(self) -> npt.NDArray[np.float64]:
        """Cell centres along x, shape (n_x,), m."""
        return self.x0_m + self.cell_m * np.arange(self.n_x, dtype=np.float64)

    @property
    def y_m(self) -> npt.NDArray[np.float64]:
        """Cell centres along y, shape (n_y,), m."""
        return self.y0_m + self.cell_m * np.arange(self.n_y, dtype=np.float64)

    @property
    def extent_m(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)`` of the cells' outer edges, half a cell beyond the
        outermost centres (a map's ``extent``), m."""
        half = self.cell_m / 2
        x, y = self.x_m, self.y_m
        return (x[0] - half, x[-1] + half, y[0] - half, y[-1] + half)


def grid_points(
    x_m: npt.ArrayLike,
    y_m: npt.ArrayLike,
    values: npt.ArrayLike,
    grid: Grid,
    radius_m: float,
) -> npt.NDArray[np.float32]:
    """Inverse-distance weighted mean of scattered points on a regular grid.

    Parameters
    ----------
    x_m, y_m : array_like, shape (n_points,)
        Point positions, m (NaN points are skipped).
    values : array_like, shape (n_points, n_values)
        Values at each point (a trace's samples, a frame's channels).
    grid : Grid
        The cells.
    radius_m : float
        Search radius around each cell centre, m (> 0).

    Returns
    -------
    ndarray of float32, shape (n_y, n_x, n_values)
        Weighted means; NaN in cells with no point within ``radius_m``.

    Examples
    --------
    >>> g = Grid(0.0, 0.0, 1.0, 3, 1)
    >>> grid_points([0.0, 2.0], [0.0, 0.0], [[1.0], [3.0]], g, 1.5)[0, :, 0].tolist()
    [1.0, 2.0, 3.0]
    """
    from detsig.survey._kernels import idw_accumulate

    x = np.ascontiguousarray(x_m, dtype=np.float64)
    y = np.ascontiguousarray(y_m, dtype=np.float64)
    data = np.ascontiguousarray(values, dtype=np.float32)
    if data.ndim != 2 or x.shape != (data.shape[0],) or y.shape != x.shape:
        raise ValueError(
            f"grid_points needs x_m, y_m shaped (n,) and values (n, n_values); got "
            f"{x.shape}, {y.shape}, {data.shape}"
        )
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be > 0, got {radius_m}")
    total = np.zeros((grid.n_y, grid.n_x, data.shape[1]), dtype=np.float64)
    weight = np.zeros((grid.n_y, grid.n_x), dtype=np.float64)
    idw_accumulate(
        x,
        y,
        data,
        grid.x0_m,
        grid.y0_m,
        grid.cell_m,
        float(radius_m),
        grid.cell_m / 2,
        total,
        weight,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (total / weight[:, :, None]).astype(np.float32)
    return out


def window_statistic(
    cube: npt.NDArray[np.floating], start: int, stop: int, statistic: str
) -> npt.NDArray[np.float32]:
    """A C-scan: one statistic of a window of samples of every cell.

    Parameters
    ----------
    cube : ndarray, shape (n_y, n_x, n_samples)
        Gridded traces (NaN where not covered).
    start, stop : int
        Sample window ``start:stop`` (``stop > start``).
    statistic : {"mean", "max", "envelope"}
        ``mean``/``max`` of ``|cube|``; ``envelope``: the mean of an envelope cube.

    Returns
    -------
    ndarray of float32, shape (n_y, n_x)
        The slice (NaN where not covered).
    """
    if statistic not in STATISTICS:
        raise InputError(f"statistic must be one of {', '.join(STATISTICS)}, got {statistic!r}")
    if not 0 <= start < stop <= cube.shape[2]:
        raise InputError(f"the window {start}:{stop} lies outside samples 0:{cube.shape[2]}")
    window = np.abs(cube[:, :, start:stop])
    result = window.max(axis=2) if statistic == "max" else window.mean(axis=2)
    return result.astype(np.float32)


@dataclass(frozen=True)
class GprCube:
    """Gridded GPR traces of a survey.

    Parameters
    ----------
    grid : Grid
        The cells.
    values : ndarray of float32, shape (n_y, n_x, n_samples)
        Background-removed amplitude (or its envelope), NaN where not covered.
    time_s : ndarray, shape (n_samples,)
        Two-way time of each sample after time zero, s.
    envelope : bool
        Whether ``values`` holds the envelope.
    stream : str
        The GPR stream gridded.
    """

    grid: Grid
    values: npt.NDArray[np.float32]
    time_s: npt.NDArray[np.float64]
    envelope: bool
    stream: str

    def depth_m(self, relative_permittivity: float) -> npt.NDArray[np.float64]:
        """Depth of each sample below the surface, m (``v t / 2``; negative before time zero).

        Parameters
        ----------
        relative_permittivity : float
            Of the soil (> 1 realistic; >= 1 required).

        Returns
        -------
        ndarray, shape (n_samples,)
            Depth, m.
        """
        if not relative_permittivity >= 1:
            raise InputError(f"the permittivity must be >= 1, got {relative_permittivity}")
        velocity = SPEED_OF_LIGHT_M_PER_S / math.sqrt(relative_permittivity)
        return self.time_s * velocity / 2.0

    def window(self, start_s: float, stop_s: float) -> tuple[int, int]:
        """Sample window of a time window.

        Parameters
        ----------
        start_s, stop_s : float
            Two-way times after time zero, s.

        Returns
        -------
        tuple of int
            ``start:stop`` sample indices (at least one sample).
        """
        start = int(np.searchsorted(self.time_s, start_s, side="left"))
        stop = int(np.searchsorted(self.time_s, stop_s, side="right"))
        if start >= self.time_s.size or stop <= 0 or stop_s <= start_s:
            raise InputError(
                f"the window {start_s * 1e9:g}-{stop_s * 1e9:g} ns lies outside the traces "
                f"({self.time_s[0] * 1e9:g}-{self.time_s[-1] * 1e9:g} ns)"
            )
        return start, max(stop, start + 1)


@dataclass(frozen=True)
class CScan:
    """One depth or time slice.

    Parameters
    ----------
    image : ndarray of float32, shape (n_y, n_x)
        The window statistic (NaN where not covered).
    start_s, stop_s : float
        Two-way time window after time zero, s.
    start_m, stop_m : float
        The same window in depth, m.
    statistic : str
        ``mean``, ``max`` or ``envelope``.
    """

    image: npt.NDArray[np.float32]
    start_s: float
    stop_s: float
    start_m: float
    stop_m: float
    statistic: str

    @property
    def title(self) -> str:
        """``"0.05-0.10 m (1.0-2.0 ns), envelope"``."""
        return (
            f"{self.start_m:.2f}-{self.stop_m:.2f} m ({self.start_s * 1e9:.1f}-"
            f"{self.stop_s * 1e9:.1f} ns), {self.statistic}"
        )


def cscans(
    cube: GprCube,
    statistic: str,
    relative_permittivity: float,
    *,
    depth_windows_m: Sequence[tuple[float, float]] | None = None,
    time_windows_s: Sequence[tuple[float, float]] | None = None,
    n_slices: int = 6,
    max_depth_m: float = 0.3,
) -> list[CScan]:
    """Depth or time slices of a cube.

    Parameters
    ----------
    cube : GprCube
        The gridded traces.
    statistic : {"mean", "max", "envelope"}
        Window statistic (:func:`window_statistic`).
    relative_permittivity : float
        Of the soil, for depths.
    depth_windows_m, time_windows_s : sequence of (start, stop), optional
        The windows, in m below the surface or s of two-way time after time zero; by
        default ``n_slices`` equal depth windows from 0 to ``max_depth_m`` (or the deepest
        sample).
    n_slices : int
        Number of default windows.
    max_depth_m : float
        Depth of the default windows' bottom, m.

    Returns
    -------
    list of CScan
        One per window.
    """
    depth = cube.depth_m(relative_permittivity)
    seconds_per_m = float(cube.time_s[-1] / depth[-1])
    if time_windows_s is None:
        if depth_windows_m is None:
            edges = np.linspace(0.0, min(max_depth_m, float(depth[-1])), n_slices + 1)
            depth_windows_m = list(itertools.pairwise(edges.tolist()))
        time_windows_s = [(a * seconds_per_m, b * seconds_per_m) for a, b in depth_windows_m]
    out = []
    for start_s, stop_s in time_windows_s:
        start, stop = cube.window(start_s, stop_s)
        out.append(
            CScan(
                window_statistic(cube.values, start, stop, statistic),
                float(start_s),
                float(stop_s),
                float(start_s) / seconds_per_m,
                float(stop_s) / seconds_per_m,
                statistic,
            )
        )
    return out


def _align(traces: npt.NDArray[np.float32], shift: int) -> npt.NDArray[np.float32]:
    """Move samples ``shift`` earlier (a later time zero to the reference), zero-filled."""
    if shift == 0:
        return traces
    out = np.zeros_like(traces)
    if shift > 0:
        out[:, : traces.shape[1] - shift] = traces[:, shift:]
    else:
        out[:, -shift:] = traces[:, : traces.shape[1] + shift]
    return out


def default_radius_m(survey: Survey, cell_m: float) -> float:
    """Search radius reaching half-way to the next sweep: 0.6 x spacing, at least 1.5 cells."""
    return max(0.6 * survey.spacing_m, 1.5 * cell_m)


def _cells(survey: Survey, cell_m: float, radius_m: float | None) -> tuple[Grid, float]:
    """The grid over the survey's area and the search radius (default :func:`default_radius_m`)."""
    grid = Grid.covering(survey.area(), cell_m)
    radius = default_radius_m(survey, cell_m) if radius_m is None else float(radius_m)
    return grid, radius


def _sweep_streams(
    survey: Survey, kind: str, read: Callable[[StreamReader], _Data], stream: str | None = None
) -> Iterator[tuple[Sweep, str, _Data]]:
    """Each sweep with a stream of ``kind`` (``stream``: by name), the stream's name and what
    ``read`` took from it (the recording closed again); sweeps without one are passed over."""
    from detsig.io.recording import open_recording

    for sweep in survey.sweeps:
        with open_recording(sweep.path) as recording:
            reader = recording.stream_of_kind(kind, stream)
            if reader is None:
                continue
            data = read(reader)
        yield sweep, reader.name, data


def _grid_blocks(
    xs: Sequence[npt.NDArray[np.float64]],
    ys: Sequence[npt.NDArray[np.float64]],
    blocks: Sequence[npt.NDArray[np.float32]],
    grid: Grid,
    radius_m: float,
) -> npt.NDArray[np.float32]:
    """:func:`grid_points` of the rows of every sweep together."""
    return grid_points(
        np.concatenate(xs), np.concatenate(ys), np.concatenate(blocks), grid, radius_m
    )


def gpr_cube(
    survey: Survey,
    *,
    cell_m: float = 0.02,
    radius_m: float | None = None,
    envelope: bool = True,
    stream: str | None = None,
) -> GprCube:
    """Grid the GPR traces of every sweep into one cube.

    Parameters
    ----------
    survey : Survey
        The sweeps.
    cell_m : float
        Cell size, m.
    radius_m : float, optional
        Search radius, m (default :func:`default_radius_m`).
    envelope : bool
        Grid each trace's envelope (else the background-removed amplitude).
    stream : str, optional
        GPR stream name (default the first GPR stream of each recording).

    Returns
    -------
    GprCube
        The cube over the survey's area.

    Raises
    ------
    InputError
        No sweep has GPR data, or the sweeps' sampling differs.
    """
    from detsig.dsp import envelope as hilbert_envelope
    from detsig.dsp import remove_background

    grid, radius = _cells(survey, cell_m, radius_m)
    xs, ys, blocks = [], [], []
    reference: tuple[int, float, float] | None = None
    used = ""
    for sweep, name, scan in _sweep_streams(survey, "gpr", lambda r: r.read_scan(), stream):
        header = scan.header
        time_zero = header.time_zero_s or 0.0
        if reference is None:
            reference = (scan.n_samples, header.sample_interval_s, time_zero)
            used = name
        n_samples, interval, zero = reference
        if scan.n_samples != n_samples or not math.isclose(header.sample_interval_s, interval):
            raise InputError(
                f"{sweep.path} has {scan.n_samples} samples every "
                f"{header.sample_interval_s * 1e12:g} ps, the first sweep {n_samples} every "
                f"{interval * 1e12:g} ps; process the sweeps to one sampling first"
            )
        traces = remove_background(scan.data.astype(np.float32))
        if envelope:
            traces = hilbert_envelope(traces)
        traces = _align(traces, round((time_zero - zero) / interval))
        track = sweep.tracks[name]
        xs.append(track.x_m)
        ys.append(track.y_m)
        blocks.append(np.asarray(traces, dtype=np.float32))
    if reference is None:
        raise InputError("no sweep of the survey has GPR data to grid")
    values = _grid_blocks(xs, ys, blocks, grid, radius)
    n_samples, interval, zero = reference
    time_s = np.arange(n_samples) * interval - zero
    return GprCube(grid, values, np.asarray(time_s, dtype=np.float64), envelope, used)


def md_maps(
    survey: Survey,
    *,
    cell_m: float = 0.02,
    radius_m: float | None = None,
    baseline_s: float = 2.0,
) -> tuple[Grid, dict[str, npt.NDArray[np.float32]]]:
    """Grid every metal-detector channel of every sweep into maps.

    Parameters
    ----------
    survey : Survey
        The sweeps.
    cell_m : float
        Cell size, m.
    radius_m : float, optional
        Search radius, m (default :func:`default_radius_m`).
    baseline_s : float
        Length of the running-median drift removal, s.

    Returns
    -------
    grid : Grid
        The cells.
    maps : dict of str to ndarray of float32, shape (n_y, n_x)
        Drift-removed response per channel (counts), NaN where not covered; empty when no
        sweep has MD data.
    """
    from detsig.dsp import remove_baseline

    grid, radius = _cells(survey, cell_m, radius_m)
    xs, ys, blocks = [], [], []
    names: Sequence[str] | None = None
    for sweep, name, series in _sweep_streams(survey, "md", lambda r: r.read_md()):
        if names is None:
            names = series.channel_names
        elif tuple(series.channel_names) != tuple(names):
            raise InputError(f"{sweep.path} has MD channels {series.channel_names}, not {names}")
        window = max(3, round(baseline_s * series.sample_rate_hz) | 1)
        data = remove_baseline(series.data.astype(np.float32), window_frames=window)
        # The running median trails by half a window; grid every 4th frame (500 Hz is dense).
        track = sweep.tracks[name]
        xs.append(track.x_m[::4])
        ys.append(track.y_m[::4])
        blocks.append(np.asarray(data[::4], dtype=np.float32))
    if names is None:
        return grid, {}
    values = _grid_blocks(xs, ys, blocks, grid, radius)
    return grid, {name: values[:, :, k] for k, name in enumerate(names)}
