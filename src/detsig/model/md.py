"""Metal-detector series: channel samples over time with their rate and names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model._validate import optional_rows, positive, readonly_array


@dataclass(frozen=True)
class MdSeries:
    """A metal-detector recording: frames of simultaneous channel samples.

    Parameters
    ----------
    data : ndarray, shape (n_frames, n_channels)
        Samples, native device type. Pulse-induction detectors have one channel per decay time
        gate; VLF detectors have I/Q channel pairs. Stored read-only.
    sample_rate_hz : float
        Frames per second, Hz (> 0).
    channel_names : tuple of str
        One name per channel (``"gate0"``, ``"I"``, ``"Q"`` ...).
    units : str
        Unit of the samples (``"adc_counts"``, ``"uV"`` ...).
    distance_m : ndarray, shape (n_frames,), optional
        Position of each frame along the lane, m.
    gate_delays_s : tuple of float
        For pulse-induction channels, the delay of each gate after the pulse, s (may be empty).
    name : str
        Stream name (``"md0"``).
    """

    data: npt.NDArray[Any]
    sample_rate_hz: float
    channel_names: tuple[str, ...]
    units: str = "adc_counts"
    distance_m: npt.NDArray[np.float64] | None = None
    gate_delays_s: tuple[float, ...] = ()
    name: str = "md0"

    def __post_init__(self) -> None:
        data = readonly_array("data", self.data, ndim=2)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "sample_rate_hz", positive("sample_rate_hz", self.sample_rate_hz))
        names = tuple(str(n) for n in self.channel_names)
        if len(names) != data.shape[1]:
            raise ValueError(
                f"channel_names has {len(names)} names for {data.shape[1]} data channels"
            )
        object.__setattr__(self, "channel_names", names)
        object.__setattr__(
            self, "distance_m", optional_rows("distance_m", self.distance_m, data.shape[0])
        )
        object.__setattr__(self, "gate_delays_s", tuple(float(d) for d in self.gate_delays_s))

    @property
    def header(self) -> MdHeader:
        """The series' stream description (rate, channels, gates, units, sample type)."""
        return MdHeader(
            self.sample_rate_hz,
            self.channel_names,
            self.gate_delays_s,
            self.units,
            self.data.dtype,
        )

    @property
    def n_frames(self) -> int:
        """Number of frames (rows)."""
        return int(self.data.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of channels (columns)."""
        return int(self.data.shape[1])

    @property
    def time_s(self) -> npt.NDArray[np.float64]:
        """Time of each frame from the first, s, shape (n_frames,)."""
        return np.arange(self.n_frames, dtype=np.float64) / self.sample_rate_hz

    @property
    def duration_s(self) -> float:
        """Time covered by the frames, s."""
        return self.n_frames / self.sample_rate_hz


@dataclass(frozen=True)
class MdHeader:
    """Everything known about every frame of a metal-detector stream: the one description of
    an MD stream (built from a device's HELLO or from what a file stores; everything else
    takes it).

    Parameters
    ----------
    sample_rate_hz : float
        Frames per second, Hz (> 0).
    channel_names : tuple of str
        One name per channel (``"gate0"``, ``"I"``, ``"Q"`` ...).
    gate_delays_s : tuple of float
        Pulse-induction gate delays after the pulse, s (empty when unknown or VLF).
    units : str
        Unit of the samples.
    dtype : numpy.dtype or None
        Sample type (None: not known yet).
    hello : mapping
        The device's HELLO object (empty for files that do not keep one).
    """

    sample_rate_hz: float
    channel_names: tuple[str, ...]
    gate_delays_s: tuple[float, ...] = ()
    units: str = "adc_counts"
    dtype: np.dtype[Any] | None = None
    hello: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sample_rate_hz", positive("sample_rate_hz", self.sample_rate_hz))
        object.__setattr__(self, "channel_names", tuple(str(n) for n in self.channel_names))
        object.__setattr__(self, "gate_delays_s", tuple(float(d) for d in self.gate_delays_s))
        if self.dtype is not None:
            object.__setattr__(self, "dtype", np.dtype(self.dtype))

    @property
    def kind(self) -> str:
        """``"md"``."""
        return "md"

    @property
    def width(self) -> int:
        """Channels per frame (the stored row width)."""
        return len(self.channel_names)

    @property
    def config(self) -> Mapping[str, Any]:
        """The device HELLO's ``config`` object (empty without a HELLO)."""
        value = self.hello.get("config", {})
        return value if isinstance(value, Mapping) else {}
