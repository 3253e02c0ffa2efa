"""A stored stream's description: the one place a recording's attributes become a header.

A detsig recording keeps each stream's sampling as attributes of ``/streams/<name>``
(DESIGN.md, "Recording layout") and the device's HELLO as the ``device`` attribute. These
functions read them into the same :class:`~detsig.model.GprHeader` /
:class:`~detsig.model.MdHeader` the device's HELLO gave live
(:func:`detsig.devices.header_from_hello`): every field from the stream attribute, else the
HELLO ``config`` (recordings made before an attribute existed), else unstated. What is still
unstated (time zero, centre frequency, trace step) is measured by
:func:`detsig.dsp.resolve_gpr_header` from the traces and their positions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from detsig.model import SPEED_OF_LIGHT_AIR_M_S, GprHeader, MdHeader


def _number(value: Any) -> float | None:
    """A finite float from an attribute or JSON value (None for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def stated_value(key: str, *sources: Mapping[str, Any]) -> float | None:
    """The first finite number stated for ``key`` in ``sources`` (attributes, then config)."""
    for source in sources:
        value = _number(source.get(key))
        if value is not None:
            return value
    return None


def _positive(key: str, *sources: Mapping[str, Any]) -> float | None:
    for source in sources:
        value = _number(source.get(key))
        if value is not None and value > 0:
            return value
    return None


def _config(device: Mapping[str, Any]) -> Mapping[str, Any]:
    value = device.get("config", {})
    return value if isinstance(value, Mapping) else {}


def _json_list(value: Any) -> list[Any] | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, list | tuple | np.ndarray) and len(value):
        return list(value)
    return None


def gpr_header_from_attrs(
    attrs: Mapping[str, Any],
    device: Mapping[str, Any] | None = None,
    *,
    n_samples: int = 0,
    dtype: Any = None,
) -> GprHeader:
    """The header of a stored GPR (or radar) stream.

    Parameters
    ----------
    attrs : mapping
        The stream's attributes (``sample_interval_s``, ``center_frequency_hz``,
        ``time_zero_s``, ``trace_step_m``, ``traces_per_s``, ``antenna_height_m``,
        ``simulated_relative_permittivity`` / ``relative_permittivity``).
    device : mapping, optional
        The device's HELLO object (the ``device`` attribute); its ``config`` answers what the
        attributes do not.
    n_samples : int
        Samples per trace (the data's width; 0 unknown).
    dtype : numpy.dtype, optional
        The stored sample type.

    Returns
    -------
    GprHeader
        ``time_zero_stated`` is False when neither states time zero (then ``time_zero_s`` is
        0 until :func:`detsig.dsp.resolve_gpr_header` measures it).
    """
    device = dict(device or {})
    config = _config(device)
    if str(attrs.get("kind", "gpr")) == "radar":
        return _radar_header(attrs, device, n_samples, dtype)
    time_zero = stated_value("time_zero_s", attrs, config)
    interval = _positive("sample_interval_s", attrs, config)
    eps = _positive("simulated_relative_permittivity", attrs) or _positive(
        "relative_permittivity", attrs
    )
    return GprHeader(
        sample_interval_s=interval or 1e-10,
        n_samples=n_samples,
        center_frequency_hz=_positive("center_frequency_hz", attrs, config) or math.nan,
        time_zero_s=time_zero or 0.0,
        time_zero_stated=time_zero is not None,
        trace_step_m=_positive("trace_step_m", attrs, config),
        traces_per_s=_positive("traces_per_s", attrs, config),
        antenna_height_m=max(stated_value("antenna_height_m", attrs, config) or 0.0, 0.0),
        relative_permittivity=eps,
        antenna=str(device.get("model", "")),
        source_format="detsig",
        dtype=dtype,
        hello=device,
        sources={"sample_interval_s": "stated" if interval else "unstated"},
    )


def _radar_header(
    attrs: Mapping[str, Any], device: dict[str, Any], n_samples: int, dtype: Any
) -> GprHeader:
    """A radar stream's header: sweeps whose distance points (``step_m`` apart) show as
    two-way time in air; ``frame_rate_hz x sweeps_per_frame`` sweeps per second."""
    step_m = _positive("step_m", attrs)
    rate = (_positive("frame_rate_hz", attrs) or math.nan) * (
        _positive("sweeps_per_frame", attrs) or 1.0
    )
    return GprHeader(
        sample_interval_s=2.0 * step_m / SPEED_OF_LIGHT_AIR_M_S if step_m else 1e-10,
        n_samples=n_samples,
        time_zero_s=0.0,
        time_zero_stated=True,
        traces_per_s=rate if rate > 0 else None,
        antenna=str(device.get("model", "")),
        source_format="detsig",
        kind="radar",
        dtype=dtype,
        hello=device,
        sources={"sample_interval_s": "stated" if step_m else "unstated"},
    )


def md_header_from_attrs(
    attrs: Mapping[str, Any],
    device: Mapping[str, Any] | None = None,
    *,
    n_channels: int = 0,
    dtype: Any = None,
) -> MdHeader:
    """The header of a stored metal-detector stream.

    Parameters
    ----------
    attrs : mapping
        The stream's attributes (``sample_rate_hz``, ``channel_names``, ``gate_delays_s``,
        ``units``; lists may be JSON text).
    device : mapping, optional
        The device's HELLO object; its ``config`` answers what the attributes do not.
    n_channels : int
        Channels per frame (the data's width), for names when none are stored.
    dtype : numpy.dtype, optional
        The stored sample type.

    Returns
    -------
    MdHeader
    """
    device = dict(device or {})
    config = _config(device)
    names = _json_list(attrs.get("channel_names")) or _json_list(config.get("channels")) or []
    channel_names = tuple(str(n) for n in names) or tuple(f"ch{i}" for i in range(n_channels))
    gates = _json_list(attrs.get("gate_delays_s")) or _json_list(config.get("gate_delays_s"))
    delays: tuple[float, ...] = ()
    if gates is not None:
        try:
            delays = tuple(float(g) for g in gates)
        except (TypeError, ValueError):
            delays = ()
    return MdHeader(
        sample_rate_hz=_positive("sample_rate_hz", attrs, config) or 1.0,
        channel_names=channel_names,
        gate_delays_s=delays,
        units=str(attrs.get("units", config.get("units", ""))),
        dtype=dtype,
        hello=device,
    )
