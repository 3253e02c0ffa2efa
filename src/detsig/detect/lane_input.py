"""What a detector reads: one GPR line and/or one metal-detector series of a lane.

:func:`load_lane` accepts a detsig recording (path or open :class:`~detsig.io.reader.Recording`),
a vendor GPR file (through :func:`detsig.io.formats.read_any`), a :class:`~detsig.model.GprScan`,
an :class:`~detsig.model.MdSeries`, or any object with ``gpr`` and ``md`` attributes (a
simulated lane). The stream geometry is taken the same way the live processor takes it from the
device's HELLO (stream attributes first, then the HELLO ``config``), so that a recording made
by ``detsig record`` gives the same candidates offline as it gave live.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.detect.gpr_common import GprGeometry
from detsig.errors import InputError
from detsig.model import GprScan, MdSeries


@dataclass(frozen=True)
class MdInput:
    """A metal-detector series with what the detector needs beside the samples."""

    series: MdSeries
    lat_deg: npt.NDArray[np.float64] | None = None
    lon_deg: npt.NDArray[np.float64] | None = None


@dataclass(frozen=True)
class GprInput:
    """A GPR line with its detection geometry."""

    scan: GprScan
    geometry: GprGeometry


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


def gpr_geometry_from_stream(
    n_samples: int,
    sample_interval_s: float,
    attrs: Mapping[str, Any],
    config: Mapping[str, Any],
    scan: GprScan | None = None,
    *,
    trace_step_m: float | None = None,
) -> GprGeometry:
    """Detection geometry of a GPR stream (:meth:`GprGeometry.resolve`).

    Each field comes from the stream attributes, else the HELLO ``config``; then, when the
    stream's traces are given, the trace step from their positions and time zero and the
    centre frequency measured from the traces.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s : float
        Sample interval, s.
    attrs : mapping
        Stream attributes of a recording (empty live).
    config : mapping
        The device HELLO's ``config`` object.
    scan : GprScan, optional
        The stream's traces and positions (a recording); None live.
    trace_step_m : float, optional
        A trace step given by the user, m.

    Returns
    -------
    GprGeometry
    """
    if scan is not None:
        return GprGeometry.from_scan(scan, attrs, config=config, trace_step_m=trace_step_m)
    return GprGeometry.resolve(
        n_samples, sample_interval_s, attrs=attrs, config=config, trace_step_m=trace_step_m
    )


def md_gate_delays(attrs: Mapping[str, Any], config: Mapping[str, Any]) -> tuple[float, ...]:
    """PI gate delays from the stream attributes, else the HELLO ``config`` (else none).

    Parameters
    ----------
    attrs : mapping
        Stream attributes (``gate_delays_s``: a list or its JSON text).
    config : mapping
        The device HELLO's ``config`` object.

    Returns
    -------
    tuple of float
        Gate delays after the pulse, s (empty when unknown).
    """
    import json

    for source in (attrs, config):
        value = source.get("gate_delays_s")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = None
        if isinstance(value, list | tuple | np.ndarray) and len(value):
            return tuple(float(v) for v in value)
    return ()


def _from_recording(recording: Any, gpr_stream: str | None, md_stream: str | None) -> LaneInput:
    gpr_input = md_input = None
    gpr = recording.stream_of_kind("gpr", gpr_stream)
    if gpr is not None and gpr.n_rows:
        config = gpr.device.get("config", {}) if isinstance(gpr.device, dict) else {}
        scan = gpr.read_scan()
        geometry = gpr_geometry_from_stream(
            scan.n_samples,
            float(gpr.attrs.get("sample_interval_s", 0.0)),
            gpr.attrs,
            config if isinstance(config, dict) else {},
            scan,
        )
        gpr_input = GprInput(scan, geometry)
    md = recording.stream_of_kind("md", md_stream)
    if md is not None and md.n_rows:
        config = md.device.get("config", {}) if isinstance(md.device, dict) else {}
        series = md.read_md()
        delays = md_gate_delays(md.attrs, config if isinstance(config, dict) else {})
        if len(delays) != series.n_channels:
            delays = ()
        series = MdSeries(
            data=series.data,
            sample_rate_hz=series.sample_rate_hz,
            channel_names=series.channel_names,
            units=series.units,
            distance_m=series.distance_m,
            gate_delays_s=delays,
            name=series.name,
        )
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
        return LaneInput(GprInput(source, GprGeometry.from_scan(source)), None, source.name)
    if isinstance(source, MdSeries):
        return LaneInput(None, MdInput(source), source.name)
    if hasattr(source, "gpr") and hasattr(source, "md"):
        gpr = source.gpr
        md = source.md
        return LaneInput(
            GprInput(gpr, GprGeometry.from_scan(gpr)) if isinstance(gpr, GprScan) else None,
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
    return LaneInput(GprInput(scan, GprGeometry.from_scan(scan)), None, str(path))
