"""Processing presets the viewer can toggle on the displayed GPR window.

The viewer never filters signals itself: each preset is a short chain of ``detsig.dsp``
functions applied to the traces that are on screen (a window of at most a few thousand
traces, so the whole chain costs milliseconds).

=============  ==============================================================================
preset         steps
=============  ==============================================================================
``raw``        samples as recorded (converted to float32)
``processed``  dewow (one antenna period), mean-trace background removal over the window,
               power gain ``t**1`` from time zero
``envelope``   ``processed`` followed by the Hilbert envelope (targets as bright blobs)
=============  ==============================================================================

References
----------
Annan, A. P. (2009), "Electromagnetic principles of ground penetrating radar", in Jol, H. M.
(ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, pp. 3-40 (the standard
dewow, background removal and gain display sequence).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from detsig.viewer.sources import GprInfo

#: Preset names in the order the viewer offers them.
PRESETS = ("raw", "processed", "envelope")


def _dewow_window(info: GprInfo) -> int:
    frequency = info.center_frequency_hz
    if not math.isfinite(frequency) or frequency <= 0:
        return 0
    samples = round(1.0 / (frequency * info.sample_interval_s))
    samples = min(samples, info.n_samples // 2)
    if samples < 3:
        return 0
    return samples | 1  # odd


def apply_preset(
    data: npt.NDArray[np.float32], info: GprInfo, preset: str
) -> npt.NDArray[np.float32]:
    """Apply a display preset to a window of traces.

    Parameters
    ----------
    data : ndarray, shape (n_traces, n_samples), float32
        The traces on screen.
    info : GprInfo
        Sampling of the stream.
    preset : {"raw", "processed", "envelope"}
        The preset.

    Returns
    -------
    ndarray, shape (n_traces, n_samples), float32
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown display preset {preset!r}; choose one of {PRESETS}")
    data = np.ascontiguousarray(data, dtype=np.float32)
    if preset == "raw" or data.shape[0] == 0 or data.shape[1] < 2:
        return data
    from detsig.dsp import dewow, envelope, gain_power, remove_background

    window = _dewow_window(info)
    out = dewow(data, window) if window else data - data.mean(axis=1, keepdims=True)
    if out.shape[0] > 1:
        out = remove_background(out)
    out = gain_power(out, info.sample_interval_s, 1.0, time_zero_s=max(info.time_zero_s, 0.0))
    if preset == "envelope":
        out = envelope(out)
    return np.ascontiguousarray(out, dtype=np.float32)


def warm_up() -> None:
    """Load (or compile) the ``detsig.dsp`` kernels every preset uses, on a tiny array.

    Call before a live session starts: the first load costs about a second, which should not
    fall on the first redraw of the live view.
    """
    info = GprInfo(name="warm-up", n_samples=64, sample_interval_s=1e-10, center_frequency_hz=1e9)
    data = np.random.default_rng(0).normal(size=(8, 64)).astype(np.float32)
    for preset in PRESETS:
        apply_preset(data, info, preset)
