"""What the GPR detectors share: the line geometry and the streaming preprocessing.

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

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from detsig.dsp._validate import nearest_odd
from detsig.errors import InputError
from detsig.model import GprHeader, GprScan

if TYPE_CHECKING:
    from detsig.dsp.pipeline import BoundPipeline, Pipeline
    from detsig.dsp.surface import SurfaceZone

#: The pipeline preset (``detsig/dsp/presets/gpr-detect.toml``) that defines what the GPR
#: detectors look at.
DETECT_PRESET = "gpr-detect"


def _number(value: Any) -> float | None:
    """A finite float from an attribute or JSON value (None for anything else)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def median_step_m(distance_m: npt.ArrayLike | None) -> float | None:
    """Median of the positive, finite steps between positions, m (None without any).

    Parameters
    ----------
    distance_m : array_like, shape (n_traces,), optional
        Along-lane position of each trace, m.

    Returns
    -------
    float or None
    """
    if distance_m is None:
        return None
    steps = np.diff(np.asarray(distance_m, dtype=np.float64))
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(steps)) if steps.size else None


#: Time zero is estimated from the first traces of a line (so a replay, a live stream and a
#: whole-file job that see the same first traces agree).
TIME_ZERO_TRACES = 200


def stated_value(
    key: str, attrs: Mapping[str, Any] | None, config: Mapping[str, Any] | None
) -> float | None:
    """A finite number stated for ``key`` in the stream attributes, else the HELLO config."""
    for source in (attrs or {}, config or {}):
        value = _number(source.get(key))
        if value is not None:
            return value
    return None


def resolve_trace_step_m(
    *,
    attrs: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    header: GprHeader | None = None,
    distance_m: npt.ArrayLike | None = None,
    trace_step_m: float | None = None,
) -> tuple[float | None, str]:
    """The trace step of a line and where it came from.

    Parameters
    ----------
    attrs, config : mapping, optional
        Stream attributes; the device HELLO's ``config``.
    header : GprHeader, optional
        A vendor file's header.
    distance_m : array_like, shape (n_traces,), optional
        Trace positions, m.
    trace_step_m : float, optional
        A step given by the user, m (first).

    Returns
    -------
    step_m : float or None
        None when nothing states it and there are no positions.
    source : {"given", "stated", "positions", "none"}
    """
    step = _number(trace_step_m) if trace_step_m is not None else None
    if step is not None and step > 0:
        return step, "given"
    step = stated_value("trace_step_m", attrs, config)
    if (step is None or step <= 0) and header is not None and header.trace_step_m:
        step = header.trace_step_m
    if step is not None and step > 0:
        return float(step), "stated"
    step = median_step_m(distance_m)
    if step is not None and step > 0:
        return step, "positions"
    return None, "none"


def resolve_antenna_height_m(
    *,
    attrs: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    header: GprHeader | None = None,
) -> float:
    """Antenna height above the ground, m (stated, else the header's, else 0)."""
    height = stated_value("antenna_height_m", attrs, config)
    if height is None and header is not None:
        height = _number(header.extra.get("antenna_height_m"))
    return max(height or 0.0, 0.0)


def resolve_time_zero_s(
    sample_interval_s: float,
    *,
    attrs: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    header: GprHeader | None = None,
    traces: npt.ArrayLike | None = None,
) -> tuple[float | None, str]:
    """Time zero of a line and where it came from: stated, else estimated on its first traces.

    Parameters
    ----------
    sample_interval_s : float
        Sample interval, s.
    attrs, config : mapping, optional
        Stream attributes; the device HELLO's ``config``.
    header : GprHeader, optional
        A vendor file's header (used when it states time zero).
    traces : array_like, shape (n_traces, n_samples), optional
        Raw traces; :func:`detsig.dsp.estimate_time_zero_s` runs on the first
        :data:`TIME_ZERO_TRACES` of them (plus the air path of the antenna height).

    Returns
    -------
    time_zero_s : float or None
        None when nothing states it and no traces were given.
    source : {"stated", "estimated", "none"}

    Raises
    ------
    InputError
        Traces that give no time zero (all zero).
    """
    from detsig.dsp import estimate_time_zero_s
    from detsig.dsp._validate import ParameterError

    time_zero = stated_value("time_zero_s", attrs, config)
    if time_zero is None and header is not None and header.time_zero_stated:
        time_zero = header.time_zero_s
    if time_zero is not None:
        return float(time_zero), "stated"
    if traces is None:
        return None, "none"
    first = np.asarray(traces)[:TIME_ZERO_TRACES]
    height = resolve_antenna_height_m(attrs=attrs, config=config, header=header)
    try:
        return (
            estimate_time_zero_s(first, float(sample_interval_s), antenna_height_m=height),
            "estimated",
        )
    except ParameterError as error:
        raise InputError(f"cannot find time zero: {error}") from None


