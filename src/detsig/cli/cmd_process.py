"""``detsig process IN -o OUT.h5 --pipeline NAME|FILE.toml``: run a processing pipeline.

Reads a detsig recording (or any vendor GPR file the format registry reads) and writes a NEW
recording: processed GPR/MD streams as float32, every other stream copied, ground truth and
events copied, and the provenance (steps with every parameter, detsig version, input file and
recording id) as the ``processing`` attribute of each processed stream and as ``/processing``.
Streamable pipelines run chunk by chunk, so a file larger than memory never loads at once.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig process``."""
    parser.add_argument("input", nargs="?", type=Path, help="detsig recording or vendor GPR file")
    parser.add_argument(
        "-o", "--output", type=Path, help="new detsig recording (.h5); never overwritten"
    )
    parser.add_argument(
        "--pipeline",
        "--preset",
        dest="pipeline",
        default=None,
        help="preset name (gpr-default, gpr-detect = what the GPR detectors look at, "
        "gpr-display = the viewer's 'processed', md-default) or a pipeline .toml file "
        "(default: gpr-default for GPR streams and md-default for MD streams)",
    )
    parser.add_argument(
        "--streams", default=None, help="comma-separated stream names to process (default: all)"
    )
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=None,
        help="rows (traces or frames) read per chunk (default: about 8 MB worth)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--list-steps", action="store_true", help="list the pipeline steps, presets and exit"
    )


def run(args: argparse.Namespace) -> int:
    """Process the input into the output file and print a one-line summary per stream."""
    import sys

    from detsig.errors import UsageError

    if args.list_steps:
        from detsig.dsp.pipeline import describe_steps, preset_names

        print(describe_steps())
        print(f"presets: {', '.join(preset_names())}")
        return 0
    if args.input is None or args.output is None:
        raise UsageError("give an input file and -o OUTPUT.h5 (or --list-steps)")
    if args.chunk_rows is not None and args.chunk_rows < 1:
        raise UsageError(f"--chunk-rows must be at least 1, got {args.chunk_rows}")
    if not args.input.is_file():
        raise UsageError(f"the input {args.input} does not exist or is not a file")
    if args.output.exists():
        raise UsageError(f"{args.output} already exists; detsig never overwrites, give a new name")
    if args.output.suffix.lower() not in (".h5", ".hdf5"):
        raise UsageError(f"the output must be a .h5 detsig recording, got {args.output.name}")
    from detsig.jobs.process import load_pipeline_or_presets, process_file

    pipeline = load_pipeline_or_presets(args.pipeline)
    only = None if args.streams is None else [s.strip() for s in args.streams.split(",") if s]
    summary = process_file(
        args.input,
        args.output,
        pipeline,
        streams=only,
        chunk_rows=args.chunk_rows,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    for line in summary:
        print(line)
    return 0
