"""Processing pipelines: ordered steps with parameters, described in TOML, validated, runnable
in one batch call or chunk by chunk through the streaming forms.

A pipeline file lists steps per stream kind::

    name = "my-gpr"
    description = "dewow, background removal, gain"

    [[gpr]]
    step = "dewow"
    window_samples = 31

    [[gpr]]
    step = "remove_background"
    window_traces = 101

    [[md]]
    step = "remove_baseline"
    window_s = 2.0

Sampling parameters (``sample_interval_s``, ``sample_rate_hz``, ``time_zero_s``,
``trace_step_m``, ``center_frequency_hz``) come from the stream being processed, through its
:class:`~detsig.model.GprHeader` or :class:`~detsig.model.MdHeader`; a step may override
them. ``detsig process --list-steps`` prints every step with its parameters. Presets ship in
``detsig/dsp/presets/<name>.toml``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from detsig.dsp import streaming
from detsig.dsp._validate import nearest_odd
from detsig.dsp.background import remove_background
from detsig.dsp.bandpass import bandpass
from detsig.dsp.depth import time_to_depth
from detsig.dsp.dewow import dewow
from detsig.dsp.envelope import envelope
from detsig.dsp.gain import gain_agc, gain_power, gain_sec
from detsig.dsp.md import (
    estimate_ground,
    ground_balance,
    ground_model_from_phase,
    remove_baseline,
    smooth,
)
from detsig.dsp.migration import migrate_kirchhoff, migrate_stolt
from detsig.dsp.surface import remove_surface_clutter, surface_zone
from detsig.dsp.timezero import first_break, time_zero
from detsig.errors import ParameterError, PipelineError
from detsig.model import GprHeader, MdHeader, StreamHeader

KINDS = ("gpr", "md")
_MISSING = object()


#: The fields of a stream header that steps read (the provenance records them).
_SAMPLING_FIELDS = {
    "gpr": ("sample_interval_s", "time_zero_s", "trace_step_m", "center_frequency_hz"),
    "md": ("sample_rate_hz",),
}


def _sampling(c: StreamHeader) -> dict[str, Any]:
    """The sampling a step ran with: ``kind`` and the set (not None, not NaN) fields."""
    values = {name: getattr(c, name) for name in _SAMPLING_FIELDS[_kind(c)]}
    return {
        "kind": _kind(c),
        **{
            k: v
            for k, v in values.items()
            if v is not None and not (isinstance(v, float) and math.isnan(v))
        },
    }


def _kind(c: StreamHeader) -> str:
    """The pipeline section a stream runs: ``"md"``, else ``"gpr"`` (radar sweeps too)."""
    return "md" if isinstance(c, MdHeader) else "gpr"


def _gpr(c: StreamHeader, step: str) -> GprHeader:
    """The GPR header a GPR step runs on."""
    if not isinstance(c, GprHeader):
        raise ParameterError(f"step {step} processes GPR traces, not a {c.kind} stream")
    return c


def _md(c: StreamHeader, step: str) -> MdHeader:
    """The metal-detector header an MD step runs on."""
    if not isinstance(c, MdHeader):
        raise ParameterError(f"step {step} processes metal-detector frames, not a {c.kind} stream")
    return c


@dataclass(frozen=True)
class Param:
    """One step parameter: accepted Python types and default (``_MISSING`` = required)."""

    types: tuple[type, ...]
    default: Any = _MISSING
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is _MISSING


_INT = (int,)
_FLOAT = (int, float)
_OPT_INT = (int, type(None))
_OPT_FLOAT = (int, float, type(None))
_STR = (str,)
_BOOL = (bool,)


@dataclass(frozen=True)
class StepSpec:
    """A kind of step: its parameters and how it runs.

    ``make_stream(params, context)`` builds the streaming filter (None when the step needs the
    whole line); ``run_batch(x, params, context)`` runs it on a whole block; ``update_context``
    says how the step changes the stream (time zero, sample axis).
    """

    name: str
    kind: str
    summary: str
    params: Mapping[str, Param]
    run_batch: Callable[[npt.NDArray[Any], dict[str, Any], StreamHeader], npt.NDArray[Any]]
    make_stream: Callable[[dict[str, Any], StreamHeader], streaming.StreamFilter | None]
    update_context: Callable[[dict[str, Any], StreamHeader], StreamHeader] = (
        lambda params, context: context
    )
    last_only: bool = False


def _need(context_value: Any, name: str, step: str) -> Any:
    if context_value is None or (isinstance(context_value, float) and math.isnan(context_value)):
        raise ParameterError(
            f"step {step} needs {name}, which the stream does not give; set {name} in the step"
        )
    return context_value


def _dt(params: dict[str, Any], context: StreamHeader, step: str) -> float:
    value = params.get("sample_interval_s")
    if value is not None:
        return float(value)
    header = _gpr(context, step)
    stated = header.sources.get("sample_interval_s") != "unstated"
    return float(_need(header.sample_interval_s if stated else None, "sample_interval_s", step))


def _rate(params: dict[str, Any], context: StreamHeader, step: str) -> float:
    value = params.get("sample_rate_hz")
    return float(value if value is not None else _md(context, step).sample_rate_hz)


def _frames(seconds: float, rate_hz: float) -> int:
    return max(round(float(seconds) * rate_hz), 1)


def _row(function: Callable[..., Any], **kwargs: Any) -> streaming.RowFilter:
    function(np.zeros((0, 0), np.float32), **kwargs)  # check the parameters now, on no data
    return streaming.RowFilter(function, **kwargs)


# -- GPR steps --------------------------------------------------------------------------------


def _centre_hz(c: StreamHeader, step: str) -> float:
    return float(_need(_gpr(c, step).center_frequency_hz, "center_frequency_hz", step))


def _trace_step(c: StreamHeader, step: str) -> float:
    return float(_need(_gpr(c, step).trace_step_m, "trace_step_m", step))


def _one_of(p: dict[str, Any], step: str, names: tuple[str, str], *, optional: bool) -> str | None:
    given = [n for n in names if p[n] is not None]
    if len(given) > 1 or (not given and not optional):
        raise ParameterError(f"step {step} takes exactly one of {names[0]} and {names[1]}")
    return given[0] if given else None


def _dewow_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    """The dewow window in samples; ``window_periods`` of the centre frequency become
    ``nearest_odd(periods / (f * dt), 3)`` samples (what the GPR detectors use)."""
    which = _one_of(p, "dewow", ("window_samples", "window_periods"), optional=False)
    if which == "window_samples":
        return {"window_samples": p["window_samples"]}
    samples = p["window_periods"] / (_centre_hz(c, "dewow") * _dt(p, c, "dewow"))
    return {"window_samples": nearest_odd(samples, 3)}


def _background_window(p: dict[str, Any], c: StreamHeader) -> int | None:
    """The background window in traces; ``window_m`` becomes
    ``nearest_odd(window_m / trace_step_m, 3)`` traces (what the GPR detectors use)."""
    which = _one_of(p, "remove_background", ("window_traces", "window_m"), optional=True)
    if which == "window_m":
        return nearest_odd(p["window_m"] / _trace_step(c, "remove_background"), 3)
    return p["window_traces"]


def _background_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    return remove_background(x, _background_window(p, c), method=p["method"])


def _surface_zone(p: dict[str, Any], c: StreamHeader) -> Any:
    step = "remove_surface_clutter"
    if not p["window_m"] > 0:
        return None
    return surface_zone(
        time_zero_s=_gpr(c, step).time_zero_s,
        sample_interval_s=_dt(p, c, step),
        center_frequency_hz=_centre_hz(c, step),
        trace_step_m=_trace_step(c, step),
        window_m=p["window_m"],
        before_periods=p["before_periods"],
        after_periods=p["after_periods"],
        n_components=p["n_components"],
        basis_step_m=p["basis_step_m"],
    )


def _surface_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    zone = _surface_zone(p, c)
    data = np.asarray(x)
    if zone is None:
        return data
    dtype = np.float64 if data.dtype == np.float64 else np.float32
    return remove_surface_clutter(data, zone).astype(dtype, copy=False)


def _time_zero_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    return {
        "shift_samples": p["shift_samples"],
        "target_sample": p["target_sample"],
        "threshold_fraction": p["threshold_fraction"],
        "per_trace": p["per_trace"],
    }


def _time_zero_context(p: dict[str, Any], c: StreamHeader) -> StreamHeader:
    header = _gpr(c, "time_zero")
    dt = header.sample_interval_s
    if p["shift_samples"] is None:
        return dataclasses.replace(header, time_zero_s=p["target_sample"] * dt)
    return dataclasses.replace(header, time_zero_s=header.time_zero_s - p["shift_samples"] * dt)


def _time_zero_stream(p: dict[str, Any], c: StreamHeader) -> streaming.StreamFilter | None:
    if p["shift_samples"] is None and not p["per_trace"]:
        return None  # a line median: resolved by a pre-pass (see BoundPipeline.prepare)
    return _row(time_zero, **_time_zero_kwargs(p, c))


def _background_stream(p: dict[str, Any], c: StreamHeader) -> streaming.StreamFilter | None:
    window = _background_window(p, c)
    if window is None:
        return None
    return streaming.BackgroundStream(window, p["method"])


def _gain_kwargs(p: dict[str, Any], c: StreamHeader, step: str) -> dict[str, Any]:
    kwargs = {k: v for k, v in p.items() if k not in ("sample_interval_s", "time_zero_s")}
    kwargs["sample_interval_s"] = _dt(p, c, step)
    kwargs["time_zero_s"] = (
        _gpr(c, step).time_zero_s if p.get("time_zero_s") is None else p["time_zero_s"]
    )
    return kwargs


def _bandpass_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    low, high = p["low_hz"], p["high_hz"]
    if p["low_fraction"] is not None or p["high_fraction"] is not None:
        centre = _centre_hz(c, "bandpass")
        if p["low_fraction"] is not None:
            low = p["low_fraction"] * centre
        if p["high_fraction"] is not None:
            high = p["high_fraction"] * centre
    rate = 1.0 / _dt(p, c, "bandpass")
    return {
        "low_hz": low,
        "high_hz": high,
        "sample_rate_hz": rate,
        "order": p["order"],
        "zero_phase": p["zero_phase"],
    }


def _migration_kwargs(p: dict[str, Any], c: StreamHeader, step: str) -> dict[str, Any]:
    kwargs = {k: v for k, v in p.items() if k not in ("sample_interval_s", "trace_step_m")}
    kwargs["sample_interval_s"] = _dt(p, c, step)
    step_m = (
        p.get("trace_step_m") if p.get("trace_step_m") is not None else _gpr(c, step).trace_step_m
    )
    kwargs["trace_step_m"] = _need(step_m, "trace_step_m", step)
    return kwargs


def _migrate_check_time_zero(c: StreamHeader, step: str) -> None:
    header = _gpr(c, step)
    if abs(header.time_zero_s) > 0.5 * header.sample_interval_s:
        raise ParameterError(
            f"step {step} needs time zero at the first sample (it is {header.time_zero_s:g} s); "
            "put a time_zero step with target_sample = 0 before it"
        )


def _depth_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    return {
        "sample_interval_s": _dt(p, c, "time_to_depth"),
        "velocity_m_per_s": p["velocity_m_per_s"],
        "time_zero_s": _gpr(c, "time_to_depth").time_zero_s,
        "depth_step_m": p["depth_step_m"],
        "max_depth_m": p["max_depth_m"],
    }


def _depth_only(x: npt.NDArray[Any], **kwargs: Any) -> npt.NDArray[Any]:
    return time_to_depth(x, **kwargs)[0]


def _migrate_stolt_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    _migrate_check_time_zero(c, "migrate_stolt")
    return migrate_stolt(x, **_migration_kwargs(p, c, "migrate_stolt"))


def _migrate_kirchhoff_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    _migrate_check_time_zero(c, "migrate_kirchhoff")
    return migrate_kirchhoff(x, **_migration_kwargs(p, c, "migrate_kirchhoff"))


# -- MD steps ---------------------------------------------------------------------------------


def _baseline_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    rate = _rate(p, c, "remove_baseline")
    return {
        "method": p["method"],
        "window_frames": _frames(p["window_s"], rate),
        "cutoff_hz": p["cutoff_hz"],
        "sample_rate_hz": rate,
        "order": p["order"],
    }


def _md_bandpass_kwargs(p: dict[str, Any], c: StreamHeader) -> dict[str, Any]:
    return {
        "low_hz": p["low_hz"],
        "high_hz": p["high_hz"],
        "sample_rate_hz": _rate(p, c, "bandpass"),
        "order": p["order"],
    }


def _ground_stream(p: dict[str, Any], c: StreamHeader) -> streaming.StreamFilter:
    if p["ground_phase_deg"] is not None:
        return streaming.GroundBalanceStream(model=ground_model_from_phase(p["ground_phase_deg"]))
    if p["quiet_start_s"] is None or p["quiet_stop_s"] is None:
        raise ParameterError(
            "ground_balance needs quiet_start_s and quiet_stop_s (a stretch with no target) "
            "or ground_phase_deg"
        )
    rate = _rate(p, c, "ground_balance")
    return streaming.GroundBalanceStream(
        quiet_start=round(p["quiet_start_s"] * rate),
        quiet_stop=round(p["quiet_stop_s"] * rate),
        n_components=p["n_components"],
    )


def _ground_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    stream = _ground_stream(p, c)
    assert isinstance(stream, streaming.GroundBalanceStream)
    if stream.state is not None:
        return ground_balance(x, stream.state)
    if x.shape[0] < (stream.quiet_stop or 0):
        raise ParameterError(
            f"the quiet stretch ends at frame {stream.quiet_stop}, after the {x.shape[0]} frames"
        )
    return ground_balance(
        x, estimate_ground(x[stream.quiet_start : stream.quiet_stop], p["n_components"])
    )


def _spec_list() -> list[StepSpec]:
    gain_common = {
        "reference_time_s": Param(_FLOAT, 1e-9, "time at which the gain is 1, s"),
        "sample_interval_s": Param(_OPT_FLOAT, None, "override the stream's sample interval, s"),
        "time_zero_s": Param(_OPT_FLOAT, None, "override the stream's time zero, s"),
    }
    return [
        StepSpec(
            "dewow",
            "gpr",
            "subtract a centred running mean along each trace",
            {
                "window_samples": Param(_OPT_INT, None, "odd window length, samples"),
                "window_periods": Param(
                    _OPT_FLOAT, None, "window in periods of the centre frequency (instead)"
                ),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            lambda x, p, c: dewow(x, **_dewow_kwargs(p, c)),
            lambda p, c: _row(dewow, **_dewow_kwargs(p, c)),
        ),
        StepSpec(
            "time_zero",
            "gpr",
            "shift traces so the first break (or a fixed shift) is time zero",
            {
                "shift_samples": Param(_OPT_INT, None, "fixed shift, samples (default: detect)"),
                "target_sample": Param(_INT, 0, "where the first break should land, samples"),
                "threshold_fraction": Param(_FLOAT, 0.25, "first break: fraction of the peak"),
                "per_trace": Param(_BOOL, False, "detect per trace instead of the line median"),
            },
            lambda x, p, c: time_zero(x, **_time_zero_kwargs(p, c)),
            _time_zero_stream,
            _time_zero_context,
        ),
        StepSpec(
            "remove_background",
            "gpr",
            "subtract the mean/median trace (line or sliding window)",
            {
                "window_traces": Param(
                    _OPT_INT, None, "odd sliding window, traces (default: line)"
                ),
                "window_m": Param(_OPT_FLOAT, None, "sliding window, m of lane (instead)"),
                "method": Param(_STR, "mean", "mean or median"),
            },
            _background_batch,
            _background_stream,
        ),
        StepSpec(
            "remove_surface_clutter",
            "gpr",
            "project the surface zone off the local clutter subspace (sliding SVD)",
            {
                "window_m": Param(_FLOAT, 0.6, "lane defining the clutter subspace, m (0: off)"),
                "before_periods": Param(_FLOAT, 1.0, "zone start: periods before time zero"),
                "after_periods": Param(_FLOAT, 0.75, "zone end: periods after time zero"),
                "n_components": Param(_INT, 2, "dimension of the removed subspace"),
                "basis_step_m": Param(_FLOAT, 0.04, "one basis per this length of lane, m"),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            _surface_batch,
            lambda p, c: streaming.SurfaceClutterStream(_surface_zone(p, c)),
        ),
        StepSpec(
            "bandpass",
            "gpr",
            "Butterworth band-pass along each trace",
            {
                "low_hz": Param(_OPT_FLOAT, None, "lower corner, Hz"),
                "high_hz": Param(_OPT_FLOAT, None, "upper corner, Hz"),
                "low_fraction": Param(_OPT_FLOAT, None, "lower corner / centre frequency"),
                "high_fraction": Param(_OPT_FLOAT, None, "upper corner / centre frequency"),
                "order": Param(_INT, 4, "Butterworth order"),
                "zero_phase": Param(_BOOL, True, "forward-backward (True) or causal"),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            lambda x, p, c: bandpass(x, **_bandpass_kwargs(p, c)),
            lambda p, c: _row(bandpass, **_bandpass_kwargs(p, c)),
        ),
        StepSpec(
            "gain_power",
            "gpr",
            "multiply by (t / t_ref) ** power after time zero",
            {"power": Param(_FLOAT, help="exponent of two-way time"), **gain_common},
            lambda x, p, c: gain_power(x, **_gain_kwargs(p, c, "gain_power")),
            lambda p, c: _row(gain_power, **_gain_kwargs(p, c, "gain_power")),
        ),
        StepSpec(
            "gain_sec",
            "gpr",
            "spreading and exponential compensation gain",
            {
                "exponent_per_s": Param(_FLOAT, help="exponential compensation a, 1/s"),
                "power": Param(_FLOAT, 1.0, "spreading exponent"),
                "max_gain": Param(_FLOAT, 1e4, "largest gain"),
                **gain_common,
            },
            lambda x, p, c: gain_sec(x, **_gain_kwargs(p, c, "gain_sec")),
            lambda p, c: _row(gain_sec, **_gain_kwargs(p, c, "gain_sec")),
        ),
        StepSpec(
            "gain_agc",
            "gpr",
            "divide by the RMS of a centred window",
            {"window_samples": Param(_INT, help="odd window length, samples")},
            lambda x, p, c: gain_agc(x, p["window_samples"]),
            lambda p, c: _row(gain_agc, window_samples=p["window_samples"]),
        ),
        StepSpec(
            "envelope",
            "gpr",
            "instantaneous amplitude (Hilbert envelope)",
            {},
            lambda x, p, c: envelope(x),
            lambda p, c: _row(envelope),
        ),
        StepSpec(
            "migrate_stolt",
            "gpr",
            "Stolt f-k migration at a constant velocity (whole line)",
            {
                "velocity_m_per_s": Param(_FLOAT, help="radar velocity, m/s"),
                "pad_traces": Param(_INT, 0, "zero traces appended"),
                "pad_samples": Param(_INT, 0, "zero samples appended"),
                "trace_step_m": Param(_OPT_FLOAT, None, "override the trace spacing, m"),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            _migrate_stolt_batch,
            lambda p, c: None,
        ),
        StepSpec(
            "migrate_kirchhoff",
            "gpr",
            "Kirchhoff diffraction summation (whole line)",
            {
                "velocity_m_per_s": Param(_FLOAT, help="radar velocity, m/s"),
                "aperture_m": Param(_OPT_FLOAT, None, "largest contributing offset, m"),
                "interpolation": Param(_STR, "linear", "linear or nearest"),
                "trace_step_m": Param(_OPT_FLOAT, None, "override the trace spacing, m"),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            _migrate_kirchhoff_batch,
            lambda p, c: None,
        ),
        StepSpec(
            "time_to_depth",
            "gpr",
            "resample traces to a uniform depth axis (last step)",
            {
                "velocity_m_per_s": Param(_FLOAT, help="radar velocity, m/s"),
                "depth_step_m": Param(_OPT_FLOAT, None, "output depth step, m"),
                "max_depth_m": Param(_OPT_FLOAT, None, "deepest output sample, m"),
                "sample_interval_s": Param(_OPT_FLOAT, None, "override, s"),
            },
            lambda x, p, c: _depth_only(x, **_depth_kwargs(p, c)),
            lambda p, c: _row(_depth_only, **_depth_kwargs(p, c)),
            last_only=True,
        ),
        StepSpec(
            "remove_baseline",
            "md",
            "remove slow drift (running median or high-pass)",
            {
                "method": Param(_STR, "median", "median or highpass"),
                "window_s": Param(_FLOAT, 2.0, "median window, s"),
                "cutoff_hz": Param(_OPT_FLOAT, None, "high-pass corner, Hz"),
                "order": Param(_INT, 2, "high-pass order"),
                "sample_rate_hz": Param(_OPT_FLOAT, None, "override the frame rate, Hz"),
            },
            lambda x, p, c: remove_baseline(x, **_baseline_kwargs(p, c)),
            lambda p, c: streaming.BaselineStream(**_baseline_kwargs(p, c)),
        ),
        StepSpec(
            "bandpass",
            "md",
            "causal Butterworth filter along time",
            {
                "low_hz": Param(_OPT_FLOAT, None, "lower corner, Hz"),
                "high_hz": Param(_OPT_FLOAT, None, "upper corner, Hz"),
                "order": Param(_INT, 2, "Butterworth order"),
                "sample_rate_hz": Param(_OPT_FLOAT, None, "override the frame rate, Hz"),
            },
            lambda x, p, c: _md_bandpass_batch(x, p, c),
            lambda p, c: streaming.BandpassStream(**_md_bandpass_kwargs(p, c)),
        ),
        StepSpec(
            "ground_balance",
            "md",
            "cancel the ground response (quiet stretch or ground phase)",
            {
                "quiet_start_s": Param(_OPT_FLOAT, None, "start of the quiet stretch, s"),
                "quiet_stop_s": Param(_OPT_FLOAT, None, "end of the quiet stretch, s"),
                "ground_phase_deg": Param(_OPT_FLOAT, None, "known VLF ground phase (I/Q), deg"),
                "n_components": Param(_INT, 1, "ground directions to cancel"),
                "sample_rate_hz": Param(_OPT_FLOAT, None, "override the frame rate, Hz"),
            },
            _ground_batch,
            _ground_stream,
        ),
        StepSpec(
            "smooth",
            "md",
            "causal moving average",
            {
                "window_s": Param(_FLOAT, help="window length, s"),
                "sample_rate_hz": Param(_OPT_FLOAT, None, "override the frame rate, Hz"),
            },
            lambda x, p, c: smooth(x, _frames(p["window_s"], _rate(p, c, "smooth"))),
            lambda p, c: streaming.SmoothStream(_frames(p["window_s"], _rate(p, c, "smooth"))),
        ),
    ]


def _md_bandpass_batch(x: Any, p: dict[str, Any], c: StreamHeader) -> Any:
    stream = streaming.BandpassStream(**_md_bandpass_kwargs(p, c))
    return np.concatenate([stream.process(x), stream.finish()])


#: every step, keyed by (kind, name)
STEPS: dict[tuple[str, str], StepSpec] = {(s.kind, s.name): s for s in _spec_list()}


@dataclass(frozen=True)
class Step:
    """One configured step: its spec and the full parameter set (defaults filled in)."""

    spec: StepSpec
    params: dict[str, Any]

    def describe(self) -> dict[str, Any]:
        """JSON-ready ``{"step": name, "params": {...}}``.

        Returns
        -------
        dict
            ``{"step": name, "params": {...}}`` with every parameter, defaults included.
        """
        return {"step": self.spec.name, "params": dict(self.params)}


@dataclass(frozen=True)
class Pipeline:
    """An ordered list of steps per stream kind.

    Build one with :func:`load_pipeline` (a preset name or a TOML file) or
    :meth:`from_mapping`.
    """

    name: str
    description: str
    steps: Mapping[str, tuple[Step, ...]] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any], *, source: str = "") -> Pipeline:
        """Validate a parsed TOML document; raises :class:`PipelineError` naming the problem.

        Parameters
        ----------
        document : mapping
            The parsed TOML: optional ``name`` and ``description``, and ``gpr`` / ``md`` lists of
            step tables (``{"step": NAME, PARAM: VALUE, ...}``).
        source : str
            Where it came from (a file path or ``preset NAME``), used in messages and as the
            default name.

        Returns
        -------
        Pipeline
            The validated pipeline, every step's parameters completed with defaults.

        Raises
        ------
        PipelineError
            Unknown key, step or parameter, a wrong type, a missing required parameter, a
            sample-axis-changing step that is not last, or no steps at all.
        """
        where = f" in {source}" if source else ""
        allowed = {"name", "description", *KINDS}
        unknown = sorted(set(document) - allowed)
        if unknown:
            raise PipelineError(
                f"unknown key(s) {unknown}{where}; a pipeline has name, description and "
                "[[gpr]] / [[md]] step tables"
            )
        steps: dict[str, tuple[Step, ...]] = {}
        for kind in KINDS:
            entries = document.get(kind, [])
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise PipelineError(f"{kind} must be a list of [[{kind}]] tables{where}")
            steps[kind] = tuple(
                _validate_step(kind, index, entry, where) for index, entry in enumerate(entries)
            )
            for index, step in enumerate(steps[kind][:-1]):
                if step.spec.last_only:
                    raise PipelineError(
                        f"[[{kind}]] step {index + 1} ({step.spec.name}) must be the last step"
                        f"{where}: it changes the sample axis"
                    )
        if not any(steps.values()):
            raise PipelineError(f"the pipeline{where} has no steps")
        name = document.get("name", Path(source).stem if source else "pipeline")
        return cls(str(name), str(document.get("description", "")), steps, source)

    @classmethod
    def from_toml(cls, text: str, *, source: str = "") -> Pipeline:
        """Parse and validate TOML text.

        Parameters
        ----------
        text : str
            TOML text (see :meth:`from_mapping` for its content).
        source : str
            Where it came from, used in messages.

        Returns
        -------
        Pipeline
            The validated pipeline.

        Raises
        ------
        PipelineError
            Invalid TOML, or any problem :meth:`from_mapping` reports.
        """
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise PipelineError(f"{source or 'the pipeline'} is not valid TOML: {error}") from None
        return cls.from_mapping(document, source=source)

    def steps_for(self, kind: str) -> tuple[Step, ...]:
        """The steps applied to streams of ``kind`` (empty: copied unprocessed).

        Parameters
        ----------
        kind : str
            Stream kind, ``"gpr"`` or ``"md"``.

        Returns
        -------
        tuple of Step
            The steps in order.
        """
        return tuple(self.steps.get(kind, ()))

    def bind(self, context: StreamHeader) -> BoundPipeline:
        """The steps for one stream, with its sampling context resolved (checked now).

        Parameters
        ----------
        context : StreamHeader
            The input stream's kind and sampling (sample interval, frame rate, trace step ...).

        Returns
        -------
        BoundPipeline
            The steps for ``context.kind`` with their contexts resolved.

        Raises
        ------
        PipelineError
            If a parameter does not suit this stream, naming the step.
        """
        return BoundPipeline(self, context)

    def describe(self) -> dict[str, Any]:
        """JSON-ready description (name, description, steps per kind).

        Returns
        -------
        dict
            ``{"name", "description", "steps": {kind: [step.describe(), ...]}}``; kinds without
            steps are left out.
        """
        return {
            "name": self.name,
            "description": self.description,
            "steps": {k: [s.describe() for s in v] for k, v in self.steps.items() if v},
        }


def _validate_step(kind: str, index: int, entry: Mapping[str, Any], where: str) -> Step:
    label = f"[[{kind}]] step {index + 1}"
    name = entry.get("step")
    if not isinstance(name, str):
        raise PipelineError(f"{label}{where} has no 'step = \"NAME\"' line")
    spec = STEPS.get((kind, name))
    if spec is None:
        known = ", ".join(sorted(n for k, n in STEPS if k == kind))
        raise PipelineError(f"{label}{where}: unknown {kind} step {name!r}; known: {known}")
    label = f"{label} ({name}){where}"
    params: dict[str, Any] = {}
    given = {k: v for k, v in entry.items() if k != "step"}
    unknown = sorted(set(given) - set(spec.params))
    if unknown:
        raise PipelineError(
            f"{label}: unknown parameter(s) {unknown}; it takes {sorted(spec.params) or 'none'}"
        )
    for pname, param in spec.params.items():
        if pname not in given:
            if param.required:
                raise PipelineError(f"{label}: missing the required parameter {pname}")
            params[pname] = param.default
            continue
        value = given[pname]
        if isinstance(value, bool) and bool not in param.types:
            ok = False
        else:
            ok = isinstance(value, param.types)
        if not ok:
            wanted = " or ".join("none" if t is type(None) else t.__name__ for t in param.types)
            raise PipelineError(f"{label}: {pname} must be {wanted}, got {value!r}")
        params[pname] = float(value) if param.types == _FLOAT else value
    return Step(spec, params)


class BoundPipeline:
    """A pipeline's steps for one stream, with contexts resolved and parameters checked.

    Parameters
    ----------
    pipeline : Pipeline
    context : StreamHeader
        The input stream's sampling description.

    Raises
    ------
    PipelineError
        A parameter does not suit this stream (a corner above Nyquist, no trace step for
        migration ...), naming the step.
    """

    def __init__(self, pipeline: Pipeline, context: StreamHeader) -> None:
        self.pipeline = pipeline
        self.steps = list(pipeline.steps_for(_kind(context)))
        self.contexts: list[StreamHeader] = []
        current = context
        for step in self.steps:
            self.contexts.append(current)
            current = step.spec.update_context(step.params, current)
        self.output_context = current
        for index, (step, step_context) in enumerate(zip(self.steps, self.contexts, strict=True)):
            with _step_errors(index, step, _kind(context)):
                step.spec.make_stream(step.params, step_context)

    @property
    def streamable(self) -> bool:
        """True when every step runs chunk by chunk (after :meth:`prepare`, if needed)."""
        for index, (step, step_context) in enumerate(zip(self.steps, self.contexts, strict=True)):
            prepared = index == 0 and self.needs_prepare
            if step.spec.make_stream(step.params, step_context) is None and not prepared:
                return False
        return True

    @property
    def needs_prepare(self) -> bool:
        """True when the first step is a line-median time zero, found by a pre-pass."""
        if not self.steps:
            return False
        first = self.steps[0]
        return (
            first.spec.name == "time_zero"
            and first.params["shift_samples"] is None
            and not first.params["per_trace"]
        )

    def prepare(self, chunks: Iterable[npt.ArrayLike]) -> None:
        """Pre-pass over the raw input: fix a detected line time-zero shift, so the chunked run
        equals the batch call. ``chunks`` yields the input rows in order.

        Parameters
        ----------
        chunks : iterable of array_like, shape (n_rows, n_samples)
            The raw input traces, in order (e.g. the chunks the stream will be fed later).
        """
        if not self.needs_prepare:
            return
        first = self.steps[0]
        breaks = [first_break(chunk, first.params["threshold_fraction"]) for chunk in chunks]
        all_breaks = np.concatenate(breaks) if breaks else np.zeros(0, np.int64)
        valid = all_breaks[all_breaks >= 0]
        shift = int(np.median(valid)) - first.params["target_sample"] if valid.size else 0
        params = {**first.params, "shift_samples": shift}
        self.steps[0] = Step(first.spec, params)

    def run(
        self,
        x: npt.ArrayLike,
        *,
        dtype: Any = np.float32,
        first_step: int = 0,
        stop_step: int | None = None,
    ) -> npt.NDArray[Any]:
        """Run every step (or steps ``first_step .. stop_step - 1``) on the whole block ``x``
        (rows = traces or frames).

        Parameters
        ----------
        x : array_like, shape (n_rows, n_columns)
            GPR traces (n_traces, n_samples) or MD frames (n_frames, n_channels).
        dtype : {numpy.float32, numpy.float64}
            Output type; with float64 the input is converted first and every step computes in
            float64 (what the GPR detectors use).
        first_step, stop_step : int, optional
            Run only these steps (default all), e.g. the rest after :attr:`n_row_steps`.

        Returns
        -------
        ndarray of ``dtype``, shape (n_rows, n_out_columns)
            The processed block, C-contiguous; ``n_out_columns`` differs from the input only when
            the last step changes the sample axis.

        Raises
        ------
        PipelineError
            If a step rejects the data, naming the step.
        """
        data: npt.NDArray[Any] = np.asarray(x)
        if dtype == np.float64:
            data = np.ascontiguousarray(data, dtype=np.float64)
        stop = len(self.steps) if stop_step is None else stop_step
        for index in range(first_step, stop):
            step, step_context = self.steps[index], self.contexts[index]
            with _step_errors(index, step, _kind(step_context)):
                data = step.spec.run_batch(data, step.params, step_context)
        return np.ascontiguousarray(data, dtype=dtype)

    @property
    def n_row_steps(self) -> int:
        """How many leading steps treat every row on its own (dewow, gains ...): their result
        for a row can be kept while a window slides."""
        count = 0
        for step, step_context in zip(self.steps, self.contexts, strict=True):
            made = step.spec.make_stream(step.params, step_context)
            if not isinstance(made, streaming.RowFilter):
                break
            count += 1
        return count

    @property
    def context_rows(self) -> int:
        """Rows on each side of a row that its streamed result depends on (0 for row-wise
        steps): a window padded by this many rows each side gives, on its middle rows, what
        the whole line gives."""
        total = 0
        for step, step_context in zip(self.steps, self.contexts, strict=True):
            made = step.spec.make_stream(step.params, step_context)
            if made is not None:
                total += max(made.lag, int(getattr(made, "lookback", made.lag)))
        return total

    @property
    def row_alignment(self) -> int:
        """Row grouping of the steps, counted from the line's row 0 (surface clutter bases):
        a padded window must start at a multiple of it to reproduce the whole line."""
        alignment = 1
        for step, step_context in zip(self.steps, self.contexts, strict=True):
            made = step.spec.make_stream(step.params, step_context)
            if made is not None:
                alignment = math.lcm(alignment, int(getattr(made, "row_alignment", 1)))
        return alignment

    def stream(self, *, dtype: Any = np.float32) -> ChainStream:
        """A chained streaming filter (needs :attr:`streamable`; run :meth:`prepare` first).

        Parameters
        ----------
        dtype : {numpy.float32, numpy.float64}
            Type of the rows it returns (feed float64 rows to compute in float64).

        Returns
        -------
        ChainStream
            A stream filter: feed row chunks to ``process`` and call ``finish`` (or
            ``process_final`` with the last chunk) at the end.

        Raises
        ------
        PipelineError
            If a step needs the whole line and cannot stream.
        """
        filters = []
        for index, (step, step_context) in enumerate(zip(self.steps, self.contexts, strict=True)):
            with _step_errors(index, step, _kind(step_context)):
                made = step.spec.make_stream(step.params, step_context)
            if made is None:
                raise PipelineError(
                    f"step {index + 1} ({step.spec.name}) needs the whole line and cannot stream"
                )
            filters.append(made)
        labels = [
            f"[[{_kind(c)}]] step {i + 1} ({s.spec.name})"
            for i, (s, c) in enumerate(zip(self.steps, self.contexts, strict=True))
        ]
        return ChainStream(filters, labels, dtype=dtype)

    def provenance(self) -> list[dict[str, Any]]:
        """The steps as run, JSON-ready: name, every parameter (defaults included) and the
        stream values each step used.

        Returns
        -------
        list of dict
            One ``{"step", "params", "context"}`` entry per step; ``context`` leaves out unset
            (None or NaN) values.
        """
        entries = []
        for step, step_context in zip(self.steps, self.contexts, strict=True):
            entries.append(
                {
                    "step": step.spec.name,
                    "params": dict(step.params),
                    "context": _sampling(step_context),
                }
            )
        return entries


class _step_errors:  # noqa: N801 - used as a context manager
    def __init__(self, index: int, step: Step, kind: str) -> None:
        self.label = f"[[{kind}]] step {index + 1} ({step.spec.name})"

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None and issubclass(exc_type, ParameterError):
            raise PipelineError(f"{self.label}: {exc}") from None


class ChainStream(streaming.StreamFilter):
    """Streaming filters run one after another; ``finish`` drains each in order.

    Parameters
    ----------
    filters : list of StreamFilter
        The filters, applied in order to each chunk.
    labels : list of str, optional
        One label per filter used to name it in errors; ``step 1``, ``step 2`` ... when None.
    dtype : {numpy.float32, numpy.float64}
        Type of the returned rows.
    """

    def __init__(
        self,
        filters: list[streaming.StreamFilter],
        labels: list[str] | None = None,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        self.filters = filters
        self.labels = labels or [f"step {i + 1}" for i in range(len(filters))]
        self.out_type = dtype
        self.lag = sum(f.lag for f in filters)

    @property
    def params(self) -> dict[str, Any]:
        return {"filters": self.filters, "labels": self.labels, "dtype": self.out_type}

    def process_final(self, chunk: npt.ArrayLike) -> npt.NDArray[Any]:
        """The last chunk: each filter computes the end of the stream in one call
        (:meth:`StreamFilter.process_final`); returns every row not returned before.

        Parameters
        ----------
        chunk : array_like, shape (n_rows, n_columns)
            The last rows (any number, also 0).

        Returns
        -------
        ndarray, shape (n_ready, n_out_columns)
        """
        data: npt.NDArray[Any] = np.asarray(chunk)
        for item, label in zip(self.filters, self.labels, strict=True):
            try:
                data = item.process_final(data)
            except ParameterError as error:
                raise PipelineError(f"{label}: {error}") from None
        return np.ascontiguousarray(data, dtype=self.out_type)

    def _process(self, chunk: npt.NDArray[Any]) -> npt.NDArray[Any]:
        data = chunk
        for item, label in zip(self.filters, self.labels, strict=True):
            try:
                data = item.process(data)
            except ParameterError as error:
                raise PipelineError(f"{label}: {error}") from None
        return np.ascontiguousarray(data, dtype=self.out_type)

    def _finish(self) -> npt.NDArray[Any]:
        data: npt.NDArray[Any] | None = None
        for item, label in zip(self.filters, self.labels, strict=True):
            try:
                data = item.finish() if data is None or not len(data) else item.process_final(data)
            except ParameterError as error:
                raise PipelineError(f"{label}: {error}") from None
        out = data if data is not None else self._empty()
        return np.ascontiguousarray(out, dtype=self.out_type)


def preset_names() -> list[str]:
    """Names of the pipelines shipped with detsig.

    Returns
    -------
    list of str
        Sorted preset names (the ``.toml`` files of ``detsig/dsp/presets``).
    """
    folder = resources.files("detsig.dsp") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_pipeline(name_or_path: str | Path) -> Pipeline:
    """A preset by name (``gpr-default``, ``md-default``) or a TOML file by path.

    Parameters
    ----------
    name_or_path : str or Path
        A preset name from :func:`preset_names`, else the path of a UTF-8 TOML file.

    Returns
    -------
    Pipeline
        The validated pipeline.

    Raises
    ------
    PipelineError
        No such preset or file, invalid TOML, an unknown step or parameter, a wrong type.

    Examples
    --------
    >>> import numpy as np
    >>> pipeline = load_pipeline("md-default")
    >>> [step.spec.name for step in pipeline.steps_for("md")]
    ['remove_baseline', 'smooth']
    >>> from detsig.model import MdHeader
    >>> bound = pipeline.bind(MdHeader(100.0, ("gate0", "gate1")))
    >>> bound.run(np.zeros((10, 2))).shape
    (10, 2)
    """
    text_name = str(name_or_path)
    if text_name in preset_names():
        resource = resources.files("detsig.dsp") / "presets" / f"{text_name}.toml"
        return Pipeline.from_toml(
            resource.read_text(encoding="utf-8"), source=f"preset {text_name}"
        )
    path = Path(name_or_path)
    if not path.is_file():
        raise PipelineError(
            f"no preset or file named {text_name!r}; presets: {', '.join(preset_names())}, "
            "or give a .toml file"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PipelineError(f"cannot read {path}: {error}") from None
    return Pipeline.from_toml(text, source=str(path))


def describe_steps() -> str:
    """Every step with its parameters, as text for ``--list-steps``.

    Returns
    -------
    str
        One block per stream kind: each step's summary, then each parameter with its default
        (or ``required``) and help text.
    """
    lines = []
    for kind in KINDS:
        lines.append(f"{kind} steps:")
        for (k, name), spec in STEPS.items():
            if k != kind:
                continue
            lines.append(f"  {name}: {spec.summary}")
            for pname, param in spec.params.items():
                default = "required" if param.required else f"default {json.dumps(param.default)}"
                lines.append(f"      {pname} ({default}): {param.help}")
    return "\n".join(lines)
