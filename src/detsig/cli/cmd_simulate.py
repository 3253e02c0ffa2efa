"""``detsig simulate``: write a synthetic lane (GPR + metal detector + ground truth)."""

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
        raise UsageError("give the recording to create with -o FILE.h5")
    if args.seed < 0:
        raise UsageError(f"--seed must be >= 0, got {args.seed}")
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
