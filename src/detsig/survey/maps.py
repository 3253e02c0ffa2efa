"""Grid outputs: C-scan and MD map pictures and the HDF5 grid file.

``grid.h5`` holds ``/gpr/cube`` (n_y, n_x, n_samples) float32 with ``time_s`` and ``depth_m``
axes, ``/gpr/cscans/<k>`` slices with their window and statistic as attributes,
``/md/<channel>`` maps, and the cell centres ``x_m``, ``y_m`` (local grid; the root's
``origin_lat_deg``/``origin_lon_deg`` locate it when known).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from detsig.model import Candidate
from detsig.survey.grid import CScan, GprCube, Grid
from detsig.survey.layout import Survey

__all__ = ["GRID_FILES", "plot_maps", "write_grid_file"]

#: The files ``detsig survey grid`` writes.
GRID_FILES = ("grid.h5", "cscans.png", "md-maps.png")


def plot_maps(
    grid: Grid,
    images: Sequence[tuple[str, npt.NDArray[np.floating]]],
    path: Path,
    *,
    units: str,
    dig_list: Sequence[Candidate] = (),
    title: str = "",
) -> None:
    """Draw maps side by side (at most 3 per row) with a shared layout.

    Parameters
    ----------
    grid : Grid
        Cells of the images.
    images : sequence of (str, ndarray shape (n_y, n_x))
        Panel titles and maps.
    path : Path
        The PNG to create.
    units : str
        Colour bar label.
    dig_list : sequence of Candidate
        Items marked on every panel (local ``x_m``, ``y_m``).
    title : str
        Figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(len(images), 1)
    columns = min(n, 3)
    rows = (n + columns - 1) // columns
    aspect = (grid.n_y * grid.cell_m) / max(grid.n_x * grid.cell_m, 1e-9)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(4.2 * columns, 4.2 * rows * aspect + 0.9),
        dpi=100,
        squeeze=False,
        layout="constrained",
    )
    extent = grid.extent_m
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    for ax, (name, image) in zip(axes.ravel(), images, strict=False):
        finite = image[np.isfinite(image)]
        top = float(np.percentile(finite, 99.5)) if finite.size else 1.0
        low = float(np.percentile(finite, 0.5)) if finite.size else 0.0
        shown = ax.imshow(
            np.ma.masked_invalid(image),
            origin="lower",
            extent=extent,
            cmap="magma",
            vmin=low,
            vmax=top if top > low else low + 1.0,
            interpolation="nearest",
        )
        if dig_list:
            ax.scatter(
                [c.x_m for c in dig_list],
                [c.y_m for c in dig_list],
                s=60,
                facecolors="none",
                edgecolors="#00e5ff",
                linewidths=1.2,
            )
        ax.set_title(name, fontsize=9)
        ax.set_aspect("equal")
        ax.set_xlabel("x (m)")
        ax.set_ylabel("y (m)")
        fig.colorbar(shown, ax=ax, shrink=0.8, label=units)
    if title:
        fig.suptitle(title)
    fig.savefig(path)
    plt.close(fig)


def write_grid_file(
    path: Path,
    survey: Survey,
    cube: GprCube | None,
    cscans: Sequence[CScan],
    md_grid: Grid | None,
    md: dict[str, npt.NDArray[np.float32]],
    relative_permittivity: float,
) -> None:
    """Write ``grid.h5`` (see the module docstring); never overwrites.

    Parameters
    ----------
    path : Path
        The file to create.
    survey : Survey
        The survey (its frame locates the grid).
    cube : GprCube or None
        The GPR cube.
    cscans : sequence of CScan
        Its slices.
    md_grid : Grid or None
        Cells of the MD maps.
    md : dict of str to ndarray, shape (n_y, n_x)
        MD map per channel.
    relative_permittivity : float
        Used for the depth axis.
    """
    import h5py

    with h5py.File(path, "x") as file:
        file.attrs["detsig_format"] = "detsig-survey-grid"
        file.attrs["format_version"] = 1
        file.attrs["n_sweeps"] = len(survey.sweeps)
        if survey.frame is not None:
            file.attrs["origin_lat_deg"] = survey.frame.origin_lat_deg
            file.attrs["origin_lon_deg"] = survey.frame.origin_lon_deg
        grid = cube.grid if cube is not None else md_grid
        if grid is not None:
            file["x_m"] = grid.x_m
            file["y_m"] = grid.y_m
            file.attrs["cell_m"] = grid.cell_m
        if cube is not None:
            group = file.create_group("gpr")
            group.create_dataset("cube", data=cube.values, chunks=True, compression="lzf")
            group["time_s"] = cube.time_s
            group["depth_m"] = cube.depth_m(relative_permittivity)
            group.attrs["relative_permittivity"] = relative_permittivity
            group.attrs["envelope"] = cube.envelope
            group.attrs["stream"] = cube.stream
            slices = group.create_group("cscans")
            for number, scan in enumerate(cscans):
                dataset = slices.create_dataset(str(number), data=scan.image)
                for name in ("start_s", "stop_s", "start_m", "stop_m", "statistic"):
                    dataset.attrs[name] = getattr(scan, name)
        if md:
            group = file.create_group("md")
            for name, image in md.items():
                group[name] = image
