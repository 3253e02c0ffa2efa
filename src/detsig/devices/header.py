"""A device's stream description from its HELLO: the one place a live stream's header is made.

Every driver (detsig protocol, Acconeer, text-line detectors) describes its stream by a HELLO
object (``device``, ``model``, ..., ``config``; DESIGN.md, "HELLO"); :func:`header_from_hello`
turns it into the :class:`~detsig.model.GprHeader` or :class:`~detsig.model.MdHeader` that the
recorder, the live display and the live detectors take. A recording of the stream stores the
same facts as attributes, and :func:`detsig.io.header_from_attrs` reads them back into the
same header, so live and replay start from one description.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from detsig.errors import DeviceError
from detsig.model import COMPLEX_INT16, SPEED_OF_LIGHT_AIR_M_S, GprHeader, MdHeader
from detsig.wire import SAMPLE_DTYPES

_FORMAT_NAMES = {"int16": 1, "int32": 2, "float32": 3}

#: Placeholder sample interval of a GPR whose HELLO states none, s (stored so; the recording
#: is still made, and its header says the interval was not stated).
UNSTATED_SAMPLE_INTERVAL_S = 1e-10
#: Placeholder frame rate of an MD whose HELLO states none (text detectors before their rate
#: is measured), Hz.
UNSTATED_SAMPLE_RATE_HZ = 1.0


def _number(config: Mapping[str, Any], key: str) -> float | None:
    value = config.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _positive(config: Mapping[str, Any], key: str) -> float | None:
    value = _number(config, key)
    return value if value is not None and value > 0 else None


def _dtype(config: Mapping[str, Any]) -> np.dtype[Any] | None:
    fmt = config.get("sample_format", config.get("dtype"))
    if isinstance(fmt, str) and fmt in _FORMAT_NAMES:
        return SAMPLE_DTYPES[_FORMAT_NAMES[fmt]]
    if isinstance(fmt, int) and fmt in SAMPLE_DTYPES:
        return SAMPLE_DTYPES[fmt]
    if isinstance(fmt, str):
        try:
            return np.dtype(fmt)
        except TypeError:
            return None
    return None


def header_from_hello(
    hello: Mapping[str, Any], dtype: np.dtype[Any] | None = None
) -> GprHeader | MdHeader:
    """The stream description a HELLO gives.

    Parameters
    ----------
    hello : mapping
        The HELLO object (``device`` is ``"gpr"``, ``"radar"`` or ``"md"``; ``config`` holds
        the stream's layout and sampling).
    dtype : numpy.dtype, optional
        The sample type when the driver knows it better than the HELLO (text detectors,
        radar modules); default: ``config.sample_format``, else unknown until the first data.

    Returns
    -------
    GprHeader or MdHeader
        GPR: ``config.samples``, ``sample_interval_s``, ``center_frequency_hz``,
        ``time_zero_s`` (stated only when given), ``trace_step_m``, ``traces_per_s``,
        ``antenna_height_m``. Radar: sweeps of ``config.num_points`` distance points shown as
        two-way time in air (``2 step_m / c``), ``frame_rate x sweeps_per_frame`` sweeps per
        second. MD: ``config.channels`` (names or a count), ``sample_rate_hz``,
        ``gate_delays_s``, ``units``.

    Raises
    ------
    DeviceError
        The HELLO lacks the sample count (GPR ``samples``) or channel list (MD ``channels``).
    """
    device = hello.get("device")
    raw_config = hello.get("config", {})
    config: Mapping[str, Any] = raw_config if isinstance(raw_config, Mapping) else {}
    hello = dict(hello)
    if device == "radar":
        points = int(config.get("num_points") or 0)
        step_m = _positive(config, "step_m")
        sweeps_per_s = (_positive(config, "frame_rate") or math.nan) * (
            _positive(config, "sweeps_per_frame") or math.nan
        )
        return GprHeader(
            sample_interval_s=2.0 * step_m / SPEED_OF_LIGHT_AIR_M_S
            if step_m
            else UNSTATED_SAMPLE_INTERVAL_S,
            n_samples=points,
            traces_per_s=sweeps_per_s if sweeps_per_s > 0 else None,
            time_zero_stated=True,
            kind="radar",
            dtype=dtype if dtype is not None else COMPLEX_INT16,
            source_format="device",
            antenna=str(hello.get("model", "")),
            hello=hello,
        )
    dtype = dtype if dtype is not None else _dtype(config)
    if device == "gpr":
        samples = config.get("samples")
        if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
            raise DeviceError(
                f"the GPR's HELLO gives samples={samples!r}; expected a positive integer "
                "(update the device firmware to send config.samples)"
            )
        interval = _positive(config, "sample_interval_s")
        time_zero = _number(config, "time_zero_s")
        sources = {"sample_interval_s": "stated" if interval else "unstated"}
        return GprHeader(
            sample_interval_s=interval or UNSTATED_SAMPLE_INTERVAL_S,
            n_samples=samples,
            center_frequency_hz=_positive(config, "center_frequency_hz") or math.nan,
            time_zero_s=time_zero or 0.0,
            time_zero_stated=time_zero is not None,
            trace_step_m=_positive(config, "trace_step_m"),
            traces_per_s=_positive(config, "traces_per_s"),
            antenna_height_m=_number(config, "antenna_height_m") or 0.0,
            antenna=str(hello.get("model", "")),
            source_format="device",
            dtype=dtype,
            hello=hello,
            sources=sources,
        )
    channels = config.get("channels")
    if isinstance(channels, int) and not isinstance(channels, bool) and channels > 0:
        names = tuple(f"ch{i}" for i in range(channels))
    elif isinstance(channels, list) and channels:
        names = tuple(str(c) for c in channels)
    else:
        raise DeviceError(
            f"the MD's HELLO gives channels={channels!r}; expected a list of channel names"
        )
    gates = config.get("gate_delays_s")
    delays: tuple[float, ...] = ()
    if isinstance(gates, list) and len(gates) == len(names):
        try:
            delays = tuple(float(g) for g in gates)
        except (TypeError, ValueError):
            delays = ()
    return MdHeader(
        sample_rate_hz=_positive(config, "sample_rate_hz") or UNSTATED_SAMPLE_RATE_HZ,
        channel_names=names,
        gate_delays_s=delays,
        units=str(config.get("units", "adc_counts")),
        dtype=dtype,
        hello=hello,
    )
