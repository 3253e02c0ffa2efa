"""Gridding: the Numba kernel against its definition, C-scans, MD maps, ``detsig survey grid``."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from detsig.cli import main
from detsig.errors import InputError
from detsig.io.truth import read_truth
from detsig.survey import load_survey
from detsig.survey.grid import Grid, cscans, gpr_cube, grid_points, md_maps, window_statistic

from . import reference


@pytest.mark.parametrize("n_points", [0, 1, 7, 300])
@pytest.mark.parametrize("radius", [0.01, 0.05, 0.13])
def test_kernel_equals_the_definition(n_points, radius):
    rng = np.random.default_rng(n_points)
    x = rng.uniform(-0.1, 1.1, n_points)  # some points outside the grid
    y = rng.uniform(-0.1, 0.6, n_points)
    if n_points > 2:
        x[1] = np.nan  # a row without a position
        x[2], y[2] = 0.2, 0.3  # a point exactly on a cell centre
    values = rng.normal(size=(n_points, 3)).astype(np.float32)
    grid = Grid(0.0, 0.0, 0.05, 21, 11)
    fast = grid_points(x, y, values, grid, radius)
    slow = reference.idw_grid(x, y, values, 0.0, 0.0, 0.05, 21, 11, radius)
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    np.testing.assert_allclose(fast[~np.isnan(fast)], slow[~np.isnan(slow)], rtol=1e-5, atol=1e-6)
    if n_points == 0:
        assert np.isnan(fast).all()


def test_grid_points_checks_shapes_and_radius():
    grid = Grid(0.0, 0.0, 1.0, 2, 2)
    with pytest.raises(ValueError, match="shaped"):
        grid_points([0.0], [0.0, 1.0], [[1.0]], grid, 1.0)
    with pytest.raises(ValueError, match="radius"):
        grid_points([0.0], [0.0], [[1.0]], grid, 0.0)


def test_window_statistics():
    cube = np.arange(24, dtype=np.float32).reshape(2, 3, 4) - 10.0
    np.testing.assert_allclose(window_statistic(cube, 1, 3, "max"), np.abs(cube[:, :, 1:3]).max(2))
    np.testing.assert_allclose(window_statistic(cube, 0, 4, "mean"), np.abs(cube).mean(2))
    with pytest.raises(InputError, match="outside"):
        window_statistic(cube, 3, 9, "mean")
    with pytest.raises(InputError, match="statistic"):
        window_statistic(cube, 0, 1, "median")


# whole-area runs (16 sweeps gridded and drift-removed): the kernels' plain-Python form is checked
# above (make test-nojit deselects slow tests; here it took 330 s without the JIT)
@pytest.mark.slow
def test_cscans_light_up_at_the_shallow_mines(clean_area):
    survey = load_survey([clean_area])
    cube = gpr_cube(survey, cell_m=0.02)
    truth = read_truth(clean_area / "truth.json")
    grid = cube.grid
    assert cube.values.shape == (201, 251, 256) and cube.envelope
    assert np.isnan(cube.values).mean() < 0.01  # a clean survey covers every cell
    mines = [t for t in truth.mines if 0.04 <= t.depth_m <= 0.15]
    bright = 0
    for mine in mines:
        (scan,) = cscans(
            cube, "envelope", 9.0, depth_windows_m=[(mine.depth_m - 0.02, mine.depth_m + 0.04)]
        )
        near = (np.abs(grid.x_m[None, :] - mine.x_m) < 0.08) & (
            np.abs(grid.y_m[:, None] - mine.y_m) < 0.08
        )
        bright += np.nanmax(scan.image[near]) > 3 * np.nanmedian(scan.image)
    assert bright >= 0.8 * len(mines)
    md_grid, maps = md_maps(survey, cell_m=0.02)
    assert list(maps) == ["gate0", "gate1", "gate2", "gate3"]
    metal = max(truth.targets, key=lambda t: t.extras.get("metal_mass_g", 0) / (1 + 50 * t.depth_m))
    near = (np.abs(md_grid.x_m[None, :] - metal.x_m) < 0.1) & (
        np.abs(md_grid.y_m[:, None] - metal.y_m) < 0.1
    )
    assert np.nanmax(maps["gate0"][near]) > 10 * np.nanstd(maps["gate0"][~near]) / 3


@pytest.mark.slow
def test_survey_grid_command(faulty_area, tmp_path, capsys):
    out = tmp_path / "grid"
    assert (
        main(
            [
                "survey",
                "grid",
                str(faulty_area),
                "-o",
                str(out),
                "--cell-m",
                "0.04",
                "--depth-m",
                "0.05:0.10",
                "--statistic",
                "max",
            ]
        )
        == 0
    )
    assert "C-scan 0.05-0.10 m" in capsys.readouterr().out
    with h5py.File(out / "grid.h5", "r") as file:
        cube = file["gpr/cube"]
        assert cube.shape == (file["y_m"].size, file["x_m"].size, 256)
        (scan,) = file["gpr/cscans"].values()
        assert scan.attrs["statistic"] == "max" and scan.attrs["start_m"] == pytest.approx(0.05)
        assert set(file["md"]) == {"gate0", "gate1", "gate2", "gate3"}
        assert file.attrs["origin_lat_deg"] == 45.0
        # The missed strip is not invented: no trace within reach there.
        row = int(np.argmin(np.abs(file["y_m"][:] - 2.0)))
        assert np.isnan(scan[row]).all()
    for name in ("cscans.png", "md-maps.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG"
    assert (
        main(["survey", "grid", str(faulty_area), "-o", str(tmp_path / "b"), "--depth-m", "0.1"])
        == 2
    )
    assert "START:STOP" in capsys.readouterr().err
    assert (
        main(["survey", "grid", str(faulty_area), "-o", str(tmp_path / "c"), "--time-ns", "90:95"])
        == 2
    )
    assert "outside the traces" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()  # nothing written for bad input
