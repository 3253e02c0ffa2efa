"""What the GPR detectors share: the streaming preprocessing of a line (its sampling is the
resolved :class:`~detsig.model.GprHeader`, :func:`detsig.dsp.resolve_gpr_header`).

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from detsig.detect._stream import LookaheadStage
from detsig.errors import InputError
from detsig.model import GprHeader

if TYPE_CHECKING:
    from detsig.dsp.surface import SurfaceZone


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


@dataclass(frozen=True)
class SurfaceClutterParams:
    """How the ground-surface clutter that background removal leaves is removed.

    Parameters
    ----------
    window_m : float
        Length of lane whose residuals define the local clutter subspace, m (0: no surface
        clutter removal).
    before_periods, after_periods : float
        The surface zone, from time zero minus / plus this many periods of the centre
        frequency.
    n_components : int
        Dimension of the removed subspace.
    basis_step_m : float
        One clutter basis per this length of lane, m.
    """

    window_m: float = 0.6
    before_periods: float = 1.0
    after_periods: float = 0.75
    n_components: int = 2
    basis_step_m: float = 0.04

    def zone(self, geometry: GprHeader) -> SurfaceZone | None:
        """The zone of a line (None: removal off, or the zone lies outside the traces)."""
        from detsig.dsp.surface import SurfaceZone

        if not self.window_m > 0:
            return None
        period_s = 1.0 / geometry.frequency_hz
        dt = geometry.sample_interval_s
        first = max(round((geometry.time_zero_s - self.before_periods * period_s) / dt), 0)
        stop = min(
            round((geometry.time_zero_s + self.after_periods * period_s) / dt) + 1,
            geometry.n_samples,
        )
        if stop <= first:
            return None
        return SurfaceZone(
            first_sample=int(first),
            stop_sample=int(stop),
            half_window=max(round(self.window_m / 2 / geometry.step_m), 1),
            n_components=max(int(self.n_components), 1),
            basis_every=max(round(self.basis_step_m / geometry.step_m), 1),
        )


class GprPreprocessor:
    """Dewow, sliding-median background removal and surface-following clutter removal, chunk
    by chunk, with aligned positions.

    Parameters
    ----------
    geometry : GprHeader
        The line's sampling.
    background_window_m : float
        Length of the centred background window, m.
    dewow_periods : float
        Dewow window in periods of the centre frequency.
    surface : SurfaceClutterParams, optional
        Surface clutter removal (:mod:`detsig.dsp.surface`); default on.
    """

    def __init__(
        self,
        geometry: GprHeader,
        background_window_m: float = 1.5,
        dewow_periods: float = 1.0,
        surface: SurfaceClutterParams | None = None,
    ) -> None:
        if not background_window_m > 0 or not dewow_periods > 0:
            raise InputError("background_window_m and dewow_periods must be > 0")
        self.geometry = geometry
        self.background_traces = odd(background_window_m / geometry.step_m, 3)
        self.dewow_samples = odd(
            dewow_periods / (geometry.frequency_hz * geometry.sample_interval_s), 3
        )
        self.surface_zone = (surface or SurfaceClutterParams()).zone(geometry)
        self.surface_stage: LookaheadStage | None = None
        if self.surface_zone is not None:
            zone = self.surface_zone
            self.surface_stage = LookaheadStage(self._surface, zone.lookback, zone.lookahead)
        extra = self.surface_zone.lookahead if self.surface_zone is not None else 0
        self.lag = self.background_traces // 2 + extra
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
        if self.surface_stage is not None:
            y = self.surface_stage.push(y, final=final)
        aux = self._pending_aux[: y.shape[0]]
        self._pending_aux = self._pending_aux[y.shape[0] :]
        return y, aux

    def _surface(
        self, buf: npt.NDArray[np.float64], g0: int, start: int, stop: int
    ) -> npt.NDArray[np.float64]:
        from detsig.dsp.surface import surface_clutter_rows

        assert self.surface_zone is not None
        return surface_clutter_rows(buf, g0, start, stop, self.surface_zone, g0 + buf.shape[0] - 1)
