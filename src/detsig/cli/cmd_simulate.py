"""``detsig simulate``: write a synthetic lane (GPR + metal detector + ground truth).

``detsig simulate area`` writes a folder of sweeps over a 2-D area, ``truth.json`` and
``survey.toml`` (:mod:`detsig.sim.area`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig simulate``."""
    parser.add_argument(
        "scenario",
        nargs="?",
        help="library scenario name (see --list) or a scenario .toml file",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "-o", "--output", type=Path, help="the recording to create (never overwritten)"
    )
    parser.add_argument("--list", action="store_true", help="list the library scenarios and exit")
    area = parser.add_argument_group(
        "area surveys ('detsig simulate area -o FOLDER': one recording per sweep)"
    )
    area.add_argument("--base", default="standard", help="lane scenario for soil, sensors, objects")
    area.add_argument("--length-m", type=float, default=5.0, help="extent along the sweeps, m")
    area.add_argument("--width-m", type=float, default=4.0, help="extent across the sweeps, m")
    area.add_argument("--spacing-m", type=float, default=0.25, help="distance between sweeps, m")
    area.add_argument(
        "--sensor-width-m", type=float, default=0.3, help="width sensed across a sweep, m"
    )
    area.add_argument(
        "--density", type=float, default=0.5, help="objects per m2 relative to the base lane"
    )
    area.add_argument(
        "--missed-lane",
        type=int,
        action="append",
        default=[],
        metavar="K",
        help="leave lane K unrecorded (a missed strip); repeatable",
    )
    area.add_argument(
        "--fast-lane",
        type=int,
        action="append",
        default=[],
        metavar="K",
        help="walk lane K 2.5 times too fast; repeatable",
    )
    area.add_argument(
        "--dropout-lane",
        type=int,
        action="append",
        default=[],
        metavar="K",
        help="a 3 s GNSS dropout in the middle of lane K; repeatable",
    )
    area.add_argument(
        "--no-gnss", action="store_true", help="wheel-only sweeps (positions from survey.toml)"
    )


def run(args: argparse.Namespace) -> int:
    """Simulate the lane and write it; returns the exit code."""
    from detsig.errors import UsageError
    from detsig.sim import list_scenarios

    if args.list:
        scenarios = list_scenarios()
        width = max(len(name) for name in scenarios)
        for name, description in scenarios.items():
            print(f"{name:<{width}}  {description}")
        return 0
    if not args.scenario:
        raise UsageError("name a scenario (detsig simulate --list shows them) or a .toml file")
    if args.output is None:
        if args.scenario == "area":
            raise UsageError("give the folder to create with -o FOLDER")
        raise UsageError("give the recording to create with -o FILE.h5")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
    if args.scenario == "area":
        return _run_area(args)
    if args.output.exists() or args.output.is_symlink():
        raise UsageError(
            f"{args.output} already exists; detsig never overwrites a recording, "
            "so give a new file name"
        )

    from detsig.sim import load_scenario, simulate_lane, write_lane

    scenario = load_scenario(args.scenario)
    lane = simulate_lane(scenario, args.seed)
    write_lane(lane, args.output)
    mines = len(lane.truth.mines)
    print(
        f"wrote {args.output}: scenario '{scenario.name}' seed {args.seed}, "
        f"{scenario.lane.length_m:g} m lane; gpr0 {lane.gpr.n_traces} traces x "
        f"{lane.gpr.n_samples} samples ({lane.gpr.data.dtype}); md0 {lane.md.n_frames} frames x "
        f"{lane.md.n_channels} channels ({lane.md.data.dtype}, {scenario.md.kind}); "
        f"truth {len(lane.truth.targets)} targets ({mines} mines, "
        f"{len(lane.truth.targets) - mines} clutter)"
    )
    return 0


def _run_area(args: argparse.Namespace) -> int:
    """Simulate an area survey into a new folder."""
    from detsig.errors import UsageError
    from detsig.sim.area import AreaSpec, simulate_area, write_area

    if args.output.exists() and (not args.output.is_dir() or any(args.output.iterdir())):
        raise UsageError(f"{args.output} exists and is not empty; give a new folder with -o")
    spec = AreaSpec(
        base=args.base,
        length_m=args.length_m,
        width_m=args.width_m,
        spacing_m=args.spacing_m,
        sensor_width_m=args.sensor_width_m,
        density=args.density,
        missed_lanes=tuple(args.missed_lane),
        fast_lanes=tuple(args.fast_lane),
        dropout_lanes=tuple(args.dropout_lane),
        gnss=not args.no_gnss,
    )
    area = simulate_area(spec, args.seed)
    files = write_area(area, args.output)
    mines = len(area.truth.mines)
    print(
        f"wrote {args.output}: {len(files) - 2} sweeps {spec.spacing_m:g} m apart over "
        f"{spec.length_m:g} m x {spec.width_m:g} m ({spec.base} soil and sensors, seed "
        f"{args.seed}), {'GNSS' if spec.gnss else 'wheel only'}; truth.json "
        f"{len(area.truth.targets)} targets ({mines} mines); survey.toml"
    )
    return 0
