"""``detsig bench``: score candidates, run detection suites, collect speed benchmarks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detsig.bench.matching import Halo

EXAMPLES = """examples:
  detsig bench score --truth lane.h5 --candidates candidates.geojson --json score.json
  detsig bench score --truth truth.json --candidates c.csv --mode centre --halo-m 0.5
  detsig bench detection --suite quick -o bench-quick --workers 2
  detsig bench detection --suite standard -o bench-std --scheduler tcp://10.0.0.5:8786
  detsig bench speed --json speed.json
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``bench`` subcommands."""
    parser.epilog = EXAMPLES
    sub = parser.add_subparsers(dest="bench_command", metavar="{score,detection,speed}")
    sub.required = True

    score = sub.add_parser(
        "score",
        help="score candidates against a lane's ground truth",
        description="Score candidates against ground truth: Pd with exact 95 % intervals, "
        "false alarms per m2, clutter hits, per-kind Pd.",
        epilog="example:\n"
        "  detsig bench score --truth lane.h5 --candidates c.geojson --json s.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument(
        "--truth",
        required=True,
        type=Path,
        metavar="TRUTH",
        help="recording with /truth, or truth JSON (targets, x_start_m, x_end_m, swept_width_m)",
    )
    score.add_argument(
        "--candidates",
        required=True,
        type=Path,
        metavar="CANDS",
        help="recording with /candidates, or GeoJSON / CSV candidates",
    )
    score.add_argument(
        "--mode",
        choices=("centre", "edge"),
        default="edge",
        help="halo around the target's centre, or beyond its edge (default edge)",
    )
    score.add_argument(
        "--halo-m",
        type=float,
        default=None,
        metavar="R",
        help="halo radius (centre mode, default 0.5 m) or margin beyond the edge "
        "(edge mode, default 0.1 m)",
    )
    score.add_argument(
        "--swept-width-m",
        type=float,
        default=None,
        metavar="W",
        help="width swept across the lane, m (default: the truth's, else 1.0 m)",
    )
    score.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="count only candidates scoring at least this (default all)",
    )
    score.add_argument(
        "--fa-bound",
        type=float,
        default=0.5,
        metavar="F",
        help="false alarms per m2 up to which the partial AUC is taken (default 0.5)",
    )
    score.add_argument(
        "--json", type=Path, default=None, metavar="PATH", help="write the full result as JSON"
    )

    detection = sub.add_parser(
        "detection",
        help="simulate a suite of lanes, run detectors, score, write a report",
        description="Run a detection benchmark suite: lanes x detectors x parameter sets, "
        "fanned out on Dask; writes DIR/report.md, DIR/results.json and DIR/roc.png.",
        epilog="examples:\n  detsig bench detection --suite quick -o bench-quick\n"
        "  detsig bench detection --suite standard --workers 4 -o bench-std\n"
        "  detsig bench detection --suite quick --scheduler tcp://HOST:8786 -o out",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    detection.add_argument("--suite", choices=("quick", "standard", "fdtd"), default="quick")
    detection.add_argument(
        "--detectors",
        nargs="+",
        default=None,
        metavar="NAME",
        help="detectors to run (default: the suite's list)",
    )
    detection.add_argument(
        "--seeds",
        nargs="+",
        type=int,
        default=None,
        metavar="SEED",
        help="simulation seeds (default: the suite's seeds)",
    )
    detection.add_argument(
        "-o", "--out", required=True, type=Path, metavar="DIR", help="output folder (new or empty)"
    )
    detection.add_argument(
        "--workers",
        type=int,
        default=2,
        metavar="N",
        help="worker processes of the local Dask cluster (default 2; 1 runs in this process)",
    )
    detection.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="use an existing Dask cluster instead, e.g. tcp://HOST:8786",
    )
    detection.add_argument(
        "--mode", choices=("centre", "edge"), default=None, help="halo mode (default edge)"
    )
    detection.add_argument(
        "--halo-m", type=float, default=None, metavar="R", help="halo (default 0.1 m edge)"
    )
    detection.add_argument("--no-progress", action="store_true", help="no progress bar (for logs)")

    speed = sub.add_parser(
        "speed",
        help="run the speed benchmarks in benchmarks/ and collect their results",
        description="Run every benchmarks/bench_*.py with --quick --json and collect the JSON "
        "into one table.",
        epilog="example:\n  detsig bench speed --json speed.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    speed.add_argument(
        "--benchmarks",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder of bench_*.py scripts (default: ./benchmarks, else the source tree's)",
    )
    speed.add_argument(
        "--only", nargs="+", default=None, metavar="NAME", help="run only these (e.g. dsp io)"
    )
    speed.add_argument("--full", action="store_true", help="run without --quick (slow)")
    speed.add_argument(
        "--timeout-s", type=float, default=600.0, help="per-benchmark time limit (default 600)"
    )
    speed.add_argument(
        "--json",
        dest="json_path",
        type=Path,
        default=None,
        metavar="PATH",
        help="write all results",
    )


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen ``bench`` subcommand."""
    if args.bench_command == "score":
        return _run_score(args)
    if args.bench_command == "detection":
        return _run_detection(args)
    return _run_speed(args)


