"""``detsig survey``: area surveys over a folder or list of recordings (sweeps).

- ``diglist``: detect in every sweep, merge across neighbouring sweeps, write the dig list
  (GeoJSON + CSV);
- ``coverage``: swept footprint, gaps, overlap, speed and GNSS fix quality (GeoJSON layers, a
  PNG map and a Markdown report);
- ``grid``: GPR cube and C-scans (depth or time slices), MD maps per channel (PNG + HDF5).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

_EXAMPLES = {
    "diglist": "detsig survey diglist area/ -o out/ --detector fused",
    "coverage": "detsig survey coverage area/ -o out/",
    "grid": "detsig survey grid area/ -o out/ --depth-m 0.05:0.10 --statistic envelope",
    "view": "detsig survey view area/ --diglist out/diglist.geojson --screenshot map.png",
}


def _common(parser: argparse.ArgumentParser, with_out: bool = True) -> None:
    parser.add_argument(
        "sources", nargs="*", type=Path, help="recordings (sweeps) or folders of them (*.h5)"
    )
    if with_out:
        parser.add_argument(
            "-o", "--out", type=Path, required=True, help="folder for the outputs (created)"
        )
    parser.add_argument(
        "--plan", type=Path, help="survey plan TOML (default: survey.toml in the folder)"
    )
    parser.add_argument(
        "--positions",
        choices=("auto", "gnss", "plan"),
        default="auto",
        help="position source: GNSS when every sweep has it (auto), or the planned grid",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the subcommands of ``detsig survey``."""
    from detsig.cli import add_command_parser

    subparsers = parser.add_subparsers(dest="survey_command", metavar="SUBCOMMAND")
    helps = {
        "diglist": "one item per object from the candidates of every sweep (GeoJSON, CSV)",
        "coverage": "swept footprint, gaps, overlap, speed and fix quality (GeoJSON, PNG, MD)",
        "grid": "GPR cube and C-scans, MD maps per channel (PNG, HDF5)",
        "view": "map of C-scans with a depth slider, dig list, gaps; click opens a B-scan",
    }
    for name, help_text in helps.items():
        sub = add_command_parser(subparsers, name, help_text, _EXAMPLES[name])
        _common(sub, with_out=name != "view")
        if name == "view":
            sub.add_argument("--diglist", type=Path, help="dig list (GeoJSON/CSV) to mark")
            sub.add_argument(
                "--cell-m", type=float, default=0.02, help="grid cell size, m (default 0.02)"
            )
            sub.add_argument(
                "--permittivity", type=float, default=9.0, help="soil permittivity (default 9)"
            )
            sub.add_argument(
                "--screenshot", type=Path, help="draw the map offscreen into this PNG and exit"
            )
            sub.add_argument(
                "--open-at",
                metavar="X:Y",
                help="open the B-scan of the sweep through this point (local grid, m)",
            )
        if name == "diglist":
            sub.add_argument("--detector", default="auto", help="detector (default auto: fused)")
            sub.add_argument("--threshold", type=float, help="detector threshold")
            sub.add_argument(
                "--merge-radius-m",
                type=float,
                help="merge candidates of neighbouring sweeps closer than this, m "
                "(default 1.4 x lane spacing, at least 0.3)",
            )
        if name == "coverage":
            sub.add_argument(
                "--cell-m", type=float, default=0.02, help="raster cell size, m (default 0.02)"
            )
            sub.add_argument(
                "--diglist", type=Path, help="dig list (GeoJSON/CSV) to mark on the map"
            )
        if name == "grid":
            sub.add_argument(
                "--cell-m", type=float, default=0.02, help="grid cell size, m (default 0.02)"
            )
            window = sub.add_mutually_exclusive_group()
            window.add_argument(
                "--depth-m", default=None, help="depth window START:STOP of a C-scan, m"
            )
            window.add_argument(
                "--time-ns", default=None, help="two-way time window START:STOP of a C-scan, ns"
            )
            sub.add_argument("--slices", type=int, default=6, help="slices when no window is given")
            sub.add_argument(
                "--statistic",
                choices=("mean", "max", "envelope"),
                default="envelope",
                help="window statistic of |amplitude| (mean, max) or of the envelope",
            )
            sub.add_argument(
                "--diglist", type=Path, help="dig list (GeoJSON/CSV) to mark on the maps"
            )
            sub.add_argument(
                "--permittivity",
                type=float,
                default=9.0,
                help="relative permittivity of the soil for depths (default 9)",
            )


