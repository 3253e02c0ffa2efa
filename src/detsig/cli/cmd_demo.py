"""``detsig demo``: record an emulated lane with live detection, score it, write a folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig demo``."""
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="folder to write (default ./detsig-demo, or detsig-demo-2 ... when taken)",
    )
    parser.add_argument(
        "--no-view", action="store_true", help="do not open the live viewer even on a display"
    )
    parser.add_argument("--seed", type=int, default=1, help="lane seed (default 1)")
    parser.add_argument(
        "--duration",
        type=float,
        default=25.0,
        metavar="S",
        help="longest recording time, s (default 25; the standard lane takes about 20 s)",
    )
    parser.add_argument(
        "--scenario", default="standard", help="simulated lane scenario (default standard)"
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo and print what it found."""
    from detsig.errors import UsageError
    from detsig.jobs.demo import demo_has_display, run_demo

    if args.seed < 0:
        raise UsageError(f"--seed must be 0 or more, got {args.seed}")
    if not 0 < args.duration <= 600:
        raise UsageError(f"--duration must be between 0 and 600 s, got {args.duration}")
    view = not args.no_view and demo_has_display()
    result = run_demo(
        args.out,
        seed=args.seed,
        duration_s=args.duration,
        scenario=args.scenario,
        view=view,
    )
    print()
    print(f"candidates flagged live ({len(result.candidates)}):")
    print(result.table)
    print()
    print("score against the lane's ground truth:")
    print(result.score_text)
    print()
    print(f"wrote {result.folder}/:")
    for path in (result.recording, result.geojson, result.truth, result.screenshot, result.score):
        print(f"  {path.name:<20} {path.stat().st_size:>10,} bytes")
    print(f"look at it: detsig view {result.recording} --truth {result.truth}")
    return 0
