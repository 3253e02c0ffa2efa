"""``detsig info FILE``: what a recording or vendor file holds."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the arguments of ``detsig info``."""
    parser.add_argument("file", type=Path, help="a detsig recording (.h5) or a vendor GPR file")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object (for scripts) instead of text"
    )


def describe_file(path: Path) -> dict[str, Any]:
    """The ``--json`` object for any file detsig can read (see the README for its fields).

    Parameters
    ----------
    path : Path
        A detsig recording or a vendor GPR file.

    Returns
    -------
    dict
        The description (``Recording.describe`` for recordings, per-scan entries for vendor
        files).
    """
    from detsig.io.recording import is_detsig_recording, open_recording

    if not path.exists():
        from detsig.errors import InputError

        raise InputError(f"{path} does not exist; check the path")
    if not is_detsig_recording(path):
        try:
            from detsig.io.formats import describe_scans, detect_format
        except ImportError:
            pass
        else:
            if detect_format(path, strict=False) is not None:
                return describe_scans(path)
    with open_recording(path) as recording:
        return recording.describe()


def _format_text(info: dict[str, Any]) -> str:
    lines = [f"{info['path']}  ({info['format']})"]
    for key in ("recording_id", "created_utc", "software", "operator", "site", "notes"):
        if info.get(key):
            lines.append(f"  {key}: {info[key]}")
    lines.append(f"  streams: {len(info['streams'])}")
    for stream in info["streams"]:
        shape = " x ".join(str(n) for n in stream["shape"])
        line = (
            f"    {stream['name']:<8} {stream['kind']:<5} {shape:<14} {stream['dtype']:<8}"
            f" {stream['duration_s']:.3f} s"
        )
        if stream.get("sample_interval_s"):
            line += f", sample interval {stream['sample_interval_s'] * 1e9:.4g} ns"
        if stream.get("center_frequency_hz"):
            line += f", {stream['center_frequency_hz'] / 1e6:.4g} MHz"
        if stream.get("sample_rate_hz"):
            line += f", {stream['sample_rate_hz']:.6g} Hz"
        if stream.get("channel_names"):
            line += f", channels {','.join(stream['channel_names'])}"
        if stream.get("distance_m"):
            low, high = stream["distance_m"]
            line += f", distance {low:.3f}-{high:.3f} m"
        if stream.get("fix_quality_counts"):
            fixes = ", ".join(f"q{q}: {n}" for q, n in stream["fix_quality_counts"].items())
            line += f", fixes {fixes}"
        lines.append(line)
        device = stream.get("device") or {}
        described = [
            f"{label}{device[key]}"
            for key, label in (
                ("model", "device "),
                ("serial", "serial "),
                ("firmware", "firmware "),
            )
            if device.get(key)
        ]
        if described:
            lines.append("             " + " ".join(described))
    events = info.get("events") or {}
    if events:
        lines.append("  events: " + ", ".join(f"{k} {n}" for k, n in sorted(events.items())))
    else:
        lines.append("  events: none")
    truth = f"yes ({info.get('n_truth_targets', 0)} targets)" if info["has_truth"] else "no"
    lines.append(f"  ground truth: {truth}")
    candidates = f"yes ({info.get('n_candidates', 0)})" if info["has_candidates"] else "no"
    lines.append(f"  candidates: {candidates}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print what the file holds."""
    info = describe_file(args.file)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(_format_text(info))
    return 0
