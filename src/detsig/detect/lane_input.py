"""What a detector reads: one GPR line and/or one metal-detector series of a lane.

:func:`load_lane` accepts a detsig recording (path or open :class:`~detsig.io.reader.Recording`),
a vendor GPR file (through :func:`detsig.io.formats.read_any`), a :class:`~detsig.model.GprScan`,
an :class:`~detsig.model.MdSeries`, or any object with ``gpr`` and ``md`` attributes (a
simulated lane). The stream's header is the one the recording stores
(:attr:`detsig.io.reader.StreamReader.header`: its attributes, else the device HELLO's
``config``), resolved by
:func:`detsig.dsp.resolve_gpr_header` as the live processor resolves the HELLO's, so that a
recording made by ``detsig record`` gives the same candidates offline as it gave live.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp.header import resolve_scan_header
from detsig.errors import InputError
from detsig.model import GprHeader, GprScan, MdSeries


@dataclass(frozen=True)
class MdInput:
    """A metal-detector series with what the detector needs beside the samples."""

    series: MdSeries
    lat_deg: npt.NDArray[np.float64] | None = None
    lon_deg: npt.NDArray[np.float64] | None = None


@dataclass(frozen=True)
class GprInput:
    """A GPR line with its resolved header (trace step, time zero, centre frequency known)."""

    scan: GprScan
    header: GprHeader


@dataclass(frozen=True)
class LaneInput:
    """The streams one detection run reads (either may be absent).

    Attributes
    ----------
    gpr : GprInput or None
    md : MdInput or None
    source : str
        Where it came from, for messages.
    """

    gpr: GprInput | None
    md: MdInput | None
    source: str = ""


def _from_recording(recording: Any, gpr_stream: str | None, md_stream: str | None) -> LaneInput:
    gpr_input = md_input = None
    gpr = recording.stream_of_kind("gpr", gpr_stream)
    if gpr is not None and gpr.n_rows:
        scan = gpr.read_scan()
        gpr_input = GprInput(scan, resolve_scan_header(scan))
    md = recording.stream_of_kind("md", md_stream)
    if md is not None and md.n_rows:
        series = md.read_md()
        columns = md.columns
        lat = md.column("lat_deg") if "lat_deg" in columns else None
        lon = md.column("lon_deg") if "lon_deg" in columns else None
        md_input = MdInput(series, lat, lon)
    return LaneInput(gpr_input, md_input, str(recording.path))


def load_lane(
    source: Any, *, gpr_stream: str | None = None, md_stream: str | None = None
) -> LaneInput:
    """Read the streams of a lane for detection.

    Parameters
    ----------
    source : path, Recording, GprScan, MdSeries or object with ``gpr``/``md``
        Where the data are.
    gpr_stream, md_stream : str, optional
        Stream names in a recording (default the first of each kind).

    Returns
    -------
    LaneInput

    Raises
    ------
    InputError
        The file is missing or unreadable, or holds neither GPR nor MD data.
    """
    from detsig.io.reader import Recording

    if isinstance(source, LaneInput):
        return source
    if isinstance(source, Recording):
        return _from_recording(source, gpr_stream, md_stream)
    if isinstance(source, GprScan):
        return LaneInput(GprInput(source, resolve_scan_header(source)), None, source.name)
    if isinstance(source, MdSeries):
        return LaneInput(None, MdInput(source), source.name)
    if hasattr(source, "gpr") and hasattr(source, "md"):
        gpr = source.gpr
        md = source.md
        return LaneInput(
            GprInput(gpr, resolve_scan_header(gpr)) if isinstance(gpr, GprScan) else None,
            MdInput(md) if isinstance(md, MdSeries) else None,
            "lane",
        )
    if isinstance(source, str | os.PathLike):
        return _from_path(Path(source), gpr_stream, md_stream)
    raise InputError(
        f"cannot detect in a {type(source).__name__}; give a recording path, a GprScan or "
        "an MdSeries"
    )


def _from_path(path: Path, gpr_stream: str | None, md_stream: str | None) -> LaneInput:
    from detsig.io.reader import is_detsig_recording, open_recording

    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a recording or GPR file")
    if is_detsig_recording(path):
        with open_recording(path) as recording:
            return _from_recording(recording, gpr_stream, md_stream)
    from detsig.io.formats import read_any

    scans = read_any(path)
    scan = scans[0]
    if gpr_stream is not None:
        named = [s for s in scans if s.name == gpr_stream]
        if not named:
            raise InputError(
                f"{path} has no radar channel {gpr_stream!r} (it has "
                f"{', '.join(s.name for s in scans)})"
            )
        scan = named[0]
    return LaneInput(GprInput(scan, resolve_scan_header(scan)), None, str(path))
