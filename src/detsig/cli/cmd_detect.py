"""``detsig detect IN``: run a detector over a recording (or vendor GPR file); print, export.

Prints a table of the candidates; ``-o candidates.geojson|.csv`` writes them (never over an
existing file); ``--write-into`` stores them in the recording's ``/candidates`` (replacing
what was there).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig detect`` (the choices come from the detector table,
    :mod:`detsig.detect.registry`)."""
    from detsig.detect.registry import DETECTOR_CHOICES, PRESET_NAMES

    parser.add_argument("input", type=Path, help="a detsig recording (.h5) or a vendor GPR file")
    parser.add_argument(
        "--detector",
        choices=DETECTOR_CHOICES,
        default="auto",
        help="detector (default auto: fused with GPR and MD, else the one sensor present)",
    )
    parser.add_argument(
        "--pipeline",
        metavar="P",
        help=f"detection preset ({', '.join(PRESET_NAMES)}: sensitive lowers the thresholds, "
        "strict raises them), or a .toml file with 'detector', 'threshold' and a [params] "
        "table (see docs/detection.md). Not a processing pipeline: the detectors do their own "
        "preprocessing (dewow, background removal, baseline); to look at processed data use "
        "'detsig process'",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        help="report candidates scoring at least this "
        "(default: the detector's own, e.g. 1.0 for fused)",
    )
    parser.add_argument(
        "--all-scores",
        action="store_true",
        help="report every scored peak (for ROC sweeps with 'detsig bench')",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a detector parameter (repeatable), e.g. --param cfar_method=os; for fused, "
        "a plain name sets a fusion parameter, else that parameter of its md-cfar and/or "
        "gpr-hyperbola, and md.NAME=V / gpr.NAME=V set one detector's",
    )
    parser.add_argument("--gpr-stream", help="GPR stream of the recording (default the first)")
    parser.add_argument("--md-stream", help="MD stream of the recording (default the first)")
    parser.add_argument(
        "-o", "--output", type=Path, help="write the candidates to a new .geojson or .csv file"
    )
    parser.add_argument(
        "--write-into",
        action="store_true",
        help="store the candidates in the recording's /candidates (replacing earlier ones)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="do not print the table (only the summary line)"
    )