def _new_output_file(path: Path | None) -> None:
    from detsig.errors import UsageError

    if path is not None and str(path) != "-" and path.exists():
        raise UsageError(f"{path} already exists; choose another --json path or remove it")


def _halo(mode: str | None, halo_m: float | None) -> Halo:
    import math

    from detsig.bench.matching import Halo
    from detsig.errors import UsageError

    mode = mode or "edge"
    if halo_m is None:
        halo_m = 0.5 if mode == "centre" else 0.1
    if not (math.isfinite(halo_m) and halo_m >= 0):
        raise UsageError(f"--halo-m must be a finite distance >= 0 m, got {halo_m}")
    return Halo("centre" if mode == "centre" else "edge", halo_m)


def _run_score(args: argparse.Namespace) -> int:
    import json
    import math

    from detsig.bench.inputs import load_truth
    from detsig.bench.report import format_score_text
    from detsig.bench.score import DEFAULT_HALOS_M, pd_vs_halo, score_lane, summarize
    from detsig.errors import UsageError
    from detsig.io.candidates import read_candidates

    _new_output_file(args.json)
    halo = _halo(args.mode, args.halo_m)
    width = args.swept_width_m
    if width is not None and not (math.isfinite(width) and width > 0):
        raise UsageError(f"--swept-width-m must be > 0, got {width}")
    if not (math.isfinite(args.fa_bound) and args.fa_bound > 0):
        raise UsageError(f"--fa-bound must be > 0 false alarms per m2, got {args.fa_bound}")
    truth = load_truth(args.truth)
    candidates = read_candidates(args.candidates)
    lane = score_lane(
        truth,
        candidates,
        halo=halo,
        swept_width_m=width,
        threshold=args.threshold,
        lane=args.truth.stem,
    )
    summary = summarize([lane], max_false_alarms_per_m2=args.fa_bound)
    halos = sorted({*DEFAULT_HALOS_M[halo.mode], halo.halo_m})
    summary["pd_vs_halo"] = pd_vs_halo(
        truth, candidates, halos, mode=halo.mode, swept_width_m=width, threshold=args.threshold
    )
    summary["targets"] = [t.to_dict() for t in lane.targets]
    summary["candidate_status"] = list(lane.candidate_status)
    summary["truth"] = str(args.truth)
    summary["candidates"] = str(args.candidates)
    text = json.dumps(summary, indent=2, allow_nan=False)
    if args.json is not None and str(args.json) == "-":
        print(text)
        return 0
    print(format_score_text(summary))
    if args.json is not None:
        try:
            with open(args.json, "x", encoding="utf-8") as stream:
                stream.write(text + "\n")
        except OSError as error:
            raise UsageError(f"cannot write {args.json} ({error.strerror})") from None
        print(f"wrote {args.json}")
    return 0


def _run_detection(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from detsig.bench.detectors import available_detectors
    from detsig.bench.fanout import Executor
    from detsig.bench.suite import ScoringConfig, get_suite, run_suite, write_outputs
    from detsig.errors import UsageError

    out: Path = args.out
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty folder; give -o a new folder")
    if args.scheduler is None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    suite = get_suite(args.suite)
    if args.detectors:
        known = available_detectors()
        unknown = [name for name in args.detectors if name not in known]
        if unknown:
            raise UsageError(
                f"unknown detector {unknown[0]!r}; choose from {', '.join(known) or '(none)'}"
            )
        suite = suite.with_detectors(args.detectors)
    if args.seeds:
        if any(seed < 0 for seed in args.seeds):
            raise UsageError("--seeds must be integers >= 0")
        suite = suite.with_seeds(args.seeds)
    halo = _halo(args.mode, args.halo_m)
    config = ScoringConfig.for_halo(halo)
    executor = Executor(workers=args.workers, scheduler=args.scheduler)
    n_jobs = len(suite.lanes) * len(suite.detectors)
    print(
        f"suite {suite.name}: {len(suite.lanes)} lanes x {len(suite.detectors)} detector "
        f"configurations = {n_jobs} jobs on {executor.describe()}"
    )
    if args.no_progress:
        document = run_suite(suite, config=config, executor=executor)
    else:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            transient=False,
        ) as bar:
            task = bar.add_task("detect + score", total=n_jobs)
            document = run_suite(
                suite,
                config=config,
                executor=executor,
                progress=lambda done, total: bar.update(task, completed=done),
            )
    paths = write_outputs(document, out)
    for result in document["results"]:
        s = result["summary"]
        pd = "-" if s["pd"] is None else f"{s['pd']:.3f}"
        print(
            f"  {result['detector']}: Pd {pd} ({s['n_detected']}/{s['n_targets']}), "
            f"{s['false_alarms_per_m2']:.3f} false alarms per m2"
        )
    print(f"wall time {document['timing']['wall_s']:.1f} s; wrote " + ", ".join(map(str, paths)))
    return 0


def _run_speed(args: argparse.Namespace) -> int:
    from detsig.bench.speed import run_speed_command

    return run_speed_command(
        benchmarks=args.benchmarks,
        only=args.only,
        quick=not args.full,
        timeout_s=args.timeout_s,
        json_path=args.json_path,
    )
