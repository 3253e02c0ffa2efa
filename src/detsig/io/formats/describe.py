"""``describe_scans``: what a vendor file holds, in the JSON shape of ``detsig info --json``."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from detsig.io.formats.registry import detect_format, read_any
from detsig.model import GprScan


def _finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def scan_duration_s(scan: GprScan) -> float:
    """Time the scan covers, s: from per-trace times, else the nominal trace rate, else 0.

    Parameters
    ----------
    scan : GprScan
        The scan.

    Returns
    -------
    float
        Duration, s: the span of ``trace_time_s`` extended by one trace interval when those
        times are finite and increasing, else ``n_traces / traces_per_s``, else 0.
    """
    n = scan.n_traces
    times = scan.trace_time_s
    if times is not None and n > 1 and np.isfinite(times).all():
        span = float(times[-1] - times[0])
        if span > 0:
            return span * n / (n - 1)
    if scan.header.traces_per_s:
        return n / scan.header.traces_per_s
    return 0.0


def describe_scan(scan: GprScan) -> dict[str, Any]:
    """One ``streams`` entry of ``detsig info --json`` for a scan.

    Parameters
    ----------
    scan : GprScan
        The scan.

    Returns
    -------
    dict
        ``name``, ``kind``, ``shape``, ``dtype``, ``duration_s``, ``sample_interval_s``,
        ``center_frequency_hz`` (None when unknown), ``distance_m`` / ``lat_deg`` /
        ``lon_deg`` ranges when known, ``device`` and ``n_marks``.
    """
    entry: dict[str, Any] = {
        "name": scan.name,
        "kind": "gpr",
        "shape": [scan.n_traces, scan.n_samples],
        "dtype": str(scan.data.dtype),
        "duration_s": round(scan_duration_s(scan), 6),
        "sample_interval_s": scan.header.sample_interval_s,
        "center_frequency_hz": _finite_or_none(scan.header.center_frequency_hz),
    }
    if scan.distance_m is not None and np.isfinite(scan.distance_m).any():
        entry["distance_m"] = [
            float(np.nanmin(scan.distance_m)),
            float(np.nanmax(scan.distance_m)),
        ]
    if scan.lat_deg is not None and scan.lon_deg is not None and np.isfinite(scan.lat_deg).any():
        entry["lat_deg"] = [float(np.nanmin(scan.lat_deg)), float(np.nanmax(scan.lat_deg))]
        entry["lon_deg"] = [float(np.nanmin(scan.lon_deg)), float(np.nanmax(scan.lon_deg))]
    entry["device"] = {"model": scan.header.antenna, "source_format": scan.header.source_format}
    entry["n_marks"] = len(scan.marks)
    return entry


def describe_scans(path: str | os.PathLike[str], **options: Any) -> dict[str, Any]:
    """What a GPR file of any supported format holds, as ``detsig info --json`` prints it.

    Parameters
    ----------
    path : str or Path
        A vendor file (or a detsig recording).
    **options
        Passed to the reader (e.g. ``component="Ez"``).

    Returns
    -------
    dict
        ``path``, ``format``, ``size_bytes``, ``streams`` (``name``, ``kind``, ``shape``,
        ``dtype``, ``duration_s``, ``sample_interval_s``, ``center_frequency_hz``, and
        ``distance_m`` / ``lat_deg`` / ``lon_deg`` ranges when known), ``events`` (counts by
        kind: the marks), ``has_truth`` and ``has_candidates`` (always false for vendor files),
        ``notes`` (says which streams hold one constant value; empty otherwise).

    Raises
    ------
    FormatError
        The file cannot be read.

    Examples
    --------
    >>> info = describe_scans("FILE____032.DZT")  # doctest: +SKIP
    >>> info["streams"][0]["shape"], info["streams"][0]["dtype"]  # doctest: +SKIP
    ([1040, 512], 'uint16')
    """
    path = Path(path)
    name = options.pop("format", None) or detect_format(path)
    scans = read_any(path, format=name, **options)
    n_marks = sum(len(scan.marks) for scan in scans)
    constant = [
        f"{scan.name} holds the same value ({scan.header.extra['constant_data']}) in every sample"
        for scan in scans
        if "constant_data" in scan.header.extra
    ]
    return {
        "path": str(path),
        "format": name,
        "notes": "; ".join(constant),
        "size_bytes": path.stat().st_size,
        "streams": [describe_scan(scan) for scan in scans],
        "events": {"mark": n_marks} if n_marks else {},
        "has_truth": False,
        "n_truth_targets": 0,
        "has_candidates": False,
        "n_candidates": 0,
    }