def _value(text: str) -> Any:
    import json

    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_params(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to a dict (values parsed as JSON when they are JSON)."""
    from detsig.errors import UsageError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param needs KEY=VALUE, got {item!r}")
        params[key.strip()] = _value(value.strip())
    return params


def load_pipeline(text: str) -> tuple[str | None, float | None, dict[str, dict[str, Any]]]:
    """A preset name or TOML file -> (detector or None, threshold or None, params by detector).

    The TOML form::

        detector = "fused"          # optional
        threshold = 1.0             # optional
        [params]                    # parameters of that detector
        association_m = 0.2
        [params.md]                 # fused only: md-cfar parameters
        cfar_method = "os"
    """
    import tomllib

    from detsig.detect.registry import DETECTOR_CHOICES, PRESET_NAMES, detection_preset
    from detsig.errors import UsageError

    if text in PRESET_NAMES:
        return None, None, detection_preset(text)
    path = Path(text)
    if path.suffix.lower() != ".toml":
        raise UsageError(
            f"--pipeline {text!r} is neither a preset ({', '.join(PRESET_NAMES)}) nor a .toml file"
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"pipeline file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"pipeline file {path} cannot be read ({error})") from None
    unknown = sorted(set(data) - {"detector", "threshold", "params"})
    if unknown:
        raise UsageError(
            f"pipeline file {path}: unknown key {unknown[0]!r} (allowed: detector, threshold, "
            "params)"
        )
    detector = data.get("detector")
    if detector is not None and detector not in DETECTOR_CHOICES:
        raise UsageError(
            f"pipeline file {path}: detector must be one of {', '.join(DETECTOR_CHOICES)}"
        )
    threshold = data.get("threshold")
    if threshold is not None and not isinstance(threshold, int | float):
        raise UsageError(f"pipeline file {path}: threshold must be a number")
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise UsageError(f"pipeline file {path}: [params] must be a table")
    return detector, None if threshold is None else float(threshold), {"*": params}


def _fmt(value: Any, digits: int = 3) -> str:
    import math

    if value is None:
        return "-"
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def format_table(candidates: list[Any]) -> str:
    """The candidates as an aligned text table (one row per candidate)."""
    import math

    has_gnss = any(math.isfinite(c.lat_deg) for c in candidates)
    header = ["#", "x_m", "depth_m", "score", "detector", "stream", "details"]
    if has_gnss:
        header[2:2] = ["lat_deg", "lon_deg"]
    rows = []
    for index, c in enumerate(candidates, 1):
        extras = c.extras
        details = []
        if "rule" in extras:
            details.append(str(extras["rule"]))
        if extras.get("relative_permittivity") is not None:
            details.append(f"eps_r {extras['relative_permittivity']:.1f}")
        elif extras.get("velocity_at_grid_limit"):
            details.append("eps_r at grid limit")
        if extras.get("polarity") is not None:
            details.append("dielectric" if extras["polarity"] < 0 else "metal-like")
        if extras.get("decay_time_constant_s") is not None:
            details.append(f"tau {extras['decay_time_constant_s'] * 1e6:.0f} us")
        if extras.get("vlf_phase_deg") is not None:
            details.append(f"phase {extras['vlf_phase_deg']:.1f} deg")
        row = [
            str(index),
            _fmt(c.x_m),
            _fmt(c.depth_m),
            _fmt(c.score, 2),
            c.detector,
            c.stream,
            ", ".join(details),
        ]
        if has_gnss:
            row[2:2] = [_fmt(c.lat_deg, 7), _fmt(c.lon_deg, 7)]
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``detsig detect``."""
    from detsig.detect import detect, get_detector
    from detsig.detect.lane_input import load_lane
    from detsig.detect.registry import resolve_detector
    from detsig.errors import InputError, UsageError

    output: Path | None = args.output
    if output is not None:
        if output.suffix.lower() not in (".geojson", ".json", ".csv"):
            raise UsageError(
                f"cannot tell the candidates format from {output.name}; use .geojson or .csv"
            )
        if output.exists():
            raise UsageError(f"{output} already exists; choose another output name")
        folder = output.parent
        if not folder.is_dir():
            raise UsageError(
                f"cannot write {output}: folder {folder} does not exist; create it or choose "
                "another output path"
            )
        import os

        if not os.access(folder, os.W_OK):
            raise UsageError(f"cannot write {output}: folder {folder} is not writable")
    detector = args.detector
    threshold = args.threshold
    by_detector: dict[str, dict[str, Any]] = {}
    if args.pipeline:
        preset_detector, preset_threshold, by_detector = load_pipeline(args.pipeline)
        if preset_detector is not None and detector == "auto":
            detector = preset_detector
        if threshold is None:
            threshold = preset_threshold
    if not args.input.exists():
        raise InputError(f"{args.input} does not exist; check the path")
    if args.write_into:
        from detsig.io.recording import is_detsig_recording

        if not is_detsig_recording(args.input):
            raise UsageError(
                f"--write-into needs a detsig recording; {args.input.name} is a vendor file "
                "(convert it first with 'detsig convert')"
            )
    with load_lane(args.input, gpr_stream=args.gpr_stream, md_stream=args.md_stream) as lane:
        name = resolve_detector(detector, lane.md is not None, lane.gpr is not None)
        if name is None:
            raise InputError(f"{args.input} holds no GPR or MD data to detect in")
        params = {**by_detector.get(name, {}), **by_detector.get("*", {})}
        params.update(parse_params(args.param))
        # a preset's threshold (or --param threshold=V) is the threshold; --threshold wins
        preset_threshold = params.pop("threshold", None)
        if threshold is None and preset_threshold is not None:
            if isinstance(preset_threshold, bool) or not isinstance(preset_threshold, int | float):
                raise UsageError(f"the threshold must be a number, got {preset_threshold!r}")
            threshold = float(preset_threshold)
        candidates = detect(
            lane, detector=name, threshold=threshold, all_scores=args.all_scores, **params
        )
    used = threshold if threshold is not None else get_detector(name).default_threshold
    if not args.quiet and candidates:
        print(format_table(candidates))
    scope = "every scored peak" if args.all_scores else f"score >= {used:g}"
    print(f"{len(candidates)} candidate(s) from {name} in {args.input.name} ({scope})")
    if output is not None:
        from detsig.io.candidates import write_candidates_csv, write_candidates_geojson

        if output.suffix.lower() == ".csv":
            write_candidates_csv(output, candidates)
        else:
            write_candidates_geojson(output, candidates)
        print(f"wrote {output}")
    if args.write_into:
        from detsig.io.recording import write_candidates_into

        write_candidates_into(args.input, candidates)
        print(f"stored {len(candidates)} candidate(s) in {args.input.name}:/candidates")
    return 0
