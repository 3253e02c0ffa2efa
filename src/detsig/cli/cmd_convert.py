"""``detsig convert IN -o OUT.h5|OUT.sgy``: any supported GPR file to a recording or SEG-Y."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig convert``."""
    parser.add_argument(
        "input", type=Path, help="GPR file: .DZT, .DT1/.HD, .rd3/.rd7/.rad, .sgy, gprMax .out/.h5"
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        help="new file: .h5 (detsig recording) or .sgy (SEG-Y); never overwritten",
    )
    parser.add_argument(
        "--format",
        dest="in_format",
        default=None,
        help="force the input format (see --list-formats)",
    )
    parser.add_argument(
        "--component",
        default=None,
        help="gprMax field component to convert (Ex Ey Ez Hx Hy Hz; default Ez)",
    )
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="drop an incomplete last trace of a cut-off DZT or SEG-Y file instead of failing",
    )
    parser.add_argument(
        "--sample-interval-unit",
        choices=("us", "ns", "ps"),
        default=None,
        help="unit of the binary-header sample interval of a foreign SEG-Y file (default us)",
    )
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    """Convert and print what was written."""
    from detsig.errors import UsageError
    from detsig.io.formats import available_formats, convert_file, detect_format

    options: dict[str, object] = {}
    name = args.in_format or detect_format(args.input)
    if name not in available_formats():
        raise UsageError(
            f"unknown input format {name!r}; choose one of {', '.join(available_formats())}"
        )
    if args.component is not None:
        if name != "gprmax":
            raise UsageError("--component applies to gprMax files only; remove it")
        options["component"] = args.component
    if args.allow_partial:
        if name not in ("gssi-dzt", "segy"):
            raise UsageError("--allow-partial applies to DZT and SEG-Y files only; remove it")
        options["allow_partial"] = True
    if args.sample_interval_unit is not None:
        if name != "segy":
            raise UsageError("--sample-interval-unit applies to SEG-Y input only; remove it")
        options["sample_interval_unit"] = args.sample_interval_unit
    result = convert_file(args.input, args.output, in_format=name, **options)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    source = f"{result['input']} ({result['input_format']})"
    print(f"{source} -> {result['output']} ({result['output_format']})")
    for stream in result["streams"]:
        rows, samples = stream["shape"]
        print(f"  {stream['name']}: {rows} traces x {samples} samples, {stream['dtype']}")
    return 0
