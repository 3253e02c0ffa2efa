"""What the GPR detectors share: the line geometry and the streaming preprocessing.

Preprocessing, exact in any chunking:

1. **Dewow** (:func:`detsig.dsp.dewow`): a centred running mean over about one period of the
   centre frequency is subtracted from every trace (the low-frequency "wow" goes).
2. **Background removal** (:func:`detsig.dsp.remove_background_stream`, median): the median
   trace of a centred window of ``background_window_m`` is subtracted, removing the direct
   wave, the antenna ringing and the flat ground echo while keeping hyperbolas narrower than
   half the window.

References
----------
.. [1] Daniels, D. J. (Ed.) (2004). *Ground Penetrating Radar*, 2nd ed., IET, ch. 7 (clutter
   reduction, background subtraction).
.. [2] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
   H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.errors import InputError
from detsig.model import GprScan

#: Trace step assumed when neither the header nor the positions give one, m.
DEFAULT_TRACE_STEP_M = 0.01


@dataclass(frozen=True)
class GprGeometry:
    """Sampling of a GPR line that the detectors need.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s : float
        Time between samples, s.
    time_zero_s : float
        Two-way time of the ground surface within the trace, s.
    center_frequency_hz : float
        Antenna centre frequency, Hz (NaN when unknown: 1 GHz is assumed).
    trace_step_m : float
        Distance between traces, m.
    traces_per_s : float or None
        Trace rate, Hz (for ``time_s``; None: unknown).
    antenna_height_m : float
        Height of the antennas above the ground, m (0 when unknown).
    """

    n_samples: int
    sample_interval_s: float
    time_zero_s: float
    center_frequency_hz: float
    trace_step_m: float
    traces_per_s: float | None = None
    antenna_height_m: float = 0.0

    @property
    def frequency_hz(self) -> float:
        """Centre frequency used for windows (1 GHz when unknown)."""
        f = self.center_frequency_hz
        return f if math.isfinite(f) and f > 0 else 1e9

    @classmethod
    def from_scan(cls, scan: GprScan, attrs: Mapping[str, Any] | None = None) -> GprGeometry:
        """Geometry of a scan.

        Parameters
        ----------
        scan : GprScan
            Traces (n_traces, n_samples) with their header; the trace step comes from the
            header, else the median step of ``scan.distance_m``, else 1 cm.
        attrs : mapping, optional
            Stream attributes of a recording (``antenna_height_m``, m).

        Returns
        -------
        GprGeometry
        """
        header = scan.header
        step = header.trace_step_m
        if step is None and scan.distance_m is not None and scan.n_traces > 1:
            steps = np.diff(scan.distance_m)
            steps = steps[np.isfinite(steps) & (steps > 0)]
            if steps.size:
                step = float(np.median(steps))
        extra = dict(header.extra)
        extra.update(attrs or {})
        height = extra.get("antenna_height_m", 0.0)
        return cls(
            n_samples=scan.n_samples,
            sample_interval_s=header.sample_interval_s,
            time_zero_s=header.time_zero_s,
            center_frequency_hz=header.center_frequency_hz,
            trace_step_m=float(step) if step else DEFAULT_TRACE_STEP_M,
            traces_per_s=header.traces_per_s,
            antenna_height_m=float(height) if height is not None else 0.0,
        )


def row_values(name: str, values: npt.ArrayLike | None, n_rows: int) -> npt.NDArray[np.float64]:
    """One float per row (NaN when ``values`` is None), checking the count.

    Parameters
    ----------
    name : str
        Name used in the error message (``"distance_m"``).
    values : array_like, shape (n_rows,), optional
        Per-row values.
    n_rows : int
        Expected count.

    Returns
    -------
    ndarray, shape (n_rows,), float64

    Raises
    ------
    InputError
        A count that is not ``n_rows``.
    """
    if values is None:
        return np.full(n_rows, np.nan)
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if array.shape[0] != n_rows:
        raise InputError(f"{name} has {array.shape[0]} values for {n_rows} rows")
    return array


def odd(value: float, minimum: int = 1) -> int:
    """The nearest odd whole number >= ``minimum`` (window lengths in rows).

    Parameters
    ----------
    value : float
        Wanted length.
    minimum : int
        Smallest result.

    Returns
    -------
    int
    """
    n = max(round(value), minimum)
    return n if n % 2 == 1 else n + 1


class GprPreprocessor:
    """Dewow and sliding-median background removal, chunk by chunk, with aligned positions.

    Parameters
    ----------
    geometry : GprGeometry
        The line's sampling.
    background_window_m : float
        Length of the centred background window, m.
    dewow_periods : float
        Dewow window in periods of the centre frequency.
    """

    def __init__(
        self, geometry: GprGeometry, background_window_m: float = 1.5, dewow_periods: float = 1.0
    ) -> None:
        if not background_window_m > 0 or not dewow_periods > 0:
            raise InputError("background_window_m and dewow_periods must be > 0")
        self.geometry = geometry
        self.background_traces = odd(background_window_m / geometry.trace_step_m, 3)
        self.dewow_samples = odd(
            dewow_periods / (geometry.frequency_hz * geometry.sample_interval_s), 3
        )
        self.lag = self.background_traces // 2
        self._state: Any = None
        self._pending_aux: npt.NDArray[np.float64] = np.empty((0, 4))
        self.n_traces = 0

    def process(
        self,
        traces: npt.ArrayLike,
        distance_m: npt.ArrayLike | None = None,
        *,
        lat_deg: npt.ArrayLike | None = None,
        lon_deg: npt.ArrayLike | None = None,
        final: bool = False,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Preprocess the next traces.

        Parameters
        ----------
        traces : array_like, shape (n_new, n_samples)
            The next raw traces (any real dtype).
        distance_m : array_like, shape (n_new,), optional
            Along-lane position of each trace, m.
        lat_deg, lon_deg : array_like, shape (n_new,), optional
            WGS84 position of each trace, deg.
        final : bool
            True on the last call: flush the traces held for the centred window.

        Returns
        -------
        y : ndarray, shape (n_ready, n_samples), float64
            Traces ready (lagging the input by ``lag`` traces until ``final``).
        aux : ndarray, shape (n_ready, 4)
            Their distance (m), time since the first trace (s), latitude and longitude (deg);
            NaN where unknown.
        """
        from detsig.dsp import dewow, remove_background_stream

        data = np.asarray(traces)
        if data.ndim != 2:
            raise InputError(f"GPR traces must be 2-D (traces, samples), got {data.ndim}-D")
        if data.shape[1] != self.geometry.n_samples:
            raise InputError(
                f"traces have {data.shape[1]} samples, the line has {self.geometry.n_samples}"
            )
        n_new = data.shape[0]
        distance = row_values("distance_m", distance_m, n_new)
        lat = row_values("lat_deg", lat_deg, n_new)
        lon = row_values("lon_deg", lon_deg, n_new)
        rate = self.geometry.traces_per_s
        index = self.n_traces + np.arange(n_new)
        time_s = index / rate if rate else np.full(n_new, np.nan)
        self.n_traces += n_new
        self._pending_aux = np.concatenate(
            [self._pending_aux, np.column_stack([distance, time_s, lat, lon])]
        )
        data64 = np.ascontiguousarray(data, dtype=np.float64)
        dewowed = dewow(data64, self.dewow_samples) if n_new else data64
        y, self._state = remove_background_stream(
            dewowed, self.background_traces, method="median", state=self._state, final=final
        )
        y = np.asarray(y, dtype=np.float64)
        aux = self._pending_aux[: y.shape[0]]
        self._pending_aux = self._pending_aux[y.shape[0] :]
        return y, aux