@dataclass(frozen=True)
class GprGeometry:
    """Sampling of a GPR line that the detectors need.

    Build it with :meth:`resolve` (or :meth:`from_scan`), the one place where each field is
    taken from what the file or device states, else measured from the data; nothing is
    defaulted silently.

    Parameters
    ----------
    n_samples : int
        Samples per trace.
    sample_interval_s : float
        Time between samples, s.
    time_zero_s : float
        Two-way time of the ground surface within the trace, s.
    center_frequency_hz : float
        Antenna centre frequency, Hz.
    trace_step_m : float
        Distance between traces, m.
    traces_per_s : float or None
        Trace rate, Hz (for ``time_s``; None: unknown).
    antenna_height_m : float
        Height of the antennas above the ground, m (0 when unknown).
    sources : mapping
        Where each derived field came from (``"stated"``, ``"positions"``, ``"estimated"``),
        for messages and ``detsig info``; not part of equality.
    """

    n_samples: int
    sample_interval_s: float
    time_zero_s: float
    center_frequency_hz: float
    trace_step_m: float
    traces_per_s: float | None = None
    antenna_height_m: float = 0.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def frequency_hz(self) -> float:
        """Centre frequency used for windows (1 GHz if a caller built it without one)."""
        f = self.center_frequency_hz
        return f if math.isfinite(f) and f > 0 else 1e9

    @classmethod
    def resolve(
        cls,
        n_samples: int,
        sample_interval_s: float,
        *,
        attrs: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        header: GprHeader | None = None,
        traces: npt.ArrayLike | None = None,
        distance_m: npt.ArrayLike | None = None,
        trace_step_m: float | None = None,
    ) -> GprGeometry:
        """The geometry of a line from what is stated, else what the data show.

        Each field is taken from the first of: the stream attributes (``attrs``), the device
        HELLO ``config``, the vendor ``header``; then

        - trace step: the median step of ``distance_m`` (wheel or GNSS positions);
        - time zero: :func:`detsig.dsp.estimate_time_zero_s` on ``traces`` (the first break
          of the median trace, plus the air path of ``antenna_height_m``);
        - centre frequency: :func:`detsig.dsp.estimate_center_frequency_hz` on ``traces``.

        Parameters
        ----------
        n_samples : int
            Samples per trace.
        sample_interval_s : float
            Sample interval, s (> 0).
        attrs : mapping, optional
            Stream attributes of a recording.
        config : mapping, optional
            The device HELLO's ``config`` object.
        header : GprHeader, optional
            The header of a scan read from a file.
        traces : array_like, shape (n_traces, n_samples), optional
            Raw traces, for the estimates.
        distance_m : array_like, shape (n_traces,), optional
            Trace positions, m.
        trace_step_m : float, optional
            A trace step given by the user, m; overrides everything else.

        Returns
        -------
        GprGeometry

        Raises
        ------
        InputError
            A field that is neither stated nor measurable (no trace step and no positions;
            no time zero and no traces), or a sample interval that is not > 0.
        """
        from detsig.dsp import estimate_center_frequency_hz
        from detsig.dsp._validate import ParameterError

        def stated(key: str) -> float | None:
            return stated_value(key, attrs, config)

        interval = float(sample_interval_s)
        if not interval > 0:
            raise InputError(
                f"the GPR line states no usable sample interval ({sample_interval_s!r} s)"
            )
        sources: dict[str, str] = {}
        height = resolve_antenna_height_m(attrs=attrs, config=config, header=header)
        step, sources["trace_step_m"] = resolve_trace_step_m(
            attrs=attrs,
            config=config,
            header=header,
            distance_m=distance_m,
            trace_step_m=trace_step_m,
        )
        if step is None:
            raise InputError(
                "the GPR line states no trace step and has no trace positions; give the "
                "distance between traces"
            )
        time_zero, sources["time_zero_s"] = resolve_time_zero_s(
            interval, attrs=attrs, config=config, header=header, traces=traces
        )
        if time_zero is None:
            raise InputError("the GPR line states no time zero and no traces were given to find it")

        frequency = stated("center_frequency_hz")
        sources["center_frequency_hz"] = "stated"
        if frequency is None and header is not None:
            value = header.center_frequency_hz
            frequency = value if math.isfinite(value) and value > 0 else None
        if frequency is None or frequency <= 0:
            frequency = math.nan
            if traces is not None:
                try:
                    frequency = estimate_center_frequency_hz(traces, interval)
                    sources["center_frequency_hz"] = "estimated"
                except ParameterError:
                    frequency = math.nan
            if not math.isfinite(frequency):
                raise InputError(
                    "the GPR line states no centre frequency and it cannot be measured "
                    "from the traces"
                )

        rate = stated("traces_per_s")
        if rate is None and header is not None:
            rate = header.traces_per_s
        return cls(
            n_samples=int(n_samples),
            sample_interval_s=interval,
            time_zero_s=float(time_zero),
            center_frequency_hz=float(frequency),
            trace_step_m=float(step),
            traces_per_s=rate if rate and rate > 0 else None,
            antenna_height_m=float(height),
            sources=sources,
        )

    @classmethod
    def from_scan(
        cls,
        scan: GprScan,
        attrs: Mapping[str, Any] | None = None,
        *,
        config: Mapping[str, Any] | None = None,
        trace_step_m: float | None = None,
    ) -> GprGeometry:
        """Geometry of a scan (:meth:`resolve` with the scan's header, traces and positions).

        Parameters
        ----------
        scan : GprScan
            Traces (n_traces, n_samples) with their header and positions.
        attrs : mapping, optional
            Stream attributes of a recording (``antenna_height_m``, ``time_zero_s``, ...).
        config : mapping, optional
            The device HELLO's ``config``.
        trace_step_m : float, optional
            A trace step given by the user, m.

        Returns
        -------
        GprGeometry
        """
        return cls.resolve(
            scan.n_samples,
            scan.header.sample_interval_s,
            attrs=attrs,
            config=config,
            header=scan.header,
            traces=scan.data if scan.n_traces else None,
            distance_m=scan.distance_m,
            trace_step_m=trace_step_m,
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

    def zone(self, geometry: GprGeometry) -> SurfaceZone | None:
        """The zone of a line (None: removal off, or the zone lies outside the traces)."""
        from detsig.dsp.surface import surface_zone

        return surface_zone(
            time_zero_s=geometry.time_zero_s,
            sample_interval_s=geometry.sample_interval_s,
            center_frequency_hz=geometry.frequency_hz,
            trace_step_m=geometry.trace_step_m,
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


def stream_context(geometry: GprGeometry) -> Any:
    """The :class:`detsig.dsp.pipeline.StreamContext` of a line, for its pipeline steps.

    Parameters
    ----------
    geometry : GprGeometry

    Returns
    -------
    StreamContext
        Sample interval, time zero, trace step and centre frequency of the line (the
        frequency as the detectors use it, :attr:`GprGeometry.frequency_hz`).
    """
    from detsig.dsp.pipeline import StreamContext

    return StreamContext(
        "gpr",
        sample_interval_s=geometry.sample_interval_s,
        time_zero_s=geometry.time_zero_s,
        trace_step_m=geometry.trace_step_m,
        center_frequency_hz=geometry.frequency_hz,
    )


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
    geometry : GprGeometry
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
        geometry: GprGeometry,
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
            self.bound: BoundPipeline = self.pipeline.bind(stream_context(geometry))
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
