"""What the GPR detectors share: the streaming preprocessing of a line (its sampling is the
resolved :class:`~detsig.model.GprHeader`, :func:`detsig.dsp.resolve_gpr_header`).

Preprocessing, exact in any chunking:

the :data:`DETECT_PRESET` pipeline (``detsig/dsp/presets/gpr-detect.toml``, steps of
:mod:`detsig.dsp.pipeline` run through their streaming forms), so ``detsig process --preset
gpr-detect`` and the viewer's ``detector`` preset show exactly what the detectors see:

1. **Dewow** (:func:`detsig.dsp.dewow`): a centred running mean over about one period of the
   centre frequency is subtracted from every trace (the low-frequency "wow" goes).
2. **Background removal** (:func:`detsig.dsp.remove_background_stream`, median): the median
   trace of a centred window of ``background_window_m`` is subtracted, removing the direct
   wave, the antenna ringing and the flat ground echo while keeping hyperbolas narrower than
   half the window.
3. **Surface clutter removal** (:mod:`detsig.dsp.surface`): the surface zone of every trace is
   projected off the local clutter subspace (sliding SVD), for a rough ground surface.

References
----------
.. [1] Daniels, D. J. (Ed.) (2004). *Ground Penetrating Radar*, 2nd ed., IET, ch. 7 (clutter
   reduction, background subtraction).
.. [2] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
   H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from detsig.dsp._validate import nearest_odd
from detsig.errors import InputError
from detsig.model import GprHeader

if TYPE_CHECKING:
    from detsig.dsp.pipeline import BoundPipeline, Pipeline
    from detsig.dsp.surface import SurfaceZone

#: The pipeline preset (``detsig/dsp/presets/gpr-detect.toml``) that defines what the GPR
#: detectors look at.
DETECT_PRESET = "gpr-detect"


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


#: The nearest odd whole number >= ``minimum`` (window lengths in rows); see
#: :func:`detsig.dsp._validate.nearest_odd`.
odd = nearest_odd


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
        from detsig.dsp.surface import surface_zone

        return surface_zone(
            time_zero_s=geometry.time_zero_s,
            sample_interval_s=geometry.sample_interval_s,
            center_frequency_hz=geometry.frequency_hz,
            trace_step_m=geometry.step_m,
            window_m=self.window_m,
            before_periods=self.before_periods,
            after_periods=self.after_periods,
            n_components=self.n_components,
            basis_step_m=self.basis_step_m,
            n_samples=geometry.n_samples,
        )

    def step_params(self) -> dict[str, Any]:
        """The parameters of the ``remove_surface_clutter`` pipeline step."""
        return {
            "window_m": float(self.window_m),
            "before_periods": float(self.before_periods),
            "after_periods": float(self.after_periods),
            "n_components": int(self.n_components),
            "basis_step_m": float(self.basis_step_m),
        }


def detect_pipeline(
    background_window_m: float | None = None,
    dewow_periods: float | None = None,
    surface: SurfaceClutterParams | None = None,
) -> Pipeline:
    """The :data:`DETECT_PRESET` pipeline with a detector's parameters put in.

    Parameters
    ----------
    background_window_m : float, optional
        ``window_m`` of the ``remove_background`` step, m (None: the preset's).
    dewow_periods : float, optional
        ``window_periods`` of the ``dewow`` step (None: the preset's).
    surface : SurfaceClutterParams, optional
        Parameters of the ``remove_surface_clutter`` step (None: the preset's).

    Returns
    -------
    Pipeline
        The preset's GPR steps, validated again with the overrides.
    """
    from detsig.dsp.pipeline import load_pipeline

    preset = load_pipeline(DETECT_PRESET)
    overrides: dict[str, dict[str, Any]] = {}
    if dewow_periods is not None:
        overrides["dewow"] = {"window_periods": float(dewow_periods), "window_samples": None}
    if background_window_m is not None:
        overrides["remove_background"] = {
            "window_m": float(background_window_m),
            "window_traces": None,
        }
    if surface is not None:
        overrides["remove_surface_clutter"] = surface.step_params()
    entries = [
        {"step": step.spec.name, **step.params, **overrides.get(step.spec.name, {})}
        for step in preset.steps_for("gpr")
    ]
    # TOML has no null: drop the unset optional parameters so the document validates again
    entries = [{k: v for k, v in entry.items() if v is not None} for entry in entries]
    return type(preset).from_mapping(
        {"name": preset.name, "description": preset.description, "gpr": entries},
        source=preset.source,
    )


class GprPreprocessor:
    """What the GPR detectors look at, chunk by chunk, with aligned positions: the
    :data:`DETECT_PRESET` pipeline (dewow, sliding-median background removal and
    surface-following clutter removal) run through its streaming form in float64.

    Parameters
    ----------
    geometry : GprHeader
        The line's sampling.
    background_window_m : float, optional
        Length of the centred background window, m (None: the preset's, 1.5 m).
    dewow_periods : float, optional
        Dewow window in periods of the centre frequency (None: the preset's, 1).
    surface : SurfaceClutterParams, optional
        Surface clutter removal (:mod:`detsig.dsp.surface`); None: the preset's (on).
    """

    def __init__(
        self,
        geometry: GprHeader,
        background_window_m: float | None = None,
        dewow_periods: float | None = None,
        surface: SurfaceClutterParams | None = None,
    ) -> None:
        from detsig.dsp.pipeline import PipelineError

        for value in (background_window_m, dewow_periods):
            if value is not None and not value > 0:
                raise InputError("background_window_m and dewow_periods must be > 0")
        self.geometry = geometry
        self.pipeline = detect_pipeline(background_window_m, dewow_periods, surface)
        try:
            self.bound: BoundPipeline = self.pipeline.bind(
                replace(geometry, center_frequency_hz=geometry.frequency_hz)
            )
            self.stream = self.bound.stream(dtype=np.float64)
        except PipelineError as error:
            raise InputError(f"cannot preprocess this GPR line: {error}") from None
        steps = zip(self.bound.steps, self.stream.filters, strict=True)
        windows = {step.spec.name: made for step, made in steps}
        dewow_filter = windows.get("dewow")
        self.dewow_samples = (
            int(dewow_filter.params["window_samples"]) if dewow_filter is not None else 1
        )
        background = windows.get("remove_background")
        self.background_traces = int(getattr(background, "window_traces", 1))
        surface_filter = windows.get("remove_surface_clutter")
        self.surface_zone: SurfaceZone | None = getattr(surface_filter, "zone", None)
        self.lag = self.stream.lag
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
            True on the last call: flush the traces held for the centred windows.

        Returns
        -------
        y : ndarray, shape (n_ready, n_samples), float64
            Traces ready (lagging the input by ``lag`` traces until ``final``).
        aux : ndarray, shape (n_ready, 4)
            Their distance (m), time since the first trace (s), latitude and longitude (deg);
            NaN where unknown.
        """
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
        step = self.stream.process_final if final else self.stream.process
        y = np.asarray(step(data64), dtype=np.float64)
        aux = self._pending_aux[: y.shape[0]]
        self._pending_aux = self._pending_aux[y.shape[0] :]
        return y, aux