def _new_out(folder: Path, names: list[str]) -> None:
    from detsig.errors import UsageError

    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; give a folder with -o")
    taken = [name for name in names if (folder / name).exists()]
    if taken:
        raise UsageError(
            f"{folder / taken[0]} already exists; detsig never overwrites, so give another -o"
        )
    folder.mkdir(parents=True, exist_ok=True)


def _survey(args: argparse.Namespace) -> Any:
    from detsig.survey import load_survey

    return load_survey(args.sources, plan=args.plan, positions=args.positions)


def _dig_list(args: argparse.Namespace) -> list[Any]:
    """The items of ``--diglist`` (none without it)."""
    from detsig.io.candidates import read_candidates

    return read_candidates(args.diglist) if args.diglist is not None else []


def _check_cell(cell_m: float) -> None:
    from detsig.errors import UsageError

    if not 0 < cell_m <= 0.5:
        raise UsageError(f"--cell-m must lie in (0, 0.5] m, got {cell_m}")


def _run_diglist(args: argparse.Namespace) -> int:
    from detsig.errors import UsageError
    from detsig.io.candidates import write_candidates_csv, write_candidates_geojson
    from detsig.survey.diglist import build_dig_list, place_candidates

    if args.merge_radius_m is not None and not args.merge_radius_m > 0:
        raise UsageError(f"--merge-radius-m must be > 0, got {args.merge_radius_m}")
    names = ["diglist.geojson", "diglist.csv"]
    survey = _survey(args)
    _new_out(args.out, names)
    placed = place_candidates(survey, detector=args.detector, threshold=args.threshold)
    items = build_dig_list(survey, placed, merge_radius_m=args.merge_radius_m)
    write_candidates_geojson(args.out / names[0], items)
    write_candidates_csv(args.out / names[1], items)
    print(
        f"{len(survey.sweeps)} sweeps ({survey.sweeps[0].source} positions), "
        f"{len(placed)} candidates -> {len(items)} dig-list items"
    )
    print(
        f"  {'id':<5} {'x_m':>7} {'y_m':>7} {'lat_deg':>12} {'lon_deg':>12} "
        f"{'depth_m':>7} {'score':>6}  sensors sweeps"
    )
    for item in items:
        depth = f"{item.depth_m:7.3f}" if item.depth_m == item.depth_m else "      -"
        print(
            f"  {item.extras['id']:<5} {item.x_m:7.3f} {item.y_m:7.3f} {item.lat_deg:12.7f} "
            f"{item.lon_deg:12.7f} {depth} {item.score:6.2f}  {item.extras['sensors']:<7} "
            f"{item.extras['n_sweeps']}"
        )
    print(f"wrote {args.out / names[0]} and {args.out / names[1]}")
    return 0


def _run_coverage(args: argparse.Namespace) -> int:
    from detsig.survey.coverage import check_coverage
    from detsig.survey.report import COVERAGE_FILES, write_coverage

    _check_cell(args.cell_m)
    survey = _survey(args)
    items = _dig_list(args)
    _new_out(args.out, list(COVERAGE_FILES))
    report = check_coverage(survey, cell_m=args.cell_m)
    write_coverage(survey, report, args.out, items)
    print(
        f"{len(survey.sweeps)} sweeps: {100 * report.covered_fraction:.1f} % of the area "
        f"covered, {100 * report.overlap_fraction:.1f} % of it twice or more"
    )
    for gap in report.gaps:
        wide = "wider than the nominal spacing" if gap.wider_than_nominal else "narrow"
        print(
            f"  gap at x {gap.centre_m[0]:.2f} m, y {gap.centre_m[1]:.2f} m: "
            f"{gap.area_m2:.3f} m2, {gap.width_m:.2f} m wide ({wide})"
        )
    for s in report.stretches:
        print(
            f"  {s.sweep}: {s.check} {s.value:.3g} (limit {s.limit}) from {s.start_m:.2f} "
            f"to {s.end_m:.2f} m"
        )
    print(f"wrote {args.out}/coverage.md, coverage.png and GeoJSON layers")
    return 0


def _window(text: str, option: str) -> tuple[float, float]:
    from detsig.errors import UsageError

    try:
        start, stop = (float(part) for part in text.split(":"))
    except ValueError:
        raise UsageError(f"{option} must be START:STOP (two numbers), got {text!r}") from None
    if not stop > start:
        raise UsageError(f"{option} needs STOP > START, got {text!r}")
    return start, stop


