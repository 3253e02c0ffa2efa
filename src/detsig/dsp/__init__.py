"""Signal processing for GPR traces and metal-detector frames.

Pure functions over arrays shaped (n_traces, n_samples) for GPR or (n_frames, n_channels) for
metal detectors, each backed by a private serial ``nogil`` Numba kernel (cached on disk).
Filters that run live also have a streaming form with explicit state,
``y, state = f(x, ..., state=state)``, and a wrapper class in :mod:`detsig.dsp.streaming`;
pipelines of steps described in TOML are in :mod:`detsig.dsp.pipeline`.
"""

from detsig.dsp.background import BackgroundState, remove_background, remove_background_stream
from detsig.dsp.bandpass import (
    SosState,
    bandpass,
    bandpass_stream,
    butterworth_sos,
    sos_filter_stream,
)
from detsig.dsp.depth import depth_of_samples_m, time_to_depth
from detsig.dsp.dewow import dewow
from detsig.dsp.envelope import envelope
from detsig.dsp.gain import gain_agc, gain_power, gain_sec, power_gain_curve, sec_gain_curve
from detsig.dsp.header import (
    TIME_ZERO_TRACES,
    median_step_m,
    resolve_gpr_header,
    resolve_scan_header,
    resolve_time_zero_s,
    resolve_trace_step_m,
)
from detsig.dsp.md import (
    BaselineState,
    GroundModel,
    WindowState,
    estimate_ground,
    ground_balance,
    ground_model_from_phase,
    remove_baseline,
    remove_baseline_stream,
    running_median_stream,
    smooth,
    smooth_stream,
)
from detsig.dsp.migration import migrate_kirchhoff, migrate_stolt
from detsig.dsp.timezero import (
    estimate_center_frequency_hz,
    estimate_time_zero_s,
    first_break,
    time_zero,
)

__all__ = [
    "TIME_ZERO_TRACES",
    "BackgroundState",
    "BaselineState",
    "GroundModel",
    "SosState",
    "WindowState",
    "bandpass",
    "bandpass_stream",
    "butterworth_sos",
    "depth_of_samples_m",
    "dewow",
    "envelope",
    "estimate_center_frequency_hz",
    "estimate_ground",
    "estimate_time_zero_s",
    "first_break",
    "gain_agc",
    "gain_power",
    "gain_sec",
    "ground_balance",
    "ground_model_from_phase",
    "median_step_m",
    "migrate_kirchhoff",
    "migrate_stolt",
    "power_gain_curve",
    "remove_background",
    "remove_background_stream",
    "remove_baseline",
    "remove_baseline_stream",
    "resolve_gpr_header",
    "resolve_scan_header",
    "resolve_time_zero_s",
    "resolve_trace_step_m",
    "running_median_stream",
    "sec_gain_curve",
    "smooth",
    "smooth_stream",
    "sos_filter_stream",
    "time_to_depth",
    "time_zero",
]
