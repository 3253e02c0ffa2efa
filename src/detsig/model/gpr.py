"""GPR scans: a block of traces plus a header whose derived axes cannot drift."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.model._validate import optional_rows, positive, readonly_array

#: Speed of light in vacuum, m/s.
SPEED_OF_LIGHT_M_PER_S = 299_792_458.0


def velocity_from_permittivity(relative_permittivity: float) -> float:
    """Radar wave velocity in a low-loss, non-magnetic medium, m/s: ``c / sqrt(eps_r)``.

    Parameters
    ----------
    relative_permittivity : float
        Relative (dielectric) permittivity of the medium, dimensionless (> 0; 1 for air).

    Returns
    -------
    float
        Wave velocity, m/s.

    References
    ----------
    .. [1] D. J. Daniels (ed.), *Ground Penetrating Radar*, 2nd ed., IEE, 2004, ch. 3.
    """
    eps_r = positive("relative_permittivity", relative_permittivity)
    return SPEED_OF_LIGHT_M_PER_S / math.sqrt(eps_r)


def permittivity_from_velocity(velocity_m_per_s: float) -> float:
    """Relative permittivity implied by a radar velocity: ``(c / v)**2``.

    Parameters
    ----------
    velocity_m_per_s : float
        Radar wave velocity, m/s (> 0).

    Returns
    -------
    float
        Relative permittivity, dimensionless.
    """
    return (SPEED_OF_LIGHT_M_PER_S / positive("velocity_m_per_s", velocity_m_per_s)) ** 2


#: Kinds of stream a :class:`GprHeader` describes: impulse GPR traces, and the sweeps of a
#: pulsed-coherent radar (Acconeer A121: distance points shown as two-way time in air).
GPR_KINDS = ("gpr", "radar")


@dataclass(frozen=True)
class GprHeader:
    """Everything known about every trace of a GPR stream: the one description of a GPR line.

    It is built in two places only: from a device's HELLO
    (:func:`detsig.devices.header_from_hello`) and from what a file stores
    (:func:`detsig.io.gpr_header_from_attrs`, vendor readers); what neither states is
    measured from the traces by :func:`detsig.dsp.resolve_gpr_header` (time zero, centre
    frequency) and the trace positions (trace step). Everything else takes it.

    Parameters
    ----------
    sample_interval_s : float
        Time between two samples of a trace, s (> 0).
    n_samples : int
        Samples per trace (0: not stated; a scan's header always takes it from its data).
    center_frequency_hz : float
        Antenna centre frequency, Hz (NaN when unknown).
    time_zero_s : float
        Two-way time of the ground surface (or direct arrival) within the trace, s.
    time_zero_stated : bool
        Whether the file or device stated ``time_zero_s`` (False: estimated from the traces
        by :func:`detsig.dsp.resolve_gpr_header`, 0 until then; ``sources["time_zero_s"]``
        says which).
    trace_step_m : float or None
        Distance between traces, m, for lines recorded by distance.
    traces_per_s : float or None
        Nominal trace rate, Hz, for lines recorded by time.
    antenna_height_m : float
        Height of the antennas above the ground, m (0 when unknown: ground-coupled).
    relative_permittivity : float or None
        A permittivity hint stored with the stream (simulated lanes), for depth axes.
    antenna : str
        Antenna or model name, free text.
    source_format : str
        The format the scan was read from (``"detsig"``, ``"gssi-dzt"``, ``"device"`` ...).
    kind : {"gpr", "radar"}
        Impulse GPR traces, or pulsed-coherent radar sweeps.
    dtype : numpy.dtype or None
        Sample type of the stored traces (None: not known yet, e.g. before a device's first
        trace when its HELLO does not say).
    hello : mapping
        The device's HELLO object (empty for files that do not keep one).
    extra : mapping
        Vendor header fields kept for reference (JSON-serialisable values).
    sources : mapping
        Where the derived fields came from (``"stated"``, ``"positions"``, ``"estimated"``),
        for messages and ``detsig info``; not part of equality.
    """

    sample_interval_s: float
    n_samples: int = 0
    center_frequency_hz: float = math.nan
    time_zero_s: float = 0.0
    time_zero_stated: bool = True
    trace_step_m: float | None = None
    traces_per_s: float | None = None
    antenna_height_m: float = 0.0
    relative_permittivity: float | None = None
    antenna: str = ""
    source_format: str = ""
    kind: str = "gpr"
    dtype: np.dtype[Any] | None = None
    hello: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "sample_interval_s", positive("sample_interval_s", self.sample_interval_s)
        )
        if self.trace_step_m is not None:
            object.__setattr__(self, "trace_step_m", positive("trace_step_m", self.trace_step_m))
        if self.traces_per_s is not None:
            object.__setattr__(self, "traces_per_s", positive("traces_per_s", self.traces_per_s))
        if self.relative_permittivity is not None:
            object.__setattr__(
                self,
                "relative_permittivity",
                positive("relative_permittivity", self.relative_permittivity),
            )
        if self.kind not in GPR_KINDS:
            raise ValueError(f"kind must be one of {GPR_KINDS}, got {self.kind!r}")
        n_samples = int(self.n_samples)
        if n_samples < 0:
            raise ValueError(f"n_samples must be >= 0, got {n_samples}")
        object.__setattr__(self, "n_samples", n_samples)
        if self.dtype is not None:
            object.__setattr__(self, "dtype", np.dtype(self.dtype))
        object.__setattr__(self, "center_frequency_hz", float(self.center_frequency_hz))
        object.__setattr__(self, "time_zero_s", float(self.time_zero_s))
        object.__setattr__(self, "time_zero_stated", bool(self.time_zero_stated))
        object.__setattr__(self, "antenna_height_m", float(self.antenna_height_m))

    @property
    def width(self) -> int:
        """Samples per trace (the stored row width)."""
        return self.n_samples

    @property
    def config(self) -> Mapping[str, Any]:
        """The device HELLO's ``config`` object (empty without a HELLO)."""
        value = self.hello.get("config", {})
        return value if isinstance(value, Mapping) else {}

    @property
    def sample_rate_hz(self) -> float:
        """Samples per second of one trace, Hz (derived from ``sample_interval_s``)."""
        return 1.0 / self.sample_interval_s

    @property
    def frequency_hz(self) -> float:
        """Centre frequency for window sizes, Hz (1 GHz when the header has none)."""
        f = self.center_frequency_hz
        return f if math.isfinite(f) and f > 0 else 1e9

    @property
    def step_m(self) -> float:
        """The trace step of a resolved header, m.

        Raises
        ------
        ValueError
            The header states no trace step (resolve it from the trace positions first).
        """
        if self.trace_step_m is None:
            raise ValueError("the GPR line has no trace step; give the distance between traces")
        return self.trace_step_m

    @property
    def stored_time_zero_s(self) -> float:
        """The time zero the file or device states, s (0 when it states none): candidates'
        ``two_way_time_s`` are stored relative to the resolved ``time_zero_s``, and files that
        state none are drawn from this origin."""
        return self.time_zero_s if self.time_zero_stated else 0.0

    def time_axis_s(self, n_samples: int | None = None) -> npt.NDArray[np.float64]:
        """Two-way travel time of each sample relative to time zero, s, shape (n_samples,).

        Parameters
        ----------
        n_samples : int, optional
            Number of samples per trace (default: the header's ``n_samples``).

        Returns
        -------
        ndarray of float64, shape (n_samples,)
            ``i * sample_interval_s - time_zero_s``, s (negative before time zero).
        """
        n = self.n_samples if n_samples is None else int(n_samples)
        return np.arange(n, dtype=np.float64) * self.sample_interval_s - self.time_zero_s


@dataclass(frozen=True)
class GprScan:
    """A GPR line: traces along the lane with their header and positions.

    Parameters
    ----------
    data : ndarray, shape (n_traces, n_samples)
        Trace samples, native device type (int16/int32/uint16/float32). Stored read-only.
    header : GprHeader
        Sampling and antenna description shared by every trace.
    distance_m : ndarray, shape (n_traces,), optional
        Position of each trace along the lane, m.
    trace_time_s : ndarray, shape (n_traces,), optional
        Acquisition time of each trace, s (from any epoch; differences matter).
    lat_deg, lon_deg : ndarray, shape (n_traces,), optional
        WGS84 position of each trace, degrees, when GNSS is present.
    marks : tuple of int
        Indices of traces the operator or file marked.
    name : str
        Stream or line name (``"gpr0"``).
    """

    data: npt.NDArray[Any]
    header: GprHeader
    distance_m: npt.NDArray[np.float64] | None = None
    trace_time_s: npt.NDArray[np.float64] | None = None
    lat_deg: npt.NDArray[np.float64] | None = None
    lon_deg: npt.NDArray[np.float64] | None = None
    marks: tuple[int, ...] = ()
    name: str = "gpr0"

    def __post_init__(self) -> None:
        data = readonly_array("data", self.data, ndim=2)
        object.__setattr__(self, "data", data)
        n_traces = data.shape[0]
        if self.header.n_samples != data.shape[1]:  # the data say how long a trace is
            object.__setattr__(self, "header", replace(self.header, n_samples=data.shape[1]))
        for name in ("distance_m", "trace_time_s", "lat_deg", "lon_deg"):
            object.__setattr__(self, name, optional_rows(name, getattr(self, name), n_traces))
        marks = tuple(int(m) for m in self.marks)
        bad = [m for m in marks if not 0 <= m < n_traces]
        if bad:
            raise ValueError(f"marks {bad} lie outside the {n_traces} traces of the scan")
        object.__setattr__(self, "marks", marks)

    @property
    def n_traces(self) -> int:
        """Number of traces (rows)."""
        return int(self.data.shape[0])

    @property
    def n_samples(self) -> int:
        """Number of samples per trace (columns)."""
        return int(self.data.shape[1])

    @property
    def time_s(self) -> npt.NDArray[np.float64]:
        """Two-way travel time of each sample, s, shape (n_samples,)."""
        return self.header.time_axis_s(self.n_samples)

    @property
    def position_m(self) -> npt.NDArray[np.float64]:
        """Along-lane position of each trace, m: ``distance_m``, else the nominal trace step,
        else the trace index."""
        if self.distance_m is not None:
            return self.distance_m
        step = self.header.trace_step_m or 1.0
        return np.arange(self.n_traces, dtype=np.float64) * step

    def depth_axis_m(self, velocity_m_per_s: float) -> npt.NDArray[np.float64]:
        """Depth of each sample below time zero for a constant velocity, m: ``v * t / 2``.

        Parameters
        ----------
        velocity_m_per_s : float
            Wave velocity in the ground, m/s (> 0); see :func:`velocity_from_permittivity`.

        Returns
        -------
        ndarray of float64, shape (n_samples,)
            Depth of each sample, m (negative above time zero).
        """
        return self.time_s * positive("velocity_m_per_s", velocity_m_per_s) / 2.0