def _run_grid(args: argparse.Namespace) -> int:
    from detsig.errors import UsageError
    from detsig.survey.grid import cscans, gpr_cube, md_maps
    from detsig.survey.maps import GRID_FILES, plot_maps, write_grid_file

    _check_cell(args.cell_m)
    if not args.permittivity >= 1:
        raise UsageError(f"--permittivity must be >= 1, got {args.permittivity}")
    if not 1 <= args.slices <= 12:
        raise UsageError(f"--slices must lie between 1 and 12, got {args.slices}")
    windows_m = windows_s = None
    if args.depth_m is not None:
        windows_m = [_window(args.depth_m, "--depth-m")]
    if args.time_ns is not None:
        start, stop = _window(args.time_ns, "--time-ns")
        windows_s = [(start * 1e-9, stop * 1e-9)]
    survey = _survey(args)
    items = _dig_list(args)
    cube = None
    slices = []
    if any(t.kind == "gpr" for sweep in survey.sweeps for t in sweep.tracks.values()):
        cube = gpr_cube(survey, cell_m=args.cell_m, envelope=args.statistic == "envelope")
        slices = cscans(
            cube,
            args.statistic,
            args.permittivity,
            depth_windows_m=windows_m,
            time_windows_s=windows_s,
            n_slices=args.slices,
        )
    md_grid, md = md_maps(survey, cell_m=args.cell_m)
    _new_out(args.out, list(GRID_FILES))
    if cube is not None:
        plot_maps(
            cube.grid,
            [(scan.title, scan.image) for scan in slices],
            args.out / "cscans.png",
            units="amplitude (counts)",
            dig_list=items,
            title=f"GPR C-scans, {len(survey.sweeps)} sweeps, eps_r {args.permittivity:g}",
        )
    if md:
        plot_maps(
            md_grid,
            list(md.items()),
            args.out / "md-maps.png",
            units="drift-removed response (counts)",
            dig_list=items,
            title=f"Metal detector maps, {len(survey.sweeps)} sweeps",
        )
    write_grid_file(
        args.out / "grid.h5", survey, cube, slices, md_grid if md else None, md, args.permittivity
    )
    if cube is not None:
        n_y, n_x, n_samples = cube.values.shape
        print(f"GPR cube {n_x} x {n_y} cells of {args.cell_m:g} m x {n_samples} samples")
        for scan in slices:
            print(f"  C-scan {scan.title}")
    if md:
        print(f"MD maps of {', '.join(md)}")
    print(f"wrote {args.out}/grid.h5 and the PNG maps")
    return 0


def _run_view(args: argparse.Namespace) -> int:
    from detsig.errors import UsageError
    from detsig.survey.coverage import check_coverage
    from detsig.survey.grid import gpr_cube

    _check_cell(args.cell_m)
    if args.screenshot is not None and args.screenshot.exists():
        raise UsageError(f"{args.screenshot} already exists; give a new file for --screenshot")
    point = None
    if args.open_at is not None:
        try:
            x_text, y_text = args.open_at.split(":")
            point = (float(x_text), float(y_text))
        except ValueError:
            raise UsageError(f"--open-at must be X:Y in metres, got {args.open_at!r}") from None
    survey = _survey(args)
    items = _dig_list(args)
    cube = gpr_cube(survey, cell_m=args.cell_m)
    coverage = check_coverage(survey).raster

    from detsig.viewer.app import ensure_app

    app = ensure_app(headless=args.screenshot is not None)
    from detsig.viewer.screenshot import render_window
    from detsig.viewer.survey_map import SurveyMapWindow

    window = SurveyMapWindow(survey, cube, coverage, items, args.permittivity)
    window.resize(1100, 1000)
    window.show()
    if point is not None:
        window.open_sweep_at(*point)
    if args.screenshot is not None:
        render_window(window, args.screenshot)
        window.close()
        print(f"wrote {args.screenshot}")
        return 0
    return int(app.exec())


def run(args: argparse.Namespace) -> int:
    """Run the chosen survey subcommand; returns the exit code."""
    from detsig.errors import UsageError

    command = getattr(args, "survey_command", None)
    if command is None:
        raise UsageError(
            "name a subcommand: diglist, coverage, grid or view (detsig survey --help)"
        )
    if command == "diglist":
        return _run_diglist(args)
    if command == "coverage":
        return _run_coverage(args)
    if command == "view":
        return _run_view(args)
    return _run_grid(args)
