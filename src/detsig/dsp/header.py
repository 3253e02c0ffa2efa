"""What a GPR line does not state, measured: the one resolver of trace step, time zero and
centre frequency.

A header from a device's HELLO (:func:`detsig.devices.header_from_hello`) or from a file
(:func:`detsig.io.headers.gpr_header_from_attrs`, the vendor readers) says what was stated.
:func:`resolve_gpr_header` completes it, the same way for ``detsig detect``, ``detsig
process``, ``detsig view`` and the live detector:

- trace step: a step the user gives, else the stated one, else the median step of the trace
  positions (wheel or GNSS);
- time zero: the stated one, else :func:`detsig.dsp.estimate_time_zero_s` on the first
  :data:`TIME_ZERO_TRACES` traces (plus the air path of the antenna height);
- centre frequency: the stated one, else :func:`detsig.dsp.estimate_center_frequency_hz`
  on the first :data:`ESTIMATE_TRACES` traces.

Nothing is defaulted silently: what can be neither read nor measured raises
:class:`~detsig.errors.InputError` (or, with ``strict=False``, stays unresolved, and
``sources`` says so).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from detsig.dsp.timezero import estimate_center_frequency_hz, estimate_time_zero_s
from detsig.errors import InputError, ParameterError
from detsig.model import GprHeader, GprScan

#: Time zero is estimated from the first traces of a line (so a replay, a live stream and a
#: whole-file job that see the same first traces agree).
TIME_ZERO_TRACES = 200
#: The centre frequency is measured on at most this many first traces (so the estimate, and
#: the memory it takes, do not grow with the line).
ESTIMATE_TRACES = 4096


def median_step_m(distance_m: npt.ArrayLike | None) -> float | None:
    """Median of the positive, finite steps between positions, m (None without any).

    Parameters
    ----------
    distance_m : array_like, shape (n_traces,), optional
        Along-lane position of each trace, m.

    Returns
    -------
    float or None
    References
    ----------
    .. [1] Cassidy, N. J. (2009). Ground penetrating radar data processing, modelling and
       analysis. In H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*,
       Elsevier, ch. 5 (trace spacing from the survey wheel or positions; regularising
       traces recorded in time to distance).

    Examples
    --------
    >>> median_step_m([0.0, 0.02, 0.04, 0.04, 0.07])
    0.02
    """
    if distance_m is None:
        return None
    steps = np.diff(np.asarray(distance_m, dtype=np.float64))
    steps = steps[np.isfinite(steps) & (steps > 0)]
    return float(np.median(steps)) if steps.size else None


def resolve_trace_step_m(
    header: GprHeader,
    distance_m: npt.ArrayLike | None = None,
    trace_step_m: float | None = None,
) -> tuple[float | None, str]:
    """The trace step of a line and where it came from.

    Parameters
    ----------
    header : GprHeader
        What the device or file states.
    distance_m : array_like, shape (n_traces,), optional
        Trace positions, m.
    trace_step_m : float, optional
        A step given by the user, m (first).

    Returns
    -------
    step_m : float or None
        None when nothing states it and there are no positions.
    source : {"given", "stated", "positions", "none"}
    References
    ----------
    .. [1] Cassidy, N. J. (2009). Ground penetrating radar data processing, modelling and
       analysis. In H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*,
       Elsevier, ch. 5 (trace spacing from the survey wheel or positions; regularising
       traces recorded in time to distance).

    Examples
    --------
    >>> from detsig.model import GprHeader
    >>> resolve_trace_step_m(GprHeader(1e-10), [0.0, 0.02, 0.04])
    (0.02, 'positions')
    >>> resolve_trace_step_m(GprHeader(1e-10, trace_step_m=0.01), [0.0, 0.02, 0.04])
    (0.01, 'stated')
    """
    if trace_step_m is not None and math.isfinite(trace_step_m) and trace_step_m > 0:
        return float(trace_step_m), "given"
    if header.trace_step_m is not None:
        return header.trace_step_m, "stated"
    step = median_step_m(distance_m)
    if step is not None and step > 0:
        return step, "positions"
    return None, "none"


def resolve_time_zero_s(
    header: GprHeader, traces: npt.ArrayLike | None = None
) -> tuple[float | None, str]:
    """Time zero of a line and where it came from: stated, else estimated on its first traces.

    Parameters
    ----------
    header : GprHeader
        What the device or file states (``time_zero_stated``, ``antenna_height_m``).
    traces : array_like, shape (n_traces, n_samples), optional
        Raw traces; :func:`detsig.dsp.estimate_time_zero_s` runs on the first
        :data:`TIME_ZERO_TRACES` of them.

    Returns
    -------
    time_zero_s : float or None
        None when nothing states it and no traces were given.
    source : {"stated", "estimated", "none"}

    Raises
    ------
    InputError
        Traces that give no time zero (all zero).
    References
    ----------
    .. [1] Yelf, R. (2004). Where is true time zero? *Proc. 10th Int. Conf. on Ground
       Penetrating Radar*, 279-282.

    Examples
    --------
    >>> from detsig.model import GprHeader
    >>> resolve_time_zero_s(GprHeader(1e-10, time_zero_s=2e-9))
    (2e-09, 'stated')
    >>> resolve_time_zero_s(GprHeader(1e-10, time_zero_stated=False))
    (None, 'none')
    """
    if header.time_zero_stated:
        return header.time_zero_s, "stated"
    if traces is None:
        return None, "none"
    first = np.asarray(traces)[:TIME_ZERO_TRACES]
    if first.shape[0] == 0:
        return None, "none"
    try:
        return (
            estimate_time_zero_s(
                first, header.sample_interval_s, antenna_height_m=header.antenna_height_m
            ),
            "estimated",
        )
    except ParameterError as error:
        raise InputError(f"cannot find time zero: {error}") from None


def resolve_gpr_header(
    header: GprHeader,
    *,
    traces: npt.ArrayLike | None = None,
    distance_m: npt.ArrayLike | None = None,
    trace_step_m: float | None = None,
    n_samples: int | None = None,
    strict: bool = True,
) -> GprHeader:
    """The header of a line with trace step, time zero and centre frequency all known.

    Parameters
    ----------
    header : GprHeader
        What the device or file states.
    traces : array_like, shape (n_traces, n_samples), optional
        Raw traces, for the estimates.
    distance_m : array_like, shape (n_traces,), optional
        Trace positions, m.
    trace_step_m : float, optional
        A trace step given by the user, m; overrides everything else.
    n_samples : int, optional
        Samples per trace when the header does not say (default: the traces' width).
    strict : bool
        Refuse what can be neither read nor measured (the detectors); False leaves such a
        field as the header has it (None / 0 / NaN, ``sources`` saying ``"none"``) for jobs
        whose steps may not need it (``detsig process``, ``detsig view``).

    Returns
    -------
    GprHeader
        ``trace_step_m``, ``time_zero_s`` and ``center_frequency_hz`` set, ``sources`` saying
        where each came from (``time_zero_stated`` keeps saying whether the file stated it).

    Raises
    ------
    InputError
        A field that is neither stated nor measurable (no trace step and no positions; no
        time zero and no traces; no centre frequency and traces that show none), or a header
        whose sample interval was never stated.
    References
    ----------
    .. [1] Yelf, R. (2004). Where is true time zero? *Proc. 10th Int. Conf. on Ground
       Penetrating Radar*, 279-282.
    .. [2] Annan, A. P. (2009). Electromagnetic principles of ground penetrating radar. In
       H. M. Jol (Ed.), *Ground Penetrating Radar: Theory and Applications*, Elsevier, ch. 1.
    .. [3] Cassidy, N. J. (2009). Ground penetrating radar data processing, modelling and
       analysis. In Jol (Ed.), ch. 5.

    Examples
    --------
    >>> import numpy as np
    >>> from detsig.model import GprHeader
    >>> header = GprHeader(1e-10, center_frequency_hz=1e9, time_zero_stated=False)
    >>> traces = np.zeros((20, 64))
    >>> traces[:, 20] = 1.0
    >>> resolved = resolve_gpr_header(header, traces=traces, distance_m=np.arange(20) * 0.02)
    >>> resolved.trace_step_m, resolved.sources["time_zero_s"], resolved.n_samples
    (0.02, 'estimated', 64)
    """
    if strict and header.sources.get("sample_interval_s") == "unstated":
        raise InputError("the GPR line states no usable sample interval")
    sources = dict(header.sources)
    step, sources["trace_step_m"] = resolve_trace_step_m(header, distance_m, trace_step_m)
    if step is None and strict:
        raise InputError(
            "the GPR line states no trace step and has no trace positions; give the "
            "distance between traces"
        )
    try:
        time_zero, sources["time_zero_s"] = resolve_time_zero_s(header, traces)
    except InputError:
        if strict:
            raise
        time_zero, sources["time_zero_s"] = None, "none"
    if time_zero is None and strict:
        raise InputError("the GPR line states no time zero and no traces were given to find it")
    frequency = header.center_frequency_hz
    sources["center_frequency_hz"] = "stated"
    if not (math.isfinite(frequency) and frequency > 0):
        frequency = math.nan
        if traces is not None:
            try:
                frequency = estimate_center_frequency_hz(
                    np.asarray(traces)[:ESTIMATE_TRACES], header.sample_interval_s
                )
                sources["center_frequency_hz"] = "estimated"
            except ParameterError:
                frequency = math.nan
        if not math.isfinite(frequency):
            sources["center_frequency_hz"] = "none"
            if strict:
                raise InputError(
                    "the GPR line states no centre frequency and it cannot be measured from "
                    "the traces"
                )
    width = header.n_samples
    if n_samples is not None:
        width = int(n_samples)
    elif width == 0 and traces is not None:
        width = int(np.shape(traces)[1])
    return replace(
        header,
        n_samples=width,
        trace_step_m=None if step is None else float(step),
        time_zero_s=float(time_zero or 0.0),
        center_frequency_hz=float(frequency),
        sources=sources,
    )


def resolve_scan_header(scan: GprScan, trace_step_m: float | None = None) -> GprHeader:
    """:func:`resolve_gpr_header` for a scan: its header, traces and positions.

    Parameters
    ----------
    scan : GprScan
        Traces (n_traces, n_samples) with their header and positions.
    trace_step_m : float, optional
        A trace step given by the user, m.

    Returns
    -------
    GprHeader
    References
    ----------
    .. [1] See :func:`resolve_gpr_header` (Yelf 2004; Annan 2009; Cassidy 2009).

    Examples
    --------
    >>> from detsig.sim import simulate_lane
    >>> header = resolve_scan_header(simulate_lane("standard", 1).gpr)
    >>> header.sources["trace_step_m"], round(header.trace_step_m, 3)
    ('stated', 0.01)
    """
    return resolve_gpr_header(
        scan.header,
        traces=scan.data if scan.n_traces else None,
        distance_m=scan.distance_m,
        trace_step_m=trace_step_m,
        n_samples=scan.n_samples,
    )
